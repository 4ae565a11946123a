// Per-identity limits against hostile or broken clients: a request rate (token bucket) and a number of live feeds.
// Both answer RESOURCE_EXHAUSTED with what was exceeded, so a client knows to slow down rather than retry at once.
// Identities are keyed by security::Identity::LimitKey(); development mode is not limited (benchmarks run there).
//
// Thread safety: all methods are thread safe.
#ifndef KETENBEELD_SERVER_POLICY_LIMITS_H_
#define KETENBEELD_SERVER_POLICY_LIMITS_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/security/identity.h"

namespace ketenbeeld::policy {

inline constexpr int kDefaultRequestsPerSecond = 200;
inline constexpr int kDefaultSubscriptionsPerIdentity = 64;

// PictureService.PublishStatus (server/api/publish_stream.h): the reports of one stream that may be unanswered at a
// time. At this bound the server reads no further message until results have gone out, so a stream holds at most
// this many reports of server memory plus one message, and one message may carry at most this many reports (so
// a stream never has more than twice the bound in flight). 1024 keeps a fast client's pipeline full (a commit
// group holds a few hundred writes) while bounding what one stream can make the server hold (~1 MB).
inline constexpr int kPublishReportsInFlight = 1024;

// OK, or INVALID_ARGUMENT when one PublishStatus message carries more than kPublishReportsInFlight reports.
absl::Status CheckPublishBatch(int reports);

// Sustained `per_second` requests per identity, with bursts up to twice that.
class RateLimiter {
 public:
  explicit RateLimiter(int per_second);

  // OK and one request counted, or RESOURCE_EXHAUSTED when the identity's budget is spent. `now` is injectable for
  // tests.
  absl::Status Admit(const security::Identity& identity, absl::Time now = absl::Now());

 private:
  struct Bucket {
    double tokens;
    absl::Time refilled;
  };
  const double per_second_;
  const double burst_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// Counts live feeds per identity.
class SubscriptionLimiter {
 public:
  // Held by a live feed; gives its place back when destroyed.
  class Lease {
   public:
    Lease(SubscriptionLimiter* limiter, std::string key) : limiter_(limiter), key_(std::move(key)) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    SubscriptionLimiter* limiter_;
    std::string key_;
  };

  explicit SubscriptionLimiter(int max_per_identity) : max_(max_per_identity) {}

  // A lease (null in development mode, which is not limited), or RESOURCE_EXHAUSTED when the identity already has
  // the maximum number of live feeds. The limiter must outlive its leases.
  absl::StatusOr<std::unique_ptr<Lease>> Acquire(const security::Identity& identity);

  // Live feeds of an identity, for tests and metrics.
  int live(const security::Identity& identity);

 private:
  void Release(const std::string& key);

  const int max_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> live_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ketenbeeld::policy

#endif  // KETENBEELD_SERVER_POLICY_LIMITS_H_
