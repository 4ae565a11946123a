// base::WorkPool (store scans off gRPC's callback threads, the gateway's calls off its event loops): tasks run on its
// own threads, callers take turns, the queues are bounded in total and per caller, and Stop runs what is queued before
// it joins.
#include "base/work_pool.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Occupies one thread of `executor` with a task of `caller` until `release` is notified; returns once it runs.
void Occupy(WorkPool& executor, const std::string& caller, absl::Notification& release) {
  absl::Notification started;
  ASSERT_TRUE(executor
                  .Submit(caller,
                          [&started, &release] {
                            started.Notify();
                            release.WaitForNotification();
                          })
                  .ok());
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST(WorkPoolTest, RunsTasksOnItsOwnThreads) {
  WorkPool executor({.threads = 2, .queue = 8, .per_caller = 8});
  absl::Notification ran;
  std::thread::id ran_on;
  ASSERT_TRUE(executor
                  .Submit("a",
                          [&] {
                            ran_on = std::this_thread::get_id();
                            ran.Notify();
                          })
                  .ok());
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(WorkPoolTest, CallersTakeTurnsSoABurstDoesNotHoldUpAnotherCaller) {
  WorkPool executor({.threads = 1, .queue = 8, .per_caller = 8});
  absl::Notification release;
  Occupy(executor, "x", release);
  absl::Mutex mu;
  std::vector<std::string> order;
  auto record = [&](std::string name) {
    return [&mu, &order, name] {
      absl::MutexLock lock(&mu);
      order.push_back(name);
    };
  };
  // Caller a's burst of three is queued before b's one scan.
  for (const char* name : {"a1", "a2", "a3"}) ASSERT_TRUE(executor.Submit("a", record(name)).ok());
  ASSERT_TRUE(executor.Submit("b", record("b1")).ok());
  release.Notify();
  executor.Stop();
  absl::MutexLock lock(&mu);
  EXPECT_THAT(order, ElementsAre("a1", "b1", "a2", "a3"));
}

TEST(WorkPoolTest, RefusesTasksBeyondACallersShareAndBeyondTheQueue) {
  WorkPool executor(
      {.threads = 1, .queue = 3, .per_caller = 2, .limit = "scans", .tasks = "reads of past revisions or history"});
  absl::Notification release;
  Occupy(executor, "a", release);
  std::atomic<int> ran{0};
  ASSERT_TRUE(executor.Submit("a", [&] { ++ran; }).ok());
  // Caller a has one task running and one waiting: its share.
  const absl::Status over_share = executor.Submit("a", [&] { ++ran; });
  EXPECT_EQ(over_share.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over_share.message(), HasSubstr("scans: this identity already has 2"));
  // Others still get in, up to the queue (3 waiting of all callers); development mode ("") has no share of its own.
  ASSERT_TRUE(executor.Submit("b", [&] { ++ran; }).ok());
  ASSERT_TRUE(executor.Submit("", [&] { ++ran; }).ok());
  const absl::Status over_queue = executor.Submit("", [&] { ++ran; });
  EXPECT_EQ(over_queue.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over_queue.message(), HasSubstr("scans: 3 reads"));

  release.Notify();
  executor.Stop();
  EXPECT_EQ(ran.load(), 3);  // Every queued task ran at Stop, no refused one.
  EXPECT_EQ(executor.Submit("a", [] {}).code(), absl::StatusCode::kUnavailable);
}

TEST(WorkPoolTest, StopRunsEverythingAcceptedBeforeItReturns) {
  std::atomic<int> ran{0};
  {
    WorkPool pool({.threads = 2, .queue = 100, .per_caller = 100});
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(pool.Submit("a", [&] { ++ran; }).ok());
  }  // The destructor stops.
  EXPECT_EQ(ran.load(), 100);
}

}  // namespace
}  // namespace ketenbeeld
