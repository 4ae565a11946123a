// The feed session (server/feed/session.h) on its own, without a transport: the start check, the protocol's frames
// and the watch guarantees of docs/architecture.md ("The feed"): ordered, unique, reliable (no gap), atomic (whole
// commit groups), resumable, bookmarkable (heartbeats); snapshots racing writes, reset when compacted, a stalled
// subscriber served from the log, and the counters.
#include "server/feed/session.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::feed {
namespace {

class CountingListener : public pipeline::Listener {
 public:
  void Wake() override { wakes.fetch_add(1); }
  std::atomic<int> wakes{0};
};

// What a subscriber saw, frame by frame.
struct Seen {
  std::vector<int64_t> resets;
  std::vector<std::string> snapshot_names;
  int snapshot_chunks = 0;
  int64_t snapshot_revision = -1;
  int64_t synced = -1;
  std::vector<int64_t> events;  // Revisions, in the order received.
  std::vector<int64_t> batch_ends;
  std::vector<int64_t> heartbeats;
  std::optional<absl::Status> end;
};

class FeedSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { Open({}); }

  void Open(pipeline::Hub::Options hub_options) {
    hub_.reset();  // Before the store it reads (a test may reopen with other hub options).
    picture_.reset();
    store_.reset();
    absl::StatusOr<std::unique_ptr<storage::Store>> store =
        storage::Store::Open({.path = dir_.path() + "/db", .sync = false, .small_buffers = true});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    picture_ = std::make_unique<state::Picture>();
    hub_ = std::make_unique<pipeline::Hub>(*store_, 0, hub_options);
  }

  FeedSession::Dependencies deps() { return {.hub = *hub_, .picture = *picture_, .store = *store_}; }

  FeedOptions Options() {
    FeedOptions options;
    options.heartbeat_interval = absl::Hours(1);  // Tests that want heartbeats ask for them.
    options.counters = &counters_;
    return options;
  }

  std::unique_ptr<FeedSession> Session(int64_t from_revision, const FeedOptions& options,
                                       const v1::Filter& filter = {}) {
    return std::make_unique<FeedSession>(deps(), options, domain::CompiledFilter(filter), policy::Viewer::Everything(),
                                         from_revision);
  }

  // Commits a group of `size` status reports, alternating between organisations "a" and "b" (each report renames
  // organizations/<org>/status, so the picture keeps two records), in the committer's order: log, picture, hub.
  void CommitGroup(int size, size_t payload = 10) {
    std::vector<state::Change> changes;
    std::vector<storage::LogEntry> entries;
    const int64_t first = store_->last_revision() + 1;
    for (int i = 0; i < size; ++i) {
      const std::string org = (first + i) % 2 == 1 ? "a" : "b";
      v1::Record record;
      record.set_name(absl::StrCat("organizations/", org, "/status"));
      record.set_kind(v1::ENTITY_KIND_STATUS_REPORT);
      record.set_mod_revision(first + i);
      record.mutable_scope()->set_organization_id(org);
      record.mutable_status_report()->set_free_text(std::string(payload, 'x'));
      v1::Event event;
      event.set_revision(first + i);
      event.set_group_last_revision(first + size - 1);
      event.set_type(v1::EVENT_TYPE_PUT);
      *event.mutable_record() = record;
      changes.push_back({.event = state::MakeEvent(event), .record = state::MakeRecord(record)});
    }
    for (const state::Change& change : changes) {
      entries.push_back({.revision = change.event->revision(),
                         .name = change.event->event.record().name(),
                         .is_delete = false,
                         .event_bytes = change.event->wire,
                         .record_bytes = change.record->wire});
    }
    ASSERT_TRUE(store_->Commit(entries).ok());
    picture_->Apply(changes);
    std::vector<state::EventPtr> group;
    for (const state::Change& change : changes) group.push_back(change.event);
    hub_->Publish(std::move(group));
  }

  // Takes frames until the session has nothing to send (caught up) or has ended, at most `max_frames`.
  static void Drain(FeedSession& session, const std::shared_ptr<pipeline::Listener>& listener, Seen& seen,
                    int max_frames = 10000) {
    for (int i = 0; i < max_frames; ++i) {
      std::optional<FeedFrame> frame = session.Next(listener);
      if (!frame.has_value()) return;
      if (auto* reset = std::get_if<Reset>(&*frame)) {
        seen.resets.push_back(reset->compacted_revision);
      } else if (auto* chunk = std::get_if<SnapshotChunk>(&*frame)) {
        ++seen.snapshot_chunks;
        seen.snapshot_revision = chunk->revision;
        for (const state::RecordPtr& record : chunk->records) seen.snapshot_names.push_back(record->record.name());
      } else if (auto* synced = std::get_if<Synced>(&*frame)) {
        seen.synced = synced->revision;
      } else if (auto* events = std::get_if<Events>(&*frame)) {
        for (const state::EventPtr& event : events->events) seen.events.push_back(event->revision());
        seen.batch_ends.push_back(events->revision);
      } else if (auto* heartbeat = std::get_if<Heartbeat>(&*frame)) {
        seen.heartbeats.push_back(heartbeat->revision);
      } else if (auto* end = std::get_if<End>(&*frame)) {
        seen.end = end->status;
      }
    }
    ADD_FAILURE() << "the session did not stop yielding frames";
  }

  static std::vector<int64_t> Range(int64_t first, int64_t last) {
    std::vector<int64_t> revisions;
    for (int64_t r = first; r <= last; ++r) revisions.push_back(r);
    return revisions;
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::Picture> picture_;
  std::unique_ptr<pipeline::Hub> hub_;
  observability::FeedCounters counters_;
  std::shared_ptr<CountingListener> listener_ = std::make_shared<CountingListener>();
};

TEST_F(FeedSessionTest, StartCheckEndsImpossibleStarts) {
  CommitGroup(2);
  Seen negative;
  auto session = Session(-1, Options());
  Drain(*session, listener_, negative);
  ASSERT_TRUE(negative.end.has_value());
  EXPECT_EQ(negative.end->code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(session->ended());
  EXPECT_FALSE(session->Next(listener_).has_value()) << "nothing follows End";

  Seen ahead;
  session = Session(3, Options());
  Drain(*session, listener_, ahead);
  ASSERT_TRUE(ahead.end.has_value());
  EXPECT_EQ(ahead.end->code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ahead.synced, -1);
  EXPECT_TRUE(ahead.events.empty());
}

TEST_F(FeedSessionTest, ResumeAheadOfAReplicaWaitsForItThenDeliversOnlyWhatFollows) {
  CommitGroup(2);  // Revisions 1..2; the subscriber has seen up to 4 on another member.
  FeedOptions options = Options();
  options.resume_ahead_wait = absl::Hours(1);
  auto session = Session(4, options);
  Seen seen;
  Drain(*session, listener_, seen);
  EXPECT_EQ(seen.synced, 4);
  EXPECT_FALSE(seen.end.has_value());
  EXPECT_TRUE(seen.events.empty());
  CommitGroup(2);  // 3..4: the subscriber's already.
  CommitGroup(2);  // 5..6.
  Drain(*session, listener_, seen);
  EXPECT_EQ(seen.events, Range(5, 6));
  EXPECT_FALSE(seen.end.has_value());
}

TEST_F(FeedSessionTest, ResumeAheadOfAReplicaThatDoesNotCatchUpEndsUnavailable) {
  CommitGroup(2);
  FeedOptions options = Options();
  options.resume_ahead_wait = absl::Milliseconds(1);
  auto session = Session(4, options);
  Seen seen;
  Drain(*session, listener_, seen);       // Synced, then parked.
  absl::SleepFor(absl::Milliseconds(5));  // Past the (tiny) wait: the deadline is wall-clock.
  Drain(*session, listener_, seen);
  ASSERT_TRUE(seen.end.has_value());
  EXPECT_EQ(seen.end->code(), absl::StatusCode::kUnavailable) << *seen.end;
  EXPECT_TRUE(seen.events.empty());
}

TEST_F(FeedSessionTest, SnapshotInBoundedChunksThenSyncedThenOrderedEvents) {
  for (int i = 0; i < 3; ++i) CommitGroup(1, 400);  // Revisions 1..3; records a@3, b@2.
  FeedOptions options = Options();
  options.max_message_bytes = 100;  // Smaller than one record: one record per chunk.
  auto session = Session(0, options);
  Seen seen;
  Drain(*session, listener_, seen);
  EXPECT_EQ(seen.snapshot_chunks, 2);
  EXPECT_EQ(seen.snapshot_names, std::vector<std::string>({"organizations/a/status", "organizations/b/status"}));
  EXPECT_EQ(seen.snapshot_revision, 3);
  EXPECT_EQ(seen.synced, 3);
  EXPECT_TRUE(seen.events.empty()) << "events up to the snapshot's revision are in the snapshot";

  CommitGroup(3);  // 4..6
  CommitGroup(2);  // 7..8
  Drain(*session, listener_, seen);
  EXPECT_EQ(seen.events, Range(4, 8)) << "ordered, unique, no gap";
  for (int64_t end : seen.batch_ends) EXPECT_TRUE(end == 6 || end == 8) << "a batch ended inside a commit group";
  EXPECT_EQ(session->cursor(), 8);
}

TEST_F(FeedSessionTest, EmptySnapshotIsOneEmptyChunk) {
  auto session = Session(0, Options());
  Seen seen;
  Drain(*session, listener_, seen);
  EXPECT_EQ(seen.snapshot_chunks, 1);
  EXPECT_TRUE(seen.snapshot_names.empty());
  EXPECT_EQ(seen.synced, 0);
}

TEST_F(FeedSessionTest, ResumesFromEveryRetainedRevisionWithoutGapOrDuplicate) {
  for (int i = 0; i < 4; ++i) CommitGroup(3);  // 1..12
  for (int64_t from = 1; from <= 12; ++from) {
    SCOPED_TRACE(absl::StrCat("from_revision ", from));
    auto session = Session(from, Options());
    Seen seen;
    Drain(*session, listener_, seen);
    EXPECT_EQ(seen.snapshot_chunks, 0);
    EXPECT_EQ(seen.synced, from);
    EXPECT_EQ(seen.events, Range(from + 1, 12));
  }
}

TEST_F(FeedSessionTest, SnapshotRacingWritesMissesAndRepeatsNothing) {
  constexpr int kGroups = 300;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < kGroups; ++i) CommitGroup(1 + i % 3);
    done = true;
  });
  // Sessions start (take their snapshot) while the writer commits: each must then see exactly the events after its
  // snapshot's revision, without a gap or a duplicate.
  std::vector<std::unique_ptr<FeedSession>> started;
  while (!done.load() && started.size() < 2000) started.push_back(Session(0, Options()));
  writer.join();
  started.push_back(Session(0, Options()));
  const int64_t head = store_->last_revision();
  std::set<int64_t> snapshot_revisions;
  for (auto& session : started) {
    Seen seen;
    Drain(*session, listener_, seen);
    ASSERT_GE(seen.synced, 0);
    EXPECT_EQ(seen.snapshot_revision, seen.synced);
    EXPECT_EQ(seen.events, Range(seen.synced + 1, head)) << "synced at " << seen.synced;
    snapshot_revisions.insert(seen.synced);
  }
  EXPECT_EQ(*snapshot_revisions.rbegin(), head);
  hub_->Unpark(listener_);
}

TEST_F(FeedSessionTest, ResumePointBelowTheCompactedLogResetsThenSnapshots) {
  for (int i = 0; i < 5; ++i) CommitGroup(2);  // 1..10
  ASSERT_TRUE(store_->CompactLog(6).ok());
  auto session = Session(3, Options());
  Seen seen;
  Drain(*session, listener_, seen);
  EXPECT_EQ(seen.resets, std::vector<int64_t>({6}));
  EXPECT_GE(seen.snapshot_chunks, 1);
  EXPECT_EQ(seen.synced, 10);
  EXPECT_EQ(counters_.resets.load(), 1);
}

TEST_F(FeedSessionTest, LiveSubscriberOvertakenByCompactionResets) {
  Open({.ring_max_events = 2, .ring_max_bytes = 1 << 20, .wake_interval = absl::Seconds(1)});
  CommitGroup(1);
  auto session = Session(1, Options());
  Seen seen;
  Drain(*session, listener_, seen);
  ASSERT_EQ(seen.synced, 1);
  for (int i = 0; i < 10; ++i) CommitGroup(1);  // 2..11: revision 2 falls off the ring,
  ASSERT_TRUE(store_->CompactLog(8).ok());      // and out of the log.
  Drain(*session, listener_, seen);
  EXPECT_EQ(seen.resets, std::vector<int64_t>({8}));
  EXPECT_EQ(seen.snapshot_revision, 11);
  EXPECT_EQ(seen.synced, 11);
  EXPECT_TRUE(seen.events.empty());
  EXPECT_EQ(counters_.resets.load(), 1);
}

TEST_F(FeedSessionTest, StalledSubscriberCatchesUpFromTheLogAndCountsAsLagging) {
  Open({.ring_max_events = 4, .ring_max_bytes = 1 << 20, .wake_interval = absl::Seconds(1)});
  FeedOptions options = Options();
  options.max_message_bytes = 50;  // A few events per batch, so catching up takes several frames.
  auto stalled = Session(0, options);
  auto reading = Session(0, options);
  Seen stalled_seen;
  Seen reading_seen;
  Drain(*stalled, listener_, stalled_seen);
  Drain(*reading, listener_, reading_seen);
  for (int i = 0; i < 20; ++i) {
    CommitGroup(2);  // 1..40; the ring keeps the newest few only.
    Drain(*reading, listener_, reading_seen);
  }
  EXPECT_EQ(reading_seen.events, Range(1, 40));
  EXPECT_EQ(counters_.lagging.load(), 0);

  // The stalled one reads again: its first batch comes from the log.
  std::optional<FeedFrame> frame = stalled->Next(listener_);
  ASSERT_TRUE(frame.has_value() && std::holds_alternative<Events>(*frame));
  EXPECT_EQ(counters_.lagging.load(), 1);
  for (const state::EventPtr& event : std::get<Events>(*frame).events) stalled_seen.events.push_back(event->revision());
  Drain(*stalled, listener_, stalled_seen);
  EXPECT_EQ(stalled_seen.events, Range(1, 40));
  EXPECT_EQ(counters_.lagging.load(), 0) << "caught up from the ring again";
  EXPECT_GT(hub_->stats().log_reads, 0);
}

TEST_F(FeedSessionTest, CaughtUpSessionParksItsListenerAndIsWokenByAPublish) {
  CommitGroup(1);
  auto session = Session(1, Options());
  Seen seen;
  Drain(*session, listener_, seen);
  EXPECT_EQ(hub_->stats().parked, 1u);
  CommitGroup(1);
  // The hub wakes parked listeners on its fan-out thread; bounded wait for the wake.
  for (int i = 0; i < 5000 && listener_->wakes.load() == 0; ++i) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_GE(listener_->wakes.load(), 1);
  Drain(*session, listener_, seen);
  EXPECT_EQ(seen.events, std::vector<int64_t>({2}));
  hub_->Unpark(listener_);
}

TEST_F(FeedSessionTest, CaughtUpSessionHeartbeatsWithItsCursorOnlyWhenDue) {
  CommitGroup(2);
  FeedOptions options = Options();
  auto quiet = Session(2, options);  // A heartbeat is due in an hour.
  Seen quiet_seen;
  Drain(*quiet, listener_, quiet_seen);
  EXPECT_TRUE(quiet_seen.heartbeats.empty());

  options.heartbeat_interval = absl::ZeroDuration();  // Due at once, every time it is caught up.
  auto session = Session(2, options);
  ASSERT_TRUE(session->Next(listener_).has_value());  // Synced.
  std::optional<FeedFrame> frame = session->Next(listener_);
  ASSERT_TRUE(frame.has_value() && std::holds_alternative<Heartbeat>(*frame));
  EXPECT_EQ(std::get<Heartbeat>(*frame).revision, 2);
  hub_->Unpark(listener_);
}

// Clients measure ages against the server's clock, not their own: synced and heartbeats carry picture time.
TEST_F(FeedSessionTest, SyncedAndHeartbeatsCarryPictureTime) {
  CommitGroup(2);
  FeedOptions options = Options();
  options.heartbeat_interval = absl::ZeroDuration();
  const absl::Time picture_time = absl::FromUnixSeconds(1'900'000'000);  // Not the wall clock.
  options.clock = [picture_time] { return picture_time; };
  auto session = Session(2, options);
  std::optional<FeedFrame> synced = session->Next(listener_);
  ASSERT_TRUE(synced.has_value() && std::holds_alternative<Synced>(*synced));
  EXPECT_EQ(std::get<Synced>(*synced).server_time, picture_time);
  std::optional<FeedFrame> heartbeat = session->Next(listener_);
  ASSERT_TRUE(heartbeat.has_value() && std::holds_alternative<Heartbeat>(*heartbeat));
  EXPECT_EQ(std::get<Heartbeat>(*heartbeat).server_time, picture_time);
  hub_->Unpark(listener_);
}

TEST_F(FeedSessionTest, ARevokedCredentialEndsTheFeedUnauthenticatedAtItsNextCheck) {
  CommitGroup(2);
  FeedOptions options = Options();
  options.revalidate_interval = absl::ZeroDuration();  // Checked at every Next().
  absl::Status credential = absl::OkStatus();
  int checks = 0;
  auto session = std::make_unique<FeedSession>(deps(), options, domain::CompiledFilter(v1::Filter()),
                                               policy::Viewer::Everything(), 0, [&] {
                                                 ++checks;
                                                 return credential;
                                               });
  Seen seen;
  Drain(*session, listener_, seen);  // Snapshot and synced while the credential holds.
  EXPECT_EQ(seen.synced, 2);
  EXPECT_GT(checks, 0);
  EXPECT_FALSE(seen.end.has_value());

  credential = absl::UnauthenticatedError("token revoked: token:a");
  CommitGroup(1);  // Even with something new to send, the revoked subscriber gets only the end.
  Drain(*session, listener_, seen);
  ASSERT_TRUE(seen.end.has_value());
  EXPECT_EQ(seen.end->code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(seen.end->message(), "token revoked: token:a");
  EXPECT_TRUE(seen.events.empty());
  EXPECT_TRUE(session->ended());
  EXPECT_FALSE(session->Next(listener_).has_value());
  hub_->Unpark(listener_);
}

TEST_F(FeedSessionTest, TheCredentialIsCheckedAtMostOncePerInterval) {
  CommitGroup(1);
  FeedOptions options = Options();
  options.revalidate_interval = absl::Hours(1);
  int checks = 0;
  auto session = std::make_unique<FeedSession>(deps(), options, domain::CompiledFilter(v1::Filter()),
                                               policy::Viewer::Everything(), 0, [&] {
                                                 ++checks;
                                                 return absl::OkStatus();
                                               });
  Seen seen;
  Drain(*session, listener_, seen);
  EXPECT_EQ(checks, 0) << "the first check is one interval after the start (the caller was just authenticated)";
  hub_->Unpark(listener_);
}

TEST_F(FeedSessionTest, FilteredScanReportsProgressAfterMaxScanRounds) {
  // Behind the ring, the hub reads the log about max_message_bytes per round, matching or not.
  Open({.ring_max_events = 2, .ring_max_bytes = 1 << 20, .wake_interval = absl::Seconds(1)});
  for (int i = 0; i < 10; ++i) CommitGroup(1);  // 1..10
  FeedOptions options = Options();
  options.max_scan_rounds = 2;
  options.max_message_bytes = 1;  // One group per round.
  v1::Filter filter;
  filter.add_organization_ids("nobody");
  auto session = Session(1, options, filter);
  Seen seen;
  Drain(*session, listener_, seen);
  EXPECT_TRUE(seen.events.empty());
  ASSERT_FALSE(seen.heartbeats.empty()) << "a long non-matching stretch reports progress";
  EXPECT_EQ(seen.heartbeats.front(), 3) << "after two rounds of one group each";
  for (size_t i = 1; i < seen.heartbeats.size(); ++i) EXPECT_GT(seen.heartbeats[i], seen.heartbeats[i - 1]);
  EXPECT_EQ(session->cursor(), 10) << "the bookmark moved past every non-matching event";
  hub_->Unpark(listener_);
}

TEST_F(FeedSessionTest, CountsLiveSessionsAndDeliveredEvents) {
  CommitGroup(3);
  {
    auto one = Session(0, Options());
    auto two = Session(1, Options());
    EXPECT_EQ(counters_.live.load(), 2);
    Seen seen;
    Drain(*two, listener_, seen);
    EXPECT_EQ(counters_.events_delivered.load(), 2);
  }
  EXPECT_EQ(counters_.live.load(), 0);
  hub_->Unpark(listener_);
}

}  // namespace
}  // namespace ketenbeeld::feed
