// A local copy of (a filtered part of) the picture, built from a Subscribe stream.
//
// Feed every SubscribeResponse of a subscription to Apply(), in order. The replica follows the protocol of
// PictureService.Subscribe:
//   snapshot chunks (collected aside) -> synced{R} (the collected snapshot replaces the records; revision R)
//   -> event batches (put/delete by record name) with heartbeats in between (advance the bookmark)
//   reset{C} drops everything; a fresh snapshot follows.
// A resumed subscription (from_revision = N) starts with synced{N} and no snapshot: the records are kept.
//
// Revisions are checked: every event must be newer than everything seen before (events, synced, heartbeats). A
// duplicate or out-of-order revision is an error, never silently applied. Gaps cannot be seen on a filtered feed
// (events that do not match are skipped by design), so they are only checked when the caller says the feed is
// complete (ReplicaOptions::expect_contiguous_revisions).
//
// Thread safety: not thread-safe; use from one thread (or guard externally).
#ifndef KETENBEELD_CLIENT_REPLICA_H_
#define KETENBEELD_CLIENT_REPLICA_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"

namespace ketenbeeld::client {

struct ReplicaOptions {
  // The feed carries every revision of the log (no filter, and a caller allowed to see everything): then each
  // event must be exactly one after the last revision seen, and a skipped revision is reported as a gap.
  bool expect_contiguous_revisions = false;
};

class Replica {
 public:
  explicit Replica(ReplicaOptions options = {});

  // Applies one message of the stream. Returns:
  //   OK                  applied.
  //   DataLoss            a revision gap (only with expect_contiguous_revisions) or a duplicate / out-of-order
  //                       revision; the message says which revisions.
  //   FailedPrecondition  a message that the protocol does not allow at this point (events or a heartbeat before
  //                       the first synced, a synced whose revision does not match the snapshot or the resume
  //                       point, snapshot chunks of different revisions, an event without a type or name).
  // On error the replica is unchanged (a batch is checked whole before any of it is applied); the caller should
  // discard it and subscribe afresh from revision 0.
  absl::Status Apply(const v1::SubscribeResponse& message);

  // A new stream of the same subscription has started (Feed reports ConnectionEvent::kReconnected just before
  // its first message): a snapshot that the broken stream left half-delivered is discarded, since the new stream
  // either resumes (synced{N}) or starts a fresh snapshot, possibly at another revision. Records and the resume
  // bookmark are kept.
  void OnNewStream();

  // True once a synced marker has arrived (and no reset since): records() is then a consistent picture.
  bool is_synced() const { return state_ == State::kLive; }

  // The revision the records reflect: the last synced or event revision; 0 before the first synced.
  int64_t revision() const { return revision_; }

  // The resume point for Subscribe(from_revision): the highest revision this replica has seen complete, from
  // synced, events and heartbeats. 0 means "start with a snapshot" (before the first synced, and after a reset).
  int64_t last_seen_revision() const { return last_seen_revision_; }

  // The records, ordered by name. Valid while is_synced(); references are invalidated by the next Apply().
  const std::map<std::string, v1::Record>& records() const { return records_; }

  // The record with this name, or nullptr.
  const v1::Record* Find(const std::string& name) const;

  // The compacted revision of the last reset, or 0 when none arrived.
  int64_t last_reset_compacted_revision() const { return last_reset_compacted_revision_; }

 private:
  enum class State {
    kAwaitingSnapshot,  // New, or after a reset: a snapshot (or, for a resume, a synced) must come first.
    kSnapshotting,      // Collecting chunks at snapshot_revision_.
    kLive,              // Synced: events apply to records_.
  };

  absl::Status ApplySnapshotChunk(const v1::SnapshotChunk& chunk);
  absl::Status ApplySynced(const v1::Synced& synced);
  absl::Status ApplyEvents(const v1::EventBatch& batch);
  absl::Status ApplyHeartbeat(const v1::Heartbeat& heartbeat);
  void ApplyReset(const v1::Reset& reset);

  ReplicaOptions options_;
  State state_ = State::kAwaitingSnapshot;
  std::map<std::string, v1::Record> records_;
  std::map<std::string, v1::Record> pending_snapshot_;
  int64_t snapshot_revision_ = 0;
  int64_t revision_ = 0;
  int64_t last_seen_revision_ = 0;
  int64_t last_reset_compacted_revision_ = 0;
  // True when some synced has been applied since construction or the last reset (the resume case needs one).
  bool ever_synced_ = false;
};

}  // namespace ketenbeeld::client

#endif  // KETENBEELD_CLIENT_REPLICA_H_
