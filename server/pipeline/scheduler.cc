#include "server/pipeline/scheduler.h"

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
  absl::Notification done;
  absl::Status status;
  committer_.Submit(Tick(), [&](absl::StatusOr<WriteResult> result) {
    status = result.status();
    done.Notify();
  });
  done.WaitForNotification();
  return status;
}

void Scheduler::TickOnce() {
  // The next interval starts when this tick is committed: a slow commit delays the next tick instead of queueing
  // them up.
  absl::Notification done;
  committer_.Submit(Tick(), [&done](absl::StatusOr<WriteResult> result) {
    if (!result.ok() && !absl::IsUnavailable(result.status())) {
      observability::LogError("tick_failed", {{"error", result.status().ToString()}});
    }
    done.Notify();
  });
  done.WaitForNotification();
}

}  // namespace ketenbeeld::pipeline
