// Publishing many status reports over one PictureService.PublishStatus stream, each with its own result.
//
// A StatusPublisher owns (at most) one stream. Publish() queues a report; while the previous message is being
// written, reports queue up and go out together in the next message (coalescing: under load, one message carries
// many reports, which is what makes the stream cheaper than one ReportStatus call per report). The server answers
// every report with its sequence number (its position in the stream); the publisher maps the result back to the
// report's callback.
//
// When the stream breaks (the server ends it, the connection drops, the stream is refused), every report still
// waiting for its result fails with the stream's status, and the next Publish() opens a new stream. There is no
// automatic resend: a report whose result was lost may or may not have been written. Status reports are
// last-writer-wins, so sending it again is safe; that is the caller's decision.
//
// Thread safety: Publish() may be called from any number of threads. Callbacks run on gRPC threads, without the
// publisher's lock held; they must not block for long (they may call Publish()). The destructor must not be called
// from a callback.
#ifndef KETENBEELD_CLIENT_PUBLISHER_H_
#define KETENBEELD_CLIENT_PUBLISHER_H_

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/channel.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"

namespace ketenbeeld::client {

struct PublisherOptions {
  // The most reports one request message carries; the server refuses messages with more than its bound of
  // reports in flight (1024).
  int max_reports_per_message = 1024;
  // Results carry the revision only, not the stored record (PublishStatusRequest.omit_records): for publishers that
  // do not read the record back. Saves a ~1 KB copy, send and parse per report on both sides.
  bool omit_records = false;
};

class StatusPublisher {
 public:
  // The result of one report: what ReportStatus would have returned (the revision and the stored record), or its
  // error (INVALID_ARGUMENT naming the field, PERMISSION_DENIED, ...; or the stream's status when the stream broke
  // before the result arrived).
  using Callback = absl::AnyInvocable<void(absl::StatusOr<ketenbeeld::v1::WriteResponse>) &&>;

  struct Stats {
    int64_t streams_opened = 0;
    int64_t messages_sent = 0;
    int64_t reports_sent = 0;
  };

  explicit StatusPublisher(std::shared_ptr<grpc::Channel> channel, PublisherOptions options = {});
  // Ends the stream: half-closes it when no report is waiting (the server then finishes it), cancels it otherwise
  // (waiting reports fail with CANCELLED); returns when the stream is gone and every callback has run.
  ~StatusPublisher();
  StatusPublisher(const StatusPublisher&) = delete;
  StatusPublisher& operator=(const StatusPublisher&) = delete;

  // Queues `report` for the stream (opening one when there is none); `done` is called exactly once with its result.
  // After the destructor has started, `done` is called at once with CANCELLED.
  void Publish(ketenbeeld::v1::ReportStatusRequest report, Callback done);

  // Reports published whose callback has not run yet.
  int64_t waiting();
  Stats stats();

 private:
  class Stream;
  friend class Stream;

  const std::shared_ptr<ketenbeeld::v1::PictureService::Stub> stub_;
  const PublisherOptions options_;

  absl::Mutex mu_;
  // The stream new reports go to; null when there is none or it broke.
  Stream* current_ ABSL_GUARDED_BY(mu_) = nullptr;
  // Streams whose OnDone has not run yet (a broken stream may still be ending while a new one runs).
  int live_streams_ ABSL_GUARDED_BY(mu_) = 0;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  int64_t waiting_ ABSL_GUARDED_BY(mu_) = 0;
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ketenbeeld::client

#endif  // KETENBEELD_CLIENT_PUBLISHER_H_
