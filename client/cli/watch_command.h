// `ketenbeeld watch`: the live feed through client::Feed, which reconnects and resumes by itself. Prints the snapshot
// count, "synced", one line per event, reset notices and connection losses; --json one object per message; --table a
// picture redrawn in place on a terminal. SIGINT/SIGTERM end it with exit code 0.
//
// Thread safety: used from the CLI's main thread only; Run() blocks SIGINT/SIGTERM in the calling thread (inherited
// by every thread started after it) and takes them with sigwait on a thread of its own.
#ifndef KETENBEELD_CLIENT_CLI_WATCH_COMMAND_H_
#define KETENBEELD_CLIENT_CLI_WATCH_COMMAND_H_

#include <cstdint>
#include <optional>

#include "CLI/CLI.hpp"
#include "client/cli/flags.h"
#include "client/cli/session.h"

namespace ketenbeeld::cli {

class WatchCommand {
 public:
  // Adds `watch` to `app`. CLI11 binds the flags to this object's members: it must outlive app.parse() and Run(), and
  // must not move.
  explicit WatchCommand(CLI::App& app);
  WatchCommand(const WatchCommand&) = delete;
  WatchCommand& operator=(const WatchCommand&) = delete;

  // Runs watch when it was parsed (nullopt otherwise) until a signal or a failure the feed does not retry; returns the
  // exit code. It opens its own channel (no Session): the signals must be blocked before gRPC starts its threads.
  std::optional<int> Run(const GlobalOptions& options);

 private:
  CLI::App* watch_ = nullptr;
  FilterFlags filter_;
  int64_t from_ = 0;
  bool table_ = false;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_WATCH_COMMAND_H_
