#include "server/api/service_context.h"

#include <utility>

namespace ketenbeeld::api {

grpc::ServerUnaryReactor* SubmitWrite(grpc::CallbackServerContext* context, const ServiceContext& services,
                                      mutations::WriteRequest request, ketenbeeld::v1::WriteResponse* response) {
  absl::StatusOr<CallerGate::AdmittedCall> admitted = services.gate.AdmitCall(*context);
  if (!admitted.ok()) return RefuseCall(context, admitted.status());
  auto* reactor = new BudgetedReactor(std::move(admitted->lease));
  services.operations.Write(admitted->identity, std::move(request),
                            [reactor, response](absl::StatusOr<pipeline::WriteResult> result) {
                              if (result.ok()) {
                                response->set_revision(result->revision);
                                response->set_replayed(result->replayed);
                                if (result->record != nullptr) *response->mutable_record() = result->record->record;
                              }
                              reactor->FinishWith(result.status(), response);
                            });
  return reactor;
}

}  // namespace ketenbeeld::api
