#include "server/api/exercise_service.h"

#include "server/api/parse_checked.h"

namespace ketenbeeld::api {

ExerciseService::ExerciseService(const ServiceContext& context) : context_(context) {
  // Requests that cannot be parsed are answered INVALID_ARGUMENT, not UNIMPLEMENTED: see parse_checked.h.
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ExerciseService::service_full_name(), "StartExercise"),
                     ParseChecked(this, context_, &ExerciseService::StartExercise));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ExerciseService::service_full_name(), "EndExercise"),
                     ParseChecked(this, context_, &ExerciseService::EndExercise));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ExerciseService::service_full_name(), "PurgeExercise"),
                     ParseChecked(this, context_, &ExerciseService::PurgeExercise));
}

grpc::ServerUnaryReactor* ExerciseService::StartExercise(grpc::CallbackServerContext* context,
                                                         const ketenbeeld::v1::StartExerciseRequest* request,
                                                         ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* ExerciseService::EndExercise(grpc::CallbackServerContext* context,
                                                       const ketenbeeld::v1::EndExerciseRequest* request,
                                                       ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* ExerciseService::PurgeExercise(grpc::CallbackServerContext* context,
                                                         const ketenbeeld::v1::PurgeExerciseRequest* request,
                                                         ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

}  // namespace ketenbeeld::api
