// Resource names of the records in the picture (AIP-122 style), and the kind of record each name denotes.
//   organizations/{organization_id}
//   organizations/{organization_id}/status
//   organizations/{organization_id}/locations/{location_id}/status
//   incidents/{incident_id}
//   incidents/{incident_id}/entries/{sequence: 20 digits}
//   alerts/{alert_id}
//   alerts/{alert_id}/acknowledgements/{organization_id}
//   assistance-requests/{request_id}
//   scenarios/{scenario_id}
//   exercises/{exercise_id}
//   exercises/{exercise_id}/{any of the names above but organizations/{organization_id}}   (exercise.proto)
//   notifications/{notification_id}        (the outbox; FollowUpId)
//   escalations/{task_id}                  (escalation tasks; FollowUpId)
//   reservations/{reservation_id}          (bed reservations; the revision that made it, in decimal)
//   indicators/{indicator_id}              (questionnaires: indicator.proto)
//   upstream/{safety_region}               (federation: a source region's cursor, upstream.proto; "VR10")
//   aggregates/{group}                     (sector aggregates, aggregate.proto; federated: {region}-{group})
#ifndef KETENBEELD_SERVER_DOMAIN_NAMES_H_
#define KETENBEELD_SERVER_DOMAIN_NAMES_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::domain {

struct ParsedName {
  ketenbeeld::v1::EntityKind kind = ketenbeeld::v1::ENTITY_KIND_UNSPECIFIED;
  // The organisation of organisation records, status reports and acknowledgements.
  std::string organization_id;
  std::string location_id;  // Empty unless a per-location status report.
  // The incident, alert, assistance request or scenario id.
  std::string id;
  int64_t sequence = 0;  // Situation entries only.
  // The exercise the record belongs to ("exercises/{exercise_id}/..."), or the exercise itself (kind EXERCISE, `id`
  // empty); empty for the real picture.
  std::string exercise_id;
};

std::string OrganizationName(std::string_view organization_id);
std::string StatusReportName(std::string_view organization_id, std::string_view location_id);

std::string IncidentName(std::string_view incident_id);
// Entries sort in sequence order: the sequence is zero-padded to 20 digits.
std::string SituationEntryName(std::string_view incident_id, int64_t sequence);
std::string AlertName(std::string_view alert_id);
std::string AcknowledgementName(std::string_view alert_id, std::string_view organization_id);
// The prefix of every acknowledgement of one alert.
std::string AcknowledgementPrefix(std::string_view alert_id);
std::string AssistanceRequestName(std::string_view request_id);
std::string ScenarioName(std::string_view scenario_id);
std::string IndicatorName(std::string_view indicator_id);
// "aggregates/{group}": a sector aggregate (aggregate.proto), e.g. "aggregates/long-term-care".
std::string AggregateName(std::string_view group);
// The name a sector aggregate of `safety_region` ("VR10") for `group` ("long-term-care") has on a ROAZ or national
// server that federates it: "aggregates/vr10-long-term-care" (docs/federation.md). A server's own aggregates are
// named by their group alone, and no group starts with a region code, so the two never collide.
std::string FederatedAggregateName(std::string_view safety_region, std::string_view group);
inline constexpr std::string_view kAggregatesPrefix = "aggregates/";
std::string NotificationName(std::string_view notification_id);
std::string EscalationTaskName(std::string_view task_id);
inline constexpr std::string_view kNotificationsPrefix = "notifications/";
inline constexpr std::string_view kEscalationsPrefix = "escalations/";
std::string ReservationName(std::string_view reservation_id);
inline constexpr std::string_view kReservationsPrefix = "reservations/";
// The id a reservation of `safety_region` ("VR10") with id `reservation_id` ("1234") has on a ROAZ or national server
// that federates it: "vr10-1234" (docs/federation.md). A region's own reservation ids are digits only, so the two
// never collide.
std::string FederatedReservationId(std::string_view safety_region, std::string_view reservation_id);
// The inverse: the id in its region of the federated reservation id `federated_id` of `safety_region`
// ("vr10-1234" of "VR10" -> "1234"); empty when `federated_id` is not one of that region's.
std::string RegionReservationId(std::string_view safety_region, std::string_view federated_id);
// "upstream/{safety_region}": a source region's cursor record on a ROAZ or national server (federation).
std::string UpstreamSourceName(std::string_view safety_region);
inline constexpr std::string_view kUpstreamPrefix = "upstream/";
// The id of the `index`th record (0..9999) the server derives from the change at `revision` (a notification or an
// escalation task): "{revision, 20 digits}-{index, 4 digits}". Unique, a valid id, and sorted in commit order, so a
// scan of the outbox meets the oldest notifications first.
std::string FollowUpId(int64_t revision, int index);

std::string ExerciseName(std::string_view exercise_id);
// "exercises/{exercise_id}/": the prefix of every record of one exercise (not the exercise record itself).
std::string ExercisePrefix(std::string_view exercise_id);
// The name `name` of the real picture has in exercise `exercise_id`: ExercisePrefix(exercise_id) + name. Unchanged
// when `exercise_id` is empty (the real picture), when `name` already is an exercise's, and for the registry
// ("organizations/{id}"), which exercises share with the real picture.
std::string InExercise(std::string_view exercise_id, std::string_view name);
// Whether `name` is a record of some exercise (under "exercises/{exercise_id}/"), not of the real picture.
bool IsExerciseRecord(std::string_view name);

// The prefix under which all records of one organisation live besides the organisation record itself:
// "organizations/{id}/" (its status reports). The trailing '/' keeps "org-a" from matching "org-ab"; the
// organisation record, OrganizationName(id), is the one key of the organisation outside this prefix.
std::string OrganizationPrefix(std::string_view organization_id);

// Parses a resource name. INVALID_ARGUMENT naming `field` when it is not one of the forms above or an id in it is
// not a valid identifier (see ValidateId). Parsing is strict: no empty segments, no trailing '/', no extra segments,
// so every valid name has exactly one spelling and OrganizationName/StatusReportName(ParseName(n)) == n.
absl::StatusOr<ParsedName> ParseName(std::string_view name, std::string_view field = "name");

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_NAMES_H_
