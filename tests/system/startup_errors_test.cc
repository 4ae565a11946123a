// Start-up errors of the real server: it refuses to start, with a non-zero exit and a message that says why, on a
// non-loopback listen address, on a data directory that is a regular file, and on a data directory another server
// holds.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/test_server.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;

struct FailedStart {
  ExitStatus exit;
  std::string stderr_text;
};

// Runs the server with `args` and waits for it to give up; fails the test if it keeps running.
FailedStart RunServerExpectingExit(const TempDir& dir, const std::vector<std::string>& args) {
  static int runs = 0;
  const std::string stderr_path = dir.path() + "/stderr-" + std::to_string(++runs);
  absl::StatusOr<std::unique_ptr<ChildProcess>> server = ChildProcess::Spawn(ServerBinary(), args, "", stderr_path);
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return {};
  std::optional<ExitStatus> exit = (*server)->WaitForExit(absl::Seconds(20));
  EXPECT_TRUE(exit.has_value()) << "the server did not give up within 20 s; its log:\n" << ReadWholeFile(stderr_path);
  if (!exit.has_value()) return {(*server)->Kill(), ReadWholeFile(stderr_path)};
  return {*exit, ReadWholeFile(stderr_path)};
}

TEST(StartupErrorsTest, NonLoopbackListenAddressIsRefused) {
  TempDir dir;
  const FailedStart start = RunServerExpectingExit(dir, {"--listen", "0.0.0.0:0", "--data_dir", dir.path() + "/db"});
  EXPECT_TRUE(start.exit.ExitedWith(2)) << start.exit.ToString();  // An invalid configuration (docs/operations.md).
  EXPECT_THAT(start.stderr_text, HasSubstr("listen"));
  EXPECT_THAT(start.stderr_text, HasSubstr("0.0.0.0:0"));
}

// --check_config refuses exactly what start-up refuses (the systemd unit runs it before starting), with exit 2.
TEST(StartupErrorsTest, CheckConfigRefusesAddressesThatStartUpRefuses) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  for (const std::string field : {"--listen", "--http_listen"}) {
    const FailedStart start = RunServerExpectingExit(dir, {"--check_config", field, "0.0.0.0:0", "--data_dir", db});
    EXPECT_TRUE(start.exit.ExitedWith(2)) << field << ": " << start.exit.ToString() << "\n" << start.stderr_text;
    EXPECT_THAT(start.stderr_text, HasSubstr(absl::StrCat(field.substr(2), ": 0.0.0.0:0 is not a loopback address")));
    const FailedStart started = RunServerExpectingExit(dir, {field, "0.0.0.0:0", "--data_dir", db});
    EXPECT_TRUE(started.exit.ExitedWith(2)) << field << ": " << started.exit.ToString();
  }
  const FailedStart valid =
      RunServerExpectingExit(dir, {"--check_config", "--listen", "127.0.0.1:0", "--http_listen", "127.0.0.1:0"});
  EXPECT_TRUE(valid.exit.ExitedWith(0)) << valid.exit.ToString() << "\n" << valid.stderr_text;
}

// The example configuration as docs/operations.md installs it, with deploy/dev-certs.sh's certificates in its TLS
// directory (here a temporary one instead of /etc/ketenbeeld/tls): `--check_config`, which the systemd unit runs
// before every start, accepts it, and it is the TLS configuration that is checked.
TEST(StartupErrorsTest, CheckConfigAcceptsTheInstalledExampleWithDevelopmentCertificates) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl CLI";
  TempDir dir;
  const std::string tls = dir.path() + "/tls";
  const std::string make_certs =
      absl::StrCat("bash ", KETENBEELD_SOURCE_DIR, "/deploy/dev-certs.sh ", tls, " VR10 >/dev/null 2>&1");
  ASSERT_EQ(std::system(make_certs.c_str()), 0) << make_certs;
  std::string example = ReadWholeFile(absl::StrCat(KETENBEELD_SOURCE_DIR, "/deploy/ketenbeeld.textproto"));
  ASSERT_THAT(example, HasSubstr("\"/etc/ketenbeeld/tls/"));
  example = absl::StrReplaceAll(example, {{"\"/etc/ketenbeeld/tls/", absl::StrCat("\"", tls, "/")}});
  const std::string config = dir.path() + "/ketenbeeld.textproto";
  std::ofstream(config) << example;

  const std::string stdout_path = dir.path() + "/check-stdout";
  absl::StatusOr<std::unique_ptr<ChildProcess>> check =
      ChildProcess::Spawn(ServerBinary(), {"--config", config, "--check_config"}, stdout_path, dir.path() + "/err");
  ASSERT_TRUE(check.ok()) << check.status();
  std::optional<ExitStatus> exit = (*check)->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->ExitedWith(0)) << exit->ToString() << "\n" << ReadWholeFile(dir.path() + "/err");
  const std::string printed = ReadWholeFile(stdout_path);
  EXPECT_THAT(printed, HasSubstr("# configuration is valid"));
  EXPECT_THAT(printed, HasSubstr(absl::StrCat("client_crl: \"", tls, "/crl.pem\"")));

  // Without the certificates (a machine where nothing was put in place yet) it is refused, naming the field.
  std::filesystem::remove(tls + "/server.key");
  const FailedStart missing = RunServerExpectingExit(dir, {"--config", config, "--check_config"});
  EXPECT_TRUE(missing.exit.ExitedWith(2)) << missing.exit.ToString();
  EXPECT_THAT(missing.stderr_text, HasSubstr("tls.server_private_key"));
}

// The test-driven clock (--clock_offset_file) is for development: with authentication configured the server refuses
// it, and an offset file it cannot use stops start-up naming the flag, both also under --check_config.
TEST(StartupErrorsTest, ClockOffsetFileIsRefusedWithAuthenticationOrBadContent) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  const std::string offset = dir.path() + "/clock-offset";
  std::ofstream(offset) << "12h\n";
  const std::string tokens = dir.path() + "/tokens";
  std::ofstream(tokens) << "sha256:" << std::string(64, 'a') << " zh-noord institution koppeling\n";
  for (const bool check_only : {true, false}) {
    std::vector<std::string> args = {"--listen", "127.0.0.1:0",   "--data_dir", db, "--clock_offset_file",
                                     offset,     "--tokens_file", tokens};
    if (check_only) args.push_back("--check_config");
    const FailedStart refused = RunServerExpectingExit(dir, args);
    EXPECT_TRUE(refused.exit.ExitedWith(2)) << refused.exit.ToString() << "\n" << refused.stderr_text;
    EXPECT_THAT(refused.stderr_text, HasSubstr("--clock_offset_file: a test-driven clock is for development only"));
  }
  std::ofstream(offset, std::ios::trunc) << "-2h\n";
  for (const bool check_only : {true, false}) {
    std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--data_dir", db, "--clock_offset_file", offset};
    if (check_only) args.push_back("--check_config");
    const FailedStart refused = RunServerExpectingExit(dir, args);
    EXPECT_TRUE(refused.exit.ExitedWith(2)) << refused.exit.ToString() << "\n" << refused.stderr_text;
    EXPECT_THAT(refused.stderr_text, HasSubstr(absl::StrCat("--clock_offset_file ", offset,
                                                            ": \"-2h\": the offset "
                                                            "must not be negative")));
  }
}

TEST(StartupErrorsTest, DataDirThatIsARegularFileIsRefused) {
  TempDir dir;
  const std::string file = dir.path() + "/not-a-directory";
  std::ofstream(file) << "not a database\n";
  const FailedStart start = RunServerExpectingExit(dir, {"--listen", "127.0.0.1:0", "--data_dir", file});
  EXPECT_TRUE(start.exit.exited && start.exit.code != 0) << start.exit.ToString();
  // A clear message names the offending path, and the file is left alone.
  EXPECT_THAT(start.stderr_text, HasSubstr(file));
  EXPECT_EQ(ReadWholeFile(file), "not a database\n");
  std::cout << "[ message ] " << start.stderr_text;
}

TEST(StartupErrorsTest, SecondServerOnTheSameDataDirIsRefusedAndTheFirstKeepsServing) {
  TempDir dir;
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/first.log";
  absl::StatusOr<std::unique_ptr<ServerProcess>> first = ServerProcess::Start(options);
  ASSERT_TRUE(first.ok()) << first.status();

  const FailedStart second = RunServerExpectingExit(dir, {"--listen", "127.0.0.1:0", "--data_dir", options.data_dir});
  EXPECT_TRUE(second.exit.exited && second.exit.code != 0) << second.exit.ToString();
  EXPECT_THAT(absl::AsciiStrToLower(second.stderr_text), HasSubstr("lock"));
  EXPECT_THAT(second.stderr_text, HasSubstr(options.data_dir));
  std::cout << "[ message ] " << second.stderr_text;

  std::unique_ptr<v1::PictureService::Stub> stub = (*first)->NewStub();
  v1::WriteResponse response;
  grpc::Status status = Register(*stub, MakeOrganization("still-serving"), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.revision(), 1);
}

// Started by hand under the usual umask 022, the server still keeps what it writes to its own user: the data
// directory holds every organisation's figures.
TEST(StartupTest, WhatTheServerWritesIsPrivateToItsUserWhateverTheUmask) {
  TempDir dir;
  const mode_t previous = ::umask(022);  // Inherited by the child.
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/server.log";
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ::umask(previous);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE(Register(*(*server)->NewStub(), MakeOrganization("zh-noord")).ok());
  server->reset();

  struct stat info {};
  ASSERT_EQ(::stat(options.data_dir.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u) << "the data directory";
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(options.data_dir)) {
    ASSERT_EQ(::stat(entry.path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0077, 0u) << entry.path() << " is readable by others";
    ++files;
  }
  EXPECT_GT(files, 3);
}

}  // namespace
}  // namespace ketenbeeld::testing
