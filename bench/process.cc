#include "bench/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ketenbeeld::bench {

ChildProcess::~ChildProcess() { Stop(); }

absl::Status ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_path) {
  if (pid_ > 0 && Running()) return absl::FailedPreconditionError("a child process is still running");
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  log_path_ = log_path;
  // Everything the child needs is prepared before fork: between fork and exec only async-signal-safe calls.
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return absl::InternalError(absl::StrCat("open ", log_path, ": ", std::strerror(errno)));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);  // The harness died between fork and prctl.
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::execv(c_argv[0], c_argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  pid_ = pid;
  return absl::OkStatus();
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t result = ::waitpid(pid_, &status, WNOHANG);
  if (result == 0) return true;
  pid_ = -1;
  return false;
}

absl::StatusOr<std::string> ChildProcess::WaitForLogLine(const std::string& needle, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::ifstream log(log_path_);
    std::string line;
    while (std::getline(log, line)) {
      if (line.find(needle) != std::string::npos) return line;
    }
    if (!Running()) return absl::UnavailableError(absl::StrCat("process exited; log tail:\n", LogTail()));
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("no line with '", needle, "' within ",
                                                      absl::FormatDuration(timeout), "; log tail:\n", LogTail()));
    }
    ::usleep(1000);
  }
}

int ChildProcess::Stop(absl::Duration grace) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + grace;
  int status = 0;
  while (true) {
    const pid_t result = ::waitpid(pid_, &status, WNOHANG);
    if (result == pid_ || result < 0) break;
    if (absl::Now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    ::usleep(2000);
  }
  pid_ = -1;
  return status;
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);  // Bounded: SIGKILL cannot be caught or ignored.
  pid_ = -1;
}

std::string ChildProcess::LogTail(size_t max_bytes) const {
  std::ifstream log(log_path_);
  std::stringstream content;
  content << log.rdbuf();
  const std::string all = content.str();
  return all.size() <= max_bytes ? all : all.substr(all.size() - max_bytes);
}

namespace {

// The number after `field` ("VmRSS:", "Threads:") in /proc/PID/status.
absl::StatusOr<int64_t> StatusField(pid_t pid, absl::string_view field) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  if (!status) return absl::NotFoundError(absl::StrCat("no /proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, field)) return std::stoll(line.substr(field.size()));
  }
  return absl::NotFoundError(absl::StrCat("no ", field, " line"));
}

}  // namespace

absl::StatusOr<int64_t> ResidentBytes(pid_t pid) {
  absl::StatusOr<int64_t> kib = StatusField(pid, "VmRSS:");  // "VmRSS:   12345 kB"
  if (!kib.ok()) return kib.status();
  return *kib * 1024;
}

absl::StatusOr<int64_t> ThreadCount(pid_t pid) { return StatusField(pid, "Threads:"); }

absl::StatusOr<int64_t> RaiseOpenFileLimit(int64_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return absl::InternalError(std::strerror(errno));
  if (limit.rlim_cur != RLIM_INFINITY && static_cast<int64_t>(limit.rlim_cur) < needed) {
    if (limit.rlim_max != RLIM_INFINITY && static_cast<int64_t>(limit.rlim_max) < needed) {
      return absl::FailedPreconditionError(
          absl::StrCat("the open-file limit is ", limit.rlim_max, " (hard), the scenario needs ", needed));
    }
    limit.rlim_cur = static_cast<rlim_t>(needed);
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return absl::InternalError(std::strerror(errno));
  }
  return limit.rlim_cur == RLIM_INFINITY ? INT64_MAX : static_cast<int64_t>(limit.rlim_cur);
}

absl::StatusOr<double> ProcessCpuSeconds(pid_t pid) {
  std::ifstream stat_file(absl::StrCat("/proc/", pid, "/stat"));
  std::string content;
  if (!stat_file || !std::getline(stat_file, content)) return absl::NotFoundError("no /proc/PID/stat");
  // Fields after the command name (which may contain spaces, so split after the last ')'): state is field 3,
  // utime 14 and stime 15 (1-based, see proc(5)).
  const size_t close = content.rfind(')');
  if (close == std::string::npos) return absl::InternalError("malformed /proc/PID/stat");
  std::istringstream fields(content.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stod(field);
    if (index == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

CpuSampler::CpuSampler(pid_t server_pid) : pid_(server_pid), start_(Take(server_pid)), end_(start_) {}

CpuSampler::Sample CpuSampler::Take(pid_t pid) {
  Sample sample;
  sample.time = absl::Now();
  sample.server = ProcessCpuSeconds(pid).value_or(0);
  sample.bench = ProcessCpuSeconds(::getpid()).value_or(0);
  std::ifstream stat_file("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (stat_file >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) {
    sample.machine_busy = (user + nice + system + irq + softirq + steal) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  return sample;
}

void CpuSampler::Stop() { end_ = Take(pid_); }

namespace {
double Percent(double cpu_seconds, absl::Duration wall) {
  const double seconds = absl::ToDoubleSeconds(wall);
  return seconds <= 0 ? 0 : 100.0 * cpu_seconds / seconds;
}
}  // namespace

double CpuSampler::ServerPercent() const { return Percent(end_.server - start_.server, end_.time - start_.time); }
double CpuSampler::BenchPercent() const { return Percent(end_.bench - start_.bench, end_.time - start_.time); }
double CpuSampler::MachineBusyPercent() const {
  return Percent(end_.machine_busy - start_.machine_busy, end_.time - start_.time);
}
double CpuSampler::OtherPercent() const {
  const double other = MachineBusyPercent() - ServerPercent() - BenchPercent();
  return other < 0 ? 0 : other;
}

absl::StatusOr<int> PickFreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return absl::InternalError(absl::StrCat("bind/getsockname: ", std::strerror(errno)));
  }
  ::close(fd);
  return static_cast<int>(ntohs(address.sin_port));
}

}  // namespace ketenbeeld::bench
