// A fixture for system tests of the CLI: one real server in a temporary directory, and the real CLI run against it.
//
// Thread safety: as ::testing::Test; CLI runs share the directory and must not overlap (cli_run.h).
#ifndef KETENBEELD_TESTS_SYSTEM_CLI_SERVER_TEST_H_
#define KETENBEELD_TESTS_SYSTEM_CLI_SERVER_TEST_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"
#include "tests/system/cli_run.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {

class CliServerTest : public ::testing::Test {
 protected:
  // Starts the server (development mode, loopback) in dir_; a test that cannot start it fails here.
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::StartIn(dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // Runs the CLI against the server to completion.
  CliRun Cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", server_->address()});
    return RunCli(dir_.path(), args);
  }

  // Runs a CLI command that must succeed (EXPECT); returns what it printed.
  std::string MustRun(std::vector<std::string> args) {
    const CliRun run = Cli(std::move(args));
    EXPECT_TRUE(run.exit.ExitedWith(0)) << run.exit.ToString() << ": " << run.err;
    return run.out;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SYSTEM_CLI_SERVER_TEST_H_
