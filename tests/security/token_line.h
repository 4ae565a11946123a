// A line of the tokens file (docs/security.md, "Tokens") for tests that write one.
#ifndef KETENBEELD_TESTS_SECURITY_TOKEN_LINE_H_
#define KETENBEELD_TESTS_SECURITY_TOKEN_LINE_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "server/security/tokens.h"

namespace ketenbeeld::testing {

// "sha256:<hash of token> <organization> <role> <name>\n": `token` as the client sends it, the rest as stored.
inline std::string TokenLine(const std::string& token, const std::string& organization, const std::string& role,
                             const std::string& name) {
  return absl::StrCat("sha256:", security::TokenHash(token), " ", organization, " ", role, " ", name, "\n");
}

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SECURITY_TOKEN_LINE_H_
