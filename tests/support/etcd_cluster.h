// A real etcd cluster for tests: 1 or 3 members of /usr/bin/etcd (Debian's etcd-server, 3.4) as child processes on
// free loopback ports (client and peer URLs on 127.0.0.1 only), each with its own data directory under a temporary
// directory. Small raft timings (heartbeat 50 ms, election 500 ms) so that failovers take well under a second, no
// automatic compaction, and optional limits (--quota-backend-bytes, --max-request-bytes) for the tests of etcd's
// errors. The destructor kills (SIGKILL) and reaps every process it started, by pid, paused ones included.
//
// Tests skip when etcd is not installed: `if (!EtcdCluster::Available()) GTEST_SKIP() << EtcdCluster::kMissing;`.
// The benchmark's replicated-mode scenarios (bench/region.h) start their etcd cluster with this class too.
//
// Thread safety: none; use a cluster from the test's main thread (processes are spawned from it, and die with it:
// ChildProcess sets PR_SET_PDEATHSIG).
#ifndef KETENBEELD_TESTS_SUPPORT_ETCD_CLUSTER_H_
#define KETENBEELD_TESTS_SUPPORT_ETCD_CLUSTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "etcd/client.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace ketenbeeld::testing {

struct EtcdClusterOptions {
  int members = 1;  // 1 or 3
  // etcd's --quota-backend-bytes (0: etcd's default, 2 GiB).
  int64_t quota_backend_bytes = 0;
  // etcd's --max-request-bytes (0: etcd's default, 1.5 MiB).
  int64_t max_request_bytes = 0;
  int heartbeat_interval_ms = 50;
  int election_timeout_ms = 500;
  // How long Start and Restart wait for the members to be healthy.
  absl::Duration start_timeout = absl::Seconds(20);
  // The etcd binary; empty: EtcdCluster::kBinary.
  std::string binary{};
  // TLS on the client URLs (https://): etcd's --cert-file and --key-file (PEM files), and with client_ca_file also
  // --trusted-ca-file and --client-cert-auth (etcd then refuses a client without a certificate of that CA). Empty:
  // plaintext http://. Peer URLs stay plaintext. endpoints() are host:port either way.
  std::string cert_file{};
  std::string key_file{};
  std::string client_ca_file{};
  // With TLS: how Start and Restart's health checks reach the members (a client etcd accepts).
  std::shared_ptr<grpc::ChannelCredentials> client_credentials{};
  // Where the members' data directories and logs go (created when missing, left in place: the benchmark keeps its
  // data on the disk it measures); empty: a temporary directory, removed with the cluster.
  std::string dir{};
};

class EtcdCluster {
 public:
  static constexpr char kBinary[] = "/usr/bin/etcd";
  static constexpr char kMissing[] =
      "/usr/bin/etcd is not installed (Debian package etcd-server): skipping the tests that need a real etcd";

  // Whether kBinary exists and is executable.
  static bool Available();

  // Starts the members and waits until each answers Status with a leader. INVALID_ARGUMENT for a member count other
  // than 1 or 3; the spawn error; DEADLINE_EXCEEDED (with the tail of each member's log) when they are not healthy
  // within start_timeout; INTERNAL when a member exits during start-up.
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> Start(EtcdClusterOptions options = {});

  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;
  // Kills and reaps every member still running.
  ~EtcdCluster();

  int size() const { return static_cast<int>(members_.size()); }
  // "127.0.0.1:port" of every member's client URL, in member order.
  std::vector<std::string> endpoints() const;
  const std::string& endpoint(int i) const { return members_[i].client_address; }
  // The member's log (stderr), for failure messages.
  std::string Log(int i) const;

  // SIGKILL and reap: the member is gone until Restart.
  void Kill(int i);
  // SIGSTOP / SIGCONT: the member keeps its sockets but answers nothing (a frozen machine). Pause returns once all of
  // its threads have stopped.
  void Pause(int i);
  void Resume(int i);
  // Kills the member if it runs, starts it again on its data directory and ports, and waits until it is healthy.
  absl::Status Restart(int i);
  // Waits until member i answers Status with a leader.
  absl::Status WaitHealthy(int i, absl::Duration timeout);

 private:
  struct Member {
    std::string name;
    std::string client_address;
    std::string peer_url;
    std::string data_dir;
    std::string log_path;
    std::unique_ptr<ChildProcess> process;
  };

  explicit EtcdCluster(EtcdClusterOptions options) : options_(options) {}
  absl::Status Spawn(int i);
  std::string InitialCluster() const;

  const EtcdClusterOptions options_;
  std::unique_ptr<TempDir> temp_dir_;  // When options_.dir is empty.
  std::string dir_;
  std::string token_;
  std::vector<Member> members_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_ETCD_CLUSTER_H_
