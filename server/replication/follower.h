// A follower's loop: reads the region's log from etcd and applies each group through the committer
// (Committer::SubmitReplicated), so this member's store, picture and feeds follow the leader's. See
// docs/replication.md.
//
// It ranges over <prefix>log/ from the member's applied revision + 1, then watches the prefix from the range's etcd
// revision + 1 (so nothing between the two is missed), and starts over from the applied revision after any error (a
// gap, a compacted watch, a lost connection), at most once per retry interval. While it watches, it reads head
// every stall_check_interval: a watch that has not delivered, within one interval, what the log held at the previous
// check is stalled (its etcd member froze without closing the connection) and the loop starts over, on the etcd
// member that answered the read. A log whose next group is missing
// (trimmed below this member's revision) is reported in status() and retried; it needs a re-seed from a peer.
//
// Thread safety: Start, Stop and status may be called from any thread; Stop waits for the loop to end.
#ifndef KETENBEELD_SERVER_REPLICATION_FOLLOWER_H_
#define KETENBEELD_SERVER_REPLICATION_FOLLOWER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "etcd/client.h"
#include "server/pipeline/committer.h"
#include "server/replication/keyspace.h"

namespace ketenbeeld::replication {

// The commit group of a log entry (`value` of `key`), with its events read from its parts in etcd when it has any
// (keyspace.h). DATA_LOSS when the entry or a part does not parse, or the parts or events do not add up; the etcd
// read's error otherwise (the caller reads the log again).
absl::StatusOr<pipeline::ReplicatedGroup> ReadLogGroup(etcd::Client& client, const Keyspace& keys, std::string_view key,
                                                       std::string_view value);

class Follower {
 public:
  struct Options {
    // Groups read per Range call while catching up.
    int64_t range_limit = 64;
    // Pause after an error before reading the log again.
    absl::Duration retry_interval = absl::Milliseconds(200);
    // How often a watching follower reads head to check that its watch delivers (see the file comment).
    absl::Duration stall_check_interval = absl::Seconds(1);
  };
  // `client` and `committer` must outlive the follower.
  Follower(etcd::Client& client, Keyspace keys, pipeline::Committer& committer, Options options);
  ~Follower();  // Stop().
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Starts the loop (no-op when running).
  void Start();
  // Ends the loop and waits for it; a group being applied is applied first. Idempotent.
  void Stop();

  struct Status {
    bool running = false;
    // The region's log as last seen by this follower: its highest group's last revision (0: none seen).
    int64_t log_revision = 0;
    // The last error, OK when the last read succeeded.
    absl::Status error;
    // When this follower last heard from etcd: a read of the log or of head, or a watch response (InfinitePast:
    // never). While it follows well this is at most stall_check_interval ago; a member cut off from etcd serves an
    // ever older picture, and this says since when (docs/replication.md, "A follower cut off from etcd").
    absl::Time last_contact = absl::InfinitePast();
  };
  Status status() const;

 private:
  void Run();
  // One pass: catch up with Range, then watch until an error or Stop. Returns the error that ended it.
  absl::Status FollowOnce();
  // Applies one log value through the committer and waits for it.
  absl::Status Apply(std::string_view key, std::string_view value);
  bool stopping() const;
  // Records that etcd answered just now.
  void Contact();

  etcd::Client& client_;
  const Keyspace keys_;
  pipeline::Committer& committer_;
  const Options options_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Set by the watch's callbacks: the watch ended (error) and the loop must start over.
  bool watch_ended_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status watch_error_ ABSL_GUARDED_BY(mu_);
  int64_t log_revision_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  absl::Time last_contact_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::thread thread_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ketenbeeld::replication

#endif  // KETENBEELD_SERVER_REPLICATION_FOLLOWER_H_
