#include "server/api/caller_gate.h"

#include <utility>

namespace ketenbeeld::api {

absl::StatusOr<security::Identity> CallerGate::Admit(const grpc::ServerContextBase& context) const {
  if (draining_.load(std::memory_order_relaxed)) {
    return absl::UnavailableError("the server is shutting down: nothing was written; retry");
  }
  absl::StatusOr<security::Identity> identity = authenticator_.Authenticate(context);
  if (!identity.ok()) return identity.status();
  if (absl::Status admitted = limits_.rate.Admit(*identity); !admitted.ok()) return admitted;
  return identity;
}

absl::StatusOr<CallerGate::AdmittedCall> CallerGate::AdmitCall(const grpc::ServerContextBase& context) const {
  absl::StatusOr<security::Identity> identity = Admit(context);
  if (!identity.ok()) return identity.status();
  absl::StatusOr<std::unique_ptr<policy::CallBudget::Lease>> lease = limits_.calls.Acquire(*identity);
  if (!lease.ok()) return lease.status();
  return AdmittedCall{.identity = *std::move(identity), .lease = *std::move(lease)};
}

absl::StatusOr<std::unique_ptr<policy::SubscriptionLimiter::Lease>> CallerGate::AdmitPublishStream(
    const security::Identity& identity) const {
  return limits_.publish_streams.Acquire(identity);
}

absl::Status CallerGate::AdmitAnother(const security::Identity& identity) const { return limits_.rate.Admit(identity); }

}  // namespace ketenbeeld::api
