// EDXL-HAVE 2.0 out and in (server/interop/have.h). Every document written is validated against
// standards/ketenbeeld-have-2.0-profile.xsd.
#include "server/interop/have.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/interop/schema_check.h"

namespace ketenbeeld::interop {
namespace {

namespace v1 = ketenbeeld::v1;
using ::ketenbeeld::testing::SchemaErrors;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kProfile[] = "ketenbeeld-have-2.0-profile.xsd";

v1::Organization Hospital(const std::string& id) {
  v1::Organization organization;
  organization.set_id(id);
  organization.set_name("Ziekenhuis Noord & Zee");
  organization.set_kind(v1::ORGANIZATION_KIND_HOSPITAL);
  organization.set_safety_region("VR10");
  return organization;
}

v1::Capacity Beds(v1::BedType type, int available, int baseline) {
  v1::Capacity capacity;
  capacity.set_type(type);
  capacity.set_available(available);
  capacity.set_baseline(baseline);
  return capacity;
}

v1::StatusReport FullReport(const std::string& id) {
  v1::StatusReport report;
  report.set_organization_id(id);
  report.set_overall_status(v1::OVERALL_STATUS_STRAINED);
  *report.add_capacity() = Beds(v1::BED_TYPE_IC_ADULT, 2, 12);
  report.mutable_capacity(0)->set_surge_24h(4);
  report.mutable_capacity(0)->set_surge_72h(6);
  report.mutable_capacity(0)->set_occupied(10);  // Not in HAVE.
  *report.add_capacity() = Beds(v1::BED_TYPE_EMERGENCY_DEPARTMENT, 0, 20);
  *report.add_capacity() = Beds(v1::BED_TYPE_MEDIUM_CARE, 3, 8);  // A Ketenbeeld extension value.
  report.mutable_staffing()->set_level(v1::STAFFING_LEVEL_INSUFFICIENT);
  report.mutable_staffing()->set_description("IC-verpleegkundigen nachtdienst");
  report.mutable_staffing()->set_shortage_count(4);  // Not in HAVE.
  report.mutable_emergency_department()->set_state(v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  report.mutable_emergency_department()->set_reason("CT defect");
  report.set_crisis_plan_activated(true);
  report.set_free_text("Noodstroom getest.");
  *report.mutable_commit_time() = ToProtoTime(absl::FromUnixSeconds(1796247000));
  return report;
}

std::string Export(const std::vector<HaveFacility>& facilities) {
  absl::StatusOr<std::string> xml = StatusToHave(facilities);
  EXPECT_TRUE(xml.ok()) << xml.status();
  if (!xml.ok()) return "";
  EXPECT_EQ(SchemaErrors(kProfile, *xml), "") << *xml;
  return *xml;
}

bool Same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

TEST(HaveTest, EveryExportValidatesAgainstTheProfile) {
  const v1::Organization a = Hospital("zh-noord");
  const v1::Organization b = Hospital("zh-zuid");
  const v1::StatusReport full = FullReport("zh-noord");
  v1::StatusReport minimal;  // A report that says only its overall status.
  minimal.set_organization_id("zh-zuid");
  minimal.set_overall_status(v1::OVERALL_STATUS_UNKNOWN);
  const std::string region = Export({{.organization = &a, .report = &full}, {.organization = &b, .report = &minimal}});
  EXPECT_THAT(region, HasSubstr("<facilityID>zh-noord</facilityID>"));
  EXPECT_THAT(region, HasSubstr("<facilityID>zh-zuid</facilityID>"));
  for (v1::OverallStatus status : {v1::OVERALL_STATUS_NORMAL, v1::OVERALL_STATUS_CRITICAL, v1::OVERALL_STATUS_CLOSED}) {
    v1::StatusReport report = full;
    report.set_overall_status(status);
    Export({{.organization = &a, .report = &report}});
  }
  for (int type = v1::BedType_MIN + 1; type <= v1::BedType_MAX; ++type) {
    v1::StatusReport report = minimal;
    *report.add_capacity() = Beds(static_cast<v1::BedType>(type), 1, 2);
    Export({{.organization = &b, .report = &report}});
  }
  EXPECT_FALSE(StatusToHave({}).ok());
}

TEST(HaveTest, ExportMapsStatusDepartmentCrisisPlanBedsAndStaffing) {
  const v1::Organization organization = Hospital("zh-noord");
  const v1::StatusReport report = FullReport("zh-noord");
  const std::string xml = Export({{.organization = &organization, .report = &report}});
  for (absl::string_view part :
       {"<facilityName>Ziekenhuis Noord &amp; Zee</facilityName>", "<lastUpdateTime>2026-12-02T21:30:00Z",
        "<colourCode>Yellow</colourCode>", "<emsTrafficStatus>Advisory</emsTrafficStatus>",
        "<emsTrafficReason>CT defect</emsTrafficReason>", "<eocStatus>Active</eocStatus>", "<eocPlan>Active</eocPlan>",
        "<bedType>AdultICU</bedType>", "<availableCount>2</availableCount>", "<baselineCount>12</baselineCount>",
        "<additionalCapacityCount24Hr>4</additionalCapacityCount24Hr>",
        "<additionalCapacityCount72Hr>6</additionalCapacityCount72Hr>", "<capacityStatus>NotAvailable</capacityStatus>",
        "<bedType>KetenbeeldMediumCare</bedType>", "<staffingStatus>Insufficient</staffingStatus>",
        "<comment>Noodstroom getest.</comment>"}) {
    EXPECT_THAT(xml, HasSubstr(std::string(part)));
  }
}

TEST(HaveTest, ImportThenExportThenImportGivesTheSamePicture) {
  const v1::Organization organization = Hospital("zh-noord");
  const v1::StatusReport report = FullReport("zh-noord");
  const absl::StatusOr<HaveImport> first = HaveToStatus(Export({{.organization = &organization, .report = &report}}));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(
      first->request.update_mask().paths(),
      UnorderedElementsAre("overall_status", "emergency_department.state", "emergency_department.reason",
                           "crisis_plan_activated", "capacity", "staffing.level", "staffing.description", "free_text"));
  const v1::StatusReport& imported = first->request.report();
  EXPECT_EQ(imported.organization_id(), "zh-noord");
  EXPECT_EQ(imported.overall_status(), v1::OVERALL_STATUS_STRAINED);
  ASSERT_EQ(imported.capacity_size(), 3);
  EXPECT_EQ(imported.capacity(0).type(), v1::BED_TYPE_IC_ADULT);
  EXPECT_EQ(imported.capacity(0).available(), 2);
  EXPECT_EQ(imported.capacity(0).surge_72h(), 6);
  EXPECT_FALSE(imported.capacity(0).has_occupied());  // HAVE has no occupied count.
  EXPECT_EQ(imported.capacity(2).type(), v1::BED_TYPE_MEDIUM_CARE);
  EXPECT_EQ(imported.emergency_department().state(), v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  EXPECT_TRUE(imported.crisis_plan_activated());
  EXPECT_EQ(imported.staffing().level(), v1::STAFFING_LEVEL_INSUFFICIENT);
  EXPECT_THAT(first->not_imported, ElementsAre(HasSubstr("lastUpdateTime")));

  // The imported report as the server would store it, exported and imported again: the same write.
  v1::StatusReport stored = imported;
  *stored.mutable_commit_time() = report.commit_time();
  const absl::StatusOr<HaveImport> second = HaveToStatus(Export({{.organization = &organization, .report = &stored}}));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(Same(second->request, first->request)) << second->request.DebugString();
}

std::string OneBed(absl::string_view bed_type) {
  return absl::StrReplaceAll(R"(<?xml version="1.0"?>
<HAVE xmlns="urn:oasis:names:tc:emergency:edxl:have:2.0">
  <facility>
    <facilityInformation><facilityID>zh-noord</facilityID></facilityInformation>
    <facilityColourStatus><colourCode>Red</colourCode></facilityColourStatus>
    <bedCapacityStatus>
      <bedCapacity><bedType>AdultICU</bedType><capacity><availableCount>1</availableCount></capacity></bedCapacity>
      <bedCapacity><bedType>TYPE</bedType><capacity><capacityStatus>NotAvailable</capacityStatus></capacity></bedCapacity>
    </bedCapacityStatus>
  </facility>
</HAVE>
)",
                             {{"TYPE", bed_type}});
}

TEST(HaveTest, BedTypesWithoutAnEquivalentOrUnknownAreRefusedNamingTheElement) {
  const absl::StatusOr<HaveImport> nursery = HaveToStatus(OneBed("NurseryBeds"));
  ASSERT_FALSE(nursery.ok());
  EXPECT_EQ(nursery.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(nursery.status().message(),
              HasSubstr("have: /HAVE/facility/bedCapacityStatus/bedCapacity/bedType: bed type \"NurseryBeds\" has no "
                        "equivalent"));
  const absl::StatusOr<HaveImport> unknown = HaveToStatus(OneBed("HelicopterPads"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("bedType: unknown bed type \"HelicopterPads\""));
  const absl::StatusOr<HaveImport> twice = HaveToStatus(OneBed("AdultICU"));
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("BED_TYPE_IC_ADULT, which this document already gave"));

  const absl::StatusOr<HaveImport> alias = HaveToStatus(OneBed("NegativeFlowIsolation"));
  ASSERT_TRUE(alias.ok()) << alias.status();
  ASSERT_EQ(alias->request.report().capacity_size(), 2);
  EXPECT_EQ(alias->request.report().capacity(1).type(), v1::BED_TYPE_ISOLATION);
  EXPECT_EQ(alias->request.report().capacity(1).available(), 0);  // NotAvailable without a count: none free.
  EXPECT_EQ(alias->request.report().overall_status(), v1::OVERALL_STATUS_CRITICAL);
  EXPECT_THAT(alias->request.update_mask().paths(), ElementsAre("overall_status", "capacity"));
}

TEST(HaveTest, DocumentsThatCannotBeOneReportAreRefused) {
  const v1::Organization a = Hospital("zh-noord");
  const v1::Organization b = Hospital("zh-zuid");
  const v1::StatusReport report_a = FullReport("zh-noord");
  const v1::StatusReport report_b = FullReport("zh-zuid");
  const absl::StatusOr<HaveImport> two =
      HaveToStatus(Export({{.organization = &a, .report = &report_a}, {.organization = &b, .report = &report_b}}));
  ASSERT_FALSE(two.ok());
  EXPECT_THAT(two.status().message(), HasSubstr("have: /HAVE/facility: an import carries one organisation's status"));

  struct Case {
    std::string from, to, expected;
  };
  const std::string valid = OneBed("Burn");
  for (const Case& c : std::vector<Case>{
           {"<availableCount>1</availableCount>", "<availableCount>-1</availableCount>", "/availableCount (line"},
           {"<availableCount>1</availableCount>", "<availableCount>100001</availableCount>", "availableCount"},
           {"<colourCode>Red</colourCode>", "<colourCode>Purple</colourCode>", "/HAVE/facility/facilityColourStatus"},
           {"<facilityID>zh-noord</facilityID>", "<facilityID>ZH Noord</facilityID>", "facilityID"},
           {"edxl:have:2.0", "edxl:have:1.0", "have: /HAVE (line"},
       }) {
    const absl::StatusOr<HaveImport> imported = HaveToStatus(absl::StrReplaceAll(valid, {{c.from, c.to}}));
    ASSERT_FALSE(imported.ok()) << c.to;
    EXPECT_EQ(imported.status().code(), absl::StatusCode::kInvalidArgument) << c.to;
    EXPECT_THAT(imported.status().message(), HasSubstr(c.expected)) << c.to;
  }
}

TEST(HaveTest, TheBedTypeMappingIsOneToOneOnExport) {
  std::vector<std::string> words;
  for (int type = v1::BedType_MIN + 1; type <= v1::BedType_MAX; ++type) {
    words.emplace_back(HaveBedTypeWord(static_cast<v1::BedType>(type)));
  }
  std::sort(words.begin(), words.end());
  EXPECT_EQ(std::adjacent_find(words.begin(), words.end()), words.end());
  EXPECT_EQ(HaveStandardBedType(v1::BED_TYPE_IC_ADULT), "AdultICU");
  EXPECT_EQ(HaveStandardBedType(v1::BED_TYPE_MEDIUM_CARE), std::nullopt);
}

}  // namespace
}  // namespace ketenbeeld::interop
