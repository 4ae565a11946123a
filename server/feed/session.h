// One live feed's protocol, independent of the transport that carries it.
//
// A FeedSession is a cursor over the hub plus the state of the feed protocol (docs/architecture.md, "The feed").
// It yields typed frames; the gRPC reactor (server/api/subscription.h) and the Server-Sent Events stream
// (server/http/event_stream.h) only encode them and apply their own flow control:
//
//   from_revision = 0      : SnapshotChunk+ (revision R) · Synced{R} · Events (revisions > R) …
//   from_revision = N ≥ C  : Synced{N} · Events (revisions > N) …                  (C = the compacted revision)
//   from_revision = N < C  : Reset{C} · SnapshotChunk+ (R) · Synced{R} · Events …
//   from_revision < 0      : End{INVALID_ARGUMENT}
//   from_revision > head   : End{OUT_OF_RANGE}
//   caught up              : Heartbeat{cursor} once per heartbeat interval without a frame
//   long non-matching scan : Heartbeat{cursor} after max_scan_rounds rounds (progress, and a short reaction)
//   fell behind the log    : Reset{C} · SnapshotChunk+ · Synced · …, as above
//   log unreadable         : End{UNAVAILABLE / DATA_LOSS}
//
// A snapshot always has at least one chunk (possibly empty), so a client can tell "the snapshot is empty" from "no
// snapshot"; the gRPC encoder drops empty chunks (its clients never got them). Records and events are handed out as
// the shared, pre-serialized pipeline objects; the encoder shows each in the form viewer() may see (policy::WireFor,
// policy::Redact), so the bytes are still serialized once per audience, not per subscriber.
//
// Counters (FeedOptions::counters): a session counts as a live feed from construction to destruction, as lagging
// while its last batch came from the log, and counts the events and resets it yields — for either transport.
//
// Thread safety: a session is not thread safe. Its owner calls Next() from one thread at a time (the gRPC reactor
// under its mutex, the SSE stream on its connection's thread). Next() never blocks on other subscribers: it reads
// the hub's ring (or the log for a subscriber behind it) and returns.
#ifndef KETENBEELD_SERVER_FEED_SESSION_H_
#define KETENBEELD_SERVER_FEED_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/domain/filter.h"
#include "server/observability/observers.h"
#include "server/pipeline/hub.h"
#include "server/policy/visibility.h"
#include "server/state/picture.h"
#include "server/state/records.h"
#include "storage/store.h"

namespace ketenbeeld::feed {

// The feed's options, the same for every transport.
struct FeedOptions {
  // Largest batch of events or snapshot chunk, in serialized bytes (a commit group larger than this is still sent
  // whole, alone).
  size_t max_message_bytes = size_t{1} << 20;
  // A caught-up subscriber gets a heartbeat after this long without a frame.
  absl::Duration heartbeat_interval = absl::Seconds(5);
  // Rounds of scanning non-matching events before a heartbeat reports progress instead (keeps reactions short).
  int max_scan_rounds = 16;
  // How often a session re-checks its subscriber's credential (the `revalidate` it was given), at most: a revoked
  // certificate or withdrawn token ends the feed within this, plus the hub's wake interval for a caught-up one.
  absl::Duration revalidate_interval = absl::Seconds(1);
  // Metrics: what feeds deliver, over both transports. May be null; must outlive every session.
  observability::FeedCounters* counters = nullptr;
  // Picture time, for the server_time of synced and heartbeat frames (pipeline::PictureClock::Now in the server):
  // clients compare it with commit times. When heartbeats are due stays on the wall clock.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // Replicated mode: a subscriber moving over from another member may resume at a revision this member has not
  // applied yet (it is certain to be in the region's log). Such a resume is accepted when this member reaches it
  // within this time, and ends with UNAVAILABLE (resume elsewhere) when it does not. Zero (a single node): a resume
  // point ahead of the server is refused at once with OUT_OF_RANGE.
  absl::Duration resume_ahead_wait = absl::ZeroDuration();
};

// The resume point is older than the retained log: a snapshot follows.
struct Reset {
  int64_t compacted_revision = 0;
};
// Part of the snapshot at `revision`. `records` points into the session and is valid until the next call of Next().
struct SnapshotChunk {
  int64_t revision = 0;
  std::span<const state::RecordPtr> records;
};
// The snapshot (or the resume point) is complete at `revision`; events after it follow.
struct Synced {
  int64_t revision = 0;
  absl::Time server_time;  // Picture time (Options::clock), as a heartbeat's.
};
// Matching events in revision order (whole commit groups); `revision`: everything up to it has been considered.
struct Events {
  int64_t revision = 0;
  std::vector<state::EventPtr> events;
};
// Nothing new matched: everything up to `revision` has been considered.
struct Heartbeat {
  int64_t revision = 0;
  absl::Time server_time;
};
// The feed ends with `status` (a start that is not possible, or the log could not be read). Nothing follows.
struct End {
  absl::Status status;
};
using FeedFrame = std::variant<Reset, SnapshotChunk, Synced, Events, Heartbeat, End>;

class FeedSession {
 public:
  struct Dependencies {
    pipeline::Hub& hub;
    const state::Picture& picture;
    const storage::Store& store;
  };

  // A feed of what matches `filter` (validated by the caller), shown as `viewer` may see it, starting at
  // `from_revision` (0: snapshot first; N: resume after N). The start check happens here (a snapshot is taken here
  // when one is due); a start that is not possible becomes the first frame, End. `revalidate` (may be empty) says
  // whether the subscriber's credential still holds; Next() asks it at most every options.revalidate_interval and
  // ends the feed with its status when it fails (service::Operations::FeedGrant::revalidate). Everything in
  // `dependencies` and `options.counters` must outlive the session.
  FeedSession(Dependencies dependencies, const FeedOptions& options, domain::CompiledFilter filter,
              policy::Viewer viewer, int64_t from_revision, std::function<absl::Status()> revalidate = nullptr);
  ~FeedSession();
  FeedSession(const FeedSession&) = delete;
  FeedSession& operator=(const FeedSession&) = delete;

  // The next frame, or nullopt when there is nothing to send now: the subscriber is caught up and `listener` is
  // parked in the hub (its Wake() comes with the next publish or wake interval; call Next() again then), or the
  // session has ended. Never blocks.
  std::optional<FeedFrame> Next(const std::shared_ptr<pipeline::Listener>& listener);

  // Whether End has been yielded.
  bool ended() const { return phase_ == Phase::kEnded; }
  // When a caught-up subscriber is due for a heartbeat (for transports that wait on a clock).
  absl::Time heartbeat_due() const { return last_frame_time_ + options_.heartbeat_interval; }
  // The last revision the subscriber has been given (before Synced: the revision it will be synced at).
  int64_t cursor() const { return cursor_; }
  // Whose view of the records and events the frames are to be shown in.
  const policy::Viewer& viewer() const { return viewer_; }

 private:
  enum class Phase { kSnapshot, kSynced, kLive, kEnded };

  void BeginSnapshot();
  std::optional<FeedFrame> NextLive(const std::shared_ptr<pipeline::Listener>& listener);
  FeedFrame Yield(FeedFrame frame);
  FeedFrame HeartbeatNow();
  // Metrics: whether the last batch came from the log (the feed is behind the ring).
  void SetBehind(bool behind);

  const Dependencies deps_;
  const FeedOptions options_;
  const domain::CompiledFilter filter_;
  const policy::Viewer viewer_;
  const std::function<absl::Status()> revalidate_;
  absl::Time next_revalidation_;

  Phase phase_ = Phase::kLive;
  std::optional<absl::Status> start_error_;
  int64_t reset_revision_ = -1;  // >= 0: a Reset{reset_revision_} is to be yielded first.
  std::vector<state::RecordPtr> snapshot_;
  size_t snapshot_sent_ = 0;
  bool snapshot_chunk_sent_ = false;
  int64_t cursor_ = 0;
  // Set while the resume point is ahead of this member (FeedOptions::resume_ahead_wait): when to give up.
  std::optional<absl::Time> ahead_deadline_;
  bool behind_ = false;  // Counted in FeedCounters::lagging while true.
  absl::Time last_frame_time_;
};

}  // namespace ketenbeeld::feed

#endif  // KETENBEELD_SERVER_FEED_SESSION_H_
