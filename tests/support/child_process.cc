#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace ketenbeeld::testing {
namespace {

// Opens an output file for the child (O_CLOEXEC: only the child's dup2 copy survives exec).
absl::StatusOr<int> OpenOutput(const std::string& path) {
  const int fd = path.empty() ? open("/dev/null", O_WRONLY | O_CLOEXEC)
                              : open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path.empty() ? "/dev/null" : path));
  return fd;
}

// Closes every descriptor from `first` up, except `keep`. Async-signal-safe (runs between fork and exec).
void CloseDescriptorsFrom(int first, int keep) {
  if (keep > first) close_range(first, keep - 1, 0);
  if (close_range(keep + 1, ~0U, 0) != 0) {
    for (int fd = keep + 1; fd < 4096; ++fd) close(fd);
  }
}

ExitStatus FromWaitStatus(int status) {
  ExitStatus result;
  if (WIFEXITED(status)) {
    result.exited = true;
    result.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace

std::string ExitStatus::ToString() const {
  if (exited) return absl::StrCat("exit code ", code);
  return absl::StrCat("killed by signal ", signal, " (", strsignal(signal), ")");
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(const std::string& binary,
                                                                  const std::vector<std::string>& args,
                                                                  const std::string& stdout_path,
                                                                  const std::string& stderr_path) {
  // Everything the child needs is prepared before fork: between fork and exec a multi-threaded parent's child may
  // only make async-signal-safe calls (no allocation, no locks).
  std::vector<std::string> argv_storage;
  argv_storage.push_back(binary);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  absl::StatusOr<int> stdout_fd = OpenOutput(stdout_path);
  if (!stdout_fd.ok()) return stdout_fd.status();
  absl::StatusOr<int> stderr_fd = OpenOutput(stderr_path);
  if (!stderr_fd.ok()) {
    close(*stdout_fd);
    return stderr_fd.status();
  }
  const int stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  // The child reports a failed exec through this pipe; a successful exec closes it (O_CLOEXEC) with nothing written.
  int exec_error_pipe[2];
  if (stdin_fd < 0 || pipe2(exec_error_pipe, O_CLOEXEC) != 0) {
    const int error = errno;
    close(*stdout_fd);
    close(*stderr_fd);
    if (stdin_fd >= 0) close(stdin_fd);
    return absl::ErrnoToStatus(error, "pipe2");
  }
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    for (int fd : {*stdout_fd, *stderr_fd, stdin_fd, exec_error_pipe[0], exec_error_pipe[1]}) close(fd);
    return absl::ErrnoToStatus(error, "fork");
  }
  if (pid == 0) {
    // Child. Die with the parent, so a crashed test binary leaves no server behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    // The test's threads (gRPC) may have blocked signals; the binary must start with the default mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    dup2(stdin_fd, 0);
    dup2(*stdout_fd, 1);
    dup2(*stderr_fd, 2);
    CloseDescriptorsFrom(3, exec_error_pipe[1]);
    execv(binary.c_str(), argv.data());
    const int error = errno;
    [[maybe_unused]] ssize_t ignored = write(exec_error_pipe[1], &error, sizeof(error));
    _exit(127);
  }

  for (int fd : {*stdout_fd, *stderr_fd, stdin_fd, exec_error_pipe[1]}) close(fd);
  int exec_error = 0;
  ssize_t n;
  do {
    n = read(exec_error_pipe[0], &exec_error, sizeof(exec_error));
  } while (n < 0 && errno == EINTR);
  close(exec_error_pipe[0]);
  std::unique_ptr<ChildProcess> child(new ChildProcess(pid));
  if (n > 0) {
    child->WaitForExit(absl::Seconds(10));
    return absl::ErrnoToStatus(exec_error, absl::StrCat("exec ", binary));
  }
  return child;
}

ChildProcess::~ChildProcess() {
  if (!exit_status_.has_value()) Kill();
}

void ChildProcess::Signal(int signal) {
  if (!exit_status_.has_value()) kill(pid_, signal);
}

bool ChildProcess::Stop(absl::Duration timeout) {
  if (exit_status_.has_value()) return false;
  kill(pid_, SIGSTOP);
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    // WUNTRACED reports the child once its group stop is complete, i.e. once all of its threads have stopped.
    const pid_t reaped = waitpid(pid_, &status, WNOHANG | WUNTRACED);
    if (reaped == pid_ && WIFSTOPPED(status)) return true;
    if (reaped == pid_) {
      exit_status_ = FromWaitStatus(status);
      return false;
    }
    if (reaped < 0 && errno != EINTR) return false;
    if (absl::Now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::optional<ExitStatus> ChildProcess::WaitForExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!exit_status_.has_value()) {
    int status = 0;
    const pid_t reaped = waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      exit_status_ = FromWaitStatus(status);
      break;
    }
    if (reaped < 0 && errno != EINTR) {
      // ECHILD: someone else reaped it (never in these tests); report it as gone rather than loop.
      exit_status_ = ExitStatus{.exited = false, .code = 0, .signal = 0};
      break;
    }
    if (absl::Now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_status_;
}

ExitStatus ChildProcess::Kill() {
  Signal(SIGKILL);
  std::optional<ExitStatus> status = WaitForExit(absl::Seconds(10));
  if (!status.has_value()) {
    // Only a process stuck in uninterruptible sleep survives SIGKILL for 10 s; block rather than leave a zombie.
    int raw = 0;
    waitpid(pid_, &raw, 0);
    exit_status_ = FromWaitStatus(raw);
  }
  return *exit_status_;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace ketenbeeld::testing
