// The pool that runs store scans off gRPC's callback threads (server/api/scan_executor.h): tasks run on its own
// threads, the queue is bounded, and Stop runs what is queued before it joins.
#include "server/api/scan_executor.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld::api {
namespace {

using ::testing::HasSubstr;

TEST(ScanExecutorTest, RunsTasksOnItsOwnThreads) {
  ScanExecutor executor(2, 8);
  absl::Notification ran;
  std::thread::id ran_on;
  ASSERT_TRUE(executor
                  .Submit([&] {
                    ran_on = std::this_thread::get_id();
                    ran.Notify();
                  })
                  .ok());
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(ScanExecutorTest, RefusesTasksBeyondTheQueueAndRunsTheQueuedOnesAtStop) {
  ScanExecutor executor(1, 2);
  // Occupy the only thread, and wait until it has taken its task off the queue.
  absl::Notification started;
  absl::Notification release;
  ASSERT_TRUE(executor
                  .Submit([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  std::atomic<int> queued_ran{0};
  ASSERT_TRUE(executor.Submit([&] { ++queued_ran; }).ok());
  ASSERT_TRUE(executor.Submit([&] { ++queued_ran; }).ok());
  const absl::Status refused = executor.Submit([&] { ++queued_ran; });
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("scans: 2 reads"));

  release.Notify();
  executor.Stop();
  EXPECT_EQ(queued_ran.load(), 2);  // Both queued tasks ran, the refused one never.
  EXPECT_EQ(executor.Submit([] {}).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ketenbeeld::api
