// PictureService.PublishStatus: many status reports over one bidirectional stream, each acknowledged on its own.
//
// Why a stream: a unary call costs the server far more gRPC work (HTTP/2 framing, call setup, completion-queue
// round trips) than the write itself (docs/benchmarks.md). On a stream, many reports share one call and the results
// of many reports share one response message.
//
// Every report takes exactly the unary ReportStatus path: it counts against the identity's request rate
// (CallerGate::AdmitAnother), then Operations::Write checks the ReportStatus rule (acting for one's own organisation),
// the committer validates it (INVALID_ARGUMENT naming the field, answered at once) and commits it; audit and commit
// metrics see it like any other write. The RPC interceptor sees the stream as one call; each report is counted
// on its own too, as method kPublishReportMetric with its code and its latency from read to result. Its result (the
// WriteResponse, or the error code and message) is queued and goes out with the next response message.
//
// Flow control: at most kPublishReportsInFlight reports of a stream are unanswered (read but their result not yet
// written to the stream). At that bound the reactor starts no further Read, so HTTP/2 flow control holds the client
// back; nothing is queued without bound, also not for a client that sends without reading its acknowledgements.
//
// Thread safety: the registry (PublishStreams) may be used from any thread; a PublishStream is driven by gRPC
// reactions and committer callbacks on any thread, its state guarded by one mutex.
#ifndef KETENBEELD_SERVER_API_PUBLISH_STREAM_H_
#define KETENBEELD_SERVER_API_PUBLISH_STREAM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "server/api/service_context.h"
#include "server/observability/observers.h"
#include "server/pipeline/committer.h"
#include "server/policy/limits.h"
#include "server/security/identity.h"

namespace ketenbeeld::api {

class PublishStream;

// The `method` label under which every report of a PublishStatus stream is counted (observability::RpcObserver).
inline constexpr char kPublishReportMetric[] = "/ketenbeeld.v1.PictureService/PublishStatus/report";

// The stream reads raw bytes and parses each message itself: with the generated request type, gRPC would report a
// message that does not parse to OnReadDone as the end of the stream, and the stream would finish OK. A message that
// does not parse ends the stream with INVALID_ARGUMENT (after answering what is in flight), like a batch over the
// limit. PictureService registers the method with this reactor type.
using PublishReactor = grpc::ServerBidiReactor<grpc::ByteBuffer, ketenbeeld::v1::PublishStatusResponse>;

// The open PublishStatus streams of a server, so that shutdown can end them.
class PublishStreams {
 public:
  // Everything `services` refers to must outlive every stream (the server's Shutdown stops the committer only after
  // gRPC is done, and keeps operations and gate until destruction).
  // `observer` (may be null) counts each report; it must outlive every stream.
  PublishStreams(const ServiceContext& services, observability::RpcObserver* observer)
      : services_(services), observer_(observer) {}
  PublishStreams(const PublishStreams&) = delete;
  PublishStreams& operator=(const PublishStreams&) = delete;

  // The reactor for a new stream: admits the caller (CallerGate, then the PublishStatus rule) or returns a reactor
  // that only finishes with the refusal.
  PublishReactor* Open(grpc::CallbackServerContext* context);

  // Ends every open stream with UNAVAILABLE once the reports it has in flight are answered (they are committed:
  // the committer stops only after gRPC), and refuses new streams with UNAVAILABLE. Idempotent.
  void EndAll();

  // Ends the open streams whose caller's credential no longer holds (service::Operations::Revalidate) with
  // UNAUTHENTICATED, once the reports they have in flight are answered. For streams that send nothing: a stream that
  // sends is checked per message. The server calls this periodically.
  void EndRevoked();

  size_t live();

 private:
  friend class PublishStream;
  void Forget(PublishStream* stream);

  const ServiceContext services_;
  observability::RpcObserver* const observer_;
  absl::Mutex mu_;
  absl::flat_hash_set<PublishStream*> live_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// One PublishStatus stream. Created by PublishStreams::Open; deletes itself (see Unref in publish_stream.cc).
class PublishStream final : public PublishReactor {
 public:
  // `lease` (null in development mode) is the stream's place under the identity's limit of publish streams
  // (CallerGate::AdmitPublishStream); it is given back when gRPC is done with the stream.
  PublishStream(PublishStreams& registry, security::Identity caller,
                std::unique_ptr<policy::SubscriptionLimiter::Lease> lease);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  // Stops reading, answers what is in flight, then finishes with `status`. Called by PublishStreams::EndAll.
  void End(const grpc::Status& status);

  // Who opened the stream (as authenticated then).
  const security::Identity& caller() const { return caller_; }

 private:
  // What to do after a change of state, decided under the mutex and done outside it (gRPC calls must not be made
  // with mu_ held: a reaction on another thread would wait for it).
  struct Actions {
    bool read = false;
    const ketenbeeld::v1::PublishStatusResponse* write = nullptr;
    std::optional<grpc::Status> finish;
  };
  Actions Plan() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Perform(const Actions& actions);
  // Counts and queues the result of report `sequence`, read at `read_at`.
  // `omit_records`: the report's message asked for results without the stored record.
  void OnResult(uint64_t sequence, absl::Time read_at, bool omit_records, absl::StatusOr<pipeline::WriteResult> result);
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref();

  PublishStreams& registry_;
  const security::Identity caller_;
  // Reset in OnDone: a stream that has ended gives its place back at once, not when its last commit returns.
  std::unique_ptr<policy::SubscriptionLimiter::Lease> lease_;
  // One reference for gRPC (dropped in OnDone) and one per committer callback not yet returned.
  std::atomic<int> refs_{1};

  // Filled by gRPC while a Read is outstanding; only the read path (OnReadDone) touches it otherwise.
  grpc::ByteBuffer request_bytes_;
  // request_bytes_ parsed; only the read path touches it.
  ketenbeeld::v1::PublishStatusRequest request_;
  // The sequence number of the next report read; only the read path touches it (one Read at a time).
  uint64_t next_sequence_ = 0;

  absl::Mutex mu_;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool half_closed_ ABSL_GUARDED_BY(mu_) = false;  // The client is done sending (or the read failed).
  bool broken_ ABSL_GUARDED_BY(mu_) = false;       // Cancelled, or a write failed: no result can reach the client.
  bool finished_ ABSL_GUARDED_BY(mu_) = false;     // Finish has been called.
  std::optional<grpc::Status> end_status_ ABSL_GUARDED_BY(mu_);  // Finish with this once everything is answered.
  // Reports read whose result has not been written to the stream yet (the flow-control bound applies to these).
  size_t unanswered_ ABSL_GUARDED_BY(mu_) = 0;
  // Results waiting for the next write.
  ketenbeeld::v1::PublishStatusResponse pending_ ABSL_GUARDED_BY(mu_);
  // The message being written (gRPC reads it until OnWriteDone), and how many results it carries.
  ketenbeeld::v1::PublishStatusResponse writing_message_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_PUBLISH_STREAM_H_
