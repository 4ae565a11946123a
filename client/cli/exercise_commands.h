// The exercise commands of the `ketenbeeld` CLI (ExerciseService, ketenbeeld/v1/exercise.proto):
//   ketenbeeld exercise start --id ID --title TITLE [--test]   start an exercise (oefening) or technical test
//   ketenbeeld exercise end ID                                  end it: nothing more can be written in it
//   ketenbeeld exercise purge ID                                delete every record of it (the operator only)
// Writes and reads in an exercise take the global --exercise ID (every command): `ketenbeeld --exercise oef-1
// status report ...`, `ketenbeeld --exercise oef-1 picture`.
//
// Thread safety: used from the CLI's main thread only.
#ifndef KETENBEELD_CLIENT_CLI_EXERCISE_COMMANDS_H_
#define KETENBEELD_CLIENT_CLI_EXERCISE_COMMANDS_H_

#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "client/cli/session.h"

namespace ketenbeeld::cli {

class ExerciseCommands {
 public:
  // Adds `exercise` and its subcommands to `app`. CLI11 binds the arguments to this object's members: it must outlive
  // app.parse() and Run(), and must not move.
  explicit ExerciseCommands(CLI::App& app);
  ExerciseCommands(const ExerciseCommands&) = delete;
  ExerciseCommands& operator=(const ExerciseCommands&) = delete;

  // Runs the exercise command that was parsed; nullopt when it was none of these. Returns the exit code.
  std::optional<int> Run(Session& session);

 private:
  CLI::App* start_ = nullptr;
  CLI::App* end_ = nullptr;
  CLI::App* purge_ = nullptr;
  std::string id_;
  std::string title_;
  bool test_ = false;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_EXERCISE_COMMANDS_H_
