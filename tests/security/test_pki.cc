#include "tests/security/test_pki.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace ketenbeeld::testing {
namespace {

// OpenSSL frees its global state from an atexit handler, while one of gRPC's executor threads may still be freeing
// the TLS session of a connection whose last reference went away as the test ended: SSL_free then unlocks a freed
// lock (seen as a SEGV in CRYPTO_THREAD_unlock under clang's TSan, after the test had passed). A test process that
// uses TLS keeps OpenSSL's state until the process is gone; the operating system reclaims it.
[[maybe_unused]] const bool kOpenSslKeptUntilExit = OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CrlFree {
  void operator()(X509_CRL* crl) const { X509_CRL_free(crl); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CrlPtr = std::unique_ptr<X509_CRL, CrlFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void Die(const char* what) {
  char error[256] = "";
  ERR_error_string_n(ERR_get_error(), error, sizeof(error));
  std::fprintf(stderr, "test_pki: %s failed: %s\n", what, error);
  std::abort();
}

void Check(int result, const char* what) {
  if (result <= 0) Die(what);
}

KeyPtr NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) Die("EVP_EC_gen");
  return key;
}

// Serials unique in this process, never zero, starting high enough to take two bytes (exercises hex formatting).
uint64_t NextSerial() {
  static std::atomic<uint64_t> next{0x1001};
  return next.fetch_add(1);
}

std::string SerialHexOf(X509* certificate) {
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
  char* hex = BN_bn2hex(number);
  std::string result = hex;
  OPENSSL_free(hex);
  BN_free(number);
  return result;
}

void AddNameEntry(X509_NAME* name, const char* field, const std::string& value) {
  Check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                   -1, -1, 0),
        "X509_NAME_add_entry_by_txt");
}

void AddExtension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) Die("X509V3_EXT_conf_nid");
  Check(X509_add_ext(certificate, extension, -1), "X509_add_ext");
  X509_EXTENSION_free(extension);
}

void SetValidity(X509* certificate, absl::Time not_before, absl::Time not_after) {
  if (ASN1_TIME_set(X509_getm_notBefore(certificate), absl::ToTimeT(not_before)) == nullptr) Die("notBefore");
  if (ASN1_TIME_set(X509_getm_notAfter(certificate), absl::ToTimeT(not_after)) == nullptr) Die("notAfter");
}

// A certificate for `key` with `subject` entries, signed by `issuer_key` (issuer null: self-signed).
X509Ptr NewCertificate(EVP_PKEY* key, const std::vector<std::pair<const char*, std::string>>& subject, X509* issuer,
                       EVP_PKEY* issuer_key, absl::Time not_before, absl::Time not_after) {
  X509Ptr certificate(X509_new());
  Check(X509_set_version(certificate.get(), 2), "X509_set_version");  // v3
  Check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate.get()), NextSerial()), "serial");
  SetValidity(certificate.get(), not_before, not_after);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  for (const auto& [field, value] : subject) AddNameEntry(name, field, value);
  Check(X509_set_issuer_name(certificate.get(), issuer == nullptr ? name : X509_get_subject_name(issuer)), "issuer");
  Check(X509_set_pubkey(certificate.get(), key), "X509_set_pubkey");
  return certificate;
}

std::string CertificatePem(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509(bio.get(), certificate), "PEM_write_bio_X509");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);  // NOLINT(google-runtime-int): OpenSSL's type.
  return std::string(data, static_cast<size_t>(length));
}

std::string KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);  // NOLINT(google-runtime-int)
  return std::string(data, static_cast<size_t>(length));
}

}  // namespace

struct TestCa::State {
  KeyPtr key;
  X509Ptr certificate;
};

TestCa::TestCa(const std::string& common_name) : state_(std::make_unique<State>()) {
  state_->key = NewKey();
  state_->certificate = NewCertificate(state_->key.get(), {{"O", "Ketenbeeld tests"}, {"CN", common_name}}, nullptr,
                                       nullptr, absl::Now() - absl::Hours(1), absl::Now() + absl::Hours(24 * 3650));
  X509* certificate = state_->certificate.get();
  AddExtension(certificate, certificate, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(certificate, certificate, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(certificate, certificate, NID_subject_key_identifier, "hash");
  Check(X509_sign(certificate, state_->key.get(), EVP_sha256()), "X509_sign CA");
  certificate_pem_ = CertificatePem(certificate);
}

TestCa::~TestCa() = default;

IssuedCertificate TestCa::IssueServer(const ServerCertificateSpec& spec) {
  KeyPtr key = NewKey();
  X509Ptr certificate = NewCertificate(key.get(), {{"CN", spec.common_name}}, state_->certificate.get(),
                                       state_->key.get(), spec.not_before, spec.not_after);
  std::vector<std::string> names;
  for (const std::string& dns : spec.dns_names) names.push_back(absl::StrCat("DNS:", dns));
  for (const std::string& ip : spec.ip_addresses) names.push_back(absl::StrCat("IP:", ip));
  AddExtension(certificate.get(), state_->certificate.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(certificate.get(), state_->certificate.get(), NID_key_usage,
               "critical,digitalSignature,keyEncipherment");
  AddExtension(certificate.get(), state_->certificate.get(), NID_ext_key_usage, spec.extended_key_usage);
  if (!names.empty()) {
    AddExtension(certificate.get(), state_->certificate.get(), NID_subject_alt_name, absl::StrJoin(names, ","));
  }
  AddExtension(certificate.get(), state_->certificate.get(), NID_authority_key_identifier, "keyid:always");
  Check(X509_sign(certificate.get(), state_->key.get(), EVP_sha256()), "X509_sign server");
  return {CertificatePem(certificate.get()), KeyPem(key.get()), SerialHexOf(certificate.get())};
}

IssuedCertificate TestCa::IssueClient(const ClientCertificateSpec& spec) {
  KeyPtr key = NewKey();
  std::vector<std::pair<const char*, std::string>> subject = {{"O", "Ketenbeeld tests"}};
  for (const std::string& unit : spec.organizational_units) subject.emplace_back("OU", unit);
  if (!spec.common_name.empty()) subject.emplace_back("CN", spec.common_name);
  X509Ptr certificate =
      NewCertificate(key.get(), subject, state_->certificate.get(), state_->key.get(), spec.not_before, spec.not_after);
  AddExtension(certificate.get(), state_->certificate.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(certificate.get(), state_->certificate.get(), NID_key_usage, "critical,digitalSignature");
  if (!spec.extended_key_usage.empty()) {
    AddExtension(certificate.get(), state_->certificate.get(), NID_ext_key_usage, spec.extended_key_usage);
  }
  AddExtension(certificate.get(), state_->certificate.get(), NID_authority_key_identifier, "keyid:always");
  Check(X509_sign(certificate.get(), state_->key.get(), EVP_sha256()), "X509_sign client");
  return {CertificatePem(certificate.get()), KeyPem(key.get()), SerialHexOf(certificate.get())};
}

IssuedCertificate TestCa::IssueClient(const std::string& organization_id, const std::string& role_word) {
  return IssueClient(ClientCertificateSpec{.common_name = organization_id, .organizational_units = {role_word}});
}

std::string TestCa::Crl(const std::vector<std::string>& revoked_serials) const {
  CrlPtr crl(X509_CRL_new());
  Check(X509_CRL_set_version(crl.get(), 1), "X509_CRL_set_version");  // v2
  Check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(state_->certificate.get())), "CRL issuer");
  ASN1_TIME* last_update = ASN1_TIME_set(nullptr, absl::ToTimeT(absl::Now() - absl::Hours(1)));
  ASN1_TIME* next_update = ASN1_TIME_set(nullptr, absl::ToTimeT(absl::Now() + absl::Hours(24 * 30)));
  Check(X509_CRL_set1_lastUpdate(crl.get(), last_update), "lastUpdate");
  Check(X509_CRL_set1_nextUpdate(crl.get(), next_update), "nextUpdate");
  for (const std::string& serial_hex : revoked_serials) {
    BIGNUM* number = nullptr;
    Check(BN_hex2bn(&number, serial_hex.c_str()), "BN_hex2bn");
    ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(number, nullptr);
    X509_REVOKED* revoked = X509_REVOKED_new();
    Check(X509_REVOKED_set_serialNumber(revoked, serial), "X509_REVOKED_set_serialNumber");
    Check(X509_REVOKED_set_revocationDate(revoked, last_update), "X509_REVOKED_set_revocationDate");
    Check(X509_CRL_add0_revoked(crl.get(), revoked), "X509_CRL_add0_revoked");
    ASN1_INTEGER_free(serial);
    BN_free(number);
  }
  ASN1_TIME_free(last_update);
  ASN1_TIME_free(next_update);
  Check(X509_CRL_sort(crl.get()), "X509_CRL_sort");
  Check(X509_CRL_sign(crl.get(), state_->key.get(), EVP_sha256()), "X509_CRL_sign");
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509_CRL(bio.get(), crl.get()), "PEM_write_bio_X509_CRL");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);  // NOLINT(google-runtime-int)
  return std::string(data, static_cast<size_t>(length));
}

PkiDirectory::PkiDirectory() {
  std::string pattern = absl::StrCat(::testing::TempDir(), "ketenbeeld-pki-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  path_ = pattern;
}

PkiDirectory::~PkiDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string PkiDirectory::Write(const std::string& name, const std::string& contents) const {
  const std::string path = absl::StrCat(path_, "/", name);
  const std::string temporary = absl::StrCat(path, ".tmp");
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file << contents;
    if (!file.flush()) {
      std::perror(temporary.c_str());
      std::abort();
    }
  }
  std::filesystem::rename(temporary, path);
  return path;
}

}  // namespace ketenbeeld::testing
