// What each kind of write does to the picture: the checks that need current state (is the organisation registered,
// does the incident exist, is this lifecycle transition allowed, compare-and-set) and the records it produces.
// Field validation happens before, on the caller's thread (ValidateWrite); revisions and metadata are assigned
// after, by the committer.
//
// Each area has its own planner file: mutations_registry.cc (organisations, status reports), mutations_incident.cc,
// mutations_alert.cc, mutations_assistance.cc, mutations_scenario.cc, mutations_indicator.cc and mutations_cadence.cc.
// The facts the server derives from time (alert deadlines that passed, reports that became overdue) are planned on a
// SystemTick by PlanAlertDeadlines and PlanReportDeadlines.
#ifndef KETENBEELD_SERVER_MUTATIONS_MUTATIONS_H_
#define KETENBEELD_SERVER_MUTATIONS_MUTATIONS_H_

#include <string>
#include <variant>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ketenbeeld/v1/exercise_service.pb.h"
#include "ketenbeeld/v1/federation_service.pb.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/domain/outbox.h"
#include "server/domain/region.h"
#include "server/state/picture.h"
#include "server/state/records.h"

namespace ketenbeeld::mutations {

// The server's periodic check of time-driven facts. Carries no data: "now" is the group's commit time.
struct SystemTick {};

// The outcome of one delivery attempt of an outbox record, reported by the delivery worker (server/notify/) and
// committed as the record's next state (domain::ApplyAttempt). The server's own write: no RPC carries it.
struct DeliveryOutcome {
  std::string notification_id;
  domain::Attempt attempt;
  domain::RetryPolicy policy;
};

// Federation (mutations_federation.cc): the server records that it refused a range of `source_region` because an
// organisation in it is claimed by two sources (UpstreamSource.conflict): the server's own write, after the refusal.
struct UpstreamConflictReport {
  std::string source_region;
  ketenbeeld::v1::UpstreamConflict conflict;
};
// The payload (absl::Status::SetPayload) of PlanApplyUpstream's FAILED_PRECONDITION for two claims: the serialized
// UpstreamConflict.
inline constexpr absl::string_view kUpstreamConflictPayload = "type.googleapis.com/ketenbeeld.v1.UpstreamConflict";

// A write as the committer receives it: the request and who made it.
struct WriteRequest {
  using Body = std::variant<ketenbeeld::v1::RegisterOrganizationRequest, ketenbeeld::v1::ReportStatusRequest,
                            ketenbeeld::v1::OpenIncidentRequest, ketenbeeld::v1::UpdateIncidentRequest,
                            ketenbeeld::v1::AddSituationEntryRequest, ketenbeeld::v1::SendAlertRequest,
                            ketenbeeld::v1::AcknowledgeAlertRequest, ketenbeeld::v1::RequestAssistanceRequest,
                            ketenbeeld::v1::OfferAssistanceRequest, ketenbeeld::v1::AcceptOfferRequest,
                            ketenbeeld::v1::FulfillRequestRequest, ketenbeeld::v1::CancelRequestRequest,
                            ketenbeeld::v1::PutScenarioRequest, ketenbeeld::v1::StartExerciseRequest,
                            ketenbeeld::v1::EndExerciseRequest, ketenbeeld::v1::PurgeExerciseRequest,
                            ketenbeeld::v1::CloseEscalationTaskRequest, ketenbeeld::v1::ReserveBedRequest,
                            ketenbeeld::v1::ConfirmReservationRequest, ketenbeeld::v1::ReleaseReservationRequest,
                            ketenbeeld::v1::DefineIndicatorRequest, ketenbeeld::v1::RetireIndicatorRequest,
                            ketenbeeld::v1::ApplyUpstreamRequest, SystemTick, DeliveryOutcome, UpstreamConflictReport>;
  Body body;
  ketenbeeld::v1::Actor actor;
  // The caller's deadline (its gRPC call's), or InfiniteFuture. Only a follower's committer reads it: it bounds how
  // long a forwarded write waits to be applied here (Committer::Options::forwarded_apply_wait).
  absl::Time deadline = absl::InfiniteFuture();
};

// Field validation of a write (domain validators), run on the caller's thread before it is queued.
// INVALID_ARGUMENT naming the field.
absl::Status ValidateWrite(const WriteRequest& request);

// One change a write makes, before the committer assigns its revision.
struct PlannedChange {
  ketenbeeld::v1::EventType type = ketenbeeld::v1::EVENT_TYPE_PUT;
  // The new record: name, kind, scope and entity. The committer sets revisions, update time and actor. A planner
  // that needs the revision inside the entity (a situation entry's sequence) uses PlanContext::next_revision.
  ketenbeeld::v1::Record record;
  // The record this change replaces, or nullptr.
  state::RecordPtr previous;
  // A record the server derived from the write's own changes (PlanFollowUps: a notification, an escalation task).
  // The write's result (its revision and record) is its last own change, not a follow-up.
  bool follow_up = false;
};

// Looks a record up in the picture as it will be after the earlier changes of the same commit group.
using RecordLookup = absl::FunctionRef<state::RecordPtr(absl::string_view name)>;

struct PlanContext {
  // The commit time of the group; "now" for every rule that depends on time.
  absl::Time commit_time;
  const domain::Region& region;
  // Point reads, including earlier writes of the same group.
  RecordLookup lookup;
  // Scans of the committed picture (without the current group's earlier writes). Planners that scan combine it with
  // `lookup` for the records they change.
  const state::Picture& picture;
  // The revision the first change of this write will get (the next ones +1 each).
  int64_t next_revision;
  // The changes the earlier writes of this group made, in order (`record` nullptr for a delete; `event` not built
  // yet). For the checks that must find records by content rather than by name (is this identifier held by another
  // organisation?): `picture` cannot see records the group creates, and `lookup` only finds names it is given.
  absl::Span<const state::Change> earlier_changes = {};
  // The exercise the write is planned in (mutations_exercise.cc), empty for the real picture. In an exercise,
  // `lookup` already answers the exercise's records; a planner that scans `picture` selects the exercise's records
  // with it (Filter.exercise_id, domain::InExercise for a prefix).
  absl::string_view exercise_id = {};
  // Who makes the write (WriteRequest::actor), for the planners that record it in the entity (a bed reservation's
  // reserver). Null when not known (tests of the planners alone).
  const ketenbeeld::v1::Actor* actor = nullptr;
};

// What a write does, as its planner decides it.
struct WritePlan {
  // The changes, in order: zero or more (a tick often makes none; most writes make one).
  std::vector<PlannedChange> changes;
  // Set when the write was made before and is not to be made again: a ReserveBed retried with the request_id of an
  // earlier reservation (PlanReserveBed). `changes` is then empty; nothing is committed, and the caller is answered
  // with this record (as it is now, in the picture as the group's earlier writes leave it) and the revision the
  // original write was committed at (its create_revision), marked as replayed (pipeline::WriteResult::replayed).
  state::RecordPtr already_done;
};

// Plans a validated write against the current state: its changes, or that it was done already (WritePlan). Errors:
// INVALID_ARGUMENT (a reference to something that does not exist, naming the field), NOT_FOUND (the record to change
// does not exist), FAILED_PRECONDITION (an illegal lifecycle transition), ABORTED (expected_revision does not match),
// ALREADY_EXISTS (a standard identifier another organisation holds, naming the field). Consumes `body`: a status report
// is moved into its record rather than copied (the committer's hot path).
absl::StatusOr<WritePlan> PlanWrite(WriteRequest::Body&& body, const PlanContext& context);

// --- Shared by the planners ---

// Compare-and-set: `expected` is the record's mod_revision, or 0 for "must not exist". ABORTED on mismatch.
absl::Status CheckExpectedRevision(std::optional<int64_t> expected, const state::RecordPtr& current,
                                   absl::string_view name);

// One server serves one safety region (docs/security.md, "Region"): an organisation, incident or scenario of another
// region belongs on that region's server. INVALID_ARGUMENT naming `field` when `safety_region` is not the server's.
absl::Status CheckOwnRegion(absl::string_view safety_region, absl::string_view field, const domain::Region& region);

template <typename Request>
std::optional<int64_t> ExpectedRevision(const Request& request) {
  if (!request.has_expected_revision()) return std::nullopt;
  return request.expected_revision();
}

// A PUT of `record` replacing `previous`.
PlannedChange Put(ketenbeeld::v1::Record record, state::RecordPtr previous);

// The scope of an organisation's records (its id, region, sector, kind), or an empty scope when it is not registered.
ketenbeeld::v1::Scope OrganizationScope(const state::RecordPtr& organization);

// --- Per-area planners (one file each) ---
absl::StatusOr<PlannedChange> PlanRegisterOrganization(const ketenbeeld::v1::RegisterOrganizationRequest& request,
                                                       const PlanContext& context);
absl::StatusOr<PlannedChange> PlanReportStatus(ketenbeeld::v1::ReportStatusRequest request, const PlanContext& context);
absl::StatusOr<PlannedChange> PlanOpenIncident(const ketenbeeld::v1::OpenIncidentRequest& request,
                                               const PlanContext& context);
absl::StatusOr<PlannedChange> PlanUpdateIncident(const ketenbeeld::v1::UpdateIncidentRequest& request,
                                                 const PlanContext& context);
absl::StatusOr<PlannedChange> PlanAddSituationEntry(const ketenbeeld::v1::AddSituationEntryRequest& request,
                                                    const PlanContext& context);
absl::StatusOr<PlannedChange> PlanSendAlert(const ketenbeeld::v1::SendAlertRequest& request,
                                            const PlanContext& context);
absl::StatusOr<PlannedChange> PlanAcknowledgeAlert(const ketenbeeld::v1::AcknowledgeAlertRequest& request,
                                                   const PlanContext& context);
absl::StatusOr<PlannedChange> PlanRequestAssistance(const ketenbeeld::v1::RequestAssistanceRequest& request,
                                                    const PlanContext& context);
absl::StatusOr<PlannedChange> PlanOfferAssistance(const ketenbeeld::v1::OfferAssistanceRequest& request,
                                                  const PlanContext& context);
absl::StatusOr<PlannedChange> PlanAcceptOffer(const ketenbeeld::v1::AcceptOfferRequest& request,
                                              const PlanContext& context);
absl::StatusOr<PlannedChange> PlanFulfillRequest(const ketenbeeld::v1::FulfillRequestRequest& request,
                                                 const PlanContext& context);
absl::StatusOr<PlannedChange> PlanCancelRequest(const ketenbeeld::v1::CancelRequestRequest& request,
                                                const PlanContext& context);
absl::StatusOr<PlannedChange> PlanPutScenario(const ketenbeeld::v1::PutScenarioRequest& request,
                                              const PlanContext& context);
// Questionnaires (mutations_indicator.cc). Define: ABORTED on expected_revision, FAILED_PRECONDITION for a retired
// indicator or a change of type, INVALID_ARGUMENT for an incident or named organisation that does not exist. Retire:
// NOT_FOUND, FAILED_PRECONDITION when retired already.
absl::StatusOr<PlannedChange> PlanDefineIndicator(const ketenbeeld::v1::DefineIndicatorRequest& request,
                                                  const PlanContext& context);
absl::StatusOr<PlannedChange> PlanRetireIndicator(const ketenbeeld::v1::RetireIndicatorRequest& request,
                                                  const PlanContext& context);
// Exercise mode (mutations_exercise.cc). Start: ALREADY_EXISTS for an id that exists. End: INVALID_ARGUMENT naming
// `exercise_id` for an exercise never started, FAILED_PRECONDITION unless active. Purge: the same, FAILED_PRECONDITION
// when already purged; its changes are a delete of every record of the exercise, then the exercise record.
absl::StatusOr<PlannedChange> PlanStartExercise(const ketenbeeld::v1::StartExerciseRequest& request,
                                                const PlanContext& context);
absl::StatusOr<PlannedChange> PlanEndExercise(const ketenbeeld::v1::EndExerciseRequest& request,
                                              const PlanContext& context);
absl::StatusOr<std::vector<PlannedChange>> PlanPurgeExercise(const ketenbeeld::v1::PurgeExerciseRequest& request,
                                                             const PlanContext& context);
// Plans a workflow write in the mode it names: `plan` as is for the real picture (no exercise_id), or in exercise
// `exercise_id`'s view, its changes renamed into the exercise. INVALID_ARGUMENT naming `exercise_id` for an exercise
// never started, or `mode` when it is not the exercise's; FAILED_PRECONDITION when the exercise has ended.
absl::StatusOr<std::vector<PlannedChange>> PlanInExercise(
    ketenbeeld::v1::Mode mode, absl::string_view exercise_id, const PlanContext& context,
    absl::FunctionRef<absl::StatusOr<std::vector<PlannedChange>>(const PlanContext&)> plan);
// The time-driven facts (PlanAlertDeadlines, PlanReportDeadlines) of every active exercise, each in its own view.
std::vector<PlannedChange> PlanExerciseTicks(const PlanContext& context);
// Calls `visit` with every exercise record of `picture` ("exercises/{id}"), in id order; one point read each.
void ForEachExercise(const state::Picture& picture, absl::FunctionRef<void(const state::RecordPtr&)> visit);

// Bed reservations (mutations_reservation.cc; reservation.proto). Reserve: INVALID_ARGUMENT naming the field for an
// unregistered organisation or a hold_for beyond the region's maximum; FAILED_PRECONDITION when no bed of the type is
// available there (queries/beds.h, counted against the picture as the earlier writes of the group leave it, so of two
// reservations of the last bed the second is refused). Confirm and release: NOT_FOUND naming `reservation_id` for
// one that does not exist, FAILED_PRECONDITION naming the state unless it is HELD (and, to confirm, not yet past its
// expires_at). A request_id the same reserving organisation used before (ReserveBedRequest.request_id): the plan is
// `already_done` with that reservation, whatever its state now (nothing is reserved again); with a different
// organisation, bed type, hold or patient reference ALREADY_EXISTS naming `request_id`.
absl::StatusOr<WritePlan> PlanReserveBed(const ketenbeeld::v1::ReserveBedRequest& request, const PlanContext& context);
absl::StatusOr<PlannedChange> PlanConfirmReservation(const ketenbeeld::v1::ConfirmReservationRequest& request,
                                                     const PlanContext& context);
absl::StatusOr<PlannedChange> PlanReleaseReservation(const ketenbeeld::v1::ReleaseReservationRequest& request,
                                                     const PlanContext& context);
// Time-driven: a put of every HELD reservation whose expires_at has passed, now EXPIRED. Committed once: only HELD
// reservations are expired.
std::vector<PlannedChange> PlanReservationExpiry(const PlanContext& context);

// Federation (mutations_federation.cc, federation_service.proto): one range of a source region's log. Its changes are
// the range's events (PUT and DELETE of the same names, with the source's scope and a Provenance; only organisations
// and status reports of the real picture federate, the rest is left out) followed by a put of
// "upstream/{source_region}" with the new cursor: one write, so one commit group. No follow-ups are derived (the
// region sends its own notifications), and ticks never change a federated record. Errors: ABORTED naming
// `expected_cursor` when it is not the stored cursor, unless the request is an exact replay of the range applied last
// (then no changes at all); FAILED_PRECONDITION naming the event, the organisation and both holders when a record or
// its organisation is held by another source or by this server itself (nothing of the range is applied).
absl::StatusOr<std::vector<PlannedChange>> PlanApplyUpstream(const ketenbeeld::v1::ApplyUpstreamRequest& request,
                                                             const PlanContext& context);
// Sets UpstreamSource.conflict on "upstream/{source_region}" (creating the record, cursor 0, when the source never had
// a range applied); no change when the same organisation and holder are recorded already.
absl::StatusOr<std::vector<PlannedChange>> PlanUpstreamConflict(const UpstreamConflictReport& report,
                                                                const PlanContext& context);

// The reporting interval in force for an organisation now: its own or the region's, tightened while an open incident
// that affects it is scaled up (mutations_cadence.cc).
absl::Duration ReportingInterval(const ketenbeeld::v1::Organization& organization, const PlanContext& context);

// Calls `visit` with the current record (context.lookup) of every incident of the committed picture under
// `exercise_id` (empty: the real picture's "incidents/"), in name order, skipping situation logs. An incident opened
// earlier in the same group is not in the committed picture: look in context.earlier_changes for those.
void ForEachIncidentRecord(const PlanContext& context, absl::string_view exercise_id,
                           absl::FunctionRef<void(const state::RecordPtr&)> visit);

// Incident areas (mutations_area.cc).
// The registered organisations (as the earlier writes of the group left them) with a site inside `area`
// (domain::OrganizationInArea), sorted; none when the area selects no sites.
std::vector<std::string> OrganizationsInArea(const ketenbeeld::v1::Area& area, const PlanContext& context);
// For a put of an organisation: a put of every incident that is not CLOSED (real, and of every active exercise)
// whose computed_affected_organization_ids must gain or lose the organisation because its sites moved in or out of
// the incident's area. Empty for any other change. Run by PlanFollowUps, so the registration and the incidents' new
// lists are one commit group.
std::vector<PlannedChange> PlanAreaFollowUps(const PlannedChange& change, const PlanContext& context);

// Sector aggregates (mutations_aggregate.cc, aggregate.proto). For the changes of one write of the real picture: a
// put of each "aggregates/{group}" whose value they change (a status report, registration or deletion of a long-term
// care organisation), computed from the registry and reports as the write leaves them (the committed picture, the
// earlier writes of the group and `changes`), withheld below context.region.min_aggregate_group() reporting
// organisations. Empty when nothing changes. Run by PlanFollowUps, so the report and the aggregate are one commit
// group.
std::vector<PlannedChange> PlanAggregateFollowUps(absl::Span<const PlannedChange> changes, const PlanContext& context);

// The outbox and escalation (mutations_followup.cc).
absl::StatusOr<PlannedChange> PlanCloseEscalationTask(const ketenbeeld::v1::CloseEscalationTaskRequest& request,
                                                      const PlanContext& context);
// NOT_FOUND when the notification does not exist; FAILED_PRECONDITION when the outcome is stale or the notification
// is final (domain::ApplyAttempt): the worker drops such an outcome.
absl::StatusOr<PlannedChange> PlanDeliveryOutcome(const DeliveryOutcome& outcome, const PlanContext& context);
// The records the server derives from a write's planned changes, committed in the same group right after them:
//   - a put of each incident whose area's computed organisations a registration changed (PlanAreaFollowUps);
//   - a put of each sector aggregate the changes move (PlanAggregateFollowUps);
//   - an outbox record (Notification, QUEUED) per endpoint of each organisation a change concerns: an alert sent,
//     updated or cancelled (its audience), an alert's deadline passed (the audience that had not acknowledged), a
//     status report that became overdue (its organisation), a request for help (the region's GHOR offices) and an
//     offer on one (the requester);
//     and an indicator's answer that became overdue (each organisation newly in Indicator.overdue, once per period);
//   - an escalation task (EscalationTask, OPEN) per organisation that did not answer: an alert's deadline passed
//     without its acknowledgement, its report became overdue, its answer to an indicator became overdue.
// Each fact is committed once (PlanAlertDeadlines, PlanReportDeadlines), and its follow-ups with it in the same
// atomic group, so they too exist exactly once, also across a restart. Ids: domain::FollowUpId(revision of the
// change, index).
std::vector<PlannedChange> PlanFollowUps(absl::Span<const PlannedChange> changes, const PlanContext& context);

// Time-driven facts: alerts whose acknowledgement deadline passed (mutations_alert.cc), and status reports that
// became overdue, stayed overdue for the region's grace (overall status unknown), or whose emergency department's
// diversion or closure ran past its `until` (expired_since; any report, per location too) (mutations_cadence.cc). Each
// fact is committed exactly once: the planners only act on records that do not carry the fact yet, so a tick after a
// restart does not repeat it.
std::vector<PlannedChange> PlanAlertDeadlines(const PlanContext& context);
std::vector<PlannedChange> PlanReportDeadlines(const PlanContext& context);
// Indicators with a cadence (mutations_indicator.cc): a put of each indicator whose list of organisations with an
// overdue answer (Indicator.overdue) changes: a due time passed without an answer (marked once per period), or an
// organisation answered or is no longer asked (its entry dropped). Not for retired indicators, those without a
// cadence, or those whose incident is closed.
std::vector<PlannedChange> PlanIndicatorDeadlines(const PlanContext& context);

}  // namespace ketenbeeld::mutations

#endif  // KETENBEELD_SERVER_MUTATIONS_MUTATIONS_H_
