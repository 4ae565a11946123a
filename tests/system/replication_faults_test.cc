// A replicated region (docs/replication.md) when etcd, not a server, is what fails: one etcd member lost (writes go
// on after a short pause), two lost (no quorum: writes refused with UNAVAILABLE while reads and feeds go on, then
// writes resume), a server cut off from etcd by a network partition (a test-side TCP forwarder): the leader by one
// that drops packets, a follower by one that refuses connections or one that holds packets; and etcd out of space
// (NOSPACE: RESOURCE_EXHAUSTED until the operator compacts, defragments and disarms). Afterwards every member must hold
// the same log, byte for byte, with every acknowledged write at its revision.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/support/tcp_forwarder.h"
#include "tests/support/test_server.h"
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

  // The body of the cut-off follower tests (see there).
  void CutOffFollowerAndHeal(TcpForwarder::CutMode mode);

  // A member's /healthz (null when it does not answer).
  static nlohmann::json MemberHealth(int http_port) {
    httplib::Client client("127.0.0.1", http_port);
    client.set_read_timeout(2, 0);
    httplib::Result result = client.Get("/healthz");
    if (!result) return nullptr;
    return nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  }

  // Waits (bounded) until member i's health says log_reachable == `reachable`; returns how long that took, or
  // nullopt when it did not.
  std::optional<absl::Duration> WaitForLogReachable(int i, bool reachable, absl::Duration timeout) {
    const absl::Time start = absl::Now();
    while (absl::Now() - start < timeout) {
      const nlohmann::json health = MemberHealth(region_->member(i)->http_port());
      if (health.is_object() && health.value("log_reachable", !reachable) == reachable) return absl::Now() - start;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return std::nullopt;
  }

  // The forwarder that carries member i's etcd calls now (its client sends every call to one current etcd member):
  // the one whose traffic grows most while `writers` make `writes` more writes.
  TcpForwarder* ForwarderInUse(int i, ClosedLoopWriters& writers, int writes) {
    const std::vector<TcpForwarder*> forwarders = region_->EtcdForwarders(i);
    std::vector<int64_t> before;
    for (const TcpForwarder* forwarder : forwarders) before.push_back(forwarder->bytes_to_target());
    ExpectWritesFlow(writers, writes, "to find the etcd member in use");
    TcpForwarder* busiest = nullptr;
    int64_t most = -1;
    for (size_t f = 0; f < forwarders.size(); ++f) {
      const int64_t sent = forwarders[f]->bytes_to_target() - before[f];
      if (sent > most) {
        most = sent;
        busiest = forwarders[f];
      }
    }
    return busiest;
  }

  // Waits (bounded) until member i has logged that it settled an append's unknown outcome as `written` (or not).
  bool WaitForSettled(int i, bool written, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      for (const nlohmann::json& line : ParseJsonLines(region_->member(i)->log())) {
        if (line.value("event", "") == "append_settled" && line.value("written", !written) == written) return true;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
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
  // every key, the log's included), defragment every member, disarm, and check that no alarm came back. A member that
  // applied the filler late raises its alarm late (through raft, like a write). This test once saw writes refused for
  // 30 s after the disarm on a loaded machine, most likely so (the log did not say). Then the operator does it once
  // more; three rounds at most, and the rounds are printed.
  absl::StatusOr<etcd::GetResult> now = client->Get("/filler");
  ASSERT_TRUE(now.ok()) << now.status();
  ASSERT_TRUE(client->Compact(now->revision, /*physical=*/true).ok());
  const int target = writers.acknowledged_count() + 20;
  absl::Time disarmed = absl::InfinitePast();
  int rounds = 0;
  bool flowing = false;
  while (!flowing && rounds < 3) {
    ++rounds;
    for (const std::string& endpoint : region_->etcd().endpoints()) {
      absl::Status defragmented = client->Defragment(endpoint);
      ASSERT_TRUE(defragmented.ok()) << endpoint << ": " << defragmented;
    }
    absl::StatusOr<std::vector<etcdserverpb::AlarmMember>> alarms = client->AlarmList();
    ASSERT_TRUE(alarms.ok()) << alarms.status();
    ASSERT_TRUE(rounds > 1 || !alarms->empty()) << "no alarm was raised";
    for (const etcdserverpb::AlarmMember& alarm : *alarms) ASSERT_TRUE(client->AlarmDisarm(alarm).ok());
    disarmed = absl::Now();
    flowing = writers.WaitUntilAcknowledged(target, absl::Seconds(15));
    if (!flowing) {
      alarms = client->AlarmList();
      std::printf("round %d: writes did not flow within 15 s; %zu alarms are raised again\n", rounds,
                  alarms.ok() ? alarms->size() : size_t{0});
    }
  }
  ASSERT_TRUE(flowing) << "writes did not flow after compaction, defragmentation and disarm, " << rounds
                       << " rounds: " << writers.acknowledged_count() << " of " << target;
  const absl::Duration resumed = absl::Now() - disarmed;
  std::printf("20 writes after etcd's space was recovered: %s\n", absl::FormatDuration(resumed).c_str());
  writers.Stop();
  const std::vector<AcknowledgedWrite> acknowledged = writers.acknowledged();
  ASSERT_NO_FATAL_FAILURE(ExpectMembersAgree(acknowledged, acknowledged.back().revision));
}

// A follower cut off from etcd by a partition (`mode`): the leader keeps committing; the follower's health says
// within seconds that it cannot reach the log (its picture is only as new as what it applied before the cut); its
// feed stays open and delivers nothing new, without breaking; a write sent to it is forwarded to the leader (members
// reach each other outside etcd), committed there, and answered within the bounded wait (5 s, or before the
// caller's deadline) with the leader's revision and the trailer ketenbeeld-not-applied-here: true, although the
// follower cannot apply it yet. Once the cut heals, the follower catches up with no gap, byte for byte.
void ReplicationFaultsTest::CutOffFollowerAndHeal(TcpForwarder::CutMode mode) {
  ASSERT_NO_FATAL_FAILURE(StartRegion({.members = 3,
                                       .lease_ttl = absl::Seconds(2),
                                       .extra_args = {"--http_listen", "127.0.0.1:0"},
                                       .member_args = {},
                                       .etcd = {.members = 3},
                                       .etcd_through_forwarders = true}));
  const int leader = *region_->Leader();
  const int cut = (leader + 1) % region_->size();
  ClosedLoopWriters writers(*region_->member(leader), 2, "follower-cut");
  ResumingSubscriber cut_feed(region_->address(cut));
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "at the start"));
  ASSERT_TRUE(WaitForLogReachable(cut, true, absl::Seconds(10)).has_value()) << "the follower never reached the log";

  region_->CutFromEtcd(cut, mode);
  const std::optional<absl::Duration> noticed = WaitForLogReachable(cut, false, absl::Seconds(20));
  ASSERT_TRUE(noticed.has_value()) << "the cut-off follower's health does not say it cannot reach the log: "
                                   << MemberHealth(region_->member(cut)->http_port()).dump();
  std::printf("the cut-off follower's health said log_reachable false after %s\n",
              absl::FormatDuration(*noticed).c_str());
  const nlohmann::json health = MemberHealth(region_->member(cut)->http_port());
  EXPECT_EQ(health.value("role", ""), "follower") << health.dump();
  EXPECT_EQ(health.value("status", ""), "SERVING") << health.dump();  // It still serves what it has.
  EXPECT_TRUE(health.contains("log_contact_age_seconds")) << health.dump();

  // The leader keeps committing meanwhile.
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "while a follower is cut off from etcd"));
  EXPECT_EQ(region_->Leader(cut).value_or(-1), leader) << "the leader changed although only a follower was cut off";

  // Writes through the cut-off follower: the leader commits them; the follower, which cannot apply them, answers
  // within its bounded wait (5 s; before the caller's deadline when that comes first), flagged not applied here.
  std::unique_ptr<v1::PictureService::Stub> via_cut = region_->member(cut)->NewStub();
  std::vector<AcknowledgedWrite> forwarded;
  for (const absl::Duration caller_deadline : {absl::Seconds(60), absl::Seconds(2)}) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + caller_deadline));
    v1::RegisterOrganizationRequest request;
    *request.mutable_organization() =
        MakeOrganization(absl::StrCat("via-cut-follower-", absl::ToInt64Seconds(caller_deadline)));
    v1::WriteResponse response;
    const absl::Time start = absl::Now();
    const grpc::Status status = via_cut->RegisterOrganization(&context, request, &response);
    const absl::Duration took = absl::Now() - start;
    std::printf("a write through the cut-off follower (deadline %s) was answered after %s\n",
                absl::FormatDuration(caller_deadline).c_str(), absl::FormatDuration(took).c_str());
    ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
    EXPECT_LT(took, std::min(caller_deadline, absl::Seconds(5) + absl::Seconds(3)));
    const auto& trailers = context.GetServerTrailingMetadata();
    const auto flag = trailers.find("ketenbeeld-not-applied-here");
    ASSERT_NE(flag, trailers.end()) << "answered without saying the follower has not applied the write";
    EXPECT_EQ(std::string(flag->second.data(), flag->second.size()), "true");
    forwarded.push_back({response.revision(), response.record().name(), response.record()});

    v1::GetRequest get;
    get.set_name(response.record().name());
    v1::GetResponse got;
    EXPECT_TRUE(region_->member(leader)->NewStub()->Get(Deadline().get(), get, &got).ok())
        << "the write sent to the cut-off follower is not on the leader";
    EXPECT_EQ(got.record().mod_revision(), response.revision());
    EXPECT_EQ(region_->member(cut)->NewStub()->Get(Deadline().get(), get, &got).error_code(),
              grpc::StatusCode::NOT_FOUND)
        << "the cut-off follower applied a group it cannot have read";
  }

  region_->RestoreEtcd(cut);
  const std::optional<absl::Duration> healed = WaitForLogReachable(cut, true, absl::Seconds(20));
  ASSERT_TRUE(healed.has_value()) << "the healed follower still says it cannot reach the log";
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 20, "after the cut healed"));
  writers.Stop();

  std::vector<AcknowledgedWrite> acknowledged = writers.acknowledged();
  acknowledged.insert(acknowledged.end(), forwarded.begin(), forwarded.end());
  std::sort(acknowledged.begin(), acknowledged.end(),
            [](const AcknowledgedWrite& a, const AcknowledgedWrite& b) { return a.revision < b.revision; });
  const int64_t last = acknowledged.back().revision;
  ASSERT_NO_FATAL_FAILURE(ExpectMembersAgree(acknowledged, last));
  // The feed on the cut-off member saw every revision once, and never broke.
  ASSERT_TRUE(cut_feed.WaitUntilSeen(last, absl::Seconds(30)));
  cut_feed.Stop();
  const ResumingSubscriber::Observed seen = cut_feed.observed();
  EXPECT_TRUE(seen.violations.empty()) << absl::StrJoin(seen.violations, "\n");
  EXPECT_EQ(seen.resumes, 0) << "the feed on the cut-off follower broke";
  const nlohmann::json after = MemberHealth(region_->member(cut)->http_port());
  EXPECT_EQ(after.value("lag_revisions", ""), "0") << after.dump();
}

TEST_F(ReplicationFaultsTest, FollowerCutOffFromEtcdSaysSoAndCatchesUpWithoutAGap) {
  // A partition that refuses connections: the follower's etcd calls fail at once.
  CutOffFollowerAndHeal(TcpForwarder::CutMode::kDrop);
}

TEST_F(ReplicationFaultsTest, FollowerWhoseEtcdLinkHangsSaysSoAndCatchesUpWithoutAGap) {
  // A partition that holds packets: the follower's etcd calls and watches hang until their deadlines and probes end
  // them, and its reads of head fail, so its last contact with the log grows old as with kDrop.
  CutOffFollowerAndHeal(TcpForwarder::CutMode::kHold);
}

// etcd's answer to the leader's commit transaction arrives after the transaction's deadline (2 s), then, on the etcd
// member the leader moved on to, the request itself does: a slow link to one etcd member. The leader settles each
// outcome with its compare-and-set through another etcd member (docs/replication.md, "Commit"). The write whose
// transaction applied is acknowledged, once; the writes whose request came late are refused "settled: nothing was
// written" and never appear, also after their request reached etcd. The log holds exactly the acknowledged writes.
TEST_F(ReplicationFaultsTest, DelayedAnswersFromEtcdAreSettledWithoutLossOrDuplicate) {
  // A 10 s lease: the leader's lease keep-alive shares the slow link, and must outlast the delay.
  ASSERT_NO_FATAL_FAILURE(StartRegion({.members = 2,
                                       .lease_ttl = absl::Seconds(10),
                                       .extra_args = {},
                                       .member_args = {},
                                       .etcd = {.members = 3},
                                       .etcd_through_forwarders = true}));
  const int leader = *region_->Leader();
  // Writers that talk to the leader only, and go on after a refused write.
  ClosedLoopWriters writers(region_->address(leader), 2, "delayed");
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 10, "at the start"));

  // The answer is late: the transaction applied; the compare-and-set finds the group in the log.
  TcpForwarder* slow = ForwarderInUse(leader, writers, 10);
  ASSERT_NE(slow, nullptr);
  const int failed_before = writers.failed_writes();
  slow->SetDelay(TcpForwarder::Direction::kFromTarget, absl::Seconds(3));
  const bool settled_written = WaitForSettled(leader, /*written=*/true, absl::Seconds(20));
  slow->SetDelay(TcpForwarder::Direction::kFromTarget, {});
  ASSERT_TRUE(settled_written) << "the leader did not settle a late answer as written";
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 10, "after a late answer"));
  EXPECT_EQ(writers.failed_writes(), failed_before) << "a write whose transaction applied was refused";
  EXPECT_EQ(region_->Leader().value_or(-1), leader) << "the leader stepped down over a late answer";

  // The request is late: the compare-and-set moves head first, so the request can never apply.
  slow = ForwarderInUse(leader, writers, 10);
  ASSERT_NE(slow, nullptr);
  slow->SetDelay(TcpForwarder::Direction::kToTarget, absl::Seconds(3));
  const bool settled_not_written = WaitForSettled(leader, /*written=*/false, absl::Seconds(20));
  slow->SetDelay(TcpForwarder::Direction::kToTarget, {});
  ASSERT_TRUE(settled_not_written) << "the leader did not settle a late request as not written";
  const std::vector<grpc::Status> refused = WaitForFailures(writers, failed_before, 1);
  ASSERT_FALSE(refused.empty());
  for (const grpc::Status& status : refused) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    EXPECT_NE(status.error_message().find("settled"), std::string::npos) << status.error_message();
  }
  absl::SleepFor(absl::Seconds(3));  // The late request reaches etcd meanwhile, and fails its compare.
  ASSERT_NO_FATAL_FAILURE(ExpectWritesFlow(writers, 10, "after a late request"));
  writers.Stop();

  const std::vector<AcknowledgedWrite> acknowledged = writers.acknowledged();
  ASSERT_NO_FATAL_FAILURE(ExpectMembersAgree(acknowledged, acknowledged.back().revision));
  // Every event in the log is an acknowledged write (each write is one event here): nothing refused was written,
  // and nothing acknowledged was written twice.
  std::unique_ptr<v1::PictureService::Stub> stub = region_->member(leader)->NewStub();
  absl::StatusOr<WholeLog> log = ReadWholeLog(*stub);
  ASSERT_TRUE(log.ok()) << log.status();
  std::vector<int64_t> acknowledged_revisions;
  for (const AcknowledgedWrite& write : acknowledged) acknowledged_revisions.push_back(write.revision);
  std::vector<int64_t> logged_revisions;
  for (const v1::Event& event : log->events) logged_revisions.push_back(event.revision());
  EXPECT_EQ(logged_revisions, acknowledged_revisions);
}

}  // namespace
}  // namespace ketenbeeld::testing
