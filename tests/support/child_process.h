// A child process running a real binary, for the system tests: spawn with arguments, stdout/stderr to files, send
// signals, wait with a timeout. The destructor always kills (SIGKILL) and reaps a child that is still running, so a
// failed assertion never leaves an orphan behind; the child also gets SIGKILL when the spawning thread dies
// (PR_SET_PDEATHSIG), which covers a test binary that crashes or is killed by the test runner's timeout.
//
// Thread safety: none; use one ChildProcess from one thread (the test's main thread). Spawn from a thread that
// outlives the child: Linux delivers the parent-death signal when the spawning *thread* exits.
#ifndef KETENBEELD_TESTS_SUPPORT_CHILD_PROCESS_H_
#define KETENBEELD_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ketenbeeld::testing {

// How a child ended.
struct ExitStatus {
  // True when the child called exit (then `code` is set); false when a signal ended it (then `signal` is set).
  bool exited = false;
  int code = 0;
  int signal = 0;

  bool ExitedWith(int expected_code) const { return exited && code == expected_code; }
  bool KilledBy(int expected_signal) const { return !exited && signal == expected_signal; }
  // "exit code 1", "killed by signal 9 (Killed)".
  std::string ToString() const;
};

class ChildProcess {
 public:
  // Starts `binary` with `args` (argv[1..]) and an unchanged environment. stdout and stderr are appended to the
  // given files (created when missing; an empty path means /dev/null). The child starts with no blocked signals
  // and no file descriptors beyond 0-2. Errors: INTERNAL when a pipe or fork fails, NOT_FOUND/PERMISSION_DENIED
  // etc. (from errno) when the binary cannot be executed, or an output file cannot be opened.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(const std::string& binary,
                                                             const std::vector<std::string>& args,
                                                             const std::string& stdout_path,
                                                             const std::string& stderr_path);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Kills the child with SIGKILL if it is still running, and reaps it.
  ~ChildProcess();

  pid_t pid() const { return pid_; }

  // Sends `signal` to the child. No effect once it has been reaped.
  void Signal(int signal);

  // SIGSTOP, then waits up to `timeout` until every thread of the child has stopped (kill() returns before a
  // multi-threaded process has stopped: without the wait, a test could still get an answer from its "frozen" child).
  // Returns false when the child did not stop in time or has exited. Resume it with Signal(SIGCONT).
  bool Stop(absl::Duration timeout = absl::Seconds(5));

  // Waits up to `timeout` for the child to exit; returns how it ended, or nullopt if it is still running. Once
  // reaped, returns the same status again at once.
  std::optional<ExitStatus> WaitForExit(absl::Duration timeout);

  // Whether the child has not exited yet (reaps it if it has).
  bool Running() { return !WaitForExit(absl::ZeroDuration()).has_value(); }

  // SIGKILL, then waits (up to 10 s; SIGKILL cannot be caught) and returns the exit status.
  ExitStatus Kill();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}

  pid_t pid_;
  std::optional<ExitStatus> exit_status_;
};

// The whole content of a file; empty when it cannot be read.
std::string ReadWholeFile(const std::string& path);

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_CHILD_PROCESS_H_
