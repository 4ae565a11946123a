// The picture's clock: the time the server stamps on commits and against which it measures what follows from time
// alone (reports overdue, status unknown, an emergency department's `until` passed) and how old figures are in the
// reports (gap report, capacity overview, FindCapacity). "Picture time", as opposed to the wall clock that latency,
// rate limits, log lines, heartbeat intervals and the audit trail keep using.
//
// In production it is the wall clock. For development and system tests it can be the wall clock plus an offset read
// from a file (ketenbeeld-server --clock_offset_file, refused when TLS or tokens are configured: a production
// server's clock is never driven from outside), so that a test moves the server half a day forward in a second
// instead of waiting half a day. The file holds one duration in Abseil's syntax ("0s", "12h", "90m", "1h30m").
//
// The offset only moves the clock forward: an offset smaller than the one in force is ignored (logged once per
// value), so picture time, and with it commit times, never go backwards because of the file. The file is read at
// most once per `check_interval` (default 100 ms), on the first Now() after it passed: Now() then costs a clock read
// under a mutex, and a file read (a few microseconds) ten times a second at most. A file that cannot be read or parsed
// after start-up leaves the offset in force (logged once per distinct error): a half-written file is picked up once it
// is complete.
//
// Thread safety: Now() and offset() may be called from any thread.
#ifndef KETENBEELD_SERVER_PIPELINE_PICTURE_CLOCK_H_
#define KETENBEELD_SERVER_PIPELINE_PICTURE_CLOCK_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ketenbeeld::pipeline {

// The server flag that names the offset file; every error about the file names it.
inline constexpr char kClockOffsetFlag[] = "--clock_offset_file";

// The offset in `text` (surrounding whitespace ignored): a finite, non-negative duration in Abseil's syntax.
// INVALID_ARGUMENT "--clock_offset_file PATH: ..." naming the flag and `path` otherwise.
absl::StatusOr<absl::Duration> ParseClockOffset(absl::string_view text, absl::string_view path);

// Reads and parses the offset file: errors as ParseClockOffset, and INVALID_ARGUMENT naming the flag and the path
// when the file cannot be read. Used at start-up and by --check_config.
absl::StatusOr<absl::Duration> ReadClockOffsetFile(const std::string& path);

struct PictureClockOptions {
  // How often the file is read, at most.
  absl::Duration check_interval = absl::Milliseconds(100);
  // The wall clock the offset is added to (tests inject one).
  std::function<absl::Time()> wall = [] { return absl::Now(); };
};

class PictureClock {
 public:
  using Options = PictureClockOptions;

  // The wall clock, no offset.
  PictureClock() : PictureClock(std::string(), Options{}, absl::ZeroDuration()) {}

  // The wall clock plus the offset in `path`, read now. The errors of ReadClockOffsetFile: the server must not start
  // on an offset file it cannot use.
  static absl::StatusOr<std::unique_ptr<PictureClock>> FromOffsetFile(std::string path, Options options = {});

  PictureClock(const PictureClock&) = delete;
  PictureClock& operator=(const PictureClock&) = delete;

  // Picture time: the wall clock plus the offset in force (re-reading the file first when check_interval passed).
  absl::Time Now() const ABSL_LOCKS_EXCLUDED(mu_);

  // The offset in force (zero without a file), without re-reading the file.
  absl::Duration offset() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  PictureClock(std::string path, Options options, absl::Duration offset);

  void ReadIfDue(absl::Time wall_now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Empty: the wall clock, no file.
  const std::string path_;
  const Options options_;
  mutable absl::Mutex mu_;
  mutable absl::Duration offset_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  mutable absl::Time next_check_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // What was last logged, so that each refused offset or error is logged once, not ten times a second.
  mutable std::string last_complaint_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ketenbeeld::pipeline

#endif  // KETENBEELD_SERVER_PIPELINE_PICTURE_CLOCK_H_
