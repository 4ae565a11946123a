#include "server/api/caller_gate.h"

namespace ketenbeeld::api {

absl::StatusOr<security::Identity> CallerGate::Admit(const grpc::ServerContextBase& context) const {
  absl::StatusOr<security::Identity> identity = authenticator_.Authenticate(context);
  if (!identity.ok()) return identity.status();
  if (absl::Status admitted = rate_.Admit(*identity); !admitted.ok()) return admitted;
  return identity;
}

absl::Status CallerGate::AdmitAnother(const security::Identity& identity) const { return rate_.Admit(identity); }

}  // namespace ketenbeeld::api
