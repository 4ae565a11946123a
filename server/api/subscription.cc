#include "server/api/subscription.h"

#include <utility>
#include <variant>

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
                           service::Operations::FeedGrant grant)
    : deps_(dependencies), options_(options), filter_(std::move(filter)), grant_(std::move(grant)) {}

grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscription::StartReactor(int64_t from_revision) {
  auto* reactor = new Reactor(shared_from_this());
  absl::MutexLock lock(&mu_);
  reactor_ = reactor;
  session_.emplace(deps_, options_, std::move(filter_), grant_.viewer, from_revision, grant_.revalidate);
  Pump();
  return reactor;
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
    session_.reset();  // Frees the snapshot and the counters' places at once, not when the hub lets go.
  }
  deps_.hub.Unpark(shared_from_this());
}

void Subscription::FinishLocked(const grpc::Status& status) {
  if (finish_called_ || reactor_ == nullptr) return;
  finish_called_ = true;
  reactor_->Finish(status);
}

void Subscription::Pump() {
  if (write_pending_ || finish_called_ || reactor_ == nullptr || !session_.has_value()) return;
  while (std::optional<feed::FeedFrame> frame = session_->Next(shared_from_this())) {
    if (const auto* end = std::get_if<feed::End>(&*frame)) {
      FinishLocked(ToGrpcStatus(end->status));
      return;
    }
    // gRPC clients have never been sent an empty snapshot chunk: an empty snapshot is just `synced`.
    if (const auto* chunk = std::get_if<feed::SnapshotChunk>(&*frame); chunk != nullptr && chunk->records.empty()) {
      continue;
    }
    message_ = FrameMessage(*frame, grant_.viewer);
    write_pending_ = true;
    reactor_->StartWrite(&message_);
    return;
  }
}

}  // namespace ketenbeeld::api
