// The election API against a real etcd, and THE fence the replication relies on: a transaction guarded by
// Compare(CreateRevision(leader key) == rev) fails once that leadership is gone.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "etcd/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/etcd/fixture.h"

namespace ketenbeeld::etcd_test {
namespace {

constexpr char kElection[] = "/kb/region/election";

// A campaign on its own thread, so the test can watch it block and then win (or be cancelled).
class BackgroundCampaign {
 public:
  BackgroundCampaign(etcd::Client* client, int64_t lease_id, std::string value, absl::Duration timeout)
      : thread_([this, client, lease_id, value, timeout] {
          result_ = client->Campaign(kElection, lease_id, value, absl::Now() + timeout, &cancel_);
          done_.Notify();
        }) {}
  ~BackgroundCampaign() {
    cancel_.Cancel();
    thread_.join();
  }
  bool WaitForResult(absl::Duration timeout) { return done_.WaitForNotificationWithTimeout(timeout); }
  bool done() const { return done_.HasBeenNotified(); }
  // Only after done().
  const absl::StatusOr<v3electionpb::LeaderKey>& result() const { return result_; }
  void Cancel() { cancel_.Cancel(); }

 private:
  etcd::CancelToken cancel_;
  absl::Notification done_;
  absl::StatusOr<v3electionpb::LeaderKey> result_;
  std::thread thread_;  // last
};

class ElectionTest : public EtcdTest {
 protected:
  // The number of campaign keys in the election (the leader's and those waiting).
  int64_t Campaigners() {
    etcdserverpb::RangeRequest range;
    range.set_key(std::string(kElection) + "/");
    range.set_range_end(etcd::PrefixEnd(range.key()));
    range.set_count_only(true);
    absl::StatusOr<etcdserverpb::RangeResponse> response = client_->Range(range);
    return response.ok() ? response->count() : -1;
  }

  // Put(key, value) only while `leader` leads.
  absl::StatusOr<etcdserverpb::TxnResponse> FencedPut(const v3electionpb::LeaderKey& leader, const std::string& key,
                                                      const std::string& value) {
    etcdserverpb::TxnRequest txn;
    *txn.add_compare() = CreateRevisionIs(leader.key(), leader.rev());
    *txn.add_success() = PutOp(key, value);
    return client_->Txn(txn);
  }
};

TEST_F(ElectionTest, FencedTransactionFailsOnceTheLeaderKeyIsGone) {
  absl::StatusOr<etcd::Lease> lease = client_->Grant(absl::Seconds(5));
  ASSERT_TRUE(lease.ok()) << lease.status();
  absl::StatusOr<v3electionpb::LeaderKey> leader =
      client_->Campaign(kElection, lease->id, "a:1", absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(leader.ok()) << leader.status();
  EXPECT_EQ(leader->name(), kElection);
  EXPECT_EQ(leader->lease(), lease->id);
  EXPECT_THAT(leader->key(), ::testing::StartsWith(std::string(kElection) + "/"));

  absl::StatusOr<etcdserverpb::TxnResponse> txn = FencedPut(*leader, "head", "1");
  ASSERT_TRUE(txn.ok()) << txn.status();
  EXPECT_TRUE(txn->succeeded());

  ASSERT_TRUE(client_->Revoke(lease->id).ok());  // the leadership ends (as when the lease expires)
  txn = FencedPut(*leader, "head", "2");
  ASSERT_TRUE(txn.ok()) << txn.status();
  EXPECT_FALSE(txn->succeeded());
  absl::StatusOr<etcd::GetResult> head = client_->Get("head");
  ASSERT_TRUE(head.ok() && head->kv.has_value());
  EXPECT_EQ(head->kv->value(), "1");
}

TEST_F(ElectionTest, FenceHoldsAgainstANewLeaderAfterTheOldLeaseExpired) {
  absl::StatusOr<etcd::Lease> old_lease = client_->Grant(absl::Seconds(1));  // never renewed
  ASSERT_TRUE(old_lease.ok()) << old_lease.status();
  absl::StatusOr<v3electionpb::LeaderKey> old_leader =
      client_->Campaign(kElection, old_lease->id, "a", absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(old_leader.ok()) << old_leader.status();

  absl::StatusOr<etcd::Lease> new_lease = client_->Grant(absl::Seconds(10));
  ASSERT_TRUE(new_lease.ok()) << new_lease.status();
  // Blocks until the old lease has expired (about 1 s).
  absl::StatusOr<v3electionpb::LeaderKey> new_leader =
      client_->Campaign(kElection, new_lease->id, "b", absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(new_leader.ok()) << new_leader.status();
  EXPECT_GT(new_leader->rev(), old_leader->rev());

  absl::StatusOr<etcdserverpb::TxnResponse> deposed = FencedPut(*old_leader, "head", "from-a");
  ASSERT_TRUE(deposed.ok()) << deposed.status();
  EXPECT_FALSE(deposed->succeeded());
  absl::StatusOr<etcdserverpb::TxnResponse> current = FencedPut(*new_leader, "head", "from-b");
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_TRUE(current->succeeded());
}

TEST_F(ElectionTest, CampaignBlocksWhileAnotherLeadsAndWinsWhenItResigns) {
  absl::StatusOr<etcd::Lease> lease_a = client_->Grant(absl::Seconds(10));
  absl::StatusOr<etcd::Lease> lease_b = client_->Grant(absl::Seconds(10));
  ASSERT_TRUE(lease_a.ok() && lease_b.ok());
  absl::StatusOr<v3electionpb::LeaderKey> a =
      client_->Campaign(kElection, lease_a->id, "a", absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(a.ok()) << a.status();

  BackgroundCampaign b(client_.get(), lease_b->id, "b", absl::Seconds(10));
  // b's key is in place: from here on b only waits for a's key to go.
  ASSERT_TRUE(Eventually([&] { return Campaigners() == 2; }, absl::Seconds(5)));
  EXPECT_FALSE(b.done());
  absl::StatusOr<mvccpb::KeyValue> leader = client_->Leader(kElection);
  ASSERT_TRUE(leader.ok()) << leader.status();
  EXPECT_EQ(leader->value(), "a");

  const absl::Time resigned = absl::Now();
  ASSERT_TRUE(client_->Resign(*a).ok());
  ASSERT_TRUE(b.WaitForResult(absl::Seconds(5)));
  EXPECT_LT(absl::Now() - resigned, absl::Seconds(1));
  ASSERT_TRUE(b.result().ok()) << b.result().status();
  EXPECT_EQ(b.result()->lease(), lease_b->id);
  leader = client_->Leader(kElection);
  ASSERT_TRUE(leader.ok()) << leader.status();
  EXPECT_EQ(leader->value(), "b");
  EXPECT_EQ(leader->create_revision(), b.result()->rev());
}

TEST_F(ElectionTest, CampaignWinsWhenTheLeadersLeaseExpires) {
  absl::StatusOr<etcd::Lease> lease_a = client_->Grant(absl::Seconds(1));  // not kept alive
  absl::StatusOr<etcd::Lease> lease_b = client_->Grant(absl::Seconds(10));
  ASSERT_TRUE(lease_a.ok() && lease_b.ok());
  ASSERT_TRUE(client_->Campaign(kElection, lease_a->id, "a", absl::Now() + absl::Seconds(5)).ok());

  BackgroundCampaign b(client_.get(), lease_b->id, "b", absl::Seconds(10));
  ASSERT_TRUE(b.WaitForResult(absl::Seconds(5)));
  ASSERT_TRUE(b.result().ok()) << b.result().status();
  // Not before a's lease could have expired.
  EXPECT_GE(absl::Now(), lease_a->deadline);
}

TEST_F(ElectionTest, CancelledCampaignEndsPromptlyAndLeavesNoKey) {
  absl::StatusOr<etcd::Lease> lease_a = client_->Grant(absl::Seconds(10));
  absl::StatusOr<etcd::Lease> lease_b = client_->Grant(absl::Seconds(10));
  ASSERT_TRUE(lease_a.ok() && lease_b.ok());
  ASSERT_TRUE(client_->Campaign(kElection, lease_a->id, "a", absl::Now() + absl::Seconds(5)).ok());

  BackgroundCampaign b(client_.get(), lease_b->id, "b", absl::Seconds(30));
  ASSERT_TRUE(Eventually([&] { return Campaigners() == 2; }, absl::Seconds(5)));
  const absl::Time cancelled = absl::Now();
  b.Cancel();
  ASSERT_TRUE(b.WaitForResult(absl::Seconds(2)));
  EXPECT_LT(absl::Now() - cancelled, absl::Seconds(1));
  EXPECT_EQ(b.result().status().code(), absl::StatusCode::kCancelled) << b.result().status();
  // etcd deletes the cancelled campaign's key.
  EXPECT_TRUE(Eventually([&] { return Campaigners() == 1; }, absl::Seconds(5)));

  // A token cancelled before the call: CANCELLED at once.
  etcd::CancelToken token;
  token.Cancel();
  EXPECT_EQ(client_->Campaign(kElection, lease_b->id, "b", absl::Now() + absl::Seconds(5), &token).status().code(),
            absl::StatusCode::kCancelled);
}

TEST_F(ElectionTest, CampaignEndsAtItsDeadline) {
  absl::StatusOr<etcd::Lease> lease_a = client_->Grant(absl::Seconds(10));
  absl::StatusOr<etcd::Lease> lease_b = client_->Grant(absl::Seconds(10));
  ASSERT_TRUE(lease_a.ok() && lease_b.ok());
  ASSERT_TRUE(client_->Campaign(kElection, lease_a->id, "a", absl::Now() + absl::Seconds(5)).ok());
  absl::StatusOr<v3electionpb::LeaderKey> b =
      client_->Campaign(kElection, lease_b->id, "b", absl::Now() + absl::Milliseconds(300));
  EXPECT_EQ(b.status().code(), absl::StatusCode::kDeadlineExceeded) << b.status();
}

TEST_F(ElectionTest, LeaderProclaimResignAndObserve) {
  EXPECT_EQ(client_->Leader(kElection).status().code(), absl::StatusCode::kNotFound);

  absl::Mutex mu;
  std::vector<std::string> observed;
  absl::Status observe_error;
  std::unique_ptr<etcd::Observer> observer = client_->Observe(
      kElection,
      [&](const v3electionpb::LeaderResponse& response) {
        absl::MutexLock lock(&mu);
        observed.push_back(response.kv().value());
      },
      [&](absl::Status status) {
        absl::MutexLock lock(&mu);
        observe_error = status;
      });

  absl::StatusOr<etcd::Lease> lease = client_->Grant(absl::Seconds(10));
  ASSERT_TRUE(lease.ok()) << lease.status();
  absl::StatusOr<v3electionpb::LeaderKey> leader =
      client_->Campaign(kElection, lease->id, "10.0.0.1:50051", absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(leader.ok()) << leader.status();
  absl::StatusOr<mvccpb::KeyValue> current = client_->Leader(kElection);
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->value(), "10.0.0.1:50051");
  EXPECT_EQ(current->key(), leader->key());
  {
    // The observer has seen the first value (whether its stream started before or after the campaign).
    absl::MutexLock lock(&mu);
    auto first = [&] { return !observed.empty(); };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&first), absl::Seconds(5)));
  }

  ASSERT_TRUE(client_->Proclaim(*leader, "10.0.0.1:50052").ok());
  current = client_->Leader(kElection);
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->value(), "10.0.0.1:50052");

  {
    absl::MutexLock lock(&mu);
    auto both = [&] { return observed.size() >= 2; };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&both), absl::Seconds(5)));
    EXPECT_THAT(observed, ::testing::ElementsAre("10.0.0.1:50051", "10.0.0.1:50052"));
  }

  ASSERT_TRUE(client_->Resign(*leader).ok());
  EXPECT_EQ(client_->Leader(kElection).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client_->Proclaim(*leader, "stale").code(), absl::StatusCode::kFailedPrecondition);
  observer.reset();
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(observe_error.ok()) << observe_error;
}

}  // namespace
}  // namespace ketenbeeld::etcd_test
