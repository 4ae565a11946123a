#include "server/pipeline/scheduler.h"

#include "absl/synchronization/notification.h"
#include "server/observability/log.h"

namespace ketenbeeld::pipeline {

Scheduler::Scheduler(Committer& committer, absl::Duration interval) : committer_(committer), interval_(interval) {
  thread_ = std::thread([this] { Loop(); });
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

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

void Scheduler::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    // One tick at a time: a slow commit delays the next tick instead of queueing them up.
    tick_in_flight_ = true;
    mu_.Unlock();
    committer_.Submit(Tick(), [this](absl::StatusOr<WriteResult> result) {
      if (!result.ok() && !absl::IsUnavailable(result.status())) {
        observability::LogError("tick_failed", {{"error", result.status().ToString()}});
      }
      absl::MutexLock done_lock(&mu_);
      tick_in_flight_ = false;
    });
    mu_.Lock();
    mu_.Await(absl::Condition(
        +[](bool* in_flight) { return !*in_flight; }, &tick_in_flight_));
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_);
  }
}

}  // namespace ketenbeeld::pipeline
