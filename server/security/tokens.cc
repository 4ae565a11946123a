#include "server/security/tokens.h"

#include <openssl/evp.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/domain/field_checks.h"
#include "server/security/files.h"

namespace ketenbeeld::security {
namespace {

constexpr absl::string_view kHashPrefix = "sha256:";
constexpr size_t kHashHexLength = 64;

bool IsHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string TokenHash(absl::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  // EVP_Digest with SHA-256 cannot fail for in-memory input short of allocation failure; an empty digest would then
  // match no stored hash, so the token is refused rather than accepted.
  if (EVP_Digest(token.data(), token.size(), digest, &digest_length, EVP_sha256(), nullptr) != 1) return {};
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), digest_length));
}

absl::StatusOr<TokenTable> TokenTable::Parse(absl::string_view contents, absl::string_view file_name) {
  TokenTable table;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    ++line_number;
    auto invalid = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(file_name, ":", line_number, ": ", what));
    };
    line = absl::StripAsciiWhitespace(line);  // Also drops the CR of Windows line ends.
    if (line.empty() || line.front() == '#') continue;

    // Three words separated by runs of blanks, then the name: the rest of the line, inner spaces kept.
    std::vector<absl::string_view> fields;
    absl::string_view rest = line;
    while (fields.size() < 3 && !rest.empty()) {
      const size_t end = std::min(rest.find_first_of(" \t"), rest.size());
      fields.push_back(rest.substr(0, end));
      rest = absl::StripLeadingAsciiWhitespace(rest.substr(end));
    }
    if (!rest.empty()) fields.push_back(rest);
    if (fields.size() < 4) {
      return invalid("expected \"sha256:<64 hex digits> <organization_id> <role> <name>\"");
    }
    absl::string_view hash = fields[0];
    if (!absl::ConsumePrefix(&hash, kHashPrefix)) return invalid("the token hash must start with \"sha256:\"");
    if (hash.size() != kHashHexLength || !IsHex(hash)) {
      return invalid(absl::StrCat("the token hash must be 64 hex digits, got ", hash.size(), " characters"));
    }
    const std::string organization_id(fields[1]);
    if (std::string problem = domain::checks::IdProblem(organization_id); !problem.empty()) {
      return invalid(absl::StrCat("organization id ", problem));
    }
    absl::StatusOr<v1::Role> role = ParseRole(fields[2], "role");
    if (!role.ok()) return invalid(role.status().message());
    const std::string name(absl::StripAsciiWhitespace(fields[3]));

    Identity identity;
    identity.organization_id = organization_id;
    identity.role = *role;
    identity.subject = absl::StrCat("token:", name);
    identity.credential = Credential::kToken;
    identity.credential_id = absl::AsciiStrToLower(hash);
    const auto [entry, inserted] = table.by_hash_.try_emplace(identity.credential_id, identity);
    if (!inserted) return invalid(absl::StrCat("the same token is already listed for ", entry->second.subject));
  }
  return table;
}

absl::StatusOr<TokenTable> TokenTable::ReadFile(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadWholeFile(path, "tokens file");
  if (!contents.ok()) return contents.status();
  return Parse(*contents, path);
}

const Identity* TokenTable::Find(absl::string_view token) const { return FindByHash(TokenHash(token)); }

const Identity* TokenTable::FindByHash(absl::string_view hash) const {
  auto entry = by_hash_.find(hash);
  return entry == by_hash_.end() ? nullptr : &entry->second;
}

absl::StatusOr<absl::string_view> BearerToken(absl::string_view authorization) {
  authorization = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "bearer ";
  if (!absl::StartsWithIgnoreCase(authorization, kScheme)) {
    return absl::InvalidArgumentError("the authorization is not \"Bearer <token>\"");
  }
  absl::string_view token = absl::StripLeadingAsciiWhitespace(authorization.substr(kScheme.size()));
  if (token.empty()) return absl::InvalidArgumentError("the bearer token is empty");
  return token;
}

}  // namespace ketenbeeld::security
