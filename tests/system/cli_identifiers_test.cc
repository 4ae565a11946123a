// The `ketenbeeld org` commands with standard identifiers against the real server binary: register an organisation
// with its AGB and URA, find it by them with `org show` and `org list`, and see a second organisation that claims
// the same AGB refused, naming the field, with nothing written.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace cli_identifiers_test {

using ::testing::HasSubstr;
using ::testing::Not;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CliIdentifiersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::StartIn(dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  CliRun Cli(std::vector<std::string> args) {
    // In English whatever the machine's locale: the test reads its messages.
    args.insert(args.begin(), {"--lang", "en", "--server", server_->address(), "--timeout", "20"});
    // ChildProcess appends to its files: one pair per run.
    const std::string out = absl::StrCat(dir_.path(), "/cli-", ++runs_, ".out");
    const std::string err = absl::StrCat(dir_.path(), "/cli-", runs_, ".err");
    CliRun run;
    absl::StatusOr<std::unique_ptr<ChildProcess>> cli = ChildProcess::Spawn(CliBinary(), args, out, err);
    EXPECT_TRUE(cli.ok()) << cli.status();
    if (!cli.ok()) return run;
    const std::optional<ExitStatus> exit = (*cli)->WaitForExit(absl::Seconds(30));
    EXPECT_TRUE(exit.has_value()) << "the CLI hung";
    if (exit.has_value() && exit->exited) run.exit_code = exit->code;
    run.out = ReadWholeFile(out);
    run.err = ReadWholeFile(err);
    return run;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  int runs_ = 0;
};

TEST_F(CliIdentifiersTest, RegisterFindByIdentifierAndRefuseASecondHolder) {
  CliRun registered = Cli({"org", "register", "--id", "zh-noord", "--name", "Ziekenhuis Noord", "--kind", "hospital",
                           "--region", "VR10", "--agb", "06010210", "--ura", "00015823"});
  ASSERT_EQ(registered.exit_code, 0) << registered.err;
  ASSERT_EQ(Cli({"org", "register", "--id", "ggd", "--name", "GGD", "--kind", "ggd", "--region", "VR10"}).exit_code, 0);

  CliRun shown = Cli({"org", "show", "--agb", "06010210"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("organizations/zh-noord"));
  EXPECT_THAT(shown.out, HasSubstr("agb: \"06010210\""));
  EXPECT_THAT(shown.out, Not(HasSubstr("organizations/ggd")));

  CliRun listed = Cli({"org", "list", "--ura", "00015823"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("AGB 06010210, URA 00015823"));
  EXPECT_THAT(listed.out, HasSubstr("1 organisations"));

  CliRun missing = Cli({"org", "show", "--agb", "99999999"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no organisation with AGB 99999999"));

  CliRun clash = Cli({"org", "register", "--id", "zh-zuid", "--name", "Ziekenhuis Zuid", "--kind", "hospital",
                      "--region", "VR10", "--agb", "06010210"});
  EXPECT_EQ(clash.exit_code, 1);
  EXPECT_THAT(clash.err, HasSubstr("already taken: organization.identifiers.agb: AGB \"06010210\" is already held by "
                                   "organisation \"zh-noord\""));

  CliRun malformed = Cli({"org", "register", "--id", "zh-zuid", "--name", "Ziekenhuis Zuid", "--kind", "hospital",
                          "--region", "VR10", "--kvk-branch", "1234"});
  EXPECT_EQ(malformed.exit_code, 1);
  EXPECT_THAT(malformed.err, HasSubstr("organization.identifiers.kvk_branch_number: must be exactly 12 digits"));

  CliRun all = Cli({"org", "list"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("2 organisations")) << "a refused registration wrote something";
}

}  // namespace cli_identifiers_test
}  // namespace ketenbeeld::testing
