#include "server/api/service_context.h"

#include <utility>

namespace ketenbeeld::api {

grpc::ServerUnaryReactor* SubmitWrite(grpc::CallbackServerContext* context, const ServiceContext& services,
                                      mutations::WriteRequest request, ketenbeeld::v1::WriteResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::StatusOr<security::Identity> caller = services.gate.Admit(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  services.operations.Write(*caller, std::move(request),
                            [reactor, response](absl::StatusOr<pipeline::WriteResult> result) {
                              if (result.ok()) {
                                response->set_revision(result->revision);
                                if (result->record != nullptr) *response->mutable_record() = result->record->record;
                              }
                              reactor->Finish(ToGrpcStatus(result.status()));
                            });
  return reactor;
}

}  // namespace ketenbeeld::api
