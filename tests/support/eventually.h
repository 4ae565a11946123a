// Waiting in tests for something that happens on another thread or after a file reload, bounded in time.
#ifndef KETENBEELD_TESTS_SUPPORT_EVENTUALLY_H_
#define KETENBEELD_TESTS_SUPPORT_EVENTUALLY_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ketenbeeld::testing {

// Polls `done` every 50 ms until it returns true (then true) or `limit` passes (then its last answer). For what has a
// signal of its own (a notification, a tick on demand, Hub::WaitForPendingWakes), wait for that instead.
template <typename Predicate>
bool Eventually(Predicate done, absl::Duration limit = absl::Seconds(5)) {
  const absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return done();
}

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_EVENTUALLY_H_
