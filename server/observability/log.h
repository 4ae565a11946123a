// One-line JSON logs on stderr: {"time":"…","level":"info","event":"server_started","listen":"127.0.0.1:50051"}.
// Machine-readable for log shippers, still readable by a person. Thread safe; each line is written whole.
#ifndef KETENBEELD_SERVER_OBSERVABILITY_LOG_H_
#define KETENBEELD_SERVER_OBSERVABILITY_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

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

}  // namespace ketenbeeld::observability

#endif  // KETENBEELD_SERVER_OBSERVABILITY_LOG_H_
