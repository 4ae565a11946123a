#include "server/api/federation_service.h"

#include <string>
#include <utility>

#include "server/api/parse_checked.h"

namespace ketenbeeld::api {

namespace v1 = ketenbeeld::v1;

FederationService::FederationService(const ServiceContext& context) : context_(context) {
  // Requests that cannot be parsed are answered INVALID_ARGUMENT, not UNIMPLEMENTED: see parse_checked.h.
  const std::string service = v1::FederationService::service_full_name();
  MarkMethodCallback(MethodIndex(service, "ApplyUpstream"),
                     ParseChecked(this, context_, &FederationService::ApplyUpstream));
  MarkMethodCallback(MethodIndex(service, "GetUpstreamCursors"),
                     ParseChecked(this, context_, &FederationService::GetUpstreamCursors));
}

grpc::ServerUnaryReactor* FederationService::ApplyUpstream(grpc::CallbackServerContext* context,
                                                           const v1::ApplyUpstreamRequest* request,
                                                           v1::ApplyUpstreamResponse* response) {
  absl::StatusOr<CallerGate::AdmittedCall> admitted = context_.gate.AdmitCall(*context);
  if (!admitted.ok()) return RefuseCall(context, admitted.status());
  auto* reactor = new BudgetedReactor(std::move(admitted->lease));
  context_.operations.ApplyUpstream(admitted->identity, *request,
                                    [reactor, response](absl::StatusOr<v1::ApplyUpstreamResponse> result) {
                                      if (result.ok()) *response = *std::move(result);
                                      reactor->FinishWith(result.status(), response);
                                    });
  return reactor;
}

grpc::ServerUnaryReactor* FederationService::GetUpstreamCursors(grpc::CallbackServerContext* context,
                                                                const v1::GetUpstreamCursorsRequest* request,
                                                                v1::GetUpstreamCursorsResponse* response) {
  return Serve(context, context_, response, [&](const security::Identity& caller) {
    return Answer(context_.operations.GetUpstreamCursors(caller, *request), response);
  });
}

}  // namespace ketenbeeld::api
