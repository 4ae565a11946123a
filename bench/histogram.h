// A lock-free latency histogram for the load generator: many gRPC callback threads record, one thread reads.
//
// Values are microseconds. Buckets are log-linear (32 per power of two), so a reported percentile is the upper
// bound of its bucket: at most ~3% above the true value, never below it. The maximum is exact.
//
// Thread safety: Record() may be called concurrently from any thread; the readers are meant for after the
// recording threads are done (they read relaxed atomics and may see a slightly stale picture otherwise).
#ifndef KETENBEELD_BENCH_HISTOGRAM_H_
#define KETENBEELD_BENCH_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "nlohmann/json.hpp"

namespace ketenbeeld::bench {

class LatencyHistogram {
 public:
  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  // Negative values (clock skew between stamps) are recorded as 0.
  void Record(int64_t micros);
  // Adds every sample of `other` (read when `other` is no longer written).
  void Merge(const LatencyHistogram& other);

  int64_t Count() const { return count_.load(std::memory_order_relaxed); }
  int64_t MaxMicros() const { return max_.load(std::memory_order_relaxed); }
  double MeanMicros() const;
  // The smallest bucket bound that at least `quantile` (0..1) of the samples are at or below; 0 when empty.
  int64_t PercentileMicros(double quantile) const;

  // {"count", "mean_ms", "p50_ms", "p99_ms", "p999_ms", "max_ms"}; only {"count": 0} when empty.
  nlohmann::json ToJson() const;

 private:
  static constexpr int kSubBucketBits = 5;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kBucketCount = kSubBuckets * (64 - kSubBucketBits + 1);
  static int BucketOf(uint64_t micros);
  static int64_t UpperBoundOf(int bucket);

  std::array<std::atomic<int64_t>, kBucketCount> buckets_{};
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> sum_{0};
  std::atomic<int64_t> max_{0};
};

}  // namespace ketenbeeld::bench

#endif  // KETENBEELD_BENCH_HISTOGRAM_H_
