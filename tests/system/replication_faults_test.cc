// A replicated region (docs/replication.md) when etcd, not a server, is what fails: one etcd member lost (writes go
// on after a short pause), two lost (no quorum: writes refused with UNAVAILABLE while reads and feeds go on, then
// writes resume), a server cut off from etcd by a network partition (a test-side TCP forwarder), and etcd out of
// space (NOSPACE: RESOURCE_EXHAUSTED until the operator compacts, defragments and disarms). Afterwards every member
// must hold the same log, byte for byte, with every acknowledged write at its revision.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/tcp_forwarder.h"
#include "tests/system/replication_fixture.h"

namespace ketenbeeld::testing {
namespace {

class ReplicationFaultsTest : public ReplicationTest {
 protected:
  // Waits (bounded) until `writers` have failed `count` more writes than `before`; returns those failures.
  static std::vector<grpc::Status> WaitForFailures(const ClosedLoopWriters& writers, int before, int count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (writers.failed_writes() < before + count && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
    return writers.failures(before);
  }

  // Stops the writers; every member ends with the same log holding every acknowledged write, and the live feed saw
  // every revision once without ever breaking (no server stopped).
  void StopAndExpectNothingLost(ClosedLoopWriters& writers, ResumingSubscriber& feed) {
    writers.Stop();
    const std::vector<AcknowledgedWrite> acknowledged = writers.acknowledged();
    ASSERT_FALSE(acknowledged.empty());
    ASSERT_NO_FATAL_FAILURE(ExpectMembersAgree(acknowledged, acknowledged.back().revision));
    ASSERT_TRUE(feed.WaitUntilSeen(acknowledged.back().revision, absl::Seconds(30)));
    feed.Stop();
    const ResumingSubscriber::Observed seen = feed.observed();
    EXPECT_TRUE(seen.violations.empty()) << absl::StrJoin(seen.violations, "\n");
    EXPECT_EQ(seen.resumes, 0) << "the live feed broke although no server stopped";
  }

  // The etcd member that is etcd's raft leader now (each member's Status names the leader's id).
  int EtcdRaftLeader(etcd::Client& client) {
    for (int i = 0; i < region_->etcd().size(); ++i) {
      absl::StatusOr<etcdserverpb::StatusResponse> status = client.Status(region_->etcd().endpoint(i));
      if (status.ok() && status->leader() == status->header().member_id()) return i;
    }
    return 0;
  }
};

TEST_F(ReplicationFaultsTest, LossOfOneEtcdMemberPausesWritesBrieflyAndLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartRegion());
  ClosedLoopWriters writers(region_->addresses(), kWriters, "one-etcd");
  ResumingSubscriber feed(region_->addresses());
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "at the start"));

  // The hardest member to lose is etcd's raft leader: etcd elects another one first.
  std::unique_ptr<etcd::Client> client = ConnectEtcd();
  ASSERT_NE(client, nullptr);
  const int killed = EtcdRaftLeader(*client);
  client.reset();
  region_->etcd().Kill(killed);
  absl::Duration after_kill;
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "with etcd's raft leader killed", &after_kill));
  ASSERT_TRUE(region_->etcd().Restart(killed).ok());
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "after etcd's member came back"));

  // A frozen member keeps its connections open and answers nothing: the servers' calls to it must time out and move
  // on.
  const int paused = (killed + 1) % region_->etcd().size();
  region_->etcd().Pause(paused);
  absl::Duration after_pause;
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "with an etcd member frozen", &after_pause));
  region_->etcd().Resume(paused);
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "after etcd's member thawed"));
  std::printf("20 writes with etcd's raft leader killed: %s; with an etcd member frozen: %s\n",
              absl::FormatDuration(after_kill).c_str(), absl::FormatDuration(after_pause).c_str());
  // A short pause: an etcd election (500 ms here) and, for calls that went to the lost member, their 2 s deadline.
  EXPECT_LT(after_kill, absl::Seconds(10));
  // Not yet bounded tighter than ExpectWritesFlow's 30 s: when the servers' etcd calls all sit on the member that
  // freezes, writes have stalled for 16-19 s (2 of 4 runs; 0.1 s otherwise). See docs/replication.md, "Not yet".

  ASSERT_NO_FATAL_FAILURE(StopAndExpectNothingLost(writers, feed));
}

TEST_F(ReplicationFaultsTest, WithoutEtcdQuorumWritesAreUnavailableWhileReadsAndFeedsGoOn) {
  ASSERT_NO_FATAL_FAILURE(StartRegion());
  ClosedLoopWriters writers(region_->addresses(), kWriters, "no-quorum");
  ResumingSubscriber feed(region_->addresses());
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "at the start"));

  const int failed_before = writers.failed_writes();
  region_->etcd().Pause(0);
  region_->etcd().Pause(1);
  const absl::Time lost = absl::Now();
  const std::vector<grpc::Status> refused = WaitForFailures(writers, failed_before, kWriters);
  ASSERT_GE(static_cast<int>(refused.size()), kWriters) << "writes were not refused without etcd's quorum";
  std::printf("first refusals without etcd's quorum after %s\n", absl::FormatDuration(absl::Now() - lost).c_str());
  // Nothing can be acknowledged without a quorum (a write in flight when it went may still have been).
  const int acknowledged_during = writers.acknowledged_count();
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(writers.acknowledged_count(), acknowledged_during) << "writes acknowledged without etcd's quorum";
  for (const grpc::Status& status : writers.failures(failed_before)) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  }

  // Reads (History, Get, List) and new feeds on every member while etcd has no quorum. A follower may not have
  // applied the last groups before the quorum went (it cannot read the log now): each member serves a prefix of the
  // log, with every acknowledged write up to its revision.
  const std::vector<AcknowledgedWrite> before_outage = writers.acknowledged();
  ASSERT_FALSE(before_outage.empty());
  for (int i = 0; i < region_->size(); ++i) {
    std::unique_ptr<v1::PictureService::Stub> stub = region_->member(i)->NewStub();
    absl::StatusOr<WholeLog> log = ReadWholeLog(*stub);
    ASSERT_TRUE(log.ok()) << "member " << i << ": " << log.status();
    std::vector<AcknowledgedWrite> applied;
    for (const AcknowledgedWrite& write : before_outage) {
      if (write.revision <= log->latest_revision) applied.push_back(write);
    }
    const std::vector<AcknowledgedWrite> check_with_get(applied.end() - std::min<size_t>(10, applied.size()),
                                                        applied.end());
    int64_t latest = 0;
    ASSERT_NO_FATAL_FAILURE(ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(*stub, applied, check_with_get, &latest))
        << "member " << i;
    std::printf("member %d without etcd's quorum: serves revision %lld of the %lld acknowledged\n", i,
                static_cast<long long>(latest), static_cast<long long>(before_outage.back().revision));
    ResumingSubscriber member_feed(region_->address(i));
    EXPECT_TRUE(member_feed.WaitUntilSeen(latest, absl::Seconds(10))) << "no feed from member " << i;
  }

  region_->etcd().Resume(0);
  region_->etcd().Resume(1);
  absl::Duration resumed;
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "after etcd's quorum came back", &resumed));
  std::printf("20 writes after etcd's quorum came back: %s\n", absl::FormatDuration(resumed).c_str());
  ASSERT_NO_FATAL_FAILURE(StopAndExpectNothingLost(writers, feed));
}

TEST_F(ReplicationFaultsTest, LeaderCutOffFromEtcdIsReplacedRefusesItsWritesAndFollowsAfterwards) {
  ASSERT_NO_FATAL_FAILURE(StartRegion({.members = 3,
                                       .lease_ttl = absl::Seconds(2),
                                       .extra_args = {},
                                       .etcd = {.members = 3},
                                       .etcd_through_forwarders = true}));
  const int cut = *region_->Leader();
  // Writers that talk to the cut-off leader only, and stop at their first refused write.
  ClosedLoopWriters to_cut(*region_->member(cut), kWriters, "cut");
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(to_cut, 20, "at the start"));

  // A partition that drops packets: the leader's connections to etcd stay open and nothing comes back.
  region_->CutFromEtcd(cut, TcpForwarder::CutMode::kHold);
  const absl::Time cut_at = absl::Now();
  absl::StatusOr<int> successor = region_->WaitForLeader(absl::Seconds(30), /*other_than=*/cut);
  ASSERT_TRUE(successor.ok()) << "no other member took over from the cut-off leader: " << successor.status();
  std::printf("takeover from a leader cut off from etcd: %s\n", absl::FormatDuration(absl::Now() - cut_at).c_str());
  std::vector<std::string> others;
  for (int i = 0; i < region_->size(); ++i) {
    if (i != cut) others.push_back(region_->address(i));
  }
  ClosedLoopWriters to_others(absl::StrJoin(others, ","), kWriters, "others");
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(to_others, 20, "while the old leader is cut off"));

  // The cut-off member's lease ends without etcd: it stops leading by itself and refuses what it was holding.
  ASSERT_TRUE(to_cut.WaitUntilAllFailed(absl::Seconds(30))) << "the cut-off leader still accepts writes";
  for (const grpc::Status& status : to_cut.final_statuses()) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  }
  EXPECT_NE(region_->member(cut)->log().find("\"stopped_leading\""), std::string::npos)
      << "the cut-off member did not step down";

  region_->RestoreEtcd(cut);
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(to_others, 20, "after the partition healed"));
  to_others.Stop();
  std::vector<AcknowledgedWrite> acknowledged = to_cut.acknowledged();
  for (const AcknowledgedWrite& write : to_others.acknowledged()) acknowledged.push_back(write);
  std::sort(acknowledged.begin(), acknowledged.end(),
            [](const AcknowledgedWrite& a, const AcknowledgedWrite& b) { return a.revision < b.revision; });
  // The healed member follows again: it reaches the others' last revision with the same bytes.
  ASSERT_NO_FATAL_FAILURE(ExpectMembersAgree(acknowledged, acknowledged.back().revision));
}

TEST_F(ReplicationFaultsTest, EtcdOutOfSpaceRefusesWritesUntilCompactedDefragmentedAndDisarmed) {
  ASSERT_NO_FATAL_FAILURE(StartRegion({.members = 3,
                                       .lease_ttl = absl::Seconds(2),
                                       .extra_args = {},
                                       .etcd = {.members = 3, .quota_backend_bytes = 2 * 1024 * 1024},
                                       .etcd_through_forwarders = false}));
  ClosedLoopWriters writers(region_->addresses(), 2, "nospace");
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "at the start"));

  // Something else fills etcd (its space is shared): rewrite one key with 100 KiB values until etcd raises NOSPACE
  // (bounded: at most 100 writes, 10 MiB).
  std::unique_ptr<etcd::Client> client = ConnectEtcd();
  ASSERT_NE(client, nullptr);
  const int failed_before = writers.failed_writes();
  const std::string value(100 * 1024, 'f');
  absl::Status filled;
  // A Put that times out on a loaded machine ("request timed out") is tried again.
  for (int i = 0; i < 100 && !etcd::IsNoSpace(filled); ++i) filled = client->Put("/filler", value).status();
  ASSERT_TRUE(etcd::IsNoSpace(filled)) << filled;

  const std::vector<grpc::Status> refused = WaitForFailures(writers, failed_before, 2);
  ASSERT_GE(refused.size(), 2u) << "writes went on with etcd out of space";
  for (const grpc::Status& status : refused) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
    EXPECT_NE(status.error_message().find("etcd is out of space"), std::string::npos) << status.error_message();
  }

  // The operator's way out (docs/operations.md): compact to the current revision (which keeps the latest version of
  // every key, the log's included), defragment every member, disarm.
  absl::StatusOr<etcd::GetResult> now = client->Get("/filler");
  ASSERT_TRUE(now.ok()) << now.status();
  ASSERT_TRUE(client->Compact(now->revision, /*physical=*/true).ok());
  for (const std::string& endpoint : region_->etcd().endpoints()) {
    absl::Status defragmented = client->Defragment(endpoint);
    ASSERT_TRUE(defragmented.ok()) << endpoint << ": " << defragmented;
  }
  absl::StatusOr<std::vector<etcdserverpb::AlarmMember>> alarms = client->AlarmList();
  ASSERT_TRUE(alarms.ok()) << alarms.status();
  ASSERT_FALSE(alarms->empty());
  for (const etcdserverpb::AlarmMember& alarm : *alarms) ASSERT_TRUE(client->AlarmDisarm(alarm).ok());

  absl::Duration resumed;
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "after compaction, defragmentation and disarm", &resumed));
  std::printf("20 writes after etcd's space was recovered: %s\n", absl::FormatDuration(resumed).c_str());
  writers.Stop();
  const std::vector<AcknowledgedWrite> acknowledged = writers.acknowledged();
  ASSERT_NO_FATAL_FAILURE(ExpectMembersAgree(acknowledged, acknowledged.back().revision));
}

}  // namespace
}  // namespace ketenbeeld::testing
