// A fixed set of threads that run submitted work, for work that blocks and must not run on a thread that serves many
// clients: store scans (List at a past revision, History) off gRPC's few shared callback threads, where eight scans
// in flight once made the GHOR's Get take 7-15 s (server/api/service_context.h); the HTTP gateway's calls, which wait
// until a write is durable, off its event loops (server/http/gateway.h).
//
// Callers take turns: each caller (identity) has its own queue and the threads serve the callers
// round robin, so one caller's burst of scans delays another's scan by at most one scan per caller ahead of it, not
// by the whole burst. The queues are bounded, per caller and in total; a task beyond either bound is refused with
// RESOURCE_EXHAUSTED at once rather than queued.
//
// Thread safety: Submit and Stop may be called from any thread; tasks run on the pool's threads.
#ifndef KETENBEELD_BASE_WORK_POOL_H_
#define KETENBEELD_BASE_WORK_POOL_H_

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

namespace ketenbeeld {

class WorkPool {
 public:
  struct Options {
    // At least 1.
    int threads = 1;
    // Tasks waiting, all callers together.
    int queue = 64;
    // Tasks of one caller waiting or running.
    int per_caller = 8;
    // What the tasks are, for refusals: "<limit>: this identity already has N <tasks> waiting or running".
    std::string limit = "work";
    std::string tasks = "tasks";
  };

  explicit WorkPool(Options options);
  ~WorkPool();  // Stop().
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

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
  const std::string limit_;
  const std::string tasks_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Caller> callers_ ABSL_GUARDED_BY(mu_);
  // Callers with waiting tasks, in the order they are served next; each appears once.
  std::deque<std::string> turns_ ABSL_GUARDED_BY(mu_);
  size_t waiting_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // Started in the constructor, joined once by Stop() (under join_mu_).
  absl::Mutex join_mu_;
};

}  // namespace ketenbeeld

#endif  // KETENBEELD_BASE_WORK_POOL_H_
