// The seam between the committer and a replicated commit log (replicated mode; server/replication implements it
// on etcd, docs/replication.md).
//
// In replicated mode the leader's committer appends every commit group to the replicated log, and only after the
// append has succeeded does it write the group to its store, apply, publish or acknowledge it. Followers read the
// log and hand each group to Committer::SubmitReplicated, which applies it through the same path. So every member's
// store is a prefix of the log, and the events are byte-identical on every member.
#ifndef KETENBEELD_SERVER_PIPELINE_REPLICATED_LOG_H_
#define KETENBEELD_SERVER_PIPELINE_REPLICATED_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace ketenbeeld::pipeline {

// One commit group as the log holds it: the serialized ketenbeeld.v1.Event of each revision from first_revision to
// last_revision, exactly as the leader's committer serialized them.
struct ReplicatedGroup {
  int64_t first_revision = 0;
  int64_t last_revision = 0;
  absl::Time commit_time;
  std::vector<std::string> events;
};

class ReplicatedLog {
 public:
  virtual ~ReplicatedLog() = default;

  // Makes the group durable in the log. Called only by the committer thread, one group at a time, with
  // first_revision one past the last group this member has applied. `events` are the serialized events, revision
  // order; they stay valid until the call returns.
  //
  // OK: the group is durable in the log. Any error: nothing of the group is written by this member from now on;
  // the committer writes nothing locally and hands the error to the group's callers, so the message must say what
  // the caller should do. UNAVAILABLE when this member is not (or no longer) the leader, names the leader if known;
  // UNAVAILABLE when the log cannot be reached and the group is certainly not durable; UNAVAILABLE "outcome unknown"
  // when it could not be settled (the member then stops leading, and its follower loop applies the group if it
  // turns out durable); RESOURCE_EXHAUSTED when the log is out of space.
  virtual absl::Status Append(int64_t first_revision, int64_t last_revision, absl::Time commit_time,
                              const std::vector<std::string_view>& events) = 0;

  // Whether this member leads (may append) right now. Any thread; a hint (leadership can end at any moment, and
  // Append refuses then).
  virtual bool leading() const = 0;
};

}  // namespace ketenbeeld::pipeline

#endif  // KETENBEELD_SERVER_PIPELINE_REPLICATED_LOG_H_
