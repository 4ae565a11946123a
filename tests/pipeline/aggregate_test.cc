// Sector aggregates through the committer (mutations_aggregate.cc, aggregate.proto): "aggregates/{group}" put in the
// commit group of the report that moves it, withheld below the minimum group size, counted by the capacity reports'
// rule (per-site reports when there are any), untouched by a report that repeats its figures, moved between groups by
// a registration that changes the kind, and absent from exercises and from acute care.
#include <string>
#include <variant>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/mutations/mutations.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.

class AggregateTest : public CommitterFixture {
 protected:
  void SetUp() override {
    region_.set_min_aggregate_group(3);
    CommitterFixture::SetUp();
    for (const char* id : {"vvt-1", "vvt-2", "vvt-3"}) {
      MustSubmit(RegisterWrite(MakeOrganization(id, v1::ORGANIZATION_KIND_NURSING_HOME)));
    }
    MustSubmit(RegisterWrite(MakeOrganization("ggz-1", v1::ORGANIZATION_KIND_MENTAL_HEALTH)));
    MustSubmit(RegisterWrite(MakeOrganization("ziekenhuis")));
  }

  static v1::StatusReport Places(const std::string& organization, int available, int occupied,
                                 const std::string& location = "") {
    v1::StatusReport report;
    report.set_organization_id(organization);
    report.set_location_id(location);
    report.set_overall_status(v1::OVERALL_STATUS_NORMAL);
    v1::Capacity& places = *report.add_capacity();
    places.set_type(v1::BED_TYPE_NURSING_HOME);
    places.set_available(available);
    places.set_occupied(occupied);
    return report;
  }

  v1::SectorAggregate LongTermCare() { return Find("aggregates/long-term-care").sector_aggregate(); }
};

TEST_F(AggregateTest, WithheldBelowTheMinimumGroupThenSummedInTheReportsCommitGroup) {
  MustSubmit(ReportWrite(Places("vvt-1", 2, 10)));
  v1::SectorAggregate aggregate = LongTermCare();
  EXPECT_TRUE(aggregate.withheld_below_minimum());
  EXPECT_EQ(aggregate.organizations_reporting(), 1);
  EXPECT_EQ(aggregate.min_group_size(), 3);
  EXPECT_EQ(aggregate.beds_size(), 0);
  EXPECT_EQ(aggregate.group(), "long-term-care");
  EXPECT_THAT(aggregate.organization_kinds(),
              ::testing::ElementsAre(v1::ORGANIZATION_KIND_NURSING_HOME, v1::ORGANIZATION_KIND_DISABILITY_CARE));

  MustSubmit(ReportWrite(Places("vvt-2", 3, 20)));
  const int64_t before = picture_->revision();
  absl::StatusOr<WriteResult> third = Submit(ReportWrite(Places("vvt-3", 4, 30)));
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->revision, before + 1) << "the write's answer is the report, not the aggregate";
  const std::vector<v1::Event> events = Log(before);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].record().name(), "organizations/vvt-3/status");
  EXPECT_EQ(events[1].record().name(), "aggregates/long-term-care");
  EXPECT_EQ(events[1].group_last_revision(), events[1].revision()) << "one commit group";
  EXPECT_EQ(events[0].group_last_revision(), events[1].revision());

  aggregate = LongTermCare();
  EXPECT_FALSE(aggregate.withheld_below_minimum());
  EXPECT_EQ(aggregate.organizations_reporting(), 3);
  ASSERT_EQ(aggregate.beds_size(), 1);
  EXPECT_EQ(aggregate.beds(0).available(), 9);
  EXPECT_EQ(aggregate.beds(0).total(), 69);
  EXPECT_EQ(aggregate.beds(0).organizations_reporting(), 3);
}

TEST_F(AggregateTest, ARepeatedReportMovesNothingAndAcuteCareHasNoAggregate) {
  for (const char* id : {"vvt-1", "vvt-2", "vvt-3"}) MustSubmit(ReportWrite(Places(id, 1, 1)));
  const int64_t before = picture_->revision();
  MustSubmit(ReportWrite(Places("vvt-2", 1, 1)));
  EXPECT_EQ(picture_->revision(), before + 1) << "only the report: the aggregate did not change";
  MustSubmit(ReportWrite(MakeReport("ziekenhuis")));
  EXPECT_EQ(picture_->revision(), before + 2);
  EXPECT_EQ(picture_->Find("aggregates/mental-health"), nullptr) << "nobody of the group reported";
}

TEST_F(AggregateTest, SiteReportsCountInsteadOfTheOrganisationsOwnAndAFigureOfFewIsWithheldOnItsOwn) {
  MustSubmit(ReportWrite(Places("vvt-1", 100, 100)));  // Not counted once the organisation reports per site.
  MustSubmit(ReportWrite(Places("vvt-1", 2, 8, "main")));
  MustSubmit(ReportWrite(Places("vvt-2", 3, 7)));
  v1::StatusReport without_occupied = Places("vvt-3", 4, 0);
  without_occupied.mutable_capacity(0)->clear_occupied();
  MustSubmit(ReportWrite(without_occupied));
  const v1::SectorAggregate aggregate = LongTermCare();
  ASSERT_EQ(aggregate.beds_size(), 1);
  EXPECT_EQ(aggregate.beds(0).available(), 9);
  EXPECT_FALSE(aggregate.beds(0).has_total()) << "only two organisations gave both figures";
}

TEST_F(AggregateTest, ARegistrationThatChangesTheKindMovesTheOrganisationBetweenGroups) {
  for (const char* id : {"vvt-1", "vvt-2", "vvt-3"}) MustSubmit(ReportWrite(Places(id, 1, 1)));
  ASSERT_FALSE(LongTermCare().withheld_below_minimum());
  MustSubmit(RegisterWrite(MakeOrganization("vvt-3", v1::ORGANIZATION_KIND_MENTAL_HEALTH)));
  EXPECT_TRUE(LongTermCare().withheld_below_minimum());
  EXPECT_EQ(LongTermCare().organizations_reporting(), 2);
  EXPECT_EQ(Find("aggregates/mental-health").sector_aggregate().organizations_reporting(), 1);
}

TEST_F(AggregateTest, AnExercisesReportsMakeNoAggregate) {
  v1::StartExerciseRequest start;
  start.mutable_exercise()->set_id("oefening");
  start.mutable_exercise()->set_title("Oefening");
  MustSubmit(Write(start));
  for (const char* id : {"vvt-1", "vvt-2", "vvt-3"}) {
    mutations::WriteRequest write = ReportWrite(Places(id, 1, 1));
    auto& request = std::get<v1::ReportStatusRequest>(write.body);
    request.set_exercise_id("oefening");
    request.set_mode(v1::MODE_EXERCISE);
    MustSubmit(std::move(write));
  }
  EXPECT_EQ(picture_->Find("aggregates/long-term-care"), nullptr);
}

}  // namespace
}  // namespace ketenbeeld::pipeline
