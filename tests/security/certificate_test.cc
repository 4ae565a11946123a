// Client certificate -> identity (CN = organisation, OU = role), and the start-up checks of the server's own
// certificate and key.
#include "server/security/certificate.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/test_pki.h"

namespace ketenbeeld::security {
namespace {

using ::ketenbeeld::testing::ClientCertificateSpec;
using ::ketenbeeld::testing::IssuedCertificate;
using ::ketenbeeld::testing::PkiDirectory;
using ::ketenbeeld::testing::TestCa;
using ::testing::HasSubstr;

class CertificateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ca_ = new TestCa(); }
  static void TearDownTestSuite() {
    delete ca_;
    ca_ = nullptr;
  }
  static TestCa* ca_;
};
TestCa* CertificateTest::ca_ = nullptr;

TEST_F(CertificateTest, NamesOrganisationRoleAndSerial) {
  const IssuedCertificate issued = ca_->IssueClient("zh-noord", "institution");
  absl::StatusOr<ClientCertificate> parsed = ParseClientCertificate(issued.certificate_pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->serial, issued.serial);
  EXPECT_EQ(parsed->identity.organization_id, "zh-noord");
  EXPECT_EQ(parsed->identity.role, v1::ROLE_INSTITUTION);
  EXPECT_EQ(parsed->identity.credential, Credential::kCertificate);
  EXPECT_EQ(parsed->identity.subject, absl::StrCat("cert:CN=zh-noord,OU=institution serial ", issued.serial));
}

// Including the words of certificates issued before the rename: "administration" (now "bestuur") and "admin" (now
// "operator") keep their roles, so no certificate in the field loses (or gains) powers.
TEST_F(CertificateTest, EveryRoleWordIsARole) {
  const std::pair<const char*, v1::Role> roles[] = {
      {"institution", v1::ROLE_INSTITUTION}, {"ghor", v1::ROLE_GHOR},         {"dispatch", v1::ROLE_DISPATCH},
      {"bestuur", v1::ROLE_BESTUUR},         {"operator", v1::ROLE_OPERATOR}, {"administration", v1::ROLE_BESTUUR},
      {"admin", v1::ROLE_OPERATOR}};
  for (const auto& [word, role] : roles) {
    absl::StatusOr<ClientCertificate> parsed =
        ParseClientCertificate(ca_->IssueClient("ghor-vr10", word).certificate_pem);
    ASSERT_TRUE(parsed.ok()) << word << ": " << parsed.status();
    EXPECT_EQ(parsed->identity.role, role) << word;
  }
}

TEST_F(CertificateTest, OtherOrganisationalUnitsBesideTheRoleAreTolerated) {
  absl::StatusOr<ClientCertificate> parsed = ParseClientCertificate(
      ca_->IssueClient(ClientCertificateSpec{.common_name = "zh-kust", .organizational_units = {"IC", "ghor"}})
          .certificate_pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->identity.role, v1::ROLE_GHOR);
  EXPECT_THAT(parsed->identity.subject, HasSubstr("cert:CN=zh-kust,OU=ghor serial "));
}

struct Refusal {
  const char* name;
  ClientCertificateSpec spec;
  const char* message;
};

TEST_F(CertificateTest, CertificatesWithoutAUsableOrganisationOrRoleAreUnauthenticated) {
  const Refusal refusals[] = {
      {"no CN", {.common_name = "", .organizational_units = {"institution"}}, "no subject CN (the organisation id)"},
      {"no OU", {.common_name = "zh-noord", .organizational_units = {}}, "no subject OU (the role"},
      {"unknown OU",
       {.common_name = "zh-noord", .organizational_units = {"nurses"}},
       "subject OU \"nurses\" is not a role"},
      {"two roles",
       {.common_name = "zh-noord", .organizational_units = {"institution", "admin"}},
       "more than one role in the subject OU (institution, admin)"},
      {"old and new word of one role",
       {.common_name = "zh-noord", .organizational_units = {"operator", "admin"}},
       "more than one role in the subject OU (operator, admin)"},
      {"CN not an id",
       {.common_name = "Ziekenhuis Noord", .organizational_units = {"institution"}},
       "subject CN \"Ziekenhuis Noord\" is not an organisation id"},
      {"issued for a server",
       {.common_name = "zh-noord", .organizational_units = {"institution"}, .extended_key_usage = "serverAuth"},
       "not issued for client authentication (extended key usage clientAuth is required)"},
      {"no extended key usage",
       {.common_name = "zh-noord", .organizational_units = {"institution"}, .extended_key_usage = ""},
       "not issued for client authentication"},
  };
  for (const Refusal& refusal : refusals) {
    absl::StatusOr<ClientCertificate> parsed = ParseClientCertificate(ca_->IssueClient(refusal.spec).certificate_pem);
    ASSERT_FALSE(parsed.ok()) << refusal.name;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kUnauthenticated) << refusal.name;
    EXPECT_THAT(parsed.status().message(), HasSubstr(refusal.message)) << refusal.name;
    EXPECT_THAT(parsed.status().message(), HasSubstr("client certificate: ")) << refusal.name;
  }
}

TEST_F(CertificateTest, GarbageIsNotACertificate) {
  EXPECT_EQ(ParseClientCertificate("not a certificate").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseClientCertificate("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CertificateTest, ServerCertificateAndMatchingKeyPass) {
  PkiDirectory dir;
  const IssuedCertificate server = ca_->IssueServer();
  EXPECT_TRUE(CheckCertificateAndKey(dir.Write("server.pem", server.certificate_pem), "tls.server_certificate",
                                     dir.Write("server.key", server.key_pem), "tls.server_private_key")
                  .ok());
}

TEST_F(CertificateTest, KeyOfAnotherCertificateIsRefusedNamingTheKeyOption) {
  PkiDirectory dir;
  const IssuedCertificate server = ca_->IssueServer();
  const IssuedCertificate other = ca_->IssueServer();
  absl::Status status =
      CheckCertificateAndKey(dir.Write("server.pem", server.certificate_pem), "tls.server_certificate",
                             dir.Write("other.key", other.key_pem), "tls.server_private_key");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("tls.server_private_key: "));
  EXPECT_THAT(status.message(), HasSubstr("the key does not belong to the tls.server_certificate"));
}

TEST_F(CertificateTest, MissingOrWrongFilesAreNamedByOption) {
  PkiDirectory dir;
  const IssuedCertificate server = ca_->IssueServer();
  const std::string certificate = dir.Write("server.pem", server.certificate_pem);
  const std::string key = dir.Write("server.key", server.key_pem);

  absl::Status status =
      CheckCertificateAndKey(dir.path() + "/missing.pem", "tls.server_certificate", key, "tls.server_private_key");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("tls.server_certificate: "));
  EXPECT_THAT(status.message(), HasSubstr("missing.pem: cannot read the certificate: No such file"));

  status = CheckCertificateAndKey(key, "tls.server_certificate", key, "tls.server_private_key");
  EXPECT_THAT(status.message(), HasSubstr("tls.server_certificate: "));
  EXPECT_THAT(status.message(), HasSubstr("no PEM certificate"));

  status = CheckCertificateAndKey(certificate, "tls.server_certificate", certificate, "tls.server_private_key");
  EXPECT_THAT(status.message(), HasSubstr("tls.server_private_key: "));
  EXPECT_THAT(status.message(), HasSubstr("no unencrypted PEM private key"));

  status = CheckCertificateFile(dir.path(), "tls.client_ca");  // A directory.
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("tls.client_ca: "));
}

}  // namespace
}  // namespace ketenbeeld::security
