// One-line JSON logs on stderr: {"time":"…","level":"info","event":"server_started","listen":"127.0.0.1:50051"}.
// Machine-readable for log shippers, still readable by a person. Thread safe; each line is written whole.
#ifndef KETENBEELD_SERVER_OBSERVABILITY_LOG_H_
#define KETENBEELD_SERVER_OBSERVABILITY_LOG_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace ketenbeeld::observability {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogFields = std::initializer_list<std::pair<std::string_view, nlohmann::json>>;

// Lines below this level are dropped. Default kInfo.
void SetMinLogLevel(LogLevel level);

// Whether a line at `level` would be written; lets callers skip building fields that would be dropped.
bool ShouldLog(LogLevel level);

void Log(LogLevel level, std::string_view event, LogFields fields = {});
inline void LogInfo(std::string_view event, LogFields fields = {}) { Log(LogLevel::kInfo, event, fields); }
inline void LogWarning(std::string_view event, LogFields fields = {}) { Log(LogLevel::kWarning, event, fields); }
inline void LogError(std::string_view event, LogFields fields = {}) { Log(LogLevel::kError, event, fields); }

// A cap on how many lines of one kind are written per second, for lines an outsider can cause at will (every call
// without credentials is a failed call): beyond the cap lines are counted, not written, and the next line admitted
// says how many were left out. Thread safe.
class LogBudget {
 public:
  // `clock` (tests inject one) returns the current time; the budget renews each whole second of it.
  explicit LogBudget(
      int lines_per_second, std::function<absl::Time()> clock = [] { return absl::Now(); })
      : lines_per_second_(lines_per_second), clock_(std::move(clock)) {}

  // Whether to write a line now. When it returns true, `*dropped` is set to the number of lines refused since the last
  // admitted one (0 mostly), to be written with it.
  bool Admit(int64_t* dropped);

 private:
  const int lines_per_second_;
  const std::function<absl::Time()> clock_;
  absl::Mutex mu_;
  int64_t second_ ABSL_GUARDED_BY(mu_) = -1;
  int used_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

// Lines of protobuf's own log admitted per second (RouteProtobufLog).
inline constexpr int kProtobufLinesPerSecond = 10;

// Routes protobuf's own log into this one, as {"event":"protobuf","protobuf_level":"ERROR","file":…,"line":…,
// "message":…} at most `lines_per_second` a second (the rest counted in the next admitted line's "not_logged"), instead
// of protobuf's unthrottled "[libprotobuf ERROR …]" lines on stderr. Every request with invalid UTF-8 in a string
// field makes protobuf log such a line, so a client could otherwise fill the disk with them. FATAL lines are always
// written (protobuf aborts after them). Call once at start-up, before other threads use protobuf (protobuf's
// SetLogHandler is not thread safe).
void RouteProtobufLog(int lines_per_second = kProtobufLinesPerSecond);

}  // namespace ketenbeeld::observability

#endif  // KETENBEELD_SERVER_OBSERVABILITY_LOG_H_
