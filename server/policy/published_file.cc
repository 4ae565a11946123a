#include "server/policy/published_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ketenbeeld/server/v1/published_figures.pb.h"

namespace ketenbeeld::policy {
namespace {

namespace v1 = ::ketenbeeld::v1;
using server::v1::PublishedCell;
using server::v1::PublishedValue;

absl::Status FiguresFileUnavailable(absl::string_view what, const std::string& path, int error = errno) {
  return absl::UnavailableError(absl::StrCat("published figures ", path, ": ", what, ": ", std::strerror(error)));
}

void AddValues(const queries::FigureTable::ByOrganization<queries::FigureTable::CapacityValue>& values,
               PublishedCell& cell) {
  for (const auto& [organization_id, value] : values) {
    PublishedValue& out = *cell.add_values();
    out.set_organization_id(organization_id);
    out.set_value(value.value);
    out.set_newest_unix_nanos(absl::ToUnixNanos(value.newest));
    out.set_oldest_unix_nanos(absl::ToUnixNanos(value.oldest));
  }
}

queries::FigureTable::ByOrganization<queries::FigureTable::CapacityValue> CapacityValues(const PublishedCell& cell) {
  queries::FigureTable::ByOrganization<queries::FigureTable::CapacityValue> values;
  for (const PublishedValue& value : cell.values()) {
    values[value.organization_id()] = {.value = value.value(),
                                       .newest = absl::FromUnixNanos(value.newest_unix_nanos()),
                                       .oldest = absl::FromUnixNanos(value.oldest_unix_nanos())};
  }
  return values;
}

// A supply cell's value: days of supply, or the moment the supply runs out (the table's value type decides).
using SupplyValue = decltype(queries::FigureTable::supplies)::mapped_type::mapped_type;

template <typename Value>
void SetSupplyValue(PublishedValue& out, const Value& value) {
  if constexpr (std::is_same_v<Value, absl::Time>) {
    out.set_time_unix_nanos(absl::ToUnixNanos(value));
  } else {
    out.set_days(value);
  }
}

template <typename Value>
Value SupplyValueOf(const PublishedValue& value) {
  if constexpr (std::is_same_v<Value, absl::Time>) {
    return absl::FromUnixNanos(value.time_unix_nanos());
  } else {
    return value.days();
  }
}

// Writes all of `bytes` to the new file `path`, mode 0600, synced.
absl::Status WriteSynced(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return FiguresFileUnavailable("create", path);
  absl::Status status;
  for (size_t done = 0; done < bytes.size() && status.ok();) {
    const ssize_t put = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) status = FiguresFileUnavailable("write", path, put < 0 ? errno : ENOSPC);
    if (put > 0) done += static_cast<size_t>(put);
  }
  if (status.ok() && ::fsync(fd) != 0) status = FiguresFileUnavailable("sync", path);
  ::close(fd);
  return status;
}

}  // namespace

absl::Status WritePublishedFigures(const std::string& path, const queries::FigureTable& table) {
  server::v1::PublishedFigures file;
  file.set_revision(table.revision);
  for (const auto& [key, values] : table.capacity) {
    PublishedCell& cell = *file.add_cells();
    cell.set_kind(PublishedCell::KIND_CAPACITY);
    cell.set_safety_region(key.safety_region);
    cell.set_sector(key.sector);
    cell.set_bed_type(key.bed_type);
    cell.set_figure(key.figure);
    cell.set_stale(key.stale);
    AddValues(values, cell);
  }
  for (const auto& [key, values] : table.supplies) {
    PublishedCell& cell = *file.add_cells();
    cell.set_kind(PublishedCell::KIND_SUPPLY);
    cell.set_safety_region(key.safety_region);
    cell.set_supply_type(key.type);
    for (const auto& [organization_id, supply] : values) {
      PublishedValue& out = *cell.add_values();
      out.set_organization_id(organization_id);
      SetSupplyValue(out, supply);
    }
  }
  for (const auto& [key, values] : table.chain) {
    PublishedCell& cell = *file.add_cells();
    cell.set_kind(PublishedCell::KIND_CHAIN);
    cell.set_safety_region(key.safety_region);
    cell.set_sector(key.sector);
    cell.set_figure(key.figure);
    AddValues(values, cell);
  }
  for (const auto& [key, values] : table.indicators) {
    PublishedCell& cell = *file.add_cells();
    cell.set_kind(PublishedCell::KIND_INDICATOR);
    cell.set_indicator_id(key.indicator_id);
    for (const auto& [organization_id, answer] : values) {
      PublishedValue& out = *cell.add_values();
      out.set_organization_id(organization_id);
      out.set_days(answer.number);
      out.set_choice(answer.choice);
      out.set_newest_unix_nanos(absl::ToUnixNanos(answer.reported_at));
    }
  }
  std::string bytes;
  if (!file.SerializeToString(&bytes)) return absl::InternalError("published figures: could not serialize");
  const std::string fresh = absl::StrCat(path, ".new");
  if (absl::Status written = WriteSynced(fresh, bytes); !written.ok()) {
    ::unlink(fresh.c_str());
    return written;
  }
  if (::rename(fresh.c_str(), path.c_str()) != 0) {
    const absl::Status error = FiguresFileUnavailable("rename into place", path);
    ::unlink(fresh.c_str());
    return error;
  }
  // The rename itself must survive a crash too.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return FiguresFileUnavailable("open its directory", path);
  const bool synced = ::fsync(dir_fd) == 0;
  ::close(dir_fd);
  if (!synced) return FiguresFileUnavailable("sync its directory", path);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<queries::FigureTable>> ReadPublishedFigures(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    if (error) return FiguresFileUnavailable("look for", path, error.value());
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return FiguresFileUnavailable("open", path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  server::v1::PublishedFigures file;
  if (!file.ParseFromString(bytes.str())) {
    return absl::DataLossError(absl::StrCat("published figures ", path, ": not a publication"));
  }
  queries::FigureTable table;
  table.revision = file.revision();
  for (const PublishedCell& cell : file.cells()) {
    switch (cell.kind()) {
      case PublishedCell::KIND_CAPACITY:
        table.capacity[{.safety_region = cell.safety_region(),
                        .sector = static_cast<v1::Sector>(cell.sector()),
                        .bed_type = static_cast<v1::BedType>(cell.bed_type()),
                        .figure = static_cast<v1::CapacityFigure>(cell.figure()),
                        .stale = cell.stale()}] = CapacityValues(cell);
        break;
      case PublishedCell::KIND_SUPPLY: {
        auto& values = table.supplies[{.safety_region = cell.safety_region(),
                                       .type = static_cast<v1::SupplyType>(cell.supply_type())}];
        for (const PublishedValue& value : cell.values())
          values[value.organization_id()] = SupplyValueOf<SupplyValue>(value);
        break;
      }
      case PublishedCell::KIND_CHAIN:
        table.chain[{.safety_region = cell.safety_region(),
                     .sector = static_cast<v1::Sector>(cell.sector()),
                     .figure = static_cast<v1::ChainFigure>(cell.figure())}] = CapacityValues(cell);
        break;
      case PublishedCell::KIND_INDICATOR: {
        auto& values = table.indicators[{.indicator_id = cell.indicator_id()}];
        for (const PublishedValue& value : cell.values()) {
          values[value.organization_id()] = {.number = value.days(),
                                             .choice = value.choice(),
                                             .reported_at = absl::FromUnixNanos(value.newest_unix_nanos())};
        }
        break;
      }
      default:
        return absl::DataLossError(
            absl::StrCat("published figures ", path, ": a cell of unknown kind ", static_cast<int>(cell.kind())));
    }
  }
  return table;
}

}  // namespace ketenbeeld::policy
