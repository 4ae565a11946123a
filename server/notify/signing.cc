#include "server/notify/signing.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ketenbeeld::notify {

std::string HmacSha256Hex(absl::string_view secret, absl::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string SignatureHeaderValue(absl::string_view secret, absl::string_view body) {
  return absl::StrCat("sha256=", HmacSha256Hex(secret, body));
}

bool VerifySignature(absl::string_view secret, absl::string_view body, absl::string_view header_value) {
  const std::string expected = SignatureHeaderValue(secret, body);
  return header_value.size() == expected.size() &&
         CRYPTO_memcmp(header_value.data(), expected.data(), expected.size()) == 0;
}

}  // namespace ketenbeeld::notify
