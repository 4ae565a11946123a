// The process helper the system tests rely on: exit codes, signals, output files, bounded waits, and no orphans.
#include "tests/support/child_process.h"

#include <signal.h>

#include <cerrno>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

TEST(ChildProcessTest, ReportsExitCodeAndWritesOutputFiles) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Spawn(
      "/bin/sh", {"-c", "echo to-stdout; echo to-stderr >&2; exit 3"}, dir.path() + "/out", dir.path() + "/err");
  ASSERT_TRUE(child.ok()) << child.status();
  std::optional<ExitStatus> exit = (*child)->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->ExitedWith(3)) << exit->ToString();
  EXPECT_EQ(ReadWholeFile(dir.path() + "/out"), "to-stdout\n");
  EXPECT_EQ(ReadWholeFile(dir.path() + "/err"), "to-stderr\n");
}

TEST(ChildProcessTest, WaitIsBoundedAndSignalsEndTheChild) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Spawn("/bin/sleep", {"60"}, "", "");
  ASSERT_TRUE(child.ok()) << child.status();
  const absl::Time start = absl::Now();
  EXPECT_FALSE((*child)->WaitForExit(absl::Milliseconds(100)).has_value());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE((*child)->Running());
  (*child)->Signal(SIGTERM);
  std::optional<ExitStatus> exit = (*child)->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->KilledBy(SIGTERM)) << exit->ToString();
}

TEST(ChildProcessTest, DestructorKillsAndReapsARunningChild) {
  pid_t pid = 0;
  {
    absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Spawn("/bin/sleep", {"60"}, "", "");
    ASSERT_TRUE(child.ok()) << child.status();
    pid = (*child)->pid();
    ASSERT_EQ(kill(pid, 0), 0);
  }
  // Reaped, not a zombie: the pid no longer exists.
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(ChildProcessTest, MissingBinaryIsAnError) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Spawn("/nonexistent/binary", {}, "", "");
  EXPECT_EQ(child.status().code(), absl::StatusCode::kNotFound) << child.status();
}

}  // namespace
}  // namespace ketenbeeld::testing
