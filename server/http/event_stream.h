// The live feed (PictureService.Subscribe) as a Server-Sent Events stream, for browsers (EventSource) and curl.
//
// The protocol is Subscribe's, one SSE message per SubscribeResponse, its payload in protobuf's JSON mapping:
//
//   event: reset      data: Reset          the resume point is older than the retained log; a snapshot follows
//   event: snapshot   data: SnapshotChunk  (at least one chunk per snapshot, possibly with no records)
//   event: synced     data: Synced         id: R
//   event: events     data: EventBatch     id: the revision up to which everything has been considered
//   event: heartbeat  data: Heartbeat      id: the same, when nothing new matched for a heartbeat interval
//   event: end        data: {"code":"UNAVAILABLE","message":"..."}  the stream ends (shutdown, OUT_OF_RANGE, ...)
//
// The SSE `id` is the revision after which the client may resume: a reconnecting EventSource sends it back as
// Last-Event-ID, and the stream continues with `synced` at that revision and every event after it, with no gap and no
// duplicate. Snapshot chunks carry no id, so a stream cut off during a snapshot resumes from where it was before
// (or starts over). Unlike gRPC, an error after the stream started cannot be an HTTP status, hence `end`.
//
// Threading: an EventStream is driven by one thread (the HTTP connection's), which calls NextFrame() in a loop; that
// thread blocks while the subscriber is caught up. The hub's fan-out thread only calls Wake(), which sets a flag and
// returns: it never waits for a subscriber. End() may be called from any thread.
#ifndef KETENBEELD_SERVER_HTTP_EVENT_STREAM_H_
#define KETENBEELD_SERVER_HTTP_EVENT_STREAM_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/domain/filter.h"
#include "server/operations/operations.h"
#include "server/pipeline/hub.h"
#include "server/pipeline/picture.h"
#include "server/policy/visibility.h"
#include "storage/store.h"

namespace ketenbeeld::http {

// Events converted to JSON once and shared by every stream (the JSON counterpart of the hub's pre-serialized
// events), for the most recent `capacity` revisions. Thread safe.
class EventJsonCache {
 public:
  explicit EventJsonCache(size_t capacity = 8192) : capacity_(capacity) {}
  // The event's JSON in the form `viewer` may see (server/policy/visibility.h).
  std::shared_ptr<const std::string> Get(const pipeline::EventPtr& event, const policy::Viewer& viewer);

 private:
  const size_t capacity_;
  absl::Mutex mu_;
  absl::flat_hash_map<int64_t, std::shared_ptr<const std::string>> json_ ABSL_GUARDED_BY(mu_);
  std::deque<int64_t> order_ ABSL_GUARDED_BY(mu_);
};

struct StreamOptions {
  // Largest batch of events or snapshot chunk, in protobuf bytes (a commit group larger than this is sent whole).
  size_t max_message_bytes = size_t{1} << 20;
  // A caught-up stream gets a heartbeat after this long without a message.
  absl::Duration heartbeat_interval = absl::Seconds(5);
  // Rounds of scanning non-matching events before a heartbeat reports progress instead.
  int max_scan_rounds = 16;
  // Sent as the SSE `retry:` field: how long a disconnected EventSource waits before it reconnects.
  absl::Duration reconnect_delay = absl::Seconds(1);
};

struct StreamDependencies {
  pipeline::Hub& hub;
  const pipeline::Picture& picture;
  const storage::Store& store;
  EventJsonCache& json_cache;
};

class EventStream : public pipeline::Listener, public std::enable_shared_from_this<EventStream> {
 public:
  // A stream of the records and events matching `filter` (validated by the caller), starting at `from_revision` (0:
  // snapshot first; N: resume after N). A start that is not possible (N < 0, N ahead of the server) becomes an `end`
  // frame with INVALID_ARGUMENT / OUT_OF_RANGE. Everything in `dependencies` must outlive the stream.
  static std::shared_ptr<EventStream> Start(StreamDependencies dependencies, const StreamOptions& options,
                                            domain::CompiledFilter filter, int64_t from_revision,
                                            operations::Operations::FeedGrant grant);

  // The next SSE frame ("event: ...\ndata: ...\n\n"), blocking while there is nothing to send. nullopt once the
  // stream has ended and its `end` frame was returned. Only the stream's own thread calls this.
  std::optional<std::string> NextFrame();

  // Ends the stream: the next NextFrame() returns an `end` frame with `status`, then nullopt. Idempotent (the first
  // status wins); thread safe.
  void End(const absl::Status& status);

  // Releases the stream's place in the hub (call once the connection is gone).
  void Close();

  // Hub callback: new events, or time for a heartbeat. Never blocks.
  void Wake() override;

  // The last revision this stream has given its client (its resume point).
  int64_t cursor() const { return cursor_; }

  // `grant`: what the stream may show, and its place under the identity's feed limit (Operations::Subscribe).
  EventStream(StreamDependencies dependencies, const StreamOptions& options, domain::CompiledFilter filter,
              operations::Operations::FeedGrant grant);

 private:
  enum class Phase { kSnapshot, kSynced, kLive, kEnded };

  void BeginSnapshot();
  std::string Frame(absl::string_view event, absl::string_view data, std::optional<int64_t> id);
  std::string SnapshotFrame();
  std::string HeartbeatFrame();
  std::string EndFrame(const absl::Status& status);
  // The next frame of the live phase, waiting while caught up; an `end` frame when End() is called meanwhile.
  std::string NextLiveFrame();
  // An end requested by End(), if any.
  std::optional<absl::Status> EndRequested();

  const StreamDependencies deps_;
  const StreamOptions options_;
  const domain::CompiledFilter filter_;
  const operations::Operations::FeedGrant grant_;

  absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> end_status_ ABSL_GUARDED_BY(mu_);

  // The protocol state, owned by the thread that calls NextFrame().
  Phase phase_ = Phase::kLive;
  bool first_frame_ = true;
  int64_t reset_revision_ = -1;  // >= 0: a reset{compacted_revision} is to be sent first.
  std::optional<absl::Status> start_error_;
  std::vector<pipeline::RecordPtr> snapshot_;
  size_t snapshot_sent_ = 0;
  bool snapshot_chunk_sent_ = false;
  std::atomic<int64_t> cursor_ = 0;
  absl::Time last_frame_time_;
};

}  // namespace ketenbeeld::http

#endif  // KETENBEELD_SERVER_HTTP_EVENT_STREAM_H_
