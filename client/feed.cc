#include "client/feed.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/random/random.h"
#include "absl/random/uniform_real_distribution.h"

namespace ketenbeeld::client {

Backoff::Backoff(BackoffPolicy policy, std::function<double()> uniform01)
    : policy_(policy), uniform01_(std::move(uniform01)) {
  if (!uniform01_) {
    uniform01_ = [bitgen = std::make_shared<absl::BitGen>()] { return absl::Uniform<double>(*bitgen, 0.0, 1.0); };
  }
}

absl::Duration Backoff::Next() {
  // Grow in doubles and cap before converting, so a long outage cannot overflow.
  const double initial_seconds = absl::ToDoubleSeconds(policy_.initial);
  const double max_seconds = absl::ToDoubleSeconds(policy_.max);
  const double base = std::min(initial_seconds * std::pow(policy_.multiplier, attempt_), max_seconds);
  if (attempt_ < 1000) ++attempt_;
  const double u = std::clamp(uniform01_(), 0.0, 1.0);
  const double factor = 1.0 + policy_.jitter * (2.0 * u - 1.0);  // In [1 - jitter, 1 + jitter].
  return absl::Seconds(base * factor);
}

bool IsRetryableFeedStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::UNIMPLEMENTED:
      return false;
    default:
      return true;
  }
}

absl::Status ToAbslStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

Feed::Feed(std::shared_ptr<v1::PictureService::StubInterface> stub, FeedOptions options)
    : stub_(std::move(stub)), options_(std::move(options)) {}

Feed::Feed(const std::shared_ptr<grpc::Channel>& channel, FeedOptions options)
    : Feed(std::shared_ptr<v1::PictureService::StubInterface>(v1::PictureService::NewStub(channel)),
           std::move(options)) {}

void Feed::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (current_context_ != nullptr) current_context_->TryCancel();
}

int64_t Feed::last_seen_revision() const {
  absl::MutexLock lock(&mu_);
  return last_seen_revision_;
}

absl::Status Feed::Run(const v1::Filter& filter, int64_t from_revision, const FeedHandler& handler) {
  Backoff backoff(options_.backoff, options_.uniform01);
  std::optional<absl::Time> lost_since;  // Set while disconnected.
  int failed_attempts = 0;
  {
    absl::MutexLock lock(&mu_);
    last_seen_revision_ = from_revision;
  }

  while (true) {
    v1::SubscribeRequest request;
    *request.mutable_filter() = filter;
    auto context = std::make_shared<grpc::ClientContext>();
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return absl::CancelledError("feed cancelled");
      request.set_from_revision(last_seen_revision_);
      current_context_ = context;
    }

    std::unique_ptr<grpc::ClientReaderInterface<v1::SubscribeResponse>> reader =
        stub_->Subscribe(context.get(), request);
    v1::SubscribeResponse message;
    while (reader->Read(&message)) {
      if (lost_since.has_value()) {
        if (handler.on_connection) {
          ConnectionEvent event;
          event.type = ConnectionEvent::Type::kReconnected;
          event.lost_since = *lost_since;
          event.failed_attempts = failed_attempts;
          event.resume_revision = request.from_revision();
          handler.on_connection(event);
        }
        lost_since.reset();
      }
      failed_attempts = 0;
      backoff.Reset();

      absl::Status handled = handler.on_message(message);
      if (!handled.ok()) {
        context->TryCancel();
        reader->Finish().IgnoreError();
        absl::MutexLock lock(&mu_);
        current_context_.reset();
        return handled;
      }
      // The bookmark moves only once the handler has the message, so a resume never skips what it has not seen.
      absl::MutexLock lock(&mu_);
      switch (message.kind_case()) {
        case v1::SubscribeResponse::kSynced:
          last_seen_revision_ = message.synced().revision();
          break;
        case v1::SubscribeResponse::kEvents:
          if (message.events().events_size() > 0) {
            last_seen_revision_ = message.events().events(message.events().events_size() - 1).revision();
          }
          break;
        case v1::SubscribeResponse::kHeartbeat:
          last_seen_revision_ = std::max(last_seen_revision_, message.heartbeat().revision());
          break;
        case v1::SubscribeResponse::kReset:
          // A snapshot follows; if the stream breaks before its synced, the next attempt must start over.
          last_seen_revision_ = 0;
          break;
        default:
          break;
      }
    }
    grpc::Status status = reader->Finish();

    absl::Duration delay;
    int64_t resume_revision = 0;
    {
      absl::MutexLock lock(&mu_);
      current_context_.reset();
      if (cancelled_) return absl::CancelledError("feed cancelled");
      resume_revision = last_seen_revision_;
    }
    if (!status.ok() && !IsRetryableFeedStatus(status.error_code())) return ToAbslStatus(status);
    if (status.ok()) {
      // The server ended the stream (graceful shutdown drains streams): the feed is not over for us.
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server ended the stream");
    }

    ++failed_attempts;
    delay = backoff.Next();
    const bool first_failure = !lost_since.has_value();
    if (first_failure) lost_since = absl::Now();
    if (handler.on_connection) {
      ConnectionEvent event;
      event.type = first_failure ? ConnectionEvent::Type::kLost : ConnectionEvent::Type::kRetrying;
      event.lost_since = *lost_since;
      event.cause = status;
      event.failed_attempts = failed_attempts;
      event.retry_in = delay;
      event.resume_revision = resume_revision;
      handler.on_connection(event);
    }

    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&cancelled_), delay);
    if (cancelled_) return absl::CancelledError("feed cancelled");
  }
}

}  // namespace ketenbeeld::client
