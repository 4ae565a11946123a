// The hub wakes a large round of parked listeners on several threads, keeping the Listener contract: each one
// woken once per round, never twice at once.
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "server/pipeline/hub.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::pipeline {
namespace {

// Counts wakes and notices when Wake() runs twice at once for this listener.
class OverlapDetectingListener : public Listener {
 public:
  OverlapDetectingListener(absl::BlockingCounter& woken, absl::Mutex& mu, absl::flat_hash_set<std::thread::id>& threads)
      : woken_(woken), mu_(mu), threads_(threads) {}
  void Wake() override {
    {
      absl::MutexLock lock(&mu_);
      threads_.insert(std::this_thread::get_id());
    }
    if (in_wake_.exchange(true)) overlaps.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // Long enough for a second wake to overlap.
    in_wake_.store(false);
    if (wakes.fetch_add(1) == 0) woken_.DecrementCount();
  }
  std::atomic<int> wakes{0};
  std::atomic<int> overlaps{0};

 private:
  std::atomic<bool> in_wake_{false};
  absl::BlockingCounter& woken_;
  absl::Mutex& mu_;
  absl::flat_hash_set<std::thread::id>& threads_;
};

TEST(HubParallelWakeTest, EveryParkedListenerOfALargeRoundIsWokenOnceAndNeverConcurrently) {
  ketenbeeld::testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<storage::Store>> store =
      storage::Store::Open({.path = dir.path() + "/db", .sync = false, .small_buffers = true});
  ASSERT_TRUE(store.ok()) << store.status();
  // A long wake interval: only the publish wakes.
  Hub hub(**store, 0, {.wake_interval = absl::Seconds(60)});
  constexpr int kListeners = 500;  // Many chunks of 16: every wake thread gets some.
  absl::BlockingCounter woken(kListeners);
  absl::Mutex mu;
  absl::flat_hash_set<std::thread::id> wake_threads;
  std::vector<std::shared_ptr<OverlapDetectingListener>> listeners;
  for (int i = 0; i < kListeners; ++i) {
    listeners.push_back(std::make_shared<OverlapDetectingListener>(woken, mu, wake_threads));
    std::shared_ptr<Listener> listener = listeners.back();
    ASSERT_TRUE(hub.Next(0, {}, 1 << 20, listener).ok());
  }
  EXPECT_EQ(hub.stats().parked, static_cast<size_t>(kListeners));

  v1::Event event;
  event.set_revision(1);
  event.set_group_last_revision(1);
  event.mutable_record()->set_name("organizations/a");
  storage::LogEntry entry{
      .revision = 1, .name = "organizations/a", .is_delete = false, .event_bytes = "", .record_bytes = ""};
  state::EventPtr published = state::MakeEvent(event);
  entry.event_bytes = published->wire;
  ASSERT_TRUE((*store)->Commit({entry}).ok());
  hub.Publish({published});

  woken.Wait();               // Bounded by the test timeout; each listener counts itself once.
  hub.WaitForPendingWakes();  // The round is over: a second wake within it would have been counted by now.
  for (const auto& listener : listeners) {
    EXPECT_EQ(listener->wakes.load(), 1);
    EXPECT_EQ(listener->overlaps.load(), 0);
  }
  EXPECT_EQ(hub.stats().parked, 0u) << "woken listeners are no longer parked until they call Next again";
  if (std::thread::hardware_concurrency() >= 2) {
    absl::MutexLock lock(&mu);
    EXPECT_GE(wake_threads.size(), 2u) << "a large round of wakes must be spread over more than one thread";
  }
}

}  // namespace
}  // namespace ketenbeeld::pipeline
