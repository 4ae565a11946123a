// Drives the facts that follow from time alone (an alert's acknowledgement deadline passed, a status report became
// overdue): every interval it submits a SystemTick to the committer, which plans them against the picture like any
// other write. So they get revisions, are durable, appear in every feed in the same order for everyone, and are
// committed exactly once (the planners only act on records that do not carry the fact yet, also after a restart).
//
// Thread safety: Stop() may be called from any thread; it is idempotent.
#ifndef KETENBEELD_SERVER_PIPELINE_SCHEDULER_H_
#define KETENBEELD_SERVER_PIPELINE_SCHEDULER_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/periodic_task.h"
#include "server/pipeline/committer.h"

namespace ketenbeeld::pipeline {

class Scheduler {
 public:
  // Starts ticking at once (a tick at start-up catches up on deadlines that passed while the server was down).
  Scheduler(Committer& committer, absl::Duration interval);
  ~Scheduler();  // Stop().
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Stops ticking and waits for the tick in flight. Call before stopping the committer.
  void Stop();

  // Runs one tick now, beside the interval's, and returns once it is committed (or refused): the facts due at this
  // moment are then in the picture and the log. For tests that must show a fact is committed exactly once, however
  // many ticks run, without sleeping through intervals. Ticks are idempotent, so an extra one changes nothing that
  // was not due. UNAVAILABLE once the committer has stopped. Thread safe; blocks the caller for one commit.
  absl::Status TickNow();

 private:
  // Submits a tick and waits until it is committed (or refused).
  void TickOnce();

  Committer& committer_;
  PeriodicTask task_;  // Last: its thread starts once the rest is initialised.
};

}  // namespace ketenbeeld::pipeline

#endif  // KETENBEELD_SERVER_PIPELINE_SCHEDULER_H_
