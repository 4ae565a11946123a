#include "tests/support/raw_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/match.h"
#include "absl/time/clock.h"

namespace ketenbeeld::testing {

RawSocket::RawSocket(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawSocket::~RawSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawSocket::Send(absl::string_view bytes) {
  while (fd_ >= 0 && !bytes.empty()) {
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return fd_ >= 0;
}

bool RawSocket::ReadSome(absl::Time deadline, bool& closed) {
  closed = false;
  const int64_t wait_ms = std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()));
  pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
  if (::poll(&ready, 1, static_cast<int>(wait_ms)) <= 0) return true;  // Nothing yet (or EINTR): not closed.
  char buffer[16384];
  const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) {
    closed = true;
    return false;
  }
  received_.append(buffer, static_cast<size_t>(n));
  return true;
}

bool RawSocket::ReadUntil(absl::string_view needle, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  bool closed = false;
  while (fd_ >= 0 && !absl::StrContains(received_, needle) && absl::Now() < deadline) {
    if (!ReadSome(deadline, closed)) break;
  }
  return absl::StrContains(received_, needle);
}

bool RawSocket::WaitForClose(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  bool closed = false;
  while (fd_ >= 0 && absl::Now() < deadline) {
    if (!ReadSome(deadline, closed)) return closed;
  }
  return false;
}

}  // namespace ketenbeeld::testing
