// Where a replicated region keeps its state in etcd (../shared/SCALE-OUT.md section 1, docs/replication.md):
//   <prefix>election         etcd's election: the leader's key, its value the leader's advertised gRPC address
//   <prefix>log/<16 hex>     one commit group (ketenbeeld.server.v1.LogGroup) under its first revision, fixed-width
//                            lower-case hex, so that keys sort as revisions do
//   <prefix>head             the last committed revision, decimal; its mod revision is the leader's second fence
//   <prefix>parts/<16 hex first>/<16 hex term>/<8 hex index>
//                            the events of a group too large for one etcd request, in parts (a LogGroup with only
//                            `events`), written by the leader of that term before the group's log key, which then
//                            holds no events and says how many parts there are
// The prefix is "/ketenbeeld/<safety region>/" unless configured otherwise.
#ifndef KETENBEELD_SERVER_REPLICATION_KEYSPACE_H_
#define KETENBEELD_SERVER_REPLICATION_KEYSPACE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ketenbeeld::replication {

class Keyspace {
 public:
  explicit Keyspace(std::string prefix) : prefix_(std::move(prefix)) {}

  const std::string& prefix() const { return prefix_; }
  std::string election() const { return prefix_ + "election"; }
  std::string head() const { return prefix_ + "head"; }
  std::string log_prefix() const { return prefix_ + "log/"; }
  std::string LogKey(int64_t first_revision) const;
  std::string parts_prefix() const { return prefix_ + "parts/"; }
  // The parts of the group at `first_revision` written in leader term `term`: every key under it.
  std::string PartsPrefix(int64_t first_revision, int64_t term) const;
  std::string PartKey(int64_t first_revision, int64_t term, int index) const;
  // The first key of every part of groups from `first_revision` on (for deleting those below it).
  std::string PartsFrom(int64_t first_revision) const;
  // The first revision named by a log key; nullopt when `key` is not one.
  std::optional<int64_t> LogKeyRevision(std::string_view key) const;

 private:
  std::string prefix_;
};

}  // namespace ketenbeeld::replication

#endif  // KETENBEELD_SERVER_REPLICATION_KEYSPACE_H_
