#include "server/http/event_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "server/http/json_api.h"

namespace ketenbeeld::http {

std::shared_ptr<const std::string> EventJsonCache::Get(const pipeline::EventPtr& event, const policy::Viewer& viewer) {
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

EventStream::EventStream(StreamDependencies dependencies, const StreamOptions& options, domain::CompiledFilter filter,
                         operations::Operations::FeedGrant grant)
    : deps_(dependencies),
      options_(options),
      filter_(std::move(filter)),
      grant_(std::move(grant)),
      last_frame_time_(absl::Now()) {}

std::shared_ptr<EventStream> EventStream::Start(StreamDependencies dependencies, const StreamOptions& options,
                                                domain::CompiledFilter filter, int64_t from_revision,
                                                operations::Operations::FeedGrant grant) {
  auto stream = std::make_shared<EventStream>(dependencies, options, std::move(filter), std::move(grant));
  const int64_t head = dependencies.hub.head();
  const int64_t compacted = dependencies.store.compacted_revision();
  if (from_revision < 0) {
    stream->start_error_ = absl::InvalidArgumentError(absl::StrCat("from_revision: must be >= 0, got ", from_revision));
  } else if (from_revision > head) {
    stream->start_error_ = absl::OutOfRangeError(
        absl::StrCat("from_revision: ", from_revision, " is ahead of the server's latest revision ", head));
  } else if (from_revision == 0) {
    stream->BeginSnapshot();
  } else if (from_revision < compacted) {
    // Events after the resume point are gone: say so explicitly, then start over with a snapshot.
    stream->reset_revision_ = compacted;
    stream->BeginSnapshot();
  } else {
    stream->cursor_ = from_revision;
    stream->phase_ = Phase::kSynced;
  }
  return stream;
}

void EventStream::BeginSnapshot() {
  pipeline::Picture::Snapshot snapshot = deps_.picture.Take(filter_);
  snapshot_ = std::move(snapshot.records);
  snapshot_sent_ = 0;
  snapshot_chunk_sent_ = false;
  cursor_ = snapshot.revision;
  phase_ = Phase::kSnapshot;
}

void EventStream::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void EventStream::End(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (!end_status_.has_value()) end_status_ = status;
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
    absl::StrAppend(&frame, "retry: ", absl::ToInt64Milliseconds(options_.reconnect_delay), "\n");
    first_frame_ = false;
  }
  if (id.has_value()) absl::StrAppend(&frame, "id: ", *id, "\n");
  // JSON from the printer is one line (newlines inside strings are escaped), so one `data:` field holds it.
  absl::StrAppend(&frame, "event: ", event, "\ndata: ", data, "\n\n");
  last_frame_time_ = absl::Now();
  return frame;
}

std::string EventStream::EndFrame(const absl::Status& status) {
  phase_ = Phase::kEnded;
  return Frame("end", ToHttpError(status).body, std::nullopt);
}

std::string EventStream::HeartbeatFrame() {
  ketenbeeld::v1::Heartbeat heartbeat;
  heartbeat.set_revision(cursor_);
  *heartbeat.mutable_server_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
  return Frame("heartbeat", ToJson(heartbeat), cursor_.load());
}

std::string EventStream::SnapshotFrame() {
  // SnapshotChunk{revision, records} assembled from each record's JSON, without copying the records into a message.
  std::string data = absl::StrCat("{\"revision\":\"", cursor_.load(), "\",\"records\":[");
  size_t bytes = 0;
  bool first = true;
  while (snapshot_sent_ < snapshot_.size() &&
         (first || bytes + snapshot_[snapshot_sent_]->wire.size() <= options_.max_message_bytes)) {
    const pipeline::RecordPtr& record = snapshot_[snapshot_sent_++];
    bytes += record->wire.size();
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
  snapshot_chunk_sent_ = true;
  return Frame("snapshot", data, std::nullopt);
}

std::optional<std::string> EventStream::NextFrame() {
  if (phase_ == Phase::kEnded) return std::nullopt;
  if (std::optional<absl::Status> end = EndRequested(); end.has_value()) return EndFrame(*end);
  if (start_error_.has_value()) return EndFrame(*start_error_);
  if (reset_revision_ >= 0) {
    ketenbeeld::v1::Reset reset;
    reset.set_compacted_revision(reset_revision_);
    reset_revision_ = -1;
    return Frame("reset", ToJson(reset), std::nullopt);
  }
  switch (phase_) {
    case Phase::kSnapshot:
      // Always at least one chunk, so a client can tell "the snapshot is empty" from "no snapshot".
      if (snapshot_sent_ < snapshot_.size() || !snapshot_chunk_sent_) return SnapshotFrame();
      snapshot_.clear();
      snapshot_.shrink_to_fit();
      [[fallthrough]];
    case Phase::kSynced: {
      phase_ = Phase::kLive;
      ketenbeeld::v1::Synced synced;
      synced.set_revision(cursor_);
      return Frame("synced", ToJson(synced), cursor_.load());
    }
    case Phase::kLive:
      return NextLiveFrame();
    case Phase::kEnded:
      break;
  }
  return std::nullopt;
}

std::string EventStream::NextLiveFrame() {
  int rounds = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      woken_ = false;  // Before Next(): a publish after this point wakes the wait below.
    }
    absl::StatusOr<pipeline::Hub::Batch> batch =
        deps_.hub.Next(cursor_, filter_, options_.max_message_bytes, shared_from_this());
    if (!batch.ok()) {
      if (absl::IsFailedPrecondition(batch.status())) {
        // Fell behind the retained log: reset and start over from a snapshot.
        reset_revision_ = deps_.store.compacted_revision();
        BeginSnapshot();
        return *NextFrame();
      }
      return EndFrame(batch.status());
    }
    if (!batch->events.empty()) {
      std::string data = "{\"events\":[";
      for (size_t i = 0; i < batch->events.size(); ++i) {
        absl::StrAppend(&data, i == 0 ? "" : ",", *deps_.json_cache.Get(batch->events[i], grant_.viewer));
      }
      data += "]}";
      cursor_ = batch->last_revision;
      return Frame("events", data, cursor_.load());
    }
    if (batch->last_revision != cursor_) {
      // Nothing matched in this stretch; move on, and report progress after a while so each frame stays cheap.
      cursor_ = batch->last_revision;
      if (++rounds >= options_.max_scan_rounds) return HeartbeatFrame();
      continue;
    }
    // Caught up, and parked in the hub: wait for a publish, the heartbeat time or End().
    rounds = 0;
    const absl::Time heartbeat_due = last_frame_time_ + options_.heartbeat_interval;
    bool woken = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return woken_ || end_status_.has_value(); };
      woken = mu_.AwaitWithDeadline(absl::Condition(&ready), heartbeat_due);
      if (end_status_.has_value()) return EndFrame(*end_status_);
    }
    if (!woken) return HeartbeatFrame();
  }
}

}  // namespace ketenbeeld::http
