#include "server/api/publish_stream.h"

#include <utility>

#include "absl/time/clock.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "server/api/parse_checked.h"
#include "server/api/status.h"
#include "server/policy/limits.h"

namespace ketenbeeld::api {
namespace {

namespace v1 = ketenbeeld::v1;

using PublishRefusal = Refusal<PublishReactor>;

}  // namespace

PublishReactor* PublishStreams::Open(grpc::CallbackServerContext* context) {
  absl::StatusOr<security::Identity> caller = services_.gate.Admit(*context);
  if (!caller.ok()) return new PublishRefusal(ToGrpcStatus(caller.status()));
  if (absl::Status allowed = services_.operations.OpenPublishStream(*caller); !allowed.ok()) {
    return new PublishRefusal(ToGrpcStatus(allowed));
  }
  absl::StatusOr<std::unique_ptr<policy::SubscriptionLimiter::Lease>> lease =
      services_.gate.AdmitPublishStream(*caller);
  if (!lease.ok()) return new PublishRefusal(ToGrpcStatus(lease.status()));
  absl::MutexLock lock(&mu_);
  if (closed_) return new PublishRefusal(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
  auto* stream = new PublishStream(*this, *std::move(caller), *std::move(lease));
  live_.insert(stream);
  return stream;
}

void PublishStreams::EndAll() {
  // End() is called with mu_ held, so a stream cannot go away (OnDone -> Forget waits for mu_) while it is being
  // ended. End() makes no call back into the registry, and gRPC never runs OnDone inside Finish (it is a reaction
  // to the finish op completing, on a gRPC thread), so this cannot deadlock.
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (PublishStream* stream : live_) {
    stream->End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "the server is shutting down; reports without a result may be sent again"));
  }
}

void PublishStreams::EndRevoked() {
  // As EndAll: End() under mu_ keeps each stream alive while it is ended. Revalidate() takes only the credential
  // files' own (leaf) mutexes.
  absl::MutexLock lock(&mu_);
  for (PublishStream* stream : live_) {
    if (absl::Status valid = services_.operations.Revalidate(stream->caller()); !valid.ok()) {
      stream->End(ToGrpcStatus(valid));
    }
  }
}

size_t PublishStreams::live() {
  absl::MutexLock lock(&mu_);
  return live_.size();
}

void PublishStreams::Forget(PublishStream* stream) {
  absl::MutexLock lock(&mu_);
  live_.erase(stream);
}

PublishStream::PublishStream(PublishStreams& registry, security::Identity caller,
                             std::unique_ptr<policy::SubscriptionLimiter::Lease> lease)
    : registry_(registry), caller_(std::move(caller)), lease_(std::move(lease)) {
  absl::MutexLock lock(&mu_);
  Perform(Plan());  // The first Read. (Perform with mu_ held is safe only here: no reaction can run before it.)
}

// Lifetime. The reactor must outlive every committer callback of its reports, but gRPC calls OnDone as soon as the
// stream is finished, and the stream finishes without waiting for the disk when it is cancelled or broken (no
// result can reach the client then). Waiting in OnDone would block a gRPC thread; instead the object is reference
// counted: gRPC holds one reference until OnDone, every report handed to Operations::Write holds one until its
// callback has returned, and whoever drops the last reference deletes the object. A callback arriving after OnDone
// finds finished_ set and only drops its result. Callbacks do come: the committer calls every `done` exactly once,
// also when it stops (UNAVAILABLE), and the server stops it only after gRPC is done.
void PublishStream::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

void PublishStream::OnDone() {
  registry_.Forget(this);
  lease_.reset();
  Unref();
}

void PublishStream::OnCancel() {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    broken_ = true;
    actions = Plan();
  }
  Perform(actions);
}

void PublishStream::End(const grpc::Status& status) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    if (!end_status_.has_value()) end_status_ = status;
    actions = Plan();
  }
  Perform(actions);
}

void PublishStream::OnReadDone(bool ok) {
  if (ok) {
    // Parse the raw bytes (see PublishReactor); a message that does not parse ends the stream as a protocol error.
    grpc::ByteBuffer bytes(request_bytes_);  // Parsing consumes its buffer; request_bytes_ stays for the message.
    if (!grpc::SerializationTraits<v1::PublishStatusRequest>::Deserialize(&bytes, &request_).ok()) {
      ok = false;
      absl::MutexLock lock(&mu_);
      if (!end_status_.has_value()) {
        end_status_ = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   DescribeParseFailure(request_bytes_, *v1::PublishStatusRequest::descriptor()));
      }
    }
    request_bytes_.Clear();
  }
  // The read path owns request_ and next_sequence_ until reading_ is cleared below.
  const int reports = ok ? request_.reports_size() : 0;
  bool accept = ok;
  // Each message is checked against the credential as it is now: a revoked certificate or withdrawn token commits
  // nothing more, and the stream ends with UNAUTHENTICATED.
  const absl::Status credential = ok ? registry_.services_.operations.Revalidate(caller_) : absl::OkStatus();
  if (ok) {
    absl::MutexLock lock(&mu_);
    if (!credential.ok()) {
      if (!end_status_.has_value()) end_status_ = ToGrpcStatus(credential);
      accept = false;
    } else if (absl::Status batch = policy::CheckPublishBatch(reports); !batch.ok()) {
      // A protocol violation of the client: end the stream (after answering what is in flight), as a unary call
      // over a limit is refused as a whole.
      if (!end_status_.has_value()) end_status_ = ToGrpcStatus(batch);
      accept = false;
    } else if (end_status_.has_value() || broken_ || finished_) {
      accept = false;  // Ending: reports that arrive now get no result; the client fails them with the stream.
    } else {
      unanswered_ += reports;
    }
  }
  if (accept) {
    const absl::Time read_at = absl::Now();
    const bool omit_records = request_.omit_records();
    for (int i = 0; i < reports; ++i) {
      const uint64_t sequence = next_sequence_++;
      v1::ReportStatusRequest& report = *request_.mutable_reports(i);
      if (absl::Status admitted = registry_.services_.gate.AdmitAnother(caller_); !admitted.ok()) {
        OnResult(sequence, read_at, omit_records, admitted);
        continue;
      }
      Ref();
      registry_.services_.operations.Write(
          caller_, mutations::WriteRequest{.body = std::move(report), .actor = {}},
          [this, sequence, read_at, omit_records](absl::StatusOr<pipeline::WriteResult> result) {
            OnResult(sequence, read_at, omit_records, std::move(result));
            Unref();  // The last touch of `this` (see Unref).
          });
    }
  }
  request_.Clear();
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (!ok) half_closed_ = true;
    actions = Plan();
  }
  Perform(actions);
}

void PublishStream::OnResult(uint64_t sequence, absl::Time read_at, bool omit_records,
                             absl::StatusOr<pipeline::WriteResult> result) {
  if (registry_.observer_ != nullptr) {
    registry_.observer_->OnRpcFinished(kPublishReportMetric, static_cast<int>(result.status().code()),
                                       absl::Now() - read_at);
  }
  // Built outside the lock: copying the record is the expensive part.
  v1::PublishResult answer;
  answer.set_sequence(sequence);
  if (result.ok()) {
    v1::WriteResponse* written = answer.mutable_written();
    written->set_revision(result->revision);
    if (result->record != nullptr && !omit_records) *written->mutable_record() = result->record->record;
  } else {
    answer.mutable_error()->set_code(static_cast<int32_t>(result.status().code()));
    answer.mutable_error()->set_message(std::string(result.status().message()));
  }
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    if (finished_ || broken_) return;  // Nobody to tell (see Unref for why `this` is still alive).
    *pending_.add_results() = std::move(answer);
    actions = Plan();
  }
  Perform(actions);
}

void PublishStream::OnWriteDone(bool ok) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (ok) {
      unanswered_ -= static_cast<size_t>(writing_message_.results_size());
    } else {
      broken_ = true;  // The stream is gone (cancelled, or the client went away).
    }
    writing_message_.Clear();
    actions = Plan();
  }
  Perform(actions);
}

PublishStream::Actions PublishStream::Plan() {
  Actions actions;
  if (finished_) return actions;
  if (broken_) {
    // Results cannot reach the client; finish as soon as no write holds writing_message_. Reports still being
    // committed are not waited for (they hold references).
    if (!writing_) {
      finished_ = true;
      actions.finish = grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke");
    }
    return actions;
  }
  if (!writing_ && pending_.results_size() > 0) {
    // Every result queued so far goes out in one message (coalescing): while this write is in flight the next
    // results collect in pending_.
    writing_message_.Swap(&pending_);
    writing_ = true;
    actions.write = &writing_message_;
  }
  if (!reading_ && !half_closed_ && !end_status_.has_value() && unanswered_ < policy::kPublishReportsInFlight) {
    reading_ = true;
    actions.read = true;
  }
  if (!writing_ && unanswered_ == 0 && (half_closed_ || end_status_.has_value())) {
    // Everything read has been answered. A Read may still be outstanding when the server ends the stream; gRPC
    // completes it (ok = false) when the call is finished.
    finished_ = true;
    actions.finish = end_status_.value_or(grpc::Status::OK);
  }
  return actions;
}

void PublishStream::Perform(const Actions& actions) {
  // Order matters for the lifetime of `this`. Once Finish has been called, OnDone may delete the reactor at any
  // moment on another thread, so Finish comes last and nothing touches a member after it. The read goes before the
  // write: while the write Plan() decided is not started, writing_ stays set and no thread can decide to finish,
  // whereas a write started first could complete, and a Finish decided elsewhere (End) run OnDone, before our
  // StartRead. (Plan() never decides a finish together with a read or a write.)
  if (actions.read) StartRead(&request_bytes_);
  if (actions.write != nullptr) StartWrite(actions.write);
  if (actions.finish.has_value()) Finish(*actions.finish);
}

}  // namespace ketenbeeld::api
