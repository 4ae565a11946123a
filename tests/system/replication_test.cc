// A replicated region on real processes (docs/replication.md): three etcd members and three ketenbeeld-server
// members on loopback, started by the test. The leader is killed (kill -9), frozen past its lease (SIGSTOP) and
// stopped (SIGTERM) under continuous load from writers and a feed that know every member's address; afterwards
// every member must hold the same log, byte for byte, with every acknowledged write at its revision, and the feed
// must have seen every revision exactly once.
#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/system/replication_fixture.h"

namespace ketenbeeld::testing {
namespace {

std::string GetText(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  httplib::Result result = client.Get(path);
  EXPECT_TRUE(result) << "GET " << path << " on port " << port;
  return result ? result->body : std::string();
}

// The revision a development-mode member has applied, from its health; 0 when it does not answer (it may be exiting).
int64_t AppliedRevision(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(2, 0);
  httplib::Result result = client.Get("/healthz");
  if (!result) return 0;
  const nlohmann::json health = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  int64_t revision = 0;
  if (!health.is_object() || !absl::SimpleAtoi(health.value("revision", ""), &revision)) return 0;
  return revision;
}

// The value of an unlabelled metric in Prometheus' text format; -1 when it is not there.
double MetricValue(const std::string& metrics, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    double value = 0;
    if (absl::ConsumePrefix(&line, name + " ") && absl::SimpleAtod(line, &value)) return value;
  }
  return -1;
}

nlohmann::json GetJson(int port, const std::string& path) {
  return nlohmann::json::parse(GetText(port, path), nullptr, /*allow_exceptions=*/false);
}

TEST_F(ReplicationTest, LeaderKilledUnderLoadRepeatedlyLosesNoAcknowledgedWriteAndNoFeedEvent) {
  ASSERT_NO_FATAL_FAILURE(StartRegion());
  ClosedLoopWriters writers(region_->addresses(), kWriters, "ha");
  ResumingSubscriber feed(region_->addresses());
  constexpr int kCycles = 10;
  std::vector<std::string> failovers;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, absl::StrCat("before cycle ", cycle)));
    const std::optional<int> leader = region_->Leader();
    ASSERT_TRUE(leader.has_value());
    const absl::Time killed = absl::Now();
    region_->Kill(*leader);
    absl::StatusOr<int> successor = region_->WaitForLeader(absl::Seconds(30));
    ASSERT_TRUE(successor.ok()) << successor.status();
    ASSERT_NE(*successor, *leader);
    const absl::Duration elected = absl::Now() - killed;
    ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, absl::StrCat("after the kill of cycle ", cycle)));
    failovers.push_back(absl::FormatDuration(elected));
    const absl::Status restarted = region_->Restart(*leader);
    ASSERT_TRUE(restarted.ok()) << restarted;
  }
  writers.Stop();
  std::printf("failover (kill -9 of the leader to the next leader's takeover), per cycle: %s\n",
              absl::StrJoin(failovers, " ").c_str());
  RecordProperty("failovers", absl::StrJoin(failovers, " "));
  std::vector<AcknowledgedWrite> acknowledged = writers.acknowledged();
  ASSERT_FALSE(acknowledged.empty());
  const int64_t last = acknowledged.back().revision;
  ASSERT_NO_FATAL_FAILURE(ExpectMembersAgree(acknowledged, last));

  ASSERT_TRUE(feed.WaitUntilSeen(last, absl::Seconds(30)));
  feed.Stop();
  const ResumingSubscriber::Observed seen = feed.observed();
  EXPECT_TRUE(seen.violations.empty()) << absl::StrJoin(seen.violations, "\n");
  EXPECT_GE(seen.resumes, 1) << "the feed never had to move to another member";
}

TEST_F(ReplicationTest, LeaderFrozenPastItsLeaseStepsDownAndNeverGetsAhead) {
  ASSERT_NO_FATAL_FAILURE(StartRegion());
  const int frozen = *region_->Leader();
  // Writers that talk to the leader only: their writes in flight when it freezes are answered after it thaws.
  ClosedLoopWriters to_frozen(*region_->member(frozen), kWriters, "frozen");
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(to_frozen, 20, "at the start"));
  ASSERT_TRUE(region_->member(frozen)->process().Stop());

  std::vector<std::string> others;
  for (int i = 0; i < region_->size(); ++i) {
    if (i != frozen) others.push_back(region_->address(i));
  }
  // Leader() still names the frozen member (its log says it leads): wait for another one.
  const absl::Time frozen_at = absl::Now();
  absl::StatusOr<int> successor = region_->WaitForLeader(absl::Seconds(30), /*other_than=*/frozen);
  ASSERT_TRUE(successor.ok()) << "no other member took over from the frozen leader: " << successor.status();
  std::printf("takeover from a frozen leader: %s\n", absl::FormatDuration(absl::Now() - frozen_at).c_str());
  ClosedLoopWriters to_others(absl::StrJoin(others, ","), kWriters, "others");
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(to_others, 20, "while the old leader is frozen"));

  region_->member(frozen)->process().Signal(SIGCONT);
  // The thawed member finds its term over (its lease is gone; etcd's fence refuses its appends) and steps down. A
  // write it was holding is either refused (UNAVAILABLE, nothing written) or, when the member noticed first,
  // forwarded to the new leader: which one depends on the threads' order after SIGCONT. Either way nothing it
  // acknowledged is missing below, and its store never gets ahead of the log.
  ASSERT_TRUE(WaitForFileContent(
      absl::StrCat(dir_.path(), "/member-", frozen, ".log"),
      [](const std::string& log) { return log.find("\"stopped_leading\"") != std::string::npos; }, absl::Seconds(30)));
  for (const grpc::Status& status : to_frozen.final_statuses()) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  }
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(to_others, 20, "after the old leader thawed"));
  to_others.Stop();
  to_frozen.Stop();
  std::vector<AcknowledgedWrite> acknowledged = to_frozen.acknowledged();
  for (const AcknowledgedWrite& write : to_others.acknowledged()) acknowledged.push_back(write);
  std::sort(acknowledged.begin(), acknowledged.end(),
            [](const AcknowledgedWrite& a, const AcknowledgedWrite& b) { return a.revision < b.revision; });
  ASSERT_NO_FATAL_FAILURE(ExpectMembersAgree(acknowledged, acknowledged.back().revision));
}

TEST_F(ReplicationTest, PlannedStopOfTheLeaderHandsOverWellBeforeItsLeaseWouldExpire) {
  // A 10 s lease: a handover that waited for it would take at least that long.
  ASSERT_NO_FATAL_FAILURE(StartRegion({.members = 3, .lease_ttl = absl::Seconds(10), .extra_args = {}}));
  ClosedLoopWriters writers(region_->addresses(), 2, "planned");
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "at the start"));
  const int leader = *region_->Leader();
  const absl::Time stopped = absl::Now();
  region_->member(leader)->process().Signal(SIGTERM);
  ASSERT_TRUE(region_->member(leader)->process().WaitForExit(absl::Seconds(15)).has_value());
  region_->Kill(leader);  // Reaped; no longer a candidate for Leader().
  absl::StatusOr<int> successor = region_->WaitForLeader(absl::Seconds(30));
  ASSERT_TRUE(successor.ok()) << successor.status();
  const absl::Duration handover = absl::Now() - stopped;
  std::printf("planned handover (SIGTERM of the leader to the next leader's takeover): %s\n",
              absl::FormatDuration(handover).c_str());
  EXPECT_LT(handover, absl::Seconds(5)) << "the leader did not resign: the successor waited for its lease";
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "after the handover"));
  writers.Stop();
  std::vector<AcknowledgedWrite> acknowledged = writers.acknowledged();
  ASSERT_NO_FATAL_FAILURE(ExpectMembersAgree(acknowledged, acknowledged.back().revision));
}

// The leader keeps only the newest revisions in etcd (--log_retention_revisions) and compacts etcd behind them. A
// follower that was away for longer cannot follow from the log any more: a frozen one finds out by itself when it
// thaws and exits with code 75 for its supervisor (unless its watch stream still held every event it missed); a
// killed one, like the frozen one after that, re-seeds from the leader's checkpoint when it starts. Afterwards every
// member holds the same log, from revision 1, byte for byte.
TEST_F(ReplicationTest, FollowersBehindTheTrimmedLogReseedFromTheLeader) {
  constexpr char kLogPrefix[] = "/ketenbeeld/VR10/log/";  // The members' default region.
  ASSERT_NO_FATAL_FAILURE(StartRegion({.extra_args = {"--log_retention_revisions", "40", "--http_listen", "127.0.0.1:0",
                                                      "--metrics_listen", "127.0.0.1:0"}}));
  const int leader = *region_->Leader();
  // Health says who leads, for load balancers and operators.
  for (int i = 0; i < region_->size(); ++i) {
    const nlohmann::json health = GetJson(region_->member(i)->http_port(), "/healthz");
    EXPECT_EQ(health.value("role", ""), i == leader ? "leader" : "follower") << "member " << i << ": " << health;
    EXPECT_TRUE(health.contains("lag_revisions")) << health;
  }
  ClosedLoopWriters writers(*region_->member(leader), kWriters, "trim");
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "at the start"));
  const int frozen = (leader + 1) % region_->size();
  const int killed = (leader + 2) % region_->size();
  ASSERT_TRUE(region_->member(frozen)->process().Stop());
  region_->Kill(killed);
  const int64_t away_at = writers.acknowledged().back().revision;

  // The leader writes on alone (etcd holds the quorum), and trims the log past where the followers stopped.
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 300, "with both followers away"));
  std::unique_ptr<etcd::Client> etcd = ConnectEtcd();
  ASSERT_NE(etcd, nullptr);
  int64_t log_first = 0;
  const absl::Time trim_deadline = absl::Now() + absl::Seconds(30);  // The leader trims every 5 s.
  while (log_first <= away_at + 1 && absl::Now() < trim_deadline) {
    etcdserverpb::RangeRequest first;
    first.set_key(kLogPrefix);
    first.set_range_end(etcd::PrefixEnd(kLogPrefix));
    first.set_limit(1);
    first.set_keys_only(true);
    absl::StatusOr<etcdserverpb::RangeResponse> range = etcd->Range(first);
    ASSERT_TRUE(range.ok()) << range.status();
    ASSERT_GT(range->kvs_size(), 0);
    const std::string& key = range->kvs(0).key();
    log_first = std::stoll(key.substr(key.rfind('/') + 1), nullptr, 16);
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_GT(log_first, away_at + 1) << "the leader did not trim the log past revision " << away_at;

  // The frozen follower thaws. Mostly etcd has dropped its watch while it was stopped (the watch fell behind, and
  // the revisions it needed were compacted): the follower finds the log starts after what it has and exits with 75
  // for its supervisor. But the buffers of etcd's watch stream and of gRPC's flow-control window may have held every
  // event it missed (seen once in CI): then it catches up from its stream, past the trimmed revisions, and has nothing
  // to re-seed. Both are correct; which one happens is up to the buffers. A follower that does neither fails.
  ChildProcess& thawed = region_->member(frozen)->process();
  thawed.Signal(SIGCONT);
  std::optional<ExitStatus> exited;
  bool caught_up = false;
  const absl::Time thaw_deadline = absl::Now() + absl::Seconds(30);
  while (!exited && !caught_up && absl::Now() < thaw_deadline) {
    exited = thawed.WaitForExit(absl::Milliseconds(200));
    if (!exited) caught_up = AppliedRevision(region_->member(frozen)->http_port()) > log_first;
  }
  ASSERT_TRUE(exited.has_value() || caught_up) << "the thawed follower behind the log neither exited nor caught up";
  std::vector<int> to_restart = {killed};
  if (exited) {
    EXPECT_TRUE(exited->ExitedWith(75)) << exited->ToString();
    EXPECT_NE(region_->member(frozen)->log().find("\"behind_log\""), std::string::npos);
    to_restart.push_back(frozen);
  } else {
    std::printf("the thawed follower caught up from its watch stream, past revision %lld\n",
                static_cast<long long>(log_first));
  }

  // The killed member stopped at or near `away_at`, before the trim point: it must re-seed. The thawed one that exited
  // may still have applied what its watch stream held while it shut down (seen once under ASan: it reported
  // revision 440 behind a log starting at 748, then stopped at 995); if that carried it into the log, it restarts
  // without a re-seed, which is correct. The catch-up below checks both end up with every write.
  for (const int member : to_restart) {
    const absl::Status restarted = region_->Restart(member);
    ASSERT_TRUE(restarted.ok()) << "member " << member << ": " << restarted;
    const std::string log = region_->member(member)->log();
    if (member == killed) {
      EXPECT_NE(log.find("\"reseeded\""), std::string::npos) << "member " << member;
    } else if (log.find("\"reseeded\"") == std::string::npos) {
      EXPECT_EQ(log.find("\"reseed_needed\""), std::string::npos) << "member " << member << " needed a re-seed";
      std::printf("the thawed follower had applied into the log while it stopped: no re-seed needed\n");
    }
  }
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "after the re-seeds"));
  writers.Stop();
  const std::vector<AcknowledgedWrite> acknowledged = writers.acknowledged();
  // Under this load the leader trims every 5 s to 40 revisions, so a member that restarted within the log can fall
  // behind it again while it catches up (seen under ASan); it then exits with 75 for its supervisor, as it should.
  // The test is that supervisor, a bounded number of times, until every member has applied the last write.
  for (int member = 0; member < region_->size(); ++member) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    int restarts = 0;
    while (AppliedRevision(region_->member(member)->http_port()) < acknowledged.back().revision) {
      ASSERT_LT(absl::Now(), deadline) << "member " << member << " did not catch up";
      const std::optional<ExitStatus> exited = region_->member(member)->process().WaitForExit(absl::Milliseconds(200));
      if (!exited) continue;
      ASSERT_TRUE(exited->ExitedWith(75)) << "member " << member << ": " << exited->ToString();
      ASSERT_LT(++restarts, 3) << "member " << member << " keeps falling behind the log";
      const absl::Status restarted = region_->Restart(member);
      ASSERT_TRUE(restarted.ok()) << "member " << member << ": " << restarted;
    }
  }
  ASSERT_NO_FATAL_FAILURE(ExpectMembersAgree(acknowledged, acknowledged.back().revision));

  // The leader's metrics show its appends and where the log starts now.
  const std::string metrics = GetText(region_->member(leader)->metrics_port(), "/metrics");
  EXPECT_NE(metrics.find("ketenbeeld_replication_appends_total{result=\"ok\"}"), std::string::npos);
  EXPECT_NE(metrics.find("ketenbeeld_replication_append_seconds_count"), std::string::npos);
  EXPECT_NE(metrics.find("ketenbeeld_replication_etcd_db_bytes"), std::string::npos);
  EXPECT_GT(MetricValue(metrics, "ketenbeeld_replication_log_first_revision"), away_at + 1) << metrics;
}

}  // namespace
}  // namespace ketenbeeld::testing
