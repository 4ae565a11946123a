// Leases and LeaseKeeper against a real etcd: renewals keep a lease alive, on_lost is called exactly once when the
// lease is gone or cannot be renewed before its deadline, and the destructor is prompt. TTLs are 1-2 s: the waits
// here are the protocol's own (a lease expiring in real time).
#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "etcd/client.h"
#include "gtest/gtest.h"
#include "tests/etcd/fixture.h"

namespace ketenbeeld::etcd_test {
namespace {

// Records on_lost calls.
class LostRecorder {
 public:
  std::function<void(absl::Status)> Callback() {
    return [this](absl::Status status) {
      absl::MutexLock lock(&mu_);
      statuses_.push_back(std::move(status));
    };
  }
  std::vector<absl::Status> statuses() {
    absl::MutexLock lock(&mu_);
    return statuses_;
  }
  bool WaitForCall(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto called = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !statuses_.empty(); };
    return mu_.AwaitWithTimeout(absl::Condition(&called), timeout);
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::Status> statuses_ ABSL_GUARDED_BY(mu_);
};

using LeaseTest = EtcdTest;

TEST_F(LeaseTest, GrantRoundsUpAndRejectsTtlBelowOneSecond) {
  absl::StatusOr<etcd::Lease> lease = client_->Grant(absl::Milliseconds(1500));
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_NE(lease->id, 0);
  EXPECT_EQ(lease->ttl, absl::Seconds(2));
  EXPECT_LE(lease->deadline, absl::Now() + absl::Seconds(2));
  absl::StatusOr<etcdserverpb::LeaseTimeToLiveResponse> ttl = client_->TimeToLive(lease->id);
  ASSERT_TRUE(ttl.ok()) << ttl.status();
  EXPECT_EQ(ttl->grantedttl(), 2);

  EXPECT_EQ(client_->Grant(absl::Milliseconds(500)).status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(client_->Revoke(lease->id).ok());
  EXPECT_EQ(client_->Revoke(lease->id).code(), absl::StatusCode::kNotFound);
}

TEST_F(LeaseTest, KeeperKeepsTheLeaseAlivePastSeveralTtls) {
  // 2 s rather than 1 s: on a loaded 2-core machine etcd's own fsyncs can take most of a second.
  absl::StatusOr<etcd::Lease> lease = client_->Grant(absl::Seconds(2));
  ASSERT_TRUE(lease.ok()) << lease.status();
  ASSERT_TRUE(client_->Put("member/1", "alive", lease->id).ok());
  LostRecorder lost;
  std::unique_ptr<etcd::LeaseKeeper> keeper = client_->KeepAlive(*lease, lost.Callback());

  // 2.5 TTLs: without renewals the key would have gone after one.
  absl::SleepFor(absl::Seconds(5));
  const std::vector<absl::Status> lost_statuses = lost.statuses();
  ASSERT_TRUE(lost_statuses.empty()) << lost_statuses[0];
  absl::StatusOr<etcd::GetResult> key = client_->Get("member/1");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_TRUE(key->kv.has_value());
  EXPECT_GT(keeper->deadline(), absl::Now());
  EXPECT_FALSE(keeper->lost());
  keeper.reset();
  EXPECT_TRUE(lost.statuses().empty());
}

TEST_F(LeaseTest, LeaseExpiresOnceTheKeeperStops) {
  absl::StatusOr<etcd::Lease> lease = client_->Grant(absl::Seconds(1));
  ASSERT_TRUE(lease.ok()) << lease.status();
  ASSERT_TRUE(client_->Put("member/1", "alive", lease->id).ok());
  LostRecorder lost;
  client_->KeepAlive(*lease, lost.Callback()).reset();  // started and stopped at once

  EXPECT_TRUE(Eventually(
      [&] {
        absl::StatusOr<etcd::GetResult> key = client_->Get("member/1");
        return key.ok() && !key->kv.has_value();
      },
      // etcd checks for expired leases every 500 ms and revokes them through raft: on a loaded machine, seconds.
      absl::Seconds(10)));
  absl::StatusOr<etcdserverpb::LeaseTimeToLiveResponse> ttl = client_->TimeToLive(lease->id);
  ASSERT_TRUE(ttl.ok()) << ttl.status();
  EXPECT_EQ(ttl->ttl(), -1);
  EXPECT_TRUE(lost.statuses().empty());  // destroyed first: on_lost is not for that
}

TEST_F(LeaseTest, OnLostIsCalledOnceWhenTheLeaseIsRevoked) {
  absl::StatusOr<etcd::Lease> lease = client_->Grant(absl::Seconds(1));
  ASSERT_TRUE(lease.ok()) << lease.status();
  LostRecorder lost;
  std::unique_ptr<etcd::LeaseKeeper> keeper = client_->KeepAlive(*lease, lost.Callback());
  ASSERT_TRUE(client_->Revoke(lease->id).ok());

  ASSERT_TRUE(lost.WaitForCall(absl::Seconds(3)));
  EXPECT_TRUE(keeper->lost());
  keeper.reset();  // joins the keeper's thread: no call can follow
  ASSERT_EQ(lost.statuses().size(), 1u);
  EXPECT_EQ(lost.statuses()[0].code(), absl::StatusCode::kNotFound) << lost.statuses()[0];
}

TEST_F(LeaseTest, OnLostWhenNoRenewalSucceedsBeforeTheDeadline) {
  absl::StatusOr<etcd::Lease> lease = client_->Grant(absl::Seconds(1));
  ASSERT_TRUE(lease.ok()) << lease.status();
  LostRecorder lost;
  std::unique_ptr<etcd::LeaseKeeper> keeper = client_->KeepAlive(*lease, lost.Callback());
  ASSERT_TRUE(Eventually([&] { return keeper->deadline() > lease->deadline; }, absl::Seconds(2)));  // renewed once

  cluster_->Pause(0);  // a frozen member: renewals neither succeed nor fail
  const bool called = lost.WaitForCall(absl::Seconds(4));
  const absl::Time called_at = absl::Now();
  cluster_->Resume(0);
  ASSERT_TRUE(called);
  const absl::Time last_deadline = keeper->deadline();  // as of the last successful renewal
  keeper.reset();
  ASSERT_EQ(lost.statuses().size(), 1u);
  EXPECT_EQ(lost.statuses()[0].code(), absl::StatusCode::kDeadlineExceeded) << lost.statuses()[0];
  // Reported at the deadline, not a renewal interval later.
  EXPECT_GE(called_at, last_deadline);
  EXPECT_LT(called_at - last_deadline, absl::Milliseconds(500));
}

TEST_F(LeaseTest, DestructorIsPromptAndRevokesWhenAsked) {
  absl::StatusOr<etcd::Lease> lease = client_->Grant(absl::Seconds(30));  // renewals every 10 s
  ASSERT_TRUE(lease.ok()) << lease.status();
  LostRecorder lost;
  std::unique_ptr<etcd::LeaseKeeper> keeper = client_->KeepAlive(*lease, lost.Callback(), /*revoke_on_destroy=*/true);
  ASSERT_TRUE(Eventually([&] { return keeper->deadline() > lease->deadline; }, absl::Seconds(2)));

  const absl::Time start = absl::Now();
  keeper.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  absl::StatusOr<etcdserverpb::LeaseTimeToLiveResponse> ttl = client_->TimeToLive(lease->id);
  ASSERT_TRUE(ttl.ok()) << ttl.status();
  EXPECT_EQ(ttl->ttl(), -1);
  EXPECT_TRUE(lost.statuses().empty());
}

}  // namespace
}  // namespace ketenbeeld::etcd_test
