// The read commands of the `ketenbeeld` CLI (PictureService):
//   ketenbeeld picture [filters] [--revision R | --at TIME]   the picture as a table, one row per organisation,
//                                                  now, at a revision, or as it was at a moment
//   ketenbeeld get NAME [--revision R]             one record by name
//   ketenbeeld list [filters] [--revision R]       records matching the filters, in name order
//   ketenbeeld history [filters] [--from/--to/--since/--until]   events from the log
// All take --json. The live feed is watch_command.h.
//
// Thread safety: used from the CLI's main thread only.
#ifndef KETENBEELD_CLIENT_CLI_READ_COMMANDS_H_
#define KETENBEELD_CLIENT_CLI_READ_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "client/cli/flags.h"
#include "client/cli/session.h"

namespace ketenbeeld::cli {

// The range flags of `history`; 0 and empty mean "not given".
struct HistoryFlags {
  int64_t from_revision = 0;
  int64_t to_revision = 0;
  std::string since;
  std::string until;
  int32_t page_size = 0;
};

// The HistoryRequest of the history flags and filter flags (the exercise is the session's, set when it is sent).
// INVALID_ARGUMENT naming the flag.
absl::StatusOr<v1::HistoryRequest> BuildHistoryRequest(const HistoryFlags& history, const FilterFlags& flags);

class ReadCommands {
 public:
  // Adds picture, get, list and history to `app`. CLI11 binds the flags to this object's members: it must outlive
  // app.parse() and Run(), and must not move.
  explicit ReadCommands(CLI::App& app);
  ReadCommands(const ReadCommands&) = delete;
  ReadCommands& operator=(const ReadCommands&) = delete;

  // Runs the read command that was parsed; nullopt when it was none of these. Returns the exit code.
  std::optional<int> Run(Session& session);

 private:
  CLI::App* picture_ = nullptr;
  CLI::App* get_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* history_ = nullptr;
  FilterFlags picture_filter_;
  int64_t picture_revision_ = 0;
  std::string picture_at_;
  std::string get_name_;
  int64_t get_revision_ = 0;
  FilterFlags list_filter_;
  int64_t list_revision_ = 0;
  FilterFlags history_filter_;
  HistoryFlags history_flags_;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_READ_COMMANDS_H_
