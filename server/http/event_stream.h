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
// Threading: an EventStream is driven by one thread (the HTTP connection's), which calls NextFrame() in a loop; that
// thread blocks while the subscriber is caught up. The hub's fan-out thread only calls Wake(), which sets a flag and
// returns: it never waits for a subscriber. End() may be called from any thread.
#ifndef KETENBEELD_SERVER_HTTP_EVENT_STREAM_H_
#define KETENBEELD_SERVER_HTTP_EVENT_STREAM_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
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
  // outlive the stream.
  static std::shared_ptr<EventStream> Start(StreamDependencies dependencies, const feed::FeedOptions& options,
                                            absl::Duration reconnect_delay, domain::CompiledFilter filter,
                                            int64_t from_revision, service::Operations::FeedGrant grant);

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

  // Use Start(). `grant`: what the stream may show, and its place under the identity's feed limit
  // (Operations::Subscribe).
  EventStream(StreamDependencies dependencies, const feed::FeedOptions& options, absl::Duration reconnect_delay,
              domain::CompiledFilter filter, int64_t from_revision, service::Operations::FeedGrant grant);

 private:
  std::string Frame(absl::string_view event, absl::string_view data, std::optional<int64_t> id);
  // The SSE message of a session frame.
  std::string Encode(const feed::FeedFrame& frame);
  std::string SnapshotData(const feed::SnapshotChunk& chunk);
  std::string EndFrame(const absl::Status& status);
  // An end requested by End(), if any.
  std::optional<absl::Status> EndRequested();

  const StreamDependencies deps_;
  const absl::Duration reconnect_delay_;
  const service::Operations::FeedGrant grant_;

  absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> end_status_ ABSL_GUARDED_BY(mu_);

  // Owned by the thread that calls NextFrame().
  feed::FeedSession session_;
  bool first_frame_ = true;
  bool ended_ = false;  // The `end` frame has been returned.
};

}  // namespace ketenbeeld::http

#endif  // KETENBEELD_SERVER_HTTP_EVENT_STREAM_H_
