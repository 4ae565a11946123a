#include "server/api/service_context.h"

#include <utility>

#include "absl/time/time.h"
#include "server/pipeline/committer.h"

namespace ketenbeeld::api {

grpc::ServerUnaryReactor* SubmitWrite(grpc::CallbackServerContext* context, const ServiceContext& services,
                                      mutations::WriteRequest request, ketenbeeld::v1::WriteResponse* response) {
  absl::StatusOr<CallerGate::AdmittedCall> admitted = services.gate.AdmitCall(*context);
  if (!admitted.ok()) return RefuseCall(context, admitted.status());
  auto* reactor = new BudgetedReactor(std::move(admitted->lease));
  // A follower answers a forwarded write before its caller's deadline, applied here or not (Committer).
  request.deadline = absl::FromChrono(context->deadline());
  services.operations.Write(admitted->identity, std::move(request),
                            [context, reactor, response](absl::StatusOr<pipeline::WriteResult> result) {
                              if (result.ok()) {
                                response->set_revision(result->revision);
                                response->set_replayed(result->replayed);
                                if (result->record != nullptr) *response->mutable_record() = result->record->record;
                                if (result->not_applied_here) {
                                  context->AddTrailingMetadata(pipeline::kNotAppliedHereTrailer, "true");
                                }
                              }
                              reactor->FinishWith(result.status(), response);
                            });
  return reactor;
}

}  // namespace ketenbeeld::api
