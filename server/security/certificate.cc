#include "server/security/certificate.h"

#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/domain/field_checks.h"
#include "server/security/files.h"
#include "server/security/openssl_util.h"

namespace ketenbeeld::security {
namespace {

absl::Status Unauthenticated(absl::string_view what) {
  return absl::UnauthenticatedError(absl::StrCat("client certificate: ", what));
}

// The UTF-8 values of every `nid` entry of `name`. Entries that are not valid strings come back as "?" so that they
// still count (a certificate with two CNs is refused even when one of them is unreadable).
std::vector<std::string> NameEntries(const X509_NAME* name, int nid) {
  std::vector<std::string> values;
  for (int index = X509_NAME_get_index_by_NID(name, nid, -1); index >= 0;
       index = X509_NAME_get_index_by_NID(name, nid, index)) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length < 0) {
      values.emplace_back("?");
      continue;
    }
    values.emplace_back(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
    OPENSSL_free(utf8);
  }
  return values;
}

// What a message may quote of a certificate field: printable ASCII, cut short. Certificate contents come from outside.
std::string Printable(absl::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  if (text.size() > 64) out += "...";
  return out;
}

}  // namespace

absl::StatusOr<ClientCertificate> ParseClientCertificate(absl::string_view pem) {
  std::vector<openssl::X509Ptr> certificates = openssl::ReadCertificates(pem);
  if (certificates.empty()) return absl::InvalidArgumentError("client certificate: not a PEM certificate");
  X509* certificate = certificates.front().get();
  // Issued for client authentication: a certificate of the same CA made for another purpose (the server's own,
  // with serverAuth) is not an organisation's credential. Without the extension OpenSSL allows every purpose, so its
  // presence is required too.
  if ((X509_get_extension_flags(certificate) & EXFLAG_XKUSAGE) == 0 ||
      (X509_get_extended_key_usage(certificate) & XKU_SSL_CLIENT) == 0) {
    return Unauthenticated("not issued for client authentication (extended key usage clientAuth is required)");
  }
  const X509_NAME* subject = X509_get_subject_name(certificate);
  if (subject == nullptr) return Unauthenticated("no subject");

  const std::vector<std::string> common_names = NameEntries(subject, NID_commonName);
  if (common_names.empty()) return Unauthenticated("no subject CN (the organisation id)");
  if (common_names.size() > 1) return Unauthenticated("more than one subject CN; expected one organisation id");
  const std::string& organization_id = common_names.front();
  if (std::string problem = domain::checks::IdProblem(organization_id); !problem.empty()) {
    return Unauthenticated(
        absl::StrCat("subject CN \"", Printable(organization_id), "\" is not an organisation id: ", problem));
  }

  // Exactly one OU must be a role word. Other OUs are tolerated: a region's CA may add its own (department names).
  const std::vector<std::string> units = NameEntries(subject, NID_organizationalUnitName);
  if (units.empty()) return Unauthenticated(absl::StrCat("no subject OU (the role: ", kRoleWords, ")"));
  std::vector<std::string> role_words;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  for (const std::string& unit : units) {
    if (absl::StatusOr<v1::Role> parsed = ParseRole(unit, "OU"); parsed.ok()) {
      role = *parsed;
      role_words.push_back(unit);
    }
  }
  if (role_words.empty()) {
    std::vector<std::string> shown;
    for (const std::string& unit : units) shown.push_back(Printable(unit));
    return Unauthenticated(
        absl::StrCat("subject OU \"", absl::StrJoin(shown, "\", \""), "\" is not a role; expected ", kRoleWords));
  }
  if (role_words.size() > 1) {
    return Unauthenticated(
        absl::StrCat("more than one role in the subject OU (", absl::StrJoin(role_words, ", "), ")"));
  }

  ClientCertificate result;
  result.serial = openssl::IntegerHex(X509_get0_serialNumber(certificate));
  result.identity.organization_id = organization_id;
  result.identity.role = role;
  result.identity.credential = Credential::kCertificate;
  result.identity.credential_id = result.serial;
  result.identity.subject =
      absl::StrCat("cert:CN=", organization_id, ",OU=", role_words.front(), " serial ", result.serial);
  return result;
}

absl::Status CheckCertificateFile(const std::string& path, absl::string_view option) {
  absl::StatusOr<std::string> pem = ReadWholeFile(path, "certificate");
  if (!pem.ok()) return absl::InvalidArgumentError(absl::StrCat(option, ": ", pem.status().message()));
  if (openssl::ReadCertificates(*pem).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(option, ": ", path, ": no PEM certificate in the file"));
  }
  return absl::OkStatus();
}

absl::Status CheckCertificateAndKey(const std::string& certificate_path, absl::string_view certificate_option,
                                    const std::string& key_path, absl::string_view key_option) {
  absl::StatusOr<std::string> certificate_pem = ReadWholeFile(certificate_path, "certificate");
  if (!certificate_pem.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(certificate_option, ": ", certificate_pem.status().message()));
  }
  std::vector<openssl::X509Ptr> certificates = openssl::ReadCertificates(*certificate_pem);
  if (certificates.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(certificate_option, ": ", certificate_path, ": no PEM certificate in the file"));
  }
  absl::StatusOr<std::string> key_pem = ReadWholeFile(key_path, "private key");
  if (!key_pem.ok()) return absl::InvalidArgumentError(absl::StrCat(key_option, ": ", key_pem.status().message()));
  openssl::EvpPkeyPtr key = openssl::ReadPrivateKey(*key_pem);
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        key_option, ": ", key_path, ": no unencrypted PEM private key in the file (", openssl::LastError(), ")"));
  }
  if (X509_check_private_key(certificates.front().get(), key.get()) != 1) {
    openssl::LastError();  // Clear the queue; the message below says what it means.
    return absl::InvalidArgumentError(absl::StrCat(key_option, ": ", key_path, ": the key does not belong to the ",
                                                   certificate_option, " ", certificate_path));
  }
  return absl::OkStatus();
}

}  // namespace ketenbeeld::security
