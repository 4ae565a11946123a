#include "client/cli/flags.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/time.h"
#include "client/cli/enum_words.h"
#include "client/cli/workflow_flags.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace ketenbeeld::cli {
namespace {

absl::StatusOr<int32_t> ParseCount(absl::string_view flag, absl::string_view value, absl::string_view field,
                                   absl::string_view text) {
  int32_t count = 0;
  if (!absl::SimpleAtoi(text, &count) || count < 0) {
    return FlagError(flag, value, absl::StrCat(field, " must be a whole number >= 0, not \"", text, "\""));
  }
  return count;
}

absl::StatusOr<double> ParseAmount(absl::string_view flag, absl::string_view value, absl::string_view field,
                                   absl::string_view text) {
  double amount = 0;
  if (!absl::SimpleAtod(text, &amount) || !std::isfinite(amount) || amount < 0) {
    return FlagError(flag, value, absl::StrCat(field, " must be a number >= 0, not \"", text, "\""));
  }
  return amount;
}

// Splits "TYPE:key=value,key=value" into the type word and key/value pairs.
struct TypedFields {
  absl::string_view type;
  std::vector<std::pair<absl::string_view, absl::string_view>> fields;
};

absl::StatusOr<TypedFields> SplitTypedFields(absl::string_view flag, absl::string_view value, absl::string_view usage) {
  TypedFields result;
  const size_t colon = value.find(':');
  result.type = value.substr(0, colon);
  if (result.type.empty()) return FlagError(flag, value, absl::StrCat("expected ", usage));
  if (colon == absl::string_view::npos) return result;
  for (absl::string_view item : absl::StrSplit(value.substr(colon + 1), ',', absl::SkipWhitespace())) {
    const size_t equals = item.find('=');
    if (equals == absl::string_view::npos) {
      return FlagError(flag, value, absl::StrCat("\"", item, "\" is not key=value (expected ", usage, ")"));
    }
    result.fields.emplace_back(absl::StripAsciiWhitespace(item.substr(0, equals)),
                               absl::StripAsciiWhitespace(item.substr(equals + 1)));
  }
  return result;
}

// Replaces the element of `list` with the same type as `element`, or appends it.
template <typename Repeated, typename Element>
void ReplaceByType(Repeated* list, const Element& element) {
  for (Element& existing : *list) {
    if (existing.type() == element.type()) {
      existing = element;
      return;
    }
  }
  *list->Add() = element;
}

class CollectingErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

}  // namespace

absl::Status FlagError(absl::string_view flag, absl::string_view value, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(flag, " \"", value, "\": ", problem));
}

absl::StatusOr<v1::Disruption> ParseDisruptionFlag(absl::string_view value) {
  constexpr absl::string_view kFlag = "--disruption";
  const size_t equals = value.find('=');
  if (equals == absl::string_view::npos) {
    return FlagError(kFlag, value, "expected TYPE=SEVERITY[:TEXT], e.g. utility-failure=major");
  }
  absl::string_view severity_and_text = value.substr(equals + 1);
  absl::string_view text;
  if (const size_t colon = severity_and_text.find(':'); colon != absl::string_view::npos) {
    text = severity_and_text.substr(colon + 1);
    severity_and_text = severity_and_text.substr(0, colon);
  }
  v1::Disruption disruption;
  absl::StatusOr<v1::DisruptionType> type = ParseEnumFlag<v1::DisruptionType>(kFlag, value, value.substr(0, equals));
  if (!type.ok()) return type.status();
  absl::StatusOr<v1::Severity> severity = ParseEnumFlag<v1::Severity>(kFlag, value, severity_and_text);
  if (!severity.ok()) return severity.status();
  disruption.set_type(*type);
  disruption.set_severity(*severity);
  disruption.set_description(std::string(text));
  return disruption;
}

absl::StatusOr<v1::Capacity> ParseCapacityFlag(absl::string_view value) {
  constexpr absl::string_view kFlag = "--capacity";
  constexpr absl::string_view kUsage = "TYPE:available=N,occupied=N,baseline=N,surge-24h=N,surge-72h=N";
  absl::StatusOr<TypedFields> split = SplitTypedFields(kFlag, value, kUsage);
  if (!split.ok()) return split.status();
  absl::StatusOr<v1::BedType> type = ParseEnumFlag<v1::BedType>(kFlag, value, split->type);
  if (!type.ok()) return type.status();
  if (split->fields.empty()) {
    return FlagError(kFlag, value, absl::StrCat("no counts given (expected ", kUsage, ")"));
  }
  v1::Capacity capacity;
  capacity.set_type(*type);
  for (const auto& [key, text] : split->fields) {
    absl::StatusOr<int32_t> count = ParseCount(kFlag, value, key, text);
    if (key == "available") {
      if (!count.ok()) return count.status();
      capacity.set_available(*count);
    } else if (key == "occupied") {
      if (!count.ok()) return count.status();
      capacity.set_occupied(*count);
    } else if (key == "baseline") {
      if (!count.ok()) return count.status();
      capacity.set_baseline(*count);
    } else if (key == "surge-24h" || key == "surge_24h") {
      if (!count.ok()) return count.status();
      capacity.set_surge_24h(*count);
    } else if (key == "surge-72h" || key == "surge_72h") {
      if (!count.ok()) return count.status();
      capacity.set_surge_72h(*count);
    } else {
      return FlagError(
          kFlag, value,
          absl::StrCat("unknown field \"", key, "\" (valid: available, occupied, baseline, surge-24h, surge-72h)"));
    }
  }
  return capacity;
}

absl::StatusOr<v1::Staffing> ParseStaffingFlag(absl::string_view value) {
  constexpr absl::string_view kFlag = "--staffing";
  std::vector<absl::string_view> parts = absl::StrSplit(value, absl::MaxSplits(':', 2));
  absl::StatusOr<v1::StaffingLevel> level = ParseEnumFlag<v1::StaffingLevel>(kFlag, value, parts[0]);
  if (!level.ok()) return level.status();
  v1::Staffing staffing;
  staffing.set_level(*level);
  if (parts.size() > 1 && !parts[1].empty()) {
    absl::StatusOr<int32_t> shortage = ParseCount(kFlag, value, "the shortage", parts[1]);
    if (!shortage.ok()) return shortage.status();
    staffing.set_shortage_count(*shortage);
  }
  if (parts.size() > 2) staffing.set_description(std::string(parts[2]));
  return staffing;
}

absl::StatusOr<v1::Supply> ParseSupplyFlag(absl::string_view value) {
  constexpr absl::string_view kFlag = "--supply";
  constexpr absl::string_view kUsage =
      "TYPE:state=S,stock=X,per-day=Y,unit=U,hours=H,resupply-at=TIME,resupply-quantity=Q,supplier=NAME";
  absl::StatusOr<TypedFields> split = SplitTypedFields(kFlag, value, kUsage);
  if (!split.ok()) return split.status();
  absl::StatusOr<v1::SupplyType> type = ParseEnumFlag<v1::SupplyType>(kFlag, value, split->type);
  if (!type.ok()) return type.status();
  if (split->fields.empty()) return FlagError(kFlag, value, absl::StrCat("nothing given (expected ", kUsage, ")"));
  v1::Supply supply;
  supply.set_type(*type);
  for (const auto& [key, text] : split->fields) {
    if (key == "state") {
      absl::StatusOr<v1::SupplyState> state = ParseEnumFlag<v1::SupplyState>(kFlag, value, text);
      if (!state.ok()) return state.status();
      supply.set_state(*state);
    } else if (key == "unit") {
      supply.set_unit(std::string(text));
    } else if (key == "resupply-at") {
      absl::StatusOr<absl::Time> at = ParseTimeFlag(kFlag, text);
      if (!at.ok()) return at.status();
      *supply.mutable_resupply()->mutable_expected_at() = ToProtoTime(*at);
    } else if (key == "supplier") {
      supply.mutable_resupply()->set_supplier(std::string(text));
    } else if (key == "resupply-quantity") {
      absl::StatusOr<double> amount = ParseAmount(kFlag, value, key, text);
      if (!amount.ok()) return amount.status();
      supply.mutable_resupply()->set_quantity(*amount);
    } else if (key == "stock" || key == "per-day" || key == "hours") {
      absl::StatusOr<double> amount = ParseAmount(kFlag, value, key, text);
      if (!amount.ok()) return amount.status();
      if (key == "stock") supply.set_stock(*amount);
      if (key == "per-day") supply.set_consumption_per_day(*amount);
      if (key == "hours") supply.set_autonomy_hours(*amount);
    } else {
      return FlagError(kFlag, value,
                       absl::StrCat("unknown field \"", key,
                                    "\" (valid: state, stock, per-day, unit, hours, resupply-at, resupply-quantity, "
                                    "supplier)"));
    }
  }
  return supply;
}

absl::StatusOr<v1::EmergencyDepartment> ParseEmergencyDepartmentFlag(absl::string_view value) {
  constexpr absl::string_view kFlag = "--ed";
  std::vector<absl::string_view> parts = absl::StrSplit(value, absl::MaxSplits(':', 1));
  absl::StatusOr<v1::EmergencyDepartmentState> state =
      ParseEnumFlag<v1::EmergencyDepartmentState>(kFlag, value, parts[0]);
  if (!state.ok()) return state.status();
  v1::EmergencyDepartment department;
  department.set_state(*state);
  if (parts.size() > 1) department.set_reason(std::string(parts[1]));
  return department;
}

absl::StatusOr<v1::Location> ParseLocationFlag(absl::string_view value) {
  std::vector<absl::string_view> parts = absl::StrSplit(value, absl::MaxSplits(':', 2));
  if (parts.size() < 2 || parts[0].empty() || parts[1].empty()) {
    return FlagError("--location", value,
                     "expected ID:NAME[:ADDRESS], e.g. \"alkmaar:Locatie Alkmaar:Wilhelminalaan 12\"");
  }
  v1::Location location;
  location.set_id(std::string(parts[0]));
  location.set_name(std::string(parts[1]));
  if (parts.size() > 2) location.set_address(std::string(parts[2]));
  return location;
}

absl::StatusOr<absl::Time> ParseTimeFlag(absl::string_view flag, absl::string_view value) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(value), &time, &error)) {
    return FlagError(flag, value,
                     "expected an RFC 3339 time such as 2024-03-01T12:00:00Z or 2024-03-01T13:00:00+01:00");
  }
  return time;
}

absl::Status ApplyStatusReportFlags(const StatusReportFlags& flags, v1::StatusReport* report) {
  if (!flags.organization_id.empty()) report->set_organization_id(flags.organization_id);
  if (!flags.location_id.empty()) report->set_location_id(flags.location_id);
  if (!flags.overall.empty()) {
    absl::StatusOr<v1::OverallStatus> overall =
        ParseEnumFlag<v1::OverallStatus>("--overall", flags.overall, flags.overall);
    if (!overall.ok()) return overall.status();
    report->set_overall_status(*overall);
  }
  for (const std::string& value : flags.disruptions) {
    absl::StatusOr<v1::Disruption> disruption = ParseDisruptionFlag(value);
    if (!disruption.ok()) return disruption.status();
    ReplaceByType(report->mutable_disruptions(), *disruption);
  }
  for (const std::string& value : flags.capacities) {
    absl::StatusOr<v1::Capacity> capacity = ParseCapacityFlag(value);
    if (!capacity.ok()) return capacity.status();
    ReplaceByType(report->mutable_capacity(), *capacity);
  }
  if (!flags.staffing.empty()) {
    absl::StatusOr<v1::Staffing> staffing = ParseStaffingFlag(flags.staffing);
    if (!staffing.ok()) return staffing.status();
    *report->mutable_staffing() = *staffing;
  }
  if (!flags.shortage_from.empty()) {
    absl::StatusOr<absl::Time> from = ParseTimeFlag("--shortage-from", flags.shortage_from);
    if (!from.ok()) return from.status();
    *report->mutable_staffing()->mutable_shortage_from() = ToProtoTime(*from);
  }
  for (const std::string& value : flags.supplies) {
    absl::StatusOr<v1::Supply> supply = ParseSupplyFlag(value);
    if (!supply.ok()) return supply.status();
    ReplaceByType(report->mutable_supplies(), *supply);
  }
  if (!flags.emergency_department.empty()) {
    absl::StatusOr<v1::EmergencyDepartment> department = ParseEmergencyDepartmentFlag(flags.emergency_department);
    if (!department.ok()) return department.status();
    *report->mutable_emergency_department() = *department;
  }
  if (!flags.emergency_department_until.empty()) {
    constexpr absl::string_view kFlag = "--ed-until";
    absl::StatusOr<absl::Time> until = ParseTimeFlag(kFlag, flags.emergency_department_until);
    if (!until.ok()) return until.status();
    const v1::EmergencyDepartmentState state = report->emergency_department().state();
    if (state != v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION && state != v1::EMERGENCY_DEPARTMENT_STATE_CLOSED) {
      return FlagError(kFlag, flags.emergency_department_until,
                       "needs --ed diversion or --ed closed (or such an emergency_department in --file): only a "
                       "diversion or closure ends");
    }
    *report->mutable_emergency_department()->mutable_until() = ToProtoTime(*until);
  }
  if (flags.crisis_plan_activated.has_value()) report->set_crisis_plan_activated(*flags.crisis_plan_activated);
  if (flags.text.has_value()) report->set_free_text(*flags.text);
  if (flags.reporter.has_value()) report->mutable_reporter()->set_name(*flags.reporter);
  return absl::OkStatus();
}

absl::StatusOr<google::protobuf::FieldMask> StatusUpdateMask(const StatusReportFlags& flags,
                                                             const v1::StatusReport& from_file,
                                                             absl::Span<const std::string> more_paths) {
  std::vector<std::string> paths(more_paths.begin(), more_paths.end());
  auto name_if = [&paths](bool named, absl::string_view path) {
    if (named) paths.emplace_back(path);
  };
  name_if(!flags.overall.empty() || from_file.overall_status() != v1::OVERALL_STATUS_UNSPECIFIED, "overall_status");
  name_if(!flags.disruptions.empty() || !from_file.disruptions().empty(), "disruptions");
  name_if(!flags.capacities.empty() || !from_file.capacity().empty(), "capacity");
  name_if(!flags.staffing.empty() || from_file.has_staffing(), "staffing");
  // Only the start of a shortage: the rest of the staffing part stays as reported.
  name_if(!flags.shortage_from.empty() && flags.staffing.empty() && !from_file.has_staffing(),
          "staffing.shortage_from");
  name_if(!flags.supplies.empty() || !from_file.supplies().empty(), "supplies");
  name_if(!flags.emergency_department.empty() || from_file.has_emergency_department(), "emergency_department");
  name_if(flags.crisis_plan_activated.has_value() || from_file.crisis_plan_activated(), "crisis_plan_activated");
  name_if(flags.text.has_value() || !from_file.free_text().empty(), "free_text");
  name_if(flags.reporter.has_value() || from_file.has_reporter(), "reporter");
  // Capacity that is not beds: its flags name their own paths (ApplyChainReportFlags); a file's parts are named here.
  name_if(from_file.has_ambulance(), "ambulance");
  name_if(from_file.has_gp_post(), "gp_post");
  name_if(from_file.has_home_care(), "home_care");
  name_if(from_file.has_public_health(), "public_health");
  name_if(from_file.has_intake_stop(), "intake_stop");
  // Answers to indicators: --indicator names the path itself (status_commands.cc); a file's answers are named here.
  name_if(!from_file.indicator_values().empty(), "indicator_values");
  // One entry is removed by naming it alone: the mask path "capacity.ic_adult" with no such entry in the report.
  struct Keyed {
    absl::string_view word;
    absl::string_view path;
    const google::protobuf::EnumDescriptor* types;
    absl::string_view prefix;  // Of the enum's value names, left out of the key.
  };
  const Keyed keyed[] = {{"capacity", "capacity", v1::BedType_descriptor(), "BED_TYPE_"},
                         {"supply", "supplies", v1::SupplyType_descriptor(), "SUPPLY_TYPE_"},
                         {"disruption", "disruptions", v1::DisruptionType_descriptor(), "DISRUPTION_TYPE_"}};
  const std::pair<absl::string_view, absl::string_view> whole[] = {
      {"staffing", "staffing"},   {"ed", "emergency_department"}, {"text", "free_text"},
      {"reporter", "reporter"},   {"ambulances", "ambulance"},    {"gp-post", "gp_post"},
      {"home-care", "home_care"}, {"ggd-teams", "public_health"}, {"intake-stop", "intake_stop"}};
  for (const std::string& value : flags.clears) {
    bool known = false;
    for (const auto& [word, path] : whole) {
      if (value != word) continue;
      paths.emplace_back(path);
      known = true;
    }
    const auto [part, type] =
        std::pair<absl::string_view, absl::string_view>(absl::StrSplit(value, absl::MaxSplits(':', 1)));
    for (const Keyed& list : keyed) {
      if (part != list.word) continue;
      absl::StatusOr<int> number = ParseEnumWord(*list.types, type);
      if (!number.ok()) return FlagError("--clear", value, number.status().message());
      const std::string key =
          absl::AsciiStrToLower(absl::StripPrefix(list.types->FindValueByNumber(*number)->name(), list.prefix));
      paths.push_back(absl::StrCat(list.path, ".", key));
      known = true;
    }
    if (!known) {
      return FlagError(
          "--clear", value,
          "expected capacity:TYPE, supply:TYPE, disruption:TYPE, staffing, ed, text, reporter, ambulances, "
          "gp-post, home-care, ggd-teams or intake-stop");
    }
  }
  if (paths.empty()) {
    return absl::InvalidArgumentError(
        "nothing to report: name what changed (--overall, --disruption, --capacity, --staffing, --supply, --ed, "
        "--crisis-plan, --text, --reporter, --ambulances, --gp-post, --gp-capacity, --home-care, --ggd-teams, "
        "--intake-stop, --clear), or send a whole report with --replace");
  }
  google::protobuf::FieldMask mask;
  mask.mutable_paths()->Assign(paths.begin(), paths.end());
  return mask;
}

absl::Status ApplyOrganizationFlags(const OrganizationFlags& flags, v1::Organization* organization) {
  if (!flags.id.empty()) organization->set_id(flags.id);
  if (!flags.name.empty()) organization->set_name(flags.name);
  if (!flags.kind.empty()) {
    absl::StatusOr<v1::OrganizationKind> kind = ParseEnumFlag<v1::OrganizationKind>("--kind", flags.kind, flags.kind);
    if (!kind.ok()) return kind.status();
    organization->set_kind(*kind);
  }
  if (!flags.region.empty()) organization->set_safety_region(flags.region);
  if (flags.roaz.has_value()) organization->set_roaz_region(*flags.roaz);
  for (const std::string& value : flags.locations) {
    absl::StatusOr<v1::Location> location = ParseLocationFlag(value);
    if (!location.ok()) return location.status();
    bool replaced = false;
    for (v1::Location& existing : *organization->mutable_locations()) {
      if (existing.id() == location->id()) {
        existing = *location;
        replaced = true;
      }
    }
    if (!replaced) *organization->add_locations() = *location;
  }
  // --site-* ID=VALUE: one field of the location with that id. The postcode and municipality code are checked by the
  // server, which names the field; the coordinates here, as --at's.
  using SetSiteField = absl::Status (*)(absl::string_view value, v1::Location & site);
  const std::tuple<absl::string_view, const std::vector<std::string>*, SetSiteField> site_flags[] = {
      {"--site-at", &flags.site_at,
       [](absl::string_view value, v1::Location& site) {
         absl::StatusOr<v1::Coordinates> at = ParseCoordinatesFlag("--site-at", value);
         if (!at.ok()) return at.status();
         *site.mutable_coordinates() = *at;
         return absl::OkStatus();
       }},
      {"--site-postcode", &flags.site_postcodes,
       [](absl::string_view value, v1::Location& site) {
         site.set_postcode(std::string(value));
         return absl::OkStatus();
       }},
      {"--site-municipality", &flags.site_municipalities,
       [](absl::string_view value, v1::Location& site) {
         site.set_municipality_code(std::string(value));
         return absl::OkStatus();
       }},
  };
  for (const auto& [flag, values, set] : site_flags) {
    for (const std::string& value : *values) {
      const std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(value, absl::MaxSplits('=', 1));
      v1::Location* site = nullptr;
      for (v1::Location& existing : *organization->mutable_locations()) {
        if (existing.id() == parts.first) site = &existing;
      }
      if (site == nullptr || parts.second.empty()) {
        return FlagError(flag, value, "expected ID=VALUE for a location ID given with --location or registered");
      }
      if (absl::Status status = set(parts.second, *site); !status.ok()) return status;
    }
  }
  if (flags.contact_name.has_value()) organization->mutable_contact()->set_name(*flags.contact_name);
  if (flags.phone.has_value()) organization->mutable_contact()->set_phone(*flags.phone);
  if (flags.email.has_value()) organization->mutable_contact()->set_email(*flags.email);
  if (AnyIdentifierFlag(flags.identifiers)) {
    ApplyIdentifierFlags(flags.identifiers, organization->mutable_identifiers());
  }
  return absl::OkStatus();
}

bool AnyIdentifierFlag(const IdentifierFlags& flags) {
  return flags.agb.has_value() || flags.ura.has_value() || flags.kvk_branch.has_value() || flags.lrza.has_value();
}

void ApplyIdentifierFlags(const IdentifierFlags& flags, v1::StandardIdentifiers* identifiers) {
  if (flags.agb.has_value()) identifiers->set_agb(*flags.agb);
  if (flags.ura.has_value()) identifiers->set_ura(*flags.ura);
  if (flags.kvk_branch.has_value()) identifiers->set_kvk_branch_number(*flags.kvk_branch);
  if (flags.lrza.has_value()) identifiers->set_lrza(*flags.lrza);
}

absl::StatusOr<v1::Filter> BuildFilter(const FilterFlags& flags) {
  v1::Filter filter;
  for (const std::string& id : flags.organization_ids) filter.add_organization_ids(id);
  for (const std::string& region : flags.regions) filter.add_safety_regions(region);
  for (const std::string& value : flags.sectors) {
    absl::StatusOr<v1::Sector> sector = ParseEnumFlag<v1::Sector>("--sector", value, value);
    if (!sector.ok()) return sector.status();
    filter.add_sectors(*sector);
  }
  for (const std::string& value : flags.kinds) {
    absl::StatusOr<v1::EntityKind> kind = ParseEnumFlag<v1::EntityKind>("--kind", value, value);
    if (!kind.ok()) return kind.status();
    filter.add_kinds(*kind);
  }
  for (const std::string& value : flags.disruptions) {
    absl::StatusOr<v1::DisruptionType> type = ParseEnumFlag<v1::DisruptionType>("--disruption", value, value);
    if (!type.ok()) return type.status();
    filter.add_disruptions(*type);
  }
  if (!flags.min_severity.empty()) {
    absl::StatusOr<v1::Severity> severity =
        ParseEnumFlag<v1::Severity>("--min-severity", flags.min_severity, flags.min_severity);
    if (!severity.ok()) return severity.status();
    filter.set_min_severity(*severity);
  }
  return filter;
}

bool IsEmptyFilter(const v1::Filter& filter) {
  return filter.kinds().empty() && filter.organization_ids().empty() && filter.safety_regions().empty() &&
         filter.sectors().empty() && filter.disruptions().empty() &&
         filter.min_severity() == v1::SEVERITY_UNSPECIFIED && filter.identifiers().ByteSizeLong() == 0;
}

absl::Status LoadMessageFromFile(const std::string& path, google::protobuf::Message* message) {
  const bool is_json = absl::EndsWith(path, ".json");
  const bool is_text = absl::EndsWith(path, ".textproto") || absl::EndsWith(path, ".txtpb") ||
                       absl::EndsWith(path, ".pbtxt") || absl::EndsWith(path, ".txt");
  if (!is_json && !is_text) {
    return absl::InvalidArgumentError(
        absl::StrCat("--file \"", path, "\": unknown file type (use .textproto for text format or .json)"));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("--file \"", path, "\": cannot be read"));
  std::stringstream contents;
  contents << file.rdbuf();
  const std::string text = contents.str();
  if (is_json) {
    google::protobuf::util::JsonParseOptions options;
    auto status = google::protobuf::util::JsonStringToMessage(text, message, options);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--file \"", path, "\": not a valid ", message->GetTypeName(), " in JSON: ", status.ToString()));
    }
    return absl::OkStatus();
  }
  google::protobuf::TextFormat::Parser parser;
  CollectingErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, message)) {
    return absl::InvalidArgumentError(absl::StrCat("--file \"", path, "\": not a valid ", message->GetTypeName(),
                                                   " in text format: ", errors.first()));
  }
  return absl::OkStatus();
}

}  // namespace ketenbeeld::cli
