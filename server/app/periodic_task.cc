#include "server/app/periodic_task.h"

#include <utility>

namespace ketenbeeld::app {

PeriodicTask::PeriodicTask(absl::Duration interval, std::function<void()> run)
    : interval_(interval), run_(std::move(run)), thread_([this] { Loop(); }) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void PeriodicTask::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_);
      if (stopping_) return;
    }
    run_();
  }
}

}  // namespace ketenbeeld::app
