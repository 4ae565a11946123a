#include "tests/system/resuming_subscriber.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/connection.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace ketenbeeld::testing {

ResumingSubscriber::ResumingSubscriber(std::string address) : address_(std::move(address)) {
  thread_ = std::thread([this] { Run(); });
}

ResumingSubscriber::~ResumingSubscriber() { Stop(); }

void ResumingSubscriber::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool ResumingSubscriber::WaitUntilSeen(int64_t revision, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  // Synced first: before its snapshot the feed has seen nothing, whatever seen_revision's initial 0 says.
  auto seen = [this, revision]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return observed_.snapshot_revision >= 0 && observed_.seen_revision >= revision;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
}

ResumingSubscriber::Observed ResumingSubscriber::observed() {
  absl::MutexLock lock(&mu_);
  return observed_;
}

void ResumingSubscriber::Violation(std::string what) {
  if (observed_.violations.size() < 20) observed_.violations.push_back(std::move(what));
}

void ResumingSubscriber::Run() {
  grpc::ChannelArguments arguments;
  // Reconnect quickly after a restart (gRPC's default backoff grows to minutes).
  // (Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC takes it as the time one connection attempt may take, and a
  // sanitized server under load needs more than 20 ms to answer.)
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  std::unique_ptr<v1::PictureService::Stub> stub = v1::PictureService::NewStub(
      grpc::CreateCustomChannel(*client::ChannelTarget(address_), grpc::InsecureChannelCredentials(), arguments));
  bool first = true;
  while (true) {
    int64_t from_revision = 0;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      if (!first) ++observed_.resumes;
      from_revision = observed_.snapshot_revision < 0 ? 0 : observed_.seen_revision;
    }
    first = false;
    ReadStream(*stub, from_revision);
    absl::SleepFor(absl::Milliseconds(10));  // The server is probably down: do not spin.
  }
}

void ResumingSubscriber::ReadStream(v1::PictureService::Stub& stub, int64_t from_revision) {
  grpc::ClientContext context;
  // Wait for the server to come back instead of failing at once while it restarts.
  context.set_wait_for_ready(true);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(5)));
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    context_ = &context;
  }
  v1::SubscribeRequest request;
  request.set_from_revision(from_revision);
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader = stub.Subscribe(&context, request);
  v1::SubscribeResponse message;
  bool synced = false;
  while (reader->Read(&message)) {
    absl::MutexLock lock(&mu_);
    if (message.has_reset()) {
      Violation(absl::StrCat("reset{", message.reset().compacted_revision(), "} on a resume from ", from_revision));
    } else if (message.has_snapshot()) {
      if (from_revision != 0) Violation(absl::StrCat("snapshot on a resume from ", from_revision));
    } else if (message.has_synced()) {
      synced = true;
      if (from_revision == 0) {
        observed_.snapshot_revision = message.synced().revision();
        observed_.seen_revision = message.synced().revision();
      } else if (message.synced().revision() != from_revision) {
        Violation(absl::StrCat("resumed from ", from_revision, " but synced at ", message.synced().revision()));
      }
    } else if (message.has_events()) {
      if (!synced) Violation("events before synced");
      for (const v1::Event& event : message.events().events()) {
        if (event.revision() != observed_.seen_revision + 1) {
          Violation(absl::StrCat(event.revision() <= observed_.seen_revision ? "duplicate" : "gap", ": revision ",
                                 event.revision(), " after ", observed_.seen_revision));
        }
        observed_.seen_revision = std::max(observed_.seen_revision, event.revision());
        observed_.events.push_back(event);
      }
    } else if (message.has_heartbeat()) {
      // Unfiltered: a heartbeat never runs ahead of the events this feed was sent.
      if (message.heartbeat().revision() > observed_.seen_revision) {
        Violation(absl::StrCat("heartbeat at ", message.heartbeat().revision(), " ahead of the events seen (",
                               observed_.seen_revision, ")"));
      }
    }
  }
  reader->Finish().IgnoreError();
  absl::MutexLock lock(&mu_);
  context_ = nullptr;
}

}  // namespace ketenbeeld::testing
