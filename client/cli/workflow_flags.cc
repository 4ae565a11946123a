#include "client/cli/workflow_flags.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/time.h"
#include "client/cli/enum_words.h"
#include "client/cli/flags.h"
#include "client/cli/format.h"

namespace ketenbeeld::cli {
namespace {

absl::Status Required(absl::string_view flag, absl::string_view example) {
  return absl::InvalidArgumentError(absl::StrCat(flag, " is required", example.empty() ? "" : ", e.g. ", example));
}

// A whole number >= 1 after '=' in TYPE=N flags.
absl::StatusOr<int32_t> ParsePositiveCount(absl::string_view flag, absl::string_view value, absl::string_view text) {
  int32_t count = 0;
  if (!absl::SimpleAtoi(text, &count) || count < 1) {
    return FlagError(flag, value, absl::StrCat("the quantity must be a whole number >= 1, not \"", text, "\""));
  }
  return count;
}

absl::Status CheckIncidentRecord(const v1::Record& current) {
  if (!current.has_incident()) {
    return absl::FailedPreconditionError(absl::StrCat(current.name(), " is not an incident"));
  }
  return absl::OkStatus();
}

void ClearIncidentOutputFields(v1::Incident* incident) {
  incident->clear_computed_affected_organization_ids();
  incident->clear_status();
  incident->clear_opened_at();
  incident->clear_closed_at();
}

absl::Status ApplyIncidentFlags(const IncidentFlags& flags, v1::Incident* incident) {
  if (!flags.id.empty()) incident->set_id(flags.id);
  if (flags.title.has_value()) incident->set_title(*flags.title);
  if (flags.type.has_value()) incident->set_type(*flags.type);
  if (flags.level.has_value()) incident->set_scale_up_level(*flags.level);
  if (flags.region.has_value()) incident->set_safety_region(*flags.region);
  if (flags.Given()) {
    if (absl::Status applied = ApplyAreaFlags(flags, incident->mutable_area()); !applied.ok()) return applied;
  }
  if (!flags.affected.empty()) {
    incident->clear_affected_organization_ids();
    for (const std::string& id : flags.affected) incident->add_affected_organization_ids(id);
  }
  v1::CasualtyEstimate* casualties = incident->mutable_casualties();
  const std::pair<const char*, const std::optional<int32_t>*> counts[] = {
      {"--t1", &flags.t1}, {"--t2", &flags.t2}, {"--t3", &flags.t3}, {"--dead", &flags.dead}};
  for (const auto& [flag, count] : counts) {
    if (count->has_value() && **count < 0) {
      return FlagError(flag, absl::StrCat(**count), "must be a whole number >= 0");
    }
  }
  if (flags.t1.has_value()) casualties->set_t1(*flags.t1);
  if (flags.t2.has_value()) casualties->set_t2(*flags.t2);
  if (flags.t3.has_value()) casualties->set_t3(*flags.t3);
  if (flags.dead.has_value()) casualties->set_dead(*flags.dead);
  if (incident->casualties().ByteSizeLong() == 0) incident->clear_casualties();
  return absl::OkStatus();
}

template <typename Enum>
absl::Status AddEnumWords(absl::string_view flag, const std::vector<std::string>& words,
                          google::protobuf::RepeatedField<int>* out) {
  for (const std::string& word : words) {
    absl::StatusOr<Enum> value = ParseEnumFlag<Enum>(flag, word, word);
    if (!value.ok()) return value.status();
    out->Add(*value);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view flag, absl::string_view value) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  absl::Duration duration;
  bool parsed = false;
  if (absl::string_view days = trimmed; absl::ConsumeSuffix(&days, "d")) {
    double count = 0;
    parsed = absl::SimpleAtod(days, &count) && std::isfinite(count) && count < 1e6;
    if (parsed) duration = absl::Hours(24) * count;
  } else {
    parsed = absl::ParseDuration(trimmed, &duration);
  }
  if (!parsed) return FlagError(flag, value, "expected a duration such as 30m, 4h, 1h30m or 2d");
  if (duration <= absl::ZeroDuration() || duration == absl::InfiniteDuration()) {
    return FlagError(flag, value, "must be a positive, finite duration");
  }
  return duration;
}

absl::StatusOr<v1::Coordinates> ParseCoordinatesFlag(absl::string_view flag, absl::string_view value) {
  constexpr absl::string_view kUsage = "expected LAT,LON in degrees, e.g. 52.63,4.75";
  std::vector<absl::string_view> parts = absl::StrSplit(value, ',');
  if (parts.size() != 2) return FlagError(flag, value, kUsage);
  double latitude = 0;
  double longitude = 0;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(parts[0]), &latitude) ||
      !absl::SimpleAtod(absl::StripAsciiWhitespace(parts[1]), &longitude) || !std::isfinite(latitude) ||
      !std::isfinite(longitude)) {
    return FlagError(flag, value, kUsage);
  }
  if (latitude < -90 || latitude > 90) return FlagError(flag, value, "the latitude must be -90..90");
  if (longitude < -180 || longitude > 180) return FlagError(flag, value, "the longitude must be -180..180");
  v1::Coordinates coordinates;
  coordinates.set_latitude(latitude);
  coordinates.set_longitude(longitude);
  return coordinates;
}

absl::StatusOr<v1::Polygon> ParsePolygonFlag(absl::string_view value) {
  v1::Polygon polygon;
  for (absl::string_view point : absl::StrSplit(value, ';', absl::SkipWhitespace())) {
    absl::StatusOr<v1::Coordinates> coordinates = ParseCoordinatesFlag("--polygon", point);
    if (!coordinates.ok()) return coordinates.status();
    *polygon.add_points() = *coordinates;
  }
  if (polygon.points_size() < 3) {
    return FlagError("--polygon", value,
                     "expected at least 3 points LAT,LON;LAT,LON;LAT,LON, e.g. "
                     "\"52.90,4.70;52.90,4.80;53.00,4.80;53.00,4.70\"");
  }
  return polygon;
}

absl::StatusOr<v1::SituationLayer> ParseSituationLayerFlag(absl::string_view value) {
  const std::string word = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  if (word == "beeld") return v1::SITUATION_LAYER_PICTURE;
  if (word == "oordeel") return v1::SITUATION_LAYER_ASSESSMENT;
  if (word == "besluit") return v1::SITUATION_LAYER_DECISION;
  absl::StatusOr<v1::SituationLayer> layer = ParseEnumWord<v1::SituationLayer>(word);
  if (!layer.ok()) {
    return FlagError("--layer", value, "expected picture|assessment|decision (or beeld|oordeel|besluit)");
  }
  return *layer;
}

absl::StatusOr<v1::CapacityRequirement> ParseNeedFlag(absl::string_view value) {
  constexpr absl::string_view kFlag = "--need";
  const size_t equals = value.find('=');
  if (equals == absl::string_view::npos) {
    return FlagError(kFlag, value, "expected TYPE=N[@SECTOR], e.g. ic-adult=12 or nursing-home=40@long-term-care");
  }
  absl::string_view quantity = value.substr(equals + 1);
  absl::string_view sector;
  if (const size_t at = quantity.find('@'); at != absl::string_view::npos) {
    sector = quantity.substr(at + 1);
    quantity = quantity.substr(0, at);
  }
  absl::StatusOr<v1::BedType> type = ParseEnumFlag<v1::BedType>(kFlag, value, value.substr(0, equals));
  if (!type.ok()) return type.status();
  absl::StatusOr<int32_t> count = ParsePositiveCount(kFlag, value, quantity);
  if (!count.ok()) return count.status();
  v1::CapacityRequirement requirement;
  requirement.set_bed_type(*type);
  requirement.set_quantity(*count);
  if (!sector.empty()) {
    absl::StatusOr<v1::Sector> parsed_sector = ParseEnumFlag<v1::Sector>(kFlag, value, sector);
    if (!parsed_sector.ok()) return parsed_sector.status();
    requirement.set_sector(*parsed_sector);
  }
  return requirement;
}

absl::StatusOr<v1::SupplyRequirement> ParseSupplyRequirementFlag(absl::string_view value) {
  constexpr absl::string_view kFlag = "--supply";
  const size_t equals = value.find('=');
  if (equals == absl::string_view::npos) return FlagError(kFlag, value, "expected TYPE=DAYS, e.g. oxygen=3");
  absl::StatusOr<v1::SupplyType> type = ParseEnumFlag<v1::SupplyType>(kFlag, value, value.substr(0, equals));
  if (!type.ok()) return type.status();
  double days = 0;
  const absl::string_view days_text = value.substr(equals + 1);
  if (!absl::SimpleAtod(days_text, &days) || !std::isfinite(days) || days <= 0) {
    return FlagError(kFlag, value, absl::StrCat("the days of supply must be a number > 0, not \"", days_text, "\""));
  }
  v1::SupplyRequirement requirement;
  requirement.set_type(*type);
  requirement.set_min_days_of_supply(days);
  return requirement;
}

absl::StatusOr<std::optional<absl::Time>> ResolveDeadline(absl::string_view by_flag, absl::string_view by_value,
                                                          absl::string_view within_flag, absl::string_view within_value,
                                                          absl::Time now) {
  if (!by_value.empty() && !within_value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("give either ", by_flag, " or ", within_flag, ", not both"));
  }
  if (!by_value.empty()) {
    absl::StatusOr<absl::Time> by = ParseTimeFlag(by_flag, by_value);
    if (!by.ok()) return by.status();
    return std::optional<absl::Time>(*by);
  }
  if (!within_value.empty()) {
    absl::StatusOr<absl::Duration> within = ParseDurationFlag(within_flag, within_value);
    if (!within.ok()) return within.status();
    return std::optional<absl::Time>(now + *within);
  }
  return std::optional<absl::Time>();
}

// ---- areas ----

bool AreaFlags::Given() const {
  return area.has_value() || at.has_value() || radius_km.has_value() || !polygons.empty() || !postcodes.empty() ||
         !municipalities.empty();
}

absl::Status ApplyAreaFlags(const AreaFlags& flags, v1::Area* area) {
  if (flags.area.has_value()) area->set_description(*flags.area);
  if (flags.at.has_value()) {
    absl::StatusOr<v1::Coordinates> center = ParseCoordinatesFlag("--at", *flags.at);
    if (!center.ok()) return center.status();
    *area->mutable_center() = *center;
  }
  if (flags.radius_km.has_value()) {
    if (!std::isfinite(*flags.radius_km) || *flags.radius_km < 0) {
      return FlagError("--radius-km", absl::StrCat(*flags.radius_km), "must be a number of kilometres >= 0");
    }
    area->set_radius_km(*flags.radius_km);
  }
  if (!flags.polygons.empty()) {
    area->clear_polygons();
    for (const std::string& value : flags.polygons) {
      absl::StatusOr<v1::Polygon> polygon = ParsePolygonFlag(value);
      if (!polygon.ok()) return polygon.status();
      *area->add_polygons() = *std::move(polygon);
    }
  }
  if (!flags.postcodes.empty()) area->mutable_postcodes()->Assign(flags.postcodes.begin(), flags.postcodes.end());
  if (!flags.municipalities.empty()) {
    area->mutable_municipality_codes()->Assign(flags.municipalities.begin(), flags.municipalities.end());
  }
  return absl::OkStatus();
}

// ---- incidents ----

absl::StatusOr<v1::OpenIncidentRequest> BuildOpenIncidentRequest(const IncidentFlags& flags) {
  if (flags.id.empty()) return Required("--id", "--id brand-oostpolder");
  if (!flags.title.has_value() || flags.title->empty()) return Required("--title", "--title \"Brand Oostpolder\"");
  if (!flags.type.has_value() || flags.type->empty()) return Required("--type", "--type brand");
  if (!flags.level.has_value() || flags.level->empty()) return Required("--level", "--level \"GRIP 2\"");
  if (!flags.region.has_value() || flags.region->empty()) return Required("--region", "--region VR10");
  v1::OpenIncidentRequest request;
  if (absl::Status applied = ApplyIncidentFlags(flags, request.mutable_incident()); !applied.ok()) return applied;
  return request;
}

absl::StatusOr<v1::UpdateIncidentRequest> BuildUpdateIncidentRequest(const IncidentFlags& flags,
                                                                     const v1::Record& current) {
  if (absl::Status checked = CheckIncidentRecord(current); !checked.ok()) return checked;
  if (!flags.id.empty() && flags.id != current.incident().id()) {
    return absl::InvalidArgumentError(absl::StrCat("--id \"", flags.id,
                                                   "\": differs from the incident being updated, \"",
                                                   current.incident().id(), "\" (an incident's id cannot change)"));
  }
  v1::UpdateIncidentRequest request;
  *request.mutable_incident() = current.incident();
  ClearIncidentOutputFields(request.mutable_incident());
  if (absl::Status applied = ApplyIncidentFlags(flags, request.mutable_incident()); !applied.ok()) return applied;
  request.set_expected_revision(current.mod_revision());
  return request;
}

absl::StatusOr<v1::UpdateIncidentRequest> BuildCloseIncidentRequest(const v1::Record& current) {
  if (absl::Status checked = CheckIncidentRecord(current); !checked.ok()) return checked;
  v1::UpdateIncidentRequest request;
  *request.mutable_incident() = current.incident();
  ClearIncidentOutputFields(request.mutable_incident());
  request.mutable_incident()->set_status(v1::INCIDENT_STATUS_CLOSED);
  request.set_expected_revision(current.mod_revision());
  return request;
}

absl::StatusOr<v1::AddSituationEntryRequest> BuildSituationEntryRequest(const SituationEntryFlags& flags) {
  if (flags.incident_id.empty()) return Required("the incident ID", "incident log brand-oostpolder ...");
  if (flags.layer.empty()) return Required("--layer", "--layer picture (beeld|oordeel|besluit)");
  if (flags.text.empty()) return Required("--text", "");
  if (flags.author.empty()) return Required("--author", "--author \"OvD-G J. de Vries\"");
  absl::StatusOr<v1::SituationLayer> layer = ParseSituationLayerFlag(flags.layer);
  if (!layer.ok()) return layer.status();
  v1::AddSituationEntryRequest request;
  v1::SituationEntry* entry = request.mutable_entry();
  entry->set_incident_id(flags.incident_id);
  entry->set_layer(*layer);
  entry->set_text(flags.text);
  entry->set_author(flags.author);
  return request;
}

// ---- alerts ----

absl::StatusOr<v1::SendAlertRequest> BuildSendAlertRequest(const AlertFlags& flags, absl::Time now) {
  if (flags.id.empty()) return Required("--id", "--id stroomuitval-noord");
  if (flags.headline.empty()) return Required("--headline", "");
  if (flags.urgency.empty()) return Required("--urgency", "--urgency immediate");
  if (flags.severity.empty()) return Required("--severity", "--severity severe");
  if (flags.certainty.empty()) return Required("--certainty", "--certainty observed");
  v1::SendAlertRequest request;
  v1::Alert* alert = request.mutable_alert();
  alert->set_id(flags.id);
  alert->set_headline(flags.headline);
  alert->set_description(flags.description);
  alert->set_instruction(flags.instruction);
  absl::StatusOr<v1::Urgency> urgency = ParseEnumFlag<v1::Urgency>("--urgency", flags.urgency, flags.urgency);
  if (!urgency.ok()) return urgency.status();
  alert->set_urgency(*urgency);
  absl::StatusOr<v1::AlertSeverity> severity =
      ParseEnumFlag<v1::AlertSeverity>("--severity", flags.severity, flags.severity);
  if (!severity.ok()) return severity.status();
  alert->set_severity(*severity);
  absl::StatusOr<v1::Certainty> certainty =
      ParseEnumFlag<v1::Certainty>("--certainty", flags.certainty, flags.certainty);
  if (!certainty.ok()) return certainty.status();
  alert->set_certainty(*certainty);
  v1::Audience* audience = alert->mutable_audience();
  for (const std::string& region : flags.regions) audience->add_safety_regions(region);
  if (absl::Status added = AddEnumWords<v1::Sector>("--sector", flags.sectors, audience->mutable_sectors());
      !added.ok()) {
    return added;
  }
  if (absl::Status added = AddEnumWords<v1::OrganizationKind>("--kind", flags.kinds, audience->mutable_kinds());
      !added.ok()) {
    return added;
  }
  for (const std::string& id : flags.organization_ids) audience->add_organization_ids(id);
  if (flags.incident_area && flags.incident_id.empty()) {
    return FlagError("--incident-area", "", "needs --incident ID: the incident whose area the alert addresses");
  }
  audience->set_incident_area(flags.incident_area);
  if (flags.Given()) {
    if (absl::Status applied = ApplyAreaFlags(flags, audience->mutable_area()); !applied.ok()) return applied;
  }
  absl::StatusOr<std::optional<absl::Time>> deadline =
      ResolveDeadline("--ack-by", flags.ack_by, "--ack-within", flags.ack_within, now);
  if (!deadline.ok()) return deadline.status();
  if (deadline->has_value()) *alert->mutable_acknowledge_by() = ToProtoTime(**deadline);
  alert->set_incident_id(flags.incident_id);
  for (const std::string& indicator : flags.indicator_ids) alert->add_indicator_ids(indicator);
  alert->set_status(v1::ALERT_STATUS_ACTIVE);
  return request;
}

absl::StatusOr<v1::SendAlertRequest> BuildCancelAlertRequest(const v1::Record& current) {
  if (!current.has_alert()) return absl::FailedPreconditionError(absl::StrCat(current.name(), " is not an alert"));
  v1::SendAlertRequest request;
  v1::Alert* alert = request.mutable_alert();
  *alert = current.alert();
  alert->clear_version();
  alert->clear_deadline_passed();
  alert->clear_sent_at();
  alert->set_status(v1::ALERT_STATUS_CANCELLED);
  request.set_expected_revision(current.mod_revision());
  return request;
}

// ---- assistance requests ----

absl::StatusOr<v1::RequestAssistanceRequest> BuildRequestAssistanceRequest(const AssistanceRequestFlags& flags,
                                                                           absl::Time now) {
  if (flags.id.empty()) return Required("--id", "--id bedden-vvt-west");
  if (flags.organization_id.empty()) return Required("--org", "--org vvt-west (the requesting organisation)");
  if (flags.type.empty()) {
    return Required(
        "--type",
        absl::StrCat("--type beds (valid: ", absl::StrJoin(EnumWords(*v1::AssistanceType_descriptor()), ", "), ")"));
  }
  if (!flags.quantity.has_value()) return Required("--quantity", "--quantity 10");
  v1::RequestAssistanceRequest request;
  v1::AssistanceRequest* assistance = request.mutable_request();
  assistance->set_id(flags.id);
  assistance->set_organization_id(flags.organization_id);
  absl::StatusOr<v1::AssistanceType> type = ParseEnumFlag<v1::AssistanceType>("--type", flags.type, flags.type);
  if (!type.ok()) return type.status();
  assistance->set_type(*type);
  if (!flags.bed_type.empty()) {
    absl::StatusOr<v1::BedType> bed_type = ParseEnumFlag<v1::BedType>("--bed-type", flags.bed_type, flags.bed_type);
    if (!bed_type.ok()) return bed_type.status();
    assistance->set_bed_type(*bed_type);
  } else if (*type == v1::ASSISTANCE_TYPE_BEDS) {
    return Required("--bed-type (with --type beds)", "--bed-type nursing-home");
  }
  if (!flags.discipline.empty()) {
    absl::StatusOr<v1::StaffDiscipline> discipline =
        ParseEnumFlag<v1::StaffDiscipline>("--discipline", flags.discipline, flags.discipline);
    if (!discipline.ok()) return discipline.status();
    assistance->set_staff_discipline(*discipline);
  } else if (*type == v1::ASSISTANCE_TYPE_STAFF) {
    return Required("--discipline (with --type staff)", "--discipline ic-nurse");
  }
  if (!flags.fuel.empty()) {
    absl::StatusOr<v1::FuelType> fuel = ParseEnumFlag<v1::FuelType>("--fuel", flags.fuel, flags.fuel);
    if (!fuel.ok()) return fuel.status();
    assistance->set_fuel_type(*fuel);
  } else if (*type == v1::ASSISTANCE_TYPE_FUEL) {
    return Required("--fuel (with --type fuel)", "--fuel diesel");
  }
  if (*flags.quantity < 1) {
    return FlagError("--quantity", absl::StrCat(*flags.quantity), "must be a whole number >= 1");
  }
  assistance->set_quantity(*flags.quantity);
  if (!flags.unit.empty()) {
    absl::StatusOr<v1::QuantityUnit> unit = ParseEnumFlag<v1::QuantityUnit>("--unit", flags.unit, flags.unit);
    if (!unit.ok()) return unit.status();
    assistance->set_unit(*unit);
  }
  if (!flags.priority.empty()) {
    absl::StatusOr<v1::AssistancePriority> priority =
        ParseEnumFlag<v1::AssistancePriority>("--priority", flags.priority, flags.priority);
    if (!priority.ok()) return priority.status();
    assistance->set_priority(*priority);
  }
  if (!flags.deliver_to.empty() || !flags.deliver_address.empty() || !flags.deliver_at.empty()) {
    v1::DeliveryLocation* delivery = assistance->mutable_delivery();
    delivery->set_location_id(flags.deliver_to);
    delivery->set_address(flags.deliver_address);
    if (!flags.deliver_at.empty()) {
      absl::StatusOr<v1::Coordinates> at = ParseCoordinatesFlag("--deliver-at", flags.deliver_at);
      if (!at.ok()) return at.status();
      *delivery->mutable_coordinates() = *at;
    }
    delivery->set_instructions(flags.deliver_note);
  } else if (!flags.deliver_note.empty()) {
    // A note alone would be a delivery without a place, which the server refuses; say so in the CLI's terms.
    return Required("--deliver-to, --deliver-address or --deliver-at (with --deliver-note)", "--deliver-to main");
  }
  absl::StatusOr<std::optional<absl::Time>> needed_by =
      ResolveDeadline("--needed-by", flags.needed_by, "--needed-within", flags.needed_within, now);
  if (!needed_by.ok()) return needed_by.status();
  if (needed_by->has_value()) *assistance->mutable_needed_by() = ToProtoTime(**needed_by);
  assistance->set_incident_id(flags.incident_id);
  assistance->set_description(flags.description);
  return request;
}

absl::StatusOr<v1::OfferAssistanceRequest> BuildOfferAssistanceRequest(const OfferFlags& flags) {
  if (flags.request_id.empty()) return Required("the request ID", "request offer bedden-vvt-west ...");
  if (flags.organization_id.empty()) return Required("--org", "--org vvt-oost (the offering organisation)");
  if (!flags.quantity.has_value()) return Required("--quantity", "--quantity 4");
  if (*flags.quantity < 1) {
    return FlagError("--quantity", absl::StrCat(*flags.quantity), "must be a whole number >= 1");
  }
  v1::OfferAssistanceRequest request;
  request.set_request_id(flags.request_id);
  request.mutable_offer()->set_organization_id(flags.organization_id);
  request.mutable_offer()->set_quantity(*flags.quantity);
  request.mutable_offer()->set_comment(flags.comment);
  return request;
}

absl::StatusOr<v1::AcceptOfferRequest> BuildAcceptOfferRequest(const std::string& request_id,
                                                               const std::string& organization_id,
                                                               std::optional<int32_t> quantity) {
  if (request_id.empty()) return Required("the request ID", "request accept diesel-zh-noord --org defensie");
  if (organization_id.empty()) return Required("--org", "--org defensie (the organisation whose offer is accepted)");
  v1::AcceptOfferRequest request;
  request.set_request_id(request_id);
  request.set_organization_id(organization_id);
  if (quantity.has_value()) {
    if (*quantity < 1) return FlagError("--quantity", absl::StrCat(*quantity), "must be a whole number >= 1");
    request.set_quantity(*quantity);
  }
  return request;
}

absl::StatusOr<v1::FulfillRequestRequest> BuildFulfillRequestRequest(const std::string& request_id,
                                                                     const std::vector<std::string>& delivered) {
  if (request_id.empty()) return Required("the request ID", "request fulfil diesel-zh-noord");
  v1::FulfillRequestRequest request;
  request.set_request_id(request_id);
  for (const std::string& value : delivered) {
    const std::vector<absl::string_view> parts = absl::StrSplit(value, absl::MaxSplits('=', 1));
    const absl::string_view organization = absl::StripAsciiWhitespace(parts[0]);
    int32_t quantity = -1;
    if (parts.size() != 2 || organization.empty() ||
        !absl::SimpleAtoi(absl::StripAsciiWhitespace(parts[1]), &quantity) || quantity < 0) {
      return FlagError("--delivered", value, "expected ORG=N with N a whole number >= 0, e.g. defensie=1800");
    }
    v1::OfferDelivery* delivery = request.add_deliveries();
    delivery->set_organization_id(std::string(organization));
    delivery->set_quantity(quantity);
  }
  return request;
}

// ---- scenarios and reports ----

absl::StatusOr<v1::PutScenarioRequest> BuildPutScenarioRequest(const ScenarioFlags& flags, v1::Scenario base) {
  if (!flags.id.empty()) base.set_id(flags.id);
  if (!flags.name.empty()) base.set_name(flags.name);
  if (flags.description.has_value()) base.set_description(*flags.description);
  if (!flags.region.empty()) base.set_safety_region(flags.region);
  for (const std::string& value : flags.needs) {
    absl::StatusOr<v1::CapacityRequirement> need = ParseNeedFlag(value);
    if (!need.ok()) return need.status();
    bool replaced = false;
    for (v1::CapacityRequirement& existing : *base.mutable_capacity()) {
      if (existing.bed_type() == need->bed_type() && existing.sector() == need->sector()) {
        existing = *need;
        replaced = true;
      }
    }
    if (!replaced) *base.add_capacity() = *need;
  }
  for (const std::string& value : flags.supplies) {
    absl::StatusOr<v1::SupplyRequirement> supply = ParseSupplyRequirementFlag(value);
    if (!supply.ok()) return supply.status();
    bool replaced = false;
    for (v1::SupplyRequirement& existing : *base.mutable_supplies()) {
      if (existing.type() == supply->type()) {
        existing = *supply;
        replaced = true;
      }
    }
    if (!replaced) *base.add_supplies() = *supply;
  }
  if (base.id().empty()) return Required("--id (or id in --file)", "--id overstroming-kop");
  if (base.name().empty()) return Required("--name (or name in --file)", "");
  if (base.safety_region().empty()) return Required("--region (or safety_region in --file)", "--region VR10");
  v1::PutScenarioRequest request;
  *request.mutable_scenario() = std::move(base);
  return request;
}

absl::StatusOr<v1::GetCapacityOverviewRequest> BuildCapacityOverviewRequest(const CapacityOverviewFlags& flags) {
  v1::GetCapacityOverviewRequest request;
  for (const std::string& region : flags.regions) request.add_safety_regions(region);
  if (absl::Status added = AddEnumWords<v1::Sector>("--sector", flags.sectors, request.mutable_sectors());
      !added.ok()) {
    return added;
  }
  if (absl::Status added = AddEnumWords<v1::BedType>("--bed-type", flags.bed_types, request.mutable_bed_types());
      !added.ok()) {
    return added;
  }
  return request;
}

absl::StatusOr<v1::GetContinuityTimelineRequest> BuildContinuityTimelineRequest(const ContinuityTimelineFlags& flags) {
  v1::GetContinuityTimelineRequest request;
  for (const std::string& region : flags.regions) request.add_safety_regions(region);
  if (!flags.horizon.empty()) {
    absl::StatusOr<absl::Duration> horizon = ParseDurationFlag("--horizon", flags.horizon);
    if (!horizon.ok()) return horizon.status();
    *request.mutable_horizon() = ToProtoDuration(*horizon);
  }
  if (flags.limit.has_value()) {
    if (*flags.limit < 1) return FlagError("--limit", absl::StrCat(*flags.limit), "must be a whole number >= 1");
    request.set_limit(*flags.limit);
  }
  return request;
}

absl::StatusOr<v1::FindCapacityRequest> BuildFindCapacityRequest(const FindCapacityFlags& flags) {
  if (flags.near.empty()) return Required("the position LAT,LON", "capacity near 52.63,4.75 --bed-type ic-adult");
  if (flags.bed_type.empty()) return Required("--bed-type", "--bed-type ic-adult");
  v1::FindCapacityRequest request;
  absl::StatusOr<v1::Coordinates> near = ParseCoordinatesFlag("near", flags.near);
  if (!near.ok()) return near.status();
  *request.mutable_near() = *near;
  absl::StatusOr<v1::BedType> bed_type = ParseEnumFlag<v1::BedType>("--bed-type", flags.bed_type, flags.bed_type);
  if (!bed_type.ok()) return bed_type.status();
  request.set_bed_type(*bed_type);
  if (flags.radius_km.has_value()) {
    if (!std::isfinite(*flags.radius_km) || *flags.radius_km <= 0) {
      return FlagError("--radius-km", absl::StrCat(*flags.radius_km), "must be a number of kilometres > 0");
    }
    request.set_radius_km(*flags.radius_km);
  }
  if (flags.min_available.has_value()) {
    if (*flags.min_available < 1) {
      return FlagError("--min", absl::StrCat(*flags.min_available), "must be a whole number >= 1");
    }
    request.set_min_available(*flags.min_available);
  }
  if (flags.limit.has_value()) {
    if (*flags.limit < 1) return FlagError("--limit", absl::StrCat(*flags.limit), "must be a whole number >= 1");
    request.set_limit(*flags.limit);
  }
  if (!flags.max_age.empty()) {
    absl::StatusOr<absl::Duration> max_age = ParseDurationFlag("--max-age", flags.max_age);
    if (!max_age.ok()) return max_age.status();
    request.mutable_max_age()->set_seconds(absl::ToInt64Seconds(*max_age));
  }
  for (const std::string& region : flags.regions) request.add_safety_regions(region);
  return request;
}

absl::StatusOr<v1::ReserveBedRequest> BuildReserveBedRequest(const ReserveBedFlags& flags) {
  if (flags.organization_id.empty()) return Required("--organization", "--organization ziekenhuis-a");
  if (flags.bed_type.empty()) return Required("--bed-type", "--bed-type ic-adult");
  v1::ReserveBedRequest request;
  request.set_organization_id(flags.organization_id);
  // "ic" is what dispatch says for an adult IC bed.
  const std::string word = flags.bed_type == "ic" ? "ic-adult" : flags.bed_type;
  absl::StatusOr<v1::BedType> bed_type = ParseEnumFlag<v1::BedType>("--bed-type", flags.bed_type, word);
  if (!bed_type.ok()) return bed_type.status();
  request.set_bed_type(*bed_type);
  if (!flags.hold_for.empty()) {
    absl::StatusOr<absl::Duration> hold = ParseDurationFlag("--hold-for", flags.hold_for);
    if (!hold.ok()) return hold.status();
    *request.mutable_hold_for() = ToProtoDuration(*hold);
  }
  request.set_patient_reference(flags.reference);
  // The server checks it (1..64 of A-Z a-z 0-9 '-' '_' '.' ':') and names the field.
  request.set_request_id(flags.request_id.empty() ? NewRequestId() : flags.request_id);
  return request;
}

std::string NewRequestId() {
  absl::BitGen random;
  const uint64_t high = absl::Uniform<uint64_t>(random);
  const uint64_t low = absl::Uniform<uint64_t>(random);
  // Version 4 (random) and the RFC 4122 variant.
  const uint64_t versioned_high = (high & ~uint64_t{0xF000}) | uint64_t{0x4000};
  const uint64_t variant_low = (low & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", versioned_high >> 32, (versioned_high >> 16) & 0xFFFF,
                         versioned_high & 0xFFFF, variant_low >> 48, variant_low & 0xFFFFFFFFFFFF);
}

absl::StatusOr<v1::DefineIndicatorRequest> BuildDefineIndicatorRequest(const IndicatorFlags& flags) {
  if (flags.id.empty()) return Required("--id", "--id binnentemperatuur");
  if (flags.label_nl.empty()) return Required("--label-nl", "--label-nl \"Binnentemperatuur\"");
  if (flags.label_en.empty()) return Required("--label-en", "--label-en \"Indoor temperature\"");
  if (flags.type.empty()) return Required("--type", "--type number");
  v1::DefineIndicatorRequest request;
  v1::Indicator& indicator = *request.mutable_indicator();
  indicator.set_id(flags.id);
  indicator.set_label_nl(flags.label_nl);
  indicator.set_label_en(flags.label_en);
  absl::StatusOr<v1::IndicatorType> type = ParseEnumFlag<v1::IndicatorType>("--type", flags.type, flags.type);
  if (!type.ok()) return type.status();
  indicator.set_type(*type);
  if (*type == v1::INDICATOR_TYPE_CHOICE && flags.choices.size() < 2) {
    return FlagError("--choice", "", "a choice indicator needs at least two --choice values");
  }
  if (*type != v1::INDICATOR_TYPE_CHOICE && !flags.choices.empty()) {
    return FlagError("--choice", flags.choices.front(), "only with --type choice");
  }
  for (const std::string& choice : flags.choices) indicator.add_choices(choice);
  indicator.set_unit(flags.unit);
  v1::IndicatorScope& scope = *indicator.mutable_applies_to();
  if (absl::Status added = AddEnumWords<v1::Sector>("--sector", flags.sectors, scope.mutable_sectors()); !added.ok()) {
    return added;
  }
  if (absl::Status added =
          AddEnumWords<v1::OrganizationKind>("--kind", flags.kinds, scope.mutable_organization_kinds());
      !added.ok()) {
    return added;
  }
  for (const std::string& id : flags.organization_ids) scope.add_organization_ids(id);
  indicator.set_incident_id(flags.incident_id);
  if (!flags.cadence.empty()) {
    absl::StatusOr<absl::Duration> cadence = ParseDurationFlag("--cadence", flags.cadence);
    if (!cadence.ok()) return cadence.status();
    *indicator.mutable_cadence() = ToProtoDuration(*cadence);
  }
  return request;
}

absl::StatusOr<std::pair<std::string, std::string>> SplitIndicatorFlag(absl::string_view value) {
  const size_t equals = value.find('=');
  if (equals == absl::string_view::npos || equals == 0) {
    return FlagError("--indicator", value, "expected ID=VALUE, e.g. binnentemperatuur=27.5");
  }
  return std::make_pair(std::string(absl::StripAsciiWhitespace(value.substr(0, equals))),
                        std::string(value.substr(equals + 1)));
}

absl::StatusOr<v1::IndicatorValue> ParseIndicatorValue(const v1::Indicator& indicator, absl::string_view flag_value,
                                                       absl::string_view value) {
  v1::IndicatorValue answer;
  answer.set_indicator_id(indicator.id());
  const std::string trimmed(absl::StripAsciiWhitespace(value));
  switch (indicator.type()) {
    case v1::INDICATOR_TYPE_COUNT: {
      int64_t count = 0;
      if (!absl::SimpleAtoi(trimmed, &count) || count < 0) {
        return FlagError("--indicator", flag_value,
                         absl::StrCat("indicator ", indicator.id(), " is a count: give a whole number >= 0"));
      }
      answer.set_count(count);
      return answer;
    }
    case v1::INDICATOR_TYPE_NUMBER: {
      std::string decimal = trimmed;
      std::replace(decimal.begin(), decimal.end(), ',', '.');  // 31,5 as a Dutch keyboard writes it.
      double number = 0;
      if (!absl::SimpleAtod(decimal, &number) || !std::isfinite(number)) {
        return FlagError("--indicator", flag_value,
                         absl::StrCat("indicator ", indicator.id(), " is a number: give e.g. 27.5"));
      }
      answer.set_number(number);
      return answer;
    }
    case v1::INDICATOR_TYPE_YES_NO: {
      const std::string word = absl::AsciiStrToLower(trimmed);
      if (word == "yes" || word == "ja" || word == "true" || word == "1" || word == "y" || word == "j") {
        answer.set_yes_no(true);
      } else if (word == "no" || word == "nee" || word == "false" || word == "0" || word == "n") {
        answer.set_yes_no(false);
      } else {
        return FlagError("--indicator", flag_value,
                         absl::StrCat("indicator ", indicator.id(), " is yes/no: give yes or no (ja or nee)"));
      }
      return answer;
    }
    case v1::INDICATOR_TYPE_CHOICE:
      if (std::find(indicator.choices().begin(), indicator.choices().end(), trimmed) == indicator.choices().end()) {
        return FlagError("--indicator", flag_value,
                         absl::StrCat("indicator ", indicator.id(),
                                      " is a choice: give one of: ", absl::StrJoin(indicator.choices(), ", ")));
      }
      answer.set_choice(trimmed);
      return answer;
    case v1::INDICATOR_TYPE_TEXT:
      answer.set_text(std::string(value));
      return answer;
    default:
      return FlagError("--indicator", flag_value,
                       absl::StrCat("indicator ", indicator.id(), " has a type this CLI does not know"));
  }
}

}  // namespace ketenbeeld::cli
