// One live feed (PictureService.Subscribe) on the gRPC callback API: no thread per stream.
//
// A Subscription is a cursor over the hub plus the state of the stream's protocol (reset, snapshot chunks, synced,
// event batches, heartbeats). It has at most one write in flight: the next message is built when the previous one
// is done (OnWriteDone) or, when the subscriber is caught up, when the hub wakes it. A subscriber that stops reading
// therefore holds one message and a cursor, however far the picture moves on; it catches up from the ring or the
// log when it reads again.
//
// Lifetime: the gRPC reactor (see subscription.cc) owns a shared_ptr to the Subscription, the hub holds one while it
// is parked, and the service registry holds a weak_ptr. After the reactor's OnDone no write or finish is started.
#ifndef KETENBEELD_SERVER_API_SUBSCRIPTION_H_
#define KETENBEELD_SERVER_API_SUBSCRIPTION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "server/domain/filter.h"
#include "server/observability/observers.h"
#include "server/operations/operations.h"
#include "server/pipeline/hub.h"
#include "server/pipeline/picture.h"
#include "storage/store.h"

namespace ketenbeeld::api {

struct FeedOptions {
  // Largest message a feed builds (a commit group bigger than this is still sent whole, alone).
  size_t max_message_bytes = size_t{1} << 20;
  // A caught-up subscriber gets a heartbeat after this long without a message.
  absl::Duration heartbeat_interval = absl::Seconds(5);
  // Rounds of scanning non-matching events before a heartbeat reports progress instead (keeps reactions short).
  int max_scan_rounds = 16;
  // Metrics: what feeds deliver. May be null; must outlive every subscription.
  observability::FeedCounters* counters = nullptr;
};

class Subscription : public pipeline::Listener, public std::enable_shared_from_this<Subscription> {
 public:
  struct Dependencies {
    pipeline::Hub& hub;
    const pipeline::Picture& picture;
    const storage::Store& store;
  };

  // `grant` says what this feed may show (other organisations' figures are redacted for readers who may not see
  // them) and holds the feed's place under its identity's limit until the subscription is destroyed.
  Subscription(Dependencies dependencies, const FeedOptions& options, domain::CompiledFilter filter,
               operations::Operations::FeedGrant grant);

  // Creates the gRPC reactor for this subscription and starts the protocol at `from_revision`. The reactor deletes
  // itself when the RPC is done.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StartReactor(int64_t from_revision);

  // Hub callback: new events were published or a heartbeat may be due.
  void Wake() override;

  // Ends the stream with `status` (e.g. UNAVAILABLE at server shutdown) unless it has ended already.
  void End(const grpc::Status& status);

 private:
  class Reactor;
  enum class Phase { kSnapshot, kSynced, kLive };

  void OnWriteDone(bool ok);
  void OnCancel();
  void OnDone();

  void BeginSnapshot() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the next write if none is in flight and there is something to send.
  void Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PumpLive() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Write(grpc::ByteBuffer message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriteHeartbeat() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Metrics: whether the last batch came from the log (the feed is behind the ring).
  void SetBehind(bool behind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Dependencies deps_;
  const FeedOptions options_;
  const domain::CompiledFilter filter_;
  const operations::Operations::FeedGrant grant_;

  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_) = nullptr;  // Null before start and after OnDone.
  bool write_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ByteBuffer message_ ABSL_GUARDED_BY(mu_);  // The write in flight.
  absl::Time last_write_time_ ABSL_GUARDED_BY(mu_);

  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kLive;
  int64_t reset_revision_ ABSL_GUARDED_BY(mu_) = -1;  // >= 0: a reset{compacted_revision} is to be sent first.
  std::vector<pipeline::RecordPtr> snapshot_ ABSL_GUARDED_BY(mu_);
  size_t snapshot_sent_ ABSL_GUARDED_BY(mu_) = 0;
  // The last revision this subscriber has been given (or, before synced, will be synced at).
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  bool behind_ ABSL_GUARDED_BY(mu_) = false;  // Counted in FeedCounters::lagging while true.
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_SUBSCRIPTION_H_
