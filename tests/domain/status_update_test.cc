#include "server/domain/status_update.h"

#include <string>

#include "absl/time/time.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::domain {
namespace {

using ::google::protobuf::FieldMask;
using ::google::protobuf::util::MessageDifferencer;
using ::ketenbeeld::testing::ParseTextProto;
using ::ketenbeeld::v1::ReportStatusRequest;
using ::ketenbeeld::v1::StatusReport;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::Time kEarlier = absl::FromUnixSeconds(1'800'000'000);
const absl::Time kNow = kEarlier + absl::Hours(2);

FieldMask Mask(std::initializer_list<std::string> paths) {
  FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  return mask;
}

// A hospital's whole report as stored at kEarlier: IC capacity, two disruptions, a diversion that expired.
StatusReport StoredHospitalReport() {
  StatusReport report = ParseTextProto<StatusReport>(R"pb(
    organization_id: "zh-noord"
    overall_status: OVERALL_STATUS_STRAINED
    disruptions { type: DISRUPTION_TYPE_UTILITY_FAILURE severity: SEVERITY_MAJOR description: "stroomstoring" }
    disruptions { type: DISRUPTION_TYPE_STAFF_SHORTAGE severity: SEVERITY_MINOR }
    capacity { type: BED_TYPE_IC_ADULT available: 2 occupied: 10 baseline: 12 }
    capacity { type: BED_TYPE_GENERAL_WARD available: 30 }
    supplies { type: SUPPLY_TYPE_GENERATOR state: SUPPLY_STATE_LIMITED autonomy_hours: 18 }
    staffing { level: STAFFING_LEVEL_INSUFFICIENT shortage_count: 4 description: "nachtdienst" }
    emergency_department {
      state: EMERGENCY_DEPARTMENT_STATE_DIVERSION
      reason: "vol"
      until { seconds: 1800000600 }
      expired_since { seconds: 1800000600 }
    }
    crisis_plan_activated: true
    free_text: "aggregaat draait"
    reporter { name: "J. de Vries" function: "crisiscoördinator" }
  )pb");
  return ApplyStatusUpdate(nullptr, report, FieldMask(), kEarlier);
}

absl::Status Validate(const std::string& request_text) {
  return ValidateReportStatusRequest(ParseTextProto<ReportStatusRequest>(request_text));
}

std::string MessageOf(const absl::Status& status) { return std::string(status.message()); }

TEST(StatusUpdateTest, WholeReportStampsEveryEntryAndClearsTheExpiredDepartment) {
  const StatusReport stored = StoredHospitalReport();
  for (const auto& capacity : stored.capacity()) EXPECT_EQ(FromProtoTime(capacity.reported_at()), kEarlier);
  for (const auto& supply : stored.supplies()) EXPECT_EQ(FromProtoTime(supply.reported_at()), kEarlier);
  EXPECT_FALSE(stored.emergency_department().has_expired_since());
  EXPECT_TRUE(stored.update_mask().paths().empty());
  EXPECT_TRUE(ReplacesWholeReport(Mask({"*"})));
  EXPECT_FALSE(ReplacesWholeReport(Mask({"supplies"})));
}

// The issue's walk-through: an officer types in a phoned-in oxygen figure. The hospital's IC capacity, disruptions
// and emergency department must survive it.
TEST(StatusUpdateTest, SupplyUpdateKeepsEverythingElse) {
  StatusReport stored = StoredHospitalReport();
  stored.mutable_emergency_department()->mutable_expired_since()->set_seconds(1800000600);
  const StatusReport update = ParseTextProto<StatusReport>(R"pb(
    organization_id: "zh-noord"
    overall_status: OVERALL_STATUS_CRITICAL  # Not named by the mask: ignored.
    supplies { type: SUPPLY_TYPE_OXYGEN stock: 100 consumption_per_day: 20 unit: "liter" }
  )pb");
  const StatusReport merged = ApplyStatusUpdate(&stored, update, Mask({"supplies"}), kNow);

  EXPECT_EQ(merged.overall_status(), v1::OVERALL_STATUS_STRAINED);
  EXPECT_EQ(merged.disruptions_size(), 2);
  ASSERT_EQ(merged.capacity_size(), 2);
  EXPECT_EQ(merged.capacity(0).available(), 2);
  EXPECT_EQ(FromProtoTime(merged.capacity(0).reported_at()), kEarlier) << "an untouched entry keeps its age";
  EXPECT_EQ(merged.emergency_department().state(), v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  EXPECT_TRUE(merged.emergency_department().has_expired_since()) << "not confirmed by a supply report";
  EXPECT_EQ(merged.staffing().shortage_count(), 4);
  EXPECT_EQ(merged.free_text(), "aggregaat draait");
  ASSERT_EQ(merged.supplies_size(), 2);
  EXPECT_EQ(merged.supplies(0).autonomy_hours(), 18);
  EXPECT_EQ(FromProtoTime(merged.supplies(0).reported_at()), kEarlier);
  EXPECT_EQ(merged.supplies(1).type(), v1::SUPPLY_TYPE_OXYGEN);
  EXPECT_EQ(merged.supplies(1).stock(), 100);
  EXPECT_EQ(FromProtoTime(merged.supplies(1).reported_at()), kNow);
  EXPECT_THAT(merged.update_mask().paths(), ElementsAre("supplies"));
}

TEST(StatusUpdateTest, MergedEntryChangesOnlyTheCountsGiven) {
  const StatusReport stored = StoredHospitalReport();
  const StatusReport update = ParseTextProto<StatusReport>(R"pb(
    organization_id: "zh-noord"
    capacity { type: BED_TYPE_IC_ADULT available: 0 }
    capacity { type: BED_TYPE_BURNS available: 1 }
  )pb");
  const StatusReport merged = ApplyStatusUpdate(&stored, update, Mask({"capacity"}), kNow);
  ASSERT_EQ(merged.capacity_size(), 3);
  EXPECT_EQ(merged.capacity(0).type(), v1::BED_TYPE_IC_ADULT);
  EXPECT_TRUE(merged.capacity(0).has_available());
  EXPECT_EQ(merged.capacity(0).available(), 0) << "a reported 0 is a figure, not 'not reported'";
  EXPECT_EQ(merged.capacity(0).occupied(), 10);
  EXPECT_EQ(merged.capacity(0).baseline(), 12);
  EXPECT_EQ(FromProtoTime(merged.capacity(0).reported_at()), kNow);
  EXPECT_EQ(merged.capacity(1).available(), 30);
  EXPECT_EQ(FromProtoTime(merged.capacity(1).reported_at()), kEarlier);
  EXPECT_EQ(merged.capacity(2).type(), v1::BED_TYPE_BURNS);
}

TEST(StatusUpdateTest, NamedEntryIsReplacedWholeOrRemoved) {
  const StatusReport stored = StoredHospitalReport();
  const StatusReport update = ParseTextProto<StatusReport>(R"pb(
    organization_id: "zh-noord"
    capacity { type: BED_TYPE_IC_ADULT available: 1 }
  )pb");
  const StatusReport merged = ApplyStatusUpdate(
      &stored, update, Mask({"capacity.ic_adult", "capacity.general_ward", "supplies.generator"}), kNow);
  ASSERT_EQ(merged.capacity_size(), 1);
  EXPECT_EQ(merged.capacity(0).available(), 1);
  EXPECT_FALSE(merged.capacity(0).has_occupied()) << "replaced whole: the old occupied count is gone";
  EXPECT_TRUE(merged.supplies().empty());
  EXPECT_THAT(merged.update_mask().paths(),
              ElementsAre("capacity.general_ward", "capacity.ic_adult", "supplies.generator"));
}

TEST(StatusUpdateTest, DisruptionWithSeverityNoneEnds) {
  const StatusReport stored = StoredHospitalReport();
  const StatusReport update = ParseTextProto<StatusReport>(R"pb(
    organization_id: "zh-noord"
    disruptions { type: DISRUPTION_TYPE_UTILITY_FAILURE severity: SEVERITY_NONE }
    disruptions { type: DISRUPTION_TYPE_STAFF_SHORTAGE severity: SEVERITY_MAJOR }
  )pb");
  const StatusReport merged = ApplyStatusUpdate(&stored, update, Mask({"disruptions"}), kNow);
  ASSERT_EQ(merged.disruptions_size(), 1);
  EXPECT_EQ(merged.disruptions(0).type(), v1::DISRUPTION_TYPE_STAFF_SHORTAGE);
  EXPECT_EQ(merged.disruptions(0).severity(), v1::SEVERITY_MAJOR);
}

TEST(StatusUpdateTest, SingularPartsAndTheirFields) {
  const StatusReport stored = StoredHospitalReport();
  const StatusReport update = ParseTextProto<StatusReport>(R"pb(
    organization_id: "zh-noord"
    staffing { level: STAFFING_LEVEL_ADEQUATE }
    emergency_department { state: EMERGENCY_DEPARTMENT_STATE_OPEN }
  )pb");
  // "staffing" replaces the message (the shortage and description go); one field of the department changes only it;
  // "free_text" absent from the update clears it; "reporter" absent clears the reporter.
  const StatusReport merged = ApplyStatusUpdate(
      &stored, update, Mask({"staffing", "emergency_department.state", "free_text", "reporter"}), kNow);
  EXPECT_EQ(merged.staffing().level(), v1::STAFFING_LEVEL_ADEQUATE);
  EXPECT_FALSE(merged.staffing().has_shortage_count());
  EXPECT_EQ(merged.emergency_department().state(), v1::EMERGENCY_DEPARTMENT_STATE_OPEN);
  EXPECT_EQ(merged.emergency_department().reason(), "vol");
  EXPECT_TRUE(merged.free_text().empty());
  EXPECT_FALSE(merged.has_reporter());
  EXPECT_TRUE(merged.crisis_plan_activated());
}

// Capacity that is not beds: a GP post's counts change without its state; an intake stop is lifted by naming it.
TEST(StatusUpdateTest, CapacityThatIsNotBedsIsAPartLikeStaffing) {
  const StatusReport stored = ApplyStatusUpdate(nullptr, ParseTextProto<StatusReport>(R"pb(
                                                  organization_id: "hap-kust"
                                                  overall_status: OVERALL_STATUS_STRAINED
                                                  gp_post { state: GP_POST_STATE_RESTRICTED reason: "alleen spoed" }
                                                  intake_stop { state: INTAKE_STOP_STATE_ACTIVE reason: "noodstroom" }
                                                )pb"),
                                                FieldMask(), kEarlier);
  const StatusReport update = ParseTextProto<StatusReport>(R"pb(
    organization_id: "hap-kust"
    gp_post { consultations_per_hour: 12 slots_available: 3 }
  )pb");
  const StatusReport merged = ApplyStatusUpdate(
      &stored, update, Mask({"gp_post.consultations_per_hour", "gp_post.slots_available", "intake_stop"}), kNow);
  EXPECT_EQ(merged.gp_post().state(), v1::GP_POST_STATE_RESTRICTED);
  EXPECT_EQ(merged.gp_post().reason(), "alleen spoed");
  EXPECT_EQ(merged.gp_post().consultations_per_hour(), 12);
  EXPECT_EQ(merged.gp_post().slots_available(), 3);
  EXPECT_FALSE(merged.has_intake_stop());
  EXPECT_TRUE(ValidateReportStatusRequest(ParseTextProto<ReportStatusRequest>(R"pb(
                report {
                  organization_id: "hap-kust"
                  ambulance { ambulances_available: 4 }
                }
                update_mask { paths: "ambulance.ambulances_available" paths: "home_care" paths: "intake_stop" }
              )pb"))
                  .ok());
}

TEST(StatusUpdateTest, FirstPartialReportStartsFromNothing) {
  const StatusReport update = ParseTextProto<StatusReport>(R"pb(
    organization_id: "vvt-west"
    location_id: "de-linde"
    overall_status: OVERALL_STATUS_NORMAL
    capacity { type: BED_TYPE_NURSING_HOME available: 3 }
  )pb");
  const StatusReport merged = ApplyStatusUpdate(nullptr, update, Mask({"capacity"}), kNow);
  EXPECT_EQ(merged.organization_id(), "vvt-west");
  EXPECT_EQ(merged.location_id(), "de-linde");
  EXPECT_EQ(merged.overall_status(), v1::OVERALL_STATUS_UNSPECIFIED) << "the planner refuses this one";
  EXPECT_EQ(merged.capacity_size(), 1);
}

TEST(StatusUpdateTest, AppliedTwiceIsTheSame) {
  const StatusReport stored = StoredHospitalReport();
  const StatusReport update = ParseTextProto<StatusReport>(R"pb(
    organization_id: "zh-noord"
    capacity { type: BED_TYPE_IC_ADULT available: 1 }
    supplies { type: SUPPLY_TYPE_WATER state: SUPPLY_STATE_AVAILABLE }
  )pb");
  const FieldMask mask = Mask({"capacity", "supplies"});
  const StatusReport once = ApplyStatusUpdate(&stored, update, mask, kNow);
  const StatusReport twice = ApplyStatusUpdate(&once, update, mask, kNow);
  EXPECT_TRUE(MessageDifferencer::Equals(once, twice)) << once.DebugString() << "\n" << twice.DebugString();
}

TEST(StatusUpdateValidationTest, PartialReportNeedsNoOverallStatus) {
  EXPECT_TRUE(Validate(R"pb(
                report {
                  organization_id: "zh-noord"
                  supplies { type: SUPPLY_TYPE_OXYGEN stock: 100 }
                }
                update_mask { paths: "supplies" }
              )pb")
                  .ok());
  EXPECT_THAT(MessageOf(Validate(R"pb(report { organization_id: "zh-noord" })pb")),
              StartsWith("report.overall_status: "));
  EXPECT_THAT(MessageOf(Validate(R"pb(
                report { organization_id: "zh-noord" }
                update_mask { paths: "overall_status" }
              )pb")),
              StartsWith("report.overall_status: "));
  // The entries are still checked whole.
  EXPECT_THAT(MessageOf(Validate(R"pb(
                report {
                  organization_id: "zh-noord"
                  capacity { type: BED_TYPE_IC_ADULT available: -1 }
                }
                update_mask { paths: "capacity" }
              )pb")),
              StartsWith("report.capacity[0].available: "));
}

TEST(StatusUpdateValidationTest, BadPathsAreNamed) {
  struct Case {
    std::string path;
    std::string expected;
  };
  const Case cases[] = {
      {"capacity.ic_adult.available", "is replaced whole"},
      {"capacity.ic_kids", "unknown type \"ic_kids\""},
      {"capacity.IC_ADULT", "unknown type"},
      {"capacity.unspecified", "unknown type"},
      {"supplies.", "unknown type"},
      {"commit_time", "output only"},
      {"emergency_department.expired_since", "output only"},
      {"organization_id", "names the report"},
      {"staffing.nonsense", "unknown path"},
      {"overall", "unknown path"},
      {"", "unknown path"},
  };
  for (const Case& c : cases) {
    ReportStatusRequest request;
    request.mutable_report()->set_organization_id("zh-noord");
    request.mutable_update_mask()->add_paths("free_text");
    request.mutable_update_mask()->add_paths(c.path);
    const absl::Status status = ValidateReportStatusRequest(request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.path;
    EXPECT_THAT(MessageOf(status), StartsWith("update_mask.paths[1]: ")) << c.path;
    EXPECT_THAT(MessageOf(status), HasSubstr(c.expected)) << c.path;
  }
  ReportStatusRequest star;
  star.mutable_report()->set_organization_id("zh-noord");
  star.mutable_update_mask()->add_paths("free_text");
  star.mutable_update_mask()->add_paths("*");
  EXPECT_THAT(MessageOf(ValidateReportStatusRequest(star)), HasSubstr("must be the only path"));
  ReportStatusRequest many;
  many.mutable_report()->set_organization_id("zh-noord");
  for (int i = 0; i <= kMaxUpdateMaskPaths; ++i) many.mutable_update_mask()->add_paths("free_text");
  EXPECT_THAT(MessageOf(ValidateReportStatusRequest(many)), StartsWith("update_mask.paths: at most"));
}

}  // namespace
}  // namespace ketenbeeld::domain
