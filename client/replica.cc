#include "client/replica.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ketenbeeld::client {

Replica::Replica(ReplicaOptions options) : options_(options) {}

const v1::Record* Replica::Find(const std::string& name) const {
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : &it->second;
}

void Replica::OnNewStream() {
  if (state_ != State::kSnapshotting) return;
  pending_snapshot_.clear();
  snapshot_revision_ = 0;
  state_ = ever_synced_ ? State::kLive : State::kAwaitingSnapshot;
}

absl::Status Replica::Apply(const v1::SubscribeResponse& message) {
  switch (message.kind_case()) {
    case v1::SubscribeResponse::kSnapshot:
      return ApplySnapshotChunk(message.snapshot());
    case v1::SubscribeResponse::kSynced:
      return ApplySynced(message.synced());
    case v1::SubscribeResponse::kEvents:
      return ApplyEvents(message.events());
    case v1::SubscribeResponse::kHeartbeat:
      return ApplyHeartbeat(message.heartbeat());
    case v1::SubscribeResponse::kReset:
      ApplyReset(message.reset());
      return absl::OkStatus();
    case v1::SubscribeResponse::KIND_NOT_SET:
      break;
  }
  // A message kind added to the API after this client was built: nothing to apply, and nothing lost by skipping.
  return absl::OkStatus();
}

absl::Status Replica::ApplySnapshotChunk(const v1::SnapshotChunk& chunk) {
  if (state_ == State::kSnapshotting && chunk.revision() != snapshot_revision_) {
    return absl::FailedPreconditionError(absl::StrCat("snapshot chunk at revision ", chunk.revision(),
                                                      " within a snapshot at revision ", snapshot_revision_));
  }
  if (state_ != State::kSnapshotting) {
    // The first chunk of a snapshot. While live, a snapshot replaces the records only when its synced arrives, so
    // readers keep a consistent (older) picture in the meantime.
    state_ = State::kSnapshotting;
    snapshot_revision_ = chunk.revision();
    pending_snapshot_.clear();
  }
  for (const v1::Record& record : chunk.records()) pending_snapshot_[record.name()] = record;
  return absl::OkStatus();
}

absl::Status Replica::ApplySynced(const v1::Synced& synced) {
  if (state_ == State::kSnapshotting) {
    if (synced.revision() != snapshot_revision_) {
      return absl::FailedPreconditionError(
          absl::StrCat("synced at revision ", synced.revision(), " after a snapshot at revision ", snapshot_revision_));
    }
    records_ = std::move(pending_snapshot_);
    pending_snapshot_.clear();
  } else if (ever_synced_ && synced.revision() != last_seen_revision_) {
    // A resume: the server must confirm exactly the revision we resumed from.
    return absl::FailedPreconditionError(absl::StrCat("synced at revision ", synced.revision(),
                                                      " without a snapshot, but the last revision seen is ",
                                                      last_seen_revision_));
  }
  // Otherwise: the first message of a subscription resumed from a revision given by the caller (no local state):
  // the replica then holds only what changes after it.
  state_ = State::kLive;
  ever_synced_ = true;
  revision_ = synced.revision();
  last_seen_revision_ = synced.revision();
  return absl::OkStatus();
}

absl::Status Replica::ApplyEvents(const v1::EventBatch& batch) {
  if (state_ != State::kLive) {
    return absl::FailedPreconditionError(state_ == State::kSnapshotting ? "events in the middle of a snapshot"
                                                                        : "events before synced");
  }
  // Check the whole batch first so that a bad batch leaves the replica as it was.
  int64_t previous = last_seen_revision_;
  for (const v1::Event& event : batch.events()) {
    if (event.revision() <= previous) {
      return absl::DataLossError(absl::StrCat(event.revision() == previous ? "duplicate" : "out-of-order",
                                              " event revision ", event.revision(), " after revision ", previous));
    }
    if (options_.expect_contiguous_revisions && event.revision() != previous + 1) {
      return absl::DataLossError(absl::StrCat("revision gap: event ", event.revision(), " after revision ", previous,
                                              " (missing ", previous + 1, "..", event.revision() - 1, ")"));
    }
    if (event.type() != v1::EVENT_TYPE_PUT && event.type() != v1::EVENT_TYPE_DELETE) {
      return absl::FailedPreconditionError(absl::StrCat("event ", event.revision(), " has no put/delete type"));
    }
    if (event.record().name().empty()) {
      return absl::FailedPreconditionError(absl::StrCat("event ", event.revision(), " has no record name"));
    }
    previous = event.revision();
  }
  for (const v1::Event& event : batch.events()) {
    if (event.type() == v1::EVENT_TYPE_PUT) {
      records_[event.record().name()] = event.record();
    } else {
      records_.erase(event.record().name());
    }
  }
  if (batch.events_size() > 0) {
    revision_ = previous;
    last_seen_revision_ = previous;
  }
  return absl::OkStatus();
}

absl::Status Replica::ApplyHeartbeat(const v1::Heartbeat& heartbeat) {
  if (state_ != State::kLive) return absl::FailedPreconditionError("heartbeat before synced");
  // A heartbeat says every matching event up to its revision has been sent. One older than what we have seen
  // carries no news (the bookmark never moves back).
  if (heartbeat.revision() > last_seen_revision_) last_seen_revision_ = heartbeat.revision();
  return absl::OkStatus();
}

void Replica::ApplyReset(const v1::Reset& reset) {
  records_.clear();
  pending_snapshot_.clear();
  state_ = State::kAwaitingSnapshot;
  ever_synced_ = false;
  snapshot_revision_ = 0;
  revision_ = 0;
  last_seen_revision_ = 0;
  last_reset_compacted_revision_ = reset.compacted_revision();
}

}  // namespace ketenbeeld::client
