#include "server/domain/entities.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "base/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace ketenbeeld::domain {
namespace {

using ::ketenbeeld::v1::Disruption;
using ::ketenbeeld::v1::OrganizationKind;
using ::ketenbeeld::v1::Sector;
using ::ketenbeeld::v1::StatusReport;

}  // namespace

Sector SectorOf(OrganizationKind kind) {
  using namespace ketenbeeld::v1;  // NOLINT: the enum values below read better unqualified.
  switch (kind) {
    case ORGANIZATION_KIND_HOSPITAL:
    case ORGANIZATION_KIND_GP_POST:
    case ORGANIZATION_KIND_AMBULANCE_SERVICE:
    case ORGANIZATION_KIND_DISPATCH_CENTRE:
    case ORGANIZATION_KIND_GGD:
    case ORGANIZATION_KIND_VICTIM_SUPPORT:
    case ORGANIZATION_KIND_RED_CROSS:
    case ORGANIZATION_KIND_MIDWIFERY:
      return SECTOR_ACUTE_CARE;
    case ORGANIZATION_KIND_NURSING_HOME:
    case ORGANIZATION_KIND_DISABILITY_CARE:
    case ORGANIZATION_KIND_MENTAL_HEALTH:
    case ORGANIZATION_KIND_HOME_CARE:
      return SECTOR_LONG_TERM_CARE;
    case ORGANIZATION_KIND_MUNICIPALITY:
    case ORGANIZATION_KIND_FIRE_SERVICE:
    case ORGANIZATION_KIND_POLICE:
    case ORGANIZATION_KIND_CRISIS_MANAGEMENT:
    case ORGANIZATION_KIND_CARE_AND_SAFETY_HOUSE:
    case ORGANIZATION_KIND_DEFENCE:
    case ORGANIZATION_KIND_ACUTE_CARE_NETWORK:
    case ORGANIZATION_KIND_GHOR:  // GHOR offices coordinate; they are "overige partners", not care providers.
      return SECTOR_OTHER;
    default:
      // Unspecified or unknown to this build. A new kind without a mapping fails entities_test.
      return SECTOR_UNSPECIFIED;
  }
}

namespace {

constexpr OrganizationKind kLongTermCareKinds[] = {ketenbeeld::v1::ORGANIZATION_KIND_NURSING_HOME,
                                                   ketenbeeld::v1::ORGANIZATION_KIND_DISABILITY_CARE};
constexpr OrganizationKind kMentalHealthKinds[] = {ketenbeeld::v1::ORGANIZATION_KIND_MENTAL_HEALTH};
constexpr OrganizationKind kHomeCareKinds[] = {ketenbeeld::v1::ORGANIZATION_KIND_HOME_CARE};

const AggregateGroup kAggregateGroups[] = {
    {"long-term-care", kLongTermCareKinds},
    {"mental-health", kMentalHealthKinds},
    {"home-care", kHomeCareKinds},
};

}  // namespace

absl::string_view AggregateGroupOf(OrganizationKind kind) {
  for (const AggregateGroup& group : kAggregateGroups) {
    for (OrganizationKind member : group.kinds) {
      if (member == kind) return group.group;
    }
  }
  return {};
}

absl::Span<const AggregateGroup> AggregateGroups() { return kAggregateGroups; }

void NormalizeOrganization(ketenbeeld::v1::Organization& organization) {
  organization.set_sector(SectorOf(organization.kind()));
}

namespace {

// stock / consumption_per_day when both are given and consumption > 0; NaN otherwise.
double DaysOfStock(const ketenbeeld::v1::Supply& supply) {
  if (!supply.has_stock() || !supply.has_consumption_per_day() || !(supply.consumption_per_day() > 0)) return NAN;
  return supply.stock() / supply.consumption_per_day();
}

}  // namespace

void NormalizeStatusReport(absl::Time commit_time, absl::Duration report_interval, StatusReport& report) {
  *report.mutable_commit_time() = ToProtoTime(commit_time);
  if (report_interval > absl::ZeroDuration() && report_interval != absl::InfiniteDuration()) {
    *report.mutable_next_report_due() = ToProtoTime(commit_time + report_interval);
  } else {
    report.clear_next_report_due();
  }
  for (ketenbeeld::v1::Supply& supply : *report.mutable_supplies()) {
    const double days = DaysOfStock(supply);
    if (std::isfinite(days)) {
      supply.set_days_of_supply(days);
    } else {
      supply.clear_days_of_supply();
    }
    const absl::Time reported_at = supply.has_reported_at() ? FromProtoTime(supply.reported_at()) : commit_time;
    if (const std::optional<absl::Time> runs_out = SupplyRunsOutAt(supply, reported_at); runs_out.has_value()) {
      *supply.mutable_runs_out_at() = ToProtoTime(*runs_out);
    } else {
      supply.clear_runs_out_at();
    }
  }
}

std::optional<absl::Time> SupplyRunsOutAt(const ketenbeeld::v1::Supply& supply, absl::Time reported_at) {
  // In hours, as doubles: a runway beyond kLongestSupplyRunway is dropped before it becomes a Duration.
  double hours = INFINITY;
  if (supply.has_autonomy_hours() && std::isfinite(supply.autonomy_hours())) hours = supply.autonomy_hours();
  if (const double days = DaysOfStock(supply); std::isfinite(days)) hours = std::min(hours, days * 24);
  if (!(hours <= absl::ToDoubleHours(kLongestSupplyRunway))) return std::nullopt;
  return reported_at + absl::Seconds(std::round(hours * 3600));
}

google::protobuf::RepeatedPtrField<Disruption> DisruptionSummary(const StatusReport& report) {
  google::protobuf::RepeatedPtrField<Disruption> summary;
  for (const Disruption& disruption : report.disruptions()) {
    auto same_type = std::find_if(summary.begin(), summary.end(),
                                  [&](const Disruption& seen) { return seen.type() == disruption.type(); });
    if (same_type == summary.end()) {
      Disruption* reduced = summary.Add();
      reduced->set_type(disruption.type());
      reduced->set_severity(disruption.severity());
    } else if (disruption.severity() > same_type->severity()) {
      same_type->set_severity(disruption.severity());
    }
  }
  return summary;
}

}  // namespace ketenbeeld::domain
