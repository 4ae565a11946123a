#include "bench/histogram.h"

#include <bit>

namespace ketenbeeld::bench {

int LatencyHistogram::BucketOf(uint64_t micros) {
  if (micros < kSubBuckets) return static_cast<int>(micros);
  const int most_significant_bit = 63 - std::countl_zero(micros);
  const int shift = most_significant_bit - kSubBucketBits;  // Keeps the top kSubBucketBits + 1 bits.
  const uint64_t mantissa = micros >> shift;                // In [kSubBuckets, 2 * kSubBuckets).
  return kSubBuckets * (shift + 1) + static_cast<int>(mantissa - kSubBuckets);
}

int64_t LatencyHistogram::UpperBoundOf(int bucket) {
  if (bucket < kSubBuckets) return bucket;
  const int shift = bucket / kSubBuckets - 1;
  const int64_t mantissa = kSubBuckets + bucket % kSubBuckets;
  return ((mantissa + 1) << shift) - 1;
}

void LatencyHistogram::Record(int64_t micros) {
  if (micros < 0) micros = 0;
  buckets_[BucketOf(static_cast<uint64_t>(micros))].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(micros, std::memory_order_relaxed);
  int64_t seen = max_.load(std::memory_order_relaxed);
  while (micros > seen && !max_.compare_exchange_weak(seen, micros, std::memory_order_relaxed)) {
  }
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBucketCount; ++i) {
    buckets_[i].fetch_add(other.buckets_[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
  count_.fetch_add(other.Count(), std::memory_order_relaxed);
  sum_.fetch_add(other.sum_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  if (other.MaxMicros() > MaxMicros()) max_.store(other.MaxMicros(), std::memory_order_relaxed);
}

double LatencyHistogram::MeanMicros() const {
  const int64_t count = Count();
  return count == 0 ? 0.0 : static_cast<double>(sum_.load(std::memory_order_relaxed)) / static_cast<double>(count);
}

int64_t LatencyHistogram::PercentileMicros(double quantile) const {
  const int64_t count = Count();
  if (count == 0) return 0;
  // The rank of the sample at `quantile`, 1-based, rounded up: p99 of 1000 samples is the 990th.
  int64_t rank = static_cast<int64_t>(quantile * static_cast<double>(count) + 0.999999);
  if (rank < 1) rank = 1;
  int64_t seen = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) {
      const int64_t bound = UpperBoundOf(i);
      return bound < MaxMicros() ? bound : MaxMicros();
    }
  }
  return MaxMicros();
}

nlohmann::json LatencyHistogram::ToJson() const {
  auto ms = [](double micros) { return micros / 1000.0; };
  if (Count() == 0) return {{"count", 0}};  // No percentiles of nothing: tables show "—".
  return {{"count", Count()},
          {"mean_ms", ms(MeanMicros())},
          {"p50_ms", ms(static_cast<double>(PercentileMicros(0.50)))},
          {"p99_ms", ms(static_cast<double>(PercentileMicros(0.99)))},
          {"p999_ms", ms(static_cast<double>(PercentileMicros(0.999)))},
          {"max_ms", ms(static_cast<double>(MaxMicros()))}};
}

}  // namespace ketenbeeld::bench
