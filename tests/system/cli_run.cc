#include "tests/system/cli_run.h"

#include <filesystem>
#include <memory>
#include <optional>

#include "gtest/gtest.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {

CliRun RunCli(const std::string& work_dir, const std::vector<std::string>& args, absl::Duration timeout) {
  // ChildProcess appends to its files: remove the previous run's.
  const std::string out = work_dir + "/cli.out";
  const std::string err = work_dir + "/cli.err";
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  // The tests read the CLI's English texts, whatever the machine's locale (client/cli/messages.h).
  std::vector<std::string> english = {"--lang", "en"};
  english.insert(english.end(), args.begin(), args.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> cli = ChildProcess::Spawn(CliBinary(), english, out, err);
  EXPECT_TRUE(cli.ok()) << cli.status();
  if (!cli.ok()) return {};
  const std::optional<ExitStatus> exit = (*cli)->WaitForExit(timeout);
  EXPECT_TRUE(exit.has_value()) << "the CLI did not finish within " << timeout;
  return CliRun{exit.value_or(ExitStatus{}), ReadWholeFile(out), ReadWholeFile(err)};
}

}  // namespace ketenbeeld::testing
