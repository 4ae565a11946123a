#include "server/policy/limits.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ketenbeeld::policy {
namespace {

// Buckets of identities idle this long are forgotten, so the map stays as small as the set of active callers.
constexpr absl::Duration kForgetIdleAfter = absl::Minutes(10);

}  // namespace

RateLimiter::RateLimiter(int per_second)
    : per_second_(per_second > 0 ? per_second : kDefaultRequestsPerSecond), burst_(2 * per_second_) {}

absl::Status RateLimiter::Admit(const security::Identity& identity, absl::Time now) {
  if (identity.development()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (buckets_.size() > 10'000) {
    absl::erase_if(buckets_, [&](const auto& entry) { return now - entry.second.refilled > kForgetIdleAfter; });
  }
  auto [it, inserted] = buckets_.try_emplace(identity.LimitKey(), Bucket{burst_, now});
  Bucket& bucket = it->second;
  if (!inserted && now > bucket.refilled) {
    bucket.tokens = std::min(burst_, bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled) * per_second_);
    bucket.refilled = now;
  }
  if (bucket.tokens < 1) {
    return absl::ResourceExhaustedError(absl::StrCat("request rate: more than ", per_second_,
                                                     " requests per second (bursts of ", burst_,
                                                     ") for this identity; slow down and retry"));
  }
  bucket.tokens -= 1;
  return absl::OkStatus();
}

SubscriptionLimiter::Lease::~Lease() { limiter_->Release(key_); }

absl::StatusOr<std::unique_ptr<SubscriptionLimiter::Lease>> SubscriptionLimiter::Acquire(
    const security::Identity& identity) {
  if (identity.development()) return nullptr;
  const int max = max_ > 0 ? max_ : kDefaultSubscriptionsPerIdentity;
  std::string key = identity.LimitKey();
  absl::MutexLock lock(&mu_);
  int& live = live_[key];
  if (live >= max) {
    return absl::ResourceExhaustedError(absl::StrCat("subscriptions: this identity already has ", live,
                                                     " live feeds (at most ", max,
                                                     "); end one before starting another"));
  }
  ++live;
  return std::make_unique<Lease>(this, std::move(key));
}

int SubscriptionLimiter::live(const security::Identity& identity) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(identity.LimitKey());
  return it == live_.end() ? 0 : it->second;
}

void SubscriptionLimiter::Release(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(key);
  if (it == live_.end()) return;
  if (--it->second <= 0) live_.erase(it);
}

absl::Status CheckPublishBatch(int reports) {
  if (reports <= kPublishReportsInFlight) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("reports: ", reports, " reports in one message, at most ",
                                                 kPublishReportsInFlight, " (send the rest in the next message)"));
}

}  // namespace ketenbeeld::policy
