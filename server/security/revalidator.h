// Whether an identity established when a long call began still holds: what open feeds and publish streams ask
// periodically and per message, so that revoking a certificate or withdrawing a token also ends the streams it opened.
// No gRPC here, so that the service layer can depend on it (server/security/authenticator.h implements it).
#ifndef KETENBEELD_SERVER_SECURITY_REVALIDATOR_H_
#define KETENBEELD_SERVER_SECURITY_REVALIDATOR_H_

#include "absl/status/status.h"
#include "server/security/identity.h"

namespace ketenbeeld::security {

class Revalidator {
 public:
  virtual ~Revalidator() = default;

  // OK while `identity` holds under the current CRL and tokens file (re-read when they changed on disk), and in
  // development mode. UNAUTHENTICATED with the reason when the certificate's serial is now revoked, or the token's
  // line is gone or now names another organisation or role (a deleted tokens file withdraws every token).
  // Thread safe; cheap (a mutex and a hash lookup, a stat of the file at most once per second).
  virtual absl::Status Revalidate(const Identity& identity) const = 0;
};

}  // namespace ketenbeeld::security

#endif  // KETENBEELD_SERVER_SECURITY_REVALIDATOR_H_
