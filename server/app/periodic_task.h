// A function run every interval on a thread of its own, until stopped: the server's small housekeeping jobs that
// belong to no module below (ending publish streams whose credential was revoked).
//
// Thread safety: Stop() may be called from any thread; it is idempotent and waits for a run in progress.
#ifndef KETENBEELD_SERVER_APP_PERIODIC_TASK_H_
#define KETENBEELD_SERVER_APP_PERIODIC_TASK_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ketenbeeld::app {

class PeriodicTask {
 public:
  // Starts the thread; `run` is first called one `interval` from now. `run` must not call Stop().
  PeriodicTask(absl::Duration interval, std::function<void()> run);
  ~PeriodicTask();  // Stop().
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Stop();

 private:
  void Loop();

  const absl::Duration interval_;
  const std::function<void()> run_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ketenbeeld::app

#endif  // KETENBEELD_SERVER_APP_PERIODIC_TASK_H_
