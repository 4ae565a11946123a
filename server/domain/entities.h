// Domain rules that turn validated input into stored entities: derived and output-only fields.
#ifndef KETENBEELD_SERVER_DOMAIN_ENTITIES_H_
#define KETENBEELD_SERVER_DOMAIN_ENTITIES_H_

#include "absl/time/time.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::domain {

// The sector an organisation kind belongs to (acute care, long-term care, other partners).
ketenbeeld::v1::Sector SectorOf(ketenbeeld::v1::OrganizationKind kind);

// Sets the output-only fields of an organisation (sector).
void NormalizeOrganization(ketenbeeld::v1::Organization& organization);

// Sets the output-only fields of a status report: commit time, next report due (commit time + interval), and
// days of supply (stock / consumption_per_day where both are reported and consumption > 0; cleared otherwise).
// A report_interval that is not positive and finite means "no reporting cadence": next_report_due is cleared.
// Times beyond the range of google.protobuf.Timestamp are clamped to it. Expects a validated report.
void NormalizeStatusReport(absl::Time commit_time, absl::Duration report_interval,
                           ketenbeeld::v1::StatusReport& report);

// The highest severity per disruption type, reduced to type and severity (for Event.previous_disruptions), one
// entry per type in the order the types first appear in the report.
google::protobuf::RepeatedPtrField<ketenbeeld::v1::Disruption> DisruptionSummary(
    const ketenbeeld::v1::StatusReport& report);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_ENTITIES_H_
