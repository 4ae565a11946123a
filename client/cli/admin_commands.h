// The operator commands of the `ketenbeeld` CLI (AdminService):
//   ketenbeeld admin backup DIR        a verified backup (RocksDB checkpoint) in DIR on the server's machine
//   ketenbeeld admin compact REVISION  remove the event history up to and including REVISION
//   ketenbeeld admin audit             reads of organisations' detailed figures by others (docs/security.md)
// See docs/operations.md for backup and restore.
//
// Thread safety: used from the CLI's main thread only.
#ifndef KETENBEELD_CLIENT_CLI_ADMIN_COMMANDS_H_
#define KETENBEELD_CLIENT_CLI_ADMIN_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "client/cli/session.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/admin_service.grpc.pb.h"

namespace ketenbeeld::cli {

class AdminCommands {
 public:
  // Adds `admin` and its subcommands to `app`. CLI11 binds the arguments to this object's members: it must outlive
  // app.parse() and Run(), and must not move.
  explicit AdminCommands(CLI::App& app);
  AdminCommands(const AdminCommands&) = delete;
  AdminCommands& operator=(const AdminCommands&) = delete;

  // Runs the admin command that was parsed; nullopt when it was none of these. Returns the exit code.
  std::optional<int> Run(Session& session);

 private:
  int ListAudit(Session& session, v1::AdminService::Stub& admin, grpc::ClientContext& context) const;
  CLI::App* backup_ = nullptr;
  CLI::App* compact_ = nullptr;
  CLI::App* audit_ = nullptr;
  std::string audit_organization_;
  int audit_limit_ = 50;
  int64_t audit_before_ = 0;
  std::string backup_directory_;
  int64_t compact_revision_ = 0;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_ADMIN_COMMANDS_H_
