// The registry commands of the `ketenbeeld` CLI (PictureService):
//   ketenbeeld org register --id ... --name ... --kind ... --region ...   create or replace an organisation
//   ketenbeeld org show ID | --agb N | --ura N | --kvk-branch N | --lrza N
//                                                                        the organisation and its status reports
//   ketenbeeld org list [filters] [--agb N ...]                          the registered organisations
// register sets the standard identifiers with the same flags; show and list find an organisation by them.
//
// Thread safety: used from the CLI's main thread only.
#ifndef KETENBEELD_CLIENT_CLI_ORG_COMMANDS_H_
#define KETENBEELD_CLIENT_CLI_ORG_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "client/cli/flags.h"
#include "client/cli/session.h"

namespace ketenbeeld::cli {

class OrganizationCommands {
 public:
  // Adds `org` and its subcommands to `app`. CLI11 binds the flags to this object's members: it must outlive
  // app.parse() and Run(), and must not move.
  explicit OrganizationCommands(CLI::App& app);
  OrganizationCommands(const OrganizationCommands&) = delete;
  OrganizationCommands& operator=(const OrganizationCommands&) = delete;

  // Runs the org command that was parsed; nullopt when it was none of these. Returns the exit code.
  std::optional<int> Run(Session& session);

 private:
  CLI::App* register_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* list_ = nullptr;
  OrganizationFlags flags_;
  std::string file_;
  CLI::Option* expected_option_ = nullptr;
  int64_t expected_revision_ = 0;
  std::string show_id_;
  IdentifierFlags show_identifiers_;
  FilterFlags list_filter_;
  IdentifierFlags list_identifiers_;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_ORG_COMMANDS_H_
