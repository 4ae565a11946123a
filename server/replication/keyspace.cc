#include "server/replication/keyspace.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace ketenbeeld::replication {

std::string Keyspace::LogKey(int64_t first_revision) const {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(first_revision));
  return log_prefix() + hex;
}

std::optional<int64_t> Keyspace::LogKeyRevision(std::string_view key) const {
  const std::string log = log_prefix();
  const absl::string_view name(key.data(), key.size());
  if (!absl::StartsWith(name, log) || name.size() != log.size() + 16) return std::nullopt;
  uint64_t revision = 0;
  if (!absl::SimpleHexAtoi(name.substr(log.size()), &revision) || revision > INT64_MAX) return std::nullopt;
  return static_cast<int64_t>(revision);
}

}  // namespace ketenbeeld::replication
