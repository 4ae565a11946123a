#include "server/domain/outbox.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/time.h"

namespace ketenbeeld::domain {

namespace v1 = ::ketenbeeld::v1;

absl::Duration Backoff(int failed_attempts, const RetryPolicy& policy) {
  absl::Duration wait = policy.initial_backoff;
  for (int i = 1; i < failed_attempts && wait < policy.max_backoff; ++i) wait *= 2;
  return std::min(wait, policy.max_backoff);
}

absl::Status ApplyAttempt(const Attempt& attempt, absl::Time now, const RetryPolicy& policy,
                          v1::Notification& notification) {
  if (notification.status() != v1::NOTIFICATION_STATUS_QUEUED) {
    return absl::FailedPreconditionError(absl::StrCat("notification \"", notification.id(), "\" is ",
                                                      v1::NotificationStatus_Name(notification.status()),
                                                      "; only a queued notification takes an attempt"));
  }
  if (attempt.number != notification.attempts() + 1) {
    return absl::FailedPreconditionError(absl::StrCat("notification \"", notification.id(), "\" has had ",
                                                      notification.attempts(), " attempts; the outcome of attempt ",
                                                      attempt.number, " is stale"));
  }
  notification.set_attempts(attempt.number);
  switch (attempt.result) {
    case AttemptResult::kDelivered:
      notification.set_status(v1::NOTIFICATION_STATUS_SENT);
      notification.clear_last_error();
      notification.clear_next_attempt_at();
      *notification.mutable_finished_at() = ToProtoTime(now);
      return absl::OkStatus();
    case AttemptResult::kTransientFailure:
    case AttemptResult::kPermanentFailure:
      break;
  }
  notification.set_last_error(attempt.error);
  if (attempt.result == AttemptResult::kPermanentFailure || attempt.number >= std::max(1, policy.max_attempts)) {
    notification.set_status(v1::NOTIFICATION_STATUS_FAILED);
    notification.clear_next_attempt_at();
    *notification.mutable_finished_at() = ToProtoTime(now);
    return absl::OkStatus();
  }
  *notification.mutable_next_attempt_at() = ToProtoTime(now + Backoff(attempt.number, policy));
  return absl::OkStatus();
}

}  // namespace ketenbeeld::domain
