// Bearer tokens for integrations that cannot hold a client certificate: the tokens file and the lookup of a
// presented token.
//
// File format, one token per line (docs/security.md, "Credentials"):
//   sha256:<64 lowercase or uppercase hex digits> <organization_id> <role> <name>
// `#` starts a comment line; blank lines are ignored. <role> is a word ParseRole() accepts; <name> is the rest of the
// line (may contain spaces) and becomes Identity.subject "token:<name>". Only SHA-256 hashes of the tokens are
// stored, so the file is not a secret in itself (it must still be protected against writes).
//
// Thread safety: a TokenTable is immutable after parsing and may be read from any thread.
#ifndef KETENBEELD_SERVER_SECURITY_TOKENS_H_
#define KETENBEELD_SERVER_SECURITY_TOKENS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/security/identity.h"

namespace ketenbeeld::security {

// Lowercase hex SHA-256 of `token` (64 characters): what the tokens file stores.
std::string TokenHash(absl::string_view token);

class TokenTable {
 public:
  // Parses the contents of a tokens file. INVALID_ARGUMENT "FILE:LINE: what is wrong" on the first bad line
  // (malformed hash, unknown role, invalid organisation id, missing name, a hash listed twice); `file_name` is only
  // used in messages.
  static absl::StatusOr<TokenTable> Parse(absl::string_view contents, absl::string_view file_name);
  // Reads and parses `path`. INVALID_ARGUMENT naming the file when it cannot be read.
  static absl::StatusOr<TokenTable> ReadFile(const std::string& path);

  // The identity of a presented token (the part after "Bearer "), or nullptr when no line lists its hash. The pointer
  // stays valid as long as this table. The lookup is by the hash of the token, so it takes the same time whatever
  // prefix of a valid token an attacker guesses (the hash is not secret; the token is).
  const Identity* Find(absl::string_view token) const;
  // The same by the token's hash (lowercase hex SHA-256, Identity::credential_id).
  const Identity* FindByHash(absl::string_view hash) const;

  size_t size() const { return by_hash_.size(); }

 private:
  // Lowercase hex SHA-256 -> identity (credential kToken).
  absl::flat_hash_map<std::string, Identity> by_hash_;
};

// The token of an "authorization" value "Bearer <token>" (scheme case-insensitive, as HTTP says). INVALID_ARGUMENT
// when the value is not a bearer credential or the token is empty.
absl::StatusOr<absl::string_view> BearerToken(absl::string_view authorization);

}  // namespace ketenbeeld::security

#endif  // KETENBEELD_SERVER_SECURITY_TOKENS_H_
