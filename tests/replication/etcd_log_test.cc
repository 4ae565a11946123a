// EtcdLog against a real etcd member: a group too large for one request goes in parts and reads back whole
// (ReadLogGroup), an event larger than a part is refused with nothing written, a deposed leader writes no part, and
// trimming deletes the groups and parts below the kept group and nothing else.
//
// Unknown outcomes (EtcdLogOutcomeTest): the log reaches etcd through two TCP forwarders (tests/support/
// tcp_forwarder.h), so a test can delay etcd's answer, or the request itself, past the transaction's deadline on
// the endpoint the append goes to. The compare-and-set that settles the outcome then goes to the other endpoint.
#include "server/replication/etcd_log.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "etcd/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/server/v1/replication.pb.h"
#include "server/replication/follower.h"
#include "server/replication/keyspace.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/tcp_forwarder.h"

namespace ketenbeeld::replication {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class EtcdLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::EtcdCluster::Available()) GTEST_SKIP() << testing::EtcdCluster::kMissing;
    absl::StatusOr<std::unique_ptr<testing::EtcdCluster>> cluster = testing::EtcdCluster::Start({.members = 1});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    absl::StatusOr<std::unique_ptr<etcd::Client>> client = etcd::Client::Connect({.endpoints = cluster_->endpoints()});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    log_ = std::make_unique<EtcdLog>(*client_, keys_, EtcdLog::Options{.max_entry_bytes = 1024});
    absl::StatusOr<etcd::Lease> lease = client_->Grant(absl::Seconds(30));
    ASSERT_TRUE(lease.ok()) << lease.status();
    absl::StatusOr<v3electionpb::LeaderKey> leader =
        client_->Campaign(keys_.election(), lease->id, "me", absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(leader.ok()) << leader.status();
    leader_ = *leader;
    log_->Lead(leader_.key(), leader_.rev(), /*head=*/0, /*head_mod_revision=*/0);
  }

  // `count` events of `size` bytes each, distinct.
  static std::vector<std::string> Events(int64_t first, int count, size_t size) {
    std::vector<std::string> events;
    for (int i = 0; i < count; ++i) {
      std::string event = absl::StrCat("event ", first + i, " ");
      event.resize(size, static_cast<char>('a' + (first + i) % 26));
      events.push_back(event);
    }
    return events;
  }

  absl::Status Append(int64_t first, const std::vector<std::string>& events) {
    const std::vector<std::string_view> views(events.begin(), events.end());
    return log_->Append(first, first + static_cast<int64_t>(events.size()) - 1, absl::Now(), views);
  }

  std::vector<mvccpb::KeyValue> Keys(const std::string& prefix) {
    etcdserverpb::RangeRequest range;
    range.set_key(prefix);
    range.set_range_end(etcd::PrefixEnd(prefix));
    absl::StatusOr<etcdserverpb::RangeResponse> response = client_->Range(range);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return {};
    return {response->kvs().begin(), response->kvs().end()};
  }

  const Keyspace keys_{"/test/VR10/"};
  std::unique_ptr<testing::EtcdCluster> cluster_;
  std::unique_ptr<etcd::Client> client_;
  std::unique_ptr<EtcdLog> log_;
  v3electionpb::LeaderKey leader_;
};

TEST_F(EtcdLogTest, LargeGroupGoesInPartsAndReadsBackWhole) {
  const std::vector<std::string> large = Events(1, 20, 200);  // ~4 KiB: parts of at most 1 KiB.
  ASSERT_TRUE(Append(1, large).ok());
  const std::vector<std::string> small = Events(21, 2, 50);
  ASSERT_TRUE(Append(21, small).ok());

  const std::vector<mvccpb::KeyValue> entries = Keys(keys_.log_prefix());
  ASSERT_EQ(entries.size(), 2u);
  server::v1::LogGroup manifest;
  ASSERT_TRUE(manifest.ParseFromString(entries[0].value()));
  EXPECT_GE(manifest.parts(), 4);
  EXPECT_EQ(manifest.events_size(), 0);
  EXPECT_EQ(static_cast<int>(Keys(keys_.parts_prefix()).size()), manifest.parts());
  for (const mvccpb::KeyValue& part : Keys(keys_.parts_prefix())) EXPECT_LE(part.value().size(), 1024u);

  absl::StatusOr<pipeline::ReplicatedGroup> read = ReadLogGroup(*client_, keys_, entries[0].key(), entries[0].value());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->first_revision, 1);
  EXPECT_EQ(read->last_revision, 20);
  EXPECT_THAT(read->events, ElementsAreArray(large));
  read = ReadLogGroup(*client_, keys_, entries[1].key(), entries[1].value());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->events, ElementsAreArray(small));

  // A missing part is data loss, not a short group.
  const std::vector<mvccpb::KeyValue> parts = Keys(keys_.parts_prefix());
  ASSERT_TRUE(client_->Put(parts[1].key(), "").ok());  // An empty part parses, and holds no event.
  read = ReadLogGroup(*client_, keys_, entries[0].key(), entries[0].value());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss) << read.status();
}

TEST_F(EtcdLogTest, EventLargerThanAPartIsRefusedAndNothingIsWritten) {
  const absl::Status refused = Append(1, Events(1, 1, 2000));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("nothing was written"));
  EXPECT_TRUE(Keys(keys_.log_prefix()).empty());
  EXPECT_TRUE(Keys(keys_.parts_prefix()).empty());
  EXPECT_TRUE(Keys(keys_.head()).empty());
  EXPECT_TRUE(Append(1, Events(1, 1, 100)).ok());  // The log goes on at the same revision.
}

TEST_F(EtcdLogTest, DeposedLeaderWritesNoPart) {
  ASSERT_TRUE(client_->Resign(leader_).ok());
  const absl::Status refused = Append(1, Events(1, 20, 200));
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_TRUE(Keys(keys_.parts_prefix()).empty());
  EXPECT_TRUE(Keys(keys_.log_prefix()).empty());
}

TEST_F(EtcdLogTest, TrimDeletesTheGroupsAndPartsBelowTheKeptGroupOnly) {
  // Groups at 1 (parts), 21, 23 (parts), 43.
  ASSERT_TRUE(Append(1, Events(1, 20, 200)).ok());
  ASSERT_TRUE(Append(21, Events(21, 2, 50)).ok());
  ASSERT_TRUE(Append(23, Events(23, 20, 200)).ok());
  ASSERT_TRUE(Append(43, Events(43, 1, 50)).ok());

  // Revision 30 is inside the group at 23: that group and every later one stay.
  absl::StatusOr<EtcdLog::Trimmed> trimmed = log_->Trim(30);
  ASSERT_TRUE(trimmed.ok()) << trimmed.status();
  EXPECT_EQ(trimmed->first_revision, 23);
  EXPECT_EQ(trimmed->groups_deleted, 2);
  const std::vector<mvccpb::KeyValue> entries = Keys(keys_.log_prefix());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(keys_.LogKeyRevision(entries[0].key()), 23);
  for (const mvccpb::KeyValue& part : Keys(keys_.parts_prefix())) {
    EXPECT_THAT(part.key(), ::testing::StartsWith(keys_.PartsFrom(23))) << "a part below the kept group is left";
  }
  absl::StatusOr<pipeline::ReplicatedGroup> kept = ReadLogGroup(*client_, keys_, entries[0].key(), entries[0].value());
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->events.size(), 20u);

  // Trimming again to the same point deletes nothing; the log goes on.
  trimmed = log_->Trim(30);
  ASSERT_TRUE(trimmed.ok()) << trimmed.status();
  EXPECT_EQ(trimmed->groups_deleted, 0);
  EXPECT_TRUE(Append(44, Events(44, 1, 50)).ok());

  // Only the leader trims.
  log_->StepDown();
  EXPECT_EQ(log_->Trim(44).status().code(), absl::StatusCode::kUnavailable);
}

// An append whose answer (or request) is delayed past the transaction's deadline: the log settles the outcome with
// its fenced compare-and-set on head through the other endpoint. Every outcome must leave the log exactly as the
// callers were told: a group reported durable is in the log once, one reported as not written never appears, and
// the log goes on at the next revision without a needless loss of the leadership.
class EtcdLogOutcomeTest : public ::testing::Test {
 protected:
  static constexpr absl::Duration kTimeout = absl::Seconds(1);
  // Longer than the transaction's deadline: what is delayed arrives after the caller gave up.
  static constexpr absl::Duration kDelay = absl::Seconds(2);

  void SetUp() override {
    if (!testing::EtcdCluster::Available()) GTEST_SKIP() << testing::EtcdCluster::kMissing;
    absl::StatusOr<std::unique_ptr<testing::EtcdCluster>> cluster = testing::EtcdCluster::Start({.members = 1});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    absl::StatusOr<std::unique_ptr<etcd::Client>> direct = etcd::Client::Connect({.endpoints = cluster_->endpoints()});
    ASSERT_TRUE(direct.ok()) << direct.status();
    direct_ = *std::move(direct);
    std::vector<std::string> through;
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<std::unique_ptr<testing::TcpForwarder>> forwarder =
          testing::TcpForwarder::Start(cluster_->endpoint(0));
      ASSERT_TRUE(forwarder.ok()) << forwarder.status();
      through.push_back((*forwarder)->address());
      forwarders_.push_back(*std::move(forwarder));
    }
    absl::StatusOr<std::unique_ptr<etcd::Client>> client =
        etcd::Client::Connect({.endpoints = through, .request_timeout = kTimeout});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    log_ = std::make_unique<EtcdLog>(
        *client_, keys_,
        EtcdLog::Options{
            .timeout = kTimeout, .settle_attempts = 3, .on_lost = [this](const absl::Status&) { ++lost_; }});
    absl::StatusOr<v3electionpb::LeaderKey> leader = Campaign("first");
    ASSERT_TRUE(leader.ok()) << leader.status();
    leader_ = *leader;
    log_->Lead(leader_.key(), leader_.rev(), /*head=*/0, /*head_mod_revision=*/0);
    ASSERT_TRUE(Append(*log_, 1, 1).ok());  // The log's connection is up, on its current endpoint.
  }

  // Takes the election with a new lease (the previous leader must have resigned).
  absl::StatusOr<v3electionpb::LeaderKey> Campaign(const std::string& value) {
    absl::StatusOr<etcd::Lease> lease = direct_->Grant(absl::Seconds(30));
    if (!lease.ok()) return lease.status();
    return direct_->Campaign(keys_.election(), lease->id, value, absl::Now() + absl::Seconds(5));
  }

  // The forwarder the log's next call goes through.
  testing::TcpForwarder& Current() {
    return forwarders_[0]->address() == client_->current_endpoint() ? *forwarders_[0] : *forwarders_[1];
  }

  static absl::Status Append(EtcdLog& log, int64_t first, int64_t last) {
    std::vector<std::string> events;
    for (int64_t r = first; r <= last; ++r) events.push_back(absl::StrCat("event ", r));
    const std::vector<std::string_view> views(events.begin(), events.end());
    return log.Append(first, last, absl::Now(), views);
  }

  // The first revision of every group in the log, and head's value: read directly from etcd.
  std::vector<int64_t> Groups() {
    etcdserverpb::RangeRequest range;
    range.set_key(keys_.log_prefix());
    range.set_range_end(etcd::PrefixEnd(keys_.log_prefix()));
    absl::StatusOr<etcdserverpb::RangeResponse> response = direct_->Range(range);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<int64_t> firsts;
    if (!response.ok()) return firsts;
    for (const mvccpb::KeyValue& kv : response->kvs()) firsts.push_back(keys_.LogKeyRevision(kv.key()).value_or(-1));
    return firsts;
  }
  std::string Head() {
    absl::StatusOr<etcd::GetResult> head = direct_->Get(keys_.head());
    EXPECT_TRUE(head.ok()) << head.status();
    return head.ok() && head->kv.has_value() ? head->kv->value() : "";
  }
  // The group at `first` as a follower reads it.
  absl::StatusOr<pipeline::ReplicatedGroup> ReadGroup(int64_t first) {
    absl::StatusOr<etcd::GetResult> entry = direct_->Get(keys_.LogKey(first));
    if (!entry.ok()) return entry.status();
    if (!entry->kv.has_value()) return absl::NotFoundError(absl::StrCat("no group at ", first));
    return ReadLogGroup(*direct_, keys_, entry->kv->key(), entry->kv->value());
  }

  const Keyspace keys_{"/test/VR10/"};
  std::unique_ptr<testing::EtcdCluster> cluster_;
  std::unique_ptr<etcd::Client> direct_;  // Straight to etcd: the test's own reads and the election.
  std::vector<std::unique_ptr<testing::TcpForwarder>> forwarders_;
  std::unique_ptr<etcd::Client> client_;  // The log's, through the forwarders.
  std::unique_ptr<EtcdLog> log_;
  v3electionpb::LeaderKey leader_;
  std::atomic<int> lost_{0};
};

TEST_F(EtcdLogOutcomeTest, AnAnswerDelayedPastTheDeadlineIsSettledAsDurableOnce) {
  Current().SetDelay(testing::TcpForwarder::Direction::kFromTarget, kDelay);
  const absl::Time start = absl::Now();
  const absl::Status appended = Append(*log_, 2, 3);
  const absl::Duration took = absl::Now() - start;
  // The transaction applied; its answer came too late, so the compare-and-set found the group in the log.
  ASSERT_TRUE(appended.ok()) << appended;
  EXPECT_GE(took, kTimeout) << "the answer was not delayed past the deadline";
  EXPECT_TRUE(log_->leading());
  EXPECT_EQ(lost_.load(), 0);
  EXPECT_THAT(Groups(), ElementsAreArray({1, 2}));
  EXPECT_EQ(Head(), "3");
  absl::StatusOr<pipeline::ReplicatedGroup> group = ReadGroup(2);
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_THAT(group->events, ElementsAreArray({"event 2", "event 3"}));

  // The late answer arrives and changes nothing; the log goes on at the next revision, under the same leadership
  // (the settling updated head's mod revision, the append's second fence).
  for (const auto& forwarder : forwarders_) forwarder->SetDelay(testing::TcpForwarder::Direction::kFromTarget, {});
  absl::SleepFor(kDelay - took + absl::Milliseconds(200));
  const absl::Status next = Append(*log_, 4, 4);
  EXPECT_TRUE(next.ok()) << next;
  EXPECT_THAT(Groups(), ElementsAreArray({1, 2, 4}));
  EXPECT_EQ(Head(), "4");
}

TEST_F(EtcdLogOutcomeTest, ARequestDelayedPastTheDeadlineIsSettledAsNotWrittenAndNeverApplies) {
  Current().SetDelay(testing::TcpForwarder::Direction::kToTarget, kDelay);
  const absl::Time start = absl::Now();
  const absl::Status refused = Append(*log_, 2, 3);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("settled"));
  EXPECT_THAT(std::string(refused.message()), HasSubstr("nothing was written"));
  EXPECT_TRUE(log_->leading());
  EXPECT_EQ(lost_.load(), 0);

  // The delayed request reaches etcd after the compare-and-set moved head: its compare fails, it never applies.
  for (const auto& forwarder : forwarders_) forwarder->SetDelay(testing::TcpForwarder::Direction::kToTarget, {});
  absl::SleepFor(kDelay - (absl::Now() - start) + absl::Milliseconds(500));
  EXPECT_THAT(Groups(), ElementsAreArray({1}));
  EXPECT_EQ(Head(), "1");

  // The committer plans the write again: it goes in at the same revision, once.
  const absl::Status retried = Append(*log_, 2, 2);
  EXPECT_TRUE(retried.ok()) << retried;
  EXPECT_THAT(Groups(), ElementsAreArray({1, 2}));
  EXPECT_EQ(Head(), "2");
  absl::StatusOr<pipeline::ReplicatedGroup> group = ReadGroup(2);
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_THAT(group->events, ElementsAreArray({"event 2"}));
}

TEST_F(EtcdLogOutcomeTest, WhenNoAnswerSettlesTheOutcomeTheMemberStopsLeading) {
  for (const auto& forwarder : forwarders_) {
    forwarder->SetDelay(testing::TcpForwarder::Direction::kFromTarget, absl::Seconds(10));
  }
  const absl::Status unknown = Append(*log_, 2, 2);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kUnavailable) << unknown;
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("not known yet"));
  EXPECT_FALSE(log_->leading());
  EXPECT_EQ(lost_.load(), 1);
  // The transaction did apply: the member's follower loop applies the group from the log (ReadLogGroup).
  absl::StatusOr<pipeline::ReplicatedGroup> group = ReadGroup(2);
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->last_revision, 2);
  // A member that stopped leading refuses at once.
  EXPECT_EQ(Append(*log_, 3, 3).code(), absl::StatusCode::kUnavailable);
}

// A member deposed while its append's outcome is unknown must not move head: the new leader read head at its
// takeover and fences its own appends on head's mod revision. Before the compare-and-set was fenced by the
// leadership, the deposed member's settling succeeded and the new leader's first append failed (it lost the
// leadership for nothing, and its callers' writes were refused).
TEST_F(EtcdLogOutcomeTest, ADeposedMembersSettlingLeavesTheNewLeadersLogAlone) {
  ASSERT_TRUE(direct_->Resign(leader_).ok());
  absl::StatusOr<v3electionpb::LeaderKey> successor = Campaign("second");
  ASSERT_TRUE(successor.ok()) << successor.status();
  absl::StatusOr<etcd::GetResult> head = direct_->Get(keys_.head());
  ASSERT_TRUE(head.ok() && head->kv.has_value()) << head.status();
  EtcdLog new_leader(*direct_, keys_, EtcdLog::Options{.timeout = kTimeout});
  new_leader.Lead(successor->key(), successor->rev(), 1, head->kv->mod_revision());

  // The old leader does not know yet; its request is delayed past its deadline.
  Current().SetDelay(testing::TcpForwarder::Direction::kToTarget, kDelay);
  const absl::Status refused = Append(*log_, 2, 2);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("lost the leadership"));
  EXPECT_FALSE(log_->leading());
  EXPECT_EQ(lost_.load(), 1);
  EXPECT_EQ(Head(), "1");

  const absl::Status appended = Append(new_leader, 2, 2);
  EXPECT_TRUE(appended.ok()) << appended;
  EXPECT_TRUE(new_leader.leading());
  EXPECT_THAT(Groups(), ElementsAreArray({1, 2}));
  for (const auto& forwarder : forwarders_) forwarder->SetDelay(testing::TcpForwarder::Direction::kToTarget, {});
}

// The append applied, its answer is late, and the member is deposed before it settles: the write is durable and
// reported so (its callers must not repeat it), and the member stops leading.
TEST_F(EtcdLogOutcomeTest, AGroupThatAppliedIsDurableAlsoWhenTheMemberWasDeposedMeanwhile) {
  Current().SetDelay(testing::TcpForwarder::Direction::kFromTarget, kDelay);
  std::optional<absl::Status> appended;
  std::thread append([&] { appended = Append(*log_, 2, 3); });
  // Depose the member as soon as its group is in the log, well before its transaction's deadline (bounded wait).
  const absl::Time deadline = absl::Now() + kTimeout / 2;
  while (Groups().size() < 2 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  const bool deposed_in_time = Groups().size() == 2 && direct_->Resign(leader_).ok() && absl::Now() < deadline;
  append.join();
  ASSERT_TRUE(deposed_in_time) << "the group did not reach etcd, or the member was not deposed within "
                               << absl::FormatDuration(kTimeout / 2);
  ASSERT_TRUE(appended.has_value());
  EXPECT_TRUE(appended->ok()) << *appended;
  EXPECT_FALSE(log_->leading());
  EXPECT_EQ(lost_.load(), 1);
  EXPECT_THAT(Groups(), ElementsAreArray({1, 2}));
  EXPECT_EQ(Head(), "3");
  for (const auto& forwarder : forwarders_) forwarder->SetDelay(testing::TcpForwarder::Direction::kFromTarget, {});
}

}  // namespace
}  // namespace ketenbeeld::replication
