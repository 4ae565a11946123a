// The brief (server/queries/brief.h) over a log the committer wrote with a fake clock: a provenance on every figure,
// the 24-hour trend, "—" for what was not reported, withheld small sums, and the same bytes every time.
#include "server/queries/brief.h"

#include <cstdint>
#include <memory>
#include <string>

#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/names.h"
#include "server/queries/reader.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.
using ::testing::HasSubstr;
using ::testing::Not;

class BriefTest : public CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    for (const char* id : {"zh-a", "zh-b", "zh-c"}) MustSubmit(RegisterWrite(MakeOrganization(id)));
    // A day before the incident: IC 3 + 4.
    MustSubmit(ReportWrite(MakeReport("zh-a", 3)));
    MustSubmit(ReportWrite(MakeReport("zh-b", 4)));
    Advance(absl::Hours(25));
    v1::OpenIncidentRequest open;
    v1::Incident& incident = *open.mutable_incident();
    incident.set_id("dijk");
    incident.set_title("Dijkdoorbraak");
    incident.set_type("overstroming");
    incident.set_scale_up_level("GRIP 2");
    incident.set_safety_region("VR10");
    MustSubmit(Write(open));
    v1::AddSituationEntryRequest entry;
    entry.mutable_entry()->set_incident_id("dijk");
    entry.mutable_entry()->set_layer(v1::SITUATION_LAYER_PICTURE);
    entry.mutable_entry()->set_text("Water | stijgt\nin de polder");
    entry.mutable_entry()->set_author("Meldkamer");
    MustSubmit(Write(entry));
    Advance(absl::Minutes(5));
    // Now: zh-a critical with IC 1 (1 + 4 = 5), and general ward beds that nobody reported a day ago.
    v1::StatusReport critical = MakeReport("zh-a", 1, v1::OVERALL_STATUS_CRITICAL);
    v1::Capacity& ward = *critical.add_capacity();
    ward.set_type(v1::BED_TYPE_GENERAL_WARD);
    ward.set_available(20);
    v1::Supply& oxygen = *critical.add_supplies();
    oxygen.set_type(v1::SUPPLY_TYPE_OXYGEN);
    oxygen.set_state(v1::SUPPLY_STATE_LIMITED);
    oxygen.set_autonomy_hours(10);
    MustSubmit(ReportWrite(critical));
    v1::PutScenarioRequest scenario;
    scenario.mutable_scenario()->set_id("overstroming");
    scenario.mutable_scenario()->set_name("Overstroming");
    scenario.mutable_scenario()->set_safety_region("VR10");
    v1::CapacityRequirement& need = *scenario.mutable_scenario()->add_capacity();
    need.set_bed_type(v1::BED_TYPE_IC_ADULT);
    need.set_quantity(10);
    MustSubmit(Write(scenario));
    Advance(absl::Minutes(1));
  }

  // The brief now, as the service builds it: the picture at `revision` (0: the latest) and the one 24 hours before,
  // each restricted to what a brief reads.
  absl::StatusOr<v1::SituationReport> Brief(int min_group = 0, const std::string& language = "", int64_t revision = 0,
                                            const queries::FigureTable* published = nullptr) {
    const queries::Reader reader(*store_, *picture_);
    absl::StatusOr<std::unique_ptr<state::Picture>> at =
        reader.PictureAt(revision != 0 ? revision : picture_->revision(), "revision", queries::BriefPrefixes(""));
    if (!at.ok()) return at.status();
    const absl::Time moment = Now();
    absl::StatusOr<int64_t> then = reader.RevisionAt(ToProtoTime(moment - absl::Hours(24)), moment, "at_time");
    if (!then.ok()) return then.status();
    absl::StatusOr<std::unique_ptr<state::Picture>> before =
        reader.PictureAt(*then, "revision", queries::BriefTrendPrefixes(""));
    if (!before.ok()) return before.status();
    v1::GetSituationReportRequest request;
    request.set_incident_id("dijk");
    request.set_language(language);
    return queries::ComputeSituationReport(request, queries::BriefInputs{.at = **at,
                                                                         .moment = moment,
                                                                         .before = before->get(),
                                                                         .before_moment = moment - absl::Hours(24),
                                                                         .min_group = min_group,
                                                                         .published = published});
  }

  static const v1::BriefCapacityLine* Line(const v1::SituationReport& report, v1::BedType bed_type) {
    for (const v1::BriefCapacityLine& line : report.capacity()) {
      if (line.bed_type() == bed_type) return &line;
    }
    return nullptr;
  }

  static void ExpectComplete(const v1::Provenance& provenance) {
    EXPECT_FALSE(provenance.record().empty());
    EXPECT_GT(provenance.revision(), 0) << provenance.record();
    EXPECT_TRUE(provenance.has_reported_at()) << provenance.record();
    EXPECT_FALSE(provenance.reported_by().empty()) << provenance.record();
  }
};

TEST_F(BriefTest, EveryFigureCarriesItsProvenance) {
  absl::StatusOr<v1::SituationReport> report = Brief();
  ASSERT_TRUE(report.ok()) << report.status();
  ExpectComplete(report->incident_provenance());
  ASSERT_EQ(report->entries_size(), 1);
  ExpectComplete(report->entries(0).provenance());
  int figures = 0;
  for (const v1::BriefCapacityLine& line : report->capacity()) {
    for (const v1::BriefFigure* figure : {&line.available(), &line.available_before()}) {
      if (!figure->has_value()) continue;
      ++figures;
      ASSERT_FALSE(figure->provenance().empty()) << v1::BedType_Name(line.bed_type());
      for (const v1::Provenance& provenance : figure->provenance()) ExpectComplete(provenance);
    }
  }
  EXPECT_EQ(figures, 3);  // IC now and before, general ward now.
  // The IC sum of zh-a and zh-b names both reports, at the revisions the brief read.
  const v1::BriefCapacityLine* ic = Line(*report, v1::BED_TYPE_IC_ADULT);
  ASSERT_NE(ic, nullptr);
  ASSERT_EQ(ic->available().provenance_size(), 2);
  EXPECT_EQ(ic->available().provenance(0).record(), "organizations/zh-a/status");
  EXPECT_EQ(ic->available().provenance(1).record(), "organizations/zh-b/status");
  ASSERT_EQ(report->critical_organizations_size(), 1);
  ExpectComplete(report->critical_organizations(0).provenance());
  ASSERT_EQ(report->supplies_size(), 1);
  for (const v1::Provenance& provenance : report->supplies(0).organizations_running_out().provenance()) {
    ExpectComplete(provenance);
  }
  ASSERT_EQ(report->scenario_gaps_size(), 1);
  EXPECT_EQ(report->scenario_gaps(0).shortfall(), 5);
  ExpectComplete(report->scenario_gaps(0).scenario());
  // zh-c never reported: not heard from, with its registration as the source.
  ASSERT_EQ(report->not_heard_from_size(), 1);
  EXPECT_EQ(report->not_heard_from(0).organization_id(), "zh-c");
  ExpectComplete(report->not_heard_from(0).provenance());
  for (const v1::BriefDecision& decision : report->decisions()) {
    EXPECT_FALSE(decision.provenance().empty()) << decision.question();
  }
  EXPECT_EQ(report->decisions_size(), 3);  // The critical hospital, the scenario gap, the oxygen.
  // In the Markdown every footnote cited is defined.
  EXPECT_THAT(report->markdown(), HasSubstr("[^1]: `incidents/dijk`, revisie "));
  EXPECT_THAT(report->markdown(), HasSubstr("| acute zorg | IC volwassenen | 5 [^"));
}

TEST_F(BriefTest, TrendAgainstTwentyFourHoursBeforeAndDashForUnreported) {
  absl::StatusOr<v1::SituationReport> report = Brief();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GT(report->before_revision(), 0);
  EXPECT_LT(report->before_revision(), report->revision());
  const v1::BriefCapacityLine* ic = Line(*report, v1::BED_TYPE_IC_ADULT);
  ASSERT_NE(ic, nullptr);
  EXPECT_EQ(ic->available().value(), 5);
  EXPECT_EQ(ic->available_before().value(), 7);
  EXPECT_EQ(ic->change(), -2);
  EXPECT_THAT(report->markdown(), HasSubstr(" | -2 |"));
  // General ward beds were not reported a day ago: absent, never zero, and no change.
  const v1::BriefCapacityLine* ward = Line(*report, v1::BED_TYPE_GENERAL_WARD);
  ASSERT_NE(ward, nullptr);
  EXPECT_EQ(ward->available().value(), 20);
  EXPECT_FALSE(ward->available_before().has_value());
  EXPECT_FALSE(ward->available_before().withheld());
  EXPECT_FALSE(ward->has_change());
  EXPECT_THAT(report->markdown(), HasSubstr("| acute zorg | verpleegafdeling | 20 [^"));
  EXPECT_THAT(report->markdown(), HasSubstr("| — | — |"));
}

TEST_F(BriefTest, SameRevisionGivesTheSameBytes) {
  absl::StatusOr<v1::SituationReport> first = Brief();
  absl::StatusOr<v1::SituationReport> second = Brief();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
  EXPECT_EQ(first->markdown(), second->markdown());
}

TEST_F(BriefTest, TextCannotBreakTheTable) {
  absl::StatusOr<v1::SituationReport> report = Brief();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->markdown(), HasSubstr("| beeld | Water \\| stijgt in de polder | Meldkamer |"));
}

TEST_F(BriefTest, SmallSumsAreWithheldWithoutProvenance) {
  const queries::FigureTable published = queries::TabulateFigures(*picture_);
  absl::StatusOr<v1::SituationReport> report = Brief(/*min_group=*/3, "", 0, &published);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->detail_withheld());
  const v1::BriefCapacityLine* ic = Line(*report, v1::BED_TYPE_IC_ADULT);
  ASSERT_NE(ic, nullptr);
  EXPECT_TRUE(ic->available().withheld());
  EXPECT_FALSE(ic->available().has_value());
  EXPECT_TRUE(ic->available().provenance().empty());
  ASSERT_EQ(report->supplies_size(), 1);
  EXPECT_TRUE(report->supplies(0).organizations_running_out().withheld());
  EXPECT_TRUE(report->supplies(0).organization_ids().empty());
  EXPECT_THAT(report->markdown(), HasSubstr("| IC volwassenen | afgeschermd |"));
  EXPECT_THAT(report->markdown(), Not(HasSubstr("| IC volwassenen | 5")));
}

TEST_F(BriefTest, EnglishOnRequest) {
  absl::StatusOr<v1::SituationReport> report = Brief(0, "en");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->markdown(), HasSubstr("# Situation report for the bestuur: Dijkdoorbraak"));
  EXPECT_THAT(report->markdown(), HasSubstr("| acute care | adult IC | 5 [^"));
}

TEST_F(BriefTest, BadInputNamesTheField) {
  v1::GetSituationReportRequest request;
  request.set_incident_id("bestaat-niet");
  const queries::BriefInputs inputs{.at = *picture_, .moment = Now()};
  absl::StatusOr<v1::SituationReport> missing = queries::ComputeSituationReport(request, inputs);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("incident_id"));
  request.set_incident_id("dijk");
  request.set_language("fr");
  EXPECT_THAT(std::string(queries::ComputeSituationReport(request, inputs).status().message()), HasSubstr("language"));
  request.set_language("nl");
  *request.mutable_horizon() = ToProtoDuration(absl::Hours(24 * 30));
  EXPECT_THAT(std::string(queries::ComputeSituationReport(request, inputs).status().message()), HasSubstr("horizon"));
}

TEST_F(BriefTest, APastRevisionReadFromTheStoreGivesTheBriefTheLivePictureGave) {
  absl::StatusOr<v1::SituationReport> live = Brief();
  ASSERT_TRUE(live.ok()) << live.status();
  // Later changes of every kind the brief reads (and one it does not): the brief at the old revision is unchanged.
  MustSubmit(ReportWrite(MakeReport("zh-c", 9, v1::OVERALL_STATUS_CRITICAL)));
  v1::AddSituationEntryRequest entry;
  entry.mutable_entry()->set_incident_id("dijk");
  entry.mutable_entry()->set_layer(v1::SITUATION_LAYER_ASSESSMENT);
  entry.mutable_entry()->set_text("Later");
  entry.mutable_entry()->set_author("OvD-G");
  MustSubmit(Write(entry));
  absl::StatusOr<v1::SituationReport> past = Brief(0, "", live->revision());
  ASSERT_TRUE(past.ok()) << past.status();
  EXPECT_EQ(past->markdown(), live->markdown());
  EXPECT_GT(picture_->revision(), live->revision());
}

TEST_F(BriefTest, APastPictureReadsOnlyTheNamedPrefixes) {
  const int64_t past = picture_->revision();
  MustSubmit(ReportWrite(MakeReport("zh-c", 9)));
  const queries::Reader reader(*store_, *picture_);
  for (const int64_t revision : {past, picture_->revision()}) {
    absl::StatusOr<std::unique_ptr<state::Picture>> trend =
        reader.PictureAt(revision, "revision", queries::BriefTrendPrefixes(""));
    ASSERT_TRUE(trend.ok()) << trend.status();
    EXPECT_NE((*trend)->Find(domain::OrganizationName("zh-a")), nullptr) << revision;
    EXPECT_NE((*trend)->Find(domain::StatusReportName("zh-a", "")), nullptr) << revision;
    EXPECT_EQ((*trend)->Find(domain::IncidentName("dijk")), nullptr) << revision;
    EXPECT_EQ((*trend)->Find(domain::ScenarioName("overstroming")), nullptr) << revision;
  }
}

TEST_F(BriefTest, APastPictureBeyondTheLimitsIsRefusedAndTheLiveOneIsNot) {
  const int64_t past = picture_->revision();
  MustSubmit(ReportWrite(MakeReport("zh-c", 9)));
  // The brief's records at `past`: three organisations, two reports, the incident, its entry, the scenario.
  const queries::Reader few_records(*store_, *picture_, queries::ScanLimits{.max_picture_records = 5});
  absl::StatusOr<std::unique_ptr<state::Picture>> refused =
      few_records.PictureAt(past, "revision", queries::BriefPrefixes(""));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("revision: the picture at revision"));
  EXPECT_THAT(refused.status().message(), HasSubstr("limits.max_records_per_picture"));
  EXPECT_TRUE(few_records.PictureAt(picture_->revision(), "revision", queries::BriefPrefixes("")).ok());
  EXPECT_TRUE(few_records.PictureAt(past, "revision", queries::BriefTrendPrefixes("")).ok());

  const queries::Reader few_bytes(*store_, *picture_, queries::ScanLimits{.max_picture_bytes = 200});
  refused = few_bytes.PictureAt(past, "at_time", queries::BriefPrefixes(""));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("at_time: "));
  EXPECT_THAT(refused.status().message(), HasSubstr("limits.max_bytes_per_picture"));
}

// A reader without detail gets the figures published to such readers, which may trail the picture, and never those
// of two moments: a sum now and one 24 hours before could be subtracted from one another.
TEST_F(BriefTest, AReaderWithoutDetailGetsThePublishedFiguresAndNoTrend) {
  const queries::FigureTable published = queries::TabulateFigures(*picture_);  // IC 1 + 4
  MustSubmit(ReportWrite(MakeReport("zh-b", 10)));
  absl::StatusOr<v1::SituationReport> report = Brief(/*min_group=*/1, "", 0, &published);
  ASSERT_TRUE(report.ok()) << report.status();
  const v1::BriefCapacityLine* ic = Line(*report, v1::BED_TYPE_IC_ADULT);
  ASSERT_NE(ic, nullptr);
  EXPECT_EQ(ic->available().value(), 5);
  ASSERT_EQ(ic->available().provenance_size(), 2);
  EXPECT_EQ(ic->available().provenance(0).record(), "organizations/zh-a/status");
  EXPECT_EQ(ic->available().provenance(1).revision(), published.revision);
  EXPECT_TRUE(report->trend_withheld());
  EXPECT_EQ(report->before_revision(), 0);
  EXPECT_FALSE(ic->has_available_before());
  EXPECT_FALSE(ic->has_change());
  EXPECT_THAT(report->markdown(), HasSubstr("Geen trend voor deze lezer"));
  // Which organisation runs out of oxygen is detail: counted, not named, not cited.
  ASSERT_EQ(report->supplies_size(), 1);
  EXPECT_EQ(report->supplies(0).organizations_running_out().value(), 1);
  EXPECT_TRUE(report->supplies(0).organization_ids().empty());
  EXPECT_TRUE(report->supplies(0).organizations_running_out().provenance().empty());
  // The GHOR gets the live figure and the trend.
  absl::StatusOr<v1::SituationReport> exact = Brief();
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(Line(*exact, v1::BED_TYPE_IC_ADULT)->available().value(), 11);
  EXPECT_FALSE(exact->trend_withheld());
}

TEST_F(BriefTest, APastBriefForAReaderWithoutDetailWithholdsEveryFigure) {
  const int64_t past = picture_->revision();
  MustSubmit(ReportWrite(MakeReport("zh-b", 10)));
  absl::StatusOr<v1::SituationReport> report = Brief(/*min_group=*/1, "", past);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->figures_withheld());
  EXPECT_TRUE(report->capacity().empty());
  EXPECT_TRUE(report->supplies().empty());
  ASSERT_EQ(report->scenario_gaps_size(), 1);
  EXPECT_TRUE(report->scenario_gaps(0).available().withheld());
  EXPECT_FALSE(report->scenario_gaps(0).has_shortfall());
  EXPECT_THAT(report->markdown(), HasSubstr("van een eerder moment zijn afgeschermd voor deze lezer"));
  // The situation log and the critical organisations are the operational picture: every reader sees them.
  EXPECT_EQ(report->entries_size(), 1);
  EXPECT_EQ(report->critical_organizations_size(), 1);
}

}  // namespace
}  // namespace ketenbeeld::pipeline
