#include "client/cli/messages.h"

#include <atomic>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ketenbeeld::cli {
namespace {

std::atomic<Language> current_language{Language::kEnglish};

using Table = absl::flat_hash_map<absl::string_view, absl::string_view>;

const Table& Index(Language language) {
  static const Table* const english = [] {
    auto* table = new Table;
    for (const Message& message : EnglishMessages()) table->emplace(message.id, message.text);
    return table;
  }();
  static const Table* const dutch = [] {
    auto* table = new Table;
    for (const Message& message : DutchMessages()) table->emplace(message.id, message.text);
    return table;
  }();
  return language == Language::kDutch ? *dutch : *english;
}

}  // namespace

Language LanguageFromLocale(const char* lc_all, const char* lc_messages, const char* lang) {
  for (const char* value : {lc_all, lc_messages, lang}) {
    if (value == nullptr || *value == '\0') continue;
    return absl::StartsWithIgnoreCase(value, "nl") ? Language::kDutch : Language::kEnglish;
  }
  return Language::kEnglish;
}

absl::StatusOr<Language> ParseLanguageFlag(absl::string_view value) {
  const std::string lower = absl::AsciiStrToLower(value);
  auto names = [&lower](absl::string_view code) {
    return lower == code || absl::StartsWith(lower, absl::StrCat(code, "_")) ||
           absl::StartsWith(lower, absl::StrCat(code, "-"));
  };
  if (names("nl")) return Language::kDutch;
  if (names("en")) return Language::kEnglish;
  return absl::InvalidArgumentError(absl::StrCat("--lang \"", value, "\": expected nl (Nederlands) or en (English)"));
}

std::optional<std::string> FindLanguageArgument(std::span<char* const> arguments) {
  std::optional<std::string> found;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const absl::string_view argument = arguments[i];
    if (argument == "--") break;
    if (argument == "--lang" && i + 1 < arguments.size()) {
      found = arguments[++i];
    } else if (absl::StartsWith(argument, "--lang=")) {
      found = std::string(argument.substr(7));
    }
  }
  return found;
}

void SetLanguage(Language language) { current_language.store(language); }

Language CurrentLanguage() { return current_language.load(); }

absl::string_view Text(absl::string_view id) {
  const Table& table = Index(CurrentLanguage());
  if (const auto found = table.find(id); found != table.end()) return found->second;
  return id;
}

}  // namespace ketenbeeld::cli
