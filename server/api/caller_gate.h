// The door every gRPC call passes before the service layer: who is calling (server/security/authenticator.h), and
// whether that identity is within its limits (server/policy/limits.h): the request rate for every call and every
// report on a stream, the budget of unary calls in flight (and the bytes of their answers held), and the number of
// PublishStatus streams. What the caller may then do and see is decided by the service layer
// (server/service/operations.h).
//
// Thread safety: all methods may be called concurrently from any thread.
#ifndef KETENBEELD_SERVER_API_CALLER_GATE_H_
#define KETENBEELD_SERVER_API_CALLER_GATE_H_

#include <atomic>
#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "server/policy/limits.h"
#include "server/security/authenticator.h"
#include "server/security/identity.h"

namespace ketenbeeld::api {

class CallerGate {
 public:
  // The per-identity limits the gate enforces. Everything must outlive the gate.
  struct Limits {
    policy::RateLimiter& rate;
    policy::CallBudget& calls;
    policy::SubscriptionLimiter& publish_streams;
  };

  // The authenticator and the limiters must outlive the gate.
  CallerGate(const security::Authenticator& authenticator, Limits limits)
      : authenticator_(authenticator), limits_(limits) {}

  // The caller's identity. UNAUTHENTICATED (no or bad credentials), RESOURCE_EXHAUSTED (over the request rate),
  // UNAVAILABLE once the server is draining (nothing was written; retry). For streams; unary calls use AdmitCall.
  absl::StatusOr<security::Identity> Admit(const grpc::ServerContextBase& context) const;

  // A unary call admitted: who calls, and its place in the identity's call budget (null in development mode), to
  // be held until gRPC is done with the call.
  struct AdmittedCall {
    security::Identity identity;
    std::unique_ptr<policy::CallBudget::Lease> lease;
  };
  // Admit(), then a place in the identity's call budget: RESOURCE_EXHAUSTED "calls in flight: ...", "unread
  // answers: ..." or "response bytes held: ..." when the identity's earlier calls are not answered or their answers
  // have not gone out.
  absl::StatusOr<AdmittedCall> AdmitCall(const grpc::ServerContextBase& context) const;

  // A place for one more PublishStatus stream of an admitted identity (null in development mode), held for the
  // stream's lifetime; RESOURCE_EXHAUSTED "publish streams: ..." at the identity's maximum.
  absl::StatusOr<std::unique_ptr<policy::SubscriptionLimiter::Lease>> AdmitPublishStream(
      const security::Identity& identity) const;

  // From now on every call is refused with UNAVAILABLE: the server is shutting down. Idempotent.
  void StartDraining() { draining_.store(true, std::memory_order_relaxed); }

  // Counts one more request of an identity admitted before (each report on a PublishStatus stream is a request,
  // like the ReportStatus call it replaces). RESOURCE_EXHAUSTED over the request rate.
  absl::Status AdmitAnother(const security::Identity& identity) const;

 private:
  const security::Authenticator& authenticator_;
  const Limits limits_;
  std::atomic<bool> draining_{false};
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_CALLER_GATE_H_
