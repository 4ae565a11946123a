// A replicated region whose members speak TLS to each other with real certificates (docs/replication.md, "Writes on
// a follower"): each member presents its server certificate, issued by the region's CA for serverAuth and
// clientAuth, and verifies the others' against the region's CA (tls.client_ca). A write sent to a follower is
// forwarded to the leader over TLS and answered once the follower has applied it. A member whose certificates come
// from another CA cannot forward: its writes fail with an error that says so. A member whose certificate is for
// serverAuth only, which the others would refuse as a client certificate, does not start.
//
// The etcd client has no TLS (etcd/client.h: plaintext gRPC), so etcd is reached in plaintext here as elsewhere.
//
// The fixture is ReplicationTest (replication_fixture.h), so that the TSan tree leaves this test out with the other
// replicated-region tests (Makefile, TSAN_CTEST_ARGS).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/test_pki.h"
#include "tests/support/test_server.h"
#include "tests/system/replication_fixture.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;

// The files of one CA's members and one client of that CA.
struct TlsRegionFiles {
  std::string ca;
  std::string member_certificate;
  std::string member_key;
  std::string client_certificate;
  std::string client_key;

  // The member flags that make a member use these files.
  std::vector<std::string> MemberArgs() const {
    return {
        "--tls_server_certificate", member_certificate, "--tls_server_private_key", member_key, "--tls_client_ca", ca};
  }
};

TlsRegionFiles WriteTlsFiles(const PkiDirectory& pki, TestCa& ca, const std::string& name) {
  const IssuedCertificate member = ca.IssueServer({.extended_key_usage = "serverAuth,clientAuth"});
  const IssuedCertificate client = ca.IssueClient("beheer", "operator");
  return TlsRegionFiles{.ca = pki.Write(name + "-ca.pem", ca.certificate_pem()),
                        .member_certificate = pki.Write(name + "-member.pem", member.certificate_pem),
                        .member_key = pki.Write(name + "-member.key", member.key_pem),
                        .client_certificate = pki.Write(name + "-client.pem", client.certificate_pem),
                        .client_key = pki.Write(name + "-client.key", client.key_pem)};
}

// A stub for the member at `address`, as the operator of `files`' CA.
std::unique_ptr<v1::PictureService::Stub> TlsStub(const std::string& address, const TlsRegionFiles& files) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::ConnectChecked(
      address, {.ca_file = files.ca, .cert_file = files.client_certificate, .key_file = files.client_key});
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.ok() ? v1::PictureService::NewStub(*channel) : nullptr;
}

TEST_F(ReplicationTest, MembersForwardWritesOverTlsAndAMemberOfAnotherCaCannot) {
  PkiDirectory pki;
  TestCa region_ca("Region VR10 CA");
  TestCa other_ca("Not the region's CA");
  const TlsRegionFiles region = WriteTlsFiles(pki, region_ca, "region");
  const TlsRegionFiles other = WriteTlsFiles(pki, other_ca, "other");
  const std::string token = pki.Write("member-token", std::string(40, 'k'));

  ASSERT_NO_FATAL_FAILURE(StartRegion({.members = 2,
                                       .lease_ttl = absl::Seconds(2),
                                       .extra_args = {"--member_token_file", token},
                                       .member_args = {region.MemberArgs(), region.MemberArgs()},
                                       .etcd = {.members = 3},
                                       .etcd_through_forwarders = false}));
  const int leader = *region_->Leader();
  const int follower = 1 - leader;

  // A write sent to the follower goes to the leader over TLS, and is answered once the follower has applied it.
  std::unique_ptr<v1::PictureService::Stub> to_follower = TlsStub(region_->address(follower), region);
  ASSERT_NE(to_follower, nullptr);
  v1::WriteResponse written;
  const grpc::Status registered = Register(*to_follower, MakeOrganization("zh-tls"), &written);
  ASSERT_TRUE(registered.ok()) << registered.error_message();
  EXPECT_THAT(written.record().updated_by().subject(), HasSubstr("CN=beheer"));
  for (int i : {follower, leader}) {
    std::unique_ptr<v1::PictureService::Stub> stub = TlsStub(region_->address(i), region);
    v1::GetRequest get;
    get.set_name(written.record().name());
    v1::GetResponse got;
    const grpc::Status read = stub->Get(Deadline().get(), get, &got);
    ASSERT_TRUE(read.ok()) << "member " << i << ": " << read.error_message();
    EXPECT_EQ(got.record().SerializeAsString(), written.record().SerializeAsString()) << "member " << i;
  }
  // And another write through the follower, at a later revision (the forwarding channel is reused).
  v1::WriteResponse second;
  const grpc::Status registered_again = Register(*to_follower, MakeOrganization("zh-tls-2"), &second);
  ASSERT_TRUE(registered_again.ok()) << registered_again.error_message();
  EXPECT_GT(second.revision(), written.revision());

  // A member whose certificates come from another CA follows the log (etcd), but cannot reach the leader: the TLS
  // handshake fails, and its writes are refused saying why, and that nothing was written.
  absl::StatusOr<int> stranger = region_->AddMember(other.MemberArgs());
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  std::unique_ptr<v1::PictureService::Stub> to_stranger = TlsStub(region_->address(*stranger), other);
  ASSERT_NE(to_stranger, nullptr);
  // (It may not know the leader's address for a moment after it started: then it says so, and the test asks again.)
  grpc::Status refused;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;) {
    refused = Register(*to_stranger, MakeOrganization("zh-stranger"));
    if (refused.error_message().find("no leader is known") == std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("could not reach the region's leader over TLS"));
  EXPECT_THAT(refused.error_message(), HasSubstr("the write was not made"));
  EXPECT_THAT(refused.error_message(), HasSubstr("tls.client_ca"));
  std::unique_ptr<v1::PictureService::Stub> to_leader = TlsStub(region_->address(leader), region);
  v1::GetRequest get;
  get.set_name("organizations/zh-stranger");
  v1::GetResponse got;
  EXPECT_EQ(to_leader->Get(Deadline().get(), get, &got).error_code(), grpc::StatusCode::NOT_FOUND);

  // A member whose certificate is issued for serverAuth only would be refused by the others as a client: it does not
  // start, naming the field.
  const IssuedCertificate server_only = region_ca.IssueServer();
  absl::StatusOr<std::unique_ptr<ServerProcess>> refused_start = ServerProcess::Start(
      {.data_dir = dir_.path() + "/server-only",
       .log_path = dir_.path() + "/server-only.log",
       .extra_args = {"--etcd_endpoints", absl::StrJoin(region_->etcd().endpoints(), ","), "--member_id", "server-only",
                      "--advertise", "127.0.0.1:1", "--member_token_file", token, "--tls_server_certificate",
                      pki.Write("server-only.pem", server_only.certificate_pem), "--tls_server_private_key",
                      pki.Write("server-only.key", server_only.key_pem), "--tls_client_ca", region.ca}});
  ASSERT_FALSE(refused_start.ok()) << "a member with a serverAuth-only certificate started";
  EXPECT_THAT(std::string(refused_start.status().message()), HasSubstr("tls.server_certificate"));
  EXPECT_THAT(std::string(refused_start.status().message()), HasSubstr("clientAuth"));
}

}  // namespace
}  // namespace ketenbeeld::testing
