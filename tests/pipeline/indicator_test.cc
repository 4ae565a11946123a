// Questionnaires (uitvraag) through the committer: indicators defined and retired, answers in status reports checked
// against their indicator (type, scope, retired), partial reports merging answers by id, alerts asking for
// indicators, and the aggregate (queries::ComputeIndicatorOverview) over the live figures and withheld by the
// minimum group. Refused writes take no revision.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/mutations/mutations.h"
#include "server/queries/reports.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using ::ketenbeeld::testing::MakeOrganization;
using ::testing::HasSubstr;
using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.

v1::DefineIndicatorRequest IndicatorDefinition(const std::string& id, v1::IndicatorType type) {
  v1::DefineIndicatorRequest request;
  v1::Indicator& indicator = *request.mutable_indicator();
  indicator.set_id(id);
  indicator.set_label_nl(absl::StrCat("Vraag ", id));
  indicator.set_label_en(absl::StrCat("Question ", id));
  indicator.set_type(type);
  if (type == v1::INDICATOR_TYPE_CHOICE) {
    indicator.add_choices("koel");
    indicator.add_choices("warm");
    indicator.add_choices("heet");
  }
  indicator.mutable_applies_to()->add_organization_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
  return request;
}

v1::IndicatorValue NumberAnswer(const std::string& id, double number) {
  v1::IndicatorValue value;
  value.set_indicator_id(id);
  value.set_number(number);
  return value;
}

v1::IndicatorValue CountAnswer(const std::string& id, int64_t count) {
  v1::IndicatorValue value;
  value.set_indicator_id(id);
  value.set_count(count);
  return value;
}

class IndicatorTest : public CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    for (const char* id : {"vvt-1", "vvt-2", "vvt-3", "vvt-4"}) {
      MustSubmit(RegisterWrite(MakeOrganization(id, v1::ORGANIZATION_KIND_NURSING_HOME)));
    }
    MustSubmit(RegisterWrite(MakeOrganization("ziekenhuis")));
    MustSubmit(Write(IndicatorDefinition("temperatuur", v1::INDICATOR_TYPE_NUMBER)));
    MustSubmit(Write(IndicatorDefinition("klachten", v1::INDICATOR_TYPE_COUNT)));
  }

  // A whole report of `organization` with `values` as its answers.
  static mutations::WriteRequest Answer(const std::string& organization,
                                        std::initializer_list<v1::IndicatorValue> values) {
    v1::StatusReport report = MakeReport(organization);
    for (const v1::IndicatorValue& value : values) *report.add_indicator_values() = value;
    return ReportWrite(std::move(report));
  }

  void ExpectRefused(mutations::WriteRequest request, absl::StatusCode code, const std::string& message) {
    const int64_t before = picture_->revision();
    absl::StatusOr<WriteResult> result = Submit(std::move(request));
    EXPECT_EQ(result.status().code(), code) << result.status();
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(message));
    EXPECT_EQ(picture_->revision(), before) << "a refused write took a revision";
  }

  absl::StatusOr<v1::IndicatorOverview> Overview(int min_group, const std::string& id = "") {
    v1::GetIndicatorOverviewRequest request;
    if (!id.empty()) request.add_indicator_ids(id);
    const queries::FigureTable figures = queries::TabulateFigures(*picture_);
    return queries::ComputeIndicatorOverview(request, *picture_, figures, Now(), min_group,
                                             [](absl::string_view) { return true; });
  }
};

TEST_F(IndicatorTest, AnIndicatorIsARecordOfTheRegion) {
  const v1::Record record = Find("indicators/temperatuur");
  EXPECT_EQ(record.kind(), v1::ENTITY_KIND_INDICATOR);
  EXPECT_EQ(record.scope().safety_region(), "VR10");
  EXPECT_EQ(record.indicator().type(), v1::INDICATOR_TYPE_NUMBER);
  EXPECT_FALSE(record.indicator().retired());
}

TEST_F(IndicatorTest, AnswersOfTheRightTypeAreStoredWithTheirTime) {
  const v1::Record report =
      MustSubmit(Answer("vvt-1", {NumberAnswer("temperatuur", 28.5), CountAnswer("klachten", 3)}));
  ASSERT_EQ(report.status_report().indicator_values_size(), 2);
  EXPECT_EQ(report.status_report().indicator_values(0).number(), 28.5);
  EXPECT_TRUE(report.status_report().indicator_values(0).has_reported_at());
}

TEST_F(IndicatorTest, AValueOfTheWrongTypeIsRefusedNamingTheField) {
  ExpectRefused(Answer("vvt-1", {NumberAnswer("temperatuur", 28.5), NumberAnswer("klachten", 3)}),
                absl::StatusCode::kInvalidArgument, "report.indicator_values[1].number: indicator \"klachten\" is");
}

TEST_F(IndicatorTest, AnUnknownIndicatorIsRefusedNamingTheField) {
  ExpectRefused(Answer("vvt-1", {NumberAnswer("bestaat-niet", 1)}), absl::StatusCode::kInvalidArgument,
                "report.indicator_values[0].indicator_id: indicator \"bestaat-niet\" is not defined");
}

TEST_F(IndicatorTest, AnIndicatorThatDoesNotApplyToTheOrganisationIsRefused) {
  ExpectRefused(Answer("ziekenhuis", {NumberAnswer("temperatuur", 24)}), absl::StatusCode::kInvalidArgument,
                "does not apply to organisation \"ziekenhuis\"");
}

TEST_F(IndicatorTest, AChoiceMustBeOneOfTheIndicatorsChoices) {
  MustSubmit(Write(IndicatorDefinition("gevoel", v1::INDICATOR_TYPE_CHOICE)));
  v1::IndicatorValue value;
  value.set_indicator_id("gevoel");
  value.set_choice("lauw");
  ExpectRefused(Answer("vvt-1", {value}), absl::StatusCode::kInvalidArgument,
                "report.indicator_values[0].choice: \"lauw\" is not a choice");
}

TEST_F(IndicatorTest, APartialReportMergesAnswersByIndicator) {
  MustSubmit(Answer("vvt-1", {NumberAnswer("temperatuur", 28.5), CountAnswer("klachten", 3)}));
  v1::ReportStatusRequest partial;
  partial.mutable_report()->set_organization_id("vvt-1");
  *partial.mutable_report()->add_indicator_values() = CountAnswer("klachten", 5);
  partial.mutable_update_mask()->add_paths("indicator_values");
  const v1::Record merged = MustSubmit(Write(partial));
  ASSERT_EQ(merged.status_report().indicator_values_size(), 2);
  EXPECT_EQ(merged.status_report().indicator_values(0).number(), 28.5) << "the other answer stays";
  EXPECT_EQ(merged.status_report().indicator_values(1).count(), 5);
  EXPECT_EQ(merged.status_report().capacity_size(), 1) << "the rest of the report stays";
}

TEST_F(IndicatorTest, ARetiredIndicatorTakesNoNewValuesButItsOldOnesStay) {
  const v1::Record answered = MustSubmit(Answer("vvt-1", {NumberAnswer("temperatuur", 28.5)}));
  v1::RetireIndicatorRequest retire;
  retire.set_indicator_id("temperatuur");
  const v1::Record retired = MustSubmit(Write(retire));
  EXPECT_TRUE(retired.indicator().retired());
  EXPECT_TRUE(retired.indicator().has_retired_at());

  ExpectRefused(Answer("vvt-2", {NumberAnswer("temperatuur", 30)}), absl::StatusCode::kInvalidArgument,
                "report.indicator_values[0].indicator_id: indicator \"temperatuur\" is retired");
  ExpectRefused(Write(retire), absl::StatusCode::kFailedPrecondition, "retired already");
  ExpectRefused(Write(IndicatorDefinition("temperatuur", v1::INDICATOR_TYPE_NUMBER)),
                absl::StatusCode::kFailedPrecondition, "is retired");
  // The answer is still in the report, and a later report of another part keeps it (no check of kept answers).
  EXPECT_EQ(Find("organizations/vvt-1/status").status_report().indicator_values(0).number(), 28.5);
  v1::ReportStatusRequest partial;
  partial.mutable_report()->set_organization_id("vvt-1");
  partial.mutable_report()->set_free_text("nog steeds warm");
  partial.mutable_update_mask()->add_paths("free_text");
  EXPECT_EQ(MustSubmit(Write(partial)).status_report().indicator_values(0).number(), 28.5);
  // The overview of a retired indicator still answers, flagged.
  absl::StatusOr<v1::IndicatorOverview> overview = Overview(0, "temperatuur");
  ASSERT_TRUE(overview.ok()) << overview.status();
  ASSERT_EQ(overview->indicators_size(), 1);
  EXPECT_TRUE(overview->indicators(0).indicator().retired());
  EXPECT_EQ(overview->indicators(0).organizations_answered(), 1);
  EXPECT_EQ(overview->indicators(0).mean(), 28.5);
  EXPECT_GT(answered.mod_revision(), 0);
}

TEST_F(IndicatorTest, TheTypeOfADefinedIndicatorCannotChange) {
  ExpectRefused(Write(IndicatorDefinition("temperatuur", v1::INDICATOR_TYPE_TEXT)),
                absl::StatusCode::kFailedPrecondition, "indicator.type");
}

TEST_F(IndicatorTest, RetiringAnUnknownIndicatorIsNotFound) {
  v1::RetireIndicatorRequest retire;
  retire.set_indicator_id("bestaat-niet");
  ExpectRefused(Write(retire), absl::StatusCode::kNotFound, "does not exist");
}

TEST_F(IndicatorTest, AnIndicatorOfAnUnknownIncidentOrOrganisationIsRefused) {
  v1::DefineIndicatorRequest request = IndicatorDefinition("x", v1::INDICATOR_TYPE_COUNT);
  request.mutable_indicator()->set_incident_id("geen-incident");
  ExpectRefused(Write(request), absl::StatusCode::kInvalidArgument, "indicator.incident_id");
  request = IndicatorDefinition("x", v1::INDICATOR_TYPE_COUNT);
  request.mutable_indicator()->mutable_applies_to()->add_organization_ids("onbekend");
  ExpectRefused(Write(request), absl::StatusCode::kInvalidArgument, "indicator.applies_to.organization_ids[0]");
}

TEST_F(IndicatorTest, AnAlertAsksForDefinedIndicatorsOnly) {
  v1::SendAlertRequest alert;
  v1::Alert& body = *alert.mutable_alert();
  body.set_id("hitte");
  body.set_headline("Hitteplan fase 2");
  body.set_urgency(v1::URGENCY_EXPECTED);
  body.set_severity(v1::ALERT_SEVERITY_MODERATE);
  body.set_certainty(v1::CERTAINTY_LIKELY);
  body.mutable_audience()->add_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
  body.add_indicator_ids("temperatuur");
  body.add_indicator_ids("klachten");
  const v1::Record sent = MustSubmit(Write(alert));
  EXPECT_THAT(sent.alert().indicator_ids(), ::testing::ElementsAre("temperatuur", "klachten"));

  body.set_id("hitte-2");
  body.add_indicator_ids("bestaat-niet");
  ExpectRefused(Write(alert), absl::StatusCode::kInvalidArgument, "alert.indicator_ids[2]");
}

TEST_F(IndicatorTest, TheAggregateSumsNumbersAndIsWithheldBelowTheMinimumGroup) {
  MustSubmit(Answer("vvt-1", {NumberAnswer("temperatuur", 27), CountAnswer("klachten", 2)}));
  MustSubmit(Answer("vvt-2", {NumberAnswer("temperatuur", 29), CountAnswer("klachten", 4)}));
  absl::StatusOr<v1::IndicatorOverview> withheld = Overview(3);
  ASSERT_TRUE(withheld.ok()) << withheld.status();
  ASSERT_EQ(withheld->indicators_size(), 2);  // Both, by id: klachten, temperatuur.
  for (const v1::IndicatorAggregate& aggregate : withheld->indicators()) {
    EXPECT_TRUE(aggregate.withheld()) << aggregate.indicator().id();
    EXPECT_FALSE(aggregate.has_sum());
    EXPECT_EQ(aggregate.organizations_applicable(), 4);
  }
  MustSubmit(Answer("vvt-3", {NumberAnswer("temperatuur", 31), CountAnswer("klachten", 6)}));
  absl::StatusOr<v1::IndicatorOverview> shown = Overview(3);
  ASSERT_TRUE(shown.ok()) << shown.status();
  const v1::IndicatorAggregate& klachten = shown->indicators(0);
  const v1::IndicatorAggregate& temperatuur = shown->indicators(1);
  EXPECT_FALSE(temperatuur.withheld());
  EXPECT_EQ(temperatuur.organizations_answered(), 3);
  EXPECT_EQ(temperatuur.mean(), 29);
  EXPECT_EQ(temperatuur.min(), 27);
  EXPECT_EQ(temperatuur.max(), 31);
  EXPECT_EQ(klachten.sum(), 12);
}

TEST_F(IndicatorTest, YesNoAndChoiceAreCountedPerAnswer) {
  v1::DefineIndicatorRequest koel = IndicatorDefinition("koele-ruimte", v1::INDICATOR_TYPE_YES_NO);
  MustSubmit(Write(koel));
  MustSubmit(Write(IndicatorDefinition("gevoel", v1::INDICATOR_TYPE_CHOICE)));
  auto yes_no = [](bool yes) {
    v1::IndicatorValue value;
    value.set_indicator_id("koele-ruimte");
    value.set_yes_no(yes);
    return value;
  };
  auto choice = [](const std::string& word) {
    v1::IndicatorValue value;
    value.set_indicator_id("gevoel");
    value.set_choice(word);
    return value;
  };
  MustSubmit(Answer("vvt-1", {yes_no(true), choice("warm")}));
  MustSubmit(Answer("vvt-2", {yes_no(false), choice("heet")}));
  MustSubmit(Answer("vvt-3", {yes_no(true), choice("warm")}));
  v1::GetIndicatorOverviewRequest request;
  request.add_indicator_ids("koele-ruimte");
  request.add_indicator_ids("gevoel");
  absl::StatusOr<v1::IndicatorOverview> overview = queries::ComputeIndicatorOverview(
      request, *picture_, queries::TabulateFigures(*picture_), Now(), 0, [](absl::string_view) { return true; });
  ASSERT_TRUE(overview.ok()) << overview.status();
  ASSERT_EQ(overview->indicators_size(), 2);
  EXPECT_EQ(overview->indicators(0).yes(), 2);
  EXPECT_EQ(overview->indicators(0).no(), 1);
  const v1::IndicatorAggregate& gevoel = overview->indicators(1);
  ASSERT_EQ(gevoel.choices_size(), 3);
  EXPECT_EQ(gevoel.choices(0).choice(), "koel");
  EXPECT_EQ(gevoel.choices(0).organizations(), 0);
  EXPECT_EQ(gevoel.choices(1).organizations(), 2);
  EXPECT_EQ(gevoel.choices(2).organizations(), 1);
}

TEST_F(IndicatorTest, TextIsNeverAggregatedAndShownOnlyWhereTheReaderSeesTheReport) {
  MustSubmit(Write(IndicatorDefinition("toelichting", v1::INDICATOR_TYPE_TEXT)));
  v1::IndicatorValue text;
  text.set_indicator_id("toelichting");
  text.set_text("airco defect op afdeling B");
  MustSubmit(Answer("vvt-1", {text}));
  text.set_text("alles onder controle");
  MustSubmit(Answer("vvt-2", {text}));
  v1::GetIndicatorOverviewRequest request;
  request.add_indicator_ids("toelichting");
  absl::StatusOr<v1::IndicatorOverview> own =
      queries::ComputeIndicatorOverview(request, *picture_, queries::TabulateFigures(*picture_), Now(), 3,
                                        [](absl::string_view organization) { return organization == "vvt-1"; });
  ASSERT_TRUE(own.ok()) << own.status();
  ASSERT_EQ(own->indicators(0).text_answers_size(), 1);
  EXPECT_EQ(own->indicators(0).text_answers(0).organization_id(), "vvt-1");
  EXPECT_EQ(own->indicators(0).text_answers(0).text(), "airco defect op afdeling B");
  EXPECT_FALSE(own->indicators(0).has_sum());
}

TEST_F(IndicatorTest, AnOverviewOfAnUnknownIndicatorIsNotFound) {
  absl::StatusOr<v1::IndicatorOverview> overview = Overview(0, "bestaat-niet");
  EXPECT_EQ(overview.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(overview.status().message()), HasSubstr("indicator_ids[0]"));
}

}  // namespace
}  // namespace ketenbeeld::pipeline
