// The fan-out hub: hands committed events to every subscriber without ever making the committer wait for one.
//
// The hub keeps a ring of recent commit groups (bounded in events and bytes), shared by all subscribers as
// immutable, pre-serialized events. A subscriber is only a cursor (the last revision it has been given) plus a
// filter: it pulls the events after its cursor with Next(). A subscriber whose cursor has fallen off the ring is
// served from the log on disk by the same call, so a slow reader costs the others nothing and holds no memory
// beyond the one message it is writing. A subscriber with nothing new parks itself in Next(); the hub's fan-out
// thread wakes parked subscribers when a group is published, and periodically so they can send heartbeats. With many
// parked subscribers the wakes of one round are spread over a few helper threads (one fewer than the cores, at most
// 3), since each wake builds and starts that subscriber's next message.
//
// Thread safety: all methods are thread safe. Publish() must be called in revision order (by the committer).
#ifndef KETENBEELD_SERVER_PIPELINE_HUB_H_
#define KETENBEELD_SERVER_PIPELINE_HUB_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/domain/filter.h"
#include "server/state/records.h"
#include "storage/store.h"

namespace ketenbeeld::pipeline {

// Implemented by a subscription. Wake() is called from one of the hub's fan-out threads (which one varies from wake to
// wake), never with a hub lock held and never twice at once for the same listener; it must not block (it typically
// starts the next write of a stream).
class Listener {
 public:
  virtual ~Listener() = default;
  virtual void Wake() = 0;
};

class Hub {
 public:
  struct Options {
    // Bounds of the ring of recent events; whichever is reached first evicts the oldest commit groups.
    size_t ring_max_events = 65536;
    size_t ring_max_bytes = size_t{64} << 20;
    // Parked subscribers are woken this often so they can send heartbeats.
    absl::Duration wake_interval = absl::Seconds(1);
  };

  // Events after the cursor, as much as fits in max_bytes, never splitting a commit group (unless a single group
  // alone is larger than max_bytes).
  struct Batch {
    std::vector<state::EventPtr> events;  // The matching ones, in revision order. May be empty.
    int64_t last_revision = 0;            // The cursor after this batch: every event up to here was considered.
    bool from_log = false;                // Served from the log on disk (the subscriber was behind the ring).
  };

  // `store` must outlive the hub. `head` is the revision already durable when the hub starts.
  Hub(const storage::Store& store, int64_t head, Options options);
  ~Hub();  // Stops the fan-out thread.
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Adds a durable commit group (consecutive revisions, after head()) and wakes parked subscribers.
  void Publish(std::vector<state::EventPtr> group);

  // The newest published revision.
  int64_t head() const;

  // The events after `cursor` that match `filter`. When there is nothing after the cursor and `listener` is not null,
  // the listener is parked and will be woken (once) by the next Publish() or wake interval. Errors: the log could not
  // be read (UNAVAILABLE, DATA_LOSS), or the cursor is below the retained log (FAILED_PRECONDITION: the subscriber
  // must reset).
  absl::StatusOr<Batch> Next(int64_t cursor, const domain::CompiledFilter& filter, size_t max_bytes,
                             const std::shared_ptr<Listener>& listener);

  // Forgets a parked listener (when its stream ends).
  void Unpark(const std::shared_ptr<Listener>& listener);

  // Returns once every wake that a Publish() before this call caused has been delivered: each listener it concerned
  // has returned from Wake(). For tests that must show that a wake did NOT happen, without sleeping to wait for it.
  void WaitForPendingWakes();

  // Ring statistics, for metrics and tests.
  struct Stats {
    int64_t ring_first_revision = 0;  // 0 when empty.
    size_t ring_events = 0;
    size_t ring_bytes = 0;
    size_t parked = 0;
    int64_t log_reads = 0;  // Batches served from the log.
  };
  Stats stats() const;

 private:
  struct Group {
    int64_t first_revision;
    int64_t last_revision;
    size_t bytes;
    std::vector<state::EventPtr> events;
  };

  void FanOutLoop();
  // Calls Wake() on every listener, spread over the fan-out thread and the wake helpers; returns when all are done.
  void WakeAll(const std::vector<Listener*>& listeners);
  void WakeHelperLoop();
  // Wakes listeners of the current round, a chunk at a time, until none is left. Returns the number woken.
  size_t WakeChunksOfRound() ABSL_LOCKS_EXCLUDED(wake_mu_);
  absl::StatusOr<Batch> ReadFromLog(int64_t cursor, int64_t up_to, const domain::CompiledFilter& filter,
                                    size_t max_bytes);

  const storage::Store& store_;
  const Options options_;

  // The ring. Next() only reads it, so subscribers share the lock; Publish() takes it exclusively.
  mutable absl::Mutex mu_;
  std::deque<Group> ring_ ABSL_GUARDED_BY(mu_);
  size_t ring_events_ ABSL_GUARDED_BY(mu_) = 0;
  size_t ring_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t head_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> log_reads_{0};

  // Parked listeners. Next() parks under a shared lock of mu_ (so a Publish, which holds mu_ exclusively, cannot
  // move head_ between the check and the parking); Publish() looks at parked_ after updating head_.
  mutable absl::Mutex parked_mu_ ABSL_ACQUIRED_AFTER(mu_);
  absl::flat_hash_set<std::shared_ptr<Listener>> parked_ ABSL_GUARDED_BY(parked_mu_);
  bool wake_pending_ ABSL_GUARDED_BY(parked_mu_) = false;
  bool waking_ ABSL_GUARDED_BY(parked_mu_) = false;  // The fan-out thread is delivering a round of wakes.
  bool stopping_ ABSL_GUARDED_BY(parked_mu_) = false;

  // One round of wakes shared by the fan-out thread and the helpers (never held while a listener runs, never
  // together with mu_ or parked_mu_). A round ends when every listener has been claimed and no helper is busy.
  absl::Mutex wake_mu_;
  const std::vector<Listener*>* wake_round_ ABSL_GUARDED_BY(wake_mu_) = nullptr;
  size_t wake_next_ ABSL_GUARDED_BY(wake_mu_) = 0;  // The first listener of the round not claimed yet.
  int wake_busy_ ABSL_GUARDED_BY(wake_mu_) = 0;     // Helpers waking a chunk of the round.
  bool wake_stopping_ ABSL_GUARDED_BY(wake_mu_) = false;

  std::thread fan_out_thread_;
  std::vector<std::thread> wake_helpers_;
};

}  // namespace ketenbeeld::pipeline

#endif  // KETENBEELD_SERVER_PIPELINE_HUB_H_
