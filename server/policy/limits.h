// Per-identity limits against hostile or broken clients: a request rate (token bucket), a number of live feeds and of
// PublishStatus streams, and a budget of unary calls in flight and of their answers not yet sent. All answer
// RESOURCE_EXHAUSTED saying which limit was exceeded, so a client knows to slow down rather than retry at once.
// Identities are keyed by security::Identity::LimitKey(); development mode is not limited (benchmarks run there).
//
// Thread safety: all methods are thread safe.
#ifndef KETENBEELD_SERVER_POLICY_LIMITS_H_
#define KETENBEELD_SERVER_POLICY_LIMITS_H_

#include <cstddef>
#include <cstdint>
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
// PublishStatus streams per identity: one organisation's integration needs one or a few; each holds up to
// kPublishReportsInFlight reports (~1 MB) of server memory.
inline constexpr int kDefaultPublishStreamsPerIdentity = 8;
// Unary calls per identity admitted and not yet answered: the server's work for one identity at a time. 32 is far
// above what the CLI, the dashboard or an integration needs (bulk reports go over PublishStatus).
inline constexpr int kDefaultCallsInFlightPerIdentity = 32;
// Answered calls per identity whose answers have not gone out yet (gRPC has not run the call's OnDone), as a multiple
// of the calls in flight. A client that does not read its answers keeps them here, so this (with the bytes below)
// bounds what such a client makes the server hold. It is larger than the calls in flight because OnDone runs a moment
// after the client already has its answer, and on a loaded machine that moment grows: a client that waits for each
// answer before its next call was measured with up to 42 answered calls not yet done, on two cores running seven
// busy threads. Counting those against the 32 calls in flight refused such a client for calls it no longer had.
inline constexpr int kUnsentAnswersPerCallInFlight = 2;
// Bytes of the unsent answers of one identity, as the server holds them (an answer built as a message counts twice its
// serialized size: the message and its serialized copy; api::BudgetedReactor). A page of List or History is at most
// 2 MiB (queries::kMaxResponseBytes), so this admits a few full pages at a time.
inline constexpr int64_t kDefaultResponseBytesHeldPerIdentity = int64_t{16} << 20;

// PictureService.PublishStatus (server/api/publish_stream.h): the reports of one stream that may be unanswered at a
// time. At this bound the server reads no further message until results have gone out, so a stream holds at most
// this many reports of server memory plus one message, and one message may carry at most this many reports (so
// a stream never has more than twice the bound in flight). 1024 keeps a fast client's pipeline full (a commit
// group holds a few hundred writes) while bounding what one stream can make the server hold (~1 MB).
inline constexpr int kPublishReportsInFlight = 1024;

// OK, or INVALID_ARGUMENT when one PublishStatus message carries more than kPublishReportsInFlight reports.
absl::Status CheckPublishBatch(int reports);

// Bytes of writes per organisation per second, sustained: an organisation's status reports are a few KiB a minute,
// a GHOR entering phoned-in reports or an operator registering a region a few hundred KiB in a burst. Without a bound
// one institution filled the disk under the request rate (issue 14: ~5 MB/s of incompressible free text).
inline constexpr int64_t kDefaultWriteBytesPerSecond = int64_t{64} << 10;
// Bursts: 128 seconds' worth (8 MiB at the default), so a bulk import of thousands of reports passes at once.
inline constexpr int kWriteBurstSeconds = 128;

// A token bucket per key: `per_second` units come back each second, up to `burst`. Keys idle for 10 minutes are
// forgotten (their bucket is full again anyway). Thread safe.
class TokenBuckets {
 public:
  TokenBuckets(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  // Takes `amount` units (at most `burst`, so that any single request can pass on a full bucket) from `key`'s bucket
  // and returns true, or returns false and takes nothing when the bucket holds fewer.
  bool Take(const std::string& key, double amount, absl::Time now);

  double per_second() const { return per_second_; }
  double burst() const { return burst_; }

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

// Sustained `per_second` requests per identity, with bursts up to twice that.
class RateLimiter {
 public:
  explicit RateLimiter(int per_second);

  // OK and one request counted, or RESOURCE_EXHAUSTED when the identity's budget is spent. `now` is injectable for
  // tests.
  absl::Status Admit(const security::Identity& identity, absl::Time now = absl::Now());

 private:
  TokenBuckets buckets_;
};

// Bytes written per organisation (the serialized size of its write requests, over every transport and every
// credential of the organisation): `bytes_per_second` sustained, bursts up to `burst_bytes`. With retention this
// bounds how fast one organisation can grow the log on disk.
class WriteVolumeLimiter {
 public:
  // 0 or less: kDefaultWriteBytesPerSecond, and kWriteBurstSeconds of it as burst.
  WriteVolumeLimiter(int64_t bytes_per_second, int64_t burst_bytes);

  // OK and `bytes` counted, or RESOURCE_EXHAUSTED naming the limit when the organisation's budget is spent (nothing
  // is written; retry later). Development mode is not limited. `now` is injectable for tests.
  absl::Status Admit(const security::Identity& identity, size_t bytes, absl::Time now = absl::Now());

 private:
  TokenBuckets buckets_;
};

// Counts live streams of one kind per identity: live feeds (Subscribe, the gateway's feed) or PublishStatus streams.
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

  // What a limiter counts, for its refusal: "<limit>: this identity already has N <streams> (at most M); <advice>".
  struct Kind {
    std::string limit;
    std::string streams;
    std::string advice;
    int default_max = kDefaultSubscriptionsPerIdentity;  // When max_per_identity is 0 or less.
  };
  // Live feeds (the default kind).
  static Kind Feeds();
  // PublishStatus streams.
  static Kind PublishStreams();

  // `max_per_identity` 0 or less: the kind's default.
  explicit SubscriptionLimiter(int max_per_identity) : SubscriptionLimiter(max_per_identity, Feeds()) {}
  SubscriptionLimiter(int max_per_identity, Kind kind) : max_(max_per_identity), kind_(std::move(kind)) {}

  // A lease (null in development mode, which is not limited), or RESOURCE_EXHAUSTED when the identity already has
  // the maximum number of streams of this kind. The limiter must outlive its leases.
  absl::StatusOr<std::unique_ptr<Lease>> Acquire(const security::Identity& identity);

  // Live feeds of an identity, for tests and metrics.
  int live(const security::Identity& identity);

 private:
  void Release(const std::string& key);

  const int max_;
  const Kind kind_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> live_ ABSL_GUARDED_BY(mu_);
};

// The unary calls of each identity, in two stages: *in flight* from admission until the call is answered (the server
// works on it), then *unsent* until gRPC is done with it (its answer has gone out), with the bytes of those answers.
// A call is admitted only while the identity is under all three bounds, so one identity holds at most about
// max_response_bytes of unsent answers plus max_calls answers being built (each at most 2 MiB), and a client that
// keeps calling without reading its answers is refused instead of growing the server's memory.
class CallBudget {
 public:
  struct Options {
    // 0 or less: the defaults above (max_unsent_answers: kUnsentAnswersPerCallInFlight times max_calls).
    int max_calls = 0;
    int max_unsent_answers = 0;
    int64_t max_response_bytes = 0;
  };

  // Held by a call from admission until gRPC is done with it; gives its place and bytes back when destroyed.
  // Not thread safe itself: one call's reactor uses it.
  class Lease {
   public:
    Lease(CallBudget* budget, std::string key) : budget_(budget), key_(std::move(key)) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    // The call is answered with `response_bytes` of answer: it leaves the identity's calls in flight and counts as an
    // unsent answer of that size until the lease ends. Called at most once, when the call finishes; a lease that ends
    // without it (a call refused or cancelled before its answer) was in flight until then.
    void Answered(size_t response_bytes);

   private:
    CallBudget* budget_;
    std::string key_;
    bool answered_ = false;
    int64_t held_ = 0;
  };

  explicit CallBudget(Options options);

  // A lease (null in development mode, which is not limited), or RESOURCE_EXHAUSTED naming the bound reached: the
  // identity's calls in flight, its unsent answers, or their bytes. The budget must outlive its leases.
  absl::StatusOr<std::unique_ptr<Lease>> Acquire(const security::Identity& identity);

  struct Usage {
    int calls = 0;           // in flight: admitted, not yet answered
    int unsent_answers = 0;  // answered, not yet gone out
    int64_t response_bytes = 0;
  };
  // An identity's calls in flight, unsent answers and their bytes, for tests and metrics.
  Usage usage(const security::Identity& identity);

 private:
  void Answer(const std::string& key, int64_t bytes);
  void Release(const std::string& key, bool answered, int64_t bytes);

  const int max_calls_;
  const int max_unsent_;
  const int64_t max_bytes_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Usage> usage_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ketenbeeld::policy

#endif  // KETENBEELD_SERVER_POLICY_LIMITS_H_
