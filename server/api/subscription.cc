#include "server/api/subscription.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "server/api/feed_messages.h"
#include "server/api/status.h"

namespace ketenbeeld::api {

// The gRPC side of a subscription: forwards reactions to the Subscription and deletes itself when the RPC is done
// (the callback API's lifecycle). The Subscription never touches it after OnDone.
class Subscription::Reactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit Reactor(std::shared_ptr<Subscription> subscription) : subscription_(std::move(subscription)) {}

  void OnWriteDone(bool ok) override { subscription_->OnWriteDone(ok); }
  void OnCancel() override { subscription_->OnCancel(); }
  void OnDone() override {
    subscription_->OnDone();
    delete this;
  }

 private:
  const std::shared_ptr<Subscription> subscription_;
};

Subscription::Subscription(Dependencies dependencies, const FeedOptions& options, domain::CompiledFilter filter,
                           operations::Operations::FeedGrant grant)
    : deps_(dependencies), options_(options), filter_(std::move(filter)), grant_(std::move(grant)) {}

grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscription::StartReactor(int64_t from_revision) {
  auto* reactor = new Reactor(shared_from_this());
  absl::MutexLock lock(&mu_);
  reactor_ = reactor;
  last_write_time_ = absl::Now();
  const int64_t head = deps_.hub.head();
  const int64_t compacted = deps_.store.compacted_revision();
  if (from_revision < 0) {
    FinishLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              absl::StrCat("from_revision: must be >= 0, got ", from_revision)));
  } else if (from_revision > head) {
    FinishLocked(grpc::Status(
        grpc::StatusCode::OUT_OF_RANGE,
        absl::StrCat("from_revision: ", from_revision, " is ahead of the server's latest revision ", head)));
  } else if (from_revision == 0) {
    BeginSnapshot();
  } else if (from_revision < compacted) {
    // Events after the resume point are gone: say so explicitly, then start over with a snapshot.
    reset_revision_ = compacted;
    BeginSnapshot();
  } else {
    cursor_ = from_revision;
    phase_ = Phase::kSynced;
  }
  Pump();
  return reactor;
}

void Subscription::BeginSnapshot() {
  pipeline::Picture::Snapshot snapshot = deps_.picture.Take(filter_);
  snapshot_ = std::move(snapshot.records);
  snapshot_sent_ = 0;
  cursor_ = snapshot.revision;
  phase_ = Phase::kSnapshot;
}

void Subscription::Wake() {
  absl::MutexLock lock(&mu_);
  Pump();
}

void Subscription::End(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  FinishLocked(status);
}

void Subscription::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  write_pending_ = false;
  message_.Clear();
  if (!ok) {
    // The client went away; the status is not delivered, but every RPC must be finished.
    FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed: the client is gone"));
    return;
  }
  Pump();
}

void Subscription::OnCancel() {
  absl::MutexLock lock(&mu_);
  FinishLocked(grpc::Status::CANCELLED);
}

void Subscription::OnDone() {
  {
    absl::MutexLock lock(&mu_);
    reactor_ = nullptr;
    snapshot_.clear();
    SetBehind(false);
  }
  deps_.hub.Unpark(shared_from_this());
}

void Subscription::FinishLocked(const grpc::Status& status) {
  if (finish_called_ || reactor_ == nullptr) return;
  finish_called_ = true;
  reactor_->Finish(status);
}

void Subscription::SetBehind(bool behind) {
  if (behind == behind_ || options_.counters == nullptr) return;
  behind_ = behind;
  options_.counters->lagging.fetch_add(behind ? 1 : -1, std::memory_order_relaxed);
}

void Subscription::Write(grpc::ByteBuffer message) {
  message_ = std::move(message);
  write_pending_ = true;
  last_write_time_ = absl::Now();
  reactor_->StartWrite(&message_);
}

void Subscription::WriteHeartbeat() {
  ketenbeeld::v1::SubscribeResponse response;
  response.mutable_heartbeat()->set_revision(cursor_);
  *response.mutable_heartbeat()->mutable_server_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
  Write(SerializeMessage(response));
}

void Subscription::Pump() {
  if (write_pending_ || finish_called_ || reactor_ == nullptr) return;
  if (reset_revision_ >= 0) {
    ketenbeeld::v1::SubscribeResponse response;
    response.mutable_reset()->set_compacted_revision(reset_revision_);
    reset_revision_ = -1;
    if (options_.counters != nullptr) options_.counters->resets.fetch_add(1, std::memory_order_relaxed);
    Write(SerializeMessage(response));
    return;
  }
  switch (phase_) {
    case Phase::kSnapshot: {
      if (snapshot_sent_ < snapshot_.size()) {
        // As many records as fit in one message (at least one).
        size_t end = snapshot_sent_;
        size_t bytes = 0;
        while (end < snapshot_.size() &&
               (end == snapshot_sent_ || bytes + snapshot_[end]->wire.size() <= options_.max_message_bytes)) {
          bytes += snapshot_[end]->wire.size() + 8;  // Plus the field header, generously.
          ++end;
        }
        const std::span<const pipeline::RecordPtr> chunk(snapshot_.data() + snapshot_sent_, end - snapshot_sent_);
        snapshot_sent_ = end;
        Write(SnapshotChunkMessage(cursor_, chunk, grant_.viewer));
        return;
      }
      snapshot_.clear();
      snapshot_.shrink_to_fit();
      phase_ = Phase::kSynced;
      [[fallthrough]];
    }
    case Phase::kSynced: {
      ketenbeeld::v1::SubscribeResponse response;
      response.mutable_synced()->set_revision(cursor_);
      phase_ = Phase::kLive;
      Write(SerializeMessage(response));
      return;
    }
    case Phase::kLive:
      PumpLive();
      return;
  }
}

void Subscription::PumpLive() {
  for (int round = 0; round < options_.max_scan_rounds; ++round) {
    absl::StatusOr<pipeline::Hub::Batch> batch =
        deps_.hub.Next(cursor_, filter_, options_.max_message_bytes, shared_from_this());
    if (!batch.ok()) {
      if (absl::IsFailedPrecondition(batch.status())) {
        // This subscriber fell behind the retained log: reset and start over from a snapshot.
        reset_revision_ = deps_.store.compacted_revision();
        BeginSnapshot();
        Pump();
        return;
      }
      FinishLocked(ToGrpcStatus(batch.status()));
      return;
    }
    SetBehind(batch->from_log);
    if (!batch->events.empty()) {
      cursor_ = batch->last_revision;
      if (options_.counters != nullptr) {
        options_.counters->events_delivered.fetch_add(static_cast<int64_t>(batch->events.size()),
                                                      std::memory_order_relaxed);
      }
      Write(EventBatchMessage(batch->events, grant_.viewer));
      return;
    }
    if (batch->last_revision == cursor_) {
      // Caught up (and parked in the hub until the next publish or wake interval).
      if (absl::Now() - last_write_time_ >= options_.heartbeat_interval) WriteHeartbeat();
      return;
    }
    cursor_ = batch->last_revision;  // Nothing matched; move on.
  }
  // Scanned a lot without a match: report progress (a bookmark) and continue after the write.
  WriteHeartbeat();
}

}  // namespace ketenbeeld::api
