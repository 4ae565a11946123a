#include "tests/support/tcp_forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace ketenbeeld::testing {
namespace {

constexpr size_t kMaxBuffered = 64 * 1024;
constexpr int kPollMilliseconds = 20;

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// A connection to 127.0.0.1:port, non-blocking once connected; -1 when refused.
int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// The bytes read from one side and not yet written to the other: `ready` may be written now, `delayed` not before
// each chunk's time (TcpForwarder::SetDelay), in order.
struct Buffer {
  std::string ready;
  std::deque<std::pair<absl::Time, std::string>> delayed;
  size_t delayed_bytes = 0;

  size_t size() const { return ready.size() + delayed_bytes; }
  // Moves the delayed chunks whose time has come to `ready`.
  void Release(absl::Time now) {
    while (!delayed.empty() && delayed.front().first <= now) {
      ready.append(delayed.front().second);
      delayed_bytes -= delayed.front().second.size();
      delayed.pop_front();
    }
  }
};

// One accepted connection and its connection to the target, with the bytes read from one side and not yet written
// to the other.
struct Pipe {
  int client = -1;
  int upstream = -1;
  Buffer to_upstream;
  Buffer to_client;
  bool dead = false;
};

// Reads what `from` has (up to the buffer's bound) into `buffer`, to be passed on after `delay`; false when `from`
// closed or failed.
bool ReadInto(int from, Buffer& buffer, absl::Duration delay, std::atomic<int64_t>& bytes_read) {
  char chunk[16 * 1024];
  const size_t room = kMaxBuffered - buffer.size();
  if (room == 0) return true;  // The other side has not taken what was read: read later.
  const ssize_t n = read(from, chunk, std::min(room, sizeof(chunk)));
  if (n > 0) {
    bytes_read += n;
    if (delay <= absl::ZeroDuration() && buffer.delayed.empty()) {
      buffer.ready.append(chunk, static_cast<size_t>(n));
    } else {
      // Never before a chunk read earlier (the delay may have been lowered meanwhile): bytes keep their order.
      absl::Time at = absl::Now() + delay;
      if (!buffer.delayed.empty()) at = std::max(at, buffer.delayed.back().first);
      buffer.delayed.emplace_back(at, std::string(chunk, static_cast<size_t>(n)));
      buffer.delayed_bytes += static_cast<size_t>(n);
    }
    return true;
  }
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
}

// Writes what `to` takes of `buffer`'s ready bytes; false when `to` failed.
bool WriteFrom(int to, std::string& buffer) {
  const ssize_t n = send(to, buffer.data(), buffer.size(), MSG_NOSIGNAL);
  if (n >= 0) {
    buffer.erase(0, static_cast<size_t>(n));
    return true;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

void Close(Pipe& pipe) {
  if (pipe.client >= 0) close(pipe.client);
  if (pipe.upstream >= 0) close(pipe.upstream);
  pipe.client = pipe.upstream = -1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpForwarder>> TcpForwarder::Start(const std::string& target) {
  const size_t colon = target.rfind(':');
  int target_port = 0;
  if (colon == std::string::npos || absl::string_view(target).substr(0, colon) != "127.0.0.1" ||
      !absl::SimpleAtoi(absl::string_view(target).substr(colon + 1), &target_port) || target_port <= 0 ||
      target_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("target must be 127.0.0.1:port, got \"", target, "\""));
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return absl::InternalError("cannot listen on 127.0.0.1:0");
  }
  return std::unique_ptr<TcpForwarder>(
      new TcpForwarder(fd, absl::StrCat("127.0.0.1:", ntohs(address.sin_port)), target, target_port));
}

TcpForwarder::TcpForwarder(int listen_fd, std::string address, std::string target, int target_port)
    : listen_fd_(listen_fd), address_(std::move(address)), target_(std::move(target)), target_port_(target_port) {
  thread_ = std::thread([this] { Run(); });
}

TcpForwarder::~TcpForwarder() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

void TcpForwarder::Cut(CutMode mode) { state_ = mode == CutMode::kHold ? kHolding : kDropping; }

void TcpForwarder::Restore() { state_ = kForwarding; }

void TcpForwarder::SetDelay(Direction direction, absl::Duration delay) {
  delay_micros_[direction == Direction::kToTarget ? 0 : 1] = absl::ToInt64Microseconds(delay);
}

void TcpForwarder::Run() {
  std::vector<Pipe> pipes;
  std::vector<pollfd> fds;
  while (!stop_.load()) {
    const int state = state_.load();
    if (state == kDropping) {
      for (Pipe& pipe : pipes) Close(pipe);
      pipes.clear();
    }
    fds.clear();
    // Holding: nothing is accepted, read or written (new connections wait in the backlog).
    if (state != kHolding) fds.push_back({.fd = listen_fd_, .events = POLLIN, .revents = 0});
    if (state == kForwarding) {
      const absl::Time now = absl::Now();
      for (Pipe& pipe : pipes) {
        pipe.to_upstream.Release(now);
        pipe.to_client.Release(now);
      }
      for (const Pipe& pipe : pipes) {
        auto events = [](const Buffer& in, const Buffer& out) {
          return static_cast<short>((in.size() < kMaxBuffered ? POLLIN : 0) | (out.ready.empty() ? 0 : POLLOUT));
        };
        fds.push_back({.fd = pipe.client, .events = events(pipe.to_upstream, pipe.to_client), .revents = 0});
        fds.push_back({.fd = pipe.upstream, .events = events(pipe.to_client, pipe.to_upstream), .revents = 0});
      }
    }
    if (poll(fds.data(), fds.size(), kPollMilliseconds) <= 0) continue;
    size_t next = 0;
    if (state != kHolding) {
      if (fds[next++].revents & POLLIN) {
        const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client >= 0) {
          ++accepted_;
          const int upstream = state == kForwarding ? ConnectLoopback(target_port_) : -1;
          if (upstream < 0) {
            close(client);
          } else {
            pipes.push_back(
                Pipe{.client = client, .upstream = upstream, .to_upstream = {}, .to_client = {}, .dead = false});
          }
        }
      }
    }
    if (state != kForwarding) continue;
    // Only the pipes that were polled (a pipe accepted just now is at the end, beyond `fds`).
    for (size_t p = 0; next + 1 < fds.size(); ++p, next += 2) {
      Pipe& pipe = pipes[p];
      const short client_events = fds[next].revents;
      const short upstream_events = fds[next + 1].revents;
      bool alive = true;
      if (client_events & (POLLIN | POLLHUP | POLLERR)) {
        alive = alive &&
                ReadInto(pipe.client, pipe.to_upstream, absl::Microseconds(delay_micros_[0].load()), bytes_to_target_);
      }
      if (upstream_events & (POLLIN | POLLHUP | POLLERR)) {
        alive = alive && ReadInto(pipe.upstream, pipe.to_client, absl::Microseconds(delay_micros_[1].load()),
                                  bytes_from_target_);
      }
      if (alive && !pipe.to_upstream.ready.empty()) alive = WriteFrom(pipe.upstream, pipe.to_upstream.ready);
      if (alive && !pipe.to_client.ready.empty()) alive = WriteFrom(pipe.client, pipe.to_client.ready);
      // One side closed or failed: close both (the peers reconnect, as after a reset).
      pipe.dead = !alive;
    }
    for (Pipe& pipe : pipes) {
      if (pipe.dead) Close(pipe);
    }
    std::erase_if(pipes, [](const Pipe& pipe) { return pipe.dead; });
  }
  for (Pipe& pipe : pipes) Close(pipe);
}

}  // namespace ketenbeeld::testing
