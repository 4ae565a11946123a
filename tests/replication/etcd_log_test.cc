// EtcdLog against a real etcd member: a group too large for one request goes in parts and reads back whole
// (ReadLogGroup), an event larger than a part is refused with nothing written, a deposed leader writes no part, and
// trimming deletes the groups and parts below the kept group and nothing else.
#include "server/replication/etcd_log.h"

#include <memory>
#include <string>
#include <string_view>
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

}  // namespace
}  // namespace ketenbeeld::replication
