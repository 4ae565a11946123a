// Crash safety of the real server: kill -9 in the middle of a write load with live feeds open, restart on the same
// data directory and address, and check that every acknowledged write survived, the log is gap-free, the state is
// the replay of the log, revisions continue where the log ends, and every feed resumed by itself with neither gap
// nor duplicate and received exactly the log. Twenty kill/restart cycles on one data directory (fewer under the
// sanitizers, whose binaries are many times slower).
#include <signal.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"
#include "tests/system/durability_checks.h"
#include "tests/system/resuming_subscriber.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

#if defined(KETENBEELD_SANITIZED_ADDRESS) || defined(KETENBEELD_SANITIZED_THREAD)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
constexpr int kCycles = kSanitized ? 6 : 20;
constexpr int kWriterThreads = 4;
// Writes acknowledged in a cycle before the kill: the test proves nothing about a server that was idle.
constexpr int kLoadBeforeKill = 20;
// CI runs the whole test in well under this; the sanitizer builds get more room.
constexpr absl::Duration kTimeBudget = kSanitized ? absl::Seconds(400) : absl::Seconds(90);

// Every event the feed received is the log's event at that revision, byte for byte, and the feed covers the log
// from its snapshot to the latest revision without gap or duplicate.
void ExpectFeedReceivedExactlyTheLog(ResumingSubscriber& feed, const WholeLog& log, int restarts) {
  const ResumingSubscriber::Observed observed = feed.observed();
  EXPECT_TRUE(observed.violations.empty()) << "feed protocol violated: " << observed.violations.front();
  ASSERT_GE(observed.snapshot_revision, 0) << "the feed never synced";
  EXPECT_GE(observed.resumes, restarts) << "the feed did not resume after every restart";
  ASSERT_EQ(static_cast<int64_t>(observed.events.size()), log.latest_revision - observed.snapshot_revision)
      << "the feed's events do not cover the log after its snapshot at " << observed.snapshot_revision;
  for (const v1::Event& event : observed.events) {
    ASSERT_GE(event.revision(), 1);
    ASSERT_LE(event.revision(), static_cast<int64_t>(log.events.size()));
    const v1::Event& logged = log.events[static_cast<size_t>(event.revision() - 1)];
    ASSERT_EQ(logged.revision(), event.revision());
    ASSERT_EQ(event.SerializeAsString(), logged.SerializeAsString())
        << "the feed streamed something other than what is durable at revision " << event.revision();
  }
}

TEST(CrashSafetyTest, KillNineMidLoadWithLiveFeedsLosesNothingOverTwentyRestarts) {
  TempDir dir;
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/server.log";
  std::mt19937 random(20240601);
  std::vector<AcknowledgedWrite> all_acknowledged;
  const absl::Time test_start = absl::Now();

  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  // Restarts keep the address, so the feeds reconnect and resume by themselves, as real clients do.
  options.listen = (*server)->address();
  // One feed from the very start, one that joins (with a snapshot) after the first restart.
  std::vector<std::unique_ptr<ResumingSubscriber>> feeds;
  feeds.push_back(std::make_unique<ResumingSubscriber>((*server)->address()));
  ASSERT_TRUE(feeds.back()->WaitUntilSeen(0, absl::Seconds(20)));
  std::vector<int> feed_first_cycle = {1};
  for (int cycle = 1; cycle <= kCycles; ++cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle));
    std::vector<AcknowledgedWrite> acknowledged;
    {
      ClosedLoopWriters writers(**server, kWriterThreads, absl::StrCat("c", cycle));
      // Load flowing, then a short burst more, jittered so the kill lands at a different point of the commit cycle
      // each time.
      ASSERT_TRUE(writers.WaitUntilAcknowledged(kLoadBeforeKill, absl::Seconds(30))) << (*server)->log();
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 600)(random)));
      const ExitStatus killed = (*server)->process().Kill();
      ASSERT_TRUE(killed.KilledBy(SIGKILL)) << killed.ToString() << "\n" << (*server)->log();
      ASSERT_TRUE(writers.WaitUntilAllFailed(absl::Seconds(30))) << "writers still running after the kill";
      writers.Stop();
      acknowledged = writers.acknowledged();
      int interrupted = 0;
      for (const grpc::Status& status : writers.final_statuses()) interrupted += status.ok() ? 0 : 1;
      // The premise of the test: the kill hit the server under load, with writes in flight.
      ASSERT_EQ(interrupted, kWriterThreads);
      ASSERT_GE(acknowledged.size(), static_cast<size_t>(kLoadBeforeKill));
      std::cout << "[ cycle " << cycle << " ] " << acknowledged.size() << " writes acknowledged before kill -9\n";
    }
    all_acknowledged.insert(all_acknowledged.end(), acknowledged.begin(), acknowledged.end());

    server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    std::unique_ptr<v1::PictureService::Stub> stub = (*server)->NewStub();
    int64_t latest = 0;
    // Get checks only this cycle's writes (earlier cycles were checked by Get then, and by History every cycle).
    ASSERT_NO_FATAL_FAILURE(
        ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(*stub, all_acknowledged, acknowledged, &latest));
    if (::testing::Test::HasFailure()) {
      FAIL() << "stopping after cycle " << cycle << "; server log:\n" << (*server)->log();
    }
    EXPECT_GE(latest, all_acknowledged.back().revision);

    // The revision continues right after the recovered log.
    v1::WriteResponse next;
    grpc::Status status = Register(*stub, MakeOrganization(absl::StrCat("after-restart-", cycle)), &next);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(next.revision(), latest + 1);
    all_acknowledged.push_back({next.revision(), next.record().name(), next.record()});

    // Every feed resumed by itself and received exactly the durable log: nothing lost, nothing twice, nothing that
    // was not durable.
    absl::StatusOr<WholeLog> log = ReadWholeLog(*stub);
    ASSERT_TRUE(log.ok()) << log.status();
    for (size_t f = 0; f < feeds.size(); ++f) {
      SCOPED_TRACE(absl::StrCat("feed ", f));
      ASSERT_TRUE(feeds[f]->WaitUntilSeen(next.revision(), absl::Seconds(30)))
          << "the feed did not catch up to " << next.revision() << " after the restart; it has seen "
          << feeds[f]->observed().seen_revision;
      ASSERT_NO_FATAL_FAILURE(ExpectFeedReceivedExactlyTheLog(*feeds[f], *log, cycle - feed_first_cycle[f] + 1));
    }
    if (cycle == 1) {
      feeds.push_back(std::make_unique<ResumingSubscriber>((*server)->address()));
      feed_first_cycle.push_back(cycle + 1);
    }
  }
  std::cout << "[ total ] " << all_acknowledged.size() << " acknowledged writes over " << kCycles << " crashes in "
            << absl::FormatDuration(absl::Now() - test_start) << "; feeds resumed " << feeds.front()->observed().resumes
            << " times\n";
  EXPECT_LT(absl::Now() - test_start, kTimeBudget) << "the crash test must stay within CI's budget";
}

// The check above must be able to fail: a write acknowledged beyond the log, or a record that differs from what was
// acknowledged, is reported.
TEST(CrashSafetyTest, RecoveryCheckReportsLostAndChangedWrites) {
  TempDir dir;
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/server.log";
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<v1::PictureService::Stub> stub = (*server)->NewStub();
  v1::WriteResponse registered;
  ASSERT_TRUE(Register(*stub, MakeOrganization("echt"), &registered).ok());
  const AcknowledgedWrite real{registered.revision(), registered.record().name(), registered.record()};
  int64_t latest = 0;
  ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(*stub, {real}, {real}, &latest);
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_EQ(latest, 1);

  AcknowledgedWrite lost = real;
  lost.revision = 2;
  lost.record.set_mod_revision(2);
  EXPECT_NONFATAL_FAILURE(ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(*stub, {lost}, {}, &latest),
                          "acknowledged writes missing from the log");
  AcknowledgedWrite changed = real;
  changed.record.mutable_organization()->set_name("Een andere naam");
  EXPECT_NONFATAL_FAILURE(ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(*stub, {changed}, {}, &latest),
                          "acknowledged writes missing from the log");
  EXPECT_NONFATAL_FAILURE(ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(*stub, {}, {changed}, &latest),
                          "acknowledged writes that Get does not return");
}

// EXPECT_FATAL_FAILURE cannot capture locals: the negative test below passes its objects through these.
ResumingSubscriber* checked_feed = nullptr;
const WholeLog* checked_log = nullptr;

// The feed check above must be able to fail: a feed that received something other than the log, or less than it,
// or never resumed, is reported.
TEST(CrashSafetyTest, FeedCheckReportsAFeedThatDiffersFromTheLog) {
  TempDir dir;
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/server.log";
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<v1::PictureService::Stub> stub = (*server)->NewStub();
  ResumingSubscriber feed((*server)->address());
  ASSERT_TRUE(feed.WaitUntilSeen(0, absl::Seconds(20)));
  ASSERT_TRUE(Register(*stub, MakeOrganization("een")).ok());
  ASSERT_TRUE(Register(*stub, MakeOrganization("twee")).ok());
  ASSERT_TRUE(feed.WaitUntilSeen(2, absl::Seconds(20)));
  absl::StatusOr<WholeLog> log = ReadWholeLog(*stub);
  ASSERT_TRUE(log.ok()) << log.status();
  checked_feed = &feed;
  checked_log = &*log;
  ExpectFeedReceivedExactlyTheLog(feed, *log, 0);
  ASSERT_FALSE(::testing::Test::HasFailure());

  WholeLog changed = *log;
  changed.events[1].mutable_record()->set_name("organizations/anders");
  checked_log = &changed;
  EXPECT_FATAL_FAILURE(ExpectFeedReceivedExactlyTheLog(*checked_feed, *checked_log, 0), "something other");
  WholeLog longer = *log;
  longer.latest_revision = 3;
  checked_log = &longer;
  EXPECT_FATAL_FAILURE(ExpectFeedReceivedExactlyTheLog(*checked_feed, *checked_log, 0), "do not cover");
  checked_log = &*log;
  EXPECT_NONFATAL_FAILURE(ExpectFeedReceivedExactlyTheLog(*checked_feed, *checked_log, 1), "did not resume");
}

}  // namespace
}  // namespace ketenbeeld::testing
