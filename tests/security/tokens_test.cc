// The tokens file: parsing (format, errors naming FILE:LINE), hashing and lookup, the Bearer header.
#include "server/security/tokens.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld::security {
namespace {

using ::testing::HasSubstr;

TEST(TokenHash, IsLowercaseHexSha256) {
  // FIPS 180-2 test vector.
  EXPECT_EQ(TokenHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenTable, ParsesLinesSkipsCommentsAndBlankLinesAndFindsByToken) {
  const std::string valid = absl::StrCat(
      "# tokens of VR10\n\nsha256:", TokenHash("secret-one"),
      " meldkamer-vr10 dispatch Meldkamer koppeling\r\n   \nsha256:", absl::AsciiStrToUpper(TokenHash("secret-two")),
      "\tzh-noord  institution dashboard\n");
  absl::StatusOr<TokenTable> table = TokenTable::Parse(valid, "tokens");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 2u);

  const Identity* dispatch = table->Find("secret-one");
  ASSERT_NE(dispatch, nullptr);
  EXPECT_EQ(dispatch->organization_id, "meldkamer-vr10");
  EXPECT_EQ(dispatch->role, v1::ROLE_DISPATCH);
  EXPECT_EQ(dispatch->subject, "token:Meldkamer koppeling");  // The name keeps its spaces, not the CR.
  EXPECT_EQ(dispatch->credential, Credential::kToken);

  const Identity* hospital = table->Find("secret-two");  // Uppercase hex in the file is accepted.
  ASSERT_NE(hospital, nullptr);
  EXPECT_EQ(hospital->organization_id, "zh-noord");
  EXPECT_EQ(hospital->role, v1::ROLE_INSTITUTION);
  // The credential is remembered by its hash (lowercase), for revalidation of open streams.
  EXPECT_EQ(hospital->credential_id, TokenHash("secret-two"));
  EXPECT_EQ(table->FindByHash(TokenHash("secret-two")), hospital);
  EXPECT_EQ(table->FindByHash("secret-two"), nullptr);

  EXPECT_EQ(table->Find("secret-on"), nullptr);
  EXPECT_EQ(table->Find(""), nullptr);
  EXPECT_EQ(table->Find(TokenHash("secret-one")), nullptr) << "the hash itself is not a token";
}

// "bestuur" and "operator" are the role words; tokens files written before the rename say "administration" and
// "admin", and those lines keep their roles (and no more).
TEST(TokenTable, RoleWordsOldAndNew) {
  const std::string contents = absl::StrCat(                             //
      "sha256:", TokenHash("t1"), " bestuur-vr10 bestuur board\n",       //
      "sha256:", TokenHash("t2"), " beheer operator ops\n",              //
      "sha256:", TokenHash("t3"), " bestuur-vr10 administration old\n",  //
      "sha256:", TokenHash("t4"), " beheer admin old ops\n");
  absl::StatusOr<TokenTable> table = TokenTable::Parse(contents, "tokens");
  ASSERT_TRUE(table.ok()) << table.status();
  const std::pair<const char*, v1::Role> expected[] = {
      {"t1", v1::ROLE_BESTUUR}, {"t2", v1::ROLE_OPERATOR}, {"t3", v1::ROLE_BESTUUR}, {"t4", v1::ROLE_OPERATOR}};
  for (const auto& [token, role] : expected) {
    const Identity* identity = table->Find(token);
    ASSERT_NE(identity, nullptr) << token;
    EXPECT_EQ(identity->role, role) << token;
  }
  // The error lists the current words only.
  EXPECT_THAT(ParseRole("administrator", "role").status().message(),
              HasSubstr("expected institution, ghor, dispatch, bestuur, operator or federation"));
}

TEST(TokenTable, EmptyFileHasNoTokens) {
  absl::StatusOr<TokenTable> table = TokenTable::Parse("# nobody yet\n", "tokens");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->size(), 0u);
}

struct BadLine {
  std::string name;
  std::string line;
  std::string message;
};

class TokenTableBadLine : public ::testing::TestWithParam<BadLine> {};

TEST_P(TokenTableBadLine, IsInvalidArgumentNamingFileAndLine) {
  const std::string contents =
      absl::StrCat("# first\nsha256:", TokenHash("fine"), " zh-noord institution ok\n", GetParam().line, "\n");
  absl::StatusOr<TokenTable> table = TokenTable::Parse(contents, "/etc/ketenbeeld/tokens");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(table.status().message(), HasSubstr("/etc/ketenbeeld/tokens:3: "));
  EXPECT_THAT(table.status().message(), HasSubstr(GetParam().message));
}

std::vector<BadLine> BadLines() {
  const std::string hash = TokenHash("another");
  return {
      {"MissingName", "sha256:" + hash + " zh-noord institution", "expected \"sha256:<64 hex digits>"},
      {"WrongHashPrefix", "md5:" + hash + " zh-noord institution x", "must start with \"sha256:\""},
      {"UppercasePrefix", "SHA256:" + hash + " zh-noord institution x", "must start with \"sha256:\""},
      {"ShortHash", "sha256:" + hash.substr(1) + " zh-noord institution x", "64 hex digits, got 63"},
      {"NotHex", "sha256:" + std::string(64, 'g') + " zh-noord institution x", "64 hex digits"},
      {"BadOrganization", "sha256:" + hash + " Zh_Noord institution x", "organization id must contain only"},
      {"UnknownRole", "sha256:" + hash + " zh-noord nurse x", "unknown role \"nurse\""},
      {"DuplicateToken", "sha256:" + TokenHash("fine") + " zh-kust ghor y",
       "the same token is already listed for token:ok"},
  };
}

INSTANTIATE_TEST_SUITE_P(Lines, TokenTableBadLine, ::testing::ValuesIn(BadLines()),
                         [](const ::testing::TestParamInfo<BadLine>& info) { return info.param.name; });

TEST(TokenTable, ReadFileNamesAMissingFile) {
  absl::StatusOr<TokenTable> table = TokenTable::ReadFile("/nonexistent/ketenbeeld-tokens");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(table.status().message(), HasSubstr("/nonexistent/ketenbeeld-tokens: cannot read the tokens file"));
}

TEST(BearerToken, AcceptsTheBearerSchemeCaseInsensitively) {
  EXPECT_EQ(*BearerToken("Bearer abc.def"), "abc.def");
  EXPECT_EQ(*BearerToken("bearer   abc"), "abc");
  EXPECT_EQ(*BearerToken(" BEARER abc "), "abc");
}

TEST(BearerToken, RefusesOtherSchemesAndEmptyTokens) {
  EXPECT_EQ(BearerToken("Basic dXNlcjpwYXNz").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BearerToken("abc").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BearerToken("Bearer ").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BearerToken("Bearerabc").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BearerToken("").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ketenbeeld::security
