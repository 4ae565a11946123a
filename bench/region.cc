#include "bench/region.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench/process.h"
#include "nlohmann/json.hpp"

namespace ketenbeeld::bench {
namespace {

// Whether the log at `path` says, in its last "leading" or "stopped_leading" line, that the member leads. A line
// still being written does not parse and is skipped.
bool LogSaysLeading(const std::string& path) {
  std::ifstream log(path);
  bool leading = false;
  std::string line;
  while (std::getline(log, line)) {
    if (line.find("leading\"") == std::string::npos) continue;  // Cheap filter before parsing.
    const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) continue;
    const std::string event = parsed.value("event", "");
    if (event == "leading") leading = true;
    if (event == "stopped_leading") leading = false;
  }
  return leading;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Region>> Region::Start(const RegionOptions& options) {
  std::unique_ptr<Region> region(new Region());
  // etcd's own raft timings (heartbeat 100 ms, election 1 s), as an operator who did not tune them runs it. The
  // replicated log is not trimmed yet (docs/replication.md, "Not yet"): a quota well above what a run writes.
  absl::StatusOr<std::unique_ptr<testing::EtcdCluster>> etcd =
      testing::EtcdCluster::Start({.members = 3,
                                   .quota_backend_bytes = int64_t{8} << 30,
                                   .max_request_bytes = 0,
                                   .heartbeat_interval_ms = 100,
                                   .election_timeout_ms = 1000,
                                   .start_timeout = absl::Seconds(60),
                                   .binary = options.etcd_binary,
                                   .dir = options.dir + "/etcd"});
  if (!etcd.ok()) return etcd.status();
  region->etcd_ = *std::move(etcd);
  const std::string endpoints = absl::StrJoin(region->etcd_->endpoints(), ",");
  const std::string name = std::filesystem::path(options.dir).filename().string();
  for (int i = 0; i < options.members; ++i) {
    absl::StatusOr<int> port = PickFreeLoopbackPort();
    if (!port.ok()) return port.status();
    PeerOptions member = options.member;
    member.listen_port = *port;
    member.server_flags.insert(
        member.server_flags.end(),
        {"--etcd_endpoints", endpoints, "--member_id", absl::StrCat("member-", i), "--advertise",
         absl::StrCat("127.0.0.1:", *port), "--lease_ttl", absl::FormatDuration(options.lease_ttl)});
    region->members_.push_back(MakeKetenbeeldPeer(std::move(member)));
    region->running_.push_back(false);
    // The data dir's name names the region too, so that the members' logs (named after it) of different cases
    // do not overwrite each other.
    if (absl::Status status = region->members_.back()->Start(absl::StrCat(options.dir, "/", name, "-member-", i));
        !status.ok()) {
      return absl::Status(status.code(), absl::StrCat("member ", i, ": ", status.message()));
    }
    region->running_.back() = true;
  }
  if (absl::StatusOr<int> leader = region->WaitForLeader(absl::Seconds(60)); !leader.ok()) return leader.status();
  return region;
}

Region::~Region() {
  // While etcd still runs: the followers first, then the leader, which resigns (no member campaigns any more).
  const int leader = Leader().value_or(-1);
  for (int i = 0; i < size(); ++i) {
    if (i != leader) members_[i]->Stop();
  }
  if (leader >= 0) members_[leader]->Stop();
  members_.clear();
  etcd_.reset();
}

std::string Region::addresses() const {
  std::vector<std::string> all;
  for (const auto& member : members_) all.push_back(member->address());
  return absl::StrJoin(all, ",");
}

int Region::MemberOf(const std::string& peer) const {
  for (int i = 0; i < size(); ++i) {
    const std::string& address = members_[i]->address();
    if (peer.size() >= address.size() && peer.compare(peer.size() - address.size(), address.size(), address) == 0) {
      return i;
    }
  }
  return -1;
}

std::optional<int> Region::Leader(int other_than) const {
  for (int i = 0; i < size(); ++i) {
    if (i != other_than && running_[i] && LogSaysLeading(members_[i]->log_path())) return i;
  }
  return std::nullopt;
}

absl::StatusOr<int> Region::WaitForLeader(absl::Duration timeout, int other_than) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (std::optional<int> leader = Leader(other_than); leader.has_value()) return *leader;
    if (absl::Now() > deadline) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  std::string logs;
  for (int i = 0; i < size(); ++i) {
    std::ifstream log(members_[i]->log_path());
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    absl::StrAppend(&logs, "\n--- member ", i, running_[i] ? "" : " (killed)", ":\n",
                    text.size() <= 2000 ? text : text.substr(text.size() - 2000));
  }
  return absl::DeadlineExceededError(absl::StrCat("no member leads after ", absl::FormatDuration(timeout), logs));
}

void Region::Kill(int i) {
  members_[i]->Kill();
  running_[i] = false;
}

absl::StatusOr<absl::Duration> Region::Restart(int i) {
  absl::StatusOr<absl::Duration> served = members_[i]->Restart(absl::Seconds(60));
  running_[i] = served.ok();
  return served;
}

}  // namespace ketenbeeld::bench
