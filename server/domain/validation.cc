#include "server/domain/validation.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/domain/endpoints.h"
#include "server/domain/field_checks.h"
#include "server/domain/geo.h"
#include "server/domain/identifiers.h"
#include "server/domain/indicator_validation.h"

namespace ketenbeeld::domain {
namespace {

using namespace checks;  // NOLINT(google-build-using-namespace): the checkers are this file's vocabulary.

using ::google::protobuf::RepeatedField;
using ::google::protobuf::RepeatedPtrField;
using ::google::protobuf::Timestamp;
using ::ketenbeeld::v1::AmbulanceCapacity;
using ::ketenbeeld::v1::Capacity;
using ::ketenbeeld::v1::Contact;
using ::ketenbeeld::v1::Coordinates;
using ::ketenbeeld::v1::Disruption;
using ::ketenbeeld::v1::EmergencyDepartment;
using ::ketenbeeld::v1::Filter;
using ::ketenbeeld::v1::GpPostCapacity;
using ::ketenbeeld::v1::HomeCareCapacity;
using ::ketenbeeld::v1::IntakeStop;
using ::ketenbeeld::v1::Location;
using ::ketenbeeld::v1::Organization;
using ::ketenbeeld::v1::PublicHealthCapacity;
using ::ketenbeeld::v1::Reporter;
using ::ketenbeeld::v1::Staffing;
using ::ketenbeeld::v1::StatusReport;
using ::ketenbeeld::v1::Supply;

// ---------------------------------------------------------------------------------------------------------------
// Messages

absl::Status CheckCoordinates(const Coordinates& coordinates, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckInRange(coordinates.latitude(), -90, 90, path.Field("latitude")));
  return CheckInRange(coordinates.longitude(), -180, 180, path.Field("longitude"));
}

absl::Status CheckLocation(const Location& location, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(location.id(), path.Field("id")));
  KETENBEELD_RETURN_IF_ERROR(CheckText(location.name(), path.Field("name"), kRequiredName));
  KETENBEELD_RETURN_IF_ERROR(CheckText(location.address(), path.Field("address"), kAddress));
  if (location.has_coordinates()) {
    KETENBEELD_RETURN_IF_ERROR(CheckCoordinates(location.coordinates(), path.Field("coordinates")));
  }
  if (!location.postcode().empty() && !Pc4OfPostcode(location.postcode()).has_value()) {
    return Invalid(path.Field("postcode"), "must be a Dutch postcode, \"1234 AB\" or \"1234AB\", got ",
                   Quote(location.postcode()));
  }
  if (!location.municipality_code().empty() && !IsMunicipalityCode(location.municipality_code())) {
    return Invalid(path.Field("municipality_code"), "must be a CBS municipality code, \"GM\" and 4 digits, got ",
                   Quote(location.municipality_code()));
  }
  return absl::OkStatus();
}

absl::Status CheckContact(const Contact& contact, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckText(contact.name(), path.Field("name"), kOptionalName));
  KETENBEELD_RETURN_IF_ERROR(CheckText(contact.phone(), path.Field("phone"), kPhone));
  KETENBEELD_RETURN_IF_ERROR(CheckText(contact.email(), path.Field("email"), kOptionalName));
  return CheckEndpoints(contact, path.ToString());
}

absl::Status CheckIdentifiers(const v1::StandardIdentifiers& identifiers, const FieldPath& path) {
  for (const IdentifierScheme& scheme : kIdentifierSchemes) {
    KETENBEELD_RETURN_IF_ERROR(
        CheckDigits((identifiers.*scheme.value)(), scheme.min_digits, scheme.max_digits, path.Field(scheme.field)));
  }
  return absl::OkStatus();
}

absl::Status CheckDisruption(const Disruption& disruption, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::DisruptionType>(disruption.type(), path.Field("type"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::Severity>(disruption.severity(), path.Field("severity"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(CheckTimestamp(disruption.has_since(), disruption.since(), path.Field("since")));
  KETENBEELD_RETURN_IF_ERROR(
      CheckTimestamp(disruption.has_expected_end(), disruption.expected_end(), path.Field("expected_end")));
  if (disruption.has_since() && disruption.has_expected_end() &&
      Before(disruption.expected_end(), disruption.since())) {
    return Invalid(path.Field("expected_end"), "must not be before ", path.Field("since").ToString());
  }
  return CheckText(disruption.description(), path.Field("description"), kShortText);
}

// The optional counts of a Capacity, checked alike.
struct CapacityCount {
  absl::string_view name;
  bool (Capacity::*has)() const;
  int32_t (Capacity::*value)() const;
};
constexpr CapacityCount kCapacityCounts[] = {
    {"available", &Capacity::has_available, &Capacity::available},
    {"occupied", &Capacity::has_occupied, &Capacity::occupied},
    {"baseline", &Capacity::has_baseline, &Capacity::baseline},
    {"surge_24h", &Capacity::has_surge_24h, &Capacity::surge_24h},
    {"surge_72h", &Capacity::has_surge_72h, &Capacity::surge_72h},
};

absl::Status CheckCapacity(const Capacity& capacity, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::BedType>(capacity.type(), path.Field("type"), Presence::kRequired));
  for (const CapacityCount& count : kCapacityCounts) {
    KETENBEELD_RETURN_IF_ERROR(CheckCount((capacity.*count.has)(), (capacity.*count.value)(), path.Field(count.name)));
  }
  return absl::OkStatus();
}

absl::Status CheckStaffing(const Staffing& staffing, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::StaffingLevel>(staffing.level(), path.Field("level"), Presence::kOptional));
  KETENBEELD_RETURN_IF_ERROR(
      CheckCount(staffing.has_shortage_count(), staffing.shortage_count(), path.Field("shortage_count")));
  KETENBEELD_RETURN_IF_ERROR(
      CheckTimestamp(staffing.has_shortage_from(), staffing.shortage_from(), path.Field("shortage_from")));
  return CheckText(staffing.description(), path.Field("description"), kShortText);
}

// The optional non-negative quantities of a Supply (days_of_supply is output only and not among them).
struct SupplyQuantity {
  absl::string_view name;
  bool (Supply::*has)() const;
  double (Supply::*value)() const;
};
constexpr SupplyQuantity kSupplyQuantities[] = {
    {"stock", &Supply::has_stock, &Supply::stock},
    {"consumption_per_day", &Supply::has_consumption_per_day, &Supply::consumption_per_day},
    {"autonomy_hours", &Supply::has_autonomy_hours, &Supply::autonomy_hours},
};

absl::Status CheckSupply(const Supply& supply, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::SupplyType>(supply.type(), path.Field("type"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::SupplyState>(supply.state(), path.Field("state"), Presence::kOptional));
  for (const SupplyQuantity& quantity : kSupplyQuantities) {
    KETENBEELD_RETURN_IF_ERROR(
        CheckNonNegative((supply.*quantity.has)(), (supply.*quantity.value)(), path.Field(quantity.name)));
  }
  if (supply.has_resupply()) {
    const v1::Resupply& resupply = supply.resupply();
    const FieldPath resupply_path = path.Field("resupply");
    if (!resupply.has_expected_at()) return Invalid(resupply_path.Field("expected_at"), "is required");
    KETENBEELD_RETURN_IF_ERROR(CheckTimestamp(true, resupply.expected_at(), resupply_path.Field("expected_at")));
    if (resupply.has_quantity()) {
      KETENBEELD_RETURN_IF_ERROR(CheckNonNegative(true, resupply.quantity(), resupply_path.Field("quantity")));
      if (resupply.quantity() == 0) return Invalid(resupply_path.Field("quantity"), "must be > 0 when given");
    }
    KETENBEELD_RETURN_IF_ERROR(CheckText(resupply.supplier(), resupply_path.Field("supplier"), kOptionalName));
  }
  return CheckText(supply.unit(), path.Field("unit"), kUnit);
}

absl::Status CheckEmergencyDepartment(const EmergencyDepartment& department, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::EmergencyDepartmentState>(department.state(), path.Field("state"), Presence::kOptional));
  KETENBEELD_RETURN_IF_ERROR(CheckText(department.reason(), path.Field("reason"), kShortText));
  return CheckTimestamp(department.has_until(), department.until(), path.Field("until"));
}

// The optional counts of the capacity that is not beds: each a plain 0..100000 count, checked alike.
template <typename Message>
struct OptionalCount {
  absl::string_view name;
  bool (Message::*has)() const;
  int32_t (Message::*value)() const;
};

template <typename Message, size_t N>
absl::Status CheckOptionalCounts(const Message& message, const OptionalCount<Message> (&counts)[N],
                                 const FieldPath& path) {
  for (const OptionalCount<Message>& count : counts) {
    KETENBEELD_RETURN_IF_ERROR(CheckCount((message.*count.has)(), (message.*count.value)(), path.Field(count.name)));
  }
  return absl::OkStatus();
}

// A part that cannot exceed its whole (clients on home ventilation are among those on powered devices): refused
// when both are given and the part is larger, since one of them is a typing error that would skew a regional sum.
absl::Status CheckNotMore(bool has_part, int32_t part, bool has_whole, int32_t whole, const FieldPath& part_path,
                          const FieldPath& whole_path) {
  if (!has_part || !has_whole || part <= whole) return absl::OkStatus();
  return Invalid(part_path, "must not be more than ", whole_path.ToString(), " (", whole, "), got ", part);
}

constexpr OptionalCount<AmbulanceCapacity> kAmbulanceCounts[] = {
    {"ambulances_available", &AmbulanceCapacity::has_ambulances_available, &AmbulanceCapacity::ambulances_available},
    {"ambulances_deployed", &AmbulanceCapacity::has_ambulances_deployed, &AmbulanceCapacity::ambulances_deployed},
};
constexpr OptionalCount<GpPostCapacity> kGpPostCounts[] = {
    {"consultations_per_hour", &GpPostCapacity::has_consultations_per_hour, &GpPostCapacity::consultations_per_hour},
    {"slots_available", &GpPostCapacity::has_slots_available, &GpPostCapacity::slots_available},
};
constexpr OptionalCount<HomeCareCapacity> kHomeCareCounts[] = {
    {"clients_in_care", &HomeCareCapacity::has_clients_in_care, &HomeCareCapacity::clients_in_care},
    {"clients_on_powered_devices", &HomeCareCapacity::has_clients_on_powered_devices,
     &HomeCareCapacity::clients_on_powered_devices},
    {"clients_on_home_ventilation", &HomeCareCapacity::has_clients_on_home_ventilation,
     &HomeCareCapacity::clients_on_home_ventilation},
};
constexpr OptionalCount<PublicHealthCapacity> kPublicHealthCounts[] = {
    {"infection_control_teams_available", &PublicHealthCapacity::has_infection_control_teams_available,
     &PublicHealthCapacity::infection_control_teams_available},
    {"vaccination_teams_available", &PublicHealthCapacity::has_vaccination_teams_available,
     &PublicHealthCapacity::vaccination_teams_available},
    {"psychosocial_teams_available", &PublicHealthCapacity::has_psychosocial_teams_available,
     &PublicHealthCapacity::psychosocial_teams_available},
};

absl::Status CheckGpPost(const GpPostCapacity& gp_post, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::GpPostState>(gp_post.state(), path.Field("state"), Presence::kOptional));
  KETENBEELD_RETURN_IF_ERROR(CheckText(gp_post.reason(), path.Field("reason"), kShortText));
  return CheckOptionalCounts(gp_post, kGpPostCounts, path);
}

absl::Status CheckHomeCare(const HomeCareCapacity& home_care, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckOptionalCounts(home_care, kHomeCareCounts, path));
  KETENBEELD_RETURN_IF_ERROR(CheckNotMore(home_care.has_clients_on_powered_devices(),
                                          home_care.clients_on_powered_devices(), home_care.has_clients_in_care(),
                                          home_care.clients_in_care(), path.Field("clients_on_powered_devices"),
                                          path.Field("clients_in_care")));
  return CheckNotMore(home_care.has_clients_on_home_ventilation(), home_care.clients_on_home_ventilation(),
                      home_care.has_clients_on_powered_devices(), home_care.clients_on_powered_devices(),
                      path.Field("clients_on_home_ventilation"), path.Field("clients_on_powered_devices"));
}

absl::Status CheckIntakeStop(const IntakeStop& intake_stop, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::IntakeStopState>(intake_stop.state(), path.Field("state"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(CheckTimestamp(intake_stop.has_since(), intake_stop.since(), path.Field("since")));
  KETENBEELD_RETURN_IF_ERROR(CheckTimestamp(intake_stop.has_until(), intake_stop.until(), path.Field("until")));
  KETENBEELD_RETURN_IF_ERROR(CheckText(intake_stop.reason(), path.Field("reason"), kShortText));
  // Since, until and reason describe a stop; beside "no intake stop" they would be read as one.
  if (intake_stop.state() != v1::INTAKE_STOP_STATE_ACTIVE) {
    const char* given = intake_stop.has_since()         ? "since"
                        : intake_stop.has_until()       ? "until"
                        : !intake_stop.reason().empty() ? "reason"
                                                        : nullptr;
    if (given != nullptr) return Invalid(path.Field(given), "only with INTAKE_STOP_STATE_ACTIVE");
  }
  if (intake_stop.has_since() && intake_stop.has_until() && Before(intake_stop.until(), intake_stop.since())) {
    return Invalid(path.Field("until"), "must not be before ", path.Field("since").ToString());
  }
  return absl::OkStatus();
}

absl::Status CheckReporter(const Reporter& reporter, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckText(reporter.name(), path.Field("name"), kOptionalName));
  KETENBEELD_RETURN_IF_ERROR(CheckText(reporter.function(), path.Field("function"), kOptionalName));
  return CheckText(reporter.phone(), path.Field("phone"), kPhone);
}

}  // namespace

absl::Status ValidateId(std::string_view id, std::string_view field) {
  return CheckId(ToAbsl(id), FieldPath(ToAbsl(field)));
}

absl::Status ValidateOrganization(const Organization& organization, std::string_view field) {
  const FieldPath path(ToAbsl(field));
  KETENBEELD_RETURN_IF_ERROR(CheckId(organization.id(), path.Field("id")));
  KETENBEELD_RETURN_IF_ERROR(CheckText(organization.name(), path.Field("name"), kRequiredName));
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::OrganizationKind>(organization.kind(), path.Field("kind"), Presence::kRequired));
  // `sector` is output only: ignored.
  KETENBEELD_RETURN_IF_ERROR(
      CheckSafetyRegion(organization.safety_region(), path.Field("safety_region"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(CheckText(organization.roaz_region(), path.Field("roaz_region"), kRoazRegion));
  const FieldPath locations = path.Field("locations");
  if (organization.locations_size() > kMaxLocations) {
    return Invalid(locations, "at most ", kMaxLocations, " locations allowed, got ", organization.locations_size());
  }
  KETENBEELD_RETURN_IF_ERROR(CheckUniqueElements(
      organization.locations(), locations, "id", CheckLocation,
      [](const Location& location) { return absl::string_view(location.id()); },
      [](absl::string_view id) { return Quote(id); }));
  if (organization.has_contact()) {
    KETENBEELD_RETURN_IF_ERROR(CheckContact(organization.contact(), path.Field("contact")));
  }
  if (organization.has_identifiers()) {
    KETENBEELD_RETURN_IF_ERROR(CheckIdentifiers(organization.identifiers(), path.Field("identifiers")));
  }
  if (organization.has_reporting_interval()) {
    const google::protobuf::Duration& interval = organization.reporting_interval();
    const FieldPath interval_path = path.Field("reporting_interval");
    if (interval.nanos() < 0 || interval.nanos() > kMaxNanos) {
      return Invalid(interval_path.Field("nanos"), "must be between 0 and ", kMaxNanos, ", got ", interval.nanos());
    }
    constexpr int64_t kMinSeconds = 5 * 60;
    constexpr int64_t kMaxSeconds = 7 * 24 * 3600;
    if (interval.seconds() < kMinSeconds || interval.seconds() > kMaxSeconds ||
        (interval.seconds() == kMaxSeconds && interval.nanos() > 0)) {
      return Invalid(interval_path, "must be between 5 minutes and 7 days, got ", interval.seconds(), " s");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateStatusReport(const StatusReport& report, std::string_view field, StatusReportForm form) {
  const FieldPath path(ToAbsl(field));
  KETENBEELD_RETURN_IF_ERROR(CheckId(report.organization_id(), path.Field("organization_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckOptionalId(report.location_id(), path.Field("location_id")));
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::OverallStatus>(report.overall_status(), path.Field("overall_status"),
                                   form == StatusReportForm::kWhole ? Presence::kRequired : Presence::kOptional));
  KETENBEELD_RETURN_IF_ERROR(
      CheckUniqueTypes<v1::DisruptionType>(report.disruptions(), path.Field("disruptions"), CheckDisruption));
  KETENBEELD_RETURN_IF_ERROR(CheckUniqueTypes<v1::BedType>(report.capacity(), path.Field("capacity"), CheckCapacity));
  if (report.has_staffing()) KETENBEELD_RETURN_IF_ERROR(CheckStaffing(report.staffing(), path.Field("staffing")));
  KETENBEELD_RETURN_IF_ERROR(CheckUniqueTypes<v1::SupplyType>(report.supplies(), path.Field("supplies"), CheckSupply));
  if (report.has_emergency_department()) {
    KETENBEELD_RETURN_IF_ERROR(
        CheckEmergencyDepartment(report.emergency_department(), path.Field("emergency_department")));
  }
  KETENBEELD_RETURN_IF_ERROR(CheckText(report.free_text(), path.Field("free_text"), kFreeText));
  if (report.has_reporter()) KETENBEELD_RETURN_IF_ERROR(CheckReporter(report.reporter(), path.Field("reporter")));
  if (report.has_ambulance()) {
    KETENBEELD_RETURN_IF_ERROR(CheckOptionalCounts(report.ambulance(), kAmbulanceCounts, path.Field("ambulance")));
  }
  if (report.has_gp_post()) KETENBEELD_RETURN_IF_ERROR(CheckGpPost(report.gp_post(), path.Field("gp_post")));
  if (report.has_home_care()) KETENBEELD_RETURN_IF_ERROR(CheckHomeCare(report.home_care(), path.Field("home_care")));
  if (report.has_public_health()) {
    KETENBEELD_RETURN_IF_ERROR(
        CheckOptionalCounts(report.public_health(), kPublicHealthCounts, path.Field("public_health")));
  }
  if (report.has_intake_stop()) {
    KETENBEELD_RETURN_IF_ERROR(CheckIntakeStop(report.intake_stop(), path.Field("intake_stop")));
  }
  KETENBEELD_RETURN_IF_ERROR(CheckIndicatorValues(report.indicator_values(), path.Field("indicator_values")));
  // `commit_time` and `next_report_due` are output only: ignored.
  return absl::OkStatus();
}

absl::Status ValidateStatusReportFitsKind(const StatusReport& report, v1::OrganizationKind kind,
                                          std::string_view field) {
  const FieldPath path(ToAbsl(field));
  const bool long_term_care = kind == v1::ORGANIZATION_KIND_NURSING_HOME ||
                              kind == v1::ORGANIZATION_KIND_DISABILITY_CARE ||
                              kind == v1::ORGANIZATION_KIND_MENTAL_HEALTH || kind == v1::ORGANIZATION_KIND_HOME_CARE;
  struct Part {
    absl::string_view name;
    bool given;
    bool fits;
    absl::string_view for_whom;
  };
  const Part parts[] = {
      {"ambulance", report.has_ambulance(), kind == v1::ORGANIZATION_KIND_AMBULANCE_SERVICE, "ambulance services"},
      {"gp_post", report.has_gp_post(), kind == v1::ORGANIZATION_KIND_GP_POST, "GP posts"},
      {"home_care", report.has_home_care(), kind == v1::ORGANIZATION_KIND_HOME_CARE, "home care"},
      {"public_health", report.has_public_health(), kind == v1::ORGANIZATION_KIND_GGD, "a GGD"},
      {"intake_stop", report.has_intake_stop(), long_term_care,
       "long-term care (nursing home, disability care, mental health, home care)"},
  };
  for (const Part& part : parts) {
    if (part.given && !part.fits) {
      return Invalid(path.Field(part.name), "only for ", part.for_whom, "; the organisation is ",
                     EnumName<v1::OrganizationKind>(kind));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateFilter(const Filter& filter, std::string_view field) {
  const FieldPath path(ToAbsl(field));
  KETENBEELD_RETURN_IF_ERROR(CheckEnumList<v1::EntityKind>(filter.kinds(), path.Field("kinds")));
  const FieldPath organization_ids = path.Field("organization_ids");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(filter.organization_ids(), kMaxFilterValues, organization_ids));
  for (int i = 0; i < filter.organization_ids_size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(CheckId(filter.organization_ids(i), organization_ids.Index(i)));
  }
  const FieldPath safety_regions = path.Field("safety_regions");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(filter.safety_regions(), kMaxFilterValues, safety_regions));
  for (int i = 0; i < filter.safety_regions_size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(
        CheckSafetyRegion(filter.safety_regions(i), safety_regions.Index(i), Presence::kListElement));
  }
  KETENBEELD_RETURN_IF_ERROR(CheckEnumList<v1::Sector>(filter.sectors(), path.Field("sectors")));
  KETENBEELD_RETURN_IF_ERROR(CheckEnumList<v1::DisruptionType>(filter.disruptions(), path.Field("disruptions")));
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::Severity>(filter.min_severity(), path.Field("min_severity"), Presence::kOptional));
  if (filter.has_identifiers()) {
    KETENBEELD_RETURN_IF_ERROR(CheckIdentifiers(filter.identifiers(), path.Field("identifiers")));
  }
  // Whether the exercise exists is the service layer's check (it needs the picture).
  return CheckOptionalId(filter.exercise_id(), path.Field("exercise_id"));
}

}  // namespace ketenbeeld::domain
