// The `ketenbeeld watch --json` CLI against the real server: the server is killed (-9) and restarted on the same
// port while the watcher runs; the watcher reconnects and resumes, and its output holds every revision exactly once,
// in order, with no gap.
#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/test_server.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

// What `watch --json` printed, one SubscribeResponse (protobuf JSON mapping) per line.
struct WatchOutput {
  std::vector<int64_t> snapshot_revisions;  // One per snapshot chunk.
  std::vector<int64_t> synced_revisions;
  std::vector<int64_t> event_revisions;  // In the order printed.
  int64_t last_seen = 0;                 // Highest revision from events, synced or heartbeat.
  int resets = 0;
};

// int64 fields are strings in the protobuf JSON mapping; accept numbers too.
int64_t Int64Field(const nlohmann::json& object, const char* field) {
  if (!object.is_object() || !object.contains(field)) return 0;
  const nlohmann::json& value = object[field];
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_string()) return std::stoll(value.get<std::string>());
  return 0;
}

WatchOutput ParseWatchOutput(const std::string& text) {
  WatchOutput output;
  for (const nlohmann::json& line : ParseJsonLines(text)) {
    if (line.contains("snapshot")) {
      output.snapshot_revisions.push_back(Int64Field(line["snapshot"], "revision"));
    } else if (line.contains("synced")) {
      output.synced_revisions.push_back(Int64Field(line["synced"], "revision"));
      output.last_seen = std::max(output.last_seen, output.synced_revisions.back());
    } else if (line.contains("events") && line["events"].contains("events")) {
      for (const nlohmann::json& event : line["events"]["events"]) {
        output.event_revisions.push_back(Int64Field(event, "revision"));
        output.last_seen = std::max(output.last_seen, output.event_revisions.back());
      }
    } else if (line.contains("heartbeat")) {
      output.last_seen = std::max(output.last_seen, Int64Field(line["heartbeat"], "revision"));
    } else if (line.contains("reset")) {
      ++output.resets;
    }
  }
  return output;
}

// Writes `count` status reports for `organization_id`; returns the last acknowledged revision.
int64_t WriteReports(v1::PictureService::Stub& stub, const std::string& organization_id, int count) {
  int64_t last = 0;
  for (int i = 0; i < count; ++i) {
    v1::WriteResponse response;
    grpc::Status status = Report(stub, MakeReport(organization_id, i), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    last = response.revision();
  }
  return last;
}

TEST(WatchResumeTest, WatchPrintsEveryRevisionOnceInOrderAcrossKillNineAndRestart) {
  TempDir dir;
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/server.log";
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<v1::PictureService::Stub> stub = (*server)->NewStub();
  ASSERT_TRUE(Register(*stub, MakeOrganization("zh-noord")).ok());
  ASSERT_TRUE(Report(*stub, MakeReport("zh-noord")).ok());

  const std::string watch_stdout = dir.path() + "/watch.out";
  const std::string watch_stderr = dir.path() + "/watch.err";
  absl::StatusOr<std::unique_ptr<ChildProcess>> watcher = ChildProcess::Spawn(
      CliBinary(), {"--server", (*server)->address(), "watch", "--json"}, watch_stdout, watch_stderr);
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  auto watcher_output = [&] {
    return absl::StrCat("watcher stdout:\n", ReadWholeFile(watch_stdout), "\nwatcher stderr:\n",
                        ReadWholeFile(watch_stderr));
  };
  auto has_seen = [](int64_t revision) {
    return [revision](const std::string& text) { return ParseWatchOutput(text).last_seen >= revision; };
  };
  ASSERT_TRUE(WaitForFileContent(watch_stdout, has_seen(2), absl::Seconds(20))) << watcher_output();

  const int64_t before_kill = WriteReports(*stub, "zh-noord", 20);
  ASSERT_TRUE(WaitForFileContent(watch_stdout, has_seen(before_kill), absl::Seconds(20))) << watcher_output();

  const ExitStatus killed = (*server)->process().Kill();
  ASSERT_TRUE(killed.KilledBy(SIGKILL)) << killed.ToString();
  ASSERT_TRUE(WaitForFileContent(
      watch_stderr, [](const std::string& text) { return text.find("connection lost") != std::string::npos; },
      absl::Seconds(20)))
      << "the watcher did not notice the server was gone\n"
      << watcher_output();

  // Same port, so the watcher's reconnect finds it; the writes right after the restart land while the watcher is
  // still backing off, so it has to resume them from the log.
  options.listen = (*server)->address();
  server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  stub = (*server)->NewStub();
  const int64_t after_restart = WriteReports(*stub, "zh-noord", 20);
  ASSERT_EQ(after_restart, before_kill + 20);
  ASSERT_TRUE(WaitForFileContent(watch_stdout, has_seen(after_restart), absl::Seconds(30)))
      << "the watcher did not resume\n"
      << watcher_output();

  (*watcher)->Signal(SIGINT);
  std::optional<ExitStatus> watcher_exit = (*watcher)->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(watcher_exit.has_value()) << "the watcher did not stop on SIGINT";
  EXPECT_TRUE(watcher_exit->ExitedWith(0)) << watcher_exit->ToString() << "\n" << watcher_output();
  EXPECT_THAT(ReadWholeFile(watch_stderr), ::testing::HasSubstr("reconnected"));

  const WatchOutput output = ParseWatchOutput(ReadWholeFile(watch_stdout));
  // One snapshot at the start (possibly in several chunks), then only resumes: no second snapshot, no reset.
  ASSERT_FALSE(output.snapshot_revisions.empty()) << watcher_output();
  const int64_t snapshot_revision = output.snapshot_revisions.front();
  EXPECT_THAT(output.snapshot_revisions, ::testing::Each(snapshot_revision));
  EXPECT_EQ(output.resets, 0);
  ASSERT_GE(output.synced_revisions.size(), 2u) << "expected the initial synced and one after the resume";
  EXPECT_EQ(output.synced_revisions.front(), snapshot_revision);
  std::vector<int64_t> expected;
  for (int64_t revision = snapshot_revision + 1; revision <= after_restart; ++revision) expected.push_back(revision);
  EXPECT_EQ(output.event_revisions, expected) << "every revision after the snapshot exactly once, in order\n"
                                              << watcher_output();
}

}  // namespace
}  // namespace ketenbeeld::testing
