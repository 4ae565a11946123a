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

namespace ketenbeeld::domain {
namespace {

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

#define KETENBEELD_RETURN_IF_ERROR(expr)                \
  do {                                                  \
    if (absl::Status status_ = (expr); !status_.ok()) { \
      return status_;                                   \
    }                                                   \
  } while (false)

// Debian's Abseil has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0); our API uses std::string_view.
absl::string_view ToAbsl(std::string_view text) { return absl::string_view(text.data(), text.size()); }

// ---------------------------------------------------------------------------------------------------------------
// Field paths

// The path of a field, e.g. "report.capacity[2].available", built as a chain of stack objects and turned into a
// string only when there is an error to report. A FieldPath refers to its parent: it must not outlive it (use child
// paths as temporaries or locals inside the parent's scope).
class FieldPath {
 public:
  explicit FieldPath(absl::string_view root) : name_(root) {}

  FieldPath Field(absl::string_view name) const { return FieldPath(this, name, -1); }
  FieldPath Index(int index) const { return FieldPath(this, {}, index); }

  std::string ToString() const {
    std::string path;
    AppendTo(path);
    return path;
  }

 private:
  FieldPath(const FieldPath* parent, absl::string_view name, int index) : parent_(parent), name_(name), index_(index) {}

  void AppendTo(std::string& path) const {
    if (parent_ != nullptr) parent_->AppendTo(path);
    if (index_ >= 0) {
      absl::StrAppend(&path, "[", index_, "]");
    } else {
      absl::StrAppend(&path, path.empty() ? "" : ".", name_);
    }
  }

  const FieldPath* parent_ = nullptr;
  absl::string_view name_;
  int index_ = -1;  // >= 0: this path is element `index_` of the parent (a repeated field).
};

template <typename... Parts>
absl::Status Invalid(const FieldPath& path, const Parts&... what) {
  return absl::InvalidArgumentError(absl::StrCat(path.ToString(), ": ", what...));
}

// Values quoted in messages are escaped (no control characters or invalid UTF-8 leak into logs) and cut short.
constexpr size_t kMaxQuotedBytes = 64;

std::string Quote(absl::string_view value) {
  if (value.size() <= kMaxQuotedBytes) return absl::StrCat("\"", absl::CHexEscape(value), "\"");
  return absl::StrCat("\"", absl::CHexEscape(value.substr(0, kMaxQuotedBytes)), "\"...");
}

// ---------------------------------------------------------------------------------------------------------------
// Identifiers and text

// What is wrong with `id` as an identifier, or empty when it is valid.
std::string IdProblem(absl::string_view id) {
  if (id.empty()) return "required";
  if (id.size() > static_cast<size_t>(kMaxIdLength)) {
    return absl::StrCat("must be at most ", kMaxIdLength, " characters, got ", id.size());
  }
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return absl::StrCat("must contain only lowercase letters a-z, digits and '-', got ", Quote(id));
    }
  }
  if (id.front() == '-' || id.back() == '-') return absl::StrCat("must not start or end with '-', got ", Quote(id));
  return {};
}

absl::Status CheckId(absl::string_view id, const FieldPath& path) {
  if (std::string problem = IdProblem(id); !problem.empty()) return Invalid(path, problem);
  return absl::OkStatus();
}

absl::Status CheckOptionalId(absl::string_view id, const FieldPath& path) {
  return id.empty() ? absl::OkStatus() : CheckId(id, path);
}

// Limits of one text field; lengths in Unicode code points.
struct TextRule {
  int min_chars;
  int max_chars;
  bool multiline;  // Free text: '\n' and '\t' allowed. Other control characters never are.
};

constexpr TextRule kRequiredName{1, kMaxNameLength, false};
constexpr TextRule kOptionalName{0, kMaxNameLength, false};
constexpr TextRule kAddress{0, 300, false};
constexpr TextRule kPhone{0, 40, false};
constexpr TextRule kRoazRegion{0, 64, false};
constexpr TextRule kUnit{0, 32, false};
constexpr TextRule kShortText{0, kMaxShortTextLength, true};
constexpr TextRule kFreeText{0, kMaxFreeTextLength, true};

// Decodes one UTF-8 sequence at `text[pos]`. Returns its length in bytes and sets `code_point`, or returns 0 for an
// invalid sequence (truncated, overlong, surrogate, beyond U+10FFFF).
size_t DecodeUtf8(absl::string_view text, size_t pos, uint32_t& code_point) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(pos);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  size_t length;
  uint32_t min_code_point;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, min_code_point = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, min_code_point = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, min_code_point = 0x10000;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(pos + i) & 0x3F);
  }
  if (code_point < min_code_point || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

absl::Status CheckText(absl::string_view text, const FieldPath& path, const TextRule& rule) {
  if (text.empty()) {
    return rule.min_chars > 0 ? Invalid(path, "required") : absl::OkStatus();
  }
  int chars = 0;
  for (size_t pos = 0; pos < text.size(); ++chars) {
    uint32_t code_point = 0;
    const size_t length = DecodeUtf8(text, pos, code_point);
    if (length == 0) return Invalid(path, "is not valid UTF-8 (at byte ", pos, ")");
    const bool allowed_control = rule.multiline && (code_point == '\n' || code_point == '\t');
    if ((code_point < 0x20 && !allowed_control) || code_point == 0x7F) {
      return Invalid(path, absl::StrFormat("must not contain control characters, got U+%04X at character %d",
                                           code_point, chars + 1));
    }
    pos += length;
  }
  if (chars < rule.min_chars) return Invalid(path, "must be at least ", rule.min_chars, " characters, got ", chars);
  if (chars > rule.max_chars) return Invalid(path, "must be at most ", rule.max_chars, " characters, got ", chars);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------------------------
// Enums, numbers, times

enum class Presence {
  kOptional,     // Unspecified (0) means "not reported".
  kRequired,     // Unspecified is missing.
  kListElement,  // A value in a list, where unspecified means nothing.
};

template <typename Enum>
const google::protobuf::EnumValueDescriptor* EnumValue(int number) {
  return google::protobuf::GetEnumDescriptor<Enum>()->FindValueByNumber(number);
}

template <typename Enum>
std::string EnumName(int number) {
  const google::protobuf::EnumValueDescriptor* value = EnumValue<Enum>(number);
  return value != nullptr ? value->name() : absl::StrCat(number);
}

// Proto3 enums are open: a peer built against a newer API can send numbers we do not know. Reject them.
template <typename Enum>
absl::Status CheckEnum(int number, const FieldPath& path, Presence presence) {
  if (EnumValue<Enum>(number) == nullptr) return Invalid(path, "unknown value ", number);
  if (number != 0) return absl::OkStatus();
  switch (presence) {
    case Presence::kOptional:
      return absl::OkStatus();
    case Presence::kRequired:
      return Invalid(path, "required");
    case Presence::kListElement:
      return Invalid(path, "must not be ", EnumName<Enum>(0));
  }
  return absl::OkStatus();
}

absl::Status CheckCount(bool present, int32_t value, const FieldPath& path) {
  if (!present || (value >= 0 && value <= kMaxCount)) return absl::OkStatus();
  return Invalid(path, "must be between 0 and ", kMaxCount, ", got ", value);
}

absl::Status CheckNonNegative(bool present, double value, const FieldPath& path) {
  if (!present) return absl::OkStatus();
  if (!std::isfinite(value)) return Invalid(path, "must be a finite number, got ", value);
  if (value < 0) return Invalid(path, "must be >= 0, got ", value);
  return absl::OkStatus();
}

absl::Status CheckInRange(double value, double min, double max, const FieldPath& path) {
  if (!std::isfinite(value)) return Invalid(path, "must be a finite number, got ", value);
  if (value < min || value > max) return Invalid(path, "must be between ", min, " and ", max, ", got ", value);
  return absl::OkStatus();
}

// google.protobuf.Timestamp's own range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
constexpr int32_t kMaxNanos = 999999999;

absl::Status CheckTimestamp(bool present, const Timestamp& timestamp, const FieldPath& path) {
  if (!present) return absl::OkStatus();
  if (timestamp.seconds() < kMinTimestampSeconds || timestamp.seconds() > kMaxTimestampSeconds) {
    return Invalid(path.Field("seconds"), "must be between ", kMinTimestampSeconds, " (0001-01-01) and ",
                   kMaxTimestampSeconds, " (9999-12-31), got ", timestamp.seconds());
  }
  if (timestamp.nanos() < 0 || timestamp.nanos() > kMaxNanos) {
    return Invalid(path.Field("nanos"), "must be between 0 and ", kMaxNanos, ", got ", timestamp.nanos());
  }
  return absl::OkStatus();
}

bool Before(const Timestamp& a, const Timestamp& b) {
  return a.seconds() < b.seconds() || (a.seconds() == b.seconds() && a.nanos() < b.nanos());
}

// "VR01".."VR25".
bool IsSafetyRegion(absl::string_view code) {
  if (code.size() != 4 || code.substr(0, 2) != "VR") return false;
  if (code[2] < '0' || code[2] > '9' || code[3] < '0' || code[3] > '9') return false;
  const int number = (code[2] - '0') * 10 + (code[3] - '0');
  return number >= 1 && number <= 25;
}

absl::Status CheckSafetyRegion(absl::string_view code, const FieldPath& path, Presence presence) {
  if (code.empty() && presence == Presence::kRequired) return Invalid(path, "required");
  if (!IsSafetyRegion(code)) return Invalid(path, "must be VR01..VR25, got ", Quote(code));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------------------------
// Repeated fields

template <typename List>
absl::Status CheckSize(const List& list, int max_size, const FieldPath& path) {
  if (list.size() <= max_size) return absl::OkStatus();
  return Invalid(path, "at most ", max_size, " values allowed, got ", list.size());
}

// Validates every element of a repeated message field with `check(element, element_path)`, then that the key
// `key_of(element)` (an enum number or an id) occurs once; a duplicate names both elements:
//   report.disruptions[3].type: DISRUPTION_TYPE_STAFF_SHORTAGE appears twice (also at report.disruptions[1])
template <typename Element, typename CheckFn, typename KeyFn, typename DescribeFn>
absl::Status CheckUniqueElements(const RepeatedPtrField<Element>& elements, const FieldPath& path,
                                 absl::string_view key_field, CheckFn check, KeyFn key_of, DescribeFn describe) {
  absl::flat_hash_map<decltype(key_of(elements.Get(0))), int> first_index;
  for (int i = 0; i < elements.size(); ++i) {
    const FieldPath element_path = path.Index(i);
    KETENBEELD_RETURN_IF_ERROR(check(elements.Get(i), element_path));
    const auto key = key_of(elements.Get(i));
    const auto [it, inserted] = first_index.try_emplace(key, i);
    if (!inserted) {
      return Invalid(element_path.Field(key_field), describe(key), " appears twice (also at ",
                     path.Index(it->second).ToString(), ")");
    }
  }
  return absl::OkStatus();
}

// For repeated messages keyed by their `type` enum.
template <typename Enum, typename Element, typename CheckFn>
absl::Status CheckUniqueTypes(const RepeatedPtrField<Element>& elements, const FieldPath& path, CheckFn check) {
  return CheckUniqueElements(
      elements, path, "type", check, [](const Element& element) { return static_cast<int>(element.type()); },
      [](int type) { return EnumName<Enum>(type); });
}

template <typename Enum>
absl::Status CheckEnumList(const RepeatedField<int>& values, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckSize(values, kMaxFilterValues, path));
  for (int i = 0; i < values.size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(CheckEnum<Enum>(values.Get(i), path.Index(i), Presence::kListElement));
  }
  return absl::OkStatus();
}

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
  return absl::OkStatus();
}

absl::Status ValidateStatusReport(const StatusReport& report, std::string_view field) {
  const FieldPath path(ToAbsl(field));
  KETENBEELD_RETURN_IF_ERROR(CheckId(report.organization_id(), path.Field("organization_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckOptionalId(report.location_id(), path.Field("location_id")));
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::OverallStatus>(report.overall_status(), path.Field("overall_status"), Presence::kRequired));
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
  return CheckEnum<v1::Severity>(filter.min_severity(), path.Field("min_severity"), Presence::kOptional);
}

#undef KETENBEELD_RETURN_IF_ERROR

}  // namespace ketenbeeld::domain
