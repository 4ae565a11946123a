// The gRPC FederationService (federation_service.proto, docs/federation.md): a ROAZ or national server applies the
// logs of its source regions, sent by `ketenbeeld-federator`. Thin: admit the caller, call the service layer
// (server/service/federation_operations.cc), finish the call.
//
// Thread safety: handlers may run concurrently; the service holds no mutable state.
#ifndef KETENBEELD_SERVER_API_FEDERATION_SERVICE_H_
#define KETENBEELD_SERVER_API_FEDERATION_SERVICE_H_

#include "ketenbeeld/v1/federation_service.grpc.pb.h"
#include "server/api/service_context.h"

namespace ketenbeeld::api {

class FederationService final : public ketenbeeld::v1::FederationService::CallbackService {
 public:
  // Everything `context` refers to must outlive the service.
  explicit FederationService(const ServiceContext& context);

  // OK with the cursor record once the range is durable. INVALID_ARGUMENT naming the field; PERMISSION_DENIED naming
  // `source_region` unless the caller is the source's configured identity; ABORTED naming `expected_cursor`;
  // FAILED_PRECONDITION for an organisation claimed by two sources.
  grpc::ServerUnaryReactor* ApplyUpstream(grpc::CallbackServerContext* context,
                                          const ketenbeeld::v1::ApplyUpstreamRequest* request,
                                          ketenbeeld::v1::ApplyUpstreamResponse* response) override;
  // OK with every source's cursor; PERMISSION_DENIED unless the caller is a configured source's identity.
  grpc::ServerUnaryReactor* GetUpstreamCursors(grpc::CallbackServerContext* context,
                                               const ketenbeeld::v1::GetUpstreamCursorsRequest* request,
                                               ketenbeeld::v1::GetUpstreamCursorsResponse* response) override;

 private:
  const ServiceContext context_;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_FEDERATION_SERVICE_H_
