#include "server/domain/entities.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace ketenbeeld::domain {
namespace {

using ::ketenbeeld::v1::Disruption;
using ::ketenbeeld::v1::OrganizationKind;
using ::ketenbeeld::v1::Sector;
using ::ketenbeeld::v1::StatusReport;

// The sector of every kind, per GLOSSARY.md. Written out in full so that the mapping is reviewed, not derived.
const std::map<OrganizationKind, Sector>& ExpectedSectors() {
  static const auto* const sectors = new std::map<OrganizationKind, Sector>{
      {v1::ORGANIZATION_KIND_HOSPITAL, v1::SECTOR_ACUTE_CARE},
      {v1::ORGANIZATION_KIND_GP_POST, v1::SECTOR_ACUTE_CARE},
      {v1::ORGANIZATION_KIND_AMBULANCE_SERVICE, v1::SECTOR_ACUTE_CARE},
      {v1::ORGANIZATION_KIND_DISPATCH_CENTRE, v1::SECTOR_ACUTE_CARE},
      {v1::ORGANIZATION_KIND_GGD, v1::SECTOR_ACUTE_CARE},
      {v1::ORGANIZATION_KIND_VICTIM_SUPPORT, v1::SECTOR_ACUTE_CARE},
      {v1::ORGANIZATION_KIND_RED_CROSS, v1::SECTOR_ACUTE_CARE},
      {v1::ORGANIZATION_KIND_MIDWIFERY, v1::SECTOR_ACUTE_CARE},
      {v1::ORGANIZATION_KIND_NURSING_HOME, v1::SECTOR_LONG_TERM_CARE},
      {v1::ORGANIZATION_KIND_DISABILITY_CARE, v1::SECTOR_LONG_TERM_CARE},
      {v1::ORGANIZATION_KIND_MENTAL_HEALTH, v1::SECTOR_LONG_TERM_CARE},
      {v1::ORGANIZATION_KIND_HOME_CARE, v1::SECTOR_LONG_TERM_CARE},
      {v1::ORGANIZATION_KIND_MUNICIPALITY, v1::SECTOR_OTHER},
      {v1::ORGANIZATION_KIND_FIRE_SERVICE, v1::SECTOR_OTHER},
      {v1::ORGANIZATION_KIND_POLICE, v1::SECTOR_OTHER},
      {v1::ORGANIZATION_KIND_CRISIS_MANAGEMENT, v1::SECTOR_OTHER},
      {v1::ORGANIZATION_KIND_CARE_AND_SAFETY_HOUSE, v1::SECTOR_OTHER},
      {v1::ORGANIZATION_KIND_DEFENCE, v1::SECTOR_OTHER},
      {v1::ORGANIZATION_KIND_ACUTE_CARE_NETWORK, v1::SECTOR_OTHER},
      {v1::ORGANIZATION_KIND_GHOR, v1::SECTOR_OTHER},
  };
  return *sectors;
}

// Iterates the enum descriptor, so a kind added to the API without a sector fails here.
TEST(SectorOfTest, EveryOrganizationKindHasItsSector) {
  const google::protobuf::EnumDescriptor* kinds = v1::OrganizationKind_descriptor();
  int checked = 0;
  for (int i = 0; i < kinds->value_count(); ++i) {
    const auto kind = static_cast<OrganizationKind>(kinds->value(i)->number());
    if (kind == v1::ORGANIZATION_KIND_UNSPECIFIED) continue;
    SCOPED_TRACE(kinds->value(i)->name());
    auto expected = ExpectedSectors().find(kind);
    ASSERT_NE(expected, ExpectedSectors().end()) << "new kind: add it to SectorOf and to this test";
    EXPECT_EQ(SectorOf(kind), expected->second);
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(ExpectedSectors().size()));
}

TEST(SectorOfTest, UnspecifiedAndUnknownKindsHaveNoSector) {
  EXPECT_EQ(SectorOf(v1::ORGANIZATION_KIND_UNSPECIFIED), v1::SECTOR_UNSPECIFIED);
  EXPECT_EQ(SectorOf(static_cast<OrganizationKind>(999)), v1::SECTOR_UNSPECIFIED);
  EXPECT_EQ(SectorOf(static_cast<OrganizationKind>(-3)), v1::SECTOR_UNSPECIFIED);
}

TEST(NormalizeOrganizationTest, SectorIsDerivedAndInputIsIgnored) {
  v1::Organization organization;
  organization.set_kind(v1::ORGANIZATION_KIND_MENTAL_HEALTH);
  organization.set_sector(v1::SECTOR_ACUTE_CARE);  // A client's claim; output only.
  NormalizeOrganization(organization);
  EXPECT_EQ(organization.sector(), v1::SECTOR_LONG_TERM_CARE);
}

StatusReport ReportWithSupplies() {
  StatusReport report;
  if (!google::protobuf::TextFormat::ParseFromString(
          R"pb(
            organization_id: "nwz"
            overall_status: OVERALL_STATUS_NORMAL
            supplies { type: SUPPLY_TYPE_OXYGEN stock: 10 consumption_per_day: 4 }
            supplies { type: SUPPLY_TYPE_WATER stock: 10 consumption_per_day: 0 days_of_supply: 99 }
            supplies { type: SUPPLY_TYPE_FOOD stock: 10 days_of_supply: 99 }
            supplies { type: SUPPLY_TYPE_FUEL consumption_per_day: 3 days_of_supply: 99 }
            supplies { type: SUPPLY_TYPE_PPE stock: 0 consumption_per_day: 2 days_of_supply: 99 }
            supplies { type: SUPPLY_TYPE_MEDICATION stock: 1e300 consumption_per_day: 1e-300 }
            commit_time { seconds: 5 }
            next_report_due { seconds: 6 }
          )pb",
          &report)) {
    ADD_FAILURE() << "bad text proto";
  }
  return report;
}

TEST(NormalizeStatusReportTest, SetsCommitTimeAndNextReportDue) {
  StatusReport report = ReportWithSupplies();
  const absl::Time commit = absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(123456789);
  NormalizeStatusReport(commit, absl::Minutes(15), report);
  EXPECT_EQ(report.commit_time().seconds(), 1700000000);
  EXPECT_EQ(report.commit_time().nanos(), 123456789);
  EXPECT_EQ(report.next_report_due().seconds(), 1700000000 + 15 * 60);
  EXPECT_EQ(report.next_report_due().nanos(), 123456789);
}

TEST(NormalizeStatusReportTest, NanosCarryIntoSeconds) {
  StatusReport report = ReportWithSupplies();
  const absl::Time commit = absl::FromUnixSeconds(100) + absl::Milliseconds(700);
  NormalizeStatusReport(commit, absl::Milliseconds(500), report);
  EXPECT_EQ(report.next_report_due().seconds(), 101);
  EXPECT_EQ(report.next_report_due().nanos(), 200000000);
}

TEST(NormalizeStatusReportTest, TimesBeforeTheEpochHaveNonNegativeNanos) {
  StatusReport report = ReportWithSupplies();
  NormalizeStatusReport(absl::FromUnixSeconds(0) - absl::Milliseconds(250), absl::Hours(1), report);
  EXPECT_EQ(report.commit_time().seconds(), -1);
  EXPECT_EQ(report.commit_time().nanos(), 750000000);
}

TEST(NormalizeStatusReportTest, NoCadenceClearsNextReportDue) {
  for (absl::Duration interval : {absl::ZeroDuration(), absl::Seconds(-1), absl::InfiniteDuration()}) {
    StatusReport report = ReportWithSupplies();
    NormalizeStatusReport(absl::FromUnixSeconds(1700000000), interval, report);
    EXPECT_FALSE(report.has_next_report_due()) << interval;
    EXPECT_EQ(report.commit_time().seconds(), 1700000000);
  }
}

TEST(NormalizeStatusReportTest, TimesBeyondTimestampRangeAreClamped) {
  StatusReport report = ReportWithSupplies();
  NormalizeStatusReport(absl::FromUnixSeconds(253402300000), absl::Hours(24), report);
  EXPECT_EQ(report.next_report_due().seconds(), 253402300799);
  EXPECT_EQ(report.next_report_due().nanos(), 999999999);
  NormalizeStatusReport(absl::InfinitePast(), absl::Hours(1), report);
  EXPECT_EQ(report.commit_time().seconds(), -62135596800);
  EXPECT_EQ(report.commit_time().nanos(), 0);
}

TEST(NormalizeStatusReportTest, DaysOfSupplyIsComputedOrCleared) {
  StatusReport report = ReportWithSupplies();
  NormalizeStatusReport(absl::FromUnixSeconds(1700000000), absl::Hours(1), report);
  ASSERT_TRUE(report.supplies(0).has_days_of_supply());
  EXPECT_DOUBLE_EQ(report.supplies(0).days_of_supply(), 2.5);
  EXPECT_FALSE(report.supplies(1).has_days_of_supply()) << "no consumption: cannot run out";
  EXPECT_FALSE(report.supplies(2).has_days_of_supply()) << "consumption not reported";
  EXPECT_FALSE(report.supplies(3).has_days_of_supply()) << "stock not reported";
  ASSERT_TRUE(report.supplies(4).has_days_of_supply());
  EXPECT_EQ(report.supplies(4).days_of_supply(), 0.0);
  EXPECT_FALSE(report.supplies(5).has_days_of_supply()) << "overflows to infinity: not a number of days";
}

TEST(DisruptionSummaryTest, KeepsTypeAndSeverityOnly) {
  StatusReport report;
  Disruption* disruption = report.add_disruptions();
  disruption->set_type(v1::DISRUPTION_TYPE_UTILITY_FAILURE);
  disruption->set_severity(v1::SEVERITY_MAJOR);
  disruption->mutable_since()->set_seconds(1700000000);
  disruption->mutable_expected_end()->set_seconds(1700003600);
  disruption->set_description("Stroomuitval");
  disruption = report.add_disruptions();
  disruption->set_type(v1::DISRUPTION_TYPE_STAFF_SHORTAGE);
  disruption->set_severity(v1::SEVERITY_NONE);

  const auto summary = DisruptionSummary(report);
  ASSERT_EQ(summary.size(), 2);
  EXPECT_EQ(summary[0].type(), v1::DISRUPTION_TYPE_UTILITY_FAILURE);
  EXPECT_EQ(summary[0].severity(), v1::SEVERITY_MAJOR);
  EXPECT_FALSE(summary[0].has_since());
  EXPECT_FALSE(summary[0].has_expected_end());
  EXPECT_EQ(summary[0].description(), "");
  EXPECT_EQ(summary[1].type(), v1::DISRUPTION_TYPE_STAFF_SHORTAGE);
  EXPECT_EQ(summary[1].severity(), v1::SEVERITY_NONE);
}

TEST(DisruptionSummaryTest, OnePerTypeWithTheHighestSeverity) {
  StatusReport report;
  for (auto severity : {v1::SEVERITY_MINOR, v1::SEVERITY_CRITICAL, v1::SEVERITY_MAJOR}) {
    Disruption* disruption = report.add_disruptions();
    disruption->set_type(v1::DISRUPTION_TYPE_PATIENT_SURGE);
    disruption->set_severity(severity);
  }
  const auto summary = DisruptionSummary(report);
  ASSERT_EQ(summary.size(), 1);
  EXPECT_EQ(summary[0].severity(), v1::SEVERITY_CRITICAL);
  EXPECT_TRUE(DisruptionSummary(StatusReport()).empty());
}

}  // namespace
}  // namespace ketenbeeld::domain
