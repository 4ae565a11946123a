// ketenbeeld: the command-line client of the shared picture of the care chain.
//
// A thin layer over ketenbeeld_client and the presentation in ketenbeeld_cli: flags (CLI11) -> request -> call ->
// rendering. This file only wires the CLI11 app: the global options here, the commands in one file per group
// (org_commands.h, status_commands.h, read_commands.h, watch_command.h, workflow_commands.h, admin_commands.h).
// Exit codes: 0 ok, 1 the server (or the connection) failed, message on stderr; 2 usage error (a flag or its value).
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "client/cli/admin_commands.h"
#include "client/cli/org_commands.h"
#include "client/cli/read_commands.h"
#include "client/cli/session.h"
#include "client/cli/status_commands.h"
#include "client/cli/watch_command.h"
#include "client/cli/workflow_commands.h"
#include "grpcpp/channel.h"

namespace ketenbeeld::cli {
namespace {

// The transport security flags, on every command (global options fall through to subcommands). Defaults come from
// the environment, so a crisis coordinator's shell profile can hold them and the token stays out of `ps`.
void AddConnectionFlags(CLI::App& app, GlobalOptions& global) {
  const std::pair<const char*, std::string*> environment[] = {{"KETENBEELD_CA", &global.ca_file},
                                                              {"KETENBEELD_CERT", &global.cert_file},
                                                              {"KETENBEELD_KEY", &global.key_file},
                                                              {"KETENBEELD_TOKEN", &global.token}};
  for (const auto& [name, value] : environment) {
    if (const char* set = std::getenv(name); set != nullptr && *set != '\0') *value = set;
  }
  const char* group = "Connection";
  app.add_option("--ca", global.ca_file,
                 "TLS: CA certificate (PEM) of the server; without it plaintext (env KETENBEELD_CA)")
      ->group(group);
  app.add_option("--cert", global.cert_file,
                 "mTLS: your organisation's client certificate (PEM), with --key (env KETENBEELD_CERT)")
      ->group(group);
  app.add_option("--key", global.key_file, "mTLS: the private key of --cert (PEM) (env KETENBEELD_KEY)")->group(group);
  app.add_option("--token", global.token,
                 "Bearer token instead of a certificate; prefer the env KETENBEELD_TOKEN (not visible in ps)")
      ->group(group);
  app.add_option("--server-name", global.server_name,
                 "TLS: name in the server certificate when it differs from the --server host, e.g. localhost")
      ->group(group);
}

int Main(int argc, char** argv) {
  CLI::App app{"ketenbeeld: the shared picture of the care chain (GHOR). Exit codes: 0 ok, 1 server error, 2 usage."};
  app.fallthrough();  // Global options may also follow the command: `ketenbeeld picture --json`.
  app.require_subcommand(1);
  GlobalOptions global;
  if (const char* server = std::getenv("KETENBEELD_SERVER"); server != nullptr && *server != '\0') {
    global.server = server;
  }
  app.add_option("--server", global.server, "Server address HOST:PORT (env KETENBEELD_SERVER)")->capture_default_str();
  app.add_flag("--json", global.json, "Machine output: JSON (one object per line for streams)");
  app.add_option("--timeout", global.timeout_seconds, "Deadline of each call in seconds (not for watch)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
  app.add_flag("-v,--verbose", global.verbose, "More output (watch: heartbeats, snapshot records, retries)");
  AddConnectionFlags(app, global);

  // The commands in the order of --help.
  OrganizationCommands organizations(app);
  StatusCommands status(app);
  ReadCommands reads(app);
  WatchCommand watch(app);
  WorkflowCommands workflow(app);
  AdminCommands admin(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  }

  // watch connects by itself: it blocks SIGINT/SIGTERM before the channel exists.
  if (std::optional<int> exit_code = watch.Run(global); exit_code.has_value()) return *exit_code;

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ConnectToServer(global);
  if (!channel.ok()) return UsageError(channel.status());
  Session session(global, *std::move(channel));
  if (std::optional<int> exit_code = organizations.Run(session); exit_code.has_value()) return *exit_code;
  if (std::optional<int> exit_code = status.Run(session); exit_code.has_value()) return *exit_code;
  if (std::optional<int> exit_code = reads.Run(session); exit_code.has_value()) return *exit_code;
  if (std::optional<int> exit_code = workflow.Run(session); exit_code.has_value()) return *exit_code;
  if (std::optional<int> exit_code = admin.Run(session); exit_code.has_value()) return *exit_code;
  std::cerr << app.help();
  return kExitUsage;
}

}  // namespace
}  // namespace ketenbeeld::cli

int main(int argc, char** argv) { return ketenbeeld::cli::Main(argc, argv); }
