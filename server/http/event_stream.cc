#include "server/http/event_stream.h"

#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "server/http/json_api.h"

namespace ketenbeeld::http {

std::shared_ptr<const std::string> EventJsonCache::Get(const state::EventPtr& event, const policy::Viewer& viewer) {
  // Two forms per event at most: the full one, and the one redacted for readers who may not see its figures
  // (cached under the negated revision).
  const bool redacted = &policy::WireFor(viewer, *event) != &event->wire;
  const int64_t revision = redacted ? -event->revision() : event->revision();
  {
    absl::MutexLock lock(&mu_);
    if (auto found = json_.find(revision); found != json_.end()) return found->second;
  }
  // Converted outside the lock: two streams may both convert a new event, which costs little and never blocks.
  std::shared_ptr<const std::string> json;
  if (redacted) {
    ketenbeeld::v1::Event copy = event->event;
    policy::Redact(viewer, copy);
    json = std::make_shared<const std::string>(ToJson(copy));
  } else {
    json = std::make_shared<const std::string>(ToJson(event->event));
  }
  absl::MutexLock lock(&mu_);
  if (json_.emplace(revision, json).second) {
    order_.push_back(revision);
    while (order_.size() > capacity_) {
      json_.erase(order_.front());
      order_.pop_front();
    }
  }
  return json;
}

EventStream::EventStream(StreamDependencies dependencies, const feed::FeedOptions& options,
                         absl::Duration reconnect_delay, domain::CompiledFilter filter, int64_t from_revision,
                         service::Operations::FeedGrant grant, std::function<void()> resume)
    : deps_(dependencies),
      reconnect_delay_(reconnect_delay),
      grant_(std::move(grant)),
      resume_(std::move(resume)),
      session_(
          feed::FeedSession::Dependencies{
              .hub = dependencies.hub, .picture = dependencies.picture, .store = dependencies.store},
          options, std::move(filter), grant_.viewer, from_revision, grant_.revalidate) {}

std::shared_ptr<EventStream> EventStream::Start(StreamDependencies dependencies, const feed::FeedOptions& options,
                                                absl::Duration reconnect_delay, domain::CompiledFilter filter,
                                                int64_t from_revision, service::Operations::FeedGrant grant,
                                                std::function<void()> resume) {
  return std::make_shared<EventStream>(dependencies, options, reconnect_delay, std::move(filter), from_revision,
                                       std::move(grant), std::move(resume));
}

void EventStream::WakeAndResume(const absl::Status* end) {
  bool resume = false;
  {
    absl::MutexLock lock(&mu_);
    woken_ = true;
    if (end != nullptr && !end_status_.has_value()) end_status_ = *end;
    resume = std::exchange(suspended_, false);
  }
  // Outside the lock: the transport's resume may take its own locks, which it may hold while it calls this stream.
  if (resume) resume_();
}

void EventStream::Wake() { WakeAndResume(nullptr); }

void EventStream::End(const absl::Status& status) { WakeAndResume(&status); }

bool EventStream::SuspendUnlessWoken(absl::FunctionRef<void()> suspend) {
  absl::MutexLock lock(&mu_);
  if (woken_ || end_status_.has_value()) return false;
  suspend();
  suspended_ = true;
  return true;
}

void EventStream::Close() { deps_.hub.Unpark(shared_from_this()); }

std::optional<absl::Status> EventStream::EndRequested() {
  absl::MutexLock lock(&mu_);
  return end_status_;
}

std::string EventStream::Frame(absl::string_view event, absl::string_view data, std::optional<int64_t> id) {
  std::string frame;
  frame.reserve(data.size() + 64);
  if (first_frame_) {
    // Tells EventSource how soon to reconnect after the connection drops.
    absl::StrAppend(&frame, "retry: ", absl::ToInt64Milliseconds(reconnect_delay_), "\n");
    first_frame_ = false;
  }
  if (id.has_value()) absl::StrAppend(&frame, "id: ", *id, "\n");
  // JSON from the printer is one line (newlines inside strings are escaped), so one `data:` field holds it.
  absl::StrAppend(&frame, "event: ", event, "\ndata: ", data, "\n\n");
  return frame;
}

std::string EventStream::EndFrame(const absl::Status& status) {
  ended_ = true;
  return Frame("end", ToHttpError(status).body, std::nullopt);
}

std::string EventStream::SnapshotData(const feed::SnapshotChunk& chunk) {
  // SnapshotChunk{revision, records} assembled from each record's JSON, without copying the records into a message.
  std::string data = absl::StrCat("{\"revision\":\"", chunk.revision, "\",\"records\":[");
  bool first = true;
  for (const state::RecordPtr& record : chunk.records) {
    ketenbeeld::v1::Record redacted;
    const bool withheld = &policy::WireFor(grant_.viewer, *record) != &record->wire;
    if (withheld) {
      redacted = record->record;
      policy::Redact(grant_.viewer, redacted);
    }
    absl::StrAppend(&data, first ? "" : ",", ToJson(withheld ? redacted : record->record));
    first = false;
  }
  absl::StrAppend(&data, "]}");
  return data;
}

std::string EventStream::Encode(const feed::FeedFrame& frame) {
  return std::visit(
      [this](const auto& f) -> std::string {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, feed::Reset>) {
          ketenbeeld::v1::Reset reset;
          reset.set_compacted_revision(f.compacted_revision);
          return Frame("reset", ToJson(reset), std::nullopt);
        } else if constexpr (std::is_same_v<F, feed::SnapshotChunk>) {
          // No id: a stream cut off during a snapshot resumes from where it was before (or starts over).
          return Frame("snapshot", SnapshotData(f), std::nullopt);
        } else if constexpr (std::is_same_v<F, feed::Synced>) {
          ketenbeeld::v1::Synced synced;
          synced.set_revision(f.revision);
          *synced.mutable_server_time() = ToProtoTime(f.server_time);
          return Frame("synced", ToJson(synced), f.revision);
        } else if constexpr (std::is_same_v<F, feed::Events>) {
          std::string data = "{\"events\":[";
          for (size_t i = 0; i < f.events.size(); ++i) {
            absl::StrAppend(&data, i == 0 ? "" : ",", *deps_.json_cache.Get(f.events[i], grant_.viewer));
          }
          data += "]}";
          return Frame("events", data, f.revision);
        } else if constexpr (std::is_same_v<F, feed::Heartbeat>) {
          ketenbeeld::v1::Heartbeat heartbeat;
          heartbeat.set_revision(f.revision);
          *heartbeat.mutable_server_time() = ToProtoTime(f.server_time);
          return Frame("heartbeat", ToJson(heartbeat), f.revision);
        } else {
          static_assert(std::is_same_v<F, feed::End>);
          return EndFrame(f.status);
        }
      },
      frame);
}

std::optional<std::string> EventStream::NextFrame() {
  if (ended_) return std::nullopt;
  if (std::optional<absl::Status> end = EndRequested(); end.has_value()) return EndFrame(*end);
  {
    absl::MutexLock lock(&mu_);
    woken_ = false;  // Before Next(): a publish after this point keeps SuspendUnlessWoken() from suspending.
  }
  if (std::optional<feed::FeedFrame> frame = session_.Next(shared_from_this()); frame.has_value()) {
    return Encode(*frame);
  }
  // Caught up, and parked in the hub: its next wake (a publish, or the wake interval, when the session decides
  // whether a heartbeat is due) resumes the stream.
  return std::nullopt;
}

}  // namespace ketenbeeld::http
