// Who is calling: the identity the server establishes from a call's credentials, before any access decision.
//
// Three ways in (docs/security.md):
//   - a client certificate (mTLS) issued by the region's CA: subject CN = organisation id, OU = role word;
//   - a bearer token ("authorization: Bearer <token>"), stored hashed in the tokens file;
//   - development mode: plaintext on loopback with no tokens file. There is no identity; every caller may do
//     everything, and the server says so loudly at start-up.
#ifndef KETENBEELD_SERVER_SECURITY_IDENTITY_H_
#define KETENBEELD_SERVER_SECURITY_IDENTITY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::security {

enum class Credential {
  kDevelopment,  // No credentials checked (loopback plaintext, no tokens file).
  kCertificate,  // mTLS client certificate.
  kToken,        // Bearer token.
};

// The members have initialisers so callers may use designated initializers without -Wmissing-field-initializers.
struct Identity {
  // The organisation the caller acts for (certificate CN, token's organisation). Empty in development mode.
  std::string organization_id{};
  // ROLE_UNSPECIFIED only in development mode.
  ketenbeeld::v1::Role role = ketenbeeld::v1::ROLE_UNSPECIFIED;
  // Who exactly: "cert:<subject> serial <hex>", "token:<name>", or in development mode the peer address.
  std::string subject{};
  Credential credential = Credential::kDevelopment;
  // Which credential, for checking later whether it is still valid (Authenticator::Revalidate): the certificate's
  // serial (uppercase hex), or the lowercase hex SHA-256 of the token. Empty in development mode.
  std::string credential_id{};

  bool development() const { return credential == Credential::kDevelopment; }
  // The actor recorded in every event this caller causes.
  ketenbeeld::v1::Actor ToActor() const;
  // The key limits are counted under (subscriptions, request rate): the organisation and role, or the subject.
  std::string LimitKey() const;
};

// The role words of certificates (subject OU) and tokens files: "institution", "ghor", "dispatch", "bestuur",
// "operator", "federation" (the region's federator, docs/federation-policy.md). INVALID_ARGUMENT naming `field`
// otherwise.
//
// The old words "administration" (now "bestuur") and "admin" (now "operator") are still accepted, so certificates
// and tokens issued before the rename keep working until they are re-issued; the first use of each old word in a
// process logs `role_word_deprecated` (warning) once. They were one typo apart with very different powers: reading
// reports versus operating the service.
absl::StatusOr<ketenbeeld::v1::Role> ParseRole(absl::string_view word, absl::string_view field);
// The current word ParseRole() accepts for `role`; "unspecified" / "system" for the others.
absl::string_view RoleWord(ketenbeeld::v1::Role role);
// "institution, ghor, dispatch, bestuur, operator or federation": for messages that list the accepted words.
inline constexpr absl::string_view kRoleWords = "institution, ghor, dispatch, bestuur, operator or federation";

}  // namespace ketenbeeld::security

#endif  // KETENBEELD_SERVER_SECURITY_IDENTITY_H_
