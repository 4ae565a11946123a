// Contact endpoints of an organisation (webhook, e-mail): their checks, and the rule that keeps a webhook's secret
// out of every read.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_SERVER_DOMAIN_ENDPOINTS_H_
#define KETENBEELD_SERVER_DOMAIN_ENDPOINTS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::domain {

inline constexpr int kMaxEndpoints = 10;
inline constexpr int kMaxUrlLength = 500;
inline constexpr int kMinSecretLength = 16;
inline constexpr int kMaxSecretLength = 200;

// The parts of an http(s) URL the server needs.
struct ParsedUrl {
  std::string scheme;  // "https" or "http"
  std::string host;    // Without brackets for IPv6.
  bool loopback = false;
};

// Parses "https://host[:port]/path" (or http://). INVALID_ARGUMENT naming `field` for another scheme, a user name or
// password in it, an empty host, a bad port, spaces or control characters, or more than kMaxUrlLength characters.
// Plain http is accepted only to a loopback host (127.0.0.0/8, [::1], localhost): development and tests.
absl::Status CheckWebhookUrl(absl::string_view url, absl::string_view field);
// Whether a (lowercase, unbracketed) host is a loopback one: "localhost", "::1" or 127.0.0.0/8.
bool IsLoopbackHost(absl::string_view host);
absl::StatusOr<ParsedUrl> ParseHttpUrl(absl::string_view url);

// "local@domain", at most 200 characters, no whitespace, control characters, '<', '>', ',', ';' or quotes (they
// would let an address smuggle another recipient or header into SMTP). INVALID_ARGUMENT naming `field`.
absl::Status CheckEmailAddress(absl::string_view address, absl::string_view field);

// The endpoints of `contact` (at most kMaxEndpoints, ids unique, exactly one target each, valid URL, address and
// secret). A webhook may come without a secret here: whether one is stored for it is the planner's question
// (KeepSecrets). INVALID_ARGUMENT naming the field, e.g. "organization.contact.endpoints[1].webhook.url"; the
// message never quotes a secret.
absl::Status CheckEndpoints(const ketenbeeld::v1::Contact& contact, absl::string_view path);

// Registration: every webhook of `organization` sent without a secret keeps the secret of the endpoint of the same id
// and URL in `previous` (nullptr: none), so that a client that read the organisation (secrets redacted) can register
// it again unchanged. INVALID_ARGUMENT naming `organization.contact.endpoints[i].webhook.secret` for a webhook that
// then still has none.
absl::Status KeepSecrets(const ketenbeeld::v1::Organization* previous, ketenbeeld::v1::Organization& organization);

// Whether `record` holds a secret (an organisation with a webhook secret), and the record without it (secrets
// emptied). Every read path shows records through StripSecrets (server/policy/visibility.h).
bool HoldsSecrets(const ketenbeeld::v1::Record& record);
void StripSecrets(ketenbeeld::v1::Record& record);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_ENDPOINTS_H_
