// Field validation of incidents, situation entries, alerts and acknowledgements (see validation.h for the rules
// every validator follows: INVALID_ARGUMENT starting with the full field path; output-only fields ignored).
//
// What needs the current picture or the clock is checked by the planners (mutations_incident.cc,
// mutations_alert.cc): whether the scale-up level is one of the region's, whether referenced incidents and
// organisations exist, whether an acknowledgement deadline lies in the future, lifecycle transitions.
#ifndef KETENBEELD_SERVER_DOMAIN_INCIDENT_VALIDATION_H_
#define KETENBEELD_SERVER_DOMAIN_INCIDENT_VALIDATION_H_

#include <string_view>

#include "absl/status/status.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::domain {

// Limits of the workflow entities (characters are Unicode code points).
inline constexpr int kMaxIncidentTypeLength = 64;
inline constexpr int kMaxScaleUpLevelLength = 64;
inline constexpr int kMaxAffectedOrganizations = 1000;
inline constexpr double kMaxAreaRadiusKm = 500;

// The incident's fields; `status`, `opened_at` and `closed_at` are output only and ignored (the planner reads a
// requested CLOSED from the update request itself).
absl::Status ValidateOpenIncidentRequest(const ketenbeeld::v1::OpenIncidentRequest& request);
absl::Status ValidateUpdateIncidentRequest(const ketenbeeld::v1::UpdateIncidentRequest& request);
// `sequence` and `commit_time` are output only.
absl::Status ValidateAddSituationEntryRequest(const ketenbeeld::v1::AddSituationEntryRequest& request);
// Sending or updating (status unspecified or ACTIVE) validates every field; urgency, severity and certainty are
// required as in CAP. Cancelling (status CANCELLED) needs only the id: a cancel keeps the content of the version it
// cancels, so the other fields are ignored. `version`, `deadline_passed` and `sent_at` are output only.
absl::Status ValidateSendAlertRequest(const ketenbeeld::v1::SendAlertRequest& request);
absl::Status ValidateAcknowledgeAlertRequest(const ketenbeeld::v1::AcknowledgeAlertRequest& request);
// Closing an escalation task: task_id an id, note at most 2000 characters.
absl::Status ValidateCloseEscalationTaskRequest(const ketenbeeld::v1::CloseEscalationTaskRequest& request);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_INCIDENT_VALIDATION_H_
