// A replicated region for the system tests: three real etcd members (tests/support/etcd_cluster.h) and N real
// ketenbeeld-server members on free loopback ports, each with its own data directory, joined through
// --etcd_endpoints, with a short lease so that failovers take about two seconds. The member that leads is read from
// the members' own logs ({"event":"leading"} / {"event":"stopped_leading"} since their last start).
//
// With Options::etcd_through_forwarders each member reaches every etcd member through its own TcpForwarder
// (tests/support/tcp_forwarder.h), so that a test can cut one server off from etcd (CutFromEtcd) while the others and
// etcd go on, and reconnect it (RestoreEtcd).
//
// Thread safety: none; use from the test's main thread. Every process is stopped by pid when the region is destroyed.
#ifndef KETENBEELD_TESTS_SYSTEM_REPLICATED_REGION_H_
#define KETENBEELD_TESTS_SYSTEM_REPLICATED_REGION_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/tcp_forwarder.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {

class ReplicatedRegion {
 public:
  struct Options {
    int members = 3;
    absl::Duration lease_ttl = absl::Seconds(2);
    // Extra flags for every member.
    std::vector<std::string> extra_args{};
    // More flags for member i (after extra_args), for the first member_args.size() members.
    std::vector<std::vector<std::string>> member_args{};
    // The etcd cluster (three members; a tiny quota_backend_bytes for the NOSPACE test).
    EtcdClusterOptions etcd{.members = 3};
    // Each member's --etcd_endpoints name its own forwarders to the etcd members instead of etcd itself.
    bool etcd_through_forwarders = false;
  };
  // Starts etcd and the members under `dir`; waits until one member leads.
  static absl::StatusOr<std::unique_ptr<ReplicatedRegion>> Start(const std::string& dir, Options options);

  EtcdCluster& etcd() { return *etcd_; }
  int size() const { return static_cast<int>(members_.size()); }
  // Null while member i is killed.
  ServerProcess* member(int i) { return members_[i].process.get(); }
  const std::string& address(int i) const { return members_[i].address; }
  // Every member's address, "ip:port,ip:port,..." (client::ChannelTarget).
  std::string addresses() const;

  // The member that leads now (a running one whose log says so since its last start), other than `other_than` (a
  // frozen or cut-off member whose log still says it leads); nullopt when none does.
  std::optional<int> Leader(int other_than = -1) const;
  // Waits until a running member other than `other_than` leads; returns it. DEADLINE_EXCEEDED with the members' logs
  // otherwise.
  absl::StatusOr<int> WaitForLeader(absl::Duration timeout, int other_than = -1) const;

  // Starts one more member (the next index) with `args` after Options::extra_args, once a member leads, so that it
  // follows; returns its index.
  absl::StatusOr<int> AddMember(std::vector<std::string> args);

  // SIGKILL, and reap.
  void Kill(int i);
  // Starts member i again on its data directory and address.
  absl::Status Restart(int i);

  // With etcd_through_forwarders: cuts member i off from every etcd member (see TcpForwarder::CutMode), and
  // reconnects it. No-ops without.
  void CutFromEtcd(int i, TcpForwarder::CutMode mode);
  void RestoreEtcd(int i);
  // With etcd_through_forwarders: member i's forwarders, one per etcd member (empty without).
  std::vector<TcpForwarder*> EtcdForwarders(int i) const;

 private:
  struct Member {
    std::string address;
    std::string data_dir;
    std::string log_path;
    std::string member_id;
    // Flags of this member only (Options::member_args, AddMember).
    std::vector<std::string> args;
    size_t log_offset = 0;  // Where the current life's lines start in log_path.
    std::unique_ptr<ServerProcess> process;
    // With etcd_through_forwarders: one per etcd member, this member's only way to etcd.
    std::vector<std::unique_ptr<TcpForwarder>> etcd_forwarders;
  };
  ReplicatedRegion() = default;
  // Adds member i's ports, directories and forwarders (not started).
  absl::Status PrepareMember(std::string dir, std::vector<std::string> args);
  absl::Status StartMember(int i);

  Options options_;
  std::string dir_;
  std::unique_ptr<EtcdCluster> etcd_;
  std::vector<Member> members_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SYSTEM_REPLICATED_REGION_H_
