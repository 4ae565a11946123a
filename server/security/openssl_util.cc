#include "server/security/openssl_util.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

namespace ketenbeeld::security::openssl {

BioPtr MemoryBio(absl::string_view data) {
  // OpenSSL takes an int length; credential files are far below 2 GiB (ReadWholeFile caps them at 64 MiB).
  const int length = data.size() > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(data.size());
  return BioPtr(BIO_new_mem_buf(data.data(), length));
}

std::vector<X509Ptr> ReadCertificates(absl::string_view pem) {
  std::vector<X509Ptr> certificates;
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return certificates;
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(certificate);
  }
  ERR_clear_error();  // The loop always ends with a "no start line" error.
  return certificates;
}

std::vector<X509CrlPtr> ReadCrls(absl::string_view pem) {
  std::vector<X509CrlPtr> crls;
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return crls;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) crls.emplace_back(crl);
  ERR_clear_error();
  return crls;
}

EvpPkeyPtr ReadPrivateKey(absl::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return nullptr;
  // A null password callback with an empty password: an encrypted key fails here instead of prompting on a terminal.
  char empty_password[] = "";
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, empty_password));
  return key;
}

std::string LastError() {
  const unsigned long code = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type.
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

std::string IntegerHex(const ASN1_INTEGER* integer) {
  BIGNUM* number = ASN1_INTEGER_to_BN(integer, nullptr);
  if (number == nullptr) return "?";
  char* hex = BN_bn2hex(number);
  std::string result = hex == nullptr ? "?" : hex;
  OPENSSL_free(hex);
  BN_free(number);
  return result;
}

}  // namespace ketenbeeld::security::openssl
