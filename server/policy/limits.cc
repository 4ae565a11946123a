#include "server/policy/limits.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ketenbeeld::policy {
namespace {

// Buckets of identities idle this long are forgotten, so the map stays as small as the set of active callers.
constexpr absl::Duration kForgetIdleAfter = absl::Minutes(10);

}  // namespace

bool TokenBuckets::Take(const std::string& key, double amount, absl::Time now) {
  amount = std::min(amount, burst_);
  absl::MutexLock lock(&mu_);
  if (buckets_.size() > 10'000) {
    absl::erase_if(buckets_, [&](const auto& entry) { return now - entry.second.refilled > kForgetIdleAfter; });
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& bucket = it->second;
  if (!inserted && now > bucket.refilled) {
    bucket.tokens = std::min(burst_, bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled) * per_second_);
    bucket.refilled = now;
  }
  if (bucket.tokens < amount) return false;
  bucket.tokens -= amount;
  return true;
}

RateLimiter::RateLimiter(int per_second)
    : buckets_(per_second > 0 ? per_second : kDefaultRequestsPerSecond,
               2.0 * (per_second > 0 ? per_second : kDefaultRequestsPerSecond)) {}

absl::Status RateLimiter::Admit(const security::Identity& identity, absl::Time now) {
  if (identity.development() || buckets_.Take(identity.LimitKey(), 1, now)) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat("request rate: more than ", buckets_.per_second(),
                                                   " requests per second (bursts of ", buckets_.burst(),
                                                   ") for this identity; slow down and retry"));
}

namespace {

int64_t WriteRate(int64_t bytes_per_second) {
  return bytes_per_second > 0 ? bytes_per_second : kDefaultWriteBytesPerSecond;
}

}  // namespace

WriteVolumeLimiter::WriteVolumeLimiter(int64_t bytes_per_second, int64_t burst_bytes)
    : buckets_(static_cast<double>(WriteRate(bytes_per_second)),
               static_cast<double>(burst_bytes > 0 ? burst_bytes : WriteRate(bytes_per_second) * kWriteBurstSeconds)) {}

absl::Status WriteVolumeLimiter::Admit(const security::Identity& identity, size_t bytes, absl::Time now) {
  if (identity.development()) return absl::OkStatus();
  // Per organisation: its certificates and tokens share one budget. A credential without an organisation (none is
  // issued so) falls back to its own.
  const std::string key = identity.organization_id.empty() ? identity.LimitKey() : identity.organization_id;
  if (buckets_.Take(key, static_cast<double>(bytes), now)) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "write volume: organisation \"", key, "\" wrote more than ", static_cast<int64_t>(buckets_.per_second()) / 1024,
      " KiB per second (bursts of ", static_cast<int64_t>(buckets_.burst()) / 1024,
      " KiB); nothing was written; slow down and retry (status reports of a few KiB a minute never "
      "reach this)"));
}

SubscriptionLimiter::Kind SubscriptionLimiter::Feeds() {
  return {.limit = "subscriptions", .streams = "live feeds", .advice = "end one before starting another"};
}

SubscriptionLimiter::Kind SubscriptionLimiter::PublishStreams() {
  return {.limit = "publish streams",
          .streams = "open PublishStatus streams",
          .advice = "send all reports of an identity over one stream",
          .default_max = kDefaultPublishStreamsPerIdentity};
}

SubscriptionLimiter::Lease::~Lease() { limiter_->Release(key_); }

absl::StatusOr<std::unique_ptr<SubscriptionLimiter::Lease>> SubscriptionLimiter::Acquire(
    const security::Identity& identity) {
  if (identity.development()) return nullptr;
  const int max = max_ > 0 ? max_ : kind_.default_max;
  std::string key = identity.LimitKey();
  absl::MutexLock lock(&mu_);
  int& live = live_[key];
  if (live >= max) {
    return absl::ResourceExhaustedError(absl::StrCat(kind_.limit, ": this identity already has ", live, " ",
                                                     kind_.streams, " (at most ", max, "); ", kind_.advice));
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

CallBudget::CallBudget(Options options)
    : max_calls_(options.max_calls > 0 ? options.max_calls : kDefaultCallsInFlightPerIdentity),
      max_unsent_(options.max_unsent_answers > 0 ? options.max_unsent_answers
                                                 : kUnsentAnswersPerCallInFlight * max_calls_),
      max_bytes_(options.max_response_bytes > 0 ? options.max_response_bytes : kDefaultResponseBytesHeldPerIdentity) {}

CallBudget::Lease::~Lease() { budget_->Release(key_, answered_, held_); }

void CallBudget::Lease::Answered(size_t response_bytes) {
  if (answered_) return;
  answered_ = true;
  held_ = static_cast<int64_t>(response_bytes);
  budget_->Answer(key_, held_);
}

absl::StatusOr<std::unique_ptr<CallBudget::Lease>> CallBudget::Acquire(const security::Identity& identity) {
  if (identity.development()) return nullptr;
  std::string key = identity.LimitKey();
  absl::MutexLock lock(&mu_);
  Usage& usage = usage_[key];
  if (usage.calls >= max_calls_) {
    return absl::ResourceExhaustedError(absl::StrCat("calls in flight: this identity already has ", usage.calls,
                                                     " calls not yet answered (at most ", max_calls_,
                                                     "); wait for their answers before making more calls"));
  }
  if (usage.unsent_answers >= max_unsent_) {
    return absl::ResourceExhaustedError(absl::StrCat("unread answers: this identity already has ", usage.unsent_answers,
                                                     " answers that have not gone out (at most ", max_unsent_,
                                                     "); read them before making more calls"));
  }
  if (usage.response_bytes >= max_bytes_) {
    return absl::ResourceExhaustedError(absl::StrCat("response bytes held: this identity's answers not yet sent hold ",
                                                     usage.response_bytes, " bytes (at most ", max_bytes_,
                                                     "); read them before making more calls"));
  }
  ++usage.calls;
  return std::make_unique<Lease>(this, std::move(key));
}

CallBudget::Usage CallBudget::usage(const security::Identity& identity) {
  absl::MutexLock lock(&mu_);
  auto it = usage_.find(identity.LimitKey());
  return it == usage_.end() ? Usage{} : it->second;
}

void CallBudget::Answer(const std::string& key, int64_t bytes) {
  absl::MutexLock lock(&mu_);
  Usage& usage = usage_[key];
  --usage.calls;
  ++usage.unsent_answers;
  usage.response_bytes += bytes;
}

void CallBudget::Release(const std::string& key, bool answered, int64_t bytes) {
  absl::MutexLock lock(&mu_);
  auto it = usage_.find(key);
  if (it == usage_.end()) return;
  Usage& usage = it->second;
  if (answered) {
    --usage.unsent_answers;
    usage.response_bytes -= bytes;
  } else {
    --usage.calls;
  }
  if (usage.calls <= 0 && usage.unsent_answers <= 0) usage_.erase(it);
}

absl::Status CheckPublishBatch(int reports) {
  if (reports <= kPublishReportsInFlight) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("reports: ", reports, " reports in one message, at most ",
                                                 kPublishReportsInFlight, " (send the rest in the next message)"));
}

}  // namespace ketenbeeld::policy
