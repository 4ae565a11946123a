// The real `ketenbeeld` CLI run to completion, as an officer runs it: its exit status and what it printed.
//
// Thread safety: RunCli may be called from any thread; runs that share `work_dir` must not overlap.
#ifndef KETENBEELD_TESTS_SYSTEM_CLI_RUN_H_
#define KETENBEELD_TESTS_SYSTEM_CLI_RUN_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/child_process.h"

namespace ketenbeeld::testing {

struct CliRun {
  ExitStatus exit;
  std::string out;
  std::string err;
};

// Runs the CLI binary with `args` (put "--server", ADDRESS first to reach a server) and waits up to `timeout` for it.
// Its stdout and stderr go to files in `work_dir`, replaced by each run. A CLI that cannot be started or does not
// finish in time fails the calling test (EXPECT) and yields an empty CliRun.
CliRun RunCli(const std::string& work_dir, const std::vector<std::string>& args,
              absl::Duration timeout = absl::Seconds(60));

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SYSTEM_CLI_RUN_H_
