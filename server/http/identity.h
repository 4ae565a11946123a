// Who is calling over HTTP: the one place where the gateway decides the actor recorded in every event it submits.
//
// Same rules as gRPC (server/api/identity.h): until authentication lands (mTLS / tokens, see docs/architecture.md)
// the gateway listens on loopback only and the actor is the peer address, without organisation or role. When
// authentication comes, this function is where a client certificate or an "Authorization: Bearer" token is checked
// and mapped to organisation + role; it may then refuse the call (UNAUTHENTICATED / PERMISSION_DENIED), and every
// route of the gateway (JSON API and live feed) goes through it.
//
// Thread safety: pure function.
#ifndef KETENBEELD_SERVER_HTTP_IDENTITY_H_
#define KETENBEELD_SERVER_HTTP_IDENTITY_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::http {

// What the gateway knows about a caller, independent of the HTTP library.
struct CallerInfo {
  std::string remote_address;  // "127.0.0.1", "::1"
  int remote_port = 0;
  // Request headers, names lowercased.
  std::map<std::string, std::string> headers;
};

// The actor for `caller`: today {subject: "http:127.0.0.1:54321"}. Never fails yet; the StatusOr is the hook for
// UNAUTHENTICATED / PERMISSION_DENIED once credentials are checked.
absl::StatusOr<ketenbeeld::v1::Actor> IdentifyCaller(const CallerInfo& caller);

}  // namespace ketenbeeld::http

#endif  // KETENBEELD_SERVER_HTTP_IDENTITY_H_
