#include "client/cli/flags.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/cli_test_util.h"

namespace ketenbeeld::cli {
namespace {

using ::ketenbeeld::cli::testing::ExpectFlagError;

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(FlagsTest, DisruptionWithAndWithoutText) {
  absl::StatusOr<v1::Disruption> disruption = ParseDisruptionFlag("utility-failure=major:power out: since 11:40");
  ASSERT_TRUE(disruption.ok()) << disruption.status();
  EXPECT_EQ(disruption->type(), v1::DISRUPTION_TYPE_UTILITY_FAILURE);
  EXPECT_EQ(disruption->severity(), v1::SEVERITY_MAJOR);
  EXPECT_EQ(disruption->description(), "power out: since 11:40");
  disruption = ParseDisruptionFlag("staff-shortage=minor");
  ASSERT_TRUE(disruption.ok()) << disruption.status();
  EXPECT_EQ(disruption->description(), "");
}

TEST(FlagsTest, BadDisruptionsNameFlagAndValue) {
  ExpectFlagError(ParseDisruptionFlag("utility-failure").status(), "--disruption \"utility-failure\"",
                  "expected TYPE=SEVERITY");
  ExpectFlagError(ParseDisruptionFlag("power=major").status(), "--disruption \"power=major\"",
                  "unknown disruption type \"power\" (valid: utility-failure, ");
  ExpectFlagError(ParseDisruptionFlag("patient-surge=huge").status(), "--disruption \"patient-surge=huge\"",
                  "unknown severity \"huge\"");
}

TEST(FlagsTest, CapacityKeepsUnreportedCountsAbsent) {
  absl::StatusOr<v1::Capacity> capacity = ParseCapacityFlag("ic-adult:available=3,baseline=12,surge-24h=4");
  ASSERT_TRUE(capacity.ok()) << capacity.status();
  EXPECT_EQ(capacity->type(), v1::BED_TYPE_IC_ADULT);
  EXPECT_EQ(capacity->available(), 3);
  EXPECT_EQ(capacity->baseline(), 12);
  EXPECT_EQ(capacity->surge_24h(), 4);
  EXPECT_FALSE(capacity->has_occupied());  // Not reported is not zero.
  EXPECT_FALSE(capacity->has_surge_72h());
  capacity = ParseCapacityFlag("general-ward:available=0");
  ASSERT_TRUE(capacity.ok());
  EXPECT_TRUE(capacity->has_available());  // An explicit 0 is reported.
}

TEST(FlagsTest, BadCapacitiesNameFlagAndValue) {
  ExpectFlagError(ParseCapacityFlag("ic-adult:avail=3").status(), "--capacity \"ic-adult:avail=3\"",
                  "unknown field \"avail\" (valid: available, occupied, baseline, surge-24h, surge-72h)");
  ExpectFlagError(ParseCapacityFlag("ic-adult:available=three").status(), "--capacity \"ic-adult:available=three\"",
                  "available must be a whole number >= 0, not \"three\"");
  ExpectFlagError(ParseCapacityFlag("ic-adult:available=-1").status(), "--capacity", "whole number >= 0");
  ExpectFlagError(ParseCapacityFlag("ic-adult:available").status(), "--capacity", "is not key=value");
  ExpectFlagError(ParseCapacityFlag("ic-adult").status(), "--capacity \"ic-adult\"", "no counts given");
  ExpectFlagError(ParseCapacityFlag("icu:available=1").status(), "--capacity \"icu:available=1\"",
                  "unknown bed type \"icu\"");
}

TEST(FlagsTest, Staffing) {
  absl::StatusOr<v1::Staffing> staffing = ParseStaffingFlag("insufficient:4:two night nurses");
  ASSERT_TRUE(staffing.ok()) << staffing.status();
  EXPECT_EQ(staffing->level(), v1::STAFFING_LEVEL_INSUFFICIENT);
  EXPECT_EQ(staffing->shortage_count(), 4);
  EXPECT_EQ(staffing->description(), "two night nurses");
  staffing = ParseStaffingFlag("adequate");
  ASSERT_TRUE(staffing.ok());
  EXPECT_FALSE(staffing->has_shortage_count());
  ExpectFlagError(ParseStaffingFlag("insufficient:many").status(), "--staffing \"insufficient:many\"",
                  "the shortage must be a whole number");
  ExpectFlagError(ParseStaffingFlag("fine").status(), "--staffing \"fine\"", "(valid: adequate, insufficient)");
}

TEST(FlagsTest, Supply) {
  absl::StatusOr<v1::Supply> supply =
      ParseSupplyFlag("generator:state=limited,hours=36.5,stock=800,per-day=400,unit=litre");
  ASSERT_TRUE(supply.ok()) << supply.status();
  EXPECT_EQ(supply->type(), v1::SUPPLY_TYPE_GENERATOR);
  EXPECT_EQ(supply->state(), v1::SUPPLY_STATE_LIMITED);
  EXPECT_DOUBLE_EQ(supply->autonomy_hours(), 36.5);
  EXPECT_DOUBLE_EQ(supply->stock(), 800);
  EXPECT_DOUBLE_EQ(supply->consumption_per_day(), 400);
  EXPECT_EQ(supply->unit(), "litre");
  EXPECT_FALSE(supply->has_days_of_supply());
  ExpectFlagError(ParseSupplyFlag("oxygen:state=low").status(), "--supply \"oxygen:state=low\"",
                  "unknown supply state \"low\"");
  ExpectFlagError(ParseSupplyFlag("oxygen:stock=nan").status(), "--supply", "stock must be a number >= 0");
  ExpectFlagError(ParseSupplyFlag("oxygen:days=3").status(), "--supply", "unknown field \"days\"");
}

TEST(FlagsTest, SupplyWithAnExpectedDeliveryAndAComingStaffShortage) {
  absl::StatusOr<v1::Supply> fuel = ParseSupplyFlag(
      "fuel:stock=2000,unit=liter,resupply-at=2026-12-02T20:00:00+01:00,resupply-quantity=5000,supplier=Kop");
  ASSERT_TRUE(fuel.ok()) << fuel.status();
  EXPECT_EQ(FromProtoTime(fuel->resupply().expected_at()), absl::FromUnixSeconds(1796238000));
  EXPECT_DOUBLE_EQ(fuel->resupply().quantity(), 5000);
  EXPECT_EQ(fuel->resupply().supplier(), "Kop");
  ExpectFlagError(ParseSupplyFlag("fuel:resupply-at=tomorrow").status(), "--supply", "tomorrow");

  StatusReportFlags flags;
  flags.organization_id = "zh-noord";
  flags.shortage_from = "2026-12-02T23:00:00+01:00";
  v1::StatusReport report;
  ASSERT_TRUE(ApplyStatusReportFlags(flags, &report).ok());
  EXPECT_EQ(FromProtoTime(report.staffing().shortage_from()), absl::FromUnixSeconds(1796248800));
  // Alone it changes only the start of the shortage; with --staffing the staffing part is replaced whole.
  absl::StatusOr<google::protobuf::FieldMask> mask = StatusUpdateMask(flags, v1::StatusReport());
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_THAT(mask->paths(), ::testing::ElementsAre("staffing.shortage_from"));
  flags.staffing = "insufficient:6";
  mask = StatusUpdateMask(flags, v1::StatusReport());
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_THAT(mask->paths(), ::testing::ElementsAre("staffing"));
}

TEST(FlagsTest, EmergencyDepartmentAndLocation) {
  absl::StatusOr<v1::EmergencyDepartment> department = ParseEmergencyDepartmentFlag("diversion:CT down");
  ASSERT_TRUE(department.ok());
  EXPECT_EQ(department->state(), v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  EXPECT_EQ(department->reason(), "CT down");
  ExpectFlagError(ParseEmergencyDepartmentFlag("shut").status(), "--ed \"shut\"", "open, diversion, closed");

  absl::StatusOr<v1::Location> location = ParseLocationFlag("alkmaar:Locatie Alkmaar:Wilhelminalaan 12: Alkmaar");
  ASSERT_TRUE(location.ok());
  EXPECT_EQ(location->id(), "alkmaar");
  EXPECT_EQ(location->name(), "Locatie Alkmaar");
  EXPECT_EQ(location->address(), "Wilhelminalaan 12: Alkmaar");
  ExpectFlagError(ParseLocationFlag("alkmaar").status(), "--location \"alkmaar\"", "expected ID:NAME[:ADDRESS]");
}

// "On diversion until 14:00": the server expires a diversion at its `until` (issue 15), so the CLI must be able to
// say it. The whole department part is reported, as with --ed alone.
TEST(FlagsTest, EmergencyDepartmentUntil) {
  StatusReportFlags flags;
  flags.organization_id = "zh-noord";
  flags.emergency_department = "diversion:CT zonder stroom";
  flags.emergency_department_until = "2026-12-02T14:00:00+01:00";
  v1::StatusReport report;
  ASSERT_TRUE(ApplyStatusReportFlags(flags, &report).ok());
  EXPECT_EQ(report.emergency_department().state(), v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  EXPECT_EQ(report.emergency_department().reason(), "CT zonder stroom");
  EXPECT_EQ(FromProtoTime(report.emergency_department().until()), absl::FromUnixSeconds(1796216400));
  absl::StatusOr<google::protobuf::FieldMask> mask = StatusUpdateMask(flags, v1::StatusReport());
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_THAT(mask->paths(), ::testing::ElementsAre("emergency_department"));

  // A closure from a file takes the flag's time too.
  StatusReportFlags only_until;
  only_until.emergency_department_until = "2026-12-02T14:00:00Z";
  v1::StatusReport from_file;
  from_file.mutable_emergency_department()->set_state(v1::EMERGENCY_DEPARTMENT_STATE_CLOSED);
  ASSERT_TRUE(ApplyStatusReportFlags(only_until, &from_file).ok());
  EXPECT_EQ(FromProtoTime(from_file.emergency_department().until()), absl::FromUnixSeconds(1796220000));

  // Nothing to end, or not a time: the error names the flag and the value.
  v1::StatusReport none;
  ExpectFlagError(ApplyStatusReportFlags(only_until, &none), "--ed-until \"2026-12-02T14:00:00Z\"",
                  "needs --ed diversion or --ed closed");
  StatusReportFlags open = flags;
  open.emergency_department = "open";
  ExpectFlagError(ApplyStatusReportFlags(open, &none), "--ed-until", "needs --ed diversion");
  StatusReportFlags clock_time = flags;
  clock_time.emergency_department_until = "14:00";
  ExpectFlagError(ApplyStatusReportFlags(clock_time, &none), "--ed-until \"14:00\"", "RFC 3339");
}

TEST(FlagsTest, StatusReportFlagsOverrideAFileByType) {
  v1::StatusReport report;
  report.set_organization_id("from-file");
  report.set_overall_status(v1::OVERALL_STATUS_NORMAL);
  v1::Capacity* kept = report.add_capacity();
  kept->set_type(v1::BED_TYPE_BURNS);
  kept->set_available(2);
  v1::Capacity* replaced = report.add_capacity();
  replaced->set_type(v1::BED_TYPE_IC_ADULT);
  replaced->set_available(9);
  replaced->set_occupied(1);

  StatusReportFlags flags;
  flags.organization_id = "zh-noord";
  flags.overall = "critical";
  flags.capacities = {"ic-adult:available=3"};
  flags.disruptions = {"utility-failure=critical"};
  flags.crisis_plan_activated = true;
  flags.text = "aggregaat draait";
  ASSERT_TRUE(ApplyStatusReportFlags(flags, &report).ok());
  EXPECT_EQ(report.organization_id(), "zh-noord");
  EXPECT_EQ(report.overall_status(), v1::OVERALL_STATUS_CRITICAL);
  ASSERT_EQ(report.capacity_size(), 2);
  EXPECT_EQ(report.capacity(0).type(), v1::BED_TYPE_BURNS);
  EXPECT_EQ(report.capacity(1).available(), 3);
  EXPECT_FALSE(report.capacity(1).has_occupied());  // The flag's entry replaces the file's whole.
  ASSERT_EQ(report.disruptions_size(), 1);
  EXPECT_TRUE(report.crisis_plan_activated());
  EXPECT_EQ(report.free_text(), "aggregaat draait");

  StatusReportFlags bad;
  bad.overall = "fine";
  ExpectFlagError(ApplyStatusReportFlags(bad, &report), "--overall \"fine\"",
                  "(valid: normal, strained, critical, closed, unknown)");
}

TEST(FlagsTest, StatusUpdateMaskNamesWhatTheFlagsAndTheFileGive) {
  StatusReportFlags flags;
  flags.organization_id = "zh-noord";
  flags.supplies = {"oxygen:stock=100,per-day=20,unit=liter"};
  flags.overall = "strained";
  flags.clears = {"capacity:ic-adult", "ed", "disruption:utility-failure"};
  v1::StatusReport file;
  file.set_free_text("uit bestand");
  absl::StatusOr<google::protobuf::FieldMask> mask = StatusUpdateMask(flags, file);
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_THAT(mask->paths(), ::testing::ElementsAre("overall_status", "supplies", "free_text", "capacity.ic_adult",
                                                    "emergency_department", "disruptions.utility_failure"));

  StatusReportFlags nothing;
  nothing.organization_id = "zh-noord";
  EXPECT_THAT(std::string(StatusUpdateMask(nothing, v1::StatusReport()).status().message()),
              StartsWith("nothing to report"));
  StatusReportFlags bad = nothing;
  bad.clears = {"capacity:ic-kids"};
  ExpectFlagError(StatusUpdateMask(bad, v1::StatusReport()).status(), "--clear \"capacity:ic-kids\"", "ic-adult");
  bad.clears = {"everything"};
  ExpectFlagError(StatusUpdateMask(bad, v1::StatusReport()).status(), "--clear \"everything\"", "capacity:TYPE");
}

TEST(FlagsTest, OrganizationFlags) {
  v1::Organization organization;
  OrganizationFlags flags;
  flags.id = "zh-noord";
  flags.name = "Ziekenhuis Noord";
  flags.kind = "hospital";
  flags.region = "VR10";
  flags.locations = {"alkmaar:Alkmaar", "den-helder:Den Helder:Huisduinerweg 3"};
  flags.phone = "072-0000000";
  ASSERT_TRUE(ApplyOrganizationFlags(flags, &organization).ok());
  EXPECT_EQ(organization.kind(), v1::ORGANIZATION_KIND_HOSPITAL);
  EXPECT_EQ(organization.locations_size(), 2);
  EXPECT_EQ(organization.contact().phone(), "072-0000000");
  flags.locations = {"alkmaar:Alkmaar Zuid"};  // Same id: replaced, not duplicated.
  ASSERT_TRUE(ApplyOrganizationFlags(flags, &organization).ok());
  ASSERT_EQ(organization.locations_size(), 2);
  EXPECT_EQ(organization.locations(0).name(), "Alkmaar Zuid");
  flags.kind = "hospitaal";
  ExpectFlagError(ApplyOrganizationFlags(flags, &organization), "--kind \"hospitaal\"",
                  "unknown organization kind \"hospitaal\"");
}

TEST(FlagsTest, SiteFlagsSetTheFieldsAnAreaMatches) {
  v1::Organization organization;
  OrganizationFlags flags;
  flags.locations = {"alkmaar:Alkmaar"};
  flags.site_at = {"alkmaar=52.63,4.75"};
  flags.site_postcodes = {"alkmaar=1815 JD"};
  flags.site_municipalities = {"alkmaar=GM0361"};
  ASSERT_TRUE(ApplyOrganizationFlags(flags, &organization).ok());
  const v1::Location& site = organization.locations(0);
  EXPECT_DOUBLE_EQ(site.coordinates().latitude(), 52.63);
  EXPECT_EQ(site.postcode(), "1815 JD");
  EXPECT_EQ(site.municipality_code(), "GM0361");

  // A registered location is found without --location.
  flags = OrganizationFlags();
  flags.site_postcodes = {"alkmaar=1816 AA"};
  ASSERT_TRUE(ApplyOrganizationFlags(flags, &organization).ok());
  EXPECT_EQ(organization.locations(0).postcode(), "1816 AA");

  flags.site_postcodes = {"heerhugowaard=1701 AA"};
  ExpectFlagError(ApplyOrganizationFlags(flags, &organization), "--site-postcode \"heerhugowaard=1701 AA\"",
                  "ID=VALUE");
  flags.site_postcodes = {};
  flags.site_at = {"alkmaar=52.63"};
  ExpectFlagError(ApplyOrganizationFlags(flags, &organization), "--site-at \"52.63\"", "LAT,LON");
}

TEST(FlagsTest, FilterFlags) {
  FilterFlags flags;
  flags.organization_ids = {"a", "b"};
  flags.regions = {"VR10"};
  flags.sectors = {"acute-care"};
  flags.kinds = {"status-report"};
  flags.disruptions = {"patient-surge"};
  flags.min_severity = "major";
  absl::StatusOr<v1::Filter> filter = BuildFilter(flags);
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(filter->organization_ids_size(), 2);
  EXPECT_EQ(filter->sectors(0), v1::SECTOR_ACUTE_CARE);
  EXPECT_EQ(filter->kinds(0), v1::ENTITY_KIND_STATUS_REPORT);
  EXPECT_EQ(filter->disruptions(0), v1::DISRUPTION_TYPE_PATIENT_SURGE);
  EXPECT_EQ(filter->min_severity(), v1::SEVERITY_MAJOR);
  EXPECT_FALSE(IsEmptyFilter(*filter));
  EXPECT_TRUE(IsEmptyFilter(BuildFilter({}).value()));

  flags.sectors = {"acute"};
  ExpectFlagError(BuildFilter(flags).status(), "--sector \"acute\"", "(valid: acute-care, long-term-care, other)");
}

TEST(FlagsTest, TimeFlag) {
  absl::StatusOr<absl::Time> time = ParseTimeFlag("--since", "2024-03-01T13:00:00+01:00");
  ASSERT_TRUE(time.ok());
  EXPECT_EQ(absl::ToUnixSeconds(*time), 1709294400);
  ExpectFlagError(ParseTimeFlag("--since", "yesterday").status(), "--since \"yesterday\"", "RFC 3339");
}

TEST(FlagsTest, LoadsTextFormatAndJsonFilesAndNamesTheFileOnError) {
  const std::string directory = ::testing::TempDir();
  const std::string text_path = directory + "/report.textproto";
  std::ofstream(text_path) << "organization_id: \"zh-noord\"\noverall_status: OVERALL_STATUS_STRAINED\n";
  v1::StatusReport report;
  ASSERT_TRUE(LoadMessageFromFile(text_path, &report).ok());
  EXPECT_EQ(report.overall_status(), v1::OVERALL_STATUS_STRAINED);

  const std::string json_path = directory + "/report.json";
  std::ofstream(json_path)
      << R"({"organizationId": "zh-zuid", "capacity": [{"type": "BED_TYPE_BURNS", "available": 1}]})";
  report.Clear();
  ASSERT_TRUE(LoadMessageFromFile(json_path, &report).ok());
  EXPECT_EQ(report.organization_id(), "zh-zuid");
  EXPECT_EQ(report.capacity(0).available(), 1);

  const std::string broken_path = directory + "/broken.textproto";
  std::ofstream(broken_path) << "overall_status: NOPE\n";
  absl::Status broken = LoadMessageFromFile(broken_path, &report);
  EXPECT_EQ(broken.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(broken.message()), HasSubstr(broken_path));
  EXPECT_THAT(std::string(broken.message()), HasSubstr("Unknown enumeration value of \"NOPE\""));
  EXPECT_EQ(LoadMessageFromFile(directory + "/missing.json", &report).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadMessageFromFile(directory + "/report.yaml", &report).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ketenbeeld::cli
