// A three-member etcd cluster: the client moves on to another member when one is killed or frozen, and a member cut
// off from the majority refuses at once ("etcdserver: no leader", thanks to the `hasleader` metadata) instead of
// stalling.
#include <string>

#include "etcd/client.h"
#include "gtest/gtest.h"
#include "tests/etcd/fixture.h"

namespace ketenbeeld::etcd_test {
namespace {

class FailoverTest : public EtcdTest {
 protected:
  FailoverTest() {
    cluster_options_.members = 3;
    request_timeout_ = absl::Seconds(1);
  }

  int MemberIndex(const std::string& endpoint) {
    for (int i = 0; i < cluster_->size(); ++i) {
      if (cluster_->endpoint(i) == endpoint) return i;
    }
    return -1;
  }
};

TEST_F(FailoverTest, ReadsAndWritesGoOnWhenTheCurrentMemberIsKilled) {
  ASSERT_TRUE(client_->Put("k", "before").ok());
  const std::string first = client_->current_endpoint();
  cluster_->Kill(MemberIndex(first));

  // The read is tried on the next member within the same call.
  absl::StatusOr<etcd::GetResult> got = client_->Get("k");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->kv.has_value());
  EXPECT_EQ(got->kv->value(), "before");
  EXPECT_NE(client_->current_endpoint(), first);
  // Two of three members: writes still have a quorum.
  ASSERT_TRUE(client_->Put("k", "after").ok());

  // The killed member comes back with everything it missed.
  ASSERT_TRUE(cluster_->Restart(MemberIndex(first)).ok());
  etcdserverpb::RangeRequest serializable;  // answered from that member's own state
  serializable.set_key("k");
  serializable.set_serializable(true);
  absl::StatusOr<std::unique_ptr<etcd::Client>> only_first =
      etcd::Client::Connect({.endpoints = {first}, .request_timeout = absl::Seconds(1)});
  ASSERT_TRUE(only_first.ok()) << only_first.status();
  EXPECT_TRUE(Eventually(
      [&] {
        absl::StatusOr<etcdserverpb::RangeResponse> range = (*only_first)->Range(serializable);
        return range.ok() && range->kvs_size() == 1 && range->kvs(0).value() == "after";
      },
      absl::Seconds(5)));
}

TEST_F(FailoverTest, ReadsGoOnWhenTheCurrentMemberIsFrozen) {
  ASSERT_TRUE(client_->Put("k", "v").ok());
  const int frozen = MemberIndex(client_->current_endpoint());
  cluster_->Pause(frozen);
  // The first attempt times out (request_timeout 1 s); the second goes to another member.
  const absl::Time start = absl::Now();
  absl::StatusOr<etcd::GetResult> got = client_->Get("k");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_NE(client_->current_endpoint(), cluster_->endpoint(frozen));
  cluster_->Resume(frozen);
}

TEST_F(FailoverTest, MemberWithoutMajorityRefusesAtOnceAndWritesAreNotRetried) {
  const int kept = 0;
  absl::StatusOr<std::unique_ptr<etcd::Client>> only_kept =
      etcd::Client::Connect({.endpoints = {cluster_->endpoint(kept)}, .request_timeout = absl::Seconds(2)});
  ASSERT_TRUE(only_kept.ok()) << only_kept.status();
  cluster_->Pause(1);
  cluster_->Pause(2);

  // Within a few election timeouts (500 ms) the remaining member knows it has no leader. (Until then a put may wait
  // for the frozen leader until its 2 s timeout.)
  absl::Status put;
  EXPECT_TRUE(Eventually(
      [&] {
        const absl::Time start = absl::Now();
        put = (*only_kept)->Put("k", "v").status();
        // Refused at once, not after the request timeout.
        return etcd::IsNoLeader(put) && absl::Now() - start < absl::Milliseconds(500);
      },
      absl::Seconds(10)))
      << put;
  EXPECT_EQ(put.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(etcd::OutcomeUnknown(put));  // refused before etcd looked at it
  absl::StatusOr<etcd::GetResult> get = (*only_kept)->Get("k");
  EXPECT_TRUE(etcd::IsNoLeader(get.status())) << get.status();

  cluster_->Resume(1);
  cluster_->Resume(2);
  EXPECT_TRUE(Eventually([&] { return (*only_kept)->Put("k", "v").ok(); }, absl::Seconds(10)));
}

}  // namespace
}  // namespace ketenbeeld::etcd_test
