// Clients under failure, with the real binaries: a server that stops answering (SIGSTOP: a frozen VM, a hung
// process) must not hang the CLI: calls end within their --timeout deadline with a message that says what to do, and
// a live watch notices through HTTP/2 keepalive and resumes once the server is back. (A server that goes away with a
// closed connection is covered by watch_resume_test.cc.)
#include <signal.h>

#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;

TEST(ClientFailureTest, CliCallsEndPromptlyWhenTheServerHangs) {
  TempDir dir;
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/server.log";
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();

  // Frozen, the server's listening socket still completes TCP handshakes (the kernel does that), but nothing answers.
  const std::string out = dir.path() + "/cli.out";
  const std::string err = dir.path() + "/cli.err";
  (*server)->process().Signal(SIGSTOP);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<ChildProcess>> cli = ChildProcess::Spawn(
      CliBinary(), {"--server", (*server)->address(), "--timeout", "3", "get", "organizations/bevroren"}, out, err);
  ASSERT_TRUE(cli.ok()) << cli.status();
  std::optional<ExitStatus> exit = (*cli)->WaitForExit(absl::Seconds(20));
  const absl::Duration elapsed = absl::Now() - start;
  (*server)->process().Signal(SIGCONT);

  ASSERT_TRUE(exit.has_value()) << "the CLI hung on a frozen server";
  EXPECT_TRUE(exit->ExitedWith(1)) << exit->ToString();
  EXPECT_LT(elapsed, absl::Seconds(3) + absl::Seconds(2)) << "the 3 s deadline was not honoured";
  const std::string message = ReadWholeFile(err);
  // Either the HTTP/2 handshake timed out first ("cannot reach") or the deadline did (the message names --timeout).
  EXPECT_TRUE(message.find("cannot reach the server") != std::string::npos ||
              message.find("--timeout") != std::string::npos)
      << message;

  // Thawed, the server answers again.
  absl::StatusOr<std::unique_ptr<ChildProcess>> again =
      ChildProcess::Spawn(CliBinary(), {"--server", (*server)->address(), "--timeout", "10", "picture"}, out, err);
  ASSERT_TRUE(again.ok()) << again.status();
  std::optional<ExitStatus> second = (*again)->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->ExitedWith(0)) << second->ToString() << "\n" << ReadWholeFile(err);
}

// A server that vanishes silently (frozen, cable pulled) sends no FIN: only HTTP/2 keepalive (10 s + 5 s, set
// explicitly in client/connection.h and accepted by the server) notices. The watch must say so, then resume.
TEST(ClientFailureTest, WatchNoticesASilentlyFrozenServerThroughKeepaliveAndResumes) {
  TempDir dir;
  ServerProcessOptions options;
  options.data_dir = dir.path() + "/db";
  options.log_path = dir.path() + "/server.log";
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<v1::PictureService::Stub> stub = (*server)->NewStub();
  ASSERT_TRUE(Register(*stub, MakeOrganization("stil")).ok());

  const std::string out = dir.path() + "/watch.out";
  const std::string err = dir.path() + "/watch.err";
  absl::StatusOr<std::unique_ptr<ChildProcess>> watch =
      ChildProcess::Spawn(CliBinary(), {"--server", (*server)->address(), "watch", "--json"}, out, err);
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_TRUE(WaitForFileContent(
      out, [](const std::string& text) { return text.find("synced") != std::string::npos; }, absl::Seconds(20)))
      << ReadWholeFile(out) << ReadWholeFile(err);

  (*server)->process().Signal(SIGSTOP);
  const absl::Time frozen_at = absl::Now();
  const bool noticed = WaitForFileContent(
      err, [](const std::string& text) { return text.find("connection lost since") != std::string::npos; },
      absl::Seconds(40));
  const absl::Duration noticed_after = absl::Now() - frozen_at;
  (*server)->process().Signal(SIGCONT);
  ASSERT_TRUE(noticed) << "the watch never noticed the frozen server\n" << ReadWholeFile(err);
  EXPECT_LT(noticed_after, absl::Seconds(30)) << "keepalive should notice within ~15 s";

  // Thawed, the server is reachable again: the watch reconnects and reports it.
  ASSERT_TRUE(Register(*stub, MakeOrganization("weer-wakker")).ok());
  EXPECT_TRUE(WaitForFileContent(
      err, [](const std::string& text) { return text.find("reconnected") != std::string::npos; }, absl::Seconds(40)))
      << ReadWholeFile(err);
  (*watch)->Signal(SIGINT);
  EXPECT_TRUE((*watch)->WaitForExit(absl::Seconds(10)).has_value());
}

}  // namespace
}  // namespace ketenbeeld::testing
