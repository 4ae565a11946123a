#include "server/security/crl.h"

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <algorithm>
#include <ctime>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/security/files.h"
#include "server/security/openssl_util.h"

namespace ketenbeeld::security {
namespace {

absl::Status Invalid(absl::string_view crl_file, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(crl_file, ": ", what));
}

absl::Time ToTime(const ASN1_TIME* time) {
  struct tm broken_down {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &broken_down) != 1) return absl::InfiniteFuture();
  return absl::FromTimeT(timegm(&broken_down));
}

}  // namespace

absl::StatusOr<RevocationList> RevocationList::Parse(absl::string_view crl_pem, absl::string_view ca_pem,
                                                     absl::string_view crl_file) {
  std::vector<openssl::X509CrlPtr> crls = openssl::ReadCrls(crl_pem);
  if (crls.empty()) return Invalid(crl_file, "no PEM CRL (\"-----BEGIN X509 CRL-----\") in the file");
  std::vector<openssl::X509Ptr> authorities = openssl::ReadCertificates(ca_pem);
  if (authorities.empty()) return Invalid(crl_file, "no CA certificate to verify the CRL with (tls.client_ca)");

  RevocationList list;
  for (size_t index = 0; index < crls.size(); ++index) {
    X509_CRL* crl = crls[index].get();
    const std::string which = crls.size() == 1 ? "the CRL" : absl::StrCat("CRL ", index + 1);
    X509* issuer = nullptr;
    for (const openssl::X509Ptr& authority : authorities) {
      if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(authority.get())) == 0) {
        issuer = authority.get();
        break;
      }
    }
    if (issuer == nullptr)
      return Invalid(crl_file, absl::StrCat(which, " is not issued by the client CA (tls.client_ca)"));
    EVP_PKEY* issuer_key = X509_get0_pubkey(issuer);
    if (issuer_key == nullptr || X509_CRL_verify(crl, issuer_key) != 1) {
      openssl::LastError();
      return Invalid(crl_file, absl::StrCat("the signature of ", which, " does not verify with the client CA"));
    }
    list.next_update_ = std::min(list.next_update_, ToTime(X509_CRL_get0_nextUpdate(crl)));
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
    for (int entry = 0; entry < sk_X509_REVOKED_num(revoked); ++entry) {
      list.revoked_serials_.insert(
          openssl::IntegerHex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, entry))));
    }
  }
  return list;
}

absl::StatusOr<RevocationList> RevocationList::ReadFiles(const std::string& crl_path, const std::string& ca_path) {
  absl::StatusOr<std::string> crl_pem = ReadWholeFile(crl_path, "CRL");
  if (!crl_pem.ok()) return crl_pem.status();
  absl::StatusOr<std::string> ca_pem = ReadWholeFile(ca_path, "client CA");
  if (!ca_pem.ok()) return ca_pem.status();
  return Parse(*crl_pem, *ca_pem, crl_path);
}

}  // namespace ketenbeeld::security
