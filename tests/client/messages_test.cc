// The CLI's texts in two languages (client/cli/messages.h): both tables hold every id, with the same placeholders,
// and the language is chosen from --lang or the locale. The help in Dutch is checked through the binary in
// cli_usage_test.cc.
#include "client/cli/messages.h"

#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld::cli {
namespace {

using ::testing::HasSubstr;

absl::flat_hash_map<std::string, std::string> ById(std::span<const Message> table) {
  absl::flat_hash_map<std::string, std::string> by_id;
  for (const Message& message : table) {
    EXPECT_TRUE(by_id.emplace(message.id, message.text).second) << "id twice in one table: " << message.id;
    EXPECT_FALSE(message.text.empty()) << message.id;
  }
  return by_id;
}

// The $N placeholders a text uses (absl::Substitute), e.g. {"$0", "$1"}.
std::set<std::string> Placeholders(const std::string& text) {
  std::set<std::string> found;
  for (size_t at = text.find('$'); at != std::string::npos && at + 1 < text.size(); at = text.find('$', at + 1)) {
    found.insert(text.substr(at, 2));
  }
  return found;
}

TEST(MessagesTest, EveryIdHasBothLanguagesWithTheSamePlaceholders) {
  const auto english = ById(EnglishMessages());
  const auto dutch = ById(DutchMessages());
  ASSERT_GT(english.size(), 100u);
  for (const auto& [id, text] : english) {
    const auto translated = dutch.find(id);
    if (translated == dutch.end()) {
      ADD_FAILURE() << "no Dutch text for " << id;
      continue;
    }
    EXPECT_EQ(Placeholders(text), Placeholders(translated->second)) << id;
  }
  for (const auto& [id, text] : dutch) EXPECT_TRUE(english.contains(id)) << "no English text for " << id;
}

TEST(MessagesTest, TheLocaleChoosesDutchOnlyWhenItSaysNl) {
  EXPECT_EQ(LanguageFromLocale(nullptr, nullptr, nullptr), Language::kEnglish);
  EXPECT_EQ(LanguageFromLocale(nullptr, nullptr, "C.UTF-8"), Language::kEnglish);
  EXPECT_EQ(LanguageFromLocale(nullptr, nullptr, "nl_NL.UTF-8"), Language::kDutch);
  EXPECT_EQ(LanguageFromLocale(nullptr, nullptr, "nl_BE"), Language::kDutch);
  // POSIX order: LC_ALL over LC_MESSAGES over LANG; an empty value counts as not set.
  EXPECT_EQ(LanguageFromLocale("en_GB.UTF-8", "nl_NL", "nl_NL"), Language::kEnglish);
  EXPECT_EQ(LanguageFromLocale("", "nl_NL.UTF-8", "en_US.UTF-8"), Language::kDutch);
  EXPECT_EQ(LanguageFromLocale(nullptr, "C", "nl_NL.UTF-8"), Language::kEnglish);
}

TEST(MessagesTest, TheLangFlagOverridesAndNamesItselfWhenWrong) {
  std::vector<std::string> storage = {"picture", "--lang", "nl", "--json", "--lang=en_GB"};
  std::vector<char*> arguments;
  for (std::string& argument : storage) arguments.push_back(argument.data());
  EXPECT_EQ(FindLanguageArgument(std::span<char* const>(arguments.data(), 3)), "nl");
  EXPECT_EQ(FindLanguageArgument(arguments), "en_GB") << "the last one given";
  EXPECT_EQ(FindLanguageArgument(std::span<char* const>(arguments.data(), 1)), std::nullopt);
  EXPECT_EQ(*ParseLanguageFlag("nl"), Language::kDutch);
  EXPECT_EQ(*ParseLanguageFlag("NL_nl"), Language::kDutch);
  EXPECT_EQ(*ParseLanguageFlag("en-GB"), Language::kEnglish);
  const absl::StatusOr<Language> wrong = ParseLanguageFlag("fr");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("--lang \"fr\""));
  EXPECT_EQ(ParseLanguageFlag("nlx").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MessagesTest, TextFollowsTheChosenLanguage) {
  SetLanguage(Language::kDutch);
  EXPECT_EQ(Text("help.status.report.ed_until").substr(0, 21), "Bij --ed diversion|cl");
  SetLanguage(Language::kEnglish);
  EXPECT_EQ(Text("error.not_found"), "not found");
  EXPECT_EQ(Text("no.such.id"), "no.such.id");
}

}  // namespace
}  // namespace ketenbeeld::cli
