// Crash safety of the real server: kill -9 in the middle of a write load, restart on the same data directory, and
// check that every acknowledged write survived, the log is gap-free, the state is the replay of the log, and
// revisions continue where the log ends. Five kill/restart cycles on one data directory.
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
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

constexpr int kCycles = 5;
constexpr int kWriterThreads = 4;

TEST(CrashSafetyTest, KillNineMidLoadLosesNoAcknowledgedWriteOverFiveRestarts) {
  TempDir dir;
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/server.log";
  std::mt19937 random(20240601);
  std::vector<AcknowledgedWrite> all_acknowledged;
  const absl::Time test_start = absl::Now();

  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  for (int cycle = 1; cycle <= kCycles; ++cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle));
    std::vector<AcknowledgedWrite> acknowledged;
    {
      ClosedLoopWriters writers(**server, kWriterThreads, absl::StrCat("c", cycle));
      // ~1 s of load, jittered so the kill lands at a different point of the commit cycle each time.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(700, 1300)(random)));
      const ExitStatus killed = (*server)->process().Kill();
      ASSERT_TRUE(killed.KilledBy(SIGKILL)) << killed.ToString() << "\n" << (*server)->log();
      ASSERT_TRUE(writers.WaitUntilAllFailed(absl::Seconds(30))) << "writers still running after the kill";
      writers.Stop();
      acknowledged = writers.acknowledged();
      int interrupted = 0;
      for (const grpc::Status& status : writers.final_statuses()) interrupted += status.ok() ? 0 : 1;
      // The premise of the test: the kill hit the server under load, with writes in flight.
      ASSERT_EQ(interrupted, kWriterThreads);
      ASSERT_GT(acknowledged.size(), 10u) << "too little load before the kill to prove anything";
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
  }
  std::cout << "[ total ] " << all_acknowledged.size() << " acknowledged writes over " << kCycles << " crashes in "
            << absl::FormatDuration(absl::Now() - test_start) << "\n";
  EXPECT_LT(absl::Now() - test_start, absl::Seconds(60)) << "the crash test should stay under a minute";
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

}  // namespace
}  // namespace ketenbeeld::testing
