// What every gRPC service of the server is built from, and the shapes of their handlers: admit the caller (the
// gate), call the service layer on its behalf, finish the call.
#ifndef KETENBEELD_SERVER_API_SERVICE_CONTEXT_H_
#define KETENBEELD_SERVER_API_SERVICE_CONTEXT_H_

#include <utility>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "server/api/caller_gate.h"
#include "server/api/status.h"
#include "server/mutations/mutations.h"
#include "server/service/operations.h"

namespace ketenbeeld::api {

// Everything outlives the services.
struct ServiceContext {
  service::Operations& operations;
  const CallerGate& gate;
};

// Admits the caller and submits `request` on its behalf; finishes the call when the write is durable or refused:
// `response` gets the revision and the record. The handler returns the reactor at once.
grpc::ServerUnaryReactor* SubmitWrite(grpc::CallbackServerContext* context, const ServiceContext& services,
                                      mutations::WriteRequest request, ketenbeeld::v1::WriteResponse* response);

// Admits the caller, runs `call(identity)` (returning absl::Status, filling the response) and finishes the call with
// its status.
template <typename Call>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, const ServiceContext& services, Call call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::StatusOr<security::Identity> caller = services.gate.Admit(*context);
  reactor->Finish(ToGrpcStatus(caller.ok() ? call(*caller) : caller.status()));
  return reactor;
}

// A streaming reactor that only finishes with `status`: the call is refused before its protocol starts. Deletes
// itself when gRPC is done with it (the reactor lifecycle of the callback API).
template <typename Reactor>
class Refusal final : public Reactor {
 public:
  explicit Refusal(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

// For queries that return their response: moves it into `response` on success.
template <typename Response>
absl::Status Answer(absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_SERVICE_CONTEXT_H_
