#include "tests/system/replicated_region.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace ketenbeeld::testing {
namespace {

// A port that was free a moment ago on 127.0.0.1 (the kernel's choice for port 0).
absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!bound) return absl::InternalError("bind() to 127.0.0.1:0 failed");
  return ntohs(address.sin_port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReplicatedRegion>> ReplicatedRegion::Start(const std::string& dir, Options options) {
  std::unique_ptr<ReplicatedRegion> region(new ReplicatedRegion());
  region->options_ = std::move(options);
  region->dir_ = dir;
  absl::StatusOr<std::unique_ptr<EtcdCluster>> etcd = EtcdCluster::Start(region->options_.etcd);
  if (!etcd.ok()) return etcd.status();
  region->etcd_ = *std::move(etcd);
  for (int i = 0; i < region->options_.members; ++i) {
    std::vector<std::string> args;
    if (i < static_cast<int>(region->options_.member_args.size())) args = region->options_.member_args[i];
    if (absl::Status prepared = region->PrepareMember(dir, std::move(args)); !prepared.ok()) return prepared;
  }
  for (int i = 0; i < region->size(); ++i) {
    if (absl::Status started = region->StartMember(i); !started.ok()) return started;
  }
  absl::StatusOr<int> leader = region->WaitForLeader(absl::Seconds(20));
  if (!leader.ok()) return leader.status();
  return region;
}

absl::Status ReplicatedRegion::PrepareMember(std::string dir, std::vector<std::string> args) {
  const int i = size();
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  members_.push_back(Member{.address = absl::StrCat("127.0.0.1:", *port),
                            .data_dir = absl::StrCat(dir, "/member-", i),
                            .log_path = absl::StrCat(dir, "/member-", i, ".log"),
                            .member_id = absl::StrCat("member-", i),
                            .args = std::move(args),
                            .log_offset = 0,
                            .process = nullptr,
                            .etcd_forwarders = {}});
  if (!options_.etcd_through_forwarders) return absl::OkStatus();
  for (const std::string& endpoint : etcd_->endpoints()) {
    absl::StatusOr<std::unique_ptr<TcpForwarder>> forwarder = TcpForwarder::Start(endpoint);
    if (!forwarder.ok()) return forwarder.status();
    members_.back().etcd_forwarders.push_back(*std::move(forwarder));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ReplicatedRegion::AddMember(std::vector<std::string> args) {
  if (absl::StatusOr<int> leader = WaitForLeader(absl::Seconds(20)); !leader.ok()) return leader.status();
  if (absl::Status prepared = PrepareMember(dir_, std::move(args)); !prepared.ok()) return prepared;
  if (absl::Status started = StartMember(size() - 1); !started.ok()) return started;
  return size() - 1;
}

absl::Status ReplicatedRegion::StartMember(int i) {
  Member& member = members_[i];
  std::vector<std::string> etcd_endpoints = etcd_->endpoints();
  if (!member.etcd_forwarders.empty()) {
    etcd_endpoints.clear();
    for (const auto& forwarder : member.etcd_forwarders) etcd_endpoints.push_back(forwarder->address());
  }
  std::vector<std::string> args = {"--etcd_endpoints", absl::StrJoin(etcd_endpoints, ","),
                                   "--member_id",      member.member_id,
                                   "--advertise",      member.address,
                                   "--lease_ttl",      absl::FormatDuration(options_.lease_ttl)};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  args.insert(args.end(), member.args.begin(), member.args.end());
  member.log_offset = ReadWholeFile(member.log_path).size();  // This life's lines start here.
  absl::StatusOr<std::unique_ptr<ServerProcess>> process = ServerProcess::Start(
      {.data_dir = member.data_dir, .listen = member.address, .log_path = member.log_path, .extra_args = args},
      absl::Seconds(60));  // A sanitized member restarting beside two others under load can take a while.
  if (!process.ok()) return process.status();
  member.process = *std::move(process);
  return absl::OkStatus();
}

std::string ReplicatedRegion::addresses() const {
  std::vector<std::string> all;
  for (const Member& member : members_) all.push_back(member.address);
  return absl::StrJoin(all, ",");
}

std::optional<int> ReplicatedRegion::Leader(int other_than) const {
  for (int i = 0; i < size(); ++i) {
    if (members_[i].process == nullptr || i == other_than) continue;
    bool leading = false;
    const std::string log = members_[i].process->log();
    for (const nlohmann::json& line : ParseJsonLines(log.substr(std::min(log.size(), members_[i].log_offset)))) {
      const std::string event = line.value("event", "");
      if (event == "leading") leading = true;
      if (event == "stopped_leading") leading = false;
    }
    if (leading) return i;
  }
  return std::nullopt;
}

absl::StatusOr<int> ReplicatedRegion::WaitForLeader(absl::Duration timeout, int other_than) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (std::optional<int> leader = Leader(other_than); leader.has_value()) return *leader;
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::string logs;
  for (int i = 0; i < size(); ++i) {
    if (members_[i].process != nullptr) absl::StrAppend(&logs, "\n--- member ", i, ":\n", members_[i].process->log());
  }
  return absl::DeadlineExceededError(absl::StrCat("no member leads after ", absl::FormatDuration(timeout), logs));
}

void ReplicatedRegion::Kill(int i) {
  if (members_[i].process == nullptr) return;
  members_[i].process->process().Kill();
  members_[i].process.reset();
}

absl::Status ReplicatedRegion::Restart(int i) {
  Kill(i);
  return StartMember(i);
}

void ReplicatedRegion::CutFromEtcd(int i, TcpForwarder::CutMode mode) {
  for (const auto& forwarder : members_[i].etcd_forwarders) forwarder->Cut(mode);
}

void ReplicatedRegion::RestoreEtcd(int i) {
  for (const auto& forwarder : members_[i].etcd_forwarders) forwarder->Restore();
}

std::vector<TcpForwarder*> ReplicatedRegion::EtcdForwarders(int i) const {
  std::vector<TcpForwarder*> forwarders;
  for (const auto& forwarder : members_[i].etcd_forwarders) forwarders.push_back(forwarder.get());
  return forwarders;
}

}  // namespace ketenbeeld::testing
