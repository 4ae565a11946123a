// Enum <-> CLI word conversion, derived from the protobuf enum descriptors so every value of the API has a word
// without a hand-written table: the enum's prefix is stripped, the rest lowercased and '_' becomes '-'
// (BED_TYPE_IC_ADULT -> "ic-adult", ORGANIZATION_KIND_HOSPITAL -> "hospital").
//
// Thread safety: all functions are pure (descriptors are immutable) and may be called concurrently.
#ifndef KETENBEELD_CLIENT_CLI_ENUM_WORDS_H_
#define KETENBEELD_CLIENT_CLI_ENUM_WORDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace ketenbeeld::cli {

// The prefix shared by the enum's value names, derived from the enum's name: "BedType" -> "BED_TYPE_".
std::string EnumValuePrefix(const google::protobuf::EnumDescriptor& descriptor);

// A human name of the enum for messages: "BedType" -> "bed type".
std::string EnumHumanName(const google::protobuf::EnumDescriptor& descriptor);

// The CLI word of one value: "ic-adult". The *_UNSPECIFIED value maps to "unspecified".
std::string EnumWord(const google::protobuf::EnumValueDescriptor& value);

// The CLI word of `number` in `descriptor`, or "unknown(N)" for a number the descriptor does not know (a newer
// server may send values this client was not built with).
std::string EnumWord(const google::protobuf::EnumDescriptor& descriptor, int number);

template <typename Enum>
std::string EnumWord(Enum value) {
  return EnumWord(*google::protobuf::GetEnumDescriptor<Enum>(), static_cast<int>(value));
}

// The words a user may type, in declaration order, without "unspecified".
std::vector<std::string> EnumWords(const google::protobuf::EnumDescriptor& descriptor);

// Parses a word (case-insensitive; '_' and '-' are interchangeable; the full value name such as
// "BED_TYPE_IC_ADULT" is accepted too) into the enum's number.
// Returns InvalidArgument for an unknown word or for "unspecified", with a message that lists the valid words:
//   unknown bed type "ic-adlt" (valid: ic-adult, ic-paediatric, ...)
absl::StatusOr<int> ParseEnumWord(const google::protobuf::EnumDescriptor& descriptor, absl::string_view word);

template <typename Enum>
absl::StatusOr<Enum> ParseEnumWord(absl::string_view word) {
  absl::StatusOr<int> number = ParseEnumWord(*google::protobuf::GetEnumDescriptor<Enum>(), word);
  if (!number.ok()) return number.status();
  return static_cast<Enum>(*number);
}

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_ENUM_WORDS_H_
