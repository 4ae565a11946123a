// base::WorkPool: work runs on the pool's threads, a full queue refuses at once instead of growing, and Stop() runs
// what was accepted before it returns.
#include "base/work_pool.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace ketenbeeld {
namespace {

TEST(WorkPool, RunsWorkOffTheCallersThread) {
  WorkPool pool(2, 4);
  absl::Notification done;
  std::thread::id ran_on;
  ASSERT_TRUE(pool.Submit([&] {
    ran_on = std::this_thread::get_id();
    done.Notify();
  }));
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(WorkPool, RefusesWorkBeyondItsThreadsAndQueueAndServesAgainOnceFree) {
  WorkPool pool(1, 2);
  absl::Notification release;
  absl::Notification started;
  ASSERT_TRUE(pool.Submit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(30)));  // The one thread is busy.
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.Submit([&] { ++ran; }));
  EXPECT_TRUE(pool.Submit([&] { ++ran; }));
  EXPECT_FALSE(pool.Submit([&] { ++ran; })) << "the queue holds 2";
  EXPECT_EQ(pool.pending(), 3u);
  release.Notify();
  pool.Stop();  // Runs what it accepted.
  EXPECT_EQ(ran.load(), 2);
  EXPECT_FALSE(pool.Submit([] {})) << "a stopped pool takes nothing";
}

TEST(WorkPool, StopRunsEverythingAcceptedBeforeItReturns) {
  std::atomic<int> ran{0};
  {
    WorkPool pool(2, 100);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(pool.Submit([&] { ++ran; }));
  }  // The destructor stops.
  EXPECT_EQ(ran.load(), 100);
}

}  // namespace
}  // namespace ketenbeeld
