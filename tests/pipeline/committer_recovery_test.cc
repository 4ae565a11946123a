// The committer under storage faults (injected below RocksDB): writes are refused with UNAVAILABLE while storage
// fails, reads and the feed keep working, writing resumes by itself when the fault clears, revisions stay gap-free,
// and a group whose fsync failed but which reached the disk is applied and published once the store is reopened.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/pipeline/committer.h"
#include "storage/fault_injector.h"
#include "tests/support/test_server.h"

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

class CommitterRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.path() + "/db";
    options.sync = true;  // Faults on fsync need fsyncs.
    options.small_buffers = true;
    options.fault_injector = faults_;
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    picture_ = std::make_unique<state::Picture>();
    hub_ = std::make_unique<Hub>(*store_, 0, Hub::Options{});
    Committer::Options committer_options;
    committer_options.recovery_interval = kRecoveryInterval;
    committer_options.clock = [this] { return absl::FromUnixMicros(now_micros_.load()); };
    committer_options.observer = &observer_;
    committer_ = std::make_unique<Committer>(*store_, *picture_, *hub_, std::move(committer_options));
  }

  void TearDown() override {
    faults_->Clear();
    if (committer_) committer_->Stop();
  }

  absl::StatusOr<WriteResult> Write(mutations::WriteRequest request) {
    absl::StatusOr<WriteResult> result = absl::UnknownError("no callback");
    absl::Notification done;
    committer_->Submit(std::move(request), [&](absl::StatusOr<WriteResult> r) {
      result = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    return result;
  }

  static mutations::WriteRequest Register(const std::string& id) {
    v1::RegisterOrganizationRequest request;
    *request.mutable_organization() = ketenbeeld::testing::MakeOrganization(id);
    return mutations::WriteRequest{.body = request, .actor = {}};
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
  void PassRecoveryInterval() { now_micros_.fetch_add(absl::ToInt64Microseconds(kRecoveryInterval * 2)); }

  static constexpr absl::Duration kRecoveryInterval = absl::Seconds(1);

  std::atomic<int64_t> now_micros_{absl::ToUnixMicros(absl::Now())};

  ketenbeeld::testing::TempDir dir_;
  std::shared_ptr<storage::SwitchableFaultInjector> faults_ = std::make_shared<storage::SwitchableFaultInjector>();
  CountingObserver observer_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::Picture> picture_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<Committer> committer_;
};

TEST_F(CommitterRecoveryTest, DiskFullRefusesWritesKeepsReadsAndResumesWhenTheFaultClears) {
  ASSERT_TRUE(Write(Register("voor")).ok());

  faults_->FailAppends(Fault::kNoSpace);
  absl::StatusOr<WriteResult> failed = Write(Register("tijdens"));
  ASSERT_TRUE(absl::IsUnavailable(failed.status())) << failed.status();
  EXPECT_TRUE(committer_->stats().storage_failed);
  PassRecoveryInterval();
  absl::StatusOr<WriteResult> refused = Write(Register("nog-steeds"));
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
  absl::StatusOr<WriteResult> resumed = Write(Register("na"));
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
  ASSERT_TRUE(Write(Register("eerst")).ok());

  faults_->FailSyncs(Fault::kIoError);
  absl::StatusOr<WriteResult> unsure = Write(Register("onzeker"));
  ASSERT_TRUE(absl::IsUnavailable(unsure.status())) << unsure.status();
  EXPECT_NE(unsure.status().message().find("known only once"), absl::string_view::npos) << unsure.status();
  // Not acknowledged, so not visible yet.
  EXPECT_EQ(picture_->Find("organizations/onzeker"), nullptr);
  EXPECT_EQ(hub_->head(), 1);

  faults_->Clear();
  PassRecoveryInterval();
  // The next write drives the recovery first: the reopened store holds the group, so it is real and is published
  // before the new write, which gets the following revision.
  absl::StatusOr<WriteResult> next = Write(Register("daarna"));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->revision, 3);
  EXPECT_NE(picture_->Find("organizations/onzeker"), nullptr);
  EXPECT_EQ(FeedRevisions(), std::vector<int64_t>({1, 2, 3}));
  EXPECT_EQ(store_->last_revision(), 3);
}

TEST_F(CommitterRecoveryTest, TransientFsyncFailureIsResolvedAtOnceAndTheWriteSucceeds) {
  ASSERT_TRUE(Write(Register("een")).ok());
  faults_->FailNextSync(Fault::kIoError);
  // The fsync fails, the immediate reopen finds the group on disk: the caller gets the truth, success.
  absl::StatusOr<WriteResult> written = Write(Register("twee"));
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->revision, 2);
  EXPECT_GT(faults_->injected(), 0);
  EXPECT_EQ(committer_->stats().recoveries, 1);
  EXPECT_FALSE(committer_->stats().storage_failed);
  EXPECT_EQ(FeedRevisions(), std::vector<int64_t>({1, 2}));
}

}  // namespace
}  // namespace ketenbeeld::pipeline
