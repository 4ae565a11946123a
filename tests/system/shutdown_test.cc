// Graceful shutdown of the real server: SIGTERM while a feed is open and writes are flowing ends the process with
// exit code 0 within a few seconds, ends the feed with UNAVAILABLE, and loses no acknowledged write.
#include <signal.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"
#include "tests/system/durability_checks.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

// Writes acknowledged before SIGTERM: the test proves nothing about a server that was idle.
constexpr int kLoadBeforeSigterm = 20;

TEST(ShutdownTest, SigtermUnderLoadExitsZeroEndsFeedsWithUnavailableAndKeepsAcknowledgedWrites) {
  TempDir dir;
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/server.log";
  options.shutdown_grace_ms = 2000;
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();

  std::unique_ptr<v1::PictureService::Stub> feed_stub = (*server)->NewStub();
  v1::SubscribeRequest from_snapshot;
  FeedReader feed(*feed_stub, from_snapshot);
  ASSERT_TRUE(feed.WaitFor([](const std::vector<v1::SubscribeResponse>& messages) {
    return !messages.empty() && messages.back().has_synced();
  })) << (*server)->log();

  std::vector<AcknowledgedWrite> acknowledged;
  {
    ClosedLoopWriters writers(**server, 2, "g");
    // Writes flowing (waited for: a sanitizer build on a busy machine is slow to start), then SIGTERM mid-stream.
    ASSERT_TRUE(writers.WaitUntilAcknowledged(kLoadBeforeSigterm, absl::Seconds(30))) << (*server)->log();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const absl::Time sigterm_sent = absl::Now();
    (*server)->process().Signal(SIGTERM);
    const std::optional<ExitStatus> exited = (*server)->process().WaitForExit(absl::Seconds(10));
    const absl::Duration shutdown_took = absl::Now() - sigterm_sent;
    ASSERT_TRUE(exited.has_value()) << "no exit within 10 s of SIGTERM\n" << (*server)->log();
    EXPECT_TRUE(exited->ExitedWith(0)) << exited->ToString() << "\n" << (*server)->log();
    EXPECT_LT(shutdown_took, absl::Seconds(5)) << (*server)->log();
    std::cout << "[ shutdown ] took " << absl::FormatDuration(shutdown_took) << "\n";
    ASSERT_TRUE(writers.WaitUntilAllFailed(absl::Seconds(30)));
    writers.Stop();
    acknowledged = writers.acknowledged();
    // Each writer stopped at its first failed write: one in flight at SIGTERM or sent after it. The API promises
    // UNAVAILABLE for both ("nothing was written; retry"), never CANCELLED.
    for (const grpc::Status& status : writers.final_statuses()) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
          << status.error_code() << " " << status.error_message() << "\n"
          << (*server)->log();
    }
    ASSERT_GE(acknowledged.size(), static_cast<size_t>(kLoadBeforeSigterm));
  }
  const grpc::Status feed_end = feed.WaitForEnd(absl::Seconds(10));
  EXPECT_EQ(feed_end.error_code(), grpc::StatusCode::UNAVAILABLE) << feed_end.error_message();
  EXPECT_THAT((*server)->log(), ::testing::HasSubstr("\"server_stopped\""));

  server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<v1::PictureService::Stub> stub = (*server)->NewStub();
  int64_t latest = 0;
  ASSERT_NO_FATAL_FAILURE(
      ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(*stub, acknowledged, acknowledged, &latest));

  // What the feed streamed was durable: every event it delivered is in the recovered log, unchanged.
  absl::StatusOr<WholeLog> log = ReadWholeLog(*stub);
  ASSERT_TRUE(log.ok()) << log.status();
  const std::vector<v1::Event> streamed = feed.events();
  ASSERT_FALSE(streamed.empty());
  for (const v1::Event& event : streamed) {
    ASSERT_LE(event.revision(), static_cast<int64_t>(log->events.size()))
        << "streamed revision " << event.revision() << " is not in the recovered log";
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(event, log->events[event.revision() - 1]))
        << "streamed " << event.ShortDebugString() << "\nlog " << log->events[event.revision() - 1].ShortDebugString();
  }
}

}  // namespace
}  // namespace ketenbeeld::testing
