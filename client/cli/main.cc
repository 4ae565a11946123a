// ketenbeeld: the command-line client of the shared picture of the care chain.
//
// A thin layer over ketenbeeld_client and the presentation in ketenbeeld_cli: flags (CLI11) -> request -> call ->
// rendering. This file only wires the CLI11 app: the global options here, the commands in one file per group
// (org_commands.h, status_commands.h, read_commands.h, watch_command.h, workflow_commands.h, admin_commands.h,
// interop_commands.h).
// Exit codes: 0 ok, 1 the server (or the connection) failed, message on stderr; 2 usage error (a flag or its value).
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/cli/admin_commands.h"
#include "client/cli/exercise_commands.h"
#include "client/cli/export_commands.h"
#include "client/cli/interop_commands.h"
#include "client/cli/messages.h"
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
  const std::string group = Tr("group.connection");
  app.add_option("--ca", global.ca_file, Tr("help.ca"))->group(group);
  app.add_option("--cert", global.cert_file, Tr("help.cert"))->group(group);
  app.add_option("--key", global.key_file, Tr("help.key"))->group(group);
  app.add_option("--token", global.token, Tr("help.token"))->group(group);
  app.add_option("--server-name", global.server_name, Tr("help.server_name"))->group(group);
}

// The language of help and messages (messages.h): --lang, else the locale. Chosen before the commands are built, since
// their help texts are given when they are added. A --lang value that names no language is a usage error.
absl::Status ChooseLanguage(int argc, char** argv) {
  Language language = LanguageFromLocale(std::getenv("LC_ALL"), std::getenv("LC_MESSAGES"), std::getenv("LANG"));
  if (std::optional<std::string> flag = FindLanguageArgument(std::span<char* const>(argv + 1, argc - 1));
      flag.has_value()) {
    absl::StatusOr<Language> chosen = ParseLanguageFlag(*flag);
    if (!chosen.ok()) return chosen.status();
    language = *chosen;
  }
  SetLanguage(language);
  return absl::OkStatus();
}

// CLI11's own words in the help (its labels, the default groups and the help flag) in the chosen language.
void TranslateHelp(CLI::App& app) {
  for (const char* label :
       {"Usage", "OPTIONS", "SUBCOMMAND", "SUBCOMMANDS", "Positionals", "REQUIRED", "Env", "Needs", "Excludes"}) {
    app.get_formatter()->label(label, Tr(absl::StrCat("label.", absl::AsciiStrToLower(label))));
  }
  app.option_defaults()->group(Tr("group.options"));
  app.set_help_flag("-h,--help", Tr("help.help"));
}

// After the commands are built: their group heading ("Subcommands") and the group of their help flag in the chosen
// language (CLI11 makes a subcommand's help flag before it copies the parent's option defaults, so the flag stays in
// the English "Options").
void TranslateSubcommandGroups(CLI::App& app) {
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    if (command->get_group() == "Subcommands") command->group(Tr("group.subcommands"));
    if (CLI::Option* help = command->get_help_ptr(); help != nullptr) help->group(Tr("group.options"));
    TranslateSubcommandGroups(*command);
  }
}

int Main(int argc, char** argv) {
  if (absl::Status chosen = ChooseLanguage(argc, argv); !chosen.ok()) return UsageError(chosen);
  CLI::App app{Tr("app.description")};
  TranslateHelp(app);
  std::string language_flag;  // Already applied by ChooseLanguage; declared so that CLI11 accepts and lists it.
  app.add_option("--lang", language_flag, Tr("help.lang"))
      ->type_name("nl|en")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.fallthrough();  // Global options may also follow the command: `ketenbeeld picture --json`.
  app.require_subcommand(1);
  GlobalOptions global;
  if (const char* server = std::getenv("KETENBEELD_SERVER"); server != nullptr && *server != '\0') {
    global.server = server;
  }
  app.add_option("--server", global.server, Tr("help.server"))->capture_default_str();
  app.add_flag("--json", global.json, Tr("help.json"));
  app.add_option("--timeout", global.timeout_seconds, Tr("help.timeout"))
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
  app.add_flag("-v,--verbose", global.verbose, Tr("help.verbose"));
  app.add_option("--exercise", global.exercise_id, Tr("help.exercise_flag"));
  AddConnectionFlags(app, global);

  // The commands in the order of --help.
  OrganizationCommands organizations(app);
  StatusCommands status(app);
  ReadCommands reads(app);
  WatchCommand watch(app);
  WorkflowCommands workflow(app);
  AdminCommands admin(app);
  InteropCommands interop(app);  // Adds to the alert and status groups above.
  ExerciseCommands exercises(app);
  ExportCommands exports(app);  // Adds to the report group above.
  TranslateSubcommandGroups(app);

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
  if (std::optional<int> exit_code = interop.Run(session); exit_code.has_value()) return *exit_code;
  if (std::optional<int> exit_code = exercises.Run(session); exit_code.has_value()) return *exit_code;
  if (std::optional<int> exit_code = exports.Run(session); exit_code.has_value()) return *exit_code;
  std::cerr << app.help();
  return kExitUsage;
}

}  // namespace
}  // namespace ketenbeeld::cli

int main(int argc, char** argv) { return ketenbeeld::cli::Main(argc, argv); }
