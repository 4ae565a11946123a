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
#include "server/domain/field_checks.h"
#include "server/domain/identifiers.h"

namespace ketenbeeld::domain {
namespace {

using namespace checks;  // NOLINT(google-build-using-namespace): the checkers are this file's vocabulary.

using ::google::protobuf::RepeatedField;
using ::google::protobuf::RepeatedPtrField;
using ::google::protobuf::Timestamp;
using ::ketenbeeld::v1::Capacity;
using ::ketenbeeld::v1::Contact;
using ::ketenbeeld::v1::Coordinates;
using ::ketenbeeld::v1::Disruption;
using ::ketenbeeld::v1::EmergencyDepartment;
using ::ketenbeeld::v1::Filter;
using ::ketenbeeld::v1::Location;
using ::ketenbeeld::v1::Organization;
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
  return absl::OkStatus();
}

absl::Status CheckContact(const Contact& contact, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckText(contact.name(), path.Field("name"), kOptionalName));
  KETENBEELD_RETURN_IF_ERROR(CheckText(contact.phone(), path.Field("phone"), kPhone));
  return CheckText(contact.email(), path.Field("email"), kOptionalName);
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
  return CheckText(supply.unit(), path.Field("unit"), kUnit);
}

absl::Status CheckEmergencyDepartment(const EmergencyDepartment& department, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::EmergencyDepartmentState>(department.state(), path.Field("state"), Presence::kOptional));
  KETENBEELD_RETURN_IF_ERROR(CheckText(department.reason(), path.Field("reason"), kShortText));
  return CheckTimestamp(department.has_until(), department.until(), path.Field("until"));
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
  // `commit_time` and `next_report_due` are output only: ignored.
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
  return absl::OkStatus();
}

#undef KETENBEELD_RETURN_IF_ERROR

}  // namespace ketenbeeld::domain
