// MemberCredentials (server/replication/forwarding.h): a member's certificate is checked at start-up as the other
// members' TLS handshakes will check it, so that a member they would refuse does not start: it must chain to the
// region's CA and be issued for serverAuth and clientAuth (members present it to each other as client certificate).
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/replication/forwarding.h"
#include "tests/security/test_pki.h"

namespace ketenbeeld::replication {
namespace {

using ::testing::HasSubstr;
using testing::IssuedCertificate;
using testing::TestCa;

TEST(MemberCredentialsTest, ACertificateForServersAndClientsOfTheRegionsCaIsAccepted) {
  TestCa ca;
  const IssuedCertificate member = ca.IssueServer({.extended_key_usage = "serverAuth,clientAuth"});
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MemberCredentials(ca.certificate_pem(), member.certificate_pem, member.key_pem);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_NE(*credentials, nullptr);
}

TEST(MemberCredentialsTest, ACertificateForServersOnlyIsRefusedNamingClientAuth) {
  TestCa ca;
  const IssuedCertificate server_only = ca.IssueServer();  // serverAuth only, as for a single server.
  const absl::Status refused =
      MemberCredentials(ca.certificate_pem(), server_only.certificate_pem, server_only.key_pem).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("tls.server_certificate"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("clientAuth"));
}

TEST(MemberCredentialsTest, ACertificateOfAnotherCaIsRefusedNamingTheRegionsCa) {
  TestCa ca;
  TestCa other("Another CA");
  const IssuedCertificate stranger = other.IssueServer({.extended_key_usage = "serverAuth,clientAuth"});
  const absl::Status refused =
      MemberCredentials(ca.certificate_pem(), stranger.certificate_pem, stranger.key_pem).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("tls.server_certificate"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("tls.client_ca"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("local issuer"));
}

TEST(MemberCredentialsTest, AnExpiredCertificateOrNoCertificateIsRefused) {
  TestCa ca;
  const IssuedCertificate expired = ca.IssueServer({.not_before = absl::Now() - absl::Hours(48),
                                                    .not_after = absl::Now() - absl::Hours(24),
                                                    .extended_key_usage = "serverAuth,clientAuth"});
  const absl::Status refused =
      MemberCredentials(ca.certificate_pem(), expired.certificate_pem, expired.key_pem).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("expired"));
  EXPECT_EQ(MemberCredentials(ca.certificate_pem(), "not a certificate", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MemberCredentials("", expired.certificate_pem, expired.key_pem).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ketenbeeld::replication
