#include "server/replication/keyspace.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace ketenbeeld::replication {

namespace {

std::string Hex(int64_t value, int width) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%0*llx", width, static_cast<unsigned long long>(value));
  return hex;
}

}  // namespace

std::string Keyspace::LogKey(int64_t first_revision) const { return log_prefix() + Hex(first_revision, 16); }

std::string Keyspace::PartsFrom(int64_t first_revision) const { return parts_prefix() + Hex(first_revision, 16); }

std::string Keyspace::PartsPrefix(int64_t first_revision, int64_t term) const {
  return PartsFrom(first_revision) + "/" + Hex(term, 16) + "/";
}

std::string Keyspace::PartKey(int64_t first_revision, int64_t term, int index) const {
  return PartsPrefix(first_revision, term) + Hex(index, 8);
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
