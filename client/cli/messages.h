// The CLI's texts in Dutch and English: help, and the messages a person at a terminal acts on.
//
// Every text has an id ("help.status.report.org", "error.unavailable") and one entry in each language's table
// (messages_en.cc, messages_nl.cc): a translator works in one file, and a test (tests/client/messages_test.cc) checks
// that both tables hold the same ids with the same $N placeholders (absl::Substitute). Words of the API (enum words
// such as `diversion`, flag names, record names) stay as they are in both: they are what the user types.
//
// Which language: `--lang nl|en` on the command line; else the locale, POSIX's order LC_ALL, LC_MESSAGES, LANG (a
// value starting with "nl" is Dutch: nl_NL.UTF-8, nl_BE, nl); else English. English is the default because the
// CLI's users are both the GHOR's crisis staff, whose machines run a Dutch locale and so get Dutch, and integrators
// and operators (often on servers with LANG=C.UTF-8), who read English; the API's own words are English either way
// (docs/architecture.md, "Languages").
//
// Thread safety: SetLanguage() once in main, before any Text() and before any thread starts; Text() then from any
// thread.
#ifndef KETENBEELD_CLIENT_CLI_MESSAGES_H_
#define KETENBEELD_CLIENT_CLI_MESSAGES_H_

#include <optional>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ketenbeeld::cli {

enum class Language { kEnglish, kDutch };

// One entry of a language's table.
struct Message {
  absl::string_view id;
  absl::string_view text;
};

// The tables (messages_en.cc, messages_nl.cc), in any order; each id once.
std::span<const Message> EnglishMessages();
std::span<const Message> DutchMessages();

// The language of the locale: LC_ALL, else LC_MESSAGES, else LANG (null or empty: not set) starting with "nl" is
// Dutch; anything else (unset, C, POSIX, en_GB, de_DE, ...) is English.
Language LanguageFromLocale(const char* lc_all, const char* lc_messages, const char* lang);

// The language a `--lang` value names: "nl" or "en" (also "nl_NL", "en-GB" and the like). InvalidArgument naming
// the flag and the value otherwise.
absl::StatusOr<Language> ParseLanguageFlag(absl::string_view value);

// `--lang VALUE` or `--lang=VALUE` among the arguments (the last one given), before CLI11 parses them: the help
// texts are chosen when the commands are built. nullopt when not given; the value is checked by ParseLanguageFlag.
std::optional<std::string> FindLanguageArgument(std::span<char* const> arguments);

// The language of Text() from now on (English until called).
void SetLanguage(Language language);
Language CurrentLanguage();

// The text of `id` in the current language; placeholders $0, $1, ... are filled with absl::Substitute by the caller.
// An id that is in no table returns the id itself (the tests keep that from happening).
absl::string_view Text(absl::string_view id);

// The same as a std::string, as CLI11 takes its help texts.
inline std::string Tr(absl::string_view id) { return std::string(Text(id)); }

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_MESSAGES_H_
