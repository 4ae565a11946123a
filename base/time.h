// The one conversion between protobuf's Timestamp and absl::Time (and Duration and absl::Duration), for server and
// client alike.
//
// Exact in both directions for every time a Timestamp can hold (nanosecond precision): a value converted there and
// back is the same value. Where a lower precision is wanted (the server stores commit times in microseconds), the
// caller rounds explicitly with absl::FromUnixMicros(absl::ToUnixMicros(t)), so that the choice is visible where it
// is made instead of hidden in one of several converters.
//
// Times outside a Timestamp's range (years 1..9999, e.g. absl::InfiniteFuture()) saturate to its bounds: callers
// validate untrusted timestamps (domain/field_checks.h) before they convert them.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_BASE_TIME_H_
#define KETENBEELD_BASE_TIME_H_

#include <algorithm>
#include <cstdint>

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace ketenbeeld {

// The range a Timestamp may hold: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;

inline google::protobuf::Timestamp ToProtoTime(absl::Time time) {
  time = std::clamp(time, absl::FromUnixSeconds(kMinTimestampSeconds),
                    absl::FromUnixSeconds(kMaxTimestampSeconds) + absl::Nanoseconds(999'999'999));
  const int64_t seconds = absl::ToUnixSeconds(time);  // Rounds towards negative infinity, so nanos >= 0.
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>((time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  return timestamp;
}

inline absl::Time FromProtoTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

// Durations: exact for every value a Duration may hold (+-10,000 years, whose seconds and nanos share one sign);
// absl's infinite durations saturate to the largest finite ones.
inline constexpr int64_t kMaxDurationSeconds = 315576000000;

inline absl::Duration FromProtoDuration(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) + absl::Nanoseconds(duration.nanos());
}

inline google::protobuf::Duration ToProtoDuration(absl::Duration value) {
  value = std::clamp(value, absl::Seconds(-kMaxDurationSeconds) - absl::Nanoseconds(999'999'999),
                     absl::Seconds(kMaxDurationSeconds) + absl::Nanoseconds(999'999'999));
  absl::Duration remainder;
  const int64_t seconds = absl::IDivDuration(value, absl::Seconds(1), &remainder);  // Truncates towards zero.
  google::protobuf::Duration duration;
  duration.set_seconds(seconds);
  duration.set_nanos(static_cast<int32_t>(remainder / absl::Nanoseconds(1)));
  return duration;
}

}  // namespace ketenbeeld

#endif  // KETENBEELD_BASE_TIME_H_
