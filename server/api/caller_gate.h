// The door every gRPC call passes before the service layer: who is calling (server/security/authenticator.h), and
// whether that identity is within its request rate (server/policy/limits.h). What the caller may then do and see is
// decided by the service layer (server/service/operations.h).
//
// Thread safety: Admit() may be called concurrently from any thread.
#ifndef KETENBEELD_SERVER_API_CALLER_GATE_H_
#define KETENBEELD_SERVER_API_CALLER_GATE_H_

#include <atomic>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "server/policy/limits.h"
#include "server/security/authenticator.h"
#include "server/security/identity.h"

namespace ketenbeeld::api {

class CallerGate {
 public:
  // Both must outlive the gate.
  CallerGate(const security::Authenticator& authenticator, policy::RateLimiter& rate)
      : authenticator_(authenticator), rate_(rate) {}

  // The caller's identity. UNAUTHENTICATED (no or bad credentials), RESOURCE_EXHAUSTED (over the request rate),
  // UNAVAILABLE once the server is draining (nothing was written; retry).
  absl::StatusOr<security::Identity> Admit(const grpc::ServerContextBase& context) const;

  // From now on every call is refused with UNAVAILABLE: the server is shutting down. Idempotent.
  void StartDraining() { draining_.store(true, std::memory_order_relaxed); }

  // Counts one more request of an identity admitted before (each report on a PublishStatus stream is a request,
  // like the ReportStatus call it replaces). RESOURCE_EXHAUSTED over the request rate.
  absl::Status AdmitAnother(const security::Identity& identity) const;

 private:
  const security::Authenticator& authenticator_;
  policy::RateLimiter& rate_;
  std::atomic<bool> draining_{false};
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_CALLER_GATE_H_
