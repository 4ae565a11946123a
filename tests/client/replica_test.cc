#include "client/replica.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/feed_messages.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::client {
namespace {

using ::ketenbeeld::client::testing::Heartbeat;
using ::ketenbeeld::client::testing::Synced;
using ::ketenbeeld::testing::ParseTextProto;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Record OrganizationRecord(const std::string& id, const std::string& name) {
  v1::Record record;
  record.set_name("organizations/" + id);
  record.set_kind(v1::ENTITY_KIND_ORGANIZATION);
  record.mutable_organization()->set_id(id);
  record.mutable_organization()->set_name(name);
  return record;
}

v1::SubscribeResponse Snapshot(int64_t revision, const std::vector<v1::Record>& records) {
  v1::SubscribeResponse message;
  message.mutable_snapshot()->set_revision(revision);
  for (const v1::Record& record : records) *message.mutable_snapshot()->add_records() = record;
  return message;
}

void AddPut(v1::SubscribeResponse* message, int64_t revision, const v1::Record& record) {
  v1::Event* event = message->mutable_events()->add_events();
  event->set_revision(revision);
  event->set_type(v1::EVENT_TYPE_PUT);
  *event->mutable_record() = record;
}

void AddDelete(v1::SubscribeResponse* message, int64_t revision, const std::string& name) {
  v1::Event* event = message->mutable_events()->add_events();
  event->set_revision(revision);
  event->set_type(v1::EVENT_TYPE_DELETE);
  event->mutable_record()->set_name(name);
}

std::vector<std::string> Names(const Replica& replica) {
  std::vector<std::string> names;
  for (const auto& [name, record] : replica.records()) names.push_back(name);
  return names;
}

TEST(ReplicaTest, SnapshotInChunksThenEventsBuildThePicture) {
  Replica replica;
  ASSERT_TRUE(replica.Apply(Snapshot(10, {OrganizationRecord("b", "B"), OrganizationRecord("c", "C")})).ok());
  // Chunks are collected aside: nothing is visible before synced.
  EXPECT_FALSE(replica.is_synced());
  EXPECT_TRUE(replica.records().empty());
  ASSERT_TRUE(replica.Apply(Snapshot(10, {OrganizationRecord("d", "D")})).ok());
  ASSERT_TRUE(replica.Apply(Synced(10)).ok());
  EXPECT_TRUE(replica.is_synced());
  EXPECT_EQ(replica.revision(), 10);
  EXPECT_EQ(replica.last_seen_revision(), 10);
  EXPECT_THAT(Names(replica), ElementsAre("organizations/b", "organizations/c", "organizations/d"));

  v1::SubscribeResponse batch;
  AddPut(&batch, 11, OrganizationRecord("a", "A"));
  AddPut(&batch, 12, OrganizationRecord("c", "C renamed"));
  AddDelete(&batch, 13, "organizations/d");
  ASSERT_TRUE(replica.Apply(batch).ok());
  EXPECT_EQ(replica.revision(), 13);
  EXPECT_EQ(replica.last_seen_revision(), 13);
  EXPECT_THAT(Names(replica), ElementsAre("organizations/a", "organizations/b", "organizations/c"));
  ASSERT_NE(replica.Find("organizations/c"), nullptr);
  EXPECT_EQ(replica.Find("organizations/c")->organization().name(), "C renamed");
  EXPECT_EQ(replica.Find("organizations/d"), nullptr);
}

TEST(ReplicaTest, DuplicateRevisionIsAnErrorAndLeavesTheReplicaUnchanged) {
  Replica replica;
  ASSERT_TRUE(replica.Apply(Snapshot(5, {OrganizationRecord("a", "A")})).ok());
  ASSERT_TRUE(replica.Apply(Synced(5)).ok());
  v1::SubscribeResponse first;
  AddPut(&first, 6, OrganizationRecord("b", "B"));
  ASSERT_TRUE(replica.Apply(first).ok());

  // The batch starts with a new revision but then repeats 6: nothing of it may be applied.
  v1::SubscribeResponse replayed;
  AddPut(&replayed, 7, OrganizationRecord("c", "C"));
  AddPut(&replayed, 7, OrganizationRecord("d", "D"));
  absl::Status status = replica.Apply(replayed);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("duplicate event revision 7"));
  EXPECT_EQ(replica.last_seen_revision(), 6);
  EXPECT_THAT(Names(replica), ElementsAre("organizations/a", "organizations/b"));

  // An event at or below the synced revision is a duplicate too.
  v1::SubscribeResponse old;
  AddPut(&old, 4, OrganizationRecord("e", "E"));
  EXPECT_EQ(replica.Apply(old).code(), absl::StatusCode::kDataLoss);
}

TEST(ReplicaTest, GapIsDetectedOnAContiguousFeedOnly) {
  v1::SubscribeResponse skipping;
  AddPut(&skipping, 9, OrganizationRecord("a", "A"));

  Replica contiguous({.expect_contiguous_revisions = true});
  ASSERT_TRUE(contiguous.Apply(Synced(7)).ok());
  absl::Status status = contiguous.Apply(skipping);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("revision gap: event 9 after revision 7 (missing 8..8)"));
  EXPECT_EQ(contiguous.last_seen_revision(), 7);

  // A filtered feed skips non-matching revisions by design.
  Replica filtered;
  ASSERT_TRUE(filtered.Apply(Synced(7)).ok());
  EXPECT_TRUE(filtered.Apply(skipping).ok());
  EXPECT_EQ(filtered.last_seen_revision(), 9);
}

TEST(ReplicaTest, HeartbeatAdvancesTheResumeBookmarkButNotTheRecordsRevision) {
  Replica replica({.expect_contiguous_revisions = true});
  ASSERT_TRUE(replica.Apply(Snapshot(3, {})).ok());
  ASSERT_TRUE(replica.Apply(Synced(3)).ok());
  ASSERT_TRUE(replica.Apply(Heartbeat(8)).ok());
  EXPECT_EQ(replica.last_seen_revision(), 8);
  EXPECT_EQ(replica.revision(), 3);
  // An older heartbeat never moves the bookmark back.
  ASSERT_TRUE(replica.Apply(Heartbeat(6)).ok());
  EXPECT_EQ(replica.last_seen_revision(), 8);
  // After the heartbeat, an event at or below it is a duplicate, and the next one must be 9.
  v1::SubscribeResponse stale;
  AddPut(&stale, 8, OrganizationRecord("a", "A"));
  EXPECT_EQ(replica.Apply(stale).code(), absl::StatusCode::kDataLoss);
  v1::SubscribeResponse next;
  AddPut(&next, 9, OrganizationRecord("a", "A"));
  EXPECT_TRUE(replica.Apply(next).ok());
  EXPECT_EQ(replica.revision(), 9);
}

TEST(ReplicaTest, ResumeKeepsRecordsWhenSyncedMatchesTheBookmark) {
  Replica replica;
  ASSERT_TRUE(replica.Apply(Snapshot(5, {OrganizationRecord("a", "A")})).ok());
  ASSERT_TRUE(replica.Apply(Synced(5)).ok());
  ASSERT_TRUE(replica.Apply(Heartbeat(9)).ok());
  // The reconnected stream (from_revision = 9) starts with synced{9}.
  ASSERT_TRUE(replica.Apply(Synced(9)).ok());
  EXPECT_THAT(Names(replica), ElementsAre("organizations/a"));
  // A synced that does not match what was seen means the server resumed elsewhere: refuse.
  absl::Status status = replica.Apply(Synced(12));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("last revision seen is 9"));
}

TEST(ReplicaTest, ResetDropsEverythingUntilTheFreshSnapshotIsSynced) {
  Replica replica;
  ASSERT_TRUE(replica.Apply(Snapshot(5, {OrganizationRecord("a", "A")})).ok());
  ASSERT_TRUE(replica.Apply(Synced(5)).ok());
  ASSERT_TRUE(replica.Apply(ParseTextProto<v1::SubscribeResponse>("reset { compacted_revision: 40 }")).ok());
  EXPECT_FALSE(replica.is_synced());
  EXPECT_TRUE(replica.records().empty());
  EXPECT_EQ(replica.last_seen_revision(), 0);  // A reconnect now must start with a snapshot.
  EXPECT_EQ(replica.last_reset_compacted_revision(), 40);
  // Events before the fresh snapshot's synced are a protocol error.
  v1::SubscribeResponse early;
  AddPut(&early, 41, OrganizationRecord("x", "X"));
  EXPECT_EQ(replica.Apply(early).code(), absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(replica.Apply(Snapshot(50, {OrganizationRecord("b", "B")})).ok());
  ASSERT_TRUE(replica.Apply(Synced(50)).ok());
  EXPECT_THAT(Names(replica), ElementsAre("organizations/b"));
  EXPECT_EQ(replica.revision(), 50);
}

TEST(ReplicaTest, ProtocolViolationsAreReported) {
  Replica replica;
  EXPECT_EQ(replica.Apply(Heartbeat(3)).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(replica.Apply(Snapshot(5, {})).ok());
  EXPECT_EQ(replica.Apply(Snapshot(6, {})).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(replica.Apply(Synced(6)).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(replica.Apply(Synced(5)).ok());
  v1::SubscribeResponse untyped =
      ParseTextProto<v1::SubscribeResponse>("events { events { revision: 6 record { name: \"organizations/a\" } } }");
  EXPECT_EQ(replica.Apply(untyped).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(replica.last_seen_revision(), 5);
}

TEST(ReplicaTest, ASnapshotWhileLiveReplacesRecordsOnlyAtItsSynced) {
  Replica replica;
  ASSERT_TRUE(replica.Apply(Snapshot(5, {OrganizationRecord("a", "A")})).ok());
  ASSERT_TRUE(replica.Apply(Synced(5)).ok());
  ASSERT_TRUE(replica.Apply(Snapshot(20, {OrganizationRecord("z", "Z")})).ok());
  EXPECT_THAT(Names(replica), ElementsAre("organizations/a"));  // The old picture stays readable meanwhile.
  ASSERT_TRUE(replica.Apply(Synced(20)).ok());
  EXPECT_THAT(Names(replica), ElementsAre("organizations/z"));
}

TEST(ReplicaTest, ANewStreamDiscardsAHalfDeliveredSnapshot) {
  Replica replica;
  ASSERT_TRUE(replica.Apply(Snapshot(40, {OrganizationRecord("stale", "S")})).ok());
  // Without being told, a snapshot at another revision is a protocol error...
  EXPECT_EQ(replica.Apply(Snapshot(41, {})).code(), absl::StatusCode::kFailedPrecondition);
  // ...but after a reconnect it is simply the new stream's snapshot.
  replica.OnNewStream();
  ASSERT_TRUE(replica.Apply(Snapshot(41, {OrganizationRecord("fresh", "F")})).ok());
  ASSERT_TRUE(replica.Apply(Synced(41)).ok());
  EXPECT_THAT(Names(replica), ElementsAre("organizations/fresh"));

  // A live replica keeps its records and bookmark across a new stream.
  replica.OnNewStream();
  EXPECT_TRUE(replica.is_synced());
  EXPECT_TRUE(replica.Apply(Synced(41)).ok());
  EXPECT_THAT(Names(replica), ElementsAre("organizations/fresh"));
}

}  // namespace
}  // namespace ketenbeeld::client
