// absl_annotations.cc at work: data handed from thread to thread through each Abseil primitive is plain (non-atomic)
// memory, so without the annotations TSan reports a data race here and (halt_on_error=1) the test fails. The counts
// checked at the end fail if a wrapper broke the primitive itself.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace {

constexpr int kThreads = 4;
constexpr int kIterations = 1000;

template <typename Body>
void RunOnThreads(int count, Body body) {
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) threads.emplace_back(body, i);
  for (std::thread& thread : threads) thread.join();
}

TEST(AbslAnnotationsTest, WritesUnderMutexLockAreOrdered) {
  absl::Mutex mutex;
  int counter = 0;  // guarded by mutex
  RunOnThreads(kThreads, [&](int) {
    for (int i = 0; i < kIterations; ++i) {
      absl::MutexLock lock(&mutex);
      ++counter;
    }
  });
  absl::MutexLock lock(&mutex);
  EXPECT_EQ(counter, kThreads * kIterations);
}

TEST(AbslAnnotationsTest, ReadersSeeTheWritersWrites) {
  absl::Mutex mutex;
  std::vector<int> values;  // guarded by mutex
  std::thread writer([&] {
    for (int i = 0; i < kIterations; ++i) {
      absl::MutexLock lock(&mutex);
      values.push_back(i);
    }
  });
  RunOnThreads(kThreads, [&](int) {
    for (int i = 0; i < kIterations; ++i) {
      absl::ReaderMutexLock lock(&mutex);
      if (!values.empty()) {
        EXPECT_EQ(values.back(), static_cast<int>(values.size()) - 1);
      }
    }
  });
  writer.join();
  absl::ReaderMutexLock lock(&mutex);
  EXPECT_EQ(values.size(), static_cast<size_t>(kIterations));
}

TEST(AbslAnnotationsTest, TryLockAndReleasableMutexLockOrderWrites) {
  absl::Mutex mutex;
  int counter = 0;  // guarded by mutex
  RunOnThreads(kThreads, [&](int index) {
    for (int i = 0; i < kIterations; ++i) {
      if (index % 2 == 0) {
        while (!mutex.TryLock()) std::this_thread::yield();
        ++counter;
        mutex.Unlock();
      } else {
        absl::ReleasableMutexLock lock(&mutex);
        ++counter;
        lock.Release();
      }
    }
  });
  absl::MutexLock lock(&mutex);
  EXPECT_EQ(counter, kThreads * kIterations);
}

// A consumer waits in Await (the writer's Unlock evaluates the condition and hands the mutex over) and reads what the
// producer wrote; the payload itself is not guarded, only published through the guarded flag.
TEST(AbslAnnotationsTest, AwaitSeesWhatWasWrittenBeforeTheConditionBecameTrue) {
  for (int round = 0; round < 100; ++round) {
    absl::Mutex mutex;
    std::string payload;
    bool ready = false;  // guarded by mutex
    std::thread producer([&] {
      payload = "round " + std::to_string(round);
      absl::MutexLock lock(&mutex);
      ready = true;
    });
    std::string seen;
    {
      absl::MutexLock lock(&mutex);
      if (round % 2 == 0) {
        mutex.Await(absl::Condition(&ready));
      } else {
        ASSERT_TRUE(mutex.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(30)));
      }
      seen = payload;
    }
    producer.join();
    EXPECT_EQ(seen, "round " + std::to_string(round));
  }
}

TEST(AbslAnnotationsTest, LockWhenAndCondVarSeeWhatWasWrittenBefore) {
  absl::Mutex mutex;
  absl::CondVar changed;
  int stage = 0;  // guarded by mutex
  std::string payload;
  std::thread other([&] {
    payload = "first";
    {
      absl::MutexLock lock(&mutex);
      stage = 1;
      changed.Signal();
    }
    absl::MutexLock lock(&mutex, absl::Condition(
                                     +[](int* value) { return *value == 2; }, &stage));
    EXPECT_EQ(payload, "second");
  });
  {
    absl::MutexLock lock(&mutex);
    while (stage != 1) ASSERT_FALSE(changed.WaitWithTimeout(&mutex, absl::Seconds(30)));
    EXPECT_EQ(payload, "first");
    payload = "second";
    stage = 2;
  }
  other.join();
}

TEST(AbslAnnotationsTest, NotificationPublishesWhatWasWrittenBeforeNotify) {
  for (int round = 0; round < 100; ++round) {
    absl::Notification done;
    std::string payload;
    std::thread notifier([&] {
      payload = "round " + std::to_string(round);
      done.Notify();
    });
    switch (round % 3) {
      case 0:
        done.WaitForNotification();
        break;
      case 1:
        ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
        break;
      default: {
        // HasBeenNotified() is inline: polled, bounded.
        const absl::Time deadline = absl::Now() + absl::Seconds(30);
        while (!done.HasBeenNotified()) {
          ASSERT_LT(absl::Now(), deadline);
          std::this_thread::yield();
        }
      }
    }
    EXPECT_EQ(payload, "round " + std::to_string(round));
    notifier.join();
  }
}

TEST(AbslAnnotationsTest, BlockingCounterPublishesEachThreadsWrites) {
  std::vector<int> slots(kThreads, 0);
  absl::BlockingCounter done(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      slots[i] = i + 1;
      done.DecrementCount();
    });
  }
  done.Wait();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(slots[i], i + 1);
  for (std::thread& thread : threads) thread.join();
}

TEST(AbslAnnotationsTest, CallOnceWaitersSeeTheResult) {
  for (int round = 0; round < 20; ++round) {
    absl::once_flag once;
    std::string value;
    RunOnThreads(kThreads, [&](int) {
      absl::call_once(once, [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // Others reach the wait meanwhile.
        value = "computed";
      });
      EXPECT_EQ(value, "computed");
    });
  }
}

}  // namespace
