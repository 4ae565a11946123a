// The outbox's delivery worker: sends the notifications the log holds as QUEUED (notification.proto) and commits
// each attempt's outcome through the committer (mutations::DeliveryOutcome), so the outbox's state is in the log
// like everything else.
//
// Every poll_interval it scans the picture's outbox ("notifications/", oldest first) for QUEUED notifications whose
// next_attempt_at has come, sends up to parallel_sends of them at once (one thread each), and commits their outcomes
// in one go, waiting until they are applied before it looks again: so a notification is never in flight twice.
//
// At least once, nothing lost: a notification is QUEUED in the log from the moment its fact is committed until an
// outcome is committed. A crash (or a stop, or a lost leadership) between sending and committing leaves it QUEUED,
// and the next worker (after the restart, or on the new leader) sends it again, with the same idempotency key and
// the same body (message.h). A receiver that was down gets everything once it is back, as long as the attempts
// last (domain::RetryPolicy; then the notification is FAILED, which the operational summary counts).
//
// Replicated mode: it works only while Committer::leading() (the leader commits the outcomes; followers' workers
// wait).
//
// Thread safety: Stop() and stats() may be called from any thread.
#ifndef KETENBEELD_SERVER_NOTIFY_WORKER_H_
#define KETENBEELD_SERVER_NOTIFY_WORKER_H_

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/domain/outbox.h"
#include "server/notify/sender.h"
#include "server/observability/observers.h"
#include "server/pipeline/committer.h"
#include "server/state/picture.h"

namespace ketenbeeld::notify {

struct WorkerOptions {
  domain::RetryPolicy retry;
  absl::Duration poll_interval = absl::Milliseconds(500);
  int parallel_sends = 8;
  // Picture time (the committer's clock): when a notification is due.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // May be null. Must outlive the worker.
  observability::DeliveryObserver* observer = nullptr;
};

class DeliveryWorker {
 public:
  // The committer, picture and sender must outlive the worker. Starts the worker's thread.
  DeliveryWorker(pipeline::Committer& committer, const state::Picture& picture, Sender& sender, WorkerOptions options);
  ~DeliveryWorker();  // Stop().
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // Ends the thread after the attempts in flight (each bounded by the sender's timeout); their outcomes are
  // committed if the committer still runs, else they are sent again after the restart. Call before stopping the
  // committer. Idempotent.
  void Stop();

  struct Stats {
    // In the outbox at the last scan; -1 before the first scan, and while this member does not lead.
    int64_t queued = -1;
    int64_t failed = -1;
    // Attempts made by this worker, by outcome.
    int64_t sent = 0;
    int64_t retried = 0;
    int64_t given_up = 0;
  };
  Stats stats() const;

  // Runs one scan and its sends now, on the caller's thread (beside the worker's own). For tests.
  void RunOnce();

 private:
  void Loop();

  pipeline::Committer& committer_;
  const state::Picture& picture_;
  Sender& sender_;
  const WorkerOptions options_;

  // Serialises RunOnce (the thread's and a test's), so that no notification is in flight twice.
  absl::Mutex run_mu_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
  bool email_skip_logged_ ABSL_GUARDED_BY(run_mu_) = false;
  std::thread thread_;
};

}  // namespace ketenbeeld::notify

#endif  // KETENBEELD_SERVER_NOTIFY_WORKER_H_
