#include "server/interop/fhir.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "nlohmann/json.hpp"

namespace ketenbeeld::interop {
namespace {

namespace v1 = ketenbeeld::v1;
using FhirJson = nlohmann::ordered_json;

// SANER's code systems (HL7 SANER IG, STU 1): the groups and populations of its measures.
constexpr char kSanerGroupSystem[] = "http://hl7.org/fhir/uv/saner/CodeSystem/MeasureGroupSystem";
constexpr char kSanerPopulationSystem[] = "http://hl7.org/fhir/uv/saner/CodeSystem/MeasurePopulationSystem";
// HL7's own.
constexpr char kDataAbsentReasonUrl[] = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
constexpr char kOrganizationTypeSystem[] = "http://terminology.hl7.org/CodeSystem/organization-type";
constexpr char kRoleCodeSystem[] = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
constexpr char kPhysicalTypeSystem[] = "http://terminology.hl7.org/CodeSystem/location-physical-type";
constexpr char kUcumSystem[] = "http://unitsofmeasure.org";
// Ketenbeeld's: our enums' values (their names without the enum's prefix) and the figures of a report.
constexpr char kFhirGroupSystem[] = "urn:ketenbeeld:fhir:CodeSystem:measure-group";
constexpr char kFhirStratifierSystem[] = "urn:ketenbeeld:fhir:CodeSystem:stratifier";
constexpr char kFhirFigureSystem[] = "urn:ketenbeeld:fhir:CodeSystem:capacity-figure";
constexpr char kFhirBedTypeSystem[] = "urn:ketenbeeld:fhir:CodeSystem:bed-type";
constexpr char kFhirSectorSystem[] = "urn:ketenbeeld:fhir:CodeSystem:sector";
constexpr char kFhirSupplyTypeSystem[] = "urn:ketenbeeld:fhir:CodeSystem:supply-type";
constexpr char kFhirSupplyStateSystem[] = "urn:ketenbeeld:fhir:CodeSystem:supply-state";
constexpr char kFhirOrganizationKindSystem[] = "urn:ketenbeeld:fhir:CodeSystem:organization-kind";
constexpr char kFhirSafetyRegionExtension[] = "urn:ketenbeeld:fhir:StructureDefinition:safety-region";
constexpr char kFhirRoazRegionExtension[] = "urn:ketenbeeld:fhir:StructureDefinition:roaz-region";
constexpr char kFhirMunicipalityExtension[] = "urn:ketenbeeld:fhir:StructureDefinition:cbs-gemeentecode";

constexpr size_t kMaxFhirIdLength = 64;

// An enum value's name without its prefix: BED_TYPE_IC_ADULT -> IC_ADULT.
std::string FhirCodeOf(const std::string& name, absl::string_view prefix) {
  absl::string_view code = name;
  if (absl::StartsWith(code, prefix)) code.remove_prefix(prefix.size());
  return std::string(code);
}

// UTC to the second, with the zone: SANER wants times precise to the second, and the same time always reads the same.
std::string FhirTime(absl::Time time) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone()); }

FhirJson FhirCoding(absl::string_view system, absl::string_view code, absl::string_view display = {}) {
  FhirJson coding = {{"system", std::string(system)}, {"code", std::string(code)}};
  if (!display.empty()) coding["display"] = std::string(display);
  return coding;
}

FhirJson FhirConcept(FhirJson coding) { return FhirJson{{"coding", FhirJson::array({std::move(coding)})}}; }

FhirJson FhirAbsent(absl::string_view reason) {
  return FhirJson::array({FhirJson{{"url", kDataAbsentReasonUrl}, {"valueCode", std::string(reason)}}});
}

// A population: its count, or data-absent-reason `absent_reason` when there is none.
FhirJson FhirPopulation(FhirJson code, std::optional<int64_t> count, absl::string_view absent_reason) {
  FhirJson population = {{"code", std::move(code)}};
  if (count.has_value()) {
    population["count"] = *count;
  } else {
    population["extension"] = FhirAbsent(absent_reason);
  }
  return population;
}

FhirJson FigureCode(absl::string_view figure) { return FhirConcept(FhirCoding(kFhirFigureSystem, figure)); }
FhirJson SanerPopulationCode(absl::string_view code) { return FhirConcept(FhirCoding(kSanerPopulationSystem, code)); }
FhirJson StratifierCode(absl::string_view code) { return FhirConcept(FhirCoding(kFhirStratifierSystem, code)); }

FhirJson Component(absl::string_view stratifier, FhirJson value) {
  return FhirJson{{"code", StratifierCode(stratifier)}, {"value", std::move(value)}};
}

// The HL7 v3 service delivery location type (RoleCode) of those of our bed types that have one; "" for the others.
absl::string_view RoleCodeOf(v1::BedType type) {
  switch (type) {
    case v1::BED_TYPE_IC_ADULT:
      return "ICU";
    case v1::BED_TYPE_IC_PAEDIATRIC:
      return "PEDICU";
    case v1::BED_TYPE_IC_NEONATAL:
      return "PEDNICU";
    case v1::BED_TYPE_EMERGENCY_DEPARTMENT:
      return "ER";
    case v1::BED_TYPE_CARDIAC_CARE:
      return "CCU";
    case v1::BED_TYPE_PAEDIATRIC_WARD:
      return "PEDU";
    case v1::BED_TYPE_BURNS:
      return "BURN";
    case v1::BED_TYPE_NURSING_HOME:
      return "NCCF";
    default:
      return "";
  }
}

bool IsIntensiveCare(v1::BedType type) {
  return type == v1::BED_TYPE_IC_ADULT || type == v1::BED_TYPE_IC_PAEDIATRIC || type == v1::BED_TYPE_IC_NEONATAL;
}

FhirJson BedTypeConcept(v1::BedType type) {
  FhirJson codings = FhirJson::array({FhirCoding(kFhirBedTypeSystem, FhirCodeOf(v1::BedType_Name(type), "BED_TYPE_"))});
  if (absl::string_view role = RoleCodeOf(type); !role.empty()) codings.push_back(FhirCoding(kRoleCodeSystem, role));
  return FhirJson{{"coding", std::move(codings)}};
}

// HL7's organization type of each of our kinds: care providers "prov", public bodies "govt", volunteers'
// organisations "cg" (community group), the rest "other".
FhirJson OrganizationTypeCoding(v1::OrganizationKind kind) {
  switch (kind) {
    case v1::ORGANIZATION_KIND_HOSPITAL:
    case v1::ORGANIZATION_KIND_GP_POST:
    case v1::ORGANIZATION_KIND_AMBULANCE_SERVICE:
    case v1::ORGANIZATION_KIND_DISPATCH_CENTRE:
    case v1::ORGANIZATION_KIND_MIDWIFERY:
    case v1::ORGANIZATION_KIND_NURSING_HOME:
    case v1::ORGANIZATION_KIND_DISABILITY_CARE:
    case v1::ORGANIZATION_KIND_MENTAL_HEALTH:
    case v1::ORGANIZATION_KIND_HOME_CARE:
      return FhirCoding(kOrganizationTypeSystem, "prov", "Healthcare Provider");
    case v1::ORGANIZATION_KIND_GGD:
    case v1::ORGANIZATION_KIND_MUNICIPALITY:
    case v1::ORGANIZATION_KIND_FIRE_SERVICE:
    case v1::ORGANIZATION_KIND_POLICE:
    case v1::ORGANIZATION_KIND_CRISIS_MANAGEMENT:
    case v1::ORGANIZATION_KIND_DEFENCE:
    case v1::ORGANIZATION_KIND_GHOR:
      return FhirCoding(kOrganizationTypeSystem, "govt", "Government");
    case v1::ORGANIZATION_KIND_VICTIM_SUPPORT:
    case v1::ORGANIZATION_KIND_RED_CROSS:
      return FhirCoding(kOrganizationTypeSystem, "cg", "Community Group");
    default:
      return FhirCoding(kOrganizationTypeSystem, "other", "Other");
  }
}

FhirJson Identifier(absl::string_view system, absl::string_view value, bool official = false) {
  FhirJson identifier;
  if (official) identifier["use"] = "official";
  identifier["system"] = std::string(system);
  identifier["value"] = std::string(value);
  return identifier;
}

FhirJson OrganizationReference(const v1::Organization& organization) {
  return FhirJson{{"reference", absl::StrCat("Organization/", organization.id())},
                  {"type", "Organization"},
                  {"identifier", Identifier(FhirOrganizationIdSystem(organization.safety_region()), organization.id())},
                  {"display", organization.name()}};
}

FhirJson LocationReference(const v1::Organization& organization, const v1::Location& location) {
  return FhirJson{{"reference", absl::StrCat("Location/", FhirLocationId(organization.id(), location.id()))},
                  {"type", "Location"},
                  {"identifier", Identifier(FhirLocationIdSystem(organization.safety_region()),
                                            absl::StrCat(organization.id(), "/", location.id()))},
                  {"display", location.name()}};
}

FhirJson RegionReference(absl::string_view safety_region, absl::string_view type, absl::string_view display) {
  return FhirJson{{"type", std::string(type)},
                  {"identifier", Identifier(kFhirSafetyRegionSystem, safety_region)},
                  {"display", std::string(display)}};
}

std::string Dump(const FhirJson& resource) {
  return resource.dump(2, ' ', false, FhirJson::error_handler_t::replace) + "\n";
}

// The five figures of one bed type, each a count or absent (`absent_reason`, or "masked" when `withheld` says so).
struct BedFigures {
  std::optional<int64_t> available, occupied, baseline, surge_24h, surge_72h;
};

FhirJson FigurePopulations(const BedFigures& figures, const std::vector<v1::CapacityFigure>& withheld) {
  auto reason = [&withheld](v1::CapacityFigure figure) {
    return std::find(withheld.begin(), withheld.end(), figure) != withheld.end() ? "masked" : "unknown";
  };
  return FhirJson::array({
      FhirPopulation(FigureCode("available"), figures.available, reason(v1::CAPACITY_FIGURE_AVAILABLE)),
      FhirPopulation(FigureCode("occupied"), figures.occupied, reason(v1::CAPACITY_FIGURE_OCCUPIED)),
      FhirPopulation(FigureCode("baseline"), figures.baseline, reason(v1::CAPACITY_FIGURE_BASELINE)),
      FhirPopulation(FigureCode("surge-24h"), figures.surge_24h, reason(v1::CAPACITY_FIGURE_SURGE_24H)),
      FhirPopulation(FigureCode("surge-72h"), figures.surge_72h, reason(v1::CAPACITY_FIGURE_SURGE_72H)),
  });
}

// A sum over the intensive-care strata: absent ("unknown") when none gave the figure, absent ("masked") when one of
// them withheld it (a partial sum would pass for the whole).
struct IcSum {
  int64_t sum = 0;
  bool any = false;
  bool masked = false;
  void Add(std::optional<int64_t> value, bool withheld) {
    if (withheld) masked = true;
    if (value.has_value()) {
      sum += *value;
      any = true;
    }
  }
  FhirJson Population(absl::string_view code) const {
    return FhirPopulation(SanerPopulationCode(code), !masked && any ? std::optional<int64_t>(sum) : std::nullopt,
                          masked ? "masked" : "unknown");
  }
};

// SANER's "Beds" group; its strata (when any) are told apart by the components `stratifiers` name.
FhirJson BedsGroup(FhirJson populations, FhirJson strata, std::initializer_list<absl::string_view> stratifiers) {
  FhirJson group = {{"code", FhirConcept(FhirCoding(kSanerGroupSystem, "Beds", "Beds"))},
                    {"population", std::move(populations)}};
  if (!strata.empty()) {
    FhirJson codes = FhirJson::array();
    for (absl::string_view stratifier : stratifiers) codes.push_back(StratifierCode(stratifier));
    group["stratifier"] = FhirJson::array({FhirJson{{"code", std::move(codes)}, {"stratum", std::move(strata)}}});
  }
  return group;
}

std::optional<int64_t> Count(bool has, int64_t value) { return has ? std::optional<int64_t>(value) : std::nullopt; }

FhirJson SuppliesGroup(const v1::StatusReport& report) {
  FhirJson group = {{"code", FhirConcept(FhirCoding(kFhirGroupSystem, "supplies", "Supplies"))}};
  if (report.detail_withheld()) {
    group["extension"] = FhirAbsent("masked");
    return group;
  }
  std::vector<const v1::Supply*> supplies;
  for (const v1::Supply& supply : report.supplies()) supplies.push_back(&supply);
  std::sort(supplies.begin(), supplies.end(),
            [](const v1::Supply* a, const v1::Supply* b) { return a->type() < b->type(); });
  FhirJson strata = FhirJson::array();
  for (const v1::Supply* supply : supplies) {
    FhirJson components = FhirJson::array({Component(
        "supply-type", FhirConcept(FhirCoding(kFhirSupplyTypeSystem,
                                              FhirCodeOf(v1::SupplyType_Name(supply->type()), "SUPPLY_TYPE_"))))});
    if (supply->state() != v1::SUPPLY_STATE_UNSPECIFIED) {
      components.push_back(Component(
          "supply-state", FhirConcept(FhirCoding(kFhirSupplyStateSystem,
                                                 FhirCodeOf(v1::SupplyState_Name(supply->state()), "SUPPLY_STATE_")))));
    }
    FhirJson stratum = {{"component", std::move(components)}};
    if (supply->has_days_of_supply()) {
      stratum["measureScore"] =
          FhirJson{{"value", supply->days_of_supply()}, {"unit", "d"}, {"system", kUcumSystem}, {"code", "d"}};
    }
    strata.push_back(std::move(stratum));
  }
  if (strata.empty()) {
    group["extension"] = FhirAbsent("unknown");  // No supply reported: said, not left out.
  } else {
    group["stratifier"] = FhirJson::array(
        {FhirJson{{"code", FhirJson::array({StratifierCode("supply-type")})}, {"stratum", std::move(strata)}}});
  }
  return group;
}

FhirJson MeasureReportHeader(absl::string_view id) {
  return FhirJson{{"resourceType", "MeasureReport"},
                  {"id", std::string(id)},
                  {"status", "complete"},
                  {"type", "summary"},
                  {"measure", std::string(kFhirCapacityMeasure)}};
}

}  // namespace

std::string FhirOrganizationIdSystem(absl::string_view safety_region) {
  return absl::StrCat("urn:ketenbeeld:", safety_region, ":organization");
}

std::string FhirLocationIdSystem(absl::string_view safety_region) {
  return absl::StrCat("urn:ketenbeeld:", safety_region, ":location");
}

std::string FhirLocationId(absl::string_view organization_id, absl::string_view location_id) {
  std::string id = absl::StrCat(organization_id, ".", location_id);
  if (id.size() <= kMaxFhirIdLength) return id;
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a, 64 bits: stable across builds and platforms.
  for (const char c : id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return absl::StrFormat("%s-%016x", absl::string_view(id).substr(0, kMaxFhirIdLength - 17), hash);
}

absl::StatusOr<std::string> OrganizationToFhir(const v1::Organization& organization) {
  if (organization.id().empty() || organization.safety_region().empty()) {
    return absl::InvalidArgumentError("organization: an organisation without id or safety region");
  }
  FhirJson resource = {{"resourceType", "Organization"}, {"id", organization.id()}};
  FhirJson extensions =
      FhirJson::array({FhirJson{{"url", kFhirSafetyRegionExtension}, {"valueCode", organization.safety_region()}}});
  if (!organization.roaz_region().empty()) {
    extensions.push_back(FhirJson{{"url", kFhirRoazRegionExtension}, {"valueString", organization.roaz_region()}});
  }
  resource["extension"] = std::move(extensions);
  FhirJson identifiers = FhirJson::array(
      {Identifier(FhirOrganizationIdSystem(organization.safety_region()), organization.id(), /*official=*/true)});
  const v1::StandardIdentifiers& ids = organization.identifiers();
  if (!ids.agb().empty()) identifiers.push_back(Identifier(kFhirAgbSystem, ids.agb()));
  if (!ids.ura().empty()) identifiers.push_back(Identifier(kFhirUraSystem, ids.ura()));
  if (!ids.kvk_branch_number().empty())
    identifiers.push_back(Identifier(kFhirKvkBranchSystem, ids.kvk_branch_number()));
  if (!ids.lrza().empty()) identifiers.push_back(Identifier(kFhirLrzaSystem, ids.lrza()));
  resource["identifier"] = std::move(identifiers);
  resource["active"] = true;
  resource["type"] = FhirJson::array(
      {FhirJson{{"coding", FhirJson::array({OrganizationTypeCoding(organization.kind()),
                                            FhirCoding(kFhirOrganizationKindSystem,
                                                       FhirCodeOf(v1::OrganizationKind_Name(organization.kind()),
                                                                  "ORGANIZATION_KIND_"))})}}});
  resource["name"] = organization.name();
  const v1::Contact& contact = organization.contact();
  FhirJson telecom = FhirJson::array();
  if (!contact.phone().empty()) {
    telecom.push_back(FhirJson{{"system", "phone"}, {"value", contact.phone()}, {"use", "work"}});
  }
  if (!contact.email().empty()) {
    telecom.push_back(FhirJson{{"system", "email"}, {"value", contact.email()}, {"use", "work"}});
  }
  if (!contact.name().empty() || !telecom.empty()) {
    FhirJson entry = {{"purpose", FhirJson{{"text", "crisiscoördinator, 24/7"}}}};
    if (!contact.name().empty()) entry["name"] = FhirJson{{"text", contact.name()}};
    if (!telecom.empty()) entry["telecom"] = std::move(telecom);
    resource["contact"] = FhirJson::array({std::move(entry)});
  }
  return Dump(resource);
}

absl::StatusOr<std::string> LocationToFhir(const v1::Organization& organization, absl::string_view location_id) {
  const auto found = std::find_if(organization.locations().begin(), organization.locations().end(),
                                  [location_id](const v1::Location& location) { return location.id() == location_id; });
  if (found == organization.locations().end()) {
    return absl::NotFoundError(
        absl::StrCat("location_id: organisation \"", organization.id(), "\" has no location \"", location_id, "\""));
  }
  const v1::Location& location = *found;
  FhirJson resource = {{"resourceType", "Location"}, {"id", FhirLocationId(organization.id(), location.id())}};
  if (!location.municipality_code().empty()) {
    resource["extension"] =
        FhirJson::array({FhirJson{{"url", kFhirMunicipalityExtension}, {"valueCode", location.municipality_code()}}});
  }
  resource["identifier"] = FhirJson::array({Identifier(FhirLocationIdSystem(organization.safety_region()),
                                                       absl::StrCat(organization.id(), "/", location.id()),
                                                       /*official=*/true)});
  resource["status"] = "active";
  resource["name"] = location.name();
  resource["mode"] = "instance";
  resource["physicalType"] = FhirConcept(FhirCoding(kPhysicalTypeSystem, "si", "Site"));
  if (!location.address().empty() || !location.postcode().empty()) {
    FhirJson address = {{"use", "work"}, {"type", "physical"}};
    if (!location.address().empty()) address["text"] = location.address();
    if (!location.postcode().empty()) address["postalCode"] = location.postcode();
    address["country"] = "NL";
    resource["address"] = std::move(address);
  }
  if (location.has_coordinates()) {
    resource["position"] =
        FhirJson{{"longitude", location.coordinates().longitude()}, {"latitude", location.coordinates().latitude()}};
  }
  resource["managingOrganization"] =
      FhirJson{{"reference", absl::StrCat("Organization/", organization.id())}, {"display", organization.name()}};
  return Dump(resource);
}

absl::StatusOr<std::string> OrganizationMeasureReport(const v1::Organization& organization,
                                                      const v1::StatusReport& report) {
  if (report.organization_id() != organization.id() || !report.location_id().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("report: not the organisation-level report of \"", organization.id(), "\""));
  }
  if (!report.has_commit_time()) return absl::InvalidArgumentError("report.commit_time: required");
  const absl::Time committed = FromProtoTime(report.commit_time());
  // The period the figures were reported in: from the oldest figure's own report time to the report's commit.
  absl::Time start = committed;
  for (const v1::Capacity& capacity : report.capacity()) {
    if (capacity.has_reported_at()) start = std::min(start, FromProtoTime(capacity.reported_at()));
  }
  for (const v1::Supply& supply : report.supplies()) {
    if (supply.has_reported_at()) start = std::min(start, FromProtoTime(supply.reported_at()));
  }

  FhirJson resource = MeasureReportHeader(organization.id());
  // SANER's subject is a location: the organisation's site when it has exactly one. An organisation of several sites
  // reports for all of them at once, which no single Location is (docs/interoperability.md).
  if (organization.locations_size() == 1)
    resource["subject"] = LocationReference(organization, organization.locations(0));
  resource["date"] = FhirTime(committed);
  resource["reporter"] = OrganizationReference(organization);
  resource["period"] = FhirJson{{"start", FhirTime(start)}, {"end", FhirTime(committed)}};

  std::vector<const v1::Capacity*> beds;
  for (const v1::Capacity& capacity : report.capacity()) beds.push_back(&capacity);
  std::sort(beds.begin(), beds.end(),
            [](const v1::Capacity* a, const v1::Capacity* b) { return a->type() < b->type(); });
  IcSum ic_beds, ic_occupied;
  FhirJson strata = FhirJson::array();
  for (const v1::Capacity* capacity : beds) {
    const BedFigures figures{.available = Count(capacity->has_available(), capacity->available()),
                             .occupied = Count(capacity->has_occupied(), capacity->occupied()),
                             .baseline = Count(capacity->has_baseline(), capacity->baseline()),
                             .surge_24h = Count(capacity->has_surge_24h(), capacity->surge_24h()),
                             .surge_72h = Count(capacity->has_surge_72h(), capacity->surge_72h())};
    if (IsIntensiveCare(capacity->type())) {
      ic_beds.Add(figures.baseline, false);
      ic_occupied.Add(figures.occupied, false);
    }
    strata.push_back(FhirJson{{"component", FhirJson::array({Component("bed-type", BedTypeConcept(capacity->type()))})},
                              {"population", FigurePopulations(figures, {})}});
  }
  if (report.detail_withheld()) ic_beds.masked = ic_occupied.masked = true;
  FhirJson groups = FhirJson::array(
      {BedsGroup(FhirJson::array({ic_beds.Population("numICUBeds"), ic_occupied.Population("numICUBedsOcc")}),
                 std::move(strata), {"bed-type"}),
       SuppliesGroup(report)});
  resource["group"] = std::move(groups);
  return Dump(resource);
}

absl::StatusOr<std::string> RegionMeasureReport(absl::string_view safety_region, const v1::CapacityOverview& overview) {
  if (!overview.has_computed_at()) return absl::InvalidArgumentError("overview.computed_at: required");
  const absl::Time computed = FromProtoTime(overview.computed_at());
  std::optional<absl::Time> oldest, newest;
  IcSum ic_beds, ic_occupied;
  FhirJson strata = FhirJson::array();
  for (const v1::CapacityTotal& total : overview.totals()) {
    if (total.safety_region() != safety_region) continue;
    if (total.has_oldest_report()) {
      const absl::Time time = FromProtoTime(total.oldest_report());
      oldest = oldest.has_value() ? std::min(*oldest, time) : time;
    }
    if (total.has_newest_report()) {
      const absl::Time time = FromProtoTime(total.newest_report());
      newest = newest.has_value() ? std::max(*newest, time) : time;
    }
    std::vector<v1::CapacityFigure> withheld;
    for (const int figure : total.withheld_figures()) withheld.push_back(static_cast<v1::CapacityFigure>(figure));
    auto is_withheld = [&withheld](v1::CapacityFigure figure) {
      return std::find(withheld.begin(), withheld.end(), figure) != withheld.end();
    };
    const BedFigures figures{.available = Count(total.has_available(), total.available()),
                             .occupied = Count(total.has_occupied(), total.occupied()),
                             .baseline = Count(total.has_baseline(), total.baseline()),
                             .surge_24h = Count(total.has_surge_24h(), total.surge_24h()),
                             .surge_72h = Count(total.has_surge_72h(), total.surge_72h())};
    if (IsIntensiveCare(total.bed_type())) {
      ic_beds.Add(figures.baseline, is_withheld(v1::CAPACITY_FIGURE_BASELINE));
      ic_occupied.Add(figures.occupied, is_withheld(v1::CAPACITY_FIGURE_OCCUPIED));
    }
    FhirJson populations = FigurePopulations(figures, withheld);
    populations.push_back(FhirPopulation(FigureCode("organizations-reported"), total.organizations_reported(), ""));
    populations.push_back(FhirPopulation(FigureCode("organizations-stale"), total.organizations_stale(), ""));
    if (total.has_stale_available()) {
      populations.push_back(FhirPopulation(FigureCode("stale-available"), total.stale_available(), ""));
    }
    FhirJson components = FhirJson::array(
        {Component("sector",
                   FhirConcept(FhirCoding(kFhirSectorSystem, FhirCodeOf(v1::Sector_Name(total.sector()), "SECTOR_")))),
         Component("bed-type", BedTypeConcept(total.bed_type()))});
    strata.push_back(FhirJson{{"component", std::move(components)}, {"population", std::move(populations)}});
  }

  FhirJson resource = MeasureReportHeader(safety_region);
  resource["subject"] = RegionReference(safety_region, "Location", absl::StrCat("Veiligheidsregio ", safety_region));
  resource["date"] = FhirTime(computed);
  resource["reporter"] = RegionReference(safety_region, "Organization", absl::StrCat("Ketenbeeld ", safety_region));
  resource["period"] =
      FhirJson{{"start", FhirTime(oldest.value_or(computed))}, {"end", FhirTime(newest.value_or(computed))}};
  resource["group"] = FhirJson::array(
      {BedsGroup(FhirJson::array({ic_beds.Population("numICUBeds"), ic_occupied.Population("numICUBedsOcc")}),
                 std::move(strata), {"sector", "bed-type"})});
  return Dump(resource);
}

}  // namespace ketenbeeld::interop
