// Reusable field checks for input validation: field paths that become "report.capacity[2].available" only on error,
// and one checker per kind of rule (identifiers, text, enums, counts, numbers, timestamps, regions, lists,
// uniqueness). Every validator of the domain (validation.h, workflow_validation.h) is built from these.
#ifndef KETENBEELD_SERVER_DOMAIN_FIELD_CHECKS_H_
#define KETENBEELD_SERVER_DOMAIN_FIELD_CHECKS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/domain/validation.h"

namespace ketenbeeld::domain::checks {

using ::google::protobuf::RepeatedField;
using ::google::protobuf::RepeatedPtrField;
using ::google::protobuf::Timestamp;

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
inline constexpr size_t kMaxQuotedBytes = 64;

std::string Quote(absl::string_view value);

// ---------------------------------------------------------------------------------------------------------------
// Identifiers and text

// What is wrong with `id` as an identifier, or empty when it is valid.
std::string IdProblem(absl::string_view id);

absl::Status CheckId(absl::string_view id, const FieldPath& path);

absl::Status CheckOptionalId(absl::string_view id, const FieldPath& path);

// A number written as a string of ASCII digits, leading zeros significant (a register's identifier): empty (not
// given) or between `min_digits` and `max_digits` digits, nothing else. INVALID_ARGUMENT naming `path` otherwise;
// the message says what was expected ("must be exactly 8 digits 0-9, got ...").
absl::Status CheckDigits(absl::string_view value, int min_digits, int max_digits, const FieldPath& path);

// Limits of one text field; lengths in Unicode code points.
struct TextRule {
  int min_chars;
  int max_chars;
  bool multiline;  // Free text: '\n', '\r' (Windows line ends) and '\t' allowed. Other control characters never are.
};

inline constexpr TextRule kRequiredName{1, kMaxNameLength, false};
inline constexpr TextRule kOptionalName{0, kMaxNameLength, false};
inline constexpr TextRule kAddress{0, 300, false};
inline constexpr TextRule kPhone{0, 40, false};
inline constexpr TextRule kRoazRegion{0, 64, false};
inline constexpr TextRule kUnit{0, 32, false};
inline constexpr TextRule kShortText{0, kMaxShortTextLength, true};
inline constexpr TextRule kFreeText{0, kMaxFreeTextLength, true};

// INVALID_ARGUMENT naming `path` unless `text` is valid UTF-8 (no overlong forms, surrogates or code points beyond
// U+10FFFF), has no control characters (but '\n', '\r' and '\t' when rule.multiline) and no DEL, and has between
// rule.min_chars and rule.max_chars code points. Printable ASCII is checked 8 bytes at a time.
absl::Status CheckText(absl::string_view text, const FieldPath& path, const TextRule& rule);

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

absl::Status CheckCount(bool present, int32_t value, const FieldPath& path);

absl::Status CheckNonNegative(bool present, double value, const FieldPath& path);

absl::Status CheckInRange(double value, double min, double max, const FieldPath& path);

// google.protobuf.Timestamp's own range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;
inline constexpr int32_t kMaxNanos = 999999999;

absl::Status CheckTimestamp(bool present, const Timestamp& timestamp, const FieldPath& path);

bool Before(const Timestamp& a, const Timestamp& b);

// "VR01".."VR25".
bool IsSafetyRegion(absl::string_view code);

absl::Status CheckSafetyRegion(absl::string_view code, const FieldPath& path, Presence presence);

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

}  // namespace ketenbeeld::domain::checks

#endif  // KETENBEELD_SERVER_DOMAIN_FIELD_CHECKS_H_
