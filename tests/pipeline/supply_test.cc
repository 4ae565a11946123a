// Live supplies through the committer: the server computes when a supply runs out, commits a warning at each of the
// region's horizons exactly once (also across a restart), and a new report of the supply starts afresh. And the
// continuity timeline (server/queries/continuity.h) over the same picture.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/queries/continuity.h"
#include "server/queries/reports.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.
using ::testing::ElementsAre;

v1::StatusReport GeneratorReport(const std::string& organization_id, double autonomy_hours) {
  v1::StatusReport report = MakeReport(organization_id);
  v1::Supply& generator = *report.add_supplies();
  generator.set_type(v1::SUPPLY_TYPE_GENERATOR);
  generator.set_autonomy_hours(autonomy_hours);
  return report;
}

class SupplyCommitTest : public CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    MustSubmit(RegisterWrite(MakeOrganization("vvt-duinrand", v1::ORGANIZATION_KIND_NURSING_HOME)));
  }

  // The horizons of the warnings in the log, in commit order (0 s: ran out).
  std::vector<absl::Duration> Warnings() {
    // A warning stays in the record until the supply is reported again: a later event (another part reported)
    // carries it along, so only a change of warned_within is a warning.
    std::vector<absl::Duration> warnings;
    for (const v1::Event& event : Log()) {
      for (const v1::Supply& supply : event.record().status_report().supplies()) {
        if (!supply.has_warned_within()) continue;
        const absl::Duration within = FromProtoDuration(supply.warned_within());
        if (warnings.empty() || warnings.back() != within) warnings.push_back(within);
      }
    }
    return warnings;
  }

  const v1::Supply& StoredGenerator() {
    return picture_->Find("organizations/vvt-duinrand/status")->record.status_report().supplies(0);
  }

  // Ticks every `step` until `until` from now.
  void TickThrough(absl::Duration until, absl::Duration step) {
    for (absl::Duration passed; passed < until; passed += step) {
      Advance(step);
      ASSERT_TRUE(Tick().ok());
    }
  }
};

TEST_F(SupplyCommitTest, TheServerKnowsWhenAGeneratorRunsOutAndWarnsAtEachHorizonOnce) {
  const v1::Record written = MustSubmit(ReportWrite(GeneratorReport("vvt-duinrand", 18)));
  EXPECT_EQ(FromProtoTime(written.status_report().supplies(0).runs_out_at()), kStart + absl::Hours(18));
  EXPECT_FALSE(written.status_report().supplies(0).has_warned_within());

  // Twelve hours later: 6 hours left, the 12 h and 6 h horizons were passed one after the other.
  ASSERT_NO_FATAL_FAILURE(TickThrough(absl::Hours(12), absl::Minutes(30)));
  EXPECT_THAT(Warnings(), ElementsAre(absl::Hours(12), absl::Hours(6)));
  EXPECT_EQ(FromProtoTime(StoredGenerator().runs_out_at()) - Now(), absl::Hours(6));

  // A restart does not repeat them; running out is the last warning.
  Restart();
  ASSERT_NO_FATAL_FAILURE(TickThrough(absl::Hours(7), absl::Minutes(30)));
  EXPECT_THAT(Warnings(), ElementsAre(absl::Hours(12), absl::Hours(6), absl::Hours(2), absl::ZeroDuration()));
  ASSERT_NO_FATAL_FAILURE(TickThrough(absl::Hours(1), absl::Minutes(10)));
  EXPECT_EQ(Warnings().size(), 4u);
}

TEST_F(SupplyCommitTest, AServerDownPastSeveralHorizonsCommitsOnlyTheSmallest) {
  MustSubmit(ReportWrite(GeneratorReport("vvt-duinrand", 18)));
  Advance(absl::Hours(17));
  ASSERT_TRUE(Tick().ok());
  ASSERT_TRUE(Tick().ok());
  EXPECT_THAT(Warnings(), ElementsAre(absl::Hours(2)));
}

TEST_F(SupplyCommitTest, ANewReportOfTheSupplyStartsAfreshAndAnotherPartKeepsItsWarning) {
  MustSubmit(ReportWrite(GeneratorReport("vvt-duinrand", 18)));
  Advance(absl::Hours(13));
  ASSERT_TRUE(Tick().ok());
  ASSERT_EQ(FromProtoDuration(StoredGenerator().warned_within()), absl::Hours(6));

  // A partial report of something else keeps the generator as it was, warning included.
  v1::ReportStatusRequest staffing;
  *staffing.mutable_report()->mutable_organization_id() = "vvt-duinrand";
  staffing.mutable_report()->mutable_staffing()->set_level(v1::STAFFING_LEVEL_INSUFFICIENT);
  staffing.mutable_update_mask()->add_paths("staffing");
  MustSubmit(mutations::WriteRequest{.body = staffing, .actor = {}});
  EXPECT_EQ(FromProtoDuration(StoredGenerator().warned_within()), absl::Hours(6));
  EXPECT_EQ(FromProtoTime(StoredGenerator().runs_out_at()), kStart + absl::Hours(18));

  // Refuelled: 30 hours from now, no warning yet.
  v1::ReportStatusRequest refuelled;
  *refuelled.mutable_report() = GeneratorReport("vvt-duinrand", 30);
  refuelled.mutable_report()->clear_overall_status();
  refuelled.mutable_update_mask()->add_paths("supplies");
  const v1::Record written = MustSubmit(mutations::WriteRequest{.body = refuelled, .actor = {}});
  EXPECT_FALSE(written.status_report().supplies(0).has_warned_within());
  EXPECT_EQ(FromProtoTime(written.status_report().supplies(0).runs_out_at()), Now() + absl::Hours(30));
  Advance(absl::Hours(1));
  ASSERT_TRUE(Tick().ok());
  EXPECT_FALSE(StoredGenerator().has_warned_within());
}

TEST_F(SupplyCommitTest, StockAndConsumptionRunOutTooAndTheRegionChoosesItsHorizons) {
  region_ = *domain::Region::FromConfig([] {
    server::v1::RegionConfig config;
    config.add_supply_warning_horizons()->set_seconds(24 * 3600);
    return config;
  }());
  Restart();
  v1::StatusReport report = MakeReport("vvt-duinrand");
  v1::Supply& oxygen = *report.add_supplies();
  oxygen.set_type(v1::SUPPLY_TYPE_OXYGEN);
  oxygen.set_stock(100);
  oxygen.set_consumption_per_day(40);  // 2.5 days.
  oxygen.set_autonomy_hours(72);       // The earlier of the two counts.
  const v1::Record written = MustSubmit(ReportWrite(report));
  EXPECT_EQ(FromProtoTime(written.status_report().supplies(0).runs_out_at()), kStart + absl::Hours(60));
  ASSERT_NO_FATAL_FAILURE(TickThrough(absl::Hours(37), absl::Hours(1)));
  EXPECT_THAT(Warnings(), ElementsAre(absl::Hours(24)));
}

TEST(SupplyRunsOutAtTest, OnlyWhatCanBeComputedAndNotFarBeyondAYear) {
  v1::Supply supply;
  EXPECT_FALSE(domain::SupplyRunsOutAt(supply, kStart).has_value());
  supply.set_stock(10);
  EXPECT_FALSE(domain::SupplyRunsOutAt(supply, kStart).has_value()) << "no consumption";
  supply.set_consumption_per_day(0);
  EXPECT_FALSE(domain::SupplyRunsOutAt(supply, kStart).has_value()) << "consumption 0 never runs out";
  supply.set_consumption_per_day(4);
  EXPECT_EQ(domain::SupplyRunsOutAt(supply, kStart), kStart + absl::Hours(60));
  supply.set_autonomy_hours(0);
  EXPECT_EQ(domain::SupplyRunsOutAt(supply, kStart), kStart) << "0 hours: out now";
  v1::Supply plenty;
  plenty.set_stock(1e12);
  plenty.set_consumption_per_day(1);
  EXPECT_FALSE(domain::SupplyRunsOutAt(plenty, kStart).has_value());
}

// --- The continuity timeline -----------------------------------------------------------------------------------

class ContinuityTimelineTest : public SupplyCommitTest {
 protected:
  v1::ContinuityTimeline Timeline(const v1::GetContinuityTimelineRequest& request = {}, bool sees_figures = true) {
    absl::StatusOr<v1::ContinuityTimeline> timeline = queries::ComputeContinuityTimeline(
        request, *picture_, Now(), [sees_figures](absl::string_view) { return sees_figures; });
    EXPECT_TRUE(timeline.ok()) << timeline.status();
    return timeline.ok() ? *timeline : v1::ContinuityTimeline();
  }
};

TEST_F(ContinuityTimelineTest, ListsWhenEachOrganisationReachesACriticalPointInTimeOrder) {
  MustSubmit(RegisterWrite(MakeOrganization("zh-noord", v1::ORGANIZATION_KIND_HOSPITAL)));
  v1::StatusReport hospital = MakeReport("zh-noord");
  v1::Supply& fuel = *hospital.add_supplies();
  fuel.set_type(v1::SUPPLY_TYPE_FUEL);
  fuel.set_stock(5000);
  fuel.set_consumption_per_day(2500);  // 48 h.
  fuel.set_unit("liter");
  *fuel.mutable_resupply()->mutable_expected_at() = ToProtoTime(kStart + absl::Hours(50));
  fuel.mutable_resupply()->set_quantity(5000);
  fuel.mutable_resupply()->set_supplier("Brandstofhandel Kop");
  hospital.mutable_emergency_department()->set_state(v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  *hospital.mutable_emergency_department()->mutable_until() = ToProtoTime(kStart + absl::Hours(4));
  hospital.mutable_staffing()->set_level(v1::STAFFING_LEVEL_INSUFFICIENT);
  *hospital.mutable_staffing()->mutable_shortage_from() = ToProtoTime(kStart + absl::Hours(10));
  MustSubmit(ReportWrite(hospital));
  MustSubmit(ReportWrite(GeneratorReport("vvt-duinrand", 18)));

  const v1::ContinuityTimeline timeline = Timeline();
  std::vector<std::string> points;
  for (const v1::ContinuityPoint& point : timeline.points()) {
    points.push_back(absl::StrCat(absl::ToInt64Hours(FromProtoTime(point.at()) - kStart), "h ", point.organization_id(),
                                  " ", v1::ContinuityPointKind_Name(point.kind())));
  }
  EXPECT_THAT(points, ElementsAre("4h zh-noord CONTINUITY_POINT_KIND_EMERGENCY_DEPARTMENT_UNTIL",
                                  "10h zh-noord CONTINUITY_POINT_KIND_STAFF_SHORTAGE",
                                  "18h vvt-duinrand CONTINUITY_POINT_KIND_SUPPLY_RUNS_OUT",
                                  "24h zh-noord CONTINUITY_POINT_KIND_SUPPLY_UNDER_A_DAY",
                                  "48h zh-noord CONTINUITY_POINT_KIND_SUPPLY_RUNS_OUT",
                                  "50h zh-noord CONTINUITY_POINT_KIND_RESUPPLY"));
  const v1::ContinuityPoint& delivery = timeline.points(5);
  EXPECT_TRUE(delivery.too_late()) << "the delivery comes two hours after the diesel runs out";
  EXPECT_EQ(FromProtoTime(delivery.runs_out_at()), kStart + absl::Hours(48));
  EXPECT_EQ(delivery.detail(), "5000 liter from Brandstofhandel Kop");
  EXPECT_EQ(delivery.supply_type(), v1::SUPPLY_TYPE_FUEL);
  EXPECT_FALSE(delivery.stale());

  // A shorter horizon and a limit; a reader without the figures sees the diversion only.
  v1::GetContinuityTimelineRequest short_horizon;
  short_horizon.mutable_horizon()->set_seconds(12 * 3600);
  EXPECT_EQ(Timeline(short_horizon).points_size(), 2);
  v1::GetContinuityTimelineRequest two;
  two.set_limit(2);
  EXPECT_TRUE(Timeline(two).truncated());
  const v1::ContinuityTimeline peer = Timeline({}, false);
  ASSERT_EQ(peer.points_size(), 1);
  EXPECT_EQ(peer.points(0).kind(), v1::CONTINUITY_POINT_KIND_EMERGENCY_DEPARTMENT_UNTIL);
  EXPECT_TRUE(peer.detail_withheld());

  // Twenty hours on: the generator ran out (still listed), the diversion's end has passed (no longer listed).
  Advance(absl::Hours(20));
  const v1::ContinuityTimeline later = Timeline();
  ASSERT_GE(later.points_size(), 1);
  EXPECT_EQ(later.points(0).kind(), v1::CONTINUITY_POINT_KIND_STAFF_SHORTAGE);
  EXPECT_EQ(later.points(1).kind(), v1::CONTINUITY_POINT_KIND_SUPPLY_RUNS_OUT);
  EXPECT_EQ(later.points(1).organization_id(), "vvt-duinrand");
}

TEST_F(ContinuityTimelineTest, BadRequestsNameTheField) {
  auto status_of = [this](const v1::GetContinuityTimelineRequest& request) {
    return queries::ComputeContinuityTimeline(request, *picture_, Now(), [](absl::string_view) { return true; })
        .status();
  };
  v1::GetContinuityTimelineRequest request;
  request.add_safety_regions("VR99");
  EXPECT_THAT(std::string(status_of(request).message()), ::testing::StartsWith("safety_regions[0]"));
  request.Clear();
  request.mutable_horizon()->set_seconds(60);
  EXPECT_THAT(std::string(status_of(request).message()), ::testing::StartsWith("horizon"));
  request.Clear();
  request.set_limit(5001);
  EXPECT_THAT(std::string(status_of(request).message()), ::testing::StartsWith("limit"));
  EXPECT_EQ(status_of(request).code(), absl::StatusCode::kInvalidArgument);
}

// The gap report counts a generator reported in hours, from now: 18 hours at the report is 6 twelve hours later.
TEST_F(SupplyCommitTest, TheGapReportHonoursHoursOfAutonomyFromNow) {
  v1::PutScenarioRequest scenario;
  scenario.mutable_scenario()->set_id("stroomuitval");
  scenario.mutable_scenario()->set_name("Stroomuitval 48 uur");
  scenario.mutable_scenario()->set_safety_region("VR10");
  v1::SupplyRequirement& power = *scenario.mutable_scenario()->add_supplies();
  power.set_type(v1::SUPPLY_TYPE_GENERATOR);
  power.set_min_days_of_supply(0.5);  // 12 hours.
  MustSubmit(mutations::WriteRequest{.body = scenario, .actor = {}});
  MustSubmit(ReportWrite(GeneratorReport("vvt-duinrand", 18)));
  v1::GetGapReportRequest request;
  request.set_scenario_id("stroomuitval");
  absl::StatusOr<v1::GapReport> now = queries::ComputeGapReport(request, *picture_, Now());
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->supplies(0).organizations_reported(), 1);
  EXPECT_EQ(now->supplies(0).organizations_short(), 0);
  Advance(absl::Hours(12));
  absl::StatusOr<v1::GapReport> later = queries::ComputeGapReport(request, *picture_, Now());
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->supplies(0).organizations_short(), 1);
  EXPECT_THAT(later->supplies(0).short_organization_ids(), ElementsAre("vvt-duinrand"));
}

}  // namespace
}  // namespace ketenbeeld::pipeline
