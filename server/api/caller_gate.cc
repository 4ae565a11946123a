#include "server/api/caller_gate.h"

namespace ketenbeeld::api {

absl::StatusOr<security::Identity> CallerGate::Admit(const grpc::ServerContextBase& context) const {
  if (draining_.load(std::memory_order_relaxed)) {
    return absl::UnavailableError("the server is shutting down: nothing was written; retry");
  }
  absl::StatusOr<security::Identity> identity = authenticator_.Authenticate(context);
  if (!identity.ok()) return identity.status();
  if (absl::Status admitted = rate_.Admit(*identity); !admitted.ok()) return admitted;
  return identity;
}

absl::Status CallerGate::AdmitAnother(const security::Identity& identity) const { return rate_.Admit(identity); }

}  // namespace ketenbeeld::api
