// TLS to etcd (docs/operations.md, "TLS to etcd"): a real etcd member serving https:// with --client-cert-auth, its
// own CA (test PKI). A member's etcd client, built from MemberOptions::etcd_tls (EtcdClientOptions), appends to the
// region's log and reads it back over TLS, and Member::Connect reads the log's head. A client certificate of another
// CA, or no client certificate, is refused with UNAVAILABLE naming etcd and TLS; an unreadable file is refused naming
// its field. deploy/dev-certs.sh's etcd certificates (DIR/etcd/) serve etcd and connect a member; the region's own
// certificates do not.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "etcd/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/replication/etcd_log.h"
#include "server/replication/follower.h"
#include "server/replication/keyspace.h"
#include "server/replication/member.h"
#include "tests/security/test_pki.h"
#include "tests/support/etcd_cluster.h"

namespace ketenbeeld::replication {
namespace {

using ::testing::HasSubstr;
using testing::IssuedCertificate;
using testing::PkiDirectory;
using testing::TestCa;

// How long a refused connection waits before Connect reports it (MemberOptions::etcd_dial_timeout): a TLS handshake
// that fails is only reported when the dial wait ends, and the default 5 s would be paid by every refusal case.
constexpr absl::Duration kRefusedAfter = absl::Seconds(1);
// For the connections that work (in milliseconds): the default, so a slow sanitizer run has room.
constexpr absl::Duration kConnectsWithin = absl::Seconds(5);

class EtcdTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::EtcdCluster::Available()) GTEST_SKIP() << testing::EtcdCluster::kMissing;
    // etcd's own CA, apart from the region's: it issues etcd's server certificate and the members' client ones.
    const IssuedCertificate server = etcd_ca_.IssueServer();  // localhost, 127.0.0.1
    const IssuedCertificate client = etcd_ca_.IssueClient({.common_name = "vr10-a"});
    const IssuedCertificate stranger = other_ca_.IssueClient({.common_name = "vr10-a"});
    tls_ = EtcdTlsOptions{.enabled = true,
                          .ca_file = dir_.Write("etcd-ca.pem", etcd_ca_.certificate_pem()),
                          .cert_file = dir_.Write("member.pem", client.certificate_pem),
                          .key_file = dir_.Write("member.key", client.key_pem)};
    stranger_cert_ = dir_.Write("stranger.pem", stranger.certificate_pem);
    stranger_key_ = dir_.Write("stranger.key", stranger.key_pem);
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = EtcdChannelCredentials(tls_);
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    absl::StatusOr<std::unique_ptr<testing::EtcdCluster>> cluster =
        testing::EtcdCluster::Start({.members = 1,
                                     .cert_file = dir_.Write("etcd-server.pem", server.certificate_pem),
                                     .key_file = dir_.Write("etcd-server.key", server.key_pem),
                                     .client_ca_file = tls_.ca_file,
                                     .client_credentials = *credentials});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
  }

  MemberOptions Options(EtcdTlsOptions tls, absl::Duration dial_timeout = kRefusedAfter) const {
    return MemberOptions{.etcd_endpoints = cluster_->endpoints(),
                         .etcd_tls = std::move(tls),
                         .member_id = "vr10-a",
                         .advertise = "127.0.0.1:1",
                         .key_prefix = std::string(kPrefix),
                         .etcd_timeout = absl::Seconds(2),
                         .etcd_dial_timeout = dial_timeout};
  }

  static constexpr std::string_view kPrefix = "/ketenbeeld/VR10/";
  TestCa etcd_ca_{"etcd CA"};
  TestCa other_ca_{"Another CA"};
  PkiDirectory dir_;
  EtcdTlsOptions tls_;
  std::string stranger_cert_;
  std::string stranger_key_;
  std::unique_ptr<testing::EtcdCluster> cluster_;
};

TEST_F(EtcdTlsTest, AMemberAppendsAndReadsTheLogOverTls) {
  absl::StatusOr<etcd::ClientOptions> options = EtcdClientOptions(Options(tls_, kConnectsWithin));
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_NE(options->credentials, nullptr);
  absl::StatusOr<std::unique_ptr<etcd::Client>> client = etcd::Client::Connect(*options);
  ASSERT_TRUE(client.ok()) << client.status();

  // Lead and commit one group, as the leader's committer does.
  const Keyspace keys{std::string(kPrefix)};
  EtcdLog log(**client, keys, EtcdLog::Options{});
  absl::StatusOr<etcd::Lease> lease = (*client)->Grant(absl::Seconds(30));
  ASSERT_TRUE(lease.ok()) << lease.status();
  absl::StatusOr<v3electionpb::LeaderKey> leader =
      (*client)->Campaign(keys.election(), lease->id, "127.0.0.1:1", absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(leader.ok()) << leader.status();
  log.Lead(leader->key(), leader->rev(), /*head=*/0, /*head_mod_revision=*/0);
  const std::vector<std::string> events = {"event 1", "event 2"};
  const std::vector<std::string_view> views(events.begin(), events.end());
  ASSERT_TRUE(log.Append(1, 2, absl::Now(), views).ok());

  // Read it back over TLS, as a follower does.
  absl::StatusOr<etcd::GetResult> entry = (*client)->Get(keys.LogKey(1));
  ASSERT_TRUE(entry.ok()) << entry.status();
  ASSERT_TRUE(entry->kv.has_value());
  absl::StatusOr<pipeline::ReplicatedGroup> group = ReadLogGroup(**client, keys, entry->kv->key(), entry->kv->value());
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->events, events);

  // A member connecting over TLS reads the log's head: its store (at 5) is ahead of the log (at 2).
  EXPECT_TRUE(Member::Connect(Options(tls_, kConnectsWithin), 2).ok());
  const absl::Status ahead = Member::Connect(Options(tls_, kConnectsWithin), 5).status();
  EXPECT_EQ(ahead.code(), absl::StatusCode::kDataLoss) << ahead;
}

TEST_F(EtcdTlsTest, AClientCertificateOfAnotherCaIsRefusedNamingEtcdAndTls) {
  EtcdTlsOptions stranger = tls_;
  stranger.cert_file = stranger_cert_;
  stranger.key_file = stranger_key_;
  const absl::Status refused = Member::Connect(Options(stranger), 0).status();
  std::printf("a client certificate of another CA: %s\n", refused.ToString().c_str());
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("etcd"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("TLS"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("replication.etcd_cert_file"));

  // Without a client certificate, etcd's --client-cert-auth refuses too.
  EtcdTlsOptions anonymous = tls_;
  anonymous.cert_file.clear();
  anonymous.key_file.clear();
  const absl::Status no_certificate = Member::Connect(Options(anonymous), 0).status();
  EXPECT_EQ(no_certificate.code(), absl::StatusCode::kUnavailable) << no_certificate;
  EXPECT_THAT(std::string(no_certificate.message()), HasSubstr("TLS"));

  // A plaintext client gets no answer from an https:// member.
  const absl::Status plaintext = Member::Connect(Options(EtcdTlsOptions{}), 0).status();
  EXPECT_EQ(plaintext.code(), absl::StatusCode::kUnavailable) << plaintext;
}

TEST_F(EtcdTlsTest, AFileThatCannotBeReadIsRefusedNamingItsField) {
  EtcdTlsOptions missing_ca = tls_;
  missing_ca.ca_file = dir_.path() + "/no-such-ca.pem";
  absl::Status refused = Member::Connect(Options(missing_ca), 0).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("replication.etcd_ca_file"));

  EtcdTlsOptions not_pem = tls_;
  not_pem.cert_file = dir_.Write("not-pem.txt", "not a certificate");
  refused = EtcdChannelCredentials(not_pem).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("replication.etcd_cert_file"));

  EtcdTlsOptions key_only = tls_;
  key_only.cert_file.clear();
  refused = EtcdChannelCredentials(key_only).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("replication.etcd_cert_file"));
}

TEST(EtcdDevCertsTest, TheScriptsEtcdCertificatesServeEtcdAndConnectAMemberButTheRegionsDoNot) {
  if (!testing::EtcdCluster::Available()) GTEST_SKIP() << testing::EtcdCluster::kMissing;
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl CLI";
  PkiDirectory dir;
  ASSERT_EQ(std::system(absl::StrCat("bash ", KETENBEELD_SOURCE_DIR, "/deploy/dev-certs.sh ", dir.path(),
                                     " VR10 >/dev/null 2>&1")
                            .c_str()),
            0);
  const std::string etcd = dir.path() + "/etcd/";
  const EtcdTlsOptions member{
      .enabled = true, .ca_file = etcd + "ca.pem", .cert_file = etcd + "member.pem", .key_file = etcd + "member.key"};
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = EtcdChannelCredentials(member);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  absl::StatusOr<std::unique_ptr<testing::EtcdCluster>> cluster =
      testing::EtcdCluster::Start({.members = 1,
                                   .cert_file = etcd + "server.pem",
                                   .key_file = etcd + "server.key",
                                   .client_ca_file = etcd + "ca.pem",
                                   .client_credentials = *credentials});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto options = [&](EtcdTlsOptions tls, absl::Duration dial_timeout) {
    return MemberOptions{.etcd_endpoints = (*cluster)->endpoints(),
                         .etcd_tls = std::move(tls),
                         .member_id = "vr10-a",
                         .advertise = "127.0.0.1:1",
                         .key_prefix = "/ketenbeeld/VR10/",
                         .etcd_dial_timeout = dial_timeout};
  };
  absl::StatusOr<std::unique_ptr<Member>> connected = Member::Connect(options(member, kConnectsWithin), 0);
  EXPECT_TRUE(connected.ok()) << connected.status();

  // The region's server certificate (its CA is not etcd's) opens nothing in etcd.
  EtcdTlsOptions region = member;
  region.cert_file = dir.path() + "/server.pem";
  region.key_file = dir.path() + "/server.key";
  const absl::Status refused = Member::Connect(options(region, kRefusedAfter), 0).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("TLS"));
}

}  // namespace
}  // namespace ketenbeeld::replication
