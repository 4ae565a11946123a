// The replicated commit log on etcd: the leader's side (pipeline::ReplicatedLog). See docs/replication.md.
//
// Append makes one commit group durable with one fenced etcd transaction:
//   If   CreateRevision(<leader key>) == term        (this member still leads: etcd's election fence)
//   And  ModRevision(<prefix>head) == head_mod       (nobody else moved the log since this member last wrote)
//   And  CreateRevision(<prefix>log/<first>) == 0    (the group's key is new)
//   Then Put(<prefix>log/<first>, group), Put(<prefix>head, last)
// etcd evaluates it in Raft order, so a deposed leader can no longer write, whatever it believes. A group larger than
// max_entry_bytes first writes its events as parts (keyspace.h), each with the leadership fence, and its log key then
// names how many there are: the group is committed by its own transaction alone, as any other.
//
// A transaction whose outcome is unknown (a timeout, a lost connection) is settled with a compare-and-set on head,
// fenced by the leadership like the append (If CreateRevision(<leader key>) == term And ModRevision(head) ==
// head_mod Then Put(head, unchanged)): when it succeeds the lost transaction can never apply, and the callers learn
// that nothing was written. When it fails, the group's key says whether the group is durable: then the write
// succeeded (also when another member leads by now: this one then stops leading). When it is not, this member either
// no longer leads (the lost transaction's own fence fails too: nothing was written) or head was moved by someone
// else; it stops leading either way. The fence keeps a deposed member from moving head under a new leader, whose
// next append would then fail. When even that cannot be settled, this member stops leading; its follower loop then
// applies the group if it turns out durable.
//
// Thread safety: Append is called by the committer thread only; Lead, StepDown and the accessors from any thread.
#ifndef KETENBEELD_SERVER_REPLICATION_ETCD_LOG_H_
#define KETENBEELD_SERVER_REPLICATION_ETCD_LOG_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "etcd/client.h"
#include "server/observability/observers.h"
#include "server/pipeline/replicated_log.h"
#include "server/replication/keyspace.h"

namespace ketenbeeld::replication {

class EtcdLog final : public pipeline::ReplicatedLog {
 public:
  struct Options {
    // The deadline of the group's transaction, and of each attempt to settle an unknown outcome.
    absl::Duration timeout = absl::Seconds(2);
    // Attempts to settle an unknown outcome before this member stops leading.
    int settle_attempts = 3;
    // Called (on the committer thread) when Append finds that this member no longer leads or has stopped leading
    // because an outcome could not be settled. Must not block.
    std::function<void(absl::Status)> on_lost{};
    // The current leader's address for refusals ("" when unknown). Must not block.
    std::function<std::string()> leader_address{};
    // Told of every append's latency and outcome; null: none. Must outlive the log.
    observability::ReplicationObserver* observer = nullptr;
    // A group whose entry would be larger goes to etcd in parts of at most this size (keyspace.h), each in its own
    // fenced transaction before the group's own. Below etcd's --max-request-bytes (1.5 MiB by default).
    size_t max_entry_bytes = size_t{1} << 20;
  };

  // `client` must outlive the log.
  EtcdLog(etcd::Client& client, Keyspace keys, Options options);

  // From now on Append writes as the leader whose key is `leader_key`, created at etcd revision `term`, continuing a
  // log whose head is `head` (0: empty) at etcd mod revision `head_mod_revision` (0: no head key yet).
  void Lead(std::string leader_key, int64_t term, int64_t head, int64_t head_mod_revision);
  // Append refuses from now on (a transaction in flight is decided by etcd's fence).
  void StepDown();
  bool leading() const override;

  absl::Status Append(int64_t first_revision, int64_t last_revision, absl::Time commit_time,
                      const std::vector<std::string_view>& events) override;

  // What Trim did.
  struct Trimmed {
    // The first revision the log holds now (the first revision of its first group); 0 when the log is empty.
    int64_t first_revision = 0;
    // Groups deleted; 0 when there was nothing below the kept group.
    int64_t groups_deleted = 0;
    // etcd's revision after the deletion: compacting etcd's history up to it frees the deleted groups' space.
    int64_t etcd_revision = 0;
  };
  // Deletes the groups wholly below `keep_from` (the group holding `keep_from` and every later one stay), with one
  // transaction fenced by this member's leadership, like Append. Any thread. UNAVAILABLE when this member does not
  // lead (or no longer, by etcd's fence) or etcd cannot be reached; nothing is deleted then.
  absl::StatusOr<Trimmed> Trim(int64_t keep_from);

 private:
  absl::Status AppendAsLeader(int64_t first_revision, int64_t last_revision, absl::Time commit_time,
                              const std::vector<std::string_view>& events);
  struct Term {
    std::string leader_key;
    int64_t term = 0;
    int64_t head = 0;
    int64_t head_mod_revision = 0;
  };
  // Writes the events of a group too large for one request as parts; returns how many. Errors as Append's.
  absl::StatusOr<int> WriteParts(const Term& term, int64_t first_revision, const std::vector<std::string_view>& events);
  // Settles a transaction whose outcome is unknown. OK when the group proved durable.
  absl::Status Settle(const Term& term, int64_t first_revision, int64_t last_revision, const std::string& group);
  // Stops leading and tells the member; returns `refusal` for the callers.
  absl::Status Lose(absl::Status refusal);
  absl::Status NotLeading() const;

  etcd::Client& client_;
  const Keyspace keys_;
  const Options options_;

  mutable absl::Mutex mu_;
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
  Term term_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ketenbeeld::replication

#endif  // KETENBEELD_SERVER_REPLICATION_ETCD_LOG_H_
