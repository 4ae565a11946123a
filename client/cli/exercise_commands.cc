#include "client/cli/exercise_commands.h"

#include "client/cli/messages.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/exercise_service.grpc.pb.h"

namespace ketenbeeld::cli {

ExerciseCommands::ExerciseCommands(CLI::App& app) {
  CLI::App* exercise = app.add_subcommand("exercise", Tr("help.exercise"));
  exercise->require_subcommand(1);
  start_ = exercise->add_subcommand("start", Tr("help.exercise.start"));
  start_->add_option("--id", id_, Tr("help.exercise.id"))->required();
  start_->add_option("--title", title_, Tr("help.exercise.title"))->required();
  start_->add_flag("--test", test_, Tr("help.exercise.test"));
  end_ = exercise->add_subcommand("end", Tr("help.exercise.end"));
  end_->add_option("ID", id_, Tr("help.exercise.id"))->required();
  purge_ = exercise->add_subcommand("purge", Tr("help.exercise.purge"));
  purge_->add_option("ID", id_, Tr("help.exercise.id"))->required();
}

std::optional<int> ExerciseCommands::Run(Session& session) {
  grpc::ClientContext context;
  session.SetDeadline(&context);
  v1::WriteResponse response;
  if (start_->parsed()) {
    v1::StartExerciseRequest request;
    request.mutable_exercise()->set_id(id_);
    request.mutable_exercise()->set_title(title_);
    request.mutable_exercise()->set_mode(test_ ? v1::MODE_TEST : v1::MODE_EXERCISE);
    return session.PrintWrite(session.exercises().StartExercise(&context, request, &response), response,
                              "write.exercise_started");
  }
  if (end_->parsed()) {
    v1::EndExerciseRequest request;
    request.set_exercise_id(id_);
    return session.PrintWrite(session.exercises().EndExercise(&context, request, &response), response,
                              "write.exercise_ended");
  }
  if (purge_->parsed()) {
    v1::PurgeExerciseRequest request;
    request.set_exercise_id(id_);
    const grpc::Status status = session.exercises().PurgeExercise(&context, request, &response);
    return session.PrintWrite(status, response, "write.exercise_purged",
                              std::to_string(response.record().exercise().purged_records()));
  }
  return std::nullopt;
}

}  // namespace ketenbeeld::cli
