// Authentication: from a call's transport credentials to an Identity (server/security/identity.h), and the gRPC
// server credentials that make those transport credentials available.
//
// Modes, decided once from the configuration:
//   - TLS configured, no tokens file: every call must present a client certificate signed by the client CA (the TLS
//     handshake refuses others, and expired ones); the certificate's serial must not be in the CRL.
//   - TLS configured and a tokens file: a client certificate or a bearer token ("authorization: Bearer <token>").
//   - Plaintext (loopback only) with a tokens file: every call must carry a valid bearer token.
//   - Plaintext without a tokens file: development mode, no identity (Identity::development()).
// The CRL and the tokens file are re-read when they change on disk, so revoking takes effect without a restart.
//
// Thread safety: Authenticate* may be called concurrently from any thread.
#ifndef KETENBEELD_SERVER_SECURITY_AUTHENTICATOR_H_
#define KETENBEELD_SERVER_SECURITY_AUTHENTICATOR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_context.h"
#include "server/security/identity.h"
#include "server/security/revalidator.h"

namespace ketenbeeld::security {

// Transport security (ketenbeeld.server.v1.TlsConfig): PEM file paths. Without a server certificate the server serves
// plaintext, on loopback addresses only.
struct TlsOptions {
  std::string server_certificate;
  std::string server_private_key;
  // CA that signs the organisations' client certificates (mTLS). Required with TLS.
  std::string client_ca;
  // Optional PEM CRL issued by client_ca: certificates whose serial it lists are refused.
  std::string client_crl;

  bool enabled() const { return !server_certificate.empty(); }
};

struct AuthenticatorOptions {
  TlsOptions tls;
  // Bearer tokens (format: docs/security.md); empty: no token mode.
  std::string tokens_file;
};

class Authenticator : public Revalidator {
 public:
  // Reads the CRL and tokens file. INVALID_ARGUMENT naming the file (and line) when one cannot be read or parsed.
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(const AuthenticatorOptions& options);
  virtual ~Authenticator() = default;

  // Neither TLS nor tokens: nobody is authenticated and everything is allowed (loopback development only).
  virtual bool development_mode() const = 0;

  // The identity behind a gRPC call: its client certificate or its "authorization" metadata. UNAUTHENTICATED with
  // the reason (no credentials, unknown token, revoked certificate, certificate without organisation or role).
  virtual absl::StatusOr<Identity> Authenticate(const grpc::ServerContextBase& context) const = 0;

  // The same for the HTTP gateway: `peer` ("127.0.0.1:5555") and the value of its Authorization header (may be
  // empty). Only tokens are accepted over HTTP.
  virtual absl::StatusOr<Identity> AuthenticateHttp(absl::string_view peer, absl::string_view authorization) const = 0;
};

// Server credentials for `options`: insecure without TLS; with TLS, the server certificate and key and the client CA,
// requiring a client certificate unless tokens are accepted too (then a certificate is requested and verified when
// presented). INVALID_ARGUMENT naming the file that cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(const AuthenticatorOptions& options);

}  // namespace ketenbeeld::security

#endif  // KETENBEELD_SERVER_SECURITY_AUTHENTICATOR_H_
