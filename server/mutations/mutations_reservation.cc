// Planners of bed reservations (reservation.proto). Lifecycle:
//   (ReserveBed) -> HELD -> CONFIRMED | RELEASED | EXPIRED (the tick, at expires_at)
// CONFIRMED, RELEASED and EXPIRED are final; every other transition is FAILED_PRECONDITION naming the current state.
//
// Whether a bed is free to reserve is decided here, on the committer thread, against the picture as the earlier
// writes of the same commit group leave it: the committer plans writes one at a time in commit order, so two
// reservations of an organisation's last bed, however close together, are two writes planned one after the other, and
// the second finds no bed left. The count is queries/beds.h's, the one every view uses.
//
// Cost: a reservation reads the organisation's reports (its organisation-level report and a prefix scan of its
// per-location reports) and scans the reservations ("reservations/", every one ever made: they stay as records until
// retention). So does the tick, once per interval, for the HELD ones that expired. Reservations are made by hand, a
// few hundred in a large incident.
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "base/time.h"
#include "server/domain/field_checks.h"
#include "server/domain/names.h"
#include "server/mutations/mutations.h"
#include "server/queries/beds.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;

using domain::checks::EnumName;
using domain::checks::Quote;

std::string StateName(v1::ReservationState state) { return EnumName<v1::ReservationState>(state); }

// The current record (as the group's earlier writes leave it) of every name under `prefix`: the committed picture's,
// looked up through the overlay, and those the group's earlier writes created.
std::vector<state::RecordPtr> CurrentUnder(absl::string_view prefix, const PlanContext& context) {
  std::vector<state::RecordPtr> records;
  absl::flat_hash_set<std::string> seen;
  for (const state::RecordPtr& committed : context.picture.TakePrefix(prefix, "", 0).records) {
    seen.insert(committed->record.name());
    if (state::RecordPtr current = context.lookup(committed->record.name()); current != nullptr) {
      records.push_back(std::move(current));
    }
  }
  for (const state::Change& change : context.earlier_changes) {
    if (change.record == nullptr || !absl::StartsWith(change.record->record.name(), prefix)) continue;
    if (!seen.insert(change.record->record.name()).second) continue;
    if (state::RecordPtr current = context.lookup(change.record->record.name()); current != nullptr) {
      records.push_back(std::move(current));
    }
  }
  return records;
}

// The organisation's beds of `bed_type` (queries::CountBeds) as the group's earlier writes leave them: its counted
// reports (reports.h: the per-location ones when it has any, else the organisation-level one) and every reservation.
queries::BedCount BedsAt(const std::string& organization_id, v1::BedType bed_type, const PlanContext& context) {
  std::vector<state::RecordPtr> keep;  // Owns what the pointers below point into.
  std::vector<const v1::StatusReport*> counted;
  for (state::RecordPtr& record :
       CurrentUnder(absl::StrCat(domain::OrganizationPrefix(organization_id), "locations/"), context)) {
    if (!record->record.has_status_report()) continue;
    counted.push_back(&record->record.status_report());
    keep.push_back(std::move(record));
  }
  if (counted.empty()) {
    if (state::RecordPtr report = context.lookup(domain::StatusReportName(organization_id, ""));
        report != nullptr && report->record.has_status_report()) {
      counted.push_back(&report->record.status_report());
      keep.push_back(std::move(report));
    }
  }
  std::vector<const v1::BedReservation*> reservations;
  for (state::RecordPtr& record : CurrentUnder(ToAbsl(domain::kReservationsPrefix), context)) {
    if (!record->record.has_bed_reservation()) continue;
    reservations.push_back(&record->record.bed_reservation());
    keep.push_back(std::move(record));
  }
  return queries::CountBeds(counted, reservations, organization_id, bed_type);
}

// The reservation a lifecycle RPC acts on. NOT_FOUND naming `reservation_id` when it does not exist.
absl::StatusOr<state::RecordPtr> FindReservation(const std::string& reservation_id, const PlanContext& context) {
  state::RecordPtr record = context.lookup(domain::ReservationName(reservation_id));
  if (record == nullptr || !record->record.has_bed_reservation()) {
    return absl::NotFoundError(absl::StrCat("reservation_id: reservation ", Quote(reservation_id), " does not exist"));
  }
  return record;
}

absl::Status IllegalTransition(const v1::BedReservation& reservation, absl::string_view action) {
  return absl::FailedPreconditionError(absl::StrCat("reservation ", Quote(reservation.id()), " is ",
                                                    StateName(reservation.state()), ": cannot ", action,
                                                    " (only when RESERVATION_STATE_HELD)"));
}

// A record federated from another region (Record.provenance, docs/federation.md) is that region's: its reservations
// are made, confirmed and released there, committed in the region that owns the bed, and reach this server through the
// federator. FAILED_PRECONDITION naming the owning region (docs/reservations.md, "Across regions").
absl::Status OwnedElsewhere(const state::RecordPtr& record, absl::string_view field, absl::string_view what,
                            absl::string_view action) {
  if (!record->record.has_provenance()) return absl::OkStatus();
  const std::string& owner = record->record.provenance().source_region();
  return absl::FailedPreconditionError(absl::StrCat(field, ": ", what, " is federated from ", owner, ": ", action,
                                                    " it at ", owner,
                                                    "'s server (a reservation is committed in the region that owns "
                                                    "the bed)"));
}

// The reservation the same reserving organisation made earlier with `request`'s request_id (this server's own, not a
// federated one), or nullptr. ALREADY_EXISTS naming `request_id` when it was made with other parameters: the caller
// reused an id for a different reservation, and neither answering with the old one nor reserving again is right.
absl::StatusOr<state::RecordPtr> EarlierWithRequestId(const v1::ReserveBedRequest& request, absl::Duration hold,
                                                      const std::string& reserver, const PlanContext& context) {
  for (state::RecordPtr& current : CurrentUnder(ToAbsl(domain::kReservationsPrefix), context)) {
    if (!current->record.has_bed_reservation() || current->record.has_provenance()) continue;
    const v1::BedReservation& earlier = current->record.bed_reservation();
    // The key is the reserving organisation and, for a call a ROAZ server forwarded, its caller: two callers of one
    // forwarding server are two reservers.
    if (earlier.request_id() != request.request_id() || earlier.reserved_by_organization_id() != reserver ||
        earlier.forwarded_for() != request.forwarded_for()) {
      continue;
    }
    const absl::Duration earlier_hold = FromProtoTime(earlier.expires_at()) - FromProtoTime(earlier.reserved_at());
    if (earlier.organization_id() != request.organization_id() || earlier.bed_type() != request.bed_type() ||
        earlier_hold != hold || earlier.patient_reference() != request.patient_reference()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "request_id: ", Quote(request.request_id()), " was used for reservation ", Quote(earlier.id()), " (",
          EnumName<v1::BedType>(earlier.bed_type()), " at organisation ", Quote(earlier.organization_id()), " for ",
          absl::FormatDuration(earlier_hold),
          ") with other parameters; a retry must repeat the request, a new reservation needs a new request_id"));
    }
    return std::move(current);
  }
  return state::RecordPtr(nullptr);
}

// The reservation record with a changed entity; name, kind and scope carry over.
PlannedChange Replace(const state::RecordPtr& current, v1::BedReservation reservation) {
  v1::Record record;
  record.set_name(current->record.name());
  record.set_kind(v1::ENTITY_KIND_BED_RESERVATION);
  *record.mutable_scope() = current->record.scope();
  *record.mutable_bed_reservation() = std::move(reservation);
  return Put(std::move(record), current);
}

}  // namespace

absl::StatusOr<WritePlan> PlanReserveBed(const v1::ReserveBedRequest& request, const PlanContext& context) {
  const std::string& organization_id = request.organization_id();
  absl::Duration hold = context.region.bed_reservation_hold();
  if (request.has_hold_for() && (request.hold_for().seconds() != 0 || request.hold_for().nanos() != 0)) {
    hold = FromProtoDuration(request.hold_for());
  }
  const std::string reserver = context.actor != nullptr ? context.actor->organization_id() : std::string();
  if (!request.request_id().empty()) {
    absl::StatusOr<state::RecordPtr> earlier = EarlierWithRequestId(request, hold, reserver, context);
    if (!earlier.ok()) return earlier.status();
    if (*earlier != nullptr) return WritePlan{.changes = {}, .already_done = *std::move(earlier)};
  }
  state::RecordPtr organization = context.lookup(domain::OrganizationName(organization_id));
  if (organization == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("organization_id: organisation ", Quote(organization_id), " is not registered"));
  }
  KETENBEELD_RETURN_IF_ERROR(OwnedElsewhere(organization, "organization_id",
                                            absl::StrCat("organisation ", Quote(organization_id)), "reserve a bed of"));
  if (hold > context.region.bed_reservation_max_hold()) {
    return absl::InvalidArgumentError(absl::StrCat("hold_for: must be at most ",
                                                   absl::FormatDuration(context.region.bed_reservation_max_hold()),
                                                   " (this server's maximum), got ", absl::FormatDuration(hold)));
  }
  const queries::BedCount beds = BedsAt(organization_id, request.bed_type(), context);
  const std::string bed_type = EnumName<v1::BedType>(request.bed_type());
  if (!beds.reported.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat("0 beds of ", bed_type, " are available at organisation ",
                                                      Quote(organization_id),
                                                      ": it has not reported an available figure of that type"));
  }
  if (beds.effective().value_or(0) < 1) {
    return absl::FailedPreconditionError(absl::StrCat("0 beds of ", bed_type, " are available at organisation ",
                                                      Quote(organization_id), " (", *beds.reported, " reported, ",
                                                      beds.reserved, " held by reservations): cannot reserve"));
  }

  v1::BedReservation reservation;
  reservation.set_id(absl::StrCat(context.next_revision));
  reservation.set_organization_id(organization_id);
  reservation.set_bed_type(request.bed_type());
  reservation.set_patient_reference(request.patient_reference());
  reservation.set_request_id(request.request_id());
  reservation.set_forwarded_for(request.forwarded_for());
  reservation.set_state(v1::RESERVATION_STATE_HELD);
  if (context.actor != nullptr) {
    reservation.set_reserved_by_organization_id(context.actor->organization_id());
    reservation.set_reserved_by_subject(context.actor->subject());
  }
  *reservation.mutable_reserved_at() = ToProtoTime(context.commit_time);
  *reservation.mutable_expires_at() = ToProtoTime(context.commit_time + hold);

  v1::Record record;
  record.set_name(domain::ReservationName(reservation.id()));
  record.set_kind(v1::ENTITY_KIND_BED_RESERVATION);
  // The receiving organisation's scope: a feed filtered on it sees the reservations of its beds.
  *record.mutable_scope() = OrganizationScope(organization);
  *record.mutable_bed_reservation() = std::move(reservation);
  std::vector<PlannedChange> changes;
  changes.push_back(Put(std::move(record), nullptr));  // The id is this write's revision: the name is new.
  return WritePlan{.changes = std::move(changes), .already_done = nullptr};
}

absl::StatusOr<PlannedChange> PlanConfirmReservation(const v1::ConfirmReservationRequest& request,
                                                     const PlanContext& context) {
  absl::StatusOr<state::RecordPtr> current = FindReservation(request.reservation_id(), context);
  if (!current.ok()) return current.status();
  v1::BedReservation reservation = (*current)->record.bed_reservation();
  KETENBEELD_RETURN_IF_ERROR(
      OwnedElsewhere(*current, "reservation_id", absl::StrCat("reservation ", Quote(reservation.id())), "confirm"));
  if (reservation.state() != v1::RESERVATION_STATE_HELD) return IllegalTransition(reservation, "confirm");
  if (FromProtoTime(reservation.expires_at()) <= context.commit_time) {
    // The hold is over even if the tick has not marked it yet: the bed may have been given to someone else.
    return absl::FailedPreconditionError(absl::StrCat(
        "reservation ", Quote(reservation.id()), " expired at ",
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProtoTime(reservation.expires_at()), absl::UTCTimeZone()),
        ": cannot confirm (reserve again)"));
  }
  reservation.set_state(v1::RESERVATION_STATE_CONFIRMED);
  *reservation.mutable_confirmed_at() = ToProtoTime(context.commit_time);
  return Replace(*current, std::move(reservation));
}

absl::StatusOr<PlannedChange> PlanReleaseReservation(const v1::ReleaseReservationRequest& request,
                                                     const PlanContext& context) {
  absl::StatusOr<state::RecordPtr> current = FindReservation(request.reservation_id(), context);
  if (!current.ok()) return current.status();
  v1::BedReservation reservation = (*current)->record.bed_reservation();
  KETENBEELD_RETURN_IF_ERROR(
      OwnedElsewhere(*current, "reservation_id", absl::StrCat("reservation ", Quote(reservation.id())), "release"));
  if (reservation.state() != v1::RESERVATION_STATE_HELD) return IllegalTransition(reservation, "release");
  reservation.set_state(v1::RESERVATION_STATE_RELEASED);
  *reservation.mutable_ended_at() = ToProtoTime(context.commit_time);
  reservation.set_release_reason(request.reason());
  return Replace(*current, std::move(reservation));
}

std::vector<PlannedChange> PlanReservationExpiry(const PlanContext& context) {
  std::vector<PlannedChange> changes;
  if (!context.exercise_id.empty()) return changes;  // Reservations are of the real picture only.
  for (const state::RecordPtr& current : CurrentUnder(ToAbsl(domain::kReservationsPrefix), context)) {
    // A federated reservation expires in its region; the expiry arrives from there (docs/federation.md).
    if (!current->record.has_bed_reservation() || current->record.has_provenance()) continue;
    const v1::BedReservation& held = current->record.bed_reservation();
    if (held.state() != v1::RESERVATION_STATE_HELD || FromProtoTime(held.expires_at()) > context.commit_time) {
      continue;
    }
    v1::BedReservation reservation = held;
    reservation.set_state(v1::RESERVATION_STATE_EXPIRED);
    *reservation.mutable_ended_at() = ToProtoTime(context.commit_time);
    changes.push_back(Replace(current, std::move(reservation)));
  }
  return changes;
}

}  // namespace ketenbeeld::mutations
