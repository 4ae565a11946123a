// The committer under storage faults (injected below RocksDB): writes are refused with UNAVAILABLE while storage
// fails, reads and the feed keep working, writing resumes by itself when the fault clears, revisions stay gap-free,
// and a group whose fsync failed but which reached the disk is applied and published once the store is reopened.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/fault_injector.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using storage::Fault;

class CountingObserver : public CommitObserver {
 public:
  void OnGroupCommitted(size_t writes, size_t changes, absl::Duration latency, bool ok) override {
    absl::MutexLock lock(&mu_);
    (ok ? committed_ : failed_) += 1;
  }
  int committed() {
    absl::MutexLock lock(&mu_);
    return committed_;
  }
  int failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }

 private:
  absl::Mutex mu_;
  int committed_ ABSL_GUARDED_BY(mu_) = 0;
  int failed_ ABSL_GUARDED_BY(mu_) = 0;
};

class CommitterRecoveryTest : public ::ketenbeeld::testing::CommitterFixture {
 protected:
  CommitterRecoveryTest() {
    store_options_.sync = true;  // Faults on fsync need fsyncs.
    store_options_.fault_injector = faults_;
    committer_options_.recovery_interval = kRecoveryInterval;
    committer_options_.observer = &observer_;
  }

  void TearDown() override {
    faults_->Clear();
    CommitterFixture::TearDown();
  }

  // Every revision the hub hands a subscriber that starts at 0, in order.
  std::vector<int64_t> FeedRevisions() {
    std::vector<int64_t> revisions;
    int64_t cursor = 0;
    for (int round = 0; round < 100 && cursor < hub_->head(); ++round) {
      absl::StatusOr<Hub::Batch> batch = hub_->Next(cursor, domain::CompiledFilter(), 1 << 20, nullptr);
      EXPECT_TRUE(batch.ok()) << batch.status();
      if (!batch.ok()) break;
      for (const state::EventPtr& event : batch->events) revisions.push_back(event->revision());
      cursor = batch->last_revision;
    }
    return revisions;
  }

  // Moves the committer's clock past the next storage recovery attempt.
  void PassRecoveryInterval() { Advance(kRecoveryInterval * 2); }

  static constexpr absl::Duration kRecoveryInterval = absl::Seconds(1);

  std::shared_ptr<storage::SwitchableFaultInjector> faults_ = std::make_shared<storage::SwitchableFaultInjector>();
  CountingObserver observer_;
};

TEST_F(CommitterRecoveryTest, DiskFullRefusesWritesKeepsReadsAndResumesWhenTheFaultClears) {
  ASSERT_TRUE(Register("voor").ok());

  faults_->FailAppends(Fault::kNoSpace);
  absl::StatusOr<WriteResult> failed = Register("tijdens");
  ASSERT_TRUE(absl::IsUnavailable(failed.status())) << failed.status();
  EXPECT_TRUE(committer_->stats().storage_failed);
  PassRecoveryInterval();
  absl::StatusOr<WriteResult> refused = Register("nog-steeds");
  ASSERT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();

  // Reads of the picture and of the feed (ring and log) keep working meanwhile.
  EXPECT_NE(picture_->Find("organizations/voor"), nullptr);
  EXPECT_EQ(picture_->Find("organizations/tijdens"), nullptr);
  EXPECT_EQ(picture_->revision(), 1);
  EXPECT_EQ(FeedRevisions(), std::vector<int64_t>({1}));
  absl::StatusOr<std::vector<storage::StoredEvent>> log = store_->ReadLog(1, 10, 1 << 20);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->size(), 1u);

  faults_->Clear();
  PassRecoveryInterval();
  absl::StatusOr<WriteResult> resumed = Register("na");
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->revision, 2) << "the refused writes must not have used revisions";
  EXPECT_FALSE(committer_->stats().storage_failed);
  EXPECT_GE(committer_->stats().recoveries, 1);
  EXPECT_EQ(picture_->Find("organizations/tijdens"), nullptr) << "a refused write appeared";
  EXPECT_EQ(FeedRevisions(), std::vector<int64_t>({1, 2}));
  EXPECT_EQ(store_->last_revision(), 2);
  EXPECT_EQ(observer_.committed(), 2);
  EXPECT_EQ(observer_.failed(), 1);
}

TEST_F(CommitterRecoveryTest, GroupWhoseFsyncFailedButReachedDiskIsPublishedAfterRecovery) {
  ASSERT_TRUE(Register("eerst").ok());

  faults_->FailSyncs(Fault::kIoError);
  absl::StatusOr<WriteResult> unsure = Register("onzeker");
  ASSERT_TRUE(absl::IsUnavailable(unsure.status())) << unsure.status();
  EXPECT_NE(unsure.status().message().find("known only once"), absl::string_view::npos) << unsure.status();
  // Not acknowledged, so not visible yet.
  EXPECT_EQ(picture_->Find("organizations/onzeker"), nullptr);
  EXPECT_EQ(hub_->head(), 1);

  faults_->Clear();
  PassRecoveryInterval();
  // The next write drives the recovery first: the reopened store holds the group, so it is real and is published
  // before the new write, which gets the following revision.
  absl::StatusOr<WriteResult> next = Register("daarna");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->revision, 3);
  EXPECT_NE(picture_->Find("organizations/onzeker"), nullptr);
  EXPECT_EQ(FeedRevisions(), std::vector<int64_t>({1, 2, 3}));
  EXPECT_EQ(store_->last_revision(), 3);
}

TEST_F(CommitterRecoveryTest, TransientFsyncFailureIsResolvedAtOnceAndTheWriteSucceeds) {
  ASSERT_TRUE(Register("een").ok());
  faults_->FailNextSync(Fault::kIoError);
  // The fsync fails, the immediate reopen finds the group on disk: the caller gets the truth, success.
  absl::StatusOr<WriteResult> written = Register("twee");
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->revision, 2);
  EXPECT_GT(faults_->injected(), 0);
  EXPECT_EQ(committer_->stats().recoveries, 1);
  EXPECT_FALSE(committer_->stats().storage_failed);
  EXPECT_EQ(FeedRevisions(), std::vector<int64_t>({1, 2}));
}

}  // namespace
}  // namespace ketenbeeld::pipeline
