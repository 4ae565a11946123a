// Who is calling over HTTP: the same Authenticator as gRPC (server/security/authenticator.h) decides, from the
// caller's bearer token, and the same per-identity request rate applies. In development mode (no TLS, no tokens)
// every caller is a development identity named after its address ("http:127.0.0.1:54321").
//
// Where the token comes from: the "Authorization: Bearer <token>" header; for the live feed also the `access_token`
// query parameter, because a browser's EventSource cannot set headers. (The gateway listens on loopback only, so the
// parameter never crosses a network; it is never logged.)
//
// Thread safety: pure function of its arguments (the authenticator and limiter are thread safe).
#ifndef KETENBEELD_SERVER_HTTP_IDENTITY_H_
#define KETENBEELD_SERVER_HTTP_IDENTITY_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "server/policy/limits.h"
#include "server/security/authenticator.h"
#include "server/security/identity.h"

namespace ketenbeeld::http {

// What the gateway knows about a caller, independent of the HTTP library.
struct CallerInfo {
  std::string remote_address;  // "127.0.0.1", "::1"
  int remote_port = 0;
  // Request headers, names lowercased.
  std::map<std::string, std::string> headers;
  // The `access_token` query parameter (live feed only), or empty.
  std::string access_token{};
};

// The caller's identity. UNAUTHENTICATED (no or bad token), RESOURCE_EXHAUSTED (over the request rate).
absl::StatusOr<security::Identity> IdentifyCaller(const security::Authenticator& authenticator,
                                                  policy::RateLimiter& rate, const CallerInfo& caller);

}  // namespace ketenbeeld::http

#endif  // KETENBEELD_SERVER_HTTP_IDENTITY_H_
