#include "client/cli/enum_words.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace ketenbeeld::cli {
namespace {

// "BedType" -> {"Bed", "Type"}.
std::vector<std::string> CamelCaseWords(absl::string_view name) {
  std::vector<std::string> words;
  for (char c : name) {
    if (std::isupper(static_cast<unsigned char>(c)) || words.empty()) words.emplace_back();
    words.back().push_back(c);
  }
  return words;
}

std::string Normalize(absl::string_view word) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(absl::StripAsciiWhitespace(word)), {{"_", "-"}});
}

}  // namespace

std::string EnumValuePrefix(const google::protobuf::EnumDescriptor& descriptor) {
  std::string prefix;
  for (const std::string& word : CamelCaseWords(descriptor.name())) {
    absl::StrAppend(&prefix, absl::AsciiStrToUpper(word), "_");
  }
  return prefix;
}

std::string EnumHumanName(const google::protobuf::EnumDescriptor& descriptor) {
  return absl::AsciiStrToLower(absl::StrJoin(CamelCaseWords(descriptor.name()), " "));
}

std::string EnumWord(const google::protobuf::EnumValueDescriptor& value) {
  absl::string_view name = value.name();
  const std::string prefix = EnumValuePrefix(*value.type());
  if (absl::StartsWith(name, prefix) && name.size() > prefix.size()) name.remove_prefix(prefix.size());
  return Normalize(name);
}

std::string EnumWord(const google::protobuf::EnumDescriptor& descriptor, int number) {
  const google::protobuf::EnumValueDescriptor* value = descriptor.FindValueByNumber(number);
  if (value == nullptr) return absl::StrCat("unknown(", number, ")");
  return EnumWord(*value);
}

std::vector<std::string> EnumWords(const google::protobuf::EnumDescriptor& descriptor) {
  std::vector<std::string> words;
  for (int i = 0; i < descriptor.value_count(); ++i) {
    if (descriptor.value(i)->number() == 0) continue;  // *_UNSPECIFIED: never a valid input.
    words.push_back(EnumWord(*descriptor.value(i)));
  }
  return words;
}

absl::StatusOr<int> ParseEnumWord(const google::protobuf::EnumDescriptor& descriptor, absl::string_view word) {
  const std::string wanted = Normalize(word);
  const std::string full_prefix = Normalize(EnumValuePrefix(descriptor));
  for (int i = 0; i < descriptor.value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor& value = *descriptor.value(i);
    if (value.number() == 0) continue;
    const std::string value_word = EnumWord(value);
    if (wanted == value_word || wanted == full_prefix + value_word) return value.number();
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown ", EnumHumanName(descriptor), " \"", word,
                                                 "\" (valid: ", absl::StrJoin(EnumWords(descriptor), ", "), ")"));
}

}  // namespace ketenbeeld::cli
