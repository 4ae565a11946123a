// A function run on a thread of its own every interval, until stopped: the server's background loops (the
// scheduler's ticks, log retention, ending publish streams whose credential was revoked) in one implementation.
//
// Runs never overlap: the next interval starts when a run returns, so a slow run delays the next one instead of
// queueing them up.
//
// Thread safety: Stop() may be called from any thread, also from `run` itself (it then only asks the loop to end); it
// is idempotent and, from another thread, waits for a run in progress.
#ifndef KETENBEELD_BASE_PERIODIC_TASK_H_
#define KETENBEELD_BASE_PERIODIC_TASK_H_

#include <functional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ketenbeeld {

class PeriodicTask {
 public:
  enum class FirstRun { kNow, kAfterInterval };

  // Starts the thread; `run` is first called at once (kNow) or one `interval` from now.
  PeriodicTask(absl::Duration interval, FirstRun first, std::function<void()> run)
      : interval_(interval), run_(std::move(run)), thread_([this, first] { Loop(first); }) {}
  ~PeriodicTask() { Stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  void Loop(FirstRun first) {
    if (first == FirstRun::kNow) run_();
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
      }
      run_();
    }
  }

  const absl::Duration interval_;
  const std::function<void()> run_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // Last: started once everything above is initialised.
};

}  // namespace ketenbeeld

#endif  // KETENBEELD_BASE_PERIODIC_TASK_H_
