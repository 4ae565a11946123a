// The gRPC ExerciseService: starting, ending and purging exercises (ketenbeeld/v1/exercise_service.proto), each a
// write through the commit pipeline like any other (the planners are in server/mutations/mutations_exercise.cc).
//
// Thread safety: handlers may run concurrently; the service holds no mutable state.
#ifndef KETENBEELD_SERVER_API_EXERCISE_SERVICE_H_
#define KETENBEELD_SERVER_API_EXERCISE_SERVICE_H_

#include "ketenbeeld/v1/exercise_service.grpc.pb.h"
#include "server/api/service_context.h"

namespace ketenbeeld::api {

class ExerciseService final : public ketenbeeld::v1::ExerciseService::CallbackService {
 public:
  // Everything `context` refers to must outlive the service.
  explicit ExerciseService(const ServiceContext& context);

  // INVALID_ARGUMENT naming the field; ALREADY_EXISTS for an id that exists (ids are never reused).
  grpc::ServerUnaryReactor* StartExercise(grpc::CallbackServerContext* context,
                                          const ketenbeeld::v1::StartExerciseRequest* request,
                                          ketenbeeld::v1::WriteResponse* response) override;
  // INVALID_ARGUMENT `exercise_id` for an exercise never started; FAILED_PRECONDITION unless it is active.
  grpc::ServerUnaryReactor* EndExercise(grpc::CallbackServerContext* context,
                                        const ketenbeeld::v1::EndExerciseRequest* request,
                                        ketenbeeld::v1::WriteResponse* response) override;
  // INVALID_ARGUMENT `exercise_id` for an exercise never started; FAILED_PRECONDITION when already purged.
  grpc::ServerUnaryReactor* PurgeExercise(grpc::CallbackServerContext* context,
                                          const ketenbeeld::v1::PurgeExerciseRequest* request,
                                          ketenbeeld::v1::WriteResponse* response) override;

 private:
  const ServiceContext context_;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_EXERCISE_SERVICE_H_
