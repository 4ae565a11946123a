// Re-seeding a member that fell behind the trimmed log (docs/replication.md, "Trimming and re-seeding").
//
// The leader keeps only the newest revisions of the region's log in etcd (MemberOptions::log_retention_revisions). A
// member whose store ends before the log's first group can no longer follow: it needs a copy of a peer's store.
//   - CheckpointSender (MemberService.FetchCheckpoint, on every member) makes a RocksDB checkpoint of the store
//     (storage::Store::Backup) next to the data directory and streams its files; the checkpoint is removed after.
//   - ReseedIfBehind runs when a replicated member starts, before it opens its store: when the store (or a new,
//     empty data directory) ends before the log's first group, it fetches the leader's checkpoint into
//     <data_dir>/.reseed, checks that it opens and reaches the log, marks it complete, and then replaces the
//     database's files in <data_dir> with the checkpoint's (CURRENT last). Markers make this restartable: a crash
//     at any step is finished (or, before the checkpoint was complete, discarded) by the next start. The member's own
//     files that are not the database's (the audit trail and its rotations, the published figures) stay: they record
//     this member's history, not the region's. Everything happens inside the data directory, which is all a
//     hardened service may write (systemd's StateDirectory, a Kubernetes volume).
// A running member that falls behind (Member::Monitor) exits with code 75 for its supervisor to restart it, and the
// start re-seeds.
//
// Thread safety: CheckpointSender is a gRPC reactor (one per call); ReseedIfBehind is a plain function.
#ifndef KETENBEELD_SERVER_REPLICATION_RESEED_H_
#define KETENBEELD_SERVER_REPLICATION_RESEED_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "ketenbeeld/server/v1/replication.grpc.pb.h"
#include "server/replication/member.h"
#include "storage/store.h"

namespace ketenbeeld::replication {

// Where MemberServiceImpl makes the checkpoints it sends: "<data_dir>/.checkpoint" + "-<pid>-<n>".
std::string CheckpointStagingPrefix(const std::string& data_dir);

// Files of the data directory that belong to RocksDB (and are replaced by a re-seed); every other file is the
// member's own and is kept.
bool IsDatabaseFile(absl::string_view name);

// Streams a checkpoint of `store` (FetchCheckpoint). The checkpoint is made in "<staging_prefix>-<n>" (next to the
// data directory, so RocksDB hard-links instead of copying) on the sender's own thread, never on gRPC's, and removed
// once sent or cancelled. At most one at a time per process: RESOURCE_EXHAUSTED for a second one. `on_made`, if
// set, is called with the checkpoint's revision once it is made, before it is sent (Member::HoldTrimForCheckpoint).
grpc::ServerWriteReactor<server::v1::CheckpointChunk>* StartCheckpointSender(
    const storage::Store& store, std::string staging_prefix, std::function<void(int64_t)> on_made = nullptr);

// A FetchCheckpoint call answered with `status` and no checkpoint.
grpc::ServerWriteReactor<server::v1::CheckpointChunk>* RefuseCheckpoint(const grpc::Status& status);

// What ReseedIfBehind did.
struct ReseedOutcome {
  bool reseeded = false;
  int64_t local_revision = 0;       // The store's last revision before (and, when not re-seeded, now).
  int64_t log_first_revision = 0;   // The log's first group's first revision (0: an empty log).
  int64_t checkpoint_revision = 0;  // With `reseeded`: the revision the data directory holds now.
};

// Replaces the database in `data_dir` with the leader's checkpoint when the store ends before the log's first
// group. Waits up to `leader_wait` for a leader to be elected. Errors: UNAVAILABLE when etcd or the leader cannot be
// reached or no leader is elected in time (nothing changed); DATA_LOSS when the checkpoint does not open or does not
// reach the log; INTERNAL when a file cannot be written or moved (the message names it). The member's own data
// directory is left as it was on any error.
absl::StatusOr<ReseedOutcome> ReseedIfBehind(const MemberOptions& options, const std::string& data_dir,
                                             absl::Duration leader_wait = absl::Seconds(30));

}  // namespace ketenbeeld::replication

#endif  // KETENBEELD_SERVER_REPLICATION_RESEED_H_
