// The commit pipeline: one thread that turns queued writes into durable, ordered changes.
//
// For each group of queued writes the committer plans every write against the picture (as changed by the earlier
// writes of the same group), assigns consecutive revisions and one commit time, writes the whole group to the store
// in one synced WriteBatch (group commit), applies it to the in-memory picture, publishes it to the hub, and only
// then completes the callers. Nothing is acknowledged or streamed before it is durable; a failed write leaves the
// store, the picture and the revision counter as they were, and every write of the group gets the error.
//
// Storage faults: after a failed write the committer reopens the store (Store::Recover) at once and then at most
// every Options::recovery_interval, driven by the next writes and the scheduler's ticks, refusing writes with
// UNAVAILABLE meanwhile. A reopened store says whether the failed group became durable after all (a failed fsync may
// still have written it): if so it is applied and published like any other group, else it is dropped. See
// docs/architecture.md, "Storage faults".
//
// Completion: the callers of a durable group are completed on a second thread, the completion thread, in commit
// order, while the committer thread goes on with the next group. Completing a write (building its response,
// starting gRPC's write) and freeing its request cost about a third of the committer thread's time per write; on
// that thread they would delay every later write (docs/benchmarks.md, "Completion thread"). A callback runs after
// its write is in the picture and the hub, so a caller that reads after its callback sees its own write.
//
// Thread safety: Submit() may be called from any thread. Callbacks run on the completion thread (or at once on the
// caller's thread when Submit refuses the write) and must not block.
#ifndef KETENBEELD_SERVER_PIPELINE_COMMITTER_H_
#define KETENBEELD_SERVER_PIPELINE_COMMITTER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/mutations/mutations.h"
#include "server/observability/observers.h"
#include "server/pipeline/hub.h"
#include "server/pipeline/replicated_log.h"
#include "server/state/picture.h"
#include "storage/store.h"

namespace ketenbeeld::pipeline {

// Metrics hook (implemented by server/observability/metrics.h).
using CommitObserver = observability::CommitObserver;

struct WriteResult {
  // The revision of the write's (last) own change (not of the records the server derived from it: notifications,
  // escalation tasks, which follow it in the same group); for a write that changed nothing (a tick), the current
  // revision.
  int64_t revision = 0;
  // The record the write's (last) change left; nullptr for a delete or when nothing changed.
  state::RecordPtr record;
  // The write had been made before (mutations::WritePlan::already_done, a retried ReserveBed): nothing was committed;
  // `revision` is the original write's and `record` the record as it is now.
  bool replayed = false;
  // Replicated mode, a write forwarded by a follower: the leader made it durable at `revision`, but this member had
  // not applied it yet when the wait for that ended (Committer::Options::forwarded_apply_wait, the caller's deadline)
  // or the committer stopped. A read of this member may not see the write yet. The gRPC layer tells the client with
  // the trailing metadata kNotAppliedHereTrailer: "true".
  bool not_applied_here = false;
};

// The trailing metadata key of a write answered before this member applied it (WriteResult::not_applied_here).
inline constexpr char kNotAppliedHereTrailer[] = "ketenbeeld-not-applied-here";

// Replicated mode: sends a write that reached a follower to the region's leader (server/replication/forwarder.h).
class WriteForwarder {
 public:
  virtual ~WriteForwarder() = default;
  // Commits `request` on the leader as `request.actor`. `done` is called exactly once, from any thread, with the
  // leader's outcome (its revision and record) or UNAVAILABLE when the leader cannot be reached or is not the
  // leader any more (the message says whether the write may have been made). Must not block.
  virtual void Forward(mutations::WriteRequest request,
                       absl::AnyInvocable<void(absl::StatusOr<WriteResult>) &&> done) = 0;
};

class Committer {
 public:
  struct Options {
    // Most writes committed in one WriteBatch.
    size_t max_group_size = 1024;
    // The region's scale-up levels and reporting cadences.
    domain::Region region = domain::Region::Default();
    // Source of commit times and of the time between storage recovery attempts: picture time (the server passes
    // PictureClock::Now, picture_clock.h; tests inject a fake clock). Commit times never go backwards, whatever it
    // returns.
    std::function<absl::Time()> clock = [] { return absl::Now(); };
    // Metrics hook; may be null. Must outlive the committer.
    CommitObserver* observer = nullptr;
    // After a storage fault, how often the store is reopened to see whether the fault has cleared.
    absl::Duration recovery_interval = absl::Seconds(1);
    // Replicated mode (server/replication): every group is appended to this log, and must be durable there, before
    // it is written to the store, applied, published or acknowledged. Null: a single node. Must outlive the
    // committer.
    ReplicatedLog* replicated_log = nullptr;
    // Replicated mode: while this member does not lead, writes go to the leader through this, and ticks change
    // nothing (time-driven facts are committed by the leader only). The callback runs once the write is applied
    // here as well, so a caller that reads this member after its callback sees its own write, as on a single node;
    // or, when that takes longer than forwarded_apply_wait allows, with WriteResult::not_applied_here. Null: such
    // writes are refused by the replicated log. Must outlive the committer.
    WriteForwarder* forwarder = nullptr;
    // Replicated mode: how long a forwarded write that the leader has made durable waits to be applied here (a
    // follower cut off from the log applies nothing until the cut heals). The wait ends at the earliest of now +
    // forwarded_apply_wait and the caller's deadline (WriteRequest::deadline) minus a margin of min(a quarter of the
    // time left, 250 ms), so that the answer reaches the caller before its deadline. The write is then answered OK
    // with the leader's revision and WriteResult::not_applied_here. One timer thread serves every waiting write.
    absl::Duration forwarded_apply_wait = absl::Seconds(5);
  };
  using Callback = absl::AnyInvocable<void(absl::StatusOr<WriteResult>) &&>;

  // The store, picture and hub must outlive the committer. Starts the committer and completion threads.
  Committer(storage::Store& store, state::Picture& picture, Hub& hub, Options options);
  ~Committer();  // Stop().
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Validates the write's fields (INVALID_ARGUMENT naming the field, completed at once on this thread), then queues
  // it (or, on a follower, forwards it: Options::forwarder). `done` is called exactly once: with the committed revision
  // and record after the change is durable, or with INVALID_ARGUMENT / NOT_FOUND / FAILED_PRECONDITION / ABORTED (see
  // mutations::PlanWrite), or UNAVAILABLE (storage refused the write, or the committer stopped; on a follower also
  // the forwarder's UNAVAILABLE: the leader could not be reached). A forwarded write is answered OK once this member
  // has applied it, or OK with WriteResult::not_applied_here when the bounded wait for that ended first
  // (Options::forwarded_apply_wait); never DEADLINE_EXCEEDED for a write the leader made.
  void Submit(mutations::WriteRequest request, Callback done);

  // Replicated mode, followers: applies a group another member committed (read from the replicated log) through the
  // same path as the committer's own groups (store, picture, hub), in order with them on the committer thread. The
  // group is not appended to the replicated log again. `done` is called exactly once, on the committer thread (or
  // at once when the committer has stopped), and must not block:
  //   OK                   applied, or already in the store (a duplicate: ignored);
  //   FAILED_PRECONDITION  the group starts after applied_revision() + 1 (a gap: read the log again from there);
  //   DATA_LOSS            an event does not parse, or the revisions are not first..last in order;
  //   UNAVAILABLE          the store refused it (the committer recovers the store as for its own groups; read the
  //                        log again from applied_revision() + 1), or the committer has stopped.
  void SubmitReplicated(ReplicatedGroup group, absl::AnyInvocable<void(absl::Status) &&> done);

  // The last revision in the store, the picture and the hub (0 for an empty log). Any thread.
  int64_t applied_revision() const;

  // Whether this member may commit its own writes now: always on a single node; in replicated mode while it leads
  // (a hint, as ReplicatedLog::leading). The server's own background writers (the outbox's delivery worker) work only
  // while it is true. Any thread.
  bool leading() const { return options_.replicated_log == nullptr || options_.replicated_log->leading(); }

  // Refuses new writes with UNAVAILABLE, commits and completes what is queued, and joins the threads. Idempotent.
  void Stop();

  // Statistics, for metrics and tests.
  struct Stats {
    int64_t groups = 0;
    int64_t writes = 0;
    int64_t failed_groups = 0;
    // Successful reopens of the store after a storage fault.
    int64_t recoveries = 0;
    // True while writes are refused because storage failed and has not recovered yet.
    bool storage_failed = false;
  };
  Stats stats() const;

 private:
  struct Pending {
    mutations::WriteRequest request;
    Callback done;
  };
  // A forwarded write, committed by the leader, waiting until this member has applied its revision, at most until
  // `give_up_at`.
  struct AwaitingApply {
    WriteResult result;
    Callback done;
    absl::Time give_up_at = absl::InfiniteFuture();
  };
  struct PendingReplicated {
    ReplicatedGroup group;
    absl::AnyInvocable<void(absl::Status) &&> done;
  };

  // A group whose write failed and whose durability is unknown until the store has been reopened.
  struct UnresolvedGroup {
    std::vector<state::Change> changes;
    int64_t last_revision = 0;
    absl::Time commit_time;
  };

  // A group whose outcome is decided, waiting for the completion thread. Also owns the group's requests and
  // changes, so that freeing them is off the committer thread too.
  struct Completed {
    std::deque<Pending> group;
    std::vector<absl::StatusOr<WriteResult>> results;  // Parallel to `group`.
    std::vector<state::Change> changes;
  };

  void Loop();
  // Decides the group's outcome and hands it to the completion thread.
  void CommitGroup(std::deque<Pending> group);
  // Applies one group read from the replicated log (SubmitReplicated).
  absl::Status ApplyReplicated(const ReplicatedGroup& group);
  // A group durable in the store: advances the revision and the commit-time floor, applies it to the picture,
  // publishes it to the hub and completes the forwarded writes it covers.
  void ApplyAndPublish(const std::vector<state::Change>& changes, int64_t last_revision, absl::Time commit_time);
  // Counts a group (and its changes) in stats().
  void CountGroup(size_t writes, bool ok);
  // Writes a planned or replicated group to the store and, once durable, applies and publishes it. On a storage
  // fault, starts recovery and returns the error the callers get (OK when the group proved durable after all).
  absl::Status WriteAndApply(const std::vector<storage::LogEntry>& entries, std::vector<state::Change>& changes,
                             int64_t last_revision, absl::Time commit_time);
  void CompletionLoop();
  // Committer thread: reopens the store (at most every recovery_interval) and resolves the failed group. OK when
  // storage works again.
  absl::Status TryRecoverStorage();
  void SetStorageFailed(bool failed);
  // Completes `done` with `result` once this member has applied result.revision (at once if it has), or at
  // `give_up_at` with not_applied_here (WaitBoundLoop).
  void CompleteWhenApplied(WriteResult result, absl::Time give_up_at, Callback done);
  // The timer thread of forwarded writes (replicated mode with a forwarder): completes each waiting write whose
  // give_up_at has passed with not_applied_here. Ends at Stop.
  void WaitBoundLoop();
  // Sets applied_revision_ and completes the forwarded writes it covers.
  void SetApplied(int64_t revision);

  storage::Store& store_;
  state::Picture& picture_;
  Hub& hub_;
  const Options options_;

  mutable absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  std::deque<PendingReplicated> replicated_queue_ ABSL_GUARDED_BY(mu_);
  std::multimap<int64_t, AwaitingApply> awaiting_apply_ ABSL_GUARDED_BY(mu_);
  // Signalled when a write starts waiting with a give_up_at before wait_bound_wakes_at_ (WaitBoundLoop then looks
  // again), and at Stop. Used with mu_.
  absl::CondVar wait_bound_cv_;
  // When WaitBoundLoop will wake by itself: the earliest give_up_at it saw, InfiniteFuture when none; in the past
  // while it is not waiting (it looks at every waiting write before it waits again). A write that gives up later
  // wakes nobody, so forwarded writes under load do not wake the timer thread one by one.
  absl::Time wait_bound_wakes_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // next_revision_ - 1, readable from any thread.
  int64_t applied_revision_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);

  // Groups waiting to be completed, oldest first; completion_done_ once the committer thread has ended.
  absl::Mutex completion_mu_;
  std::deque<Completed> completions_ ABSL_GUARDED_BY(completion_mu_);
  bool completion_done_ ABSL_GUARDED_BY(completion_mu_) = false;

  // Owned by the committer thread.
  int64_t next_revision_;
  absl::Time last_commit_time_ = absl::InfinitePast();
  bool storage_failed_ = false;
  absl::Status storage_error_;
  absl::Time next_recovery_attempt_ = absl::InfinitePast();
  int recovery_failures_logged_ = 0;
  std::optional<UnresolvedGroup> unresolved_;

  std::thread thread_;
  std::thread completion_thread_;
  std::thread wait_bound_thread_;  // Only with Options::forwarder.
};

}  // namespace ketenbeeld::pipeline

#endif  // KETENBEELD_SERVER_PIPELINE_COMMITTER_H_
