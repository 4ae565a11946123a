// The commit pipeline: one thread that turns queued writes into durable, ordered changes.
//
// For each group of queued writes the committer plans every write against the picture (as changed by the earlier
// writes of the same group), assigns consecutive revisions and one commit time, writes the whole group to the store
// in one synced WriteBatch (group commit), applies it to the in-memory picture, publishes it to the hub, and only
// then completes the callers. Nothing is acknowledged or streamed before it is durable; a failed write leaves the
// store, the picture and the revision counter as they were, and every write of the group gets the error.
//
// Thread safety: Submit() may be called from any thread. Callbacks run on the committer thread and must not block.
#ifndef KETENBEELD_SERVER_PIPELINE_COMMITTER_H_
#define KETENBEELD_SERVER_PIPELINE_COMMITTER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/pipeline/hub.h"
#include "server/pipeline/mutations.h"
#include "server/pipeline/picture.h"
#include "storage/store.h"

namespace ketenbeeld::pipeline {

struct WriteResult {
  int64_t revision = 0;
  RecordPtr record;
};

class Committer {
 public:
  struct Options {
    // Most writes committed in one WriteBatch.
    size_t max_group_size = 1024;
    // Reporting cadence used for StatusReport.next_report_due.
    absl::Duration report_interval = absl::Hours(24);
    // Source of commit times (tests inject a fake clock). Commit times never go backwards, whatever it returns.
    std::function<absl::Time()> clock = [] { return absl::Now(); };
  };
  using Callback = absl::AnyInvocable<void(absl::StatusOr<WriteResult>) &&>;

  // The store, picture and hub must outlive the committer. Starts the committer thread.
  Committer(storage::Store& store, Picture& picture, Hub& hub, Options options);
  ~Committer();  // Stop().
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Validates the write's fields (INVALID_ARGUMENT naming the field, completed at once on this thread), then queues
  // it. `done` is called exactly once: with the committed revision and record after the change is durable, or with
  // INVALID_ARGUMENT / ABORTED (see PlanWrite), or UNAVAILABLE (storage refused the write, or the committer stopped).
  void Submit(WriteRequest request, Callback done);

  // Refuses new writes with UNAVAILABLE, commits what is queued, and joins the thread. Idempotent.
  void Stop();

  // Statistics, for metrics and tests.
  struct Stats {
    int64_t groups = 0;
    int64_t writes = 0;
    int64_t failed_groups = 0;
  };
  Stats stats() const;

 private:
  struct Pending {
    WriteRequest request;
    Callback done;
  };

  void Loop();
  void CommitGroup(std::deque<Pending>& group);

  storage::Store& store_;
  Picture& picture_;
  Hub& hub_;
  const Options options_;

  mutable absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);

  // Owned by the committer thread.
  int64_t next_revision_;
  absl::Time last_commit_time_ = absl::InfinitePast();

  std::thread thread_;
};

}  // namespace ketenbeeld::pipeline

#endif  // KETENBEELD_SERVER_PIPELINE_COMMITTER_H_
