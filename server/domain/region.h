// The region's own rules (ketenbeeld.server.v1.RegionConfig): its scale-up levels and reporting cadences.
#ifndef KETENBEELD_SERVER_DOMAIN_REGION_H_
#define KETENBEELD_SERVER_DOMAIN_REGION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ketenbeeld/server/v1/config.pb.h"
#include "server/domain/entities.h"

namespace ketenbeeld::domain {

// A validated RegionConfig with defaults filled in. Cheap to copy; immutable once built.
class Region {
 public:
  // Validates `config` (INVALID_ARGUMENT naming the field, e.g. "region.scale_up_levels[2]: appears twice") and
  // fills defaults: levels "GRIP 0".."GRIP 5", "GRIP Rijk"; reporting every 24 h, every 1 h from "GRIP 1"; a
  // report overdue for 1 h reads "unknown"; supplies warned 12 h, 6 h and 2 h before they run out; beds reserved for
  // 15 minutes, at most 60.
  static absl::StatusOr<Region> FromConfig(const ketenbeeld::server::v1::RegionConfig& config,
                                           absl::string_view field = "region");
  // The defaults, for region VR10 (Noord-Holland Noord).
  static Region Default();

  const std::string& safety_region() const { return safety_region_; }
  const std::vector<std::string>& scale_up_levels() const { return levels_; }
  // Position of `level` in the configured order (0 = lowest), or nullopt when it is not a configured level.
  std::optional<int> LevelIndex(absl::string_view level) const;
  // Whether `level` is at or above the level from which the tighter reporting cadence applies.
  bool IsScaledUp(absl::string_view level) const;
  absl::Duration reporting_interval() const { return reporting_interval_; }
  absl::Duration scaled_up_reporting_interval() const { return scaled_up_reporting_interval_; }
  // How long after a report became overdue its overall status becomes unknown.
  absl::Duration unknown_after_overdue() const { return unknown_after_overdue_; }
  // How long before a supply runs out the server warns (Supply.warned_within), longest first; never empty.
  const std::vector<absl::Duration>& supply_warning_horizons() const { return supply_warning_horizons_; }
  // Bed reservations: how long a bed is held when ReserveBed names no hold_for, and the longest it may name.
  absl::Duration bed_reservation_hold() const { return bed_reservation_hold_; }
  absl::Duration bed_reservation_max_hold() const { return bed_reservation_max_hold_; }
  // The minimum group size of the sector aggregates the server derives (aggregate.proto): fewer reporting
  // organisations and the aggregate's figures are withheld. Not part of RegionConfig: the server takes it from
  // limits.min_aggregate_group, the one setting of the minimum group size, when it builds the committer.
  int min_aggregate_group() const { return min_aggregate_group_; }
  // At least 1.
  void set_min_aggregate_group(int min_group) { min_aggregate_group_ = min_group < 1 ? 1 : min_group; }

 private:
  Region() = default;

  std::string safety_region_;
  std::vector<std::string> levels_;
  int scaled_up_from_ = 1;
  absl::Duration reporting_interval_ = absl::Hours(24);
  absl::Duration scaled_up_reporting_interval_ = absl::Hours(1);
  absl::Duration unknown_after_overdue_ = absl::Hours(1);
  std::vector<absl::Duration> supply_warning_horizons_;
  absl::Duration bed_reservation_hold_ = absl::Minutes(15);
  absl::Duration bed_reservation_max_hold_ = absl::Minutes(60);
  int min_aggregate_group_ = kDefaultMinAggregateGroup;
};

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_REGION_H_
