// Runs the reads that scan the store (List at a past revision, History) on a small fixed pool of threads instead of
// gRPC's callback threads. gRPC runs every unary handler on a few shared callback threads; a scan that takes a
// second there holds back every other call, so eight scans in flight once made the GHOR's Get (served from the
// picture in memory, a few microseconds of work) take 7-15 s. Here scans wait only for each other, and Get never
// waits behind them.
//
// The queue is bounded: a task beyond it is refused with RESOURCE_EXHAUSTED at once rather than queued without bound
// (the per-identity call budget, server/policy/limits.h, keeps one identity from filling it alone).
//
// Thread safety: Submit and Stop may be called from any thread; tasks run on the pool's threads.
#ifndef KETENBEELD_SERVER_API_SCAN_EXECUTOR_H_
#define KETENBEELD_SERVER_API_SCAN_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace ketenbeeld::api {

inline constexpr int kDefaultScanThreads = 2;
inline constexpr int kDefaultScanQueue = 64;

class ScanExecutor {
 public:
  // `threads` and `queue_capacity` 0 or less: the defaults above.
  ScanExecutor(int threads, int queue_capacity);
  ~ScanExecutor();  // Stop().
  ScanExecutor(const ScanExecutor&) = delete;
  ScanExecutor& operator=(const ScanExecutor&) = delete;

  // Queues `task` to run on a pool thread. RESOURCE_EXHAUSTED when `queue_capacity` tasks are already waiting,
  // UNAVAILABLE after Stop(); the task is then not run (the caller answers its call with the status).
  absl::Status Submit(absl::AnyInvocable<void()> task);

  // Runs the tasks already queued, then joins the threads. Idempotent.
  void Stop();

 private:
  void Work();

  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // Started in the constructor, joined once by Stop() (under join_mu_).
  absl::Mutex join_mu_;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_SCAN_EXECUTOR_H_
