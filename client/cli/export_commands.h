// `ketenbeeld report export picture|history`: the picture (at a revision or moment) and History as JSON Lines or CSV
// for analysts (export_format.h), written page by page as the server answers, never held whole. With -o FILE the
// export goes to FILE.partial and is renamed to FILE only once complete, so a failed export leaves no file that looks
// whole; without it, to standard output.
#ifndef KETENBEELD_CLIENT_CLI_EXPORT_COMMANDS_H_
#define KETENBEELD_CLIENT_CLI_EXPORT_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "client/cli/flags.h"
#include "client/cli/read_commands.h"
#include "client/cli/session.h"

namespace ketenbeeld::cli {

class ExportCommands {
 public:
  // Adds `export` to the `report` group, which must exist. CLI11 binds the flags to this object's members: it must
  // outlive app.parse() and Run(), and must not move.
  explicit ExportCommands(CLI::App& app);
  ExportCommands(const ExportCommands&) = delete;
  ExportCommands& operator=(const ExportCommands&) = delete;

  // Runs the export that was parsed; nullopt when it was none. Returns the exit code.
  std::optional<int> Run(Session& session);

 private:
  CLI::App* picture_ = nullptr;
  CLI::App* history_ = nullptr;
  FilterFlags picture_filter_;
  int64_t revision_ = 0;
  std::string at_;
  FilterFlags history_filter_;
  HistoryFlags history_flags_;
  std::string format_ = "csv";
  std::string output_;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_EXPORT_COMMANDS_H_
