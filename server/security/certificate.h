// X.509 client certificates (OpenSSL): from the PEM the TLS handshake verified to the organisation and role it names,
// plus the start-up checks of the server's own certificate and key.
//
// Naming rule (docs/security.md, "Credentials"): subject CN = organisation id ("ziekenhuis-a"), subject OU = role word
// ("institution", "ghor", "dispatch", "bestuur", "operator", "federation"; the old "administration" and "admin" are
// still accepted, see ParseRole()).
//
// Thread safety: free functions without shared state; safe from any thread.
#ifndef KETENBEELD_SERVER_SECURITY_CERTIFICATE_H_
#define KETENBEELD_SERVER_SECURITY_CERTIFICATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/security/identity.h"

namespace ketenbeeld::security {

// A verified client certificate as the Authenticator sees it.
struct ClientCertificate {
  // credential kCertificate; subject "cert:CN=<cn>,OU=<ou> serial <SERIAL>".
  Identity identity;
  // Uppercase hex without leading zeros, as `openssl x509 -serial` and RevocationList print it.
  std::string serial;
};

// Parses the leaf certificate in `pem` (the peer certificate gRPC puts in the auth context). The signature and
// validity are NOT checked here: the TLS handshake did that. Errors:
//   UNAUTHENTICATED "client certificate: ..." naming what is missing or wrong: no subject CN (organisation id), a CN
//   that is not a valid organisation id, no subject OU (role), an OU that is not a role word, more than one CN or role;
//   INVALID_ARGUMENT when `pem` is not a PEM certificate at all.
absl::StatusOr<ClientCertificate> ParseClientCertificate(absl::string_view pem);

// Start-up checks for TLS: `certificate_path` holds at least one PEM certificate, `key_path` a private key that
// belongs to the first certificate. INVALID_ARGUMENT naming the option (`certificate_option`, `key_option`) and the
// file on any problem, including a key that does not match the certificate.
absl::Status CheckCertificateAndKey(const std::string& certificate_path, absl::string_view certificate_option,
                                    const std::string& key_path, absl::string_view key_option);

// Start-up check of a CA file: at least one PEM certificate. INVALID_ARGUMENT naming `option` and the file otherwise.
absl::Status CheckCertificateFile(const std::string& path, absl::string_view option);

}  // namespace ketenbeeld::security

#endif  // KETENBEELD_SERVER_SECURITY_CERTIFICATE_H_
