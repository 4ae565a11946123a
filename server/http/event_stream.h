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
// An EventStream is the SSE encoder and flow control of a feed::FeedSession (server/feed/session.h), which holds
// the protocol (start check, reset, snapshot, synced, event batches, heartbeats, counters): the same implementation
// as gRPC's Subscribe, so both transports behave alike and count alike.
//
// Threading: an EventStream is driven by one thread at a time (the HTTP server's event loop, when the connection can
// take more bytes), which calls NextFrame() and never blocks: when the subscriber is caught up, the driver suspends
// the connection (SuspendUnlessWoken) and the stream calls its `resume` function when there may be more. So a feed
// holds no thread while it waits, and the hub's fan-out thread only calls Wake(), which sets a flag, maybe resumes,
// and returns: it never waits for a subscriber. End() may be called from any thread.
#ifndef KETENBEELD_SERVER_HTTP_EVENT_STREAM_H_
#define KETENBEELD_SERVER_HTTP_EVENT_STREAM_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/domain/filter.h"
#include "server/feed/session.h"
#include "server/pipeline/hub.h"
#include "server/policy/visibility.h"
#include "server/service/operations.h"
#include "server/state/picture.h"
#include "storage/store.h"

namespace ketenbeeld::http {

// Events converted to JSON once and shared by every stream (the JSON counterpart of the hub's pre-serialized
// events), for the most recent `capacity` revisions. Thread safe.
class EventJsonCache {
 public:
  explicit EventJsonCache(size_t capacity = 8192) : capacity_(capacity) {}
  // The event's JSON in the form `viewer` may see (server/policy/visibility.h).
  std::shared_ptr<const std::string> Get(const state::EventPtr& event, const policy::Viewer& viewer);

 private:
  const size_t capacity_;
  absl::Mutex mu_;
  absl::flat_hash_map<int64_t, std::shared_ptr<const std::string>> json_ ABSL_GUARDED_BY(mu_);
  std::deque<int64_t> order_ ABSL_GUARDED_BY(mu_);
};

struct StreamDependencies {
  pipeline::Hub& hub;
  const state::Picture& picture;
  const storage::Store& store;
  EventJsonCache& json_cache;
};

class EventStream : public pipeline::Listener, public std::enable_shared_from_this<EventStream> {
 public:
  // A stream of the records and events matching `filter` (validated by the caller), starting at `from_revision` (0:
  // snapshot first; N: resume after N). A start that is not possible (N < 0, N ahead of the server) becomes an `end`
  // frame with INVALID_ARGUMENT / OUT_OF_RANGE. `reconnect_delay` is sent as the SSE `retry:` field: how long a
  // disconnected EventSource waits before it reconnects. Everything in `dependencies` (and options.counters) must
  // outlive the stream. `resume` is called (from any thread, without the stream's lock held) once after each
  // suspension, when there may be more to send: a publish, the hub's wake interval (heartbeats), or End().
  static std::shared_ptr<EventStream> Start(StreamDependencies dependencies, const feed::FeedOptions& options,
                                            absl::Duration reconnect_delay, domain::CompiledFilter filter,
                                            int64_t from_revision, service::Operations::FeedGrant grant,
                                            std::function<void()> resume);

  // The next SSE frame ("event: ...\ndata: ...\n\n"), or nullopt when there is nothing to send now (the
  // subscriber is caught up: see SuspendUnlessWoken) or the stream has ended and its `end` frame was returned (see
  // ended()). Never blocks. Only the driving thread calls this.
  std::optional<std::string> NextFrame();
  // Whether the `end` frame has been returned: nothing follows.
  bool ended() const { return ended_; }

  // After NextFrame() returned nullopt and !ended(): unless a wake or End() came since that NextFrame() began, calls
  // `suspend` (under the stream's lock, so that no `resume` can precede it) and returns true; `resume` follows when
  // there may be more. false: call NextFrame() again now. Only the driving thread calls this.
  bool SuspendUnlessWoken(absl::FunctionRef<void()> suspend);

  // Ends the stream: the next NextFrame() returns an `end` frame with `status`, then nullopt. Idempotent (the first
  // status wins); thread safe.
  void End(const absl::Status& status);

  // Releases the stream's place in the hub (call once the connection is gone).
  void Close();

  // Hub callback: new events, or time for a heartbeat. Never blocks.
  void Wake() override;

  // Use Start(). `grant`: what the stream may show, and its place under the identity's feed limit
  // (Operations::Subscribe).
  EventStream(StreamDependencies dependencies, const feed::FeedOptions& options, absl::Duration reconnect_delay,
              domain::CompiledFilter filter, int64_t from_revision, service::Operations::FeedGrant grant,
              std::function<void()> resume);

 private:
  std::string Frame(absl::string_view event, absl::string_view data, std::optional<int64_t> id);
  // The SSE message of a session frame.
  std::string Encode(const feed::FeedFrame& frame);
  std::string SnapshotData(const feed::SnapshotChunk& chunk);
  std::string EndFrame(const absl::Status& status);
  // An end requested by End(), if any.
  std::optional<absl::Status> EndRequested();
  // Marks the stream woken and, when it was suspended, resumes it (outside the lock).
  void WakeAndResume(const absl::Status* end);

  const StreamDependencies deps_;
  const absl::Duration reconnect_delay_;
  const service::Operations::FeedGrant grant_;
  const std::function<void()> resume_;

  absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool suspended_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> end_status_ ABSL_GUARDED_BY(mu_);

  // Owned by the driving thread.
  feed::FeedSession session_;
  bool first_frame_ = true;
  bool ended_ = false;  // The `end` frame has been returned.
};

}  // namespace ketenbeeld::http

#endif  // KETENBEELD_SERVER_HTTP_EVENT_STREAM_H_
