#include "storage/retention.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace ketenbeeld::storage {

absl::StatusOr<int64_t> RetentionCutoff(const Store& store, const RetentionPolicy& policy, int64_t head,
                                        absl::Time now) {
  int64_t cutoff = 0;
  if (policy.max_events > 0 && head > policy.max_events) cutoff = head - policy.max_events;
  if (policy.max_age > absl::ZeroDuration()) {
    // Everything before the first event that is young enough may go.
    absl::StatusOr<int64_t> first_kept = store.FirstRevisionAtOrAfter(now - policy.max_age);
    if (!first_kept.ok()) return first_kept.status();
    cutoff = std::max(cutoff, *first_kept - 1);
  }
  return std::clamp<int64_t>(cutoff, 0, std::max<int64_t>(head, 0));
}

RetentionRunner::RetentionRunner(const Store& store, RetentionPolicy policy, Callbacks callbacks)
    : store_(store), policy_(policy), callbacks_(std::move(callbacks)) {
  if (!policy_.enabled()) return;
  const absl::Duration interval =
      policy_.check_interval > absl::ZeroDuration() ? policy_.check_interval : absl::Hours(1);
  task_.emplace(interval, PeriodicTask::FirstRun::kNow, [this] { Check(); });
}

RetentionRunner::~RetentionRunner() { Stop(); }

void RetentionRunner::Stop() {
  if (task_.has_value()) task_->Stop();
}

void RetentionRunner::Check() {
  const int64_t head = callbacks_.head();
  absl::StatusOr<int64_t> cutoff = RetentionCutoff(store_, policy_, head, absl::Now());
  absl::Status status = cutoff.status();
  if (cutoff.ok() && *cutoff > store_.compacted_revision()) status = callbacks_.compact(*cutoff);
  if (!status.ok() && callbacks_.on_error) callbacks_.on_error(status);
}

}  // namespace ketenbeeld::storage
