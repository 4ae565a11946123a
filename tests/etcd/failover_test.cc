// A three-member etcd cluster: the client moves on to another member when one is killed or frozen, and a member cut
// off from the majority refuses at once ("etcdserver: no leader", thanks to the `hasleader` metadata) instead of
// stalling.
#include <iostream>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "etcd/client.h"
#include "gmock/gmock.h"
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
  // Two of three members: writes still have a quorum, once they have elected a leader if the killed member led (a
  // write is never retried by the client, so the test asks again; putting the same value twice is harmless).
  absl::Status put;
  ASSERT_TRUE(Eventually(
      [&] {
        put = client_->Put("k", "after").status();
        return put.ok();
      },
      absl::Seconds(5)))
      << put;

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
  // The first attempt times out (request_timeout 1 s); the next go to the other members, which answer "no leader"
  // until they have replaced the frozen one if it led, and the read asks again until they have. It ends within its
  // budget (three members, 1 s each), not after gRPC's keepalive (15 s).
  const absl::Time start = absl::Now();
  absl::StatusOr<etcd::GetResult> got = client_->Get("k");
  ASSERT_TRUE(got.ok()) << got.status();
  const absl::Duration took = absl::Now() - start;
  EXPECT_LT(took, absl::Seconds(4));
  std::cout << "the read with a frozen member took " << absl::FormatDuration(took) << "\n";
  EXPECT_NE(client_->current_endpoint(), cluster_->endpoint(frozen));
  cluster_->Resume(frozen);
}

// A frozen member keeps its connections open: without the liveness probe a campaign and a watch on it would wait for
// gRPC's keepalive (15 s). With it, both end with UNAVAILABLE within probe_interval + request_timeout, and the next
// call goes to another member, where the campaign wins.
TEST_F(FailoverTest, CampaignAndWatchOnAFrozenMemberEndWithinSeconds) {
  absl::StatusOr<etcd::Lease> holder = client_->Grant(absl::Seconds(30));
  absl::StatusOr<etcd::Lease> waiter = client_->Grant(absl::Seconds(30));
  ASSERT_TRUE(holder.ok() && waiter.ok());
  absl::StatusOr<v3electionpb::LeaderKey> held =
      client_->Campaign("frozen-election", holder->id, "holder", absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(held.ok()) << held.status();

  const std::string first = client_->current_endpoint();
  absl::Notification watch_ended;
  absl::Status watch_error;
  std::unique_ptr<etcd::Watcher> watcher = client_->Watch(
      {.key = "k"}, [](const etcdserverpb::WatchResponse&) {},
      [&](absl::Status status) {
        watch_error = std::move(status);
        watch_ended.Notify();
      });
  ASSERT_TRUE(watcher->WaitUntilCreated(absl::Seconds(5)));
  absl::StatusOr<v3electionpb::LeaderKey> campaign = absl::UnknownError("not run");
  absl::Notification campaign_ended;
  std::thread campaigner([&] {
    campaign = client_->Campaign("frozen-election", waiter->id, "waiter", absl::InfiniteFuture());
    campaign_ended.Notify();
  });
  absl::SleepFor(absl::Milliseconds(300));  // The campaign's key is in place and it waits for the holder's to go.
  ASSERT_FALSE(campaign_ended.HasBeenNotified()) << campaign.status();

  const absl::Time frozen_at = absl::Now();
  cluster_->Pause(MemberIndex(first));
  // probe_interval (1 s) + request_timeout (1 s), with room for a loaded machine; keepalive alone would take 15 s.
  EXPECT_TRUE(campaign_ended.WaitForNotificationWithTimeout(absl::Seconds(8)));
  EXPECT_TRUE(watch_ended.WaitForNotificationWithTimeout(absl::Seconds(8)));
  const absl::Duration took = absl::Now() - frozen_at;
  campaigner.join();
  EXPECT_EQ(campaign.status().code(), absl::StatusCode::kUnavailable) << campaign.status();
  EXPECT_THAT(std::string(campaign.status().message()), ::testing::HasSubstr("stopped answering"));
  EXPECT_EQ(watch_error.code(), absl::StatusCode::kUnavailable) << watch_error;
  EXPECT_NE(client_->current_endpoint(), first);
  std::cout << "campaign and watch on the frozen member ended after " << absl::FormatDuration(took) << "\n";

  // On another member the campaign goes on, and wins once the holder resigns.
  ASSERT_TRUE(client_->Resign(*held).ok());
  absl::StatusOr<v3electionpb::LeaderKey> won =
      client_->Campaign("frozen-election", waiter->id, "waiter", absl::Now() + absl::Seconds(5));
  EXPECT_TRUE(won.ok()) << won.status();
  cluster_->Resume(MemberIndex(first));
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
