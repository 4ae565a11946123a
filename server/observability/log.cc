#include "server/observability/log.h"

#include <atomic>
#include <cstdio>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"

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

namespace {

LogBudget* protobuf_budget = nullptr;  // Set once by RouteProtobufLog, before other threads use protobuf.

void ProtobufLogHandler(google::protobuf::LogLevel level, const char* filename, int line, const std::string& message) {
  const bool fatal = level == google::protobuf::LOGLEVEL_FATAL;
  const LogLevel ours = fatal || level == google::protobuf::LOGLEVEL_ERROR ? LogLevel::kError
                        : level == google::protobuf::LOGLEVEL_WARNING      ? LogLevel::kWarning
                                                                           : LogLevel::kInfo;
  if (!ShouldLog(ours)) return;
  int64_t dropped = 0;
  if (!fatal && !protobuf_budget->Admit(&dropped)) return;
  const char* level_name = fatal                                         ? "FATAL"
                           : level == google::protobuf::LOGLEVEL_ERROR   ? "ERROR"
                           : level == google::protobuf::LOGLEVEL_WARNING ? "WARNING"
                                                                         : "INFO";
  Log(ours, "protobuf",
      {{"protobuf_level", level_name},
       {"file", filename == nullptr ? "" : filename},
       {"line", line},
       {"message", message},
       {"not_logged", dropped}});
}

}  // namespace

void RouteProtobufLog(int lines_per_second) {
  // Leaked on purpose: protobuf may log until the process exits.
  protobuf_budget = new LogBudget(lines_per_second);
  google::protobuf::SetLogHandler(&ProtobufLogHandler);
}

}  // namespace ketenbeeld::observability
