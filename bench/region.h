// A replicated region for the benchmark (docs/replication.md): a three-member etcd cluster (tests/support/
// etcd_cluster.h, with etcd's default raft timings) and three ketenbeeld-server members on 127.0.0.1, each a Peer
// (bench/peers.h) with its own data dir under the region's dir, on the same disk as every other case. The member
// that leads is read from the members' own logs ({"event":"leading"} / {"event":"stopped_leading"} of their current
// launch).
//
// Every process is a child of the harness and stopped by its pid: the members with SIGTERM (a leader resigns) and
// then the etcd members with SIGKILL, when the region is destroyed, also when Start fails half-way.
//
// Thread safety: none; use a region from the scenario's thread (the members' Peer calls that its header allows from
// any thread excepted: WriteReport, PublishReport, RawUnary).
#ifndef KETENBEELD_BENCH_REGION_H_
#define KETENBEELD_BENCH_REGION_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/peers.h"
#include "tests/support/etcd_cluster.h"

namespace ketenbeeld::bench {

struct RegionOptions {
  std::string etcd_binary;
  // Every member's Peer; listen_port and the replication flags are set per member.
  PeerOptions member;
  // The region's data (etcd's and every member's data dir, and etcd's logs); removed by the caller.
  std::string dir;
  int members = 3;
  // --lease_ttl of the members: how long a dead leader keeps the region from writing.
  absl::Duration lease_ttl = absl::Seconds(5);
};

class Region {
 public:
  // Starts etcd, then the members one by one (each serves reads before the next starts), and waits until one
  // leads. The first error, with the failing process's log tail; whatever was started is stopped.
  static absl::StatusOr<std::unique_ptr<Region>> Start(const RegionOptions& options);

  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;
  // Stops the members (SIGTERM, reaped), then etcd (SIGKILL, reaped).
  ~Region();

  int size() const { return static_cast<int>(members_.size()); }
  Peer& member(int i) { return *members_[i]; }
  const std::string& address(int i) const { return members_[i]->address(); }
  // Every member's address, "ip:port,ip:port,ip:port" (client::ChannelTarget's list of a region).
  std::string addresses() const;
  // The member whose address `peer` names (gRPC's ClientContext::peer(), "ipv4:127.0.0.1:port"); -1 when none.
  int MemberOf(const std::string& peer) const;

  // A running member whose current log says it leads, other than `other_than`; nullopt when none does.
  std::optional<int> Leader(int other_than = -1) const;
  // Polls Leader() every 5 ms until one leads; DEADLINE_EXCEEDED with the members' log tails after `timeout`.
  absl::StatusOr<int> WaitForLeader(absl::Duration timeout, int other_than = -1) const;

  // kill -9 of member i, reaped.
  void Kill(int i);
  bool running(int i) const { return running_[i]; }
  // Starts a killed member again on its data dir and port; returns the time from exec to its first read served.
  absl::StatusOr<absl::Duration> Restart(int i);

 private:
  Region() = default;

  std::unique_ptr<testing::EtcdCluster> etcd_;  // Declared first: destroyed after the members.
  std::vector<std::unique_ptr<Peer>> members_;
  std::vector<bool> running_;
};

}  // namespace ketenbeeld::bench

#endif  // KETENBEELD_BENCH_REGION_H_
