// One live feed (PictureService.Subscribe) on the gRPC callback API: no thread per stream.
//
// A Subscription is the gRPC encoder and flow control of a feed::FeedSession (server/feed/session.h), which holds
// the protocol (start check, reset, snapshot chunks, synced, event batches, heartbeats, counters). Each frame
// becomes one SubscribeResponse, assembled from the pre-serialized records and events (feed_messages.h); End
// becomes the RPC's status. It has at most one write in flight: the next frame is asked for when the previous write
// is done (OnWriteDone) or, when the subscriber is caught up, when the hub wakes it. A subscriber that stops reading
// therefore holds one message and a cursor, however far the picture moves on; it catches up from the ring or the
// log when it reads again. Wake() never blocks: it builds and starts at most one write.
//
// Lifetime: the gRPC reactor (see subscription.cc) owns a shared_ptr to the Subscription, the hub holds one while it
// is parked, and the service registry holds a weak_ptr. After the reactor's OnDone no write or finish is started,
// and the session is gone (it no longer counts as a live feed).
//
// Thread safety: all public methods are thread safe.
#ifndef KETENBEELD_SERVER_API_SUBSCRIPTION_H_
#define KETENBEELD_SERVER_API_SUBSCRIPTION_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "server/domain/filter.h"
#include "server/feed/session.h"
#include "server/pipeline/hub.h"
#include "server/service/operations.h"

namespace ketenbeeld::api {

// One options struct for both transports (the SSE gateway takes the same).
using FeedOptions = feed::FeedOptions;

class Subscription : public pipeline::Listener, public std::enable_shared_from_this<Subscription> {
 public:
  using Dependencies = feed::FeedSession::Dependencies;

  // `grant` says what this feed may show (other organisations' figures are redacted for readers who may not see
  // them) and holds the feed's place under its identity's limit until the subscription is destroyed.
  Subscription(Dependencies dependencies, const FeedOptions& options, domain::CompiledFilter filter,
               service::Operations::FeedGrant grant);

  // Creates the gRPC reactor for this subscription and starts the feed at `from_revision` (a start that is not
  // possible finishes the RPC with INVALID_ARGUMENT or OUT_OF_RANGE). The reactor deletes itself when the RPC is
  // done. Call once.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StartReactor(int64_t from_revision);

  // Hub callback: new events were published or a heartbeat may be due.
  void Wake() override;

  // Ends the stream with `status` (e.g. UNAVAILABLE at server shutdown) unless it has ended already.
  void End(const grpc::Status& status);

 private:
  class Reactor;

  void OnWriteDone(bool ok);
  void OnCancel();
  void OnDone();

  // Starts the next write if none is in flight and the session has a frame to send.
  void Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Dependencies deps_;
  const FeedOptions options_;
  domain::CompiledFilter filter_;  // Moved into the session at the start.
  const service::Operations::FeedGrant grant_;

  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_) = nullptr;  // Null before start and after OnDone.
  bool write_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ByteBuffer message_ ABSL_GUARDED_BY(mu_);  // The write in flight.
  // From StartReactor to OnDone.
  std::optional<feed::FeedSession> session_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_SUBSCRIPTION_H_
