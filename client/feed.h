// A resumable subscription to the live feed (PictureService.Subscribe).
//
// Feed::Run() reads the stream and hands every message to the caller. When the stream breaks (UNAVAILABLE, a
// network error, a server restart, the server ending the stream), it reconnects with jittered exponential
// backoff and resumes from the last revision it has seen (from synced, events and heartbeats), so the caller sees
// each event once, in order, with no gap: after a reconnect the server sends synced{N} and then events > N.
//
// Thread safety: Run() must not be called concurrently on one Feed. Cancel() and last_seen_revision() may be
// called from any thread at any time.
#ifndef KETENBEELD_CLIENT_FEED_H_
#define KETENBEELD_CLIENT_FEED_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"

namespace ketenbeeld::client {

// Exponential backoff with jitter: attempt k waits min(initial * multiplier^k, max) * (1 ± jitter).
struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(100);
  absl::Duration max = absl::Seconds(10);
  double multiplier = 2.0;
  // Fraction of the delay by which it may be randomly shortened or lengthened; spreads the reconnects of many
  // clients after a server restart.
  double jitter = 0.2;
};

// Computes successive delays. Not thread-safe.
class Backoff {
 public:
  // `uniform01` returns numbers in [0, 1); injected so tests are deterministic. Empty: a real random source.
  explicit Backoff(BackoffPolicy policy = {}, std::function<double()> uniform01 = {});

  // The delay before the next attempt; each call moves to the next attempt.
  absl::Duration Next();
  // Back to the first attempt (after a successful connection).
  void Reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  BackoffPolicy policy_;
  std::function<double()> uniform01_;
  int attempt_ = 0;
};

// Statuses after which reconnecting cannot help (the request itself is wrong, or the caller may not subscribe):
// INVALID_ARGUMENT, OUT_OF_RANGE, PERMISSION_DENIED, UNAUTHENTICATED and UNIMPLEMENTED. Everything else is
// retried.
bool IsRetryableFeedStatus(grpc::StatusCode code);

// A change in the connection, reported to FeedHandler::on_connection.
struct ConnectionEvent {
  enum class Type {
    kLost,         // The stream broke; the first failure after a working stream (or of the first attempt).
    kRetrying,     // Another attempt failed; still trying.
    kReconnected,  // The first message after a loss arrived: the feed goes on from `resume_revision`. A Replica
                   // fed by this feed must be told (Replica::OnNewStream) before that message is applied.
  };
  Type type = Type::kLost;
  // When the connection was first lost.
  absl::Time lost_since;
  // Why the last attempt failed (kLost, kRetrying).
  grpc::Status cause;
  // Failed attempts since the loss.
  int failed_attempts = 0;
  // The wait before the next attempt (kLost, kRetrying).
  absl::Duration retry_in;
  // The revision the (next) subscription resumes from; 0 means it starts with a snapshot.
  int64_t resume_revision = 0;
};

struct FeedHandler {
  // Every message of the stream, in order. A non-OK return ends Run() with that status (e.g. a Replica that found
  // a duplicate revision). Required.
  std::function<absl::Status(const v1::SubscribeResponse&)> on_message;
  // Connection changes. Optional.
  std::function<void(const ConnectionEvent&)> on_connection;
};

struct FeedOptions {
  BackoffPolicy backoff;
  // Random source for the backoff jitter, [0, 1). Empty: a real random source.
  std::function<double()> uniform01;
};

class Feed {
 public:
  // `stub` is shared; it must stay valid for the Feed's lifetime.
  explicit Feed(std::shared_ptr<v1::PictureService::StubInterface> stub, FeedOptions options = {});
  // Convenience: a stub over `channel`.
  explicit Feed(const std::shared_ptr<grpc::Channel>& channel, FeedOptions options = {});

  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  // Subscribes with `filter` from `from_revision` (0: snapshot first; N: resume after N) and blocks, calling
  // `handler` for every message, reconnecting as described above. Returns:
  //   Cancelled        Cancel() was called (the normal way to end it).
  //   the handler's status, when on_message returned non-OK.
  //   InvalidArgument / OutOfRange / PermissionDenied / Unauthenticated / Unimplemented: the server refused the
  //                    subscription (converted from the gRPC status, with the server's message).
  // It never returns because of a broken connection: it keeps retrying until cancelled.
  absl::Status Run(const v1::Filter& filter, int64_t from_revision, const FeedHandler& handler);

  // Ends Run() promptly (the stream is cancelled with ClientContext::TryCancel, a backoff wait is cut short) and
  // makes any later Run() return Cancelled at once. Safe from any thread, any number of times; not from a signal
  // handler (it takes a mutex).
  void Cancel();

  // The revision a resume would start from (see Replica::last_seen_revision()).
  int64_t last_seen_revision() const;

 private:
  std::shared_ptr<v1::PictureService::StubInterface> stub_;
  FeedOptions options_;

  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  // The context of the stream being read, so Cancel() can cancel it.
  std::shared_ptr<grpc::ClientContext> current_context_ ABSL_GUARDED_BY(mu_);
  int64_t last_seen_revision_ ABSL_GUARDED_BY(mu_) = 0;
};

// Converts a gRPC status to an absl::Status with the same code and message.
absl::Status ToAbslStatus(const grpc::Status& status);

}  // namespace ketenbeeld::client

#endif  // KETENBEELD_CLIENT_FEED_H_
