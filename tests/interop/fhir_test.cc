// FHIR R4 resources (server/interop/fhir.h): the mappings, absent and withheld figures, determinism. Validation
// against the FHIR R4 JSON schema is web/tests/fhir.test.mjs's (the schema ships in an npm package).
#include "server/interop/fhir.h"

#include <regex>
#include <string>

#include "absl/time/time.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ketenbeeld::interop {
namespace {

namespace v1 = ketenbeeld::v1;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kDataAbsentReason[] = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
constexpr char kFigures[] = "urn:ketenbeeld:fhir:CodeSystem:capacity-figure";

v1::Organization Hospital() {
  v1::Organization organization;
  organization.set_id("zh-noord");
  organization.set_name("Ziekenhuis Noord");
  organization.set_kind(v1::ORGANIZATION_KIND_HOSPITAL);
  organization.set_safety_region("VR10");
  organization.set_roaz_region("ROAZ Noord");
  organization.mutable_identifiers()->set_agb("06010210");
  organization.mutable_identifiers()->set_ura("00015823");
  organization.mutable_identifiers()->set_kvk_branch_number("000012345678");
  organization.mutable_contact()->set_name("Crisiscoördinator");
  organization.mutable_contact()->set_phone("+31 20 555 0100");
  v1::Location* site = organization.add_locations();
  site->set_id("hoofd");
  site->set_name("Hoofdlocatie");
  site->set_address("Dijkweg 1, Alkmaar");
  site->set_postcode("1815 JD");
  site->set_municipality_code("GM0361");
  site->mutable_coordinates()->set_latitude(52.6324);
  site->mutable_coordinates()->set_longitude(4.7534);
  return organization;
}

v1::StatusReport Report() {
  v1::StatusReport report;
  report.set_organization_id("zh-noord");
  report.set_overall_status(v1::OVERALL_STATUS_STRAINED);
  v1::Capacity* ward = report.add_capacity();  // Listed first, written after the IC types (sorted by type).
  ward->set_type(v1::BED_TYPE_GENERAL_WARD);
  ward->set_available(14);
  v1::Capacity* ic = report.add_capacity();
  ic->set_type(v1::BED_TYPE_IC_ADULT);
  ic->set_available(2);
  ic->set_occupied(10);
  ic->set_baseline(12);
  ic->set_surge_24h(4);
  *ic->mutable_reported_at() = ToProtoTime(absl::FromUnixSeconds(1796240000));
  v1::Capacity* neonatal = report.add_capacity();
  neonatal->set_type(v1::BED_TYPE_IC_NEONATAL);
  neonatal->set_baseline(6);
  v1::Supply* oxygen = report.add_supplies();
  oxygen->set_type(v1::SUPPLY_TYPE_OXYGEN);
  oxygen->set_state(v1::SUPPLY_STATE_LIMITED);
  oxygen->set_days_of_supply(1.5);
  *report.mutable_commit_time() = ToProtoTime(absl::FromUnixSeconds(1796247000));
  return report;
}

Json Parse(const absl::StatusOr<std::string>& text) {
  EXPECT_TRUE(text.ok()) << text.status();
  if (!text.ok()) return Json();
  EXPECT_EQ(text->back(), '\n');
  return Json::parse(*text);
}

// The population of `code` (of `system`) in `populations`; null when there is none.
Json PopulationOf(const Json& populations, const std::string& system, const std::string& code) {
  for (const Json& population : populations) {
    const Json& coding = population["code"]["coding"][0];
    if (coding["system"] == system && coding["code"] == code) return population;
  }
  return Json();
}

std::string AbsentReason(const Json& population) {
  if (!population.contains("extension")) return "";
  EXPECT_EQ(population["extension"][0]["url"], kDataAbsentReason);
  return population["extension"][0]["valueCode"].get<std::string>();
}

TEST(FhirTest, OrganizationCarriesTheStandardIdentifiers) {
  const Json organization = Parse(OrganizationToFhir(Hospital()));
  EXPECT_EQ(organization["resourceType"], "Organization");
  EXPECT_EQ(organization["id"], "zh-noord");
  EXPECT_EQ(organization["name"], "Ziekenhuis Noord");
  EXPECT_EQ(organization["active"], true);
  const Json& ids = organization["identifier"];
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[0], Json({{"use", "official"}, {"system", "urn:ketenbeeld:VR10:organization"}, {"value", "zh-noord"}}));
  EXPECT_EQ(ids[1], Json({{"system", "http://fhir.nl/fhir/NamingSystem/agb-z"}, {"value", "06010210"}}));
  EXPECT_EQ(ids[2], Json({{"system", "http://fhir.nl/fhir/NamingSystem/ura"}, {"value", "00015823"}}));
  EXPECT_EQ(ids[3], Json({{"system", std::string(kFhirKvkBranchSystem)}, {"value", "000012345678"}}));
  EXPECT_EQ(organization["type"][0]["coding"][0]["code"], "prov");
  EXPECT_EQ(organization["type"][0]["coding"][1]["code"], "HOSPITAL");
  EXPECT_EQ(organization["contact"][0]["telecom"][0]["value"], "+31 20 555 0100");
  EXPECT_EQ(organization["extension"][0]["valueCode"], "VR10");
  EXPECT_EQ(organization["extension"][1]["valueString"], "ROAZ Noord");

  // Without registered identifiers only our own id; without a contact no contact.
  v1::Organization bare = Hospital();
  bare.clear_identifiers();
  bare.clear_contact();
  const Json plain = Parse(OrganizationToFhir(bare));
  EXPECT_EQ(plain["identifier"].size(), 1u);
  EXPECT_FALSE(plain.contains("contact"));

  bare.clear_safety_region();
  EXPECT_EQ(OrganizationToFhir(bare).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FhirTest, LocationHasAddressPostcodePositionAndItsOrganisation) {
  const Json location = Parse(LocationToFhir(Hospital(), "hoofd"));
  EXPECT_EQ(location["resourceType"], "Location");
  EXPECT_EQ(location["id"], "zh-noord.hoofd");
  EXPECT_EQ(location["identifier"][0]["system"], "urn:ketenbeeld:VR10:location");
  EXPECT_EQ(location["identifier"][0]["value"], "zh-noord/hoofd");
  EXPECT_EQ(location["address"]["text"], "Dijkweg 1, Alkmaar");
  EXPECT_EQ(location["address"]["postalCode"], "1815 JD");
  EXPECT_EQ(location["address"]["country"], "NL");
  EXPECT_DOUBLE_EQ(location["position"]["latitude"].get<double>(), 52.6324);
  EXPECT_DOUBLE_EQ(location["position"]["longitude"].get<double>(), 4.7534);
  EXPECT_EQ(location["managingOrganization"]["reference"], "Organization/zh-noord");
  EXPECT_EQ(location["extension"][0]["valueCode"], "GM0361");

  v1::Organization without_position = Hospital();
  without_position.mutable_locations(0)->clear_coordinates();
  without_position.mutable_locations(0)->clear_address();
  without_position.mutable_locations(0)->clear_postcode();
  const Json bare = Parse(LocationToFhir(without_position, "hoofd"));
  EXPECT_FALSE(bare.contains("position"));
  EXPECT_FALSE(bare.contains("address"));

  const absl::Status unknown = LocationToFhir(Hospital(), "elders").status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.message(), HasSubstr("location_id"));
}

TEST(FhirTest, LocationIdsFitFhirsIdRule) {
  const std::regex fhir_id("[A-Za-z0-9\\-\\.]{1,64}");
  EXPECT_EQ(FhirLocationId("a", "b"), "a.b");
  const std::string org(64, 'o');
  const std::string long_id = FhirLocationId(org, std::string(64, 'l'));
  EXPECT_EQ(long_id.size(), 64u);
  EXPECT_TRUE(std::regex_match(long_id, fhir_id)) << long_id;
  EXPECT_NE(long_id, FhirLocationId(org, std::string(63, 'l')));  // The hash tells them apart.
  EXPECT_EQ(long_id, FhirLocationId(org, std::string(64, 'l')));  // And is stable.
}

TEST(FhirTest, OrganisationMeasureReportGivesBedsByTypeAndSupplies) {
  const absl::StatusOr<std::string> text = OrganizationMeasureReport(Hospital(), Report());
  const Json report = Parse(text);
  EXPECT_EQ(report["resourceType"], "MeasureReport");
  EXPECT_EQ(report["id"], "zh-noord");
  EXPECT_EQ(report["status"], "complete");
  EXPECT_EQ(report["type"], "summary");
  EXPECT_EQ(report["measure"], std::string(kFhirCapacityMeasure));
  EXPECT_EQ(report["date"], "2026-12-02T21:30:00Z");
  EXPECT_EQ(report["period"]["start"], "2026-12-02T19:33:20Z");  // The IC figures' own report time.
  EXPECT_EQ(report["period"]["end"], "2026-12-02T21:30:00Z");
  EXPECT_EQ(report["reporter"]["reference"], "Organization/zh-noord");
  EXPECT_EQ(report["subject"]["reference"], "Location/zh-noord.hoofd");  // Its one site.
  EXPECT_EQ(report["subject"]["identifier"]["value"], "zh-noord/hoofd");

  const Json& beds = report["group"][0];
  EXPECT_EQ(beds["code"]["coding"][0]["code"], "Beds");
  const std::string saner = "http://hl7.org/fhir/uv/saner/CodeSystem/MeasurePopulationSystem";
  EXPECT_EQ(PopulationOf(beds["population"], saner, "numICUBeds")["count"], 18);  // 12 adult + 6 neonatal.
  EXPECT_EQ(PopulationOf(beds["population"], saner, "numICUBedsOcc")["count"], 10);
  const Json& strata = beds["stratifier"][0]["stratum"];
  ASSERT_EQ(strata.size(), 3u);
  EXPECT_EQ(strata[0]["component"][0]["value"]["coding"][0]["code"], "IC_ADULT");
  EXPECT_EQ(strata[0]["component"][0]["value"]["coding"][1]["code"], "ICU");  // HL7 v3 RoleCode.
  EXPECT_EQ(strata[1]["component"][0]["value"]["coding"][0]["code"], "IC_NEONATAL");
  EXPECT_EQ(strata[2]["component"][0]["value"]["coding"][0]["code"], "GENERAL_WARD");
  EXPECT_EQ(strata[2]["component"][0]["value"]["coding"].size(), 1u);  // No RoleCode for a general ward.
  EXPECT_EQ(PopulationOf(strata[0]["population"], kFigures, "available")["count"], 2);
  EXPECT_EQ(PopulationOf(strata[0]["population"], kFigures, "surge-24h")["count"], 4);
  // Not reported is not zero: absent, with the reason.
  const Json surge_72h = PopulationOf(strata[0]["population"], kFigures, "surge-72h");
  EXPECT_FALSE(surge_72h.contains("count"));
  EXPECT_EQ(AbsentReason(surge_72h), "unknown");

  const Json& supplies = report["group"][1];
  EXPECT_EQ(supplies["code"]["coding"][0]["code"], "supplies");
  const Json& oxygen = supplies["stratifier"][0]["stratum"][0];
  EXPECT_EQ(oxygen["component"][0]["value"]["coding"][0]["code"], "OXYGEN");
  EXPECT_EQ(oxygen["component"][1]["value"]["coding"][0]["code"], "LIMITED");
  EXPECT_DOUBLE_EQ(oxygen["measureScore"]["value"].get<double>(), 1.5);
  EXPECT_EQ(oxygen["measureScore"]["code"], "d");

  // Deterministic: the same report gives the same bytes.
  EXPECT_EQ(*text, *OrganizationMeasureReport(Hospital(), Report()));
}

TEST(FhirTest, WithheldFiguresAreMaskedAndAnOrganisationOfManySitesHasNoSubject) {
  v1::StatusReport withheld = Report();
  withheld.clear_capacity();  // As a reader without detail gets it (policy/visibility).
  withheld.clear_supplies();
  withheld.set_detail_withheld(true);
  v1::Organization two_sites = Hospital();
  *two_sites.add_locations() = two_sites.locations(0);
  two_sites.mutable_locations(1)->set_id("oost");
  const Json report = Parse(OrganizationMeasureReport(two_sites, withheld));
  EXPECT_FALSE(report.contains("subject"));
  const Json& beds = report["group"][0];
  EXPECT_FALSE(beds.contains("stratifier"));
  for (const Json& population : beds["population"]) EXPECT_EQ(AbsentReason(population), "masked");
  EXPECT_EQ(report["group"][1]["extension"][0]["valueCode"], "masked");

  // Not withheld but nothing reported: unknown, not masked, and not zero.
  v1::StatusReport empty = Report();
  empty.clear_capacity();
  empty.clear_supplies();
  const Json nothing = Parse(OrganizationMeasureReport(Hospital(), empty));
  for (const Json& population : nothing["group"][0]["population"]) EXPECT_EQ(AbsentReason(population), "unknown");
  EXPECT_EQ(nothing["group"][1]["extension"][0]["valueCode"], "unknown");

  v1::StatusReport other = Report();
  other.set_organization_id("zh-zuid");
  EXPECT_EQ(OrganizationMeasureReport(Hospital(), other).status().code(), absl::StatusCode::kInvalidArgument);
  v1::StatusReport uncommitted = Report();
  uncommitted.clear_commit_time();
  EXPECT_EQ(OrganizationMeasureReport(Hospital(), uncommitted).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FhirTest, RegionMeasureReportIsTheOverviewBySectorAndBedType) {
  v1::CapacityOverview overview;
  *overview.mutable_computed_at() = ToProtoTime(absl::FromUnixSeconds(1796247000));
  overview.set_revision(42);
  v1::CapacityTotal* ic = overview.add_totals();
  ic->set_safety_region("VR10");
  ic->set_sector(v1::SECTOR_ACUTE_CARE);
  ic->set_bed_type(v1::BED_TYPE_IC_ADULT);
  ic->set_available(5);
  ic->set_baseline(30);
  ic->set_organizations_reported(3);
  *ic->mutable_oldest_report() = ToProtoTime(absl::FromUnixSeconds(1796240000));
  *ic->mutable_newest_report() = ToProtoTime(absl::FromUnixSeconds(1796246000));
  v1::CapacityTotal* paediatric = overview.add_totals();
  paediatric->set_safety_region("VR10");
  paediatric->set_sector(v1::SECTOR_ACUTE_CARE);
  paediatric->set_bed_type(v1::BED_TYPE_IC_PAEDIATRIC);
  paediatric->set_organizations_reported(1);
  paediatric->set_figures_withheld(true);  // One hospital: below the minimum group.
  paediatric->add_withheld_figures(v1::CAPACITY_FIGURE_AVAILABLE);
  paediatric->add_withheld_figures(v1::CAPACITY_FIGURE_BASELINE);
  v1::CapacityTotal* elsewhere = overview.add_totals();  // Another region's: not in VR10's report.
  elsewhere->set_safety_region("VR11");
  elsewhere->set_bed_type(v1::BED_TYPE_IC_ADULT);
  elsewhere->set_baseline(99);

  const absl::StatusOr<std::string> text = RegionMeasureReport("VR10", overview);
  const Json report = Parse(text);
  EXPECT_EQ(report["id"], "VR10");
  EXPECT_EQ(report["subject"]["identifier"]["system"], std::string(kFhirSafetyRegionSystem));
  EXPECT_EQ(report["subject"]["identifier"]["value"], "VR10");
  EXPECT_EQ(report["date"], "2026-12-02T21:30:00Z");
  EXPECT_EQ(report["period"]["start"], "2026-12-02T19:33:20Z");
  EXPECT_EQ(report["period"]["end"], "2026-12-02T21:13:20Z");
  const Json& beds = report["group"][0];
  ASSERT_EQ(beds["stratifier"][0]["code"].size(), 2u);  // Sector and bed type.
  const Json& strata = beds["stratifier"][0]["stratum"];
  ASSERT_EQ(strata.size(), 2u);
  EXPECT_EQ(strata[0]["component"][0]["value"]["coding"][0]["code"], "ACUTE_CARE");
  EXPECT_EQ(strata[0]["component"][1]["value"]["coding"][0]["code"], "IC_ADULT");
  EXPECT_EQ(PopulationOf(strata[0]["population"], kFigures, "baseline")["count"], 30);
  EXPECT_EQ(PopulationOf(strata[0]["population"], kFigures, "organizations-reported")["count"], 3);
  EXPECT_EQ(AbsentReason(PopulationOf(strata[0]["population"], kFigures, "occupied")), "unknown");
  EXPECT_EQ(AbsentReason(PopulationOf(strata[1]["population"], kFigures, "available")), "masked");
  EXPECT_EQ(AbsentReason(PopulationOf(strata[1]["population"], kFigures, "occupied")), "unknown");
  // A sum over a withheld cell would pass for the whole: the ICU total is masked too.
  const std::string saner = "http://hl7.org/fhir/uv/saner/CodeSystem/MeasurePopulationSystem";
  EXPECT_EQ(AbsentReason(PopulationOf(beds["population"], saner, "numICUBeds")), "masked");
  EXPECT_EQ(AbsentReason(PopulationOf(beds["population"], saner, "numICUBedsOcc")), "unknown");
  EXPECT_EQ(*text, *RegionMeasureReport("VR10", overview));

  // No totals at all: the period is the moment of the overview, no strata.
  v1::CapacityOverview empty;
  *empty.mutable_computed_at() = overview.computed_at();
  const Json none = Parse(RegionMeasureReport("VR10", empty));
  EXPECT_EQ(none["period"]["start"], none["period"]["end"]);
  EXPECT_FALSE(none["group"][0].contains("stratifier"));
  EXPECT_EQ(RegionMeasureReport("VR10", v1::CapacityOverview()).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ketenbeeld::interop
