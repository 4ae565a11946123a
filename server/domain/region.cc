#include "server/domain/region.h"

#include <algorithm>
#include <functional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "server/domain/field_checks.h"

namespace ketenbeeld::domain {
namespace {

using checks::FieldPath;
using checks::Invalid;

constexpr int kMaxSupplyWarningHorizons = 8;

absl::StatusOr<absl::Duration> Interval(const google::protobuf::Duration& duration, absl::Duration fallback,
                                        const FieldPath& path) {
  if (duration.seconds() == 0 && duration.nanos() == 0) return fallback;
  const absl::Duration value = FromProtoDuration(duration);
  if (value < absl::Minutes(1) || value > absl::Hours(24 * 7)) {
    return Invalid(path, "must be between 1 minute and 7 days, got ", absl::FormatDuration(value));
  }
  return value;
}

// A bound of bed reservations: 1 minute..24 hours, `fallback` when unset.
absl::Status HoldBound(const google::protobuf::Duration& duration, absl::Duration fallback, const FieldPath& path,
                       absl::Duration& out) {
  if (duration.seconds() == 0 && duration.nanos() == 0) {
    out = fallback;
    return absl::OkStatus();
  }
  const absl::Duration value = FromProtoDuration(duration);
  if (value < absl::Minutes(1) || value > absl::Hours(24)) {
    return Invalid(path, "must be between 1 minute and 24 hours, got ", absl::FormatDuration(value));
  }
  out = value;
  return absl::OkStatus();
}

}  // namespace

Region Region::Default() {
  absl::StatusOr<Region> region = FromConfig(ketenbeeld::server::v1::RegionConfig());
  return *std::move(region);
}

absl::StatusOr<Region> Region::FromConfig(const ketenbeeld::server::v1::RegionConfig& config, absl::string_view field) {
  const FieldPath path(field);
  Region region;
  region.safety_region_ = config.safety_region().empty() ? "VR10" : config.safety_region();
  if (!checks::IsSafetyRegion(region.safety_region_)) {
    return Invalid(path.Field("safety_region"), "must be VR01..VR25, got ", checks::Quote(config.safety_region()));
  }
  if (config.scale_up_levels().empty()) {
    region.levels_ = {"GRIP 0", "GRIP 1", "GRIP 2", "GRIP 3", "GRIP 4", "GRIP 5", "GRIP Rijk"};
  } else {
    absl::flat_hash_set<std::string> seen;
    for (int i = 0; i < config.scale_up_levels_size(); ++i) {
      const std::string& level = config.scale_up_levels(i);
      const FieldPath level_path = path.Field("scale_up_levels").Index(i);
      if (absl::Status status = checks::CheckText(level, level_path, {1, 64, false}); !status.ok()) return status;
      if (!seen.insert(level).second) return Invalid(level_path, checks::Quote(level), " appears twice");
      region.levels_.push_back(level);
    }
  }
  if (!config.scaled_up_from_level().empty()) {
    auto it = std::find(region.levels_.begin(), region.levels_.end(), config.scaled_up_from_level());
    if (it == region.levels_.end()) {
      return Invalid(path.Field("scaled_up_from_level"), checks::Quote(config.scaled_up_from_level()),
                     " is not one of scale_up_levels");
    }
    region.scaled_up_from_ = static_cast<int>(it - region.levels_.begin());
  } else {
    region.scaled_up_from_ = std::min<int>(1, static_cast<int>(region.levels_.size()) - 1);
  }
  absl::StatusOr<absl::Duration> interval =
      Interval(config.reporting_interval(), absl::Hours(24), path.Field("reporting_interval"));
  if (!interval.ok()) return interval.status();
  region.reporting_interval_ = *interval;
  interval = Interval(config.scaled_up_reporting_interval(), std::min(absl::Hours(1), region.reporting_interval_),
                      path.Field("scaled_up_reporting_interval"));
  if (!interval.ok()) return interval.status();
  region.scaled_up_reporting_interval_ = *interval;
  interval = Interval(config.unknown_after_overdue(), absl::Hours(1), path.Field("unknown_after_overdue"));
  if (!interval.ok()) return interval.status();
  region.unknown_after_overdue_ = *interval;
  if (config.supply_warning_horizons().empty()) {
    region.supply_warning_horizons_ = {absl::Hours(12), absl::Hours(6), absl::Hours(2)};
  } else {
    const FieldPath horizons = path.Field("supply_warning_horizons");
    if (config.supply_warning_horizons_size() > kMaxSupplyWarningHorizons) {
      return Invalid(horizons, "at most ", kMaxSupplyWarningHorizons, " horizons, got ",
                     config.supply_warning_horizons_size());
    }
    for (int i = 0; i < config.supply_warning_horizons_size(); ++i) {
      const google::protobuf::Duration& given = config.supply_warning_horizons(i);
      if (given.seconds() == 0 && given.nanos() == 0) return Invalid(horizons.Index(i), "must not be 0");
      absl::StatusOr<absl::Duration> horizon = Interval(given, absl::ZeroDuration(), horizons.Index(i));
      if (!horizon.ok()) return horizon.status();
      if (std::find(region.supply_warning_horizons_.begin(), region.supply_warning_horizons_.end(), *horizon) !=
          region.supply_warning_horizons_.end()) {
        return Invalid(horizons.Index(i), absl::FormatDuration(*horizon), " appears twice");
      }
      region.supply_warning_horizons_.push_back(*horizon);
    }
    std::sort(region.supply_warning_horizons_.begin(), region.supply_warning_horizons_.end(), std::greater<>());
  }
  KETENBEELD_RETURN_IF_ERROR(HoldBound(config.bed_reservation_max_hold(), absl::Minutes(60),
                                       path.Field("bed_reservation_max_hold"), region.bed_reservation_max_hold_));
  KETENBEELD_RETURN_IF_ERROR(HoldBound(config.bed_reservation_hold(),
                                       std::min(absl::Minutes(15), region.bed_reservation_max_hold_),
                                       path.Field("bed_reservation_hold"), region.bed_reservation_hold_));
  if (region.bed_reservation_hold_ > region.bed_reservation_max_hold_) {
    return Invalid(path.Field("bed_reservation_hold"), absl::FormatDuration(region.bed_reservation_hold_),
                   " is longer than bed_reservation_max_hold (", absl::FormatDuration(region.bed_reservation_max_hold_),
                   ")");
  }
  return region;
}

std::optional<int> Region::LevelIndex(absl::string_view level) const {
  auto it = std::find(levels_.begin(), levels_.end(), level);
  if (it == levels_.end()) return std::nullopt;
  return static_cast<int>(it - levels_.begin());
}

bool Region::IsScaledUp(absl::string_view level) const {
  const std::optional<int> index = LevelIndex(level);
  return index.has_value() && *index >= scaled_up_from_;
}

}  // namespace ketenbeeld::domain
