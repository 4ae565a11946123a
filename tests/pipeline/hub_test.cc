// The hub: the ring, catch-up from the log, commit-group boundaries, parking and waking.
#include "server/pipeline/hub.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::pipeline {
namespace {

class CountingListener : public Listener {
 public:
  void Wake() override { wakes.fetch_add(1); }
  std::atomic<int> wakes{0};
};

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<storage::Store>> store =
        storage::Store::Open({.path = dir_.path() + "/db", .sync = false, .small_buffers = true});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // Commits a group of `size` events (each `payload` bytes of free text) to the store and returns them.
  std::vector<state::EventPtr> CommitGroup(int size, size_t payload = 10) {
    std::vector<state::EventPtr> events;
    std::vector<storage::LogEntry> entries;
    const int64_t first = store_->last_revision() + 1;
    for (int i = 0; i < size; ++i) {
      v1::Event event;
      event.set_revision(first + i);
      event.set_group_last_revision(first + size - 1);
      event.set_type(v1::EVENT_TYPE_PUT);
      event.mutable_record()->set_name(i % 2 == 0 ? "organizations/a/status" : "organizations/b/status");
      event.mutable_record()->set_kind(v1::ENTITY_KIND_STATUS_REPORT);
      event.mutable_record()->mutable_scope()->set_organization_id(i % 2 == 0 ? "a" : "b");
      event.mutable_record()->mutable_status_report()->set_free_text(std::string(payload, 'x'));
      events.push_back(state::MakeEvent(event));
    }
    for (const state::EventPtr& event : events) {
      entries.push_back({.revision = event->revision(),
                         .name = event->event.record().name(),
                         .is_delete = false,
                         .event_bytes = event->wire,
                         .record_bytes = ""});
    }
    EXPECT_TRUE(store_->Commit(entries).ok());
    return events;
  }

  static std::vector<int64_t> Revisions(const Hub::Batch& batch) {
    std::vector<int64_t> revisions;
    for (const state::EventPtr& event : batch.events) revisions.push_back(event->revision());
    return revisions;
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(HubTest, ServesFromTheRingWholeGroupsUpToTheByteLimit) {
  Hub hub(*store_, 0, {});
  hub.Publish(CommitGroup(3));  // 1..3
  hub.Publish(CommitGroup(2));  // 4..5
  hub.Publish(CommitGroup(1));  // 6

  // A limit smaller than one event still yields the whole first group.
  absl::StatusOr<Hub::Batch> batch = hub.Next(0, {}, 1, nullptr);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(Revisions(*batch), std::vector<int64_t>({1, 2, 3}));
  EXPECT_EQ(batch->last_revision, 3);
  EXPECT_FALSE(batch->from_log);

  batch = hub.Next(3, {}, 1 << 20, nullptr);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(Revisions(*batch), std::vector<int64_t>({4, 5, 6}));

  // A resume point inside a group yields the rest of that group.
  batch = hub.Next(1, {}, 1, nullptr);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(Revisions(*batch), std::vector<int64_t>({2, 3}));
}

TEST_F(HubTest, FiltersButAdvancesTheCursorPastNonMatchingEvents) {
  Hub hub(*store_, 0, {});
  hub.Publish(CommitGroup(4));
  v1::Filter filter;
  filter.add_organization_ids("b");
  absl::StatusOr<Hub::Batch> batch = hub.Next(0, domain::CompiledFilter(filter), 1 << 20, nullptr);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(Revisions(*batch), std::vector<int64_t>({2, 4}));
  EXPECT_EQ(batch->last_revision, 4);
}

TEST_F(HubTest, SubscriberBehindTheRingIsServedFromTheLogWithoutSplittingGroups) {
  Hub hub(*store_, 0, {.ring_max_events = 4, .ring_max_bytes = 1 << 20, .wake_interval = absl::Seconds(1)});
  for (int i = 0; i < 10; ++i) hub.Publish(CommitGroup(3));  // 1..30; the ring keeps only the newest groups.
  const Hub::Stats stats = hub.stats();
  EXPECT_LE(stats.ring_events, 6u);
  EXPECT_GT(stats.ring_first_revision, 1);

  std::vector<int64_t> all;
  int64_t cursor = 0;
  bool any_from_log = false;
  while (cursor < 30) {
    absl::StatusOr<Hub::Batch> batch = hub.Next(cursor, {}, 100, nullptr);  // Tiny limit: many batches.
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_FALSE(batch->events.empty());
    EXPECT_EQ(batch->last_revision % 3, 0) << "a batch ended inside a commit group";
    any_from_log = any_from_log || batch->from_log;
    for (const state::EventPtr& event : batch->events) all.push_back(event->revision());
    cursor = batch->last_revision;
  }
  EXPECT_TRUE(any_from_log);
  std::vector<int64_t> expected;
  for (int64_t r = 1; r <= 30; ++r) expected.push_back(r);
  EXPECT_EQ(all, expected);
  EXPECT_GT(hub.stats().log_reads, 0);
}

TEST_F(HubTest, CursorBelowTheCompactedLogIsFailedPrecondition) {
  Hub hub(*store_, 0, {.ring_max_events = 1, .ring_max_bytes = 1 << 20, .wake_interval = absl::Seconds(1)});
  for (int i = 0; i < 5; ++i) hub.Publish(CommitGroup(2));
  ASSERT_TRUE(store_->CompactLog(6).ok());
  absl::StatusOr<Hub::Batch> batch = hub.Next(2, {}, 1 << 20, nullptr);
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kFailedPrecondition);
  batch = hub.Next(6, {}, 1 << 20, nullptr);  // Exactly at the boundary: still served.
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->events.front()->revision(), 7);
}

TEST_F(HubTest, CaughtUpListenerIsParkedAndWokenOnceByThePublish) {
  Hub hub(*store_, 0, {.ring_max_events = 100, .ring_max_bytes = 1 << 20, .wake_interval = absl::Hours(1)});
  auto listener = std::make_shared<CountingListener>();
  absl::StatusOr<Hub::Batch> batch = hub.Next(0, {}, 1 << 20, listener);
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->events.empty());
  EXPECT_EQ(hub.stats().parked, 1u);

  hub.Publish(CommitGroup(1));
  hub.WaitForPendingWakes();
  EXPECT_EQ(listener->wakes.load(), 1);
  EXPECT_EQ(hub.stats().parked, 0u);  // Woken listeners re-park themselves by calling Next again.
  hub.Publish(CommitGroup(1));
  hub.WaitForPendingWakes();
  EXPECT_EQ(listener->wakes.load(), 1);
}

TEST_F(HubTest, UnparkedListenerIsNotWoken) {
  Hub hub(*store_, 0, {.ring_max_events = 100, .ring_max_bytes = 1 << 20, .wake_interval = absl::Hours(1)});
  auto listener = std::make_shared<CountingListener>();
  ASSERT_TRUE(hub.Next(0, {}, 1 << 20, listener).ok());
  hub.Unpark(listener);
  hub.Publish(CommitGroup(1));
  hub.WaitForPendingWakes();
  EXPECT_EQ(listener->wakes.load(), 0);
}

TEST_F(HubTest, WakeIntervalWakesParkedListenersForHeartbeats) {
  Hub hub(*store_, 0, {.ring_max_events = 100, .ring_max_bytes = 1 << 20, .wake_interval = absl::Milliseconds(20)});
  auto listener = std::make_shared<CountingListener>();
  ASSERT_TRUE(hub.Next(0, {}, 1 << 20, listener).ok());
  for (int i = 0; i < 200 && listener->wakes.load() == 0; ++i) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(listener->wakes.load(), 1);
}

}  // namespace
}  // namespace ketenbeeld::pipeline
