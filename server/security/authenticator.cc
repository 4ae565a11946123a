#include "server/security/authenticator.h"

#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"
#include "server/observability/log.h"
#include "server/security/certificate.h"
#include "server/security/crl.h"
#include "server/security/files.h"
#include "server/security/reloading_file.h"
#include "server/security/tokens.h"

namespace ketenbeeld::security {
namespace {

// Parsed certificates kept by PEM. A region has tens to hundreds of organisations, a few certificates each; the map
// is cleared when it reaches this size, which bounds its memory even against a client cycling through certificates.
constexpr size_t kMaxCachedCertificates = 4096;

// How often the CRL and tokens file are looked at (stat) for changes, at most: also how soon a revocation reaches the
// streams that revalidate their identity.
constexpr absl::Duration kCredentialCheckInterval = absl::Seconds(1);

constexpr absl::string_view kAuthorizationKey = "authorization";

absl::StatusOr<RevocationList> LoadRevocationList(const std::string& crl_path, const std::string& ca_path) {
  absl::StatusOr<RevocationList> list = RevocationList::ReadFiles(crl_path, ca_path);
  if (list.ok() && list->next_update() < absl::Now()) {
    observability::LogWarning("crl_outdated", {{"path", crl_path},
                                               {"next_update", absl::FormatTime(list->next_update())},
                                               {"note", "still applied; re-issue it with the CA"}});
  }
  return list;
}

class AuthenticatorImpl final : public Authenticator {
 public:
  AuthenticatorImpl(AuthenticatorOptions options, std::unique_ptr<ReloadingFile<RevocationList>> crl,
                    std::unique_ptr<ReloadingFile<TokenTable>> tokens)
      : options_(std::move(options)), crl_(std::move(crl)), tokens_(std::move(tokens)) {}

  bool development_mode() const override { return !options_.tls.enabled() && tokens_ == nullptr; }

  absl::StatusOr<Identity> Authenticate(const grpc::ServerContextBase& context) const override {
    if (development_mode()) return DevelopmentIdentity(context.peer());
    if (options_.tls.enabled()) {
      // gRPC only puts a certificate here after the handshake verified it against the client CA (and its validity).
      const std::shared_ptr<const grpc::AuthContext> auth_context = context.auth_context();
      if (auth_context != nullptr) {
        const std::vector<grpc::string_ref> pems = auth_context->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
        if (!pems.empty()) return CertificateIdentity(absl::string_view(pems.front().data(), pems.front().size()));
      }
    }
    if (tokens_ == nullptr) return absl::UnauthenticatedError("no client certificate");

    const auto [first, end] =
        context.client_metadata().equal_range(grpc::string_ref(kAuthorizationKey.data(), kAuthorizationKey.size()));
    if (first == end) {
      return absl::UnauthenticatedError(
          options_.tls.enabled() ? "no credentials: present a client certificate or a bearer token "
                                   "(\"authorization: Bearer <token>\")"
                                 : "no credentials: send a bearer token (\"authorization: Bearer <token>\")");
    }
    if (std::next(first) != end) return absl::UnauthenticatedError("more than one \"authorization\" header");
    return TokenIdentity(absl::string_view(first->second.data(), first->second.size()));
  }

  absl::Status Revalidate(const Identity& identity) const override {
    switch (identity.credential) {
      case Credential::kDevelopment:
        return absl::OkStatus();
      case Credential::kCertificate:
        if (crl_ != nullptr && crl_->Current()->IsRevoked(identity.credential_id)) {
          return absl::UnauthenticatedError(absl::StrCat("client certificate revoked: CN=", identity.organization_id,
                                                         " serial ", identity.credential_id));
        }
        return absl::OkStatus();
      case Credential::kToken: {
        const std::shared_ptr<const TokenTable> table = tokens_ == nullptr ? nullptr : tokens_->Current();
        const Identity* now = table == nullptr ? nullptr : table->FindByHash(identity.credential_id);
        if (now == nullptr || now->organization_id != identity.organization_id || now->role != identity.role) {
          return absl::UnauthenticatedError(
              absl::StrCat("token revoked: ", identity.subject, " is no longer in the tokens file as it was"));
        }
        return absl::OkStatus();
      }
    }
    return absl::UnauthenticatedError("unknown kind of credential");
  }

  absl::StatusOr<Identity> AuthenticateHttp(absl::string_view peer, absl::string_view authorization) const override {
    if (development_mode()) return DevelopmentIdentity(absl::StrCat("http:", peer));
    if (tokens_ == nullptr) {
      return absl::UnauthenticatedError(
          "the HTTP gateway accepts bearer tokens only, and this server has no tokens file");
    }
    if (authorization.empty()) {
      return absl::UnauthenticatedError("no credentials: send \"Authorization: Bearer <token>\"");
    }
    return TokenIdentity(authorization);
  }

 private:
  static Identity DevelopmentIdentity(std::string subject) {
    Identity identity;
    identity.subject = std::move(subject);
    identity.credential = Credential::kDevelopment;
    return identity;
  }

  absl::StatusOr<Identity> TokenIdentity(absl::string_view authorization) const {
    absl::StatusOr<absl::string_view> token = BearerToken(authorization);
    if (!token.ok()) return absl::UnauthenticatedError(token.status().message());
    const std::shared_ptr<const TokenTable> table = tokens_->Current();
    const Identity* identity = table->Find(*token);
    if (identity == nullptr) return absl::UnauthenticatedError("unknown or revoked token");
    return *identity;
  }

  absl::StatusOr<Identity> CertificateIdentity(absl::string_view pem) const {
    std::shared_ptr<const absl::StatusOr<ClientCertificate>> parsed = ParsedCertificate(pem);
    if (!parsed->ok()) {
      // A PEM that gRPC accepted but OpenSSL cannot read is not the caller's fault to fix; still no identity.
      return absl::UnauthenticatedError(parsed->status().message());
    }
    const ClientCertificate& certificate = **parsed;
    // Checked on every call, not cached: a CRL change must apply to connections that are already open.
    if (crl_ != nullptr && crl_->Current()->IsRevoked(certificate.serial)) {
      return absl::UnauthenticatedError(absl::StrCat(
          "client certificate revoked: CN=", certificate.identity.organization_id, " serial ", certificate.serial));
    }
    return certificate.identity;
  }

  std::shared_ptr<const absl::StatusOr<ClientCertificate>> ParsedCertificate(absl::string_view pem) const
      ABSL_LOCKS_EXCLUDED(cache_mutex_) {
    {
      absl::ReaderMutexLock lock(&cache_mutex_);
      if (auto cached = certificate_cache_.find(pem); cached != certificate_cache_.end()) return cached->second;
    }
    auto parsed = std::make_shared<const absl::StatusOr<ClientCertificate>>(ParseClientCertificate(pem));
    absl::MutexLock lock(&cache_mutex_);
    if (certificate_cache_.size() >= kMaxCachedCertificates) certificate_cache_.clear();
    certificate_cache_.try_emplace(std::string(pem), parsed);
    return parsed;
  }

  const AuthenticatorOptions options_;
  const std::unique_ptr<ReloadingFile<RevocationList>> crl_;  // Null without client_crl.
  const std::unique_ptr<ReloadingFile<TokenTable>> tokens_;   // Null without tokens_file.

  mutable absl::Mutex cache_mutex_;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const absl::StatusOr<ClientCertificate>>> certificate_cache_
      ABSL_GUARDED_BY(cache_mutex_);
};

absl::Status InvalidOption(absl::string_view option, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(option, ": ", what));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(const AuthenticatorOptions& options) {
  const TlsOptions& tls = options.tls;
  if (!tls.enabled() && (!tls.server_private_key.empty() || !tls.client_ca.empty() || !tls.client_crl.empty())) {
    return InvalidOption("tls.server_certificate", "required with the other TLS options");
  }
  if (tls.enabled() && tls.client_ca.empty()) return InvalidOption("tls.client_ca", "required with TLS");

  std::unique_ptr<ReloadingFile<RevocationList>> crl;
  if (!tls.client_crl.empty()) {
    const std::string ca_path = tls.client_ca;
    absl::StatusOr<std::unique_ptr<ReloadingFile<RevocationList>>> loaded = ReloadingFile<RevocationList>::Create(
        tls.client_crl, "tls.client_crl",
        [ca_path](const std::string& crl_path) { return LoadRevocationList(crl_path, ca_path); },
        kCredentialCheckInterval);
    if (!loaded.ok()) return InvalidOption("tls.client_crl", loaded.status().message());
    crl = std::move(*loaded);
  }
  std::unique_ptr<ReloadingFile<TokenTable>> tokens;
  if (!options.tokens_file.empty()) {
    absl::StatusOr<std::unique_ptr<ReloadingFile<TokenTable>>> loaded = ReloadingFile<TokenTable>::Create(
        options.tokens_file, "tokens_file", &TokenTable::ReadFile, kCredentialCheckInterval, TokenTable());
    if (!loaded.ok()) return InvalidOption("tokens_file", loaded.status().message());
    tokens = std::move(*loaded);
  }
  return std::make_unique<AuthenticatorImpl>(options, std::move(crl), std::move(tokens));
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(const AuthenticatorOptions& options) {
  const TlsOptions& tls = options.tls;
  if (!tls.enabled()) {
    if (!tls.server_private_key.empty() || !tls.client_ca.empty() || !tls.client_crl.empty()) {
      return InvalidOption("tls.server_certificate", "required with the other TLS options");
    }
    return grpc::InsecureServerCredentials();
  }
  if (tls.server_private_key.empty()) return InvalidOption("tls.server_private_key", "required with TLS");
  if (tls.client_ca.empty()) return InvalidOption("tls.client_ca", "required with TLS");
  if (absl::Status status = CheckCertificateAndKey(tls.server_certificate, "tls.server_certificate",
                                                   tls.server_private_key, "tls.server_private_key");
      !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckCertificateFile(tls.client_ca, "tls.client_ca"); !status.ok()) return status;

  absl::StatusOr<std::string> certificate = ReadWholeFile(tls.server_certificate, "certificate");
  if (!certificate.ok()) return InvalidOption("tls.server_certificate", certificate.status().message());
  absl::StatusOr<std::string> key = ReadWholeFile(tls.server_private_key, "private key");
  if (!key.ok()) return InvalidOption("tls.server_private_key", key.status().message());
  absl::StatusOr<std::string> client_ca = ReadWholeFile(tls.client_ca, "client CA");
  if (!client_ca.ok()) return InvalidOption("tls.client_ca", client_ca.status().message());

  // With tokens a caller may come without a certificate; one that is presented is still verified against the CA.
  grpc::SslServerCredentialsOptions ssl_options(options.tokens_file.empty()
                                                    ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                    : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl_options.pem_root_certs = *client_ca;
  ssl_options.pem_key_cert_pairs.push_back({.private_key = *key, .cert_chain = *certificate});
  return grpc::SslServerCredentials(ssl_options);
}

}  // namespace ketenbeeld::security
