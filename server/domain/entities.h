// Domain rules that turn validated input into stored entities: derived and output-only fields.
#ifndef KETENBEELD_SERVER_DOMAIN_ENTITIES_H_
#define KETENBEELD_SERVER_DOMAIN_ENTITIES_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::domain {

// The smallest number of organisations whose figures may be shown summed to readers who may not see each one's
// (ServerConfig limits.min_aggregate_group; docs/security.md, "Totals that reveal no single organisation").
inline constexpr int kDefaultMinAggregateGroup = 3;

// The sector an organisation kind belongs to (acute care, long-term care, other partners).
ketenbeeld::v1::Sector SectorOf(ketenbeeld::v1::OrganizationKind kind);

// The group of long-term care whose SectorAggregate sums an organisation of `kind` ("aggregates/{group}",
// aggregate.proto): "long-term-care" (nursing homes, disability care), "mental-health" or "home-care"; empty for every
// kind outside SECTOR_LONG_TERM_CARE. Every kind of that sector has a group (entities_test).
absl::string_view AggregateGroupOf(ketenbeeld::v1::OrganizationKind kind);
// The groups AggregateGroupOf() gives, each with its kinds in enum order.
struct AggregateGroup {
  absl::string_view group;
  absl::Span<const ketenbeeld::v1::OrganizationKind> kinds;
};
absl::Span<const AggregateGroup> AggregateGroups();

// Sets the output-only fields of an organisation (sector).
void NormalizeOrganization(ketenbeeld::v1::Organization& organization);

// Sets the output-only fields of a status report: commit time, next report due (commit time + interval), and per
// supply the days of supply (stock / consumption_per_day where both are reported and consumption > 0; cleared
// otherwise) and runs_out_at (SupplyRunsOutAt below, from the entry's reported_at, or the commit time when it has
// none; cleared when it does not run out).
// A report_interval that is not positive and finite means "no reporting cadence": next_report_due is cleared.
// Times beyond the range of google.protobuf.Timestamp are clamped to it. Expects a validated report.
// When `supply`, reported at `reported_at`, runs out at the reported rate: after autonomy_hours, or after stock /
// consumption_per_day days, the earlier when both are given; nullopt when neither is given (or consumption is 0), and
// when it lasts longer than kLongestSupplyRunway (a figure that far ahead warns nobody of anything).
inline constexpr absl::Duration kLongestSupplyRunway = absl::Hours(24 * 366);
std::optional<absl::Time> SupplyRunsOutAt(const ketenbeeld::v1::Supply& supply, absl::Time reported_at);

void NormalizeStatusReport(absl::Time commit_time, absl::Duration report_interval,
                           ketenbeeld::v1::StatusReport& report);

// The highest severity per disruption type, reduced to type and severity (for Event.previous_disruptions), one
// entry per type in the order the types first appear in the report.
google::protobuf::RepeatedPtrField<ketenbeeld::v1::Disruption> DisruptionSummary(
    const ketenbeeld::v1::StatusReport& report);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_ENTITIES_H_
