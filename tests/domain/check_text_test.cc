// CheckText's 8-byte ASCII fast path gives the same answers as the
// byte-by-byte decoder at every position inside and across 8-byte words.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/domain/field_checks.h"

namespace ketenbeeld::domain::checks {
namespace {

constexpr TextRule kLine{0, 1000, false};
constexpr TextRule kMultiline{0, 1000, true};

absl::Status Check(const std::string& text, const TextRule& rule = kLine) {
  return CheckText(text, FieldPath("f"), rule);
}

TEST(CheckTextFastPathTest, ControlCharacterAndDelAreFoundAtEveryPositionOfAWord) {
  for (size_t position = 0; position < 24; ++position) {
    for (char bad : {'\x01', '\x1f', '\x7f', '\n'}) {
      std::string text(24, 'a');
      text[position] = bad;
      const absl::Status status = Check(text);
      ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << position;
      EXPECT_NE(status.message().find(absl::StrCat("at character ", position + 1)), absl::string_view::npos)
          << status.message();
    }
  }
}

TEST(CheckTextFastPathTest, MultilineAllowsLineBreaksAndTabsInsideWords) {
  EXPECT_TRUE(Check("first line\r\nsecond\tline, long enough for words", kMultiline).ok());
}

TEST(CheckTextFastPathTest, CountsCodePointsNotBytesAcrossWords) {
  // 7 ASCII + "é" (2 bytes) straddles the first word; 10 characters, 11 bytes.
  const std::string text = "abcdefg\xc3\xa9hi";
  EXPECT_TRUE(CheckText(text, FieldPath("f"), TextRule{10, 10, false}).ok());
  const absl::Status too_long = CheckText(text, FieldPath("f"), TextRule{0, 9, false});
  EXPECT_EQ(too_long.message(), "f: must be at most 9 characters, got 10");
}

TEST(CheckTextFastPathTest, InvalidUtf8AfterAsciiWordsReportsItsByte) {
  const absl::Status status = Check(std::string(16, 'x') + "\xc3(");
  EXPECT_EQ(status.message(), "f: is not valid UTF-8 (at byte 16)");
}

}  // namespace
}  // namespace ketenbeeld::domain::checks
