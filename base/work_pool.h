// A fixed set of threads that run submitted work, with a bounded queue: for work that blocks (a write waiting until it
// is durable, a store scan) and must not run on a thread that serves many clients (an event loop, gRPC's callback
// threads). When every thread is busy and the queue is full, Submit() refuses at once instead of letting the backlog,
// and the latency of everything in it, grow without bound: the caller answers "try again" (RESOURCE_EXHAUSTED or
// UNAVAILABLE) while the pool keeps serving what it has.
//
// Thread safety: every method may be called from any thread, except that the work must not call Stop() on its own
// pool. Work runs on the pool's threads, in submission order per free thread (not globally ordered).
#ifndef KETENBEELD_BASE_WORK_POOL_H_
#define KETENBEELD_BASE_WORK_POOL_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace ketenbeeld {

class WorkPool {
 public:
  // `threads` >= 1 threads, started here; at most `max_queued` items wait for a free thread.
  WorkPool(int threads, size_t max_queued) : max_queued_(max_queued) {
    threads_.reserve(static_cast<size_t>(threads));
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
  }
  ~WorkPool() { Stop(); }
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `work`; false (and `work` dropped unrun) when the queue is full or the pool is stopping.
  bool Submit(absl::AnyInvocable<void() &&> work) {
    absl::MutexLock lock(&mu_);
    if (stopping_ || queue_.size() >= max_queued_ + idle_) return false;
    queue_.push_back(std::move(work));
    return true;
  }

  // Work queued or running now.
  size_t pending() const {
    absl::MutexLock lock(&mu_);
    return queue_.size() + running_;
  }

  // Refuses new work, runs everything already queued to completion and joins the threads. Idempotent.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  void Run() {
    while (true) {
      absl::AnyInvocable<void() &&> work;
      {
        absl::MutexLock lock(&mu_);
        ++idle_;
        mu_.Await(absl::Condition(
            +[](WorkPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
              return !pool->queue_.empty() || pool->stopping_;
            },
            this));
        --idle_;
        if (queue_.empty()) return;  // Stopping, and nothing left to run.
        work = std::move(queue_.front());
        queue_.pop_front();
        ++running_;
      }
      std::move(work)();
      absl::MutexLock lock(&mu_);
      --running_;
    }
  }

  const size_t max_queued_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;     // Threads waiting for work: a submission for one of them never queues.
  size_t running_ ABSL_GUARDED_BY(mu_) = 0;  // Work being run now.
  std::vector<std::thread> threads_;
};

}  // namespace ketenbeeld

#endif  // KETENBEELD_BASE_WORK_POOL_H_
