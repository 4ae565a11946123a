// Watcher against a real etcd: events in revision order from a start revision, compaction reported as OUT_OF_RANGE
// with the compact revision, stream failures reported once, and a prompt destructor.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "etcd/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/etcd/fixture.h"

namespace ketenbeeld::etcd_test {
namespace {

// Collects what a Watcher delivers.
class WatchRecorder {
 public:
  std::function<void(const etcdserverpb::WatchResponse&)> OnResponse() {
    return [this](const etcdserverpb::WatchResponse& response) {
      absl::MutexLock lock(&mu_);
      for (const mvccpb::Event& event : response.events()) events_.push_back(event);
    };
  }
  std::function<void(absl::Status)> OnError() {
    return [this](absl::Status status) {
      absl::MutexLock lock(&mu_);
      errors_.push_back(std::move(status));
    };
  }
  bool WaitForEvents(size_t count, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return events_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  bool WaitForError(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto failed = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !errors_.empty(); };
    return mu_.AwaitWithTimeout(absl::Condition(&failed), timeout);
  }
  std::vector<mvccpb::Event> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  std::vector<absl::Status> errors() {
    absl::MutexLock lock(&mu_);
    return errors_;
  }

 private:
  absl::Mutex mu_;
  std::vector<mvccpb::Event> events_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Status> errors_ ABSL_GUARDED_BY(mu_);
};

using WatchTest = EtcdTest;

TEST_F(WatchTest, DeliversEventsInOrderFromTheStartRevision) {
  std::vector<int64_t> revisions;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<etcdserverpb::PutResponse> put = client_->Put(absl::StrCat("log/", i), absl::StrCat("g", i));
    ASSERT_TRUE(put.ok()) << put.status();
    revisions.push_back(put->header().revision());
  }
  ASSERT_TRUE(client_->Put("elsewhere", "x").ok());

  WatchRecorder recorder;
  std::unique_ptr<etcd::Watcher> watcher =
      client_->Watch({.key = "log/", .range_end = etcd::PrefixEnd("log/"), .start_revision = revisions[2]},
                     recorder.OnResponse(), recorder.OnError());
  ASSERT_TRUE(watcher->WaitUntilCreated(absl::Seconds(5)));
  // Live events follow the replayed ones; a delete too.
  absl::StatusOr<etcdserverpb::PutResponse> live = client_->Put("log/5", "g5");
  ASSERT_TRUE(live.ok()) << live.status();
  etcdserverpb::DeleteRangeRequest del;
  del.set_key("log/0");
  ASSERT_TRUE(client_->DeleteRange(del).ok());

  ASSERT_TRUE(recorder.WaitForEvents(5, absl::Seconds(5)));
  std::vector<mvccpb::Event> events = recorder.events();
  ASSERT_EQ(events.size(), 5u);
  const std::vector<std::string> keys = {"log/2", "log/3", "log/4", "log/5", "log/0"};
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kv().key(), keys[i]);
    if (i > 0) {
      EXPECT_GT(events[i].kv().mod_revision(), events[i - 1].kv().mod_revision());
    }
  }
  EXPECT_EQ(events[0].kv().mod_revision(), revisions[2]);
  EXPECT_EQ(events[3].kv().mod_revision(), live->header().revision());
  EXPECT_EQ(events[4].type(), mvccpb::Event::DELETE);
  watcher.reset();
  EXPECT_TRUE(recorder.errors().empty());
}

TEST_F(WatchTest, StartBelowTheCompactionIsOutOfRangeWithTheCompactRevision) {
  absl::StatusOr<etcdserverpb::PutResponse> first = client_->Put("log/1", "a");
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<etcdserverpb::PutResponse> last = client_->Put("log/2", "b");
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_TRUE(client_->Compact(last->header().revision(), /*physical=*/true).ok());

  WatchRecorder recorder;
  std::unique_ptr<etcd::Watcher> watcher = client_->Watch(
      {.key = "log/", .range_end = etcd::PrefixEnd("log/"), .start_revision = first->header().revision()},
      recorder.OnResponse(), recorder.OnError());
  ASSERT_TRUE(recorder.WaitForError(absl::Seconds(5)));
  watcher.reset();  // joins: nothing can follow
  std::vector<absl::Status> errors = recorder.errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), absl::StatusCode::kOutOfRange) << errors[0];
  EXPECT_TRUE(etcd::IsCompacted(errors[0]));
  EXPECT_EQ(etcd::CompactRevision(errors[0]), last->header().revision());
  EXPECT_TRUE(recorder.events().empty());
}

TEST_F(WatchTest, DestructorCancelsPromptlyWithoutReportingAnError) {
  WatchRecorder recorder;
  std::unique_ptr<etcd::Watcher> watcher = client_->Watch({.key = "quiet/", .range_end = etcd::PrefixEnd("quiet/")},
                                                          recorder.OnResponse(), recorder.OnError());
  ASSERT_TRUE(watcher->WaitUntilCreated(absl::Seconds(5)));
  const absl::Time start = absl::Now();
  watcher.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_TRUE(recorder.errors().empty());
}

TEST_F(WatchTest, StreamFailureIsReportedOnceAsUnavailable) {
  WatchRecorder recorder;
  std::unique_ptr<etcd::Watcher> watcher =
      client_->Watch({.key = "log/", .range_end = etcd::PrefixEnd("log/")}, recorder.OnResponse(), recorder.OnError());
  ASSERT_TRUE(watcher->WaitUntilCreated(absl::Seconds(5)));
  cluster_->Kill(0);
  ASSERT_TRUE(recorder.WaitForError(absl::Seconds(5)));
  watcher.reset();
  std::vector<absl::Status> errors = recorder.errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), absl::StatusCode::kUnavailable) << errors[0];
}

}  // namespace
}  // namespace ketenbeeld::etcd_test
