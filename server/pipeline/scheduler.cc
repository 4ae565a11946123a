#include "server/pipeline/scheduler.h"

#include <memory>

#include "absl/synchronization/notification.h"
#include "server/observability/log.h"

namespace ketenbeeld::pipeline {

Scheduler::Scheduler(Committer& committer, absl::Duration interval)
    : committer_(committer), task_(interval, PeriodicTask::FirstRun::kNow, [this] { TickOnce(); }) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Stop() { task_.Stop(); }

namespace {

mutations::WriteRequest Tick() {
  ketenbeeld::v1::Actor system;
  system.set_role(ketenbeeld::v1::ROLE_SYSTEM);
  system.set_subject("ketenbeeld-server");
  return mutations::WriteRequest{.body = mutations::SystemTick{}, .actor = system};
}

}  // namespace

absl::Status Scheduler::TickNow() {
  // The outcome is shared with the committer's callback, not on this stack: Notify() may still be returning on the
  // completion thread when the wait here has ended, and the next tick must not reuse the memory it touches.
  struct Outcome {
    absl::Notification done;
    absl::Status status;
  };
  auto outcome = std::make_shared<Outcome>();
  committer_.Submit(Tick(), [outcome](absl::StatusOr<WriteResult> result) {
    outcome->status = result.status();
    outcome->done.Notify();
  });
  outcome->done.WaitForNotification();
  return outcome->status;
}

void Scheduler::TickOnce() {
  // The next interval starts when this tick is committed: a slow commit delays the next tick instead of queueing
  // them up.
  const absl::Status status = TickNow();
  if (!status.ok() && !absl::IsUnavailable(status)) {
    observability::LogError("tick_failed", {{"error", status.ToString()}});
  }
}

}  // namespace ketenbeeld::pipeline
