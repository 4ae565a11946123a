#include "server/domain/validation.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::domain {
namespace {

using ::ketenbeeld::testing::ParseTextProto;

using ::ketenbeeld::v1::Filter;
using ::ketenbeeld::v1::Organization;
using ::ketenbeeld::v1::StatusReport;
using ::testing::StartsWith;

std::string Repeat(const std::string& unit, int times) {
  std::string text;
  for (int i = 0; i < times; ++i) text += unit;
  return text;
}

Organization MinimalOrganization() {
  return ParseTextProto<Organization>(
      R"pb(
        id: "ziekenhuis-noord" name: "Ziekenhuis Noord" kind: ORGANIZATION_KIND_HOSPITAL safety_region: "VR10"
      )pb");
}

Organization FullOrganization() {
  return ParseTextProto<Organization>(R"pb(
    id: "nwz"
    name: "Noordwest Ziekenhuisgroep"
    kind: ORGANIZATION_KIND_HOSPITAL
    sector: SECTOR_ACUTE_CARE
    safety_region: "VR10"
    roaz_region: "ROAZ Noordwest"
    locations {
      id: "alkmaar"
      name: "Locatie Alkmaar"
      address: "Wilhelminalaan 12, 1815 JD Alkmaar"
      coordinates { latitude: 52.63 longitude: 4.74 }
    }
    locations { id: "den-helder" name: "Locatie Den Helder" }
    locations {
      id: "schagen"
      name: "Locatie Schagen"
      coordinates { latitude: -90 longitude: 180 }
    }
    contact { name: "Crisiscoördinator" phone: "+31 72 548 4444" email: "crisis@nwz.example" }
  )pb");
}

StatusReport MinimalReport() {
  return ParseTextProto<StatusReport>(R"pb(organization_id: "nwz" overall_status: OVERALL_STATUS_NORMAL)pb");
}

StatusReport FullReport() {
  return ParseTextProto<StatusReport>(R"pb(
    organization_id: "nwz"
    location_id: "alkmaar"
    overall_status: OVERALL_STATUS_STRAINED
    disruptions {
      type: DISRUPTION_TYPE_UTILITY_FAILURE
      severity: SEVERITY_MAJOR
      since { seconds: 1700000000 }
      expected_end { seconds: 1700003600 }
      description: "Stroomuitval;\n\tnoodstroom draait."
    }
    disruptions { type: DISRUPTION_TYPE_STAFF_SHORTAGE severity: SEVERITY_MINOR }
    disruptions { type: DISRUPTION_TYPE_PATIENT_SURGE severity: SEVERITY_NONE }
    disruptions { type: DISRUPTION_TYPE_DIGITAL_DISRUPTION severity: SEVERITY_CRITICAL }
    capacity { type: BED_TYPE_IC_ADULT available: 2 occupied: 10 baseline: 12 surge_24h: 4 surge_72h: 8 }
    capacity { type: BED_TYPE_EMERGENCY_DEPARTMENT available: 0 }
    capacity { type: BED_TYPE_GENERAL_WARD available: 100000 }
    staffing { level: STAFFING_LEVEL_INSUFFICIENT shortage_count: 12 description: "IC-verpleegkundigen" }
    supplies { type: SUPPLY_TYPE_GENERATOR state: SUPPLY_STATE_LIMITED autonomy_hours: 36.5 }
    supplies {
      type: SUPPLY_TYPE_OXYGEN
      state: SUPPLY_STATE_AVAILABLE
      stock: 40
      consumption_per_day: 8
      unit: "cylinders"
      days_of_supply: -3
    }
    emergency_department {
      state: EMERGENCY_DEPARTMENT_STATE_DIVERSION
      reason: "Geen IC-capaciteit"
      until { seconds: 1700010000 nanos: 999999999 }
    }
    crisis_plan_activated: true
    free_text: "Regel 1\nRegel 2"
    reporter { name: "J. de Vries" function: "crisiscoördinator" phone: "0725484444" }
    commit_time { seconds: -99999999999999 nanos: -5 }
    next_report_due { nanos: 2000000000 }
  )pb");
}

Filter FullFilter() {
  return ParseTextProto<Filter>(R"pb(
    kinds: ENTITY_KIND_ORGANIZATION
    kinds: ENTITY_KIND_STATUS_REPORT
    organization_ids: "nwz"
    organization_ids: "ggd-hn"
    safety_regions: "VR01"
    safety_regions: "VR25"
    sectors: SECTOR_ACUTE_CARE
    sectors: SECTOR_OTHER
    disruptions: DISRUPTION_TYPE_STAFF_SHORTAGE
    min_severity: SEVERITY_MAJOR
  )pb");
}

// ---------------------------------------------------------------------------------------------------------------
// Valid messages

TEST(ValidationTest, MinimalAndFullMessagesAreValid) {
  EXPECT_TRUE(ValidateOrganization(MinimalOrganization()).ok()) << ValidateOrganization(MinimalOrganization());
  EXPECT_TRUE(ValidateOrganization(FullOrganization()).ok()) << ValidateOrganization(FullOrganization());
  EXPECT_TRUE(ValidateStatusReport(MinimalReport()).ok()) << ValidateStatusReport(MinimalReport());
  EXPECT_TRUE(ValidateStatusReport(FullReport()).ok()) << ValidateStatusReport(FullReport());
  EXPECT_TRUE(ValidateFilter(Filter()).ok());
  EXPECT_TRUE(ValidateFilter(FullFilter()).ok()) << ValidateFilter(FullFilter());
}

TEST(ValidationTest, ValidateIdAcceptsTheDocumentedAlphabet) {
  for (const char* id : {"a", "0", "a-b", "ziekenhuis-noord-2", "9a", "a--b"}) {
    EXPECT_TRUE(ValidateId(id, "id").ok()) << id;
  }
  EXPECT_TRUE(ValidateId(std::string(64, 'z'), "id").ok());
}

TEST(ValidationTest, ValidateIdRejectsWithTheFieldName) {
  EXPECT_EQ(ValidateId("", "request.id").message(), "request.id: required");
  EXPECT_EQ(ValidateId(std::string(65, 'a'), "id").message(), "id: must be at most 64 characters, got 65");
  EXPECT_EQ(ValidateId("a_b", "id").message(),
            "id: must contain only lowercase letters a-z, digits and '-', got \"a_b\"");
  EXPECT_EQ(ValidateId("-ab", "id").message(), "id: must not start or end with '-', got \"-ab\"");
  EXPECT_EQ(ValidateId("ab-", "id").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateId("Ab", "id").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateId("é", "id").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateId(std::string("a\0b", 3), "id").message(),
            "id: must contain only lowercase letters a-z, digits and '-', got \"a\\x00\\x62\"");
}

// The documented examples, verbatim.
TEST(ValidationTest, MessagesAreExact) {
  StatusReport report = FullReport();
  report.mutable_capacity(2)->set_available(-1);
  EXPECT_EQ(ValidateStatusReport(report).message(),
            "report.capacity[2].available: must be between 0 and 100000, got -1");

  Organization organization = MinimalOrganization();
  organization.set_safety_region("VR26");
  EXPECT_EQ(ValidateOrganization(organization).message(),
            "organization.safety_region: must be VR01..VR25, got \"VR26\"");

  report = MinimalReport();
  report.clear_overall_status();
  EXPECT_EQ(ValidateStatusReport(report).message(), "report.overall_status: required");

  report = FullReport();
  report.mutable_disruptions(3)->set_type(v1::DISRUPTION_TYPE_STAFF_SHORTAGE);
  EXPECT_EQ(ValidateStatusReport(report).message(),
            "report.disruptions[3].type: DISRUPTION_TYPE_STAFF_SHORTAGE appears twice (also at report.disruptions[1])");
}

TEST(ValidationTest, RootFieldIsTheCallersPath) {
  StatusReport report = MinimalReport();
  report.set_overall_status(static_cast<v1::OverallStatus>(42));
  const absl::Status status = ValidateStatusReport(report, "request.report");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "request.report.overall_status: unknown value 42");
}

// ---------------------------------------------------------------------------------------------------------------
// Table-driven: one mutation of a valid message per row.

template <typename Message>
struct Case {
  std::string name;  // Test name.
  std::function<void(Message&)> mutate;
  std::string expected;  // The message starts with this (the field path and usually what is wrong).

  friend void PrintTo(const Case& test_case, std::ostream* os) { *os << test_case.name; }
};

template <typename Message>
std::string CaseName(const ::testing::TestParamInfo<Case<Message>>& info) {
  return info.param.name;
}

std::string Chars(int count, const std::string& unit = "x") { return Repeat(unit, count); }

// ----- Organization

using OrganizationCase = Case<Organization>;
class InvalidOrganizationTest : public ::testing::TestWithParam<OrganizationCase> {};

TEST_P(InvalidOrganizationTest, FailsNamingTheField) {
  Organization organization = FullOrganization();
  GetParam().mutate(organization);
  const absl::Status status = ValidateOrganization(organization);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Organization, InvalidOrganizationTest,
    ::testing::Values(
        OrganizationCase{"IdMissing", [](auto& o) { o.clear_id(); }, "organization.id: required"},
        OrganizationCase{"IdUppercase", [](auto& o) { o.set_id("NWZ"); }, "organization.id: must contain only"},
        OrganizationCase{"IdLeadingDash", [](auto& o) { o.set_id("-nwz"); }, "organization.id: must not start"},
        OrganizationCase{"IdTooLong", [](auto& o) { o.set_id(Chars(65, "a")); },
                         "organization.id: must be at most 64 characters, got 65"},
        OrganizationCase{"NameMissing", [](auto& o) { o.clear_name(); }, "organization.name: required"},
        OrganizationCase{"NameTooLong", [](auto& o) { o.set_name(Chars(201, "é")); },
                         "organization.name: must be at most 200 characters, got 201"},
        OrganizationCase{"NameNewline", [](auto& o) { o.set_name("Noord\nwest"); },
                         "organization.name: must not contain control characters, got U+000A at character 6"},
        OrganizationCase{"NameTab", [](auto& o) { o.set_name("a\tb"); }, "organization.name: must not contain control"},
        OrganizationCase{"NameDelete", [](auto& o) { o.set_name("a\x7f"); }, "organization.name: must not contain"},
        OrganizationCase{"NameNul", [](auto& o) { o.set_name(std::string("a\0b", 3)); },
                         "organization.name: must not contain control characters, got U+0000"},
        OrganizationCase{"NameInvalidUtf8", [](auto& o) { o.set_name("ab\xff"); },
                         "organization.name: is not valid UTF-8 (at byte 2)"},
        OrganizationCase{"NameOverlongUtf8", [](auto& o) { o.set_name("\xc0\xaf"); },
                         "organization.name: is not valid UTF-8"},
        OrganizationCase{"NameSurrogateUtf8", [](auto& o) { o.set_name("\xed\xa0\x80"); },
                         "organization.name: is not valid UTF-8"},
        OrganizationCase{"NameTruncatedUtf8", [](auto& o) { o.set_name("a\xe2\x82"); },
                         "organization.name: is not valid UTF-8"},
        OrganizationCase{"NameBeyondUnicode", [](auto& o) { o.set_name("\xf4\x90\x80\x80"); },
                         "organization.name: is not valid UTF-8"},
        OrganizationCase{"KindMissing", [](auto& o) { o.clear_kind(); }, "organization.kind: required"},
        OrganizationCase{"KindUnknown", [](auto& o) { o.set_kind(static_cast<v1::OrganizationKind>(999)); },
                         "organization.kind: unknown value 999"},
        OrganizationCase{"ReportingIntervalTooShort", [](auto& o) { o.mutable_reporting_interval()->set_seconds(60); },
                         "organization.reporting_interval: must be between 5 minutes and 7 days, got 60 s"},
        OrganizationCase{"RegionMissing", [](auto& o) { o.clear_safety_region(); },
                         "organization.safety_region: required"},
        OrganizationCase{"RegionZero", [](auto& o) { o.set_safety_region("VR00"); },
                         "organization.safety_region: must be VR01..VR25, got \"VR00\""},
        OrganizationCase{"RegionLowercase", [](auto& o) { o.set_safety_region("vr10"); },
                         "organization.safety_region: must be VR01..VR25"},
        OrganizationCase{"RegionOneDigit", [](auto& o) { o.set_safety_region("VR1"); },
                         "organization.safety_region: must be VR01..VR25"},
        OrganizationCase{"RegionThreeDigits", [](auto& o) { o.set_safety_region("VR010"); },
                         "organization.safety_region: must be VR01..VR25"},
        OrganizationCase{"RoazTooLong", [](auto& o) { o.set_roaz_region(Chars(65)); },
                         "organization.roaz_region: must be at most 64 characters"},
        OrganizationCase{"TooManyLocations",
                         [](auto& o) {
                           o.clear_locations();
                           for (int i = 0; i <= kMaxLocations; ++i) {
                             auto* location = o.add_locations();
                             location->set_id("site-" + std::to_string(i));
                             location->set_name("Site");
                           }
                         },
                         "organization.locations: at most 100 locations allowed, got 101"},
        OrganizationCase{"LocationIdMissing", [](auto& o) { o.mutable_locations(1)->clear_id(); },
                         "organization.locations[1].id: required"},
        OrganizationCase{"LocationIdInvalid", [](auto& o) { o.mutable_locations(2)->set_id("Schagen"); },
                         "organization.locations[2].id: must contain only"},
        OrganizationCase{"LocationIdDuplicate", [](auto& o) { o.mutable_locations(2)->set_id("alkmaar"); },
                         "organization.locations[2].id: \"alkmaar\" appears twice (also at organization.locations[0])"},
        OrganizationCase{"LocationNameMissing", [](auto& o) { o.mutable_locations(0)->clear_name(); },
                         "organization.locations[0].name: required"},
        OrganizationCase{"LocationAddressTooLong", [](auto& o) { o.mutable_locations(0)->set_address(Chars(301)); },
                         "organization.locations[0].address: must be at most 300 characters, got 301"},
        OrganizationCase{"LocationAddressNewline", [](auto& o) { o.mutable_locations(0)->set_address("a\nb"); },
                         "organization.locations[0].address: must not contain control"},
        OrganizationCase{"LatitudeTooHigh",
                         [](auto& o) { o.mutable_locations(0)->mutable_coordinates()->set_latitude(90.0001); },
                         "organization.locations[0].coordinates.latitude: must be between -90 and 90, got 90.0001"},
        OrganizationCase{"LatitudeNaN",
                         [](auto& o) { o.mutable_locations(0)->mutable_coordinates()->set_latitude(NAN); },
                         "organization.locations[0].coordinates.latitude: must be a finite number"},
        OrganizationCase{"LongitudeTooLow",
                         [](auto& o) { o.mutable_locations(2)->mutable_coordinates()->set_longitude(-181); },
                         "organization.locations[2].coordinates.longitude: must be between -180 and 180, got -181"},
        OrganizationCase{"LongitudeInfinite",
                         [](auto& o) { o.mutable_locations(1)->mutable_coordinates()->set_longitude(INFINITY); },
                         "organization.locations[1].coordinates.longitude: must be a finite number"},
        OrganizationCase{"ContactNameTooLong", [](auto& o) { o.mutable_contact()->set_name(Chars(201)); },
                         "organization.contact.name: must be at most 200"},
        OrganizationCase{"ContactPhoneTooLong", [](auto& o) { o.mutable_contact()->set_phone(Chars(41, "1")); },
                         "organization.contact.phone: must be at most 40 characters, got 41"},
        OrganizationCase{"ContactPhoneControl", [](auto& o) { o.mutable_contact()->set_phone("112\r"); },
                         "organization.contact.phone: must not contain control"},
        OrganizationCase{"ContactEmailTooLong", [](auto& o) { o.mutable_contact()->set_email(Chars(201)); },
                         "organization.contact.email: must be at most 200"}),
    CaseName<Organization>);

// ----- StatusReport

using ReportCase = Case<StatusReport>;
class InvalidStatusReportTest : public ::testing::TestWithParam<ReportCase> {};

TEST_P(InvalidStatusReportTest, FailsNamingTheField) {
  StatusReport report = FullReport();
  GetParam().mutate(report);
  const absl::Status status = ValidateStatusReport(report);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    StatusReport, InvalidStatusReportTest,
    ::testing::Values(
        ReportCase{"OrganizationIdMissing", [](auto& r) { r.clear_organization_id(); },
                   "report.organization_id: required"},
        ReportCase{"OrganizationIdInvalid", [](auto& r) { r.set_organization_id("nwz!"); },
                   "report.organization_id: must contain only"},
        ReportCase{"LocationIdInvalid", [](auto& r) { r.set_location_id("alkmaar-"); },
                   "report.location_id: must not start or end with '-'"},
        ReportCase{"OverallStatusMissing", [](auto& r) { r.clear_overall_status(); },
                   "report.overall_status: required"},
        ReportCase{"OverallStatusUnknown", [](auto& r) { r.set_overall_status(static_cast<v1::OverallStatus>(6)); },
                   "report.overall_status: unknown value 6"},
        ReportCase{"DisruptionTypeMissing", [](auto& r) { r.mutable_disruptions(1)->clear_type(); },
                   "report.disruptions[1].type: required"},
        ReportCase{"DisruptionTypeUnknown",
                   [](auto& r) { r.mutable_disruptions(0)->set_type(static_cast<v1::DisruptionType>(9)); },
                   "report.disruptions[0].type: unknown value 9"},
        ReportCase{"DisruptionTypeNegative",
                   [](auto& r) { r.mutable_disruptions(0)->set_type(static_cast<v1::DisruptionType>(-1)); },
                   "report.disruptions[0].type: unknown value -1"},
        ReportCase{"DisruptionSeverityMissing", [](auto& r) { r.mutable_disruptions(2)->clear_severity(); },
                   "report.disruptions[2].severity: required"},
        ReportCase{"DisruptionSeverityUnknown",
                   [](auto& r) { r.mutable_disruptions(2)->set_severity(static_cast<v1::Severity>(5)); },
                   "report.disruptions[2].severity: unknown value 5"},
        ReportCase{"DisruptionDuplicate",
                   [](auto& r) { r.mutable_disruptions(2)->set_type(v1::DISRUPTION_TYPE_UTILITY_FAILURE); },
                   "report.disruptions[2].type: DISRUPTION_TYPE_UTILITY_FAILURE appears twice (also at "
                   "report.disruptions[0])"},
        ReportCase{"SinceBeforeYearOne",
                   [](auto& r) { r.mutable_disruptions(0)->mutable_since()->set_seconds(-62135596801); },
                   "report.disruptions[0].since.seconds: must be between -62135596800 (0001-01-01) and 253402300799 "
                   "(9999-12-31), got -62135596801"},
        ReportCase{"SinceNegativeNanos", [](auto& r) { r.mutable_disruptions(0)->mutable_since()->set_nanos(-1); },
                   "report.disruptions[0].since.nanos: must be between 0 and 999999999, got -1"},
        ReportCase{"ExpectedEndAfterYear9999",
                   [](auto& r) { r.mutable_disruptions(0)->mutable_expected_end()->set_seconds(253402300800); },
                   "report.disruptions[0].expected_end.seconds: must be between"},
        ReportCase{"ExpectedEndTooManyNanos",
                   [](auto& r) { r.mutable_disruptions(0)->mutable_expected_end()->set_nanos(1000000000); },
                   "report.disruptions[0].expected_end.nanos: must be between 0 and 999999999, got 1000000000"},
        ReportCase{"ExpectedEndBeforeSince",
                   [](auto& r) {
                     r.mutable_disruptions(0)->mutable_expected_end()->set_seconds(1700000000);
                     r.mutable_disruptions(0)->mutable_since()->set_nanos(1);
                   },
                   "report.disruptions[0].expected_end: must not be before report.disruptions[0].since"},
        ReportCase{"DisruptionDescriptionTooLong",
                   [](auto& r) { r.mutable_disruptions(1)->set_description(Chars(2001, "ë")); },
                   "report.disruptions[1].description: must be at most 2000 characters, got 2001"},
        ReportCase{"DisruptionDescriptionBell",
                   [](auto& r) { r.mutable_disruptions(1)->set_description("a\r\nb\x07"); },
                   "report.disruptions[1].description: must not contain control characters, got U+0007"},
        ReportCase{"CapacityTypeMissing", [](auto& r) { r.mutable_capacity(1)->clear_type(); },
                   "report.capacity[1].type: required"},
        ReportCase{"CapacityTypeUnknown",
                   [](auto& r) { r.mutable_capacity(1)->set_type(static_cast<v1::BedType>(17)); },
                   "report.capacity[1].type: unknown value 17"},
        ReportCase{"CapacityDuplicate", [](auto& r) { r.mutable_capacity(2)->set_type(v1::BED_TYPE_IC_ADULT); },
                   "report.capacity[2].type: BED_TYPE_IC_ADULT appears twice (also at report.capacity[0])"},
        ReportCase{"CapacityAvailableNegative", [](auto& r) { r.mutable_capacity(0)->set_available(-1); },
                   "report.capacity[0].available: must be between 0 and 100000, got -1"},
        ReportCase{"CapacityOccupiedTooMany", [](auto& r) { r.mutable_capacity(0)->set_occupied(100001); },
                   "report.capacity[0].occupied: must be between 0 and 100000, got 100001"},
        ReportCase{"CapacityBaselineNegative", [](auto& r) { r.mutable_capacity(1)->set_baseline(-5); },
                   "report.capacity[1].baseline: must be between 0 and 100000, got -5"},
        ReportCase{"CapacitySurge24hNegative", [](auto& r) { r.mutable_capacity(0)->set_surge_24h(-1); },
                   "report.capacity[0].surge_24h: must be between"},
        ReportCase{"CapacitySurge72hTooMany", [](auto& r) { r.mutable_capacity(0)->set_surge_72h(2147483647); },
                   "report.capacity[0].surge_72h: must be between 0 and 100000, got 2147483647"},
        ReportCase{"StaffingLevelUnknown",
                   [](auto& r) { r.mutable_staffing()->set_level(static_cast<v1::StaffingLevel>(3)); },
                   "report.staffing.level: unknown value 3"},
        ReportCase{"StaffingShortageNegative", [](auto& r) { r.mutable_staffing()->set_shortage_count(-1); },
                   "report.staffing.shortage_count: must be between 0 and 100000, got -1"},
        ReportCase{"StaffingDescriptionTooLong", [](auto& r) { r.mutable_staffing()->set_description(Chars(2001)); },
                   "report.staffing.description: must be at most 2000 characters"},
        ReportCase{"SupplyTypeMissing", [](auto& r) { r.mutable_supplies(0)->clear_type(); },
                   "report.supplies[0].type: required"},
        ReportCase{"SupplyDuplicate", [](auto& r) { r.mutable_supplies(1)->set_type(v1::SUPPLY_TYPE_GENERATOR); },
                   "report.supplies[1].type: SUPPLY_TYPE_GENERATOR appears twice (also at report.supplies[0])"},
        ReportCase{"SupplyStateUnknown",
                   [](auto& r) { r.mutable_supplies(1)->set_state(static_cast<v1::SupplyState>(4)); },
                   "report.supplies[1].state: unknown value 4"},
        ReportCase{"SupplyStockNegative", [](auto& r) { r.mutable_supplies(1)->set_stock(-0.5); },
                   "report.supplies[1].stock: must be >= 0, got -0.5"},
        ReportCase{"SupplyStockNaN", [](auto& r) { r.mutable_supplies(1)->set_stock(NAN); },
                   "report.supplies[1].stock: must be a finite number"},
        ReportCase{"SupplyConsumptionInfinite",
                   [](auto& r) { r.mutable_supplies(1)->set_consumption_per_day(INFINITY); },
                   "report.supplies[1].consumption_per_day: must be a finite number"},
        ReportCase{"SupplyConsumptionNegative", [](auto& r) { r.mutable_supplies(1)->set_consumption_per_day(-1); },
                   "report.supplies[1].consumption_per_day: must be >= 0"},
        ReportCase{"SupplyAutonomyNegative", [](auto& r) { r.mutable_supplies(0)->set_autonomy_hours(-1); },
                   "report.supplies[0].autonomy_hours: must be >= 0, got -1"},
        ReportCase{"SupplyAutonomyNegativeInfinity",
                   [](auto& r) { r.mutable_supplies(0)->set_autonomy_hours(-INFINITY); },
                   "report.supplies[0].autonomy_hours: must be a finite number"},
        ReportCase{"SupplyUnitTooLong", [](auto& r) { r.mutable_supplies(1)->set_unit(Chars(33)); },
                   "report.supplies[1].unit: must be at most 32 characters, got 33"},
        ReportCase{"SupplyUnitNewline", [](auto& r) { r.mutable_supplies(1)->set_unit("l\n"); },
                   "report.supplies[1].unit: must not contain control"},
        ReportCase{
            "EmergencyDepartmentStateUnknown",
            [](auto& r) { r.mutable_emergency_department()->set_state(static_cast<v1::EmergencyDepartmentState>(4)); },
            "report.emergency_department.state: unknown value 4"},
        ReportCase{"EmergencyDepartmentReasonTooLong",
                   [](auto& r) { r.mutable_emergency_department()->set_reason(Chars(2001)); },
                   "report.emergency_department.reason: must be at most 2000"},
        ReportCase{"EmergencyDepartmentReasonInvalidUtf8",
                   [](auto& r) { r.mutable_emergency_department()->set_reason("\x80"); },
                   "report.emergency_department.reason: is not valid UTF-8 (at byte 0)"},
        ReportCase{"EmergencyDepartmentUntilBadNanos",
                   [](auto& r) { r.mutable_emergency_department()->mutable_until()->set_nanos(-7); },
                   "report.emergency_department.until.nanos: must be between 0 and 999999999, got -7"},
        ReportCase{"FreeTextTooLong", [](auto& r) { r.set_free_text(Chars(4001)); },
                   "report.free_text: must be at most 4000 characters, got 4001"},
        ReportCase{"FreeTextEscape", [](auto& r) { r.set_free_text("\x1b[31m"); },
                   "report.free_text: must not contain control characters, got U+001B at character 1"},
        ReportCase{"ReporterNameTooLong", [](auto& r) { r.mutable_reporter()->set_name(Chars(201)); },
                   "report.reporter.name: must be at most 200"},
        ReportCase{"ReporterFunctionTooLong", [](auto& r) { r.mutable_reporter()->set_function(Chars(201)); },
                   "report.reporter.function: must be at most 200"},
        ReportCase{"ReporterPhoneTooLong", [](auto& r) { r.mutable_reporter()->set_phone(Chars(41)); },
                   "report.reporter.phone: must be at most 40"}),
    CaseName<StatusReport>);

// ----- Filter

using FilterCase = Case<Filter>;
class InvalidFilterTest : public ::testing::TestWithParam<FilterCase> {};

TEST_P(InvalidFilterTest, FailsNamingTheField) {
  Filter filter = FullFilter();
  GetParam().mutate(filter);
  const absl::Status status = ValidateFilter(filter);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Filter, InvalidFilterTest,
    ::testing::Values(
        FilterCase{"KindUnspecified", [](auto& f) { f.add_kinds(v1::ENTITY_KIND_UNSPECIFIED); },
                   "filter.kinds[2]: must not be ENTITY_KIND_UNSPECIFIED"},
        FilterCase{"KindUnknown", [](auto& f) { f.set_kinds(0, static_cast<v1::EntityKind>(99)); },
                   "filter.kinds[0]: unknown value 99"},
        FilterCase{"TooManyKinds",
                   [](auto& f) {
                     for (int i = 0; i < kMaxFilterValues; ++i) f.add_kinds(v1::ENTITY_KIND_ORGANIZATION);
                   },
                   "filter.kinds: at most 1000 values allowed, got 1002"},
        FilterCase{"OrganizationIdInvalid", [](auto& f) { f.set_organization_ids(1, "GGD"); },
                   "filter.organization_ids[1]: must contain only"},
        FilterCase{"OrganizationIdEmpty", [](auto& f) { f.add_organization_ids(""); },
                   "filter.organization_ids[2]: required"},
        FilterCase{"TooManyOrganizationIds",
                   [](auto& f) {
                     for (int i = 0; i < kMaxFilterValues; ++i) f.add_organization_ids("org-" + std::to_string(i));
                   },
                   "filter.organization_ids: at most 1000 values allowed, got 1002"},
        FilterCase{"SafetyRegionOutOfRange", [](auto& f) { f.set_safety_regions(1, "VR26"); },
                   "filter.safety_regions[1]: must be VR01..VR25, got \"VR26\""},
        FilterCase{"SafetyRegionEmpty", [](auto& f) { f.add_safety_regions(""); },
                   "filter.safety_regions[2]: must be VR01..VR25, got \"\""},
        FilterCase{"TooManySafetyRegions",
                   [](auto& f) {
                     for (int i = 0; i < kMaxFilterValues; ++i) f.add_safety_regions("VR01");
                   },
                   "filter.safety_regions: at most 1000 values allowed, got 1002"},
        FilterCase{"SectorUnspecified", [](auto& f) { f.set_sectors(1, v1::SECTOR_UNSPECIFIED); },
                   "filter.sectors[1]: must not be SECTOR_UNSPECIFIED"},
        FilterCase{"SectorUnknown", [](auto& f) { f.add_sectors(static_cast<v1::Sector>(4)); },
                   "filter.sectors[2]: unknown value 4"},
        FilterCase{"DisruptionUnspecified", [](auto& f) { f.add_disruptions(v1::DISRUPTION_TYPE_UNSPECIFIED); },
                   "filter.disruptions[1]: must not be DISRUPTION_TYPE_UNSPECIFIED"},
        FilterCase{"DisruptionUnknown", [](auto& f) { f.set_disruptions(0, static_cast<v1::DisruptionType>(100)); },
                   "filter.disruptions[0]: unknown value 100"},
        FilterCase{"MinSeverityUnknown", [](auto& f) { f.set_min_severity(static_cast<v1::Severity>(7)); },
                   "filter.min_severity: unknown value 7"}),
    CaseName<Filter>);

// ---------------------------------------------------------------------------------------------------------------
// Boundaries that must pass, and output-only fields that must be ignored.

TEST(ValidationBoundaryTest, ValuesAtTheLimitsAreValid) {
  Organization organization = FullOrganization();
  organization.set_id(std::string(64, 'a'));
  organization.set_name(Repeat("€", kMaxNameLength));  // 200 code points, 600 bytes.
  organization.set_safety_region("VR01");
  organization.set_roaz_region(std::string(64, 'r'));
  organization.mutable_contact()->set_phone(std::string(40, '1'));
  organization.clear_locations();
  for (int i = 0; i < kMaxLocations; ++i) {
    auto* location = organization.add_locations();
    location->set_id("site-" + std::to_string(i));
    location->set_name("Site 😀");  // A 4-byte code point.
    location->set_address(std::string(300, 'a'));
    location->mutable_coordinates()->set_latitude(i % 2 == 0 ? 90 : -90);
    location->mutable_coordinates()->set_longitude(i % 2 == 0 ? -180 : 180);
  }
  EXPECT_TRUE(ValidateOrganization(organization).ok()) << ValidateOrganization(organization);

  organization.set_safety_region("VR25");
  EXPECT_TRUE(ValidateOrganization(organization).ok()) << ValidateOrganization(organization);

  StatusReport report = FullReport();
  report.mutable_capacity(0)->set_available(0);
  report.mutable_capacity(0)->set_occupied(kMaxCount);
  report.mutable_supplies(1)->set_stock(0);
  report.mutable_supplies(1)->set_consumption_per_day(0);
  report.mutable_supplies(0)->set_autonomy_hours(0);
  report.set_free_text(Repeat("ö\n\t", kMaxFreeTextLength / 3) + "x");  // 4000 code points.
  report.mutable_disruptions(1)->set_description(std::string(kMaxShortTextLength, 'd'));
  // Expected end equal to since, both at the ends of the Timestamp range.
  report.mutable_disruptions(0)->mutable_since()->set_seconds(-62135596800);
  report.mutable_disruptions(0)->mutable_expected_end()->set_seconds(-62135596800);
  report.mutable_emergency_department()->mutable_until()->set_seconds(253402300799);
  report.mutable_emergency_department()->mutable_until()->set_nanos(999999999);
  EXPECT_TRUE(ValidateStatusReport(report).ok()) << ValidateStatusReport(report);

  Filter filter;
  for (int i = 0; i < kMaxFilterValues; ++i) filter.add_organization_ids("org-" + std::to_string(i));
  filter.set_min_severity(v1::SEVERITY_NONE);
  EXPECT_TRUE(ValidateFilter(filter).ok()) << ValidateFilter(filter);
}

TEST(ValidationBoundaryTest, OutputOnlyFieldsAreIgnored) {
  Organization organization = MinimalOrganization();
  organization.set_sector(static_cast<v1::Sector>(77));
  EXPECT_TRUE(ValidateOrganization(organization).ok());

  StatusReport report = MinimalReport();
  report.mutable_commit_time()->set_nanos(-1);
  report.mutable_next_report_due()->set_seconds(std::numeric_limits<int64_t>::max());
  auto* supply = report.add_supplies();
  supply->set_type(v1::SUPPLY_TYPE_WATER);
  supply->set_days_of_supply(-INFINITY);
  EXPECT_TRUE(ValidateStatusReport(report).ok()) << ValidateStatusReport(report);
}

TEST(ValidationBoundaryTest, OptionalFieldsMayBeAbsentOrUnspecified) {
  StatusReport report = MinimalReport();
  report.mutable_staffing();  // Present but empty: level not reported.
  report.mutable_emergency_department();
  report.mutable_reporter();
  auto* capacity = report.add_capacity();
  capacity->set_type(v1::BED_TYPE_BURNS);  // No counts: nothing reported, not zero.
  auto* supply = report.add_supplies();
  supply->set_type(v1::SUPPLY_TYPE_IT);
  EXPECT_TRUE(ValidateStatusReport(report).ok()) << ValidateStatusReport(report);

  Organization organization = MinimalOrganization();
  auto* location = organization.add_locations();
  location->set_id("hoofdlocatie");
  location->set_name("Hoofdlocatie");
  location->mutable_coordinates();  // (0, 0) is a valid position.
  organization.mutable_contact();
  EXPECT_TRUE(ValidateOrganization(organization).ok()) << ValidateOrganization(organization);
}

TEST(ValidationBoundaryTest, LongInvalidValuesAreQuotedShort) {
  Organization organization = MinimalOrganization();
  organization.set_safety_region(std::string(100000, 'V'));
  const absl::Status status = ValidateOrganization(organization);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(status.message().size(), 200u) << status;
}

// ---------------------------------------------------------------------------------------------------------------
// Capacity that is not beds (ambulance, gp_post, home_care, public_health, intake_stop)

// Every new sub-message with every field set, valid as far as ValidateStatusReport goes (which kind may send which
// is ValidateStatusReportFitsKind's, below).
StatusReport ChainReport() {
  return ParseTextProto<StatusReport>(R"pb(
    organization_id: "keten"
    overall_status: OVERALL_STATUS_STRAINED
    ambulance { ambulances_available: 4 ambulances_deployed: 7 }
    gp_post { state: GP_POST_STATE_RESTRICTED reason: "Alleen spoed" consultations_per_hour: 12 slots_available: 0 }
    home_care { clients_in_care: 850 clients_on_powered_devices: 37 clients_on_home_ventilation: 5 }
    public_health {
      infection_control_teams_available: 2
      vaccination_teams_available: 0
      psychosocial_teams_available: 1
    }
    intake_stop {
      state: INTAKE_STOP_STATE_ACTIVE
      since { seconds: 1700000000 }
      until { seconds: 1700086400 }
      reason: "Cliëntenstop: noodstroom, geen nieuwe cliënten met thuisbeademing"
    }
  )pb");
}

TEST(ChainValidationTest, FullAndEmptySubMessagesAreValid) {
  EXPECT_TRUE(ValidateStatusReport(ChainReport()).ok()) << ValidateStatusReport(ChainReport());
  // Present but empty: nothing reported (the intake stop, when given, must say which state).
  StatusReport report = MinimalReport();
  report.mutable_ambulance();
  report.mutable_gp_post();
  report.mutable_home_care();
  report.mutable_public_health();
  EXPECT_TRUE(ValidateStatusReport(report).ok()) << ValidateStatusReport(report);
  report.mutable_intake_stop()->set_state(v1::INTAKE_STOP_STATE_NONE);
  EXPECT_TRUE(ValidateStatusReport(report).ok()) << ValidateStatusReport(report);
}

TEST(ChainValidationTest, CountsAtTheLimitsAreValid) {
  StatusReport report = ChainReport();
  report.mutable_ambulance()->set_ambulances_available(kMaxCount);
  report.mutable_ambulance()->set_ambulances_deployed(0);
  report.mutable_home_care()->set_clients_in_care(kMaxCount);
  report.mutable_home_care()->set_clients_on_powered_devices(kMaxCount);   // Equal to the whole: allowed.
  report.mutable_home_care()->set_clients_on_home_ventilation(kMaxCount);  // Equal to the whole: allowed.
  report.mutable_intake_stop()->mutable_until()->set_seconds(1700000000);  // Equal to since.
  EXPECT_TRUE(ValidateStatusReport(report).ok()) << ValidateStatusReport(report);
  // A part without its whole cannot be compared: valid.
  report.mutable_home_care()->clear_clients_on_powered_devices();
  report.mutable_home_care()->set_clients_in_care(1);
  EXPECT_TRUE(ValidateStatusReport(report).ok()) << ValidateStatusReport(report);
}

class InvalidChainReportTest : public ::testing::TestWithParam<ReportCase> {};

TEST_P(InvalidChainReportTest, FailsNamingTheField) {
  StatusReport report = ChainReport();
  GetParam().mutate(report);
  const absl::Status status = ValidateStatusReport(report);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Chain, InvalidChainReportTest,
    ::testing::Values(
        ReportCase{"AmbulancesAvailableNegative", [](auto& r) { r.mutable_ambulance()->set_ambulances_available(-1); },
                   "report.ambulance.ambulances_available: must be between 0 and 100000, got -1"},
        ReportCase{"AmbulancesDeployedTooMany", [](auto& r) { r.mutable_ambulance()->set_ambulances_deployed(100001); },
                   "report.ambulance.ambulances_deployed: must be between 0 and 100000, got 100001"},
        ReportCase{"GpPostStateUnknown",
                   [](auto& r) { r.mutable_gp_post()->set_state(static_cast<v1::GpPostState>(4)); },
                   "report.gp_post.state: unknown value 4"},
        ReportCase{"GpPostReasonTooLong", [](auto& r) { r.mutable_gp_post()->set_reason(Chars(2001)); },
                   "report.gp_post.reason: must be at most 2000 characters, got 2001"},
        ReportCase{"GpPostConsultationsNegative", [](auto& r) { r.mutable_gp_post()->set_consultations_per_hour(-3); },
                   "report.gp_post.consultations_per_hour: must be between 0 and 100000, got -3"},
        ReportCase{"GpPostSlotsTooMany", [](auto& r) { r.mutable_gp_post()->set_slots_available(2147483647); },
                   "report.gp_post.slots_available: must be between 0 and 100000, got 2147483647"},
        ReportCase{"HomeCareClientsNegative", [](auto& r) { r.mutable_home_care()->set_clients_in_care(-1); },
                   "report.home_care.clients_in_care: must be between 0 and 100000, got -1"},
        ReportCase{"PoweredDevicesMoreThanClients",
                   [](auto& r) { r.mutable_home_care()->set_clients_on_powered_devices(851); },
                   "report.home_care.clients_on_powered_devices: must not be more than report.home_care."
                   "clients_in_care (850), got 851"},
        ReportCase{"HomeVentilationMoreThanPoweredDevices",
                   [](auto& r) { r.mutable_home_care()->set_clients_on_home_ventilation(38); },
                   "report.home_care.clients_on_home_ventilation: must not be more than report.home_care."
                   "clients_on_powered_devices (37), got 38"},
        ReportCase{"HomeVentilationTooMany",
                   [](auto& r) { r.mutable_home_care()->set_clients_on_home_ventilation(100001); },
                   "report.home_care.clients_on_home_ventilation: must be between 0 and 100000"},
        ReportCase{"InfectionControlTeamsNegative",
                   [](auto& r) { r.mutable_public_health()->set_infection_control_teams_available(-1); },
                   "report.public_health.infection_control_teams_available: must be between 0 and 100000"},
        ReportCase{"VaccinationTeamsTooMany",
                   [](auto& r) { r.mutable_public_health()->set_vaccination_teams_available(100001); },
                   "report.public_health.vaccination_teams_available: must be between 0 and 100000"},
        ReportCase{"PsychosocialTeamsNegative",
                   [](auto& r) { r.mutable_public_health()->set_psychosocial_teams_available(-2); },
                   "report.public_health.psychosocial_teams_available: must be between 0 and 100000, got -2"},
        ReportCase{"IntakeStopStateMissing", [](auto& r) { r.mutable_intake_stop()->clear_state(); },
                   "report.intake_stop.state: required"},
        ReportCase{"IntakeStopStateUnknown",
                   [](auto& r) { r.mutable_intake_stop()->set_state(static_cast<v1::IntakeStopState>(3)); },
                   "report.intake_stop.state: unknown value 3"},
        ReportCase{"IntakeStopSinceBadNanos", [](auto& r) { r.mutable_intake_stop()->mutable_since()->set_nanos(-1); },
                   "report.intake_stop.since.nanos: must be between 0 and 999999999, got -1"},
        ReportCase{"IntakeStopUntilAfterYear9999",
                   [](auto& r) { r.mutable_intake_stop()->mutable_until()->set_seconds(253402300800); },
                   "report.intake_stop.until.seconds: must be between"},
        ReportCase{"IntakeStopUntilBeforeSince",
                   [](auto& r) { r.mutable_intake_stop()->mutable_until()->set_seconds(1699999999); },
                   "report.intake_stop.until: must not be before report.intake_stop.since"},
        ReportCase{"IntakeStopReasonControl", [](auto& r) { r.mutable_intake_stop()->set_reason("stop\x07"); },
                   "report.intake_stop.reason: must not contain control characters"},
        ReportCase{"IntakeStopSinceWithoutStop",
                   [](auto& r) { r.mutable_intake_stop()->set_state(v1::INTAKE_STOP_STATE_NONE); },
                   "report.intake_stop.since: only with INTAKE_STOP_STATE_ACTIVE"},
        ReportCase{"IntakeStopReasonWithoutStop",
                   [](auto& r) {
                     r.mutable_intake_stop()->set_state(v1::INTAKE_STOP_STATE_NONE);
                     r.mutable_intake_stop()->clear_since();
                     r.mutable_intake_stop()->clear_until();
                   },
                   "report.intake_stop.reason: only with INTAKE_STOP_STATE_ACTIVE"}),
    CaseName<StatusReport>);

// Which kind may send which: every pair of sub-message and kind, against the documented table.
TEST(ChainValidationTest, EachSubMessageFitsOnlyItsKinds) {
  struct Part {
    const char* field;
    std::function<void(StatusReport&)> add;
    std::vector<v1::OrganizationKind> kinds;
  };
  const std::vector<Part> parts = {
      {"ambulance",
       [](auto& r) { r.mutable_ambulance()->set_ambulances_available(1); },
       {v1::ORGANIZATION_KIND_AMBULANCE_SERVICE}},
      {"gp_post",
       [](auto& r) { r.mutable_gp_post()->set_state(v1::GP_POST_STATE_OPEN); },
       {v1::ORGANIZATION_KIND_GP_POST}},
      {"home_care",
       [](auto& r) { r.mutable_home_care()->set_clients_on_powered_devices(3); },
       {v1::ORGANIZATION_KIND_HOME_CARE}},
      {"public_health", [](auto& r) { r.mutable_public_health(); }, {v1::ORGANIZATION_KIND_GGD}},
      {"intake_stop",
       [](auto& r) { r.mutable_intake_stop()->set_state(v1::INTAKE_STOP_STATE_ACTIVE); },
       {v1::ORGANIZATION_KIND_NURSING_HOME, v1::ORGANIZATION_KIND_DISABILITY_CARE, v1::ORGANIZATION_KIND_MENTAL_HEALTH,
        v1::ORGANIZATION_KIND_HOME_CARE}},
  };
  const google::protobuf::EnumDescriptor* kinds = v1::OrganizationKind_descriptor();
  for (const Part& part : parts) {
    StatusReport report = MinimalReport();
    part.add(report);
    for (int i = 0; i < kinds->value_count(); ++i) {
      const auto kind = static_cast<v1::OrganizationKind>(kinds->value(i)->number());
      const bool fits = std::find(part.kinds.begin(), part.kinds.end(), kind) != part.kinds.end();
      const absl::Status status = ValidateStatusReportFitsKind(report, kind);
      SCOPED_TRACE(std::string(part.field) + " from " + kinds->value(i)->name());
      if (fits) {
        EXPECT_TRUE(status.ok()) << status;
      } else {
        EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
        EXPECT_THAT(std::string(status.message()), StartsWith(std::string("report.") + part.field + ": only for "));
      }
    }
  }
  // A report without any of them fits every kind.
  EXPECT_TRUE(ValidateStatusReportFitsKind(FullReport(), v1::ORGANIZATION_KIND_POLICE).ok());
}

TEST(ChainValidationTest, AKindMismatchNamesTheFieldAndTheKind) {
  StatusReport report = MinimalReport();
  report.mutable_ambulance()->set_ambulances_available(3);
  EXPECT_EQ(ValidateStatusReportFitsKind(report, v1::ORGANIZATION_KIND_NURSING_HOME, "request.report").message(),
            "request.report.ambulance: only for ambulance services; the organisation is "
            "ORGANIZATION_KIND_NURSING_HOME");
}

}  // namespace
}  // namespace ketenbeeld::domain
