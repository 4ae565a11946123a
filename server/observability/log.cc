#include "server/observability/log.h"

#include <atomic>
#include <cstdio>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ketenbeeld::observability {
namespace {

std::atomic<LogLevel> min_level{LogLevel::kInfo};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

}  // namespace

void SetMinLogLevel(LogLevel level) { min_level.store(level, std::memory_order_relaxed); }

bool ShouldLog(LogLevel level) { return level >= min_level.load(std::memory_order_relaxed); }

void Log(LogLevel level, std::string_view event, LogFields fields) {
  if (level < min_level.load(std::memory_order_relaxed)) return;
  nlohmann::ordered_json line;
  line["time"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = LevelName(level);
  line["event"] = event;
  for (const auto& [key, value] : fields) line[std::string(key)] = value;
  // Invalid UTF-8 in a field is replaced rather than thrown: logging must never take the server down.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  // One fwrite per line: stdio locks the stream, so concurrent lines never interleave.
  std::fwrite(text.data(), 1, text.size(), stderr);
}

bool LogBudget::Admit(int64_t* dropped) {
  const int64_t second = absl::ToUnixSeconds(clock_());
  absl::MutexLock lock(&mu_);
  if (second != second_) {
    second_ = second;
    used_ = 0;
  }
  if (used_ >= lines_per_second_) {
    ++dropped_;
    return false;
  }
  ++used_;
  *dropped = dropped_;
  dropped_ = 0;
  return true;
}

}  // namespace ketenbeeld::observability
