// The live feed (Subscribe): the six watch guarantees, concurrent subscribers, the snapshot/stream race, stalled
// subscribers, reset after compaction, filters and shutdown.
#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using v1::SubscribeRequest;
using v1::SubscribeResponse;

SubscribeRequest FromRevision(int64_t revision) {
  SubscribeRequest request;
  request.set_from_revision(revision);
  return request;
}

std::vector<int64_t> Revisions(const std::vector<v1::Event>& events) {
  std::vector<int64_t> revisions;
  for (const auto& event : events) revisions.push_back(event.revision());
  return revisions;
}

std::vector<int64_t> Range(int64_t first, int64_t last) {
  std::vector<int64_t> revisions;
  for (int64_t r = first; r <= last; ++r) revisions.push_back(r);
  return revisions;
}

// Writes `count` status reports for organisation `id` from `threads` threads.
void WriteReports(TestServer& server, const std::string& id, int count, int threads = 4) {
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&server, &id, count, threads, t] {
      for (int i = t; i < count; i += threads) {
        grpc::Status status = Report(server.stub(), MakeReport(id, i % 50));
        ASSERT_TRUE(status.ok()) << status.error_message();
      }
    });
  }
  for (auto& writer : writers) writer.join();
}

TEST(FeedTest, SnapshotThenSyncedThenOrderedUniqueGapFreeEvents) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  ASSERT_TRUE(Report(server.stub(), MakeReport("a")).ok());

  FeedReader feed(server.stub(), FromRevision(0));
  ASSERT_TRUE(feed.WaitUntilSynced());
  std::vector<SubscribeResponse> messages = feed.messages();
  ASSERT_GE(messages.size(), 2u);
  ASSERT_TRUE(messages[0].has_snapshot());
  EXPECT_EQ(messages[0].snapshot().revision(), 2);
  ASSERT_EQ(messages[0].snapshot().records_size(), 2);
  EXPECT_EQ(messages[0].snapshot().records(0).name(), "organizations/a");
  ASSERT_TRUE(messages[1].has_synced());
  EXPECT_EQ(messages[1].synced().revision(), 2);

  WriteReports(server, "a", 200);
  ASSERT_TRUE(feed.WaitForRevision(202));
  // Ordered, unique and reliable: exactly revisions 3..202, once each, in order.
  EXPECT_EQ(Revisions(feed.events()), Range(3, 202));
}

TEST(FeedTest, CommitGroupsAreDeliveredWhole) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  FeedReader feed(server.stub(), FromRevision(1));
  ASSERT_TRUE(feed.WaitUntilSynced());
  WriteReports(server, "a", 400, /*threads=*/16);  // Concurrent writers produce multi-write commit groups.
  ASSERT_TRUE(feed.WaitForRevision(401));

  int multi_write_groups = 0;
  int64_t previous_last = 1;
  for (const SubscribeResponse& message : feed.messages()) {
    if (!message.has_events()) continue;
    const auto& events = message.events().events();
    ASSERT_GT(events.size(), 0);
    // A batch starts right after the previous one and ends exactly at the end of a commit group.
    EXPECT_EQ(events[0].revision(), previous_last + 1);
    const v1::Event& last = events[events.size() - 1];
    EXPECT_EQ(last.revision(), last.group_last_revision()) << "a commit group was split across messages";
    for (const v1::Event& event : events) {
      if (event.group_last_revision() != event.revision()) ++multi_write_groups;
    }
    previous_last = last.revision();
  }
  EXPECT_EQ(previous_last, 401);
  EXPECT_GT(multi_write_groups, 0) << "no group commit happened; the test proves nothing";
}

TEST(FeedTest, ResumeFromAnyRevisionHasNoGapAndNoDuplicate) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  WriteReports(server, "a", 50);  // Revisions 2..51.
  for (int64_t from : {1, 17, 51}) {
    FeedReader feed(server.stub(), FromRevision(from));
    ASSERT_TRUE(feed.WaitForRevision(51)) << from;
    std::vector<SubscribeResponse> messages = feed.messages();
    ASSERT_TRUE(messages[0].has_synced()) << "a resume starts with synced, not a snapshot";
    EXPECT_EQ(messages[0].synced().revision(), from);
    EXPECT_EQ(Revisions(feed.events()), Range(from + 1, 51)) << from;
  }
}

TEST(FeedTest, ResumeAheadOfTheServerIsOutOfRange) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  FeedReader feed(server.stub(), FromRevision(5));
  EXPECT_EQ(feed.WaitForEnd().error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST(FeedTest, HeartbeatsCarryTheRevisionAndAreValidResumePoints) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("b")).ok());
  SubscribeRequest request = FromRevision(0);
  request.mutable_filter()->add_organization_ids("b");
  FeedReader feed(server.stub(), request);
  ASSERT_TRUE(feed.WaitUntilSynced());
  ASSERT_TRUE(Report(server.stub(), MakeReport("a")).ok());  // Revision 3: does not match the filter.
  // The heartbeat moves past revision 3 although no event matched: a bookmark to resume from.
  ASSERT_TRUE(feed.WaitFor([](const std::vector<SubscribeResponse>& messages) {
    return std::any_of(messages.begin(), messages.end(),
                       [](const auto& m) { return m.has_heartbeat() && m.heartbeat().revision() == 3; });
  }));
  EXPECT_TRUE(feed.events().empty());
}

TEST(FeedTest, ConcurrentSubscribersSeeTheIdenticalSequenceAsTheLog) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  std::vector<std::unique_ptr<FeedReader>> feeds;
  for (int i = 0; i < 8; ++i) feeds.push_back(std::make_unique<FeedReader>(server.stub(), FromRevision(1)));
  for (auto& feed : feeds) ASSERT_TRUE(feed->WaitUntilSynced());
  WriteReports(server, "a", 300, 8);

  grpc::ClientContext context;
  v1::HistoryRequest history_request;
  history_request.set_from_revision(2);
  v1::HistoryResponse history;
  ASSERT_TRUE(server.stub().History(&context, history_request, &history).ok());
  std::vector<std::string> log;
  for (const auto& event : history.events()) log.push_back(event.SerializeAsString());
  ASSERT_EQ(log.size(), 300u);
  for (auto& feed : feeds) {
    ASSERT_TRUE(feed->WaitForRevision(301));
    std::vector<std::string> seen;
    for (const auto& event : feed->events()) seen.push_back(event.SerializeAsString());
    EXPECT_EQ(seen, log);  // Byte for byte the same events as the log, in the same order.
  }
}

TEST(FeedTest, SnapshotRacingWritesLosesAndDuplicatesNothing) {
  TestServer server;
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(Register(server.stub(), MakeOrganization(id)).ok());
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; writing && i < 5000; ++i) {
      ASSERT_TRUE(Report(server.stub(), MakeReport(std::string(1, "abc"[i % 3]), i % 40)).ok());
    }
  });
  // Subscribers join while writes are in flight; each rebuilds the picture from snapshot + events.
  std::vector<std::unique_ptr<FeedReader>> feeds;
  for (int i = 0; i < 10; ++i) {
    feeds.push_back(std::make_unique<FeedReader>(server.stub(), FromRevision(0)));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  writing = false;
  writer.join();
  const int64_t final_revision = server.server().revision();

  grpc::ClientContext context;
  v1::ListRequest list_request;
  v1::ListResponse expected;
  ASSERT_TRUE(server.stub().List(&context, list_request, &expected).ok());
  ASSERT_EQ(expected.revision(), final_revision);
  for (auto& feed : feeds) {
    ASSERT_TRUE(feed->WaitForRevision(final_revision));
    std::map<std::string, std::string> replica;
    int64_t last = 0;
    for (const SubscribeResponse& message : feed->messages()) {
      if (message.has_snapshot()) {
        for (const auto& record : message.snapshot().records()) replica[record.name()] = record.SerializeAsString();
        last = message.snapshot().revision();
      }
      if (message.has_synced()) {
        EXPECT_EQ(message.synced().revision(), last);
      }
      for (const auto& event : message.events().events()) {
        EXPECT_EQ(event.revision(), last + 1) << "gap or duplicate after the snapshot";
        last = event.revision();
        replica[event.record().name()] = event.record().SerializeAsString();
      }
    }
    std::map<std::string, std::string> truth;
    for (const auto& record : expected.records()) truth[record.name()] = record.SerializeAsString();
    EXPECT_EQ(replica, truth);
  }
}

TEST(FeedTest, StalledSubscriberDoesNotDelayOthersAndCatchesUpFromTheLog) {
  // A small ring, so the stalled subscriber falls off it and must be served from the log.
  TestServer server([](app::ServerOptions& options) {
    options.hub.ring_max_events = 64;
    options.feed.max_message_bytes = 16 << 10;
  });
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());

  // The stalled subscriber: opens the stream and reads nothing.
  grpc::ClientContext stalled_context;
  std::unique_ptr<grpc::ClientReader<SubscribeResponse>> stalled =
      server.stub().Subscribe(&stalled_context, FromRevision(1));

  FeedReader live(server.stub(), FromRevision(1));
  ASSERT_TRUE(live.WaitUntilSynced());
  // Enough data to fill every buffer between the server and the stalled client many times over.
  v1::StatusReport big = MakeReport("a");
  big.set_free_text(std::string(3000, 'x'));
  const int kWrites = 3000;
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < kWrites; i += 4) ASSERT_TRUE(Report(server.stub(), big).ok());
    });
  }
  for (auto& writer : writers) writer.join();
  const int64_t last = 1 + kWrites;
  // The live subscriber has everything although the stalled one read nothing.
  ASSERT_TRUE(live.WaitForRevision(last, absl::Seconds(30)));
  EXPECT_EQ(Revisions(live.events()), Range(2, last));

  // The stalled subscriber now reads: it gets every event, in order, without a gap, partly from the log.
  SubscribeResponse message;
  int64_t seen = 1;
  bool synced = false;
  while (seen < last && stalled->Read(&message)) {
    synced = synced || message.has_synced();
    for (const auto& event : message.events().events()) {
      ASSERT_EQ(event.revision(), seen + 1);
      seen = event.revision();
    }
  }
  EXPECT_TRUE(synced);
  EXPECT_EQ(seen, last);
  stalled_context.TryCancel();
  stalled->Finish();
}

TEST(FeedTest, ResumeBelowTheRetainedLogGetsResetAndAFreshSnapshot) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  WriteReports(server, "a", 20);  // Revisions 2..21.
  ASSERT_TRUE(server.server().CompactLog(10).ok());

  FeedReader feed(server.stub(), FromRevision(5));
  ASSERT_TRUE(feed.WaitUntilSynced());
  std::vector<SubscribeResponse> messages = feed.messages();
  ASSERT_TRUE(messages[0].has_reset());
  EXPECT_EQ(messages[0].reset().compacted_revision(), 10);
  ASSERT_TRUE(messages[1].has_snapshot());
  EXPECT_EQ(messages[1].snapshot().revision(), 21);

  // A resume point at the compaction boundary is still served without reset.
  FeedReader at_boundary(server.stub(), FromRevision(10));
  ASSERT_TRUE(at_boundary.WaitForRevision(21));
  EXPECT_TRUE(at_boundary.messages()[0].has_synced());
  EXPECT_EQ(Revisions(at_boundary.events()), Range(11, 21));
}

TEST(FeedTest, DisruptionFilterSeesReportsEnterAndLeave) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  SubscribeRequest request = FromRevision(1);
  request.mutable_filter()->add_disruptions(v1::DISRUPTION_TYPE_STAFF_SHORTAGE);
  request.mutable_filter()->set_min_severity(v1::SEVERITY_MAJOR);
  FeedReader feed(server.stub(), request);
  ASSERT_TRUE(feed.WaitUntilSynced());

  v1::StatusReport calm = MakeReport("a");
  calm.clear_disruptions();
  ASSERT_TRUE(Report(server.stub(), calm).ok());             // 2: not matching, before or after.
  ASSERT_TRUE(Report(server.stub(), MakeReport("a")).ok());  // 3: major staff shortage: enters.
  ASSERT_TRUE(Report(server.stub(), calm).ok());             // 4: resolved: leaves, and is seen leaving.
  ASSERT_TRUE(Report(server.stub(), calm).ok());             // 5: not matching.
  ASSERT_TRUE(feed.WaitFor([](const auto& messages) {
    return std::any_of(messages.begin(), messages.end(),
                       [](const auto& m) { return m.has_heartbeat() && m.heartbeat().revision() >= 5; });
  }));
  EXPECT_EQ(Revisions(feed.events()), std::vector<int64_t>({3, 4}));
}

TEST(FeedTest, InvalidFilterIsRefused) {
  TestServer server;
  SubscribeRequest request;
  request.mutable_filter()->add_sectors(static_cast<v1::Sector>(42));
  FeedReader feed(server.stub(), request);
  grpc::Status status = feed.WaitForEnd();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("filter.sectors"));
}

TEST(FeedTest, ShutdownEndsFeedsWithUnavailable) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  FeedReader feed(server.stub(), FromRevision(0));
  ASSERT_TRUE(feed.WaitUntilSynced());
  server.Stop();
  EXPECT_EQ(feed.WaitForEnd().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace ketenbeeld::testing
