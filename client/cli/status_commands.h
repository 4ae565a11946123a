// The status report commands of the `ketenbeeld` CLI:
//   ketenbeeld status report --org ... [--overall ...] [--capacity ...]  report what changed in one organisation's
//                                                                      status (--replace: the whole report)
//   ketenbeeld status import FILE                                      many reports over one PublishStatus stream
//
// Thread safety: used from the CLI's main thread only (status import waits for the publisher's callbacks, which run
// on gRPC threads).
#ifndef KETENBEELD_CLIENT_CLI_STATUS_COMMANDS_H_
#define KETENBEELD_CLIENT_CLI_STATUS_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "client/cli/chain_flags.h"
#include "client/cli/flags.h"
#include "client/cli/session.h"

namespace ketenbeeld::cli {

class StatusCommands {
 public:
  // Adds `status` and its subcommands to `app`. CLI11 binds the flags to this object's members: it must outlive
  // app.parse() and Run(), and must not move.
  explicit StatusCommands(CLI::App& app);
  StatusCommands(const StatusCommands&) = delete;
  StatusCommands& operator=(const StatusCommands&) = delete;

  // Runs the status command that was parsed; nullopt when it was none of these. Returns the exit code.
  std::optional<int> Run(Session& session);

 private:
  CLI::App* report_ = nullptr;
  CLI::App* import_ = nullptr;
  StatusReportFlags report_flags_;
  ChainReportFlags chain_flags_;  // Capacity that is not beds: --ambulances, --gp-post, ..., --intake-stop.
  std::string report_file_;
  std::vector<std::string> indicators_;  // --indicator ID=VALUE (repeatable): answers to the GHOR's indicators.
  CLI::Option* expected_option_ = nullptr;
  int64_t expected_revision_ = 0;
  // --crisis-plan / --no-crisis-plan: applied to report_flags_ only when given (absent keeps the file's value).
  CLI::Option* crisis_plan_option_ = nullptr;
  bool crisis_plan_ = false;
  bool replace_ = false;
  std::string import_file_;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_STATUS_COMMANDS_H_
