#include "tests/support/etcd_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace ketenbeeld::testing {
namespace {

// `count` distinct TCP ports on 127.0.0.1 that were free a moment ago: all sockets stay bound until every port is
// picked, so no port is handed out twice. (Another process may still take one before etcd binds it: rare, and the
// start then fails with the member's log.)
absl::StatusOr<std::vector<int>> PickFreeLoopbackPorts(int count) {
  std::vector<int> fds;
  std::vector<int> ports;
  absl::Status status;
  for (int i = 0; i < count && status.ok(); ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      status = absl::ErrnoToStatus(errno, "socket");
      break;
    }
    fds.push_back(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      status = absl::ErrnoToStatus(errno, "bind/getsockname on 127.0.0.1");
      break;
    }
    ports.push_back(ntohs(address.sin_port));
  }
  for (int fd : fds) ::close(fd);
  if (!status.ok()) return status;
  return ports;
}

// The last `bytes` of a member's log, for error messages.
std::string Tail(const std::string& text, size_t bytes = 2000) {
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

}  // namespace

bool EtcdCluster::Available() { return ::access(kBinary, X_OK) == 0; }

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(EtcdClusterOptions options) {
  if (options.members != 1 && options.members != 3) {
    return absl::InvalidArgumentError(absl::StrCat("EtcdCluster: members must be 1 or 3, not ", options.members));
  }
  std::unique_ptr<EtcdCluster> cluster(new EtcdCluster(options));
  if (options.dir.empty()) {
    cluster->temp_dir_ = std::make_unique<TempDir>();
    cluster->dir_ = cluster->temp_dir_->path();
  } else {
    std::error_code error;
    std::filesystem::create_directories(options.dir, error);
    if (error)
      return absl::InternalError(absl::StrCat("EtcdCluster: cannot create ", options.dir, ": ", error.message()));
    cluster->dir_ = options.dir;
  }
  absl::StatusOr<std::vector<int>> ports = PickFreeLoopbackPorts(2 * options.members);
  if (!ports.ok()) return ports.status();
  // A token per cluster: members of two clusters started by concurrent tests can never join each other.
  cluster->token_ = absl::StrCat("ketenbeeld-test-", getpid(), "-", (*ports)[0]);
  for (int i = 0; i < options.members; ++i) {
    Member member;
    member.name = absl::StrCat("m", i);
    member.client_address = absl::StrCat("127.0.0.1:", (*ports)[2 * i]);
    member.peer_url = absl::StrCat("http://127.0.0.1:", (*ports)[2 * i + 1]);
    member.data_dir = absl::StrCat(cluster->dir_, "/", member.name);
    member.log_path = absl::StrCat(cluster->dir_, "/", member.name, ".log");
    cluster->members_.push_back(std::move(member));
  }
  for (int i = 0; i < options.members; ++i) {
    if (absl::Status status = cluster->Spawn(i); !status.ok()) return status;
  }
  for (int i = 0; i < options.members; ++i) {
    if (absl::Status status = cluster->WaitHealthy(i, options.start_timeout); !status.ok()) return status;
  }
  return cluster;
}

EtcdCluster::~EtcdCluster() {
  for (Member& member : members_) {
    if (member.process != nullptr) member.process->Kill();
  }
}

std::vector<std::string> EtcdCluster::endpoints() const {
  std::vector<std::string> result;
  for (const Member& member : members_) result.push_back(member.client_address);
  return result;
}

std::string EtcdCluster::Log(int i) const { return ReadWholeFile(members_[i].log_path); }

std::string EtcdCluster::InitialCluster() const {
  std::vector<std::string> parts;
  for (const Member& member : members_) parts.push_back(absl::StrCat(member.name, "=", member.peer_url));
  return absl::StrJoin(parts, ",");
}

absl::Status EtcdCluster::Spawn(int i) {
  Member& member = members_[i];
  const bool tls = !options_.cert_file.empty();
  const std::string client_url = absl::StrCat(tls ? "https://" : "http://", member.client_address);
  std::vector<std::string> args = {
      "--name", member.name, "--data-dir", member.data_dir, "--listen-client-urls", client_url,
      "--advertise-client-urls", client_url, "--listen-peer-urls", member.peer_url, "--initial-advertise-peer-urls",
      member.peer_url, "--initial-cluster", InitialCluster(), "--initial-cluster-token", token_,
      // Ignored when the data directory exists (a restart).
      "--initial-cluster-state", "new", "--heartbeat-interval", absl::StrCat(options_.heartbeat_interval_ms),
      "--election-timeout", absl::StrCat(options_.election_timeout_ms),
      // The tests compact themselves (and the replication log does too).
      "--auto-compaction-retention", "0", "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn"};
  if (options_.quota_backend_bytes > 0) {
    args.insert(args.end(), {"--quota-backend-bytes", absl::StrCat(options_.quota_backend_bytes)});
  }
  if (options_.max_request_bytes > 0) {
    args.insert(args.end(), {"--max-request-bytes", absl::StrCat(options_.max_request_bytes)});
  }
  if (tls) args.insert(args.end(), {"--cert-file", options_.cert_file, "--key-file", options_.key_file});
  if (tls && !options_.client_ca_file.empty()) {
    args.insert(args.end(), {"--trusted-ca-file", options_.client_ca_file, "--client-cert-auth"});
  }
  absl::StatusOr<std::unique_ptr<ChildProcess>> process =
      ChildProcess::Spawn(options_.binary.empty() ? kBinary : options_.binary, args, "", member.log_path);
  if (!process.ok()) return process.status();
  member.process = *std::move(process);
  return absl::OkStatus();
}

absl::Status EtcdCluster::WaitHealthy(int i, absl::Duration timeout) {
  Member& member = members_[i];
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status last = absl::UnavailableError("not asked yet");
  // Bounded: per round a fresh connection (at most 1 s: a new channel connects at once, where an old one could be
  // waiting out gRPC's reconnect backoff), one Status call (at most 1 s) and a 50 ms pause, until the deadline.
  while (absl::Now() < deadline) {
    if (member.process == nullptr || !member.process->Running()) {
      return absl::InternalError(
          absl::StrCat("etcd member ", member.name, " is not running; its log:\n", Tail(Log(i))));
    }
    absl::StatusOr<std::unique_ptr<etcd::Client>> client =
        etcd::Client::Connect({.endpoints = {member.client_address},
                               .dial_timeout = absl::Seconds(1),
                               .request_timeout = absl::Seconds(1),
                               .credentials = options_.client_credentials});
    absl::StatusOr<etcdserverpb::StatusResponse> status =
        client.ok() ? (*client)->Status(member.client_address) : client.status();
    if (status.ok() && status->leader() != 0) return absl::OkStatus();
    last = status.ok() ? absl::UnavailableError("no leader yet") : status.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat("etcd member ", member.name, " at ", member.client_address,
                                                  " not healthy within ", absl::FormatDuration(timeout), " (",
                                                  last.ToString(), "); its log:\n", Tail(Log(i))));
}

void EtcdCluster::Kill(int i) {
  if (members_[i].process != nullptr) members_[i].process->Kill();
}

void EtcdCluster::Pause(int i) {
  if (members_[i].process != nullptr) members_[i].process->Stop();
}

void EtcdCluster::Resume(int i) {
  if (members_[i].process != nullptr) members_[i].process->Signal(SIGCONT);
}

absl::Status EtcdCluster::Restart(int i) {
  Kill(i);
  members_[i].process.reset();
  if (absl::Status status = Spawn(i); !status.ok()) return status;
  return WaitHealthy(i, options_.start_timeout);
}

}  // namespace ketenbeeld::testing
