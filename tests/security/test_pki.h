// Test PKI on the OpenSSL C API (no openssl CLI): certificate authorities, server certificates with SANs, client
// certificates with a chosen subject (CN = organisation id, OU = role) and validity (also already expired), CRLs,
// and PEM files in a scratch directory. For the security tests and for any test that needs a TLS server.
//
// Keys are EC P-256 (fast to generate). Serials are unique per process.
//
// Thread safety: a TestCa may be used from one thread at a time; the free functions are thread-safe.
#ifndef KETENBEELD_TESTS_SECURITY_TEST_PKI_H_
#define KETENBEELD_TESTS_SECURITY_TEST_PKI_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ketenbeeld::testing {

// A certificate and its private key, both PEM.
struct IssuedCertificate {
  std::string certificate_pem;
  std::string key_pem;
  // Uppercase hex, as ClientCertificate::serial and `openssl x509 -serial` show it.
  std::string serial;
};

struct ClientCertificateSpec {
  // Subject CN (organisation id) and OUs (role words); leave empty to issue a certificate without them.
  std::string common_name{};
  std::vector<std::string> organizational_units{};
  absl::Time not_before = absl::Now() - absl::Hours(1);
  absl::Time not_after = absl::Now() + absl::Hours(24 * 30);
  // The extendedKeyUsage extension's value, as openssl.cnf writes it; empty: no such extension.
  std::string extended_key_usage = "clientAuth";
};

struct ServerCertificateSpec {
  std::string common_name = "localhost";
  std::vector<std::string> dns_names = {"localhost"};
  std::vector<std::string> ip_addresses = {"127.0.0.1", "::1"};
  absl::Time not_before = absl::Now() - absl::Hours(1);
  absl::Time not_after = absl::Now() + absl::Hours(24 * 30);
  // The extendedKeyUsage extension's value: a replicated region's members present their server certificate to each
  // other as their client certificate too, and need "serverAuth,clientAuth" (docs/replication.md).
  std::string extended_key_usage = "serverAuth";
};

class TestCa {
 public:
  // A self-signed CA valid from an hour ago for ten years. Aborts the test binary on an OpenSSL failure (these are
  // fixtures; an error here is a broken environment, not a test outcome).
  explicit TestCa(const std::string& common_name = "Ketenbeeld Test CA");
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& certificate_pem() const { return certificate_pem_; }

  IssuedCertificate IssueServer(const ServerCertificateSpec& spec = {});
  IssuedCertificate IssueClient(const ClientCertificateSpec& spec);
  // Shorthand: CN = organization_id, OU = role_word, valid now.
  IssuedCertificate IssueClient(const std::string& organization_id, const std::string& role_word);

  // A CRL signed by this CA listing `revoked_serials` (uppercase hex), valid for 30 days.
  std::string Crl(const std::vector<std::string>& revoked_serials) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::string certificate_pem_;
};

// A unique, empty directory under the test temp dir, removed with its contents on destruction.
class PkiDirectory {
 public:
  PkiDirectory();
  ~PkiDirectory();
  PkiDirectory(const PkiDirectory&) = delete;
  PkiDirectory& operator=(const PkiDirectory&) = delete;

  const std::string& path() const { return path_; }
  // Writes `contents` to path()/name (replacing it atomically by rename, as an operator's tooling would) and returns
  // the full path.
  std::string Write(const std::string& name, const std::string& contents) const;

 private:
  std::string path_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SECURITY_TEST_PKI_H_
