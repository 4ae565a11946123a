#include "server/http/header_deadline.h"

#include <sys/socket.h>

#include <algorithm>

#include "absl/time/clock.h"
#include "server/observability/log.h"

namespace ketenbeeld::http {

HeaderDeadlines::HeaderDeadlines(absl::Duration timeout) : timeout_(timeout) {
  if (timeout_ > absl::ZeroDuration()) thread_ = std::thread([this] { Run(); });
}

HeaderDeadlines::~HeaderDeadlines() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void HeaderDeadlines::Track(const void* key, int fd) {
  if (timeout_ <= absl::ZeroDuration() || fd < 0) return;
  absl::MutexLock lock(&mu_);
  watched_[key] = Watched{.fd = fd, .deadline = absl::Now() + timeout_};
}

void HeaderDeadlines::Disarm(const void* key) {
  absl::MutexLock lock(&mu_);
  if (auto it = watched_.find(key); it != watched_.end()) it->second.deadline = absl::InfiniteFuture();
}

void HeaderDeadlines::Arm(const void* key) {
  absl::MutexLock lock(&mu_);
  if (auto it = watched_.find(key); it != watched_.end()) it->second.deadline = absl::Now() + timeout_;
}

void HeaderDeadlines::Forget(const void* key) {
  absl::MutexLock lock(&mu_);
  watched_.erase(key);
}

int64_t HeaderDeadlines::cut_off() const {
  absl::MutexLock lock(&mu_);
  return cut_off_;
}

void HeaderDeadlines::Run() {
  const absl::Duration interval = std::clamp(timeout_ / 8, absl::Milliseconds(50), absl::Seconds(1));
  absl::MutexLock lock(&mu_);
  // Bounded by the gateway's lifetime: the destructor sets stopping_, which ends the wait at once.
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval)) {
    const absl::Time now = absl::Now();
    int64_t cut = 0;
    for (auto& [key, watched] : watched_) {
      if (watched.deadline > now) continue;
      // The descriptor is still open: Forget, which runs before it is closed, needs mu_. Only once per connection:
      // the event loop closes it shortly.
      ::shutdown(watched.fd, SHUT_RDWR);
      watched.deadline = absl::InfiniteFuture();
      ++cut;
    }
    if (cut > 0) {
      cut_off_ += cut;
      observability::LogWarning(
          "http_header_timeout",
          {{"connections", cut}, {"total", cut_off_}, {"timeout", absl::FormatDuration(timeout_)}});
    }
  }
}

}  // namespace ketenbeeld::http
