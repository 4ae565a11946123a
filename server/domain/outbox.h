// The outbox's rules: the backoff between attempts and the state transitions of a notification after an attempt
// (notification.proto, NotificationStatus). Pure functions, so the delivery worker (server/notify/) decides only
// what happened on the wire and the committer applies the rule, against its own commit time.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_SERVER_DOMAIN_OUTBOX_H_
#define KETENBEELD_SERVER_DOMAIN_OUTBOX_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/notification.pb.h"

namespace ketenbeeld::domain {

struct RetryPolicy {
  // Attempts before a notification is FAILED, at least 1.
  int max_attempts = 12;
  // The wait after the first failed attempt, doubled after each further one, at most max_backoff.
  absl::Duration initial_backoff = absl::Seconds(5);
  absl::Duration max_backoff = absl::Minutes(10);
};

// The wait after `failed_attempts` (>= 1) failed attempts: initial * 2^(failed_attempts - 1), at most max_backoff.
// No jitter: the worker sends one notification at a time per slot, and a deterministic schedule is what the log
// shows and the operator can reason about.
absl::Duration Backoff(int failed_attempts, const RetryPolicy& policy);

// What one attempt came to.
enum class AttemptResult {
  kDelivered,         // Accepted by the receiver.
  kTransientFailure,  // Worth repeating: no answer, connection refused, timeout, HTTP 5xx / 408 / 429, SMTP 4xx.
  kPermanentFailure,  // Repeating cannot help: HTTP 4xx (but 408, 429), SMTP 5xx, the endpoint is gone.
};

struct Attempt {
  AttemptResult result = AttemptResult::kTransientFailure;
  // The attempt this reports, 1-based: the notification's `attempts` + 1 when the attempt began. An outcome for any
  // other attempt is stale (another worker, or a worker before a restart, reported it already).
  int number = 0;
  // Why it failed, one line, no secrets; empty when delivered.
  std::string error;
};

// Applies `attempt`, made at `now`, to a QUEUED notification (see NotificationStatus): attempts + 1, and SENT, or
// QUEUED again with next_attempt_at = now + Backoff(attempts), or FAILED once max_attempts are used up or the
// failure is permanent. FAILED_PRECONDITION when the notification is not QUEUED or the attempt is stale (its number
// is not attempts + 1): nothing changes.
absl::Status ApplyAttempt(const Attempt& attempt, absl::Time now, const RetryPolicy& policy,
                          ketenbeeld::v1::Notification& notification);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_OUTBOX_H_
