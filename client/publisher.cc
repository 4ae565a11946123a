#include "client/publisher.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "client/feed.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/client_callback.h"

namespace ketenbeeld::client {

namespace v1 = ketenbeeld::v1;

// One PublishStatus call. All its state is guarded by the publisher's mutex, and the gRPC operations (StartWrite,
// StartRead, StartWritesDone, RemoveHold, TryCancel) are started with that mutex held: gRPC never runs a
// client reaction inline in the thread that starts an operation (reactions and OnDone run on gRPC's threads, which
// then wait for the mutex), so this cannot deadlock, and it keeps the decisions and the operations in one order.
//
// Lifetime: the stream deletes itself at the end of OnDone, after failing its waiting reports; the publisher's
// destructor waits for every stream's OnDone. A hold (AddHold) keeps the call from completing while writes may
// still be started from Publish(); it is removed once no further write can come (the stream broke, or was
// half-closed).
class StatusPublisher::Stream final
    : public grpc::ClientBidiReactor<v1::PublishStatusRequest, v1::PublishStatusResponse> {
 public:
  explicit Stream(StatusPublisher& publisher) ABSL_EXCLUSIVE_LOCKS_REQUIRED(publisher.mu_) : publisher_(publisher) {
    publisher_.stub_->async()->PublishStatus(&context_, this);
    AddHold();
    StartRead(&response_);
    StartCall();
  }

  // The mutex of the publisher this stream belongs to (its owner's mu_).
  absl::Mutex& publisher_mutex() const ABSL_LOCK_RETURNED(publisher_.mu_) { return publisher_.mu_; }

  // Queues a report; it goes out now or with the next message.
  void Enqueue(v1::ReportStatusRequest report, Callback done) ABSL_EXCLUSIVE_LOCKS_REQUIRED(publisher_.mu_) {
    const uint64_t sequence = next_sequence_++;
    waiting_.emplace(sequence, std::move(done));
    queue_.push_back(std::move(report));
    MaybeWrite();
  }

  // Half-closes when nothing waits (the server then finishes with OK), cancels otherwise.
  void Close() ABSL_EXCLUSIVE_LOCKS_REQUIRED(publisher_.mu_) {
    if (!waiting_.empty() || broken_) {
      context_.TryCancel();
    } else if (writing_) {
      // Every result is in, but the last write's reaction has not run yet: half-close after it, so the close never
      // overtakes a message.
      close_after_write_ = true;
    } else {
      HalfClose();
    }
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&publisher_.mu_);
    writing_ = false;
    out_.Clear();
    if (!ok) Break();
    if (close_after_write_ && !broken_) HalfClose();
    MaybeWrite();
    MaybeReleaseHold();
  }

  void OnReadDone(bool ok) override {
    std::vector<std::pair<Callback, absl::StatusOr<v1::WriteResponse>>> results;
    {
      absl::MutexLock lock(&publisher_.mu_);
      if (!ok) {
        // The server finished the stream (its status comes to OnDone) or the call broke.
        Break();
        MaybeReleaseHold();
        return;
      }
      results.reserve(response_.results_size());
      for (v1::PublishResult& result : *response_.mutable_results()) {
        auto it = waiting_.find(result.sequence());
        if (it == waiting_.end()) continue;  // Not ours (a server bug); nothing to call.
        absl::StatusOr<v1::WriteResponse> outcome =
            result.has_written()
                ? absl::StatusOr<v1::WriteResponse>(std::move(*result.mutable_written()))
                : absl::Status(static_cast<absl::StatusCode>(result.error().code()), result.error().message());
        results.emplace_back(std::move(it->second), std::move(outcome));
        waiting_.erase(it);
      }
      publisher_.waiting_ -= static_cast<int64_t>(results.size());
      response_.Clear();
      StartRead(&response_);
    }
    // Outside the lock: a callback may publish again. OnDone cannot run before this reaction returns.
    for (auto& [done, outcome] : results) std::move(done)(std::move(outcome));
  }

  void OnDone(const grpc::Status& status) override {
    std::vector<Callback> failed;
    {
      absl::MutexLock lock(&publisher_.mu_);
      Break();
      for (auto& [sequence, done] : waiting_) failed.push_back(std::move(done));
      waiting_.clear();
      publisher_.waiting_ -= static_cast<int64_t>(failed.size());
    }
    // A stream that ends with OK while reports wait (the server half-closed on us) has lost their results.
    const absl::Status cause = status.ok()
                                   ? absl::UnavailableError("the stream ended before the result of this report arrived")
                                   : ToAbslStatus(status);
    for (Callback& done : failed) std::move(done)(cause);
    StatusPublisher& publisher = publisher_;
    delete this;
    absl::MutexLock lock(&publisher.mu_);
    --publisher.live_streams_;  // The destructor may return (and free the publisher) once this is 0.
  }

 private:
  // No further write on this stream; new reports go to a new one.
  void Break() ABSL_EXCLUSIVE_LOCKS_REQUIRED(publisher_.mu_) {
    broken_ = true;
    if (publisher_.current_ == this) publisher_.current_ = nullptr;
  }

  void MaybeWrite() ABSL_EXCLUSIVE_LOCKS_REQUIRED(publisher_.mu_) {
    if (writing_ || broken_ || writes_done_ || queue_.empty()) return;
    const size_t count = std::min(queue_.size(), static_cast<size_t>(publisher_.options_.max_reports_per_message));
    for (size_t i = 0; i < count; ++i) *out_.add_reports() = std::move(queue_[i]);
    out_.set_omit_records(publisher_.options_.omit_records);
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
    writing_ = true;
    ++publisher_.stats_.messages_sent;
    publisher_.stats_.reports_sent += static_cast<int64_t>(count);
    StartWrite(&out_);
  }

  void HalfClose() ABSL_EXCLUSIVE_LOCKS_REQUIRED(publisher_.mu_) {
    if (writes_done_) return;
    writes_done_ = true;
    StartWritesDone();
    MaybeReleaseHold();
  }

  void MaybeReleaseHold() ABSL_EXCLUSIVE_LOCKS_REQUIRED(publisher_.mu_) {
    if (holding_ && !writing_ && (broken_ || writes_done_)) {
      holding_ = false;
      RemoveHold();
    }
  }

  StatusPublisher& publisher_;
  grpc::ClientContext context_;
  // Only the read path touches it (one read at a time).
  v1::PublishStatusResponse response_;

  uint64_t next_sequence_ ABSL_GUARDED_BY(publisher_.mu_) = 0;
  // Reports waiting for their result (including those still queued), by sequence number.
  absl::flat_hash_map<uint64_t, Callback> waiting_ ABSL_GUARDED_BY(publisher_.mu_);
  // Reports not yet written, in sequence order.
  std::vector<v1::ReportStatusRequest> queue_ ABSL_GUARDED_BY(publisher_.mu_);
  // The message being written (gRPC reads it until OnWriteDone).
  v1::PublishStatusRequest out_ ABSL_GUARDED_BY(publisher_.mu_);
  bool writing_ ABSL_GUARDED_BY(publisher_.mu_) = false;
  bool broken_ ABSL_GUARDED_BY(publisher_.mu_) = false;
  bool writes_done_ ABSL_GUARDED_BY(publisher_.mu_) = false;
  bool close_after_write_ ABSL_GUARDED_BY(publisher_.mu_) = false;
  bool holding_ ABSL_GUARDED_BY(publisher_.mu_) = true;
};

StatusPublisher::StatusPublisher(std::shared_ptr<grpc::Channel> channel, PublisherOptions options)
    : stub_(v1::PictureService::NewStub(std::move(channel))), options_(options) {}

StatusPublisher::~StatusPublisher() {
  absl::MutexLock lock(&mu_);
  closing_ = true;
  if (current_ != nullptr) current_->Close();
  mu_.Await(absl::Condition(
      +[](int* live) { return *live == 0; }, &live_streams_));
}

void StatusPublisher::Publish(v1::ReportStatusRequest report, Callback done) {
  {
    absl::MutexLock lock(&mu_);
    if (!closing_) {
      if (current_ == nullptr) {
        current_ = new Stream(*this);
        ++live_streams_;
        ++stats_.streams_opened;
      }
      ++waiting_;
      // The stream's publisher is this one: tell clang's thread-safety analysis that its mutex is the one held.
      current_->publisher_mutex().AssertHeld();
      current_->Enqueue(std::move(report), std::move(done));
      return;
    }
  }
  std::move(done)(absl::CancelledError("the publisher is being destroyed"));
}

int64_t StatusPublisher::waiting() {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

StatusPublisher::Stats StatusPublisher::stats() {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace ketenbeeld::client
