// RAII owners for the OpenSSL objects the security module uses, and reading PEM from memory. Internal to
// server/security and its tests.
#ifndef KETENBEELD_SERVER_SECURITY_OPENSSL_UTIL_H_
#define KETENBEELD_SERVER_SECURITY_OPENSSL_UTIL_H_

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace ketenbeeld::security::openssl {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct X509CrlFree {
  void operator()(X509_CRL* crl) const { X509_CRL_free(crl); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlFree>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// A read-only memory BIO over `data` (which must outlive it).
BioPtr MemoryBio(absl::string_view data);

// Every certificate in a PEM text, in order (empty when there is none or the PEM is malformed).
std::vector<X509Ptr> ReadCertificates(absl::string_view pem);
// Every CRL in a PEM text, in order.
std::vector<X509CrlPtr> ReadCrls(absl::string_view pem);
// The first private key in a PEM text, or null.
EvpPkeyPtr ReadPrivateKey(absl::string_view pem);

// The text of OpenSSL's most recent error on this thread (and clears the queue), or "unknown error".
std::string LastError();

// Uppercase hex of an ASN.1 integer ("0" for zero), as `openssl x509 -serial` prints it.
std::string IntegerHex(const ASN1_INTEGER* integer);

}  // namespace ketenbeeld::security::openssl

#endif  // KETENBEELD_SERVER_SECURITY_OPENSSL_UTIL_H_
