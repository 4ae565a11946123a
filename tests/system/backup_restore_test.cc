// Backup and restore with the real binaries, as docs/operations.md describes them: `ketenbeeld admin backup DIR`
// while writes go on, stop the server, replace the data directory with a copy of the backup, start it again. The
// restored server holds exactly the revisions up to the backup's, every acknowledged write among them, and goes on
// from there. Also: the server started from a config file, and refusing an invalid one naming the field.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"
#include "tests/system/cli_run.h"
#include "tests/system/durability_checks.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;

TEST(BackupRestoreTest, BackupTakenUnderLoadRestoresToExactlyItsRevision) {
  TempDir dir;
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/server.log";
  std::filesystem::create_directory(dir.path() + "/backups");
  options.extra_args = {"--backup_dir", dir.path() + "/backups"};
  const std::string backup_dir = dir.path() + "/backups/backup-1";
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();

  std::vector<AcknowledgedWrite> acknowledged;
  int64_t backup_revision = 0;
  {
    ClosedLoopWriters writers(**server, 3, "backup");
    ASSERT_TRUE(writers.WaitUntilAcknowledged(20, absl::Seconds(30))) << (*server)->log();
    const CliRun backup =
        RunCli(dir.path(), {"--server", (*server)->address(), "admin", "backup", backup_dir}, absl::Seconds(120));
    ASSERT_TRUE(backup.exit.ExitedWith(0)) << backup.exit.ToString() << "\n" << backup.err;
    // "backup of revision N written to DIR in T ms"
    ASSERT_THAT(backup.out, HasSubstr("backup of revision "));
    const std::string after = backup.out.substr(backup.out.find("revision ") + 9);
    ASSERT_TRUE(absl::SimpleAtoi(after.substr(0, after.find(' ')), &backup_revision)) << backup.out;
    // Writes go on after the backup.
    ASSERT_TRUE(writers.WaitUntilAcknowledged(writers.acknowledged_count() + 20, absl::Seconds(30)));
    writers.Stop();
    acknowledged = writers.acknowledged();
  }
  ASSERT_GT(backup_revision, 0);
  ASSERT_GT(acknowledged.back().revision, backup_revision) << "no write after the backup: the test proves nothing";

  // The CLI refuses to overwrite: a second backup into the same directory fails and names it.
  const CliRun again =
      RunCli(dir.path(), {"--server", (*server)->address(), "admin", "backup", backup_dir}, absl::Seconds(120));
  EXPECT_TRUE(again.exit.ExitedWith(1)) << again.exit.ToString();
  EXPECT_THAT(again.err, HasSubstr("already exists"));

  // Restore: stop the server, put a copy of the backup in place of the data directory, start it.
  (*server)->process().Signal(SIGTERM);
  std::optional<ExitStatus> stopped = (*server)->process().WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(stopped.has_value() && stopped->ExitedWith(0)) << (*server)->log();
  server->reset();
  std::filesystem::rename(options.data_dir, dir.path() + "/db.before-restore");
  std::filesystem::copy(backup_dir, options.data_dir, std::filesystem::copy_options::recursive);
  server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();

  std::vector<AcknowledgedWrite> in_backup;
  for (const AcknowledgedWrite& write : acknowledged) {
    if (write.revision <= backup_revision) in_backup.push_back(write);
  }
  std::unique_ptr<v1::PictureService::Stub> stub = (*server)->NewStub();
  int64_t latest = 0;
  ASSERT_NO_FATAL_FAILURE(ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(*stub, in_backup, in_backup, &latest));
  EXPECT_EQ(latest, backup_revision) << "the restored server must be at exactly the backup's revision";

  // It goes on from there.
  v1::WriteResponse next;
  grpc::Status status = Register(*stub, MakeOrganization("na-herstel"), &next);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(next.revision(), backup_revision + 1);
}

TEST(BackupRestoreTest, ServerStartsFromAConfigFileAndRefusesAnInvalidOneNamingTheField) {
  TempDir dir;
  const std::string config_path = dir.path() + "/ketenbeeld.textproto";
  std::ofstream(config_path) << "listen: \"127.0.0.1:0\"\n"
                                "data_dir: \""
                             << dir.path()
                             << "/db\"\n"
                                "region { safety_region: \"VR12\" }\n"
                                "metrics_listen: \"127.0.0.1:0\"\n"
                                "heartbeat_interval { seconds: 1 }\n";
  const std::string log_path = dir.path() + "/server.log";
  absl::StatusOr<std::unique_ptr<ChildProcess>> server =
      ChildProcess::Spawn(ServerBinary(), {"--config", config_path}, "", log_path);
  ASSERT_TRUE(server.ok()) << server.status();
  nlohmann::json started;
  ASSERT_TRUE(WaitForFileContent(
      log_path,
      [&](const std::string& text) {
        for (const nlohmann::json& line : ParseJsonLines(text)) {
          if (line.value("event", "") == "server_started") started = line;
        }
        return !started.is_null();
      },
      absl::Seconds(20)))
      << ReadWholeFile(log_path);
  EXPECT_EQ(started.value("safety_region", ""), "VR12");
  EXPECT_GT(started.value("metrics_port", 0), 0);
  (*server)->Signal(SIGTERM);
  std::optional<ExitStatus> stopped = (*server)->WaitForExit(absl::Seconds(30));
  EXPECT_TRUE(stopped.has_value() && stopped->ExitedWith(0));

  std::ofstream(config_path) << "listen: \"127.0.0.1:0\"\nretention { max_events: -10 }\n";
  const std::string bad_log = dir.path() + "/bad.log";
  absl::StatusOr<std::unique_ptr<ChildProcess>> bad =
      ChildProcess::Spawn(ServerBinary(), {"--config", config_path, "--data_dir", dir.path() + "/db"}, "", bad_log);
  ASSERT_TRUE(bad.ok()) << bad.status();
  std::optional<ExitStatus> refused = (*bad)->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(refused.has_value());
  EXPECT_TRUE(refused->ExitedWith(2)) << refused->ToString();
  EXPECT_THAT(ReadWholeFile(bad_log), HasSubstr("retention.max_events: must not be negative"));
}

}  // namespace
}  // namespace ketenbeeld::testing
