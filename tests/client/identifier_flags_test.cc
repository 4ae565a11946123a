// The CLI and standard identifiers: --agb/--ura/--kvk-branch/--lrza set them on `org register` and find an
// organisation with `org show` and `org list`; they are printed in summaries; ALREADY_EXISTS reads as "already
// taken" with the server's field; `org show` wants an ID or an identifier, not both (checked by the binary, before
// any connection).
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/flags.h"
#include "client/cli/format.h"
#include "client/cli/status_message.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld::cli {
namespace identifier_flags_test {

using ::testing::HasSubstr;

TEST(IdentifierFlagsTest, RegisterFlagsSetAndClearIdentifiers) {
  v1::Organization organization;
  organization.mutable_identifiers()->set_lrza("77");
  OrganizationFlags flags;
  flags.identifiers.agb = "06010210";
  flags.identifiers.kvk_branch = "000012345678";
  ASSERT_TRUE(ApplyOrganizationFlags(flags, &organization).ok());
  EXPECT_EQ(organization.identifiers().agb(), "06010210");
  EXPECT_EQ(organization.identifiers().kvk_branch_number(), "000012345678");
  EXPECT_EQ(organization.identifiers().lrza(), "77") << "an identifier not given is kept (e.g. from --file)";

  OrganizationFlags clear;
  clear.identifiers.agb = "";
  ASSERT_TRUE(ApplyOrganizationFlags(clear, &organization).ok());
  EXPECT_EQ(organization.identifiers().agb(), "");
  EXPECT_EQ(organization.identifiers().kvk_branch_number(), "000012345678");

  v1::Organization untouched;
  ASSERT_TRUE(ApplyOrganizationFlags(OrganizationFlags(), &untouched).ok());
  EXPECT_FALSE(untouched.has_identifiers());
}

TEST(IdentifierFlagsTest, LookupFlagsMakeAFilter) {
  IdentifierFlags flags;
  EXPECT_FALSE(AnyIdentifierFlag(flags));
  flags.ura = "00015823";
  EXPECT_TRUE(AnyIdentifierFlag(flags));
  v1::Filter filter;
  EXPECT_TRUE(IsEmptyFilter(filter));
  ApplyIdentifierFlags(flags, filter.mutable_identifiers());
  EXPECT_EQ(filter.identifiers().ura(), "00015823");
  EXPECT_FALSE(IsEmptyFilter(filter)) << "a feed filtered on an identifier does not carry every revision";
}

TEST(IdentifierFlagsTest, IdentifiersArePrintedInRegisterOrder) {
  v1::StandardIdentifiers identifiers;
  EXPECT_EQ(IdentifiersText(identifiers), "");
  identifiers.set_lrza("77");
  identifiers.set_agb("06010210");
  identifiers.set_kvk_branch_number("000012345678");
  identifiers.set_ura("00015823");
  EXPECT_EQ(IdentifiersText(identifiers), "AGB 06010210, URA 00015823, KVK branch 000012345678, LRZa 77");

  v1::Record record;
  v1::Organization& organization = *record.mutable_organization();
  organization.set_kind(v1::ORGANIZATION_KIND_HOSPITAL);
  organization.set_safety_region("VR02");
  organization.set_name("MCL");
  EXPECT_EQ(RecordSummary(record), "hospital  VR02  MCL");
  organization.mutable_identifiers()->set_agb("06010210");
  EXPECT_EQ(RecordSummary(record), "hospital  VR02  MCL  AGB 06010210");
}

TEST(IdentifierFlagsTest, AlreadyExistsLeadsWithTheServersField) {
  EXPECT_EQ(UserMessage(grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                                     "organization.identifiers.agb: AGB \"06010210\" is already held by organisation "
                                     "\"zh-noord\""),
                        "h:1"),
            "already taken: organization.identifiers.agb: AGB \"06010210\" is already held by organisation "
            "\"zh-noord\"");
}

// Runs the CLI binary with `args` against a server that does not exist: exit code and output (stdout + stderr).
std::pair<int, std::string> RunCliWithoutServer(const std::vector<std::string>& args) {
  std::string command = absl::StrCat("'", KETENBEELD_CLI_BINARY, "' --server 127.0.0.1:1 --timeout 2");
  for (const std::string& arg : args) absl::StrAppend(&command, " '", arg, "'");
  absl::StrAppend(&command, " 2>&1");
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, output};
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, read);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(IdentifierFlagsTest, OrgShowWantsAnIdOrAnIdentifier) {
  const std::string expected = "give the organisation's ID or one of --agb, --ura, --kvk-branch, --lrza (not both)";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"org", "show"}, std::vector<std::string>{"org", "show", "zh-noord", "--agb", "1"}}) {
    const auto [exit_code, output] = RunCliWithoutServer(args);
    EXPECT_EQ(exit_code, 2) << output;
    EXPECT_THAT(output, HasSubstr(expected));
  }
}

TEST(IdentifierFlagsTest, HelpListsTheIdentifierFlags) {
  for (const std::string command : {"register", "show", "list"}) {
    const auto [exit_code, output] = RunCliWithoutServer({"org", command, "--help"});
    EXPECT_EQ(exit_code, 0) << output;
    for (const char* flag : {"--agb", "--ura", "--kvk-branch", "--lrza", "vestigingsnummer"}) {
      EXPECT_THAT(output, HasSubstr(flag)) << command;
    }
  }
}

}  // namespace identifier_flags_test
}  // namespace ketenbeeld::cli
