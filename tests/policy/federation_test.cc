// The federation role's redaction (server/policy/federation.h, docs/federation-policy.md), one test per entity kind,
// and the guard that every kind has a decision.
#include "server/policy/federation.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/policy/visibility.h"
#include "server/state/records.h"
#include "tests/policy/identities.h"

namespace ketenbeeld::policy {
namespace {

namespace v1 = ::ketenbeeld::v1;
using testing::As;
using ::testing::HasSubstr;
using ::testing::Not;

v1::Record FedParse(const std::string& text) {
  v1::Record record;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &record)) << text;
  return record;
}

// Everything a record could say that must not cross: the test looks for these words in the redacted bytes.
constexpr const char* kFedSecrets[] = {"GEHEIM-tekst", "06-12345678", "jan@zorg.nl", "Jan Jansen", "token:jan"};

void ExpectNoFreeTextOrContacts(const v1::Record& record) {
  const std::string text = record.Utf8DebugString();
  for (const char* secret : kFedSecrets) EXPECT_THAT(text, Not(HasSubstr(secret))) << record.name();
}

v1::Record FedHospital() {
  return FedParse(R"pb(
    name: "organizations/zh-noord"
    kind: ENTITY_KIND_ORGANIZATION
    updated_by { organization_id: "beheer" role: ROLE_OPERATOR subject: "token:jan" }
    scope { organization_id: "zh-noord" sector: SECTOR_ACUTE_CARE organization_kind: ORGANIZATION_KIND_HOSPITAL }
    organization {
      id: "zh-noord"
      name: "Ziekenhuis Noord"
      kind: ORGANIZATION_KIND_HOSPITAL
      sector: SECTOR_ACUTE_CARE
      locations { id: "hoofd" name: "Hoofdlocatie" }
      contact {
        name: "Jan Jansen"
        phone: "06-12345678"
        email: "jan@zorg.nl"
        endpoints { id: "hook" }
      }
    })pb");
}

v1::Record FedReport(const std::string& organization, v1::Sector sector, v1::OrganizationKind kind) {
  v1::Record record = FedParse(R"pb(
    kind: ENTITY_KIND_STATUS_REPORT
    updated_by { role: ROLE_INSTITUTION subject: "token:jan" }
    status_report {
      overall_status: OVERALL_STATUS_STRAINED
      disruptions { type: DISRUPTION_TYPE_STAFF_SHORTAGE severity: SEVERITY_MAJOR description: "GEHEIM-tekst" }
      capacity { type: BED_TYPE_IC_ADULT available: 4 occupied: 10 }
      staffing { shortage_count: 3 description: "GEHEIM-tekst" }
      emergency_department { state: EMERGENCY_DEPARTMENT_STATE_OPEN reason: "GEHEIM-tekst" }
      intake_stop { reason: "GEHEIM-tekst" }
      supplies {
        type: SUPPLY_TYPE_OXYGEN
        stock: 5
        resupply { supplier: "GEHEIM-tekst" }
      }
      free_text: "GEHEIM-tekst"
      reporter { name: "Jan Jansen" phone: "06-12345678" }
      indicator_values { indicator_id: "sfeer" text: "GEHEIM-tekst" }
    })pb");
  record.set_name("organizations/" + organization + "/status");
  record.mutable_scope()->set_organization_id(organization);
  record.mutable_scope()->set_sector(sector);
  record.mutable_scope()->set_organization_kind(kind);
  record.mutable_status_report()->set_organization_id(organization);
  return record;
}

TEST(FederationTest, EveryEntityKindHasADecision) {
  // A kind added to EntityKind without a decision fails here (and, under -Werror, does not compile: the switch in
  // UpwardForKind has no default).
  const google::protobuf::EnumDescriptor* kinds = v1::EntityKind_descriptor();
  for (int i = 0; i < kinds->value_count(); ++i) {
    const auto kind = static_cast<v1::EntityKind>(kinds->value(i)->number());
    EXPECT_TRUE(UpwardForKind(kind).has_value()) << kinds->value(i)->name() << " has no federation decision";
  }
  // And the table of docs/federation-policy.md, kind by kind.
  EXPECT_EQ(UpwardForKind(v1::ENTITY_KIND_SECTOR_AGGREGATE), Upward::kPasses);
  for (v1::EntityKind kind : {v1::ENTITY_KIND_ORGANIZATION, v1::ENTITY_KIND_STATUS_REPORT, v1::ENTITY_KIND_INCIDENT,
                              v1::ENTITY_KIND_BED_RESERVATION}) {
    EXPECT_EQ(UpwardForKind(kind), Upward::kPassesRedacted) << v1::EntityKind_Name(kind);
  }
  for (v1::EntityKind kind : {v1::ENTITY_KIND_SITUATION_ENTRY, v1::ENTITY_KIND_ALERT, v1::ENTITY_KIND_ACKNOWLEDGEMENT,
                              v1::ENTITY_KIND_ASSISTANCE_REQUEST, v1::ENTITY_KIND_SCENARIO, v1::ENTITY_KIND_EXERCISE,
                              v1::ENTITY_KIND_NOTIFICATION, v1::ENTITY_KIND_ESCALATION_TASK, v1::ENTITY_KIND_INDICATOR,
                              v1::ENTITY_KIND_UNSPECIFIED}) {
    EXPECT_EQ(UpwardForKind(kind), Upward::kNever) << v1::EntityKind_Name(kind);
  }
  EXPECT_FALSE(UpwardForKind(static_cast<v1::EntityKind>(999)).has_value()) << "an unknown kind has no decision";
}

TEST(FederationTest, TheFederationRoleGetsTheFederationViewer) {
  const Viewer viewer = Viewer::For(As(v1::ROLE_FEDERATION, "federatie-vr10"));
  EXPECT_TRUE(viewer.federation());
  EXPECT_FALSE(viewer.sees_all_detail());
  EXPECT_FALSE(viewer.SeesDetailOf("federatie-vr10"));
  EXPECT_FALSE(Viewer::For(As(v1::ROLE_GHOR, "ghor-vr10")).federation());
}

TEST(FederationTest, AnAcuteRegistrationPassesWithoutContacts) {
  v1::Record record = FedHospital();
  EXPECT_EQ(UpwardFor(record), Upward::kPassesRedacted);
  EXPECT_FALSE(RedactForFederation(record));
  EXPECT_EQ(record.organization().name(), "Ziekenhuis Noord");
  EXPECT_EQ(record.organization().locations_size(), 1);
  EXPECT_FALSE(record.organization().has_contact());
  EXPECT_EQ(record.updated_by().organization_id(), "beheer");
  ExpectNoFreeTextOrContacts(record);
}

TEST(FederationTest, ALongTermCareRegistrationNeverCrosses) {
  v1::Record record = FedHospital();
  record.mutable_organization()->set_kind(v1::ORGANIZATION_KIND_NURSING_HOME);
  record.mutable_organization()->set_sector(v1::SECTOR_LONG_TERM_CARE);
  record.mutable_scope()->set_sector(v1::SECTOR_LONG_TERM_CARE);
  EXPECT_FALSE(FederationAdmits(record));
  RedactForFederation(record);
  EXPECT_EQ(record.ByteSizeLong(), 0u) << "a record that never crosses is cleared: " << record.DebugString();
}

TEST(FederationTest, AnAcuteReportPassesWithExactFiguresAndNoText) {
  v1::Record record = FedReport("zh-noord", v1::SECTOR_ACUTE_CARE, v1::ORGANIZATION_KIND_HOSPITAL);
  EXPECT_TRUE(RedactForFederation(record)) << "exact figures: the read is audited";
  const v1::StatusReport& report = record.status_report();
  ASSERT_EQ(report.capacity_size(), 1);
  EXPECT_EQ(report.capacity(0).available(), 4);
  EXPECT_EQ(report.capacity(0).occupied(), 10);
  EXPECT_EQ(report.emergency_department().state(), v1::EMERGENCY_DEPARTMENT_STATE_OPEN);
  ASSERT_EQ(report.disruptions_size(), 1);
  EXPECT_EQ(report.disruptions(0).severity(), v1::SEVERITY_MAJOR);
  EXPECT_EQ(report.staffing().shortage_count(), 3);
  EXPECT_FALSE(report.detail_withheld());
  EXPECT_FALSE(report.has_reporter());
  EXPECT_EQ(report.indicator_values_size(), 0);
  EXPECT_TRUE(record.updated_by().subject().empty());
  ExpectNoFreeTextOrContacts(record);
}

TEST(FederationTest, LongTermCareMentalHealthAndHomeCareReportsNeverCross) {
  for (v1::OrganizationKind kind : {v1::ORGANIZATION_KIND_NURSING_HOME, v1::ORGANIZATION_KIND_DISABILITY_CARE,
                                    v1::ORGANIZATION_KIND_MENTAL_HEALTH, v1::ORGANIZATION_KIND_HOME_CARE}) {
    const v1::Record record = FedReport("vvt-duin", v1::SECTOR_LONG_TERM_CARE, kind);
    EXPECT_EQ(UpwardFor(record), Upward::kNever) << v1::OrganizationKind_Name(kind);
  }
  // A report whose scope names no sector is not known to be acute: it does not cross either.
  EXPECT_EQ(UpwardFor(FedReport("x", v1::SECTOR_UNSPECIFIED, v1::ORGANIZATION_KIND_UNSPECIFIED)), Upward::kNever);
}

TEST(FederationTest, AnOtherPartnersReportPassesWithoutFigures) {
  v1::Record record = FedReport("gemeente-a", v1::SECTOR_OTHER, v1::ORGANIZATION_KIND_MUNICIPALITY);
  EXPECT_FALSE(RedactForFederation(record));
  EXPECT_TRUE(record.status_report().detail_withheld());
  EXPECT_EQ(record.status_report().capacity_size(), 0);
  EXPECT_EQ(record.status_report().overall_status(), v1::OVERALL_STATUS_STRAINED);
  ExpectNoFreeTextOrContacts(record);
}

TEST(FederationTest, AnIncidentPassesWithoutTitleDescriptionOrOrganisations) {
  v1::Record record = FedParse(R"pb(
    name: "incidents/brand-1"
    kind: ENTITY_KIND_INCIDENT
    incident {
      id: "brand-1"
      title: "GEHEIM-tekst"
      type: "brand"
      scale_up_level: "GRIP 2"
      area {
        description: "GEHEIM-tekst"
        radius_km: 2
        center { latitude: 52.6 longitude: 4.7 }
      }
      affected_organization_ids: "vvt-duin"
      computed_affected_organization_ids: "vvt-polder"
      casualties { t1: 3 }
    })pb");
  EXPECT_FALSE(RedactForFederation(record));
  EXPECT_EQ(record.incident().type(), "brand");
  EXPECT_EQ(record.incident().scale_up_level(), "GRIP 2");
  EXPECT_EQ(record.incident().casualties().t1(), 3);
  EXPECT_EQ(record.incident().area().radius_km(), 2);
  EXPECT_EQ(record.incident().affected_organization_ids_size(), 0);
  EXPECT_EQ(record.incident().computed_affected_organization_ids_size(), 0);
  EXPECT_THAT(record.DebugString(), Not(HasSubstr("vvt-")));
  ExpectNoFreeTextOrContacts(record);
}

TEST(FederationTest, AReservationOfAnAcuteBedPassesWithoutThePatient) {
  v1::Record record = FedParse(R"pb(
    name: "reservations/17"
    kind: ENTITY_KIND_BED_RESERVATION
    scope { organization_id: "zh-noord" sector: SECTOR_ACUTE_CARE }
    bed_reservation {
      id: "17"
      organization_id: "zh-noord"
      bed_type: BED_TYPE_IC_ADULT
      patient_reference: "GEHEIM-tekst"
      reserved_by_subject: "token:jan"
      release_reason: "GEHEIM-tekst"
      request_id: "GEHEIM-id"
      state: RESERVATION_STATE_HELD
    })pb");
  EXPECT_FALSE(RedactForFederation(record));
  EXPECT_EQ(record.bed_reservation().request_id(), "");
  EXPECT_EQ(record.bed_reservation().bed_type(), v1::BED_TYPE_IC_ADULT);
  EXPECT_EQ(record.bed_reservation().state(), v1::RESERVATION_STATE_HELD);
  ExpectNoFreeTextOrContacts(record);
  record.mutable_scope()->set_sector(v1::SECTOR_LONG_TERM_CARE);
  EXPECT_EQ(UpwardFor(record), Upward::kNever) << "a nursing home's bed would show its figures moving";
}

TEST(FederationTest, TheRegionsOwnWorkflowNeverCrosses) {
  const char* const records[] = {
      R"pb(name: "incidents/brand-1/entries/00000000000000000007"
           kind: ENTITY_KIND_SITUATION_ENTRY
           situation_entry { text: "GEHEIM-tekst" author: "Jan Jansen" })pb",
      R"pb(name: "alerts/a1"
           kind: ENTITY_KIND_ALERT
           alert { id: "a1" })pb",
      R"pb(name: "alerts/a1/acknowledgements/zh-noord"
           kind: ENTITY_KIND_ACKNOWLEDGEMENT
           acknowledgement { organization_id: "zh-noord" })pb",
      R"pb(name: "assistance-requests/r1"
           kind: ENTITY_KIND_ASSISTANCE_REQUEST
           assistance_request { id: "r1" description: "GEHEIM-tekst" })pb",
      R"pb(name: "scenarios/s1"
           kind: ENTITY_KIND_SCENARIO
           scenario { id: "s1" })pb",
      R"pb(name: "exercises/x1"
           kind: ENTITY_KIND_EXERCISE
           exercise { id: "x1" })pb",
      R"pb(name: "notifications/n1"
           kind: ENTITY_KIND_NOTIFICATION
           notification { id: "n1" })pb",
      R"pb(name: "escalations/e1"
           kind: ENTITY_KIND_ESCALATION_TASK
           escalation_task { id: "e1" })pb",
      R"pb(name: "indicators/i1"
           kind: ENTITY_KIND_INDICATOR
           indicator { id: "i1" })pb",
  };
  for (const char* text : records) {
    const v1::Record record = FedParse(text);
    EXPECT_FALSE(FederationAdmits(record)) << record.name();
  }
}

TEST(FederationTest, NothingOfAnExerciseCrosses) {
  v1::Record record = FedReport("zh-noord", v1::SECTOR_ACUTE_CARE, v1::ORGANIZATION_KIND_HOSPITAL);
  record.set_name("exercises/oefening-1/organizations/zh-noord/status");
  record.set_exercise_id("oefening-1");
  EXPECT_FALSE(FederationAdmits(record));
}

v1::Record FedAggregate() {
  return FedParse(R"pb(
    name: "aggregates/long-term-care"
    kind: ENTITY_KIND_SECTOR_AGGREGATE
    updated_by { organization_id: "vvt-duin" role: ROLE_INSTITUTION subject: "token:jan" }
    scope { sector: SECTOR_LONG_TERM_CARE }
    sector_aggregate {
      group: "long-term-care"
      organizations_reporting: 3
      min_group_size: 3
      beds { type: BED_TYPE_NURSING_HOME available: 12 total: 90 organizations_reporting: 3 }
      disruptions { type: DISRUPTION_TYPE_STAFF_SHORTAGE organizations: 2 }
      organizations_critical: 1
    })pb");
}

TEST(FederationTest, AnAggregatePassesWithoutNamingWhoseReportMovedIt) {
  v1::Record record = FedAggregate();
  EXPECT_EQ(UpwardFor(record), Upward::kPasses);
  EXPECT_FALSE(RedactForFederation(record));
  EXPECT_EQ(record.sector_aggregate().beds(0).available(), 12);
  EXPECT_EQ(record.updated_by().role(), v1::ROLE_SYSTEM);
  EXPECT_TRUE(record.updated_by().organization_id().empty()) << "the nursing home that reported is not named";

  v1::Event event;
  event.set_revision(9);
  event.mutable_actor()->set_organization_id("vvt-duin");
  *event.mutable_record() = FedAggregate();
  EXPECT_FALSE(RedactForFederation(event));
  EXPECT_EQ(event.revision(), 9);
  EXPECT_TRUE(event.actor().organization_id().empty());
}

TEST(FederationTest, AggregatesAreWithheldFromInstitutionsButNotFromTheGhor) {
  const state::RecordPtr shared = state::MakeRecord(FedAggregate());
  v1::Record institution;
  ASSERT_TRUE(institution.ParseFromString(WireFor(Viewer::For(As(v1::ROLE_INSTITUTION, "vvt-duin")), *shared)));
  EXPECT_TRUE(institution.sector_aggregate().detail_withheld());
  EXPECT_EQ(institution.sector_aggregate().beds_size(), 0);
  EXPECT_EQ(institution.sector_aggregate().organizations_reporting(), 3);
  EXPECT_EQ(&WireFor(Viewer::For(As(v1::ROLE_GHOR, "ghor-vr10")), *shared), &shared->wire);
  v1::Record federation;
  ASSERT_TRUE(federation.ParseFromString(WireFor(Viewer::Federation(), *shared)));
  EXPECT_EQ(federation.sector_aggregate().beds(0).available(), 12);
  EXPECT_EQ(federation.updated_by().role(), v1::ROLE_SYSTEM);
}

TEST(FederationTest, TheFederationWireIsMadeOnceAndShared) {
  const state::RecordPtr shared = state::MakeRecord(FedHospital());
  const std::string& first = WireFor(Viewer::Federation(), *shared);
  EXPECT_EQ(&first, &WireFor(Viewer::For(As(v1::ROLE_FEDERATION, "federatie-vr10")), *shared));
  v1::Record parsed;
  ASSERT_TRUE(parsed.ParseFromString(first));
  EXPECT_FALSE(parsed.organization().has_contact());
  // Redact gives the same record as the shared wire.
  v1::Record copy = FedHospital();
  Redact(Viewer::Federation(), copy);
  EXPECT_EQ(copy.SerializeAsString(), first);
}

}  // namespace
}  // namespace ketenbeeld::policy
