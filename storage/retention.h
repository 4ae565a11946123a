// Retention of the event log: which history may be removed, by age and by count, and a thread that removes it
// periodically. Default: keep everything (crisis volumes are small).
//
// Removing history never changes the picture: Store::CompactLog keeps, for every record, its newest change, so the
// state at and after the cutoff stays readable; subscribers that resume from before it get `reset` and a snapshot.
//
// Thread safety: RetentionCutoff is a pure read. RetentionRunner's methods may be called from any thread.
#ifndef KETENBEELD_STORAGE_RETENTION_H_
#define KETENBEELD_STORAGE_RETENTION_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/periodic_task.h"
#include "storage/store.h"

namespace ketenbeeld::storage {

struct RetentionPolicy {
  // Remove events committed more than this long ago; zero: no age limit.
  absl::Duration max_age = absl::ZeroDuration();
  // Keep at most this many of the newest events; 0: no count limit.
  int64_t max_events = 0;
  // How often the runner checks.
  absl::Duration check_interval = absl::Hours(1);

  bool enabled() const { return max_age > absl::ZeroDuration() || max_events > 0; }
};

// The revision up to which the log may be compacted under `policy` at time `now`, never beyond `head` (the newest
// revision the caller has applied); 0 when nothing is to be removed. Both limits apply: the larger cutoff wins.
// Errors: those of Store::FirstRevisionAtOrAfter (UNAVAILABLE, DATA_LOSS).
absl::StatusOr<int64_t> RetentionCutoff(const Store& store, const RetentionPolicy& policy, int64_t head,
                                        absl::Time now);

// Applies a policy every check_interval (the first check right after start) on its own thread.
class RetentionRunner {
 public:
  struct Callbacks {
    // The newest revision that may be compacted (the picture's revision).
    std::function<int64_t()> head;
    // Removes history up to and including the revision (e.g. KetenbeeldServer::CompactLog).
    std::function<absl::Status(int64_t revision)> compact;
    // Told about every failed check or compaction (e.g. to log it); the runner tries again next interval.
    std::function<void(const absl::Status&)> on_error;
  };

  // Starts the thread when `policy` is enabled; otherwise does nothing. `store` must outlive the runner.
  RetentionRunner(const Store& store, RetentionPolicy policy, Callbacks callbacks);
  ~RetentionRunner();  // Stop().
  RetentionRunner(const RetentionRunner&) = delete;
  RetentionRunner& operator=(const RetentionRunner&) = delete;

  // Stops the thread, waiting for a check in progress. Idempotent.
  void Stop();

 private:
  void Check();

  const Store& store_;
  const RetentionPolicy policy_;
  const Callbacks callbacks_;
  std::optional<PeriodicTask> task_;  // Only when the policy is enabled. Last: stopped before the rest goes.
};

}  // namespace ketenbeeld::storage

#endif  // KETENBEELD_STORAGE_RETENTION_H_
