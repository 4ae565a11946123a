// A gRPC server interceptor that gives every call a request id and accounts for it: the id comes from the client's
// `x-request-id` metadata (when it is a sane token, at most 64 characters of [A-Za-z0-9._:-]) or is generated
// ("<process prefix>-<sequence>"); it is echoed in the response's initial metadata (`x-request-id`), visible to
// handlers through RequestIdOf(), and written in the call's one-line JSON log:
//   {"event":"rpc","request_id":"…","method":"/ketenbeeld.v1.PictureService/Get","code":"OK","duration_ms":0.4,…}
// Successful calls are logged at debug level (a busy server makes thousands per second); failed ones at info, and
// at warning for server-side failures (INTERNAL, UNKNOWN, DATA_LOSS, UNAVAILABLE). Each finished call is also
// reported to an RpcObserver (metrics) when one is given.
//
// Thread safety: the factory is used by gRPC from any thread; one interceptor serves one call.
#ifndef KETENBEELD_SERVER_OBSERVABILITY_RPC_INTERCEPTOR_H_
#define KETENBEELD_SERVER_OBSERVABILITY_RPC_INTERCEPTOR_H_

#include <memory>
#include <string>

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"
#include "server/observability/observers.h"

namespace ketenbeeld::observability {

inline constexpr char kRequestIdHeader[] = "x-request-id";

class RpcInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `observer` may be null (logs only); it must outlive the server.
  explicit RpcInterceptorFactory(RpcObserver* observer) : observer_(observer) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override;

 private:
  RpcObserver* const observer_;
};

// The request id of the call (see above); empty when the server runs without the interceptor.
std::string RequestIdOf(const grpc::ServerContextBase& context);

// Whether `id` is acceptable as a client-provided request id.
bool IsValidRequestId(std::string_view id);

}  // namespace ketenbeeld::observability

#endif  // KETENBEELD_SERVER_OBSERVABILITY_RPC_INTERCEPTOR_H_
