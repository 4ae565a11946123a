// Certificate revocation lists: which client certificates the region's CA has withdrawn.
//
// Why here and not in the TLS stack: gRPC 1.51's SslServerCredentials has no CRL option, and the experimental
// TlsServerCredentials only takes a hashed CRL directory with no promise about when a changed file is seen. Checking
// the serial in the Authenticator is one hash lookup per call, reloads on a file change (revoking needs no restart),
// and is tested directly (docs/security.md, "Credentials").
//
// Thread safety: a RevocationList is immutable after loading and may be read from any thread.
#ifndef KETENBEELD_SERVER_SECURITY_CRL_H_
#define KETENBEELD_SERVER_SECURITY_CRL_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ketenbeeld::security {

class RevocationList {
 public:
  // Parses every CRL in `crl_pem` and verifies each one's signature with the CA in `ca_pem` (a PEM bundle; the CA
  // whose subject is the CRL's issuer). INVALID_ARGUMENT "<crl_file>: ..." when there is no CRL, the issuer is not one
  // of the CAs, or a signature does not verify. `crl_file` is only used in messages.
  static absl::StatusOr<RevocationList> Parse(absl::string_view crl_pem, absl::string_view ca_pem,
                                              absl::string_view crl_file);
  // Reads `crl_path` and `ca_path` and parses them as above (errors name the file that cannot be read).
  static absl::StatusOr<RevocationList> ReadFiles(const std::string& crl_path, const std::string& ca_path);

  // Whether the certificate with this serial (uppercase hex, as ClientCertificate::serial) is revoked.
  bool IsRevoked(absl::string_view serial) const { return revoked_serials_.contains(serial); }
  size_t size() const { return revoked_serials_.size(); }
  // The earliest nextUpdate of the CRLs (InfiniteFuture when none says). A CRL past it is still applied (refusing
  // everybody during a crisis because the CA was not re-signed in time would be worse); the Authenticator logs it.
  absl::Time next_update() const { return next_update_; }

 private:
  absl::flat_hash_set<std::string> revoked_serials_;
  absl::Time next_update_ = absl::InfiniteFuture();
};

}  // namespace ketenbeeld::security

#endif  // KETENBEELD_SERVER_SECURITY_CRL_H_
