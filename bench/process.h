// Child processes of the benchmark: the servers under test (ketenbeeld-server, etcd).
//
// A ChildProcess is started with its stderr (and stdout) written to a fresh log file, so the harness can wait for a
// start-up line without a reader thread. It is always reaped: Stop() sends SIGTERM, waits a bounded time, then
// SIGKILLs; the destructor calls Stop(). Children also get PR_SET_PDEATHSIG(SIGKILL), so a crashed harness leaves
// no server behind.
//
// Thread safety: a ChildProcess is used from one thread.
#ifndef KETENBEELD_BENCH_PROCESS_H_
#define KETENBEELD_BENCH_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ketenbeeld::bench {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts `argv[0]` with `argv`, output to `log_path` (truncated first). Returns FAILED_PRECONDITION when a child is
  // still running, INTERNAL when fork/exec failed (an exec failure shows as an immediate exit with status 127).
  absl::Status Start(const std::vector<std::string>& argv, const std::string& log_path);

  // Waits until a line of the log contains `needle` (returns that line), the child exits (UNAVAILABLE, with the
  // log's tail) or `timeout` passes (DEADLINE_EXCEEDED). Polls the file every millisecond.
  absl::StatusOr<std::string> WaitForLogLine(const std::string& needle, absl::Duration timeout);

  // SIGTERM, wait up to `grace`, then SIGKILL; always reaps. Returns the exit status as waitpid reports it, or -1
  // when nothing was running. Safe to call twice.
  int Stop(absl::Duration grace = absl::Seconds(20));

  // SIGKILL and reap at once (a machine that dies: no shutdown, no resignation). No-op when nothing runs.
  void Kill();

  // True while the child runs (reaps it when it has exited).
  bool Running();

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // The last `max_bytes` of the log, for error messages.
  std::string LogTail(size_t max_bytes = 2000) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// Resident set size of `pid` in bytes (VmRSS from /proc/PID/status); NOT_FOUND when the process is gone.
absl::StatusOr<int64_t> ResidentBytes(pid_t pid);

// Threads of `pid` (Threads: from /proc/PID/status); NOT_FOUND when the process is gone.
absl::StatusOr<int64_t> ThreadCount(pid_t pid);

// Raises this process's soft open-file limit (RLIMIT_NOFILE) to at least `needed`, within the hard limit; children
// started afterwards (the servers) inherit it. Returns the soft limit now in force; FAILED_PRECONDITION naming both
// numbers when the hard limit is below `needed` (raise it with `ulimit -Hn` as root, or in limits.conf).
absl::StatusOr<int64_t> RaiseOpenFileLimit(int64_t needed);

// CPU time (user + system) the process `pid` has used, in seconds; NOT_FOUND when it is gone.
absl::StatusOr<double> ProcessCpuSeconds(pid_t pid);

// Where the machine's CPU time went between two samples: the server under test, this harness, and everything else
// (other builds on a shared machine). Percent of one core: 200% is both cores of a 2-core machine.
class CpuSampler {
 public:
  // Takes the first sample now.
  explicit CpuSampler(pid_t server_pid);
  double ServerPercent() const;
  double BenchPercent() const;
  double MachineBusyPercent() const;
  double OtherPercent() const;
  // CPU seconds the server used between the two samples.
  double ServerSeconds() const { return end_.server - start_.server; }
  void Stop();  // Takes the second sample (the getters use it; Stop is called once before reading).

 private:
  struct Sample {
    double server = 0, bench = 0, machine_busy = 0;
    absl::Time time;
  };
  static Sample Take(pid_t pid);
  pid_t pid_;
  Sample start_, end_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close). Used for etcd, which needs
// its client and peer ports up front. The small race with other programs is acceptable on a test machine.
absl::StatusOr<int> PickFreeLoopbackPort();

}  // namespace ketenbeeld::bench

#endif  // KETENBEELD_BENCH_PROCESS_H_
