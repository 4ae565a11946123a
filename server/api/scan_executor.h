// Runs the reads that scan the store (List at a past revision, History) on a small fixed pool of threads instead of
// gRPC's callback threads. gRPC runs every unary handler on a few shared callback threads; a scan that takes a
// second there holds back every other call, so eight scans in flight once made the GHOR's Get (served from the
// picture in memory, a few microseconds of work) take 7-15 s. Here scans wait only for each other, and Get never
// waits behind them.
//
// Among themselves, callers take turns: each caller (identity) has its own queue and the threads serve the callers
// round robin, so one caller's burst of scans delays another's scan by at most one scan per caller ahead of it, not
// by the whole burst. The queues are bounded, per caller and in total; a task beyond either bound is refused with
// RESOURCE_EXHAUSTED at once rather than queued.
//
// Thread safety: Submit and Stop may be called from any thread; tasks run on the pool's threads.
#ifndef KETENBEELD_SERVER_API_SCAN_EXECUTOR_H_
#define KETENBEELD_SERVER_API_SCAN_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace ketenbeeld::api {

inline constexpr int kDefaultScanThreads = 2;
inline constexpr int kDefaultScanQueue = 64;
inline constexpr int kDefaultScansPerCaller = 8;

class ScanExecutor {
 public:
  struct Options {
    // 0 or less: the defaults above.
    int threads = 0;
    // Tasks waiting, all callers together.
    int queue = 0;
    // Tasks of one caller waiting or running.
    int per_caller = 0;
  };

  explicit ScanExecutor(Options options);
  ~ScanExecutor();  // Stop().
  ScanExecutor(const ScanExecutor&) = delete;
  ScanExecutor& operator=(const ScanExecutor&) = delete;

  // Queues `task` of `caller` (an identity's limit key; empty: development mode, not limited per caller) to run on a
  // pool thread. RESOURCE_EXHAUSTED when the caller already has `per_caller` tasks waiting or running, or `queue`
  // tasks of all callers are waiting; UNAVAILABLE after Stop(). A refused task is not run (the caller answers its
  // call with the status).
  absl::Status Submit(const std::string& caller, absl::AnyInvocable<void()> task);

  // Runs the tasks already queued, then joins the threads. Idempotent.
  void Stop();

 private:
  struct Caller {
    std::deque<absl::AnyInvocable<void()>> waiting;
    int running = 0;
  };

  void Work();

  const size_t capacity_;
  const int per_caller_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Caller> callers_ ABSL_GUARDED_BY(mu_);
  // Callers with waiting tasks, in the order they are served next; each appears once.
  std::deque<std::string> turns_ ABSL_GUARDED_BY(mu_);
  size_t waiting_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // Started in the constructor, joined once by Stop() (under join_mu_).
  absl::Mutex join_mu_;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_SCAN_EXECUTOR_H_
