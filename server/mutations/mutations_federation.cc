// Federation's write (docs/federation.md): ApplyUpstream commits one range of a source region's log, the events and
// the source's cursor record "upstream/{region}", as one write, so in one commit group: exactly once, also across
// crashes, as long as the federator names the cursor it read. An upstream reset (ApplyUpstream with `reset`) writes a
// region's fresh snapshot in chunks and then deletes, in bounded finishing calls, the region's records it did not
// rewrite, before the cursor moves (docs/federation.md, "Upstream reset").
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/time.h"
#include "server/domain/names.h"
#include "server/mutations/mutations.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;

// What federates (../shared/SCALE-OUT.md, "What goes upstream": per-organisation figures, and the sector aggregates
// of long-term care, mental health and home care): the registry, the status reports, the bed reservations (a held bed
// is not available in any region's view of it: docs/reservations.md) and the sector aggregates of the real picture.
// Everything else is left out, not refused: the region's outbox and escalation tasks (the downstream server would
// deliver its notifications again), exercises, other servers' cursors (a chained ROAZ server's cursors of its regions
// mean nothing here: docs/federation.md, "Chaining"), and the other workflow records (incidents, alerts, assistance
// requests, scenarios, indicators), whose ids are chosen per region and would collide between regions: they need
// region-qualified names first (docs/federation.md, "Not built yet"). Reservations and aggregates get one here
// (DownstreamName).
bool Federates(const v1::Record& record) {
  if (domain::IsExerciseRecord(record.name())) return false;
  return record.kind() == v1::ENTITY_KIND_ORGANIZATION || record.kind() == v1::ENTITY_KIND_STATUS_REPORT ||
         record.kind() == v1::ENTITY_KIND_BED_RESERVATION || record.kind() == v1::ENTITY_KIND_SECTOR_AGGREGATE;
}

// The name a federated record has on this server. A reservation's id is the revision that made it in its region, so
// "reservations/1234" of VR10 and of VR11 are different records: here they are "reservations/vr10-1234" (an id of
// lowercase letters, digits and '-', which no region's own reservation has: those are digits only). Every region has
// its own "aggregates/long-term-care": here they are "aggregates/vr10-long-term-care" and so on, apart from this
// server's own "aggregates/long-term-care" (its own registry's sums, which it shows one by one anyway).
std::string DownstreamName(const v1::Record& record, const std::string& source) {
  if (record.kind() != v1::ENTITY_KIND_BED_RESERVATION && record.kind() != v1::ENTITY_KIND_SECTOR_AGGREGATE) {
    return record.name();
  }
  // Chained (a ROAZ server as the source): the server between already named it after its origin region.
  if (!record.provenance().source_region().empty()) return record.name();
  absl::StatusOr<domain::ParsedName> parsed = domain::ParseName(record.name());
  if (!parsed.ok()) return record.name();  // Validated before the write was queued.
  if (record.kind() == v1::ENTITY_KIND_SECTOR_AGGREGATE) return domain::FederatedAggregateName(source, parsed->id);
  return domain::ReservationName(domain::FederatedReservationId(source, parsed->id));
}

// The source that sent a federated record here: the region itself, or for a chained record the server between
// (SourceProvenance.via_region). Its cursor, staleness and claims are this one's.
const std::string& DirectSource(const v1::SourceProvenance& provenance) {
  return provenance.via_region().empty() ? provenance.source_region() : provenance.via_region();
}

// Who holds a record on this server: the source of its provenance, or this server itself.
std::string HolderOf(const state::RecordPtr& record, const domain::Region& region) {
  if (record->record.has_provenance()) return DirectSource(record->record.provenance());
  return absl::StrCat(region.safety_region(), " (this server's own registry)");
}

// The organisation a record belongs to: its scope's, or for a registration the id in its name.
std::string OrganizationOf(const v1::Record& record) {
  if (!record.scope().organization_id().empty()) return record.scope().organization_id();
  if (record.kind() == v1::ENTITY_KIND_ORGANIZATION) {
    absl::StatusOr<domain::ParsedName> parsed = domain::ParseName(record.name());
    if (parsed.ok()) return parsed->organization_id;
  }
  return {};
}

// Records an upstream reset deletes at most per finishing call, so that one commit group stays bounded.
constexpr int kMaxResetDeletes = 500;

// Where the records that federate (Federates) live: the registry and its status reports, the sector aggregates and the
// bed reservations. In name order, so that a sweep meets the records in name order.
constexpr std::string_view kFederatedPrefixes[] = {domain::kAggregatesPrefix, "organizations/",
                                                   domain::kReservationsPrefix};

// The source's records that the reset in progress did not (re)write: held by `source` (provenance), last changed
// before the reset started. At most `limit`, in name order; `more` tells whether others remain after them.
std::vector<state::RecordPtr> StaleResetRecords(const std::string& source, const v1::UpstreamReset& reset,
                                                const PlanContext& context, int limit, bool& more) {
  std::vector<state::RecordPtr> found;
  more = false;
  for (std::string_view prefix : kFederatedPrefixes) {
    const state::Picture::Snapshot snapshot = context.picture.TakePrefix(ToAbsl(prefix), {}, 0);
    for (const state::RecordPtr& committed : snapshot.records) {
      // The committed picture misses this group's earlier writes: look each candidate up again.
      const state::RecordPtr record = context.lookup(committed->record.name());
      if (record == nullptr || !record->record.has_provenance() ||
          DirectSource(record->record.provenance()) != source ||
          record->record.mod_revision() >= reset.started_revision()) {
        continue;
      }
      if (static_cast<int>(found.size()) == limit) {
        more = true;
        return found;
      }
      found.push_back(record);
    }
  }
  return found;
}

}  // namespace

absl::StatusOr<std::vector<PlannedChange>> PlanApplyUpstream(const v1::ApplyUpstreamRequest& request,
                                                             const PlanContext& context) {
  const std::string& source = request.source_region();
  const std::string cursor_name = domain::UpstreamSourceName(source);
  const state::RecordPtr current = context.lookup(cursor_name);
  const v1::UpstreamSource* stored =
      current != nullptr && current->record.has_upstream_source() ? &current->record.upstream_source() : nullptr;
  const int64_t cursor = stored == nullptr ? 0 : stored->cursor();
  if (request.expected_cursor() != cursor) {
    // The exact range applied last, sent again (its answer was lost): already done.
    if (stored != nullptr && request.expected_cursor() == stored->last_expected_cursor() &&
        request.first_revision() == stored->last_first_revision() && request.last_revision() == stored->cursor()) {
      return std::vector<PlannedChange>{};
    }
    return absl::AbortedError(absl::StrCat("expected_cursor: the cursor of ", source, " is at ", cursor, ", not ",
                                           request.expected_cursor(),
                                           "; read it again (GetUpstreamCursors) and resume after it"));
  }
  // An upstream reset (docs/federation.md, "Upstream reset"): which one is in progress after this call.
  const bool resetting = request.has_reset();
  v1::UpstreamReset reset;
  if (stored != nullptr && stored->has_reset()) reset = stored->reset();
  if (resetting) {
    const int64_t snapshot_revision = request.last_revision();
    const bool in_progress = stored != nullptr && stored->has_reset();
    if (in_progress && snapshot_revision < reset.snapshot_revision()) {
      return absl::AbortedError(absl::StrCat("reset: a reset of ", source, " to its snapshot at revision ",
                                             reset.snapshot_revision(), " is in progress, newer than this one (",
                                             snapshot_revision, "); read the cursors again and resume"));
    }
    if (request.reset().finish() && (!in_progress || snapshot_revision != reset.snapshot_revision())) {
      return absl::AbortedError(absl::StrCat("reset.finish: no reset of ", source, " to revision ", snapshot_revision,
                                             " is in progress; send its chunks first"));
    }
    if (!in_progress || snapshot_revision > reset.snapshot_revision()) {
      // A newer snapshot starts over: what an earlier, unfinished reset wrote is older than started_revision, so it
      // is deleted at the end unless this snapshot writes it again.
      reset.Clear();
      reset.set_snapshot_revision(snapshot_revision);
      reset.set_started_revision(context.next_revision);
      *reset.mutable_started_at() = ToProtoTime(context.commit_time);
    }
  }

  // The records this write changed so far, by name (nullptr: deleted): the committer's overlay sees them only after
  // the whole write is planned.
  absl::flat_hash_map<std::string, state::RecordPtr> own;
  auto find = [&](const std::string& name) -> state::RecordPtr {
    if (auto it = own.find(name); it != own.end()) return it->second;
    return context.lookup(name);
  };
  // Refuses a record held by another source, or by this server itself, naming the organisation and both holders.
  // The refusal carries the conflict as its payload (kUpstreamConflictPayload), for the service layer to record.
  auto check_holder = [&](const state::RecordPtr& held, const std::string& organization, int index,
                          const v1::Record& record) -> absl::Status {
    if (held == nullptr) return absl::OkStatus();
    if (held->record.has_provenance() && DirectSource(held->record.provenance()) == source) return absl::OkStatus();
    v1::UpstreamConflict conflict;
    conflict.set_organization_id(organization.empty() ? record.name() : organization);
    conflict.set_holder(held->record.has_provenance() ? DirectSource(held->record.provenance())
                                                      : context.region.safety_region());
    conflict.set_first_revision(request.first_revision());
    conflict.set_last_revision(request.last_revision());
    conflict.set_message(absl::StrCat("events[", index, "].record: organisation \"", conflict.organization_id(),
                                      "\" is claimed by two sources: ", HolderOf(held, context.region), " holds it (",
                                      held->record.name(), ") and ", source, " sends ", record.name(),
                                      "; no event of revisions ", request.first_revision(), "..",
                                      request.last_revision(), " of ", source, " was applied"));
    absl::Status refused = absl::FailedPreconditionError(conflict.message());
    refused.SetPayload(kUpstreamConflictPayload, absl::Cord(conflict.SerializeAsString()));
    return refused;
  };

  std::vector<PlannedChange> changes;
  int64_t applied = 0;
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::Event& event = request.events(i);
    if (!Federates(event.record())) continue;
    const std::string name = DownstreamName(event.record(), source);
    const state::RecordPtr previous = find(name);
    const std::string organization = OrganizationOf(event.record());
    if (absl::Status held = check_holder(previous, organization, i, event.record()); !held.ok()) return held;
    if (!organization.empty()) {
      if (absl::Status held =
              check_holder(find(domain::OrganizationName(organization)), organization, i, event.record());
          !held.ok()) {
        return held;
      }
    }
    const int64_t revision = context.next_revision + static_cast<int64_t>(changes.size());
    PlannedChange change;
    change.type = event.type();
    change.previous = previous;
    if (event.type() == v1::EVENT_TYPE_DELETE) {
      if (previous == nullptr) continue;  // Never applied here (before a reset, say): nothing to delete.
      change.record = previous->record;
    } else {
      change.record = event.record();
    }
    v1::Record& record = change.record;
    if (event.type() != v1::EVENT_TYPE_DELETE && event.record().provenance().source_region().empty()) {
      // Region-qualified here (DownstreamName): a reservation's id with it. An aggregate keeps its `group`; its
      // region is its scope's and its provenance's.
      record.set_name(name);
      if (record.has_bed_reservation()) {
        record.mutable_bed_reservation()->set_id(domain::FederatedReservationId(source, record.bed_reservation().id()));
      }
    }
    record.clear_create_revision();
    record.clear_mod_revision();
    record.clear_update_time();
    record.clear_updated_by();
    record.clear_mode();
    record.clear_exercise_id();
    v1::SourceProvenance& provenance = *record.mutable_provenance();
    provenance.Clear();
    const v1::SourceProvenance& origin = event.record().provenance();
    if (!origin.source_region().empty()) {
      // Already federated where it comes from (a ROAZ server as the source of a national one): the origin stays,
      // the hop is recorded (docs/federation.md, "Chaining").
      provenance.set_source_region(origin.source_region());
      provenance.set_source_revision(origin.source_revision());
      *provenance.mutable_source_commit_time() = origin.source_commit_time();
      provenance.set_via_region(source);
      provenance.set_via_revision(event.revision());
    } else {
      provenance.set_source_region(source);
      provenance.set_source_revision(event.revision());
      *provenance.mutable_source_commit_time() = event.commit_time();
    }
    if (event.type() == v1::EVENT_TYPE_DELETE) {
      own[name] = nullptr;
    } else {
      v1::Record planned = record;
      planned.set_create_revision(previous == nullptr ? revision : previous->record.create_revision());
      planned.set_mod_revision(revision);
      own[name] = state::MakeRecord(std::move(planned));
    }
    changes.push_back(std::move(change));
    ++applied;
  }

  bool finished = false;
  if (resetting && request.reset().finish()) {
    bool more = false;
    for (const state::RecordPtr& gone : StaleResetRecords(source, reset, context, kMaxResetDeletes, more)) {
      PlannedChange change;
      change.type = v1::EVENT_TYPE_DELETE;
      change.previous = gone;
      change.record = gone->record;
      change.record.clear_create_revision();
      change.record.clear_mod_revision();
      change.record.clear_update_time();
      change.record.clear_updated_by();
      v1::SourceProvenance& provenance = *change.record.mutable_provenance();
      provenance.Clear();
      provenance.set_source_region(source);
      provenance.set_source_revision(request.last_revision());
      if (request.has_source_time()) *provenance.mutable_source_commit_time() = request.source_time();
      changes.push_back(std::move(change));
      reset.set_records_deleted(reset.records_deleted() + 1);
    }
    finished = !more;
  } else if (resetting) {
    reset.set_records_applied(reset.records_applied() + applied);
  }

  v1::Record record;
  record.set_name(cursor_name);
  record.set_kind(v1::ENTITY_KIND_UPSTREAM_SOURCE);
  record.mutable_scope()->set_safety_region(source);
  v1::UpstreamSource& upstream = *record.mutable_upstream_source();
  upstream.set_safety_region(source);
  if (resetting && !finished) {
    // A chunk, or a finishing call with records left to delete: the cursor and the replay range stay.
    upstream.set_cursor(cursor);
    upstream.set_last_first_revision(stored == nullptr ? 0 : stored->last_first_revision());
    upstream.set_last_expected_cursor(stored == nullptr ? 0 : stored->last_expected_cursor());
    *upstream.mutable_reset() = reset;
  } else {
    upstream.set_cursor(request.last_revision());
    upstream.set_last_first_revision(request.first_revision());
    upstream.set_last_expected_cursor(request.expected_cursor());
    // The log applied past a reset's snapshot also repairs a mix (every record's last change is in it).
    if (!resetting && reset.snapshot_revision() > request.last_revision()) *upstream.mutable_reset() = reset;
  }
  *upstream.mutable_last_heard() = ToProtoTime(context.commit_time);
  if (request.has_source_time()) {
    *upstream.mutable_source_time() = request.source_time();
  } else if (!request.events().empty()) {
    *upstream.mutable_source_time() = request.events(request.events_size() - 1).commit_time();
  } else if (stored != nullptr && stored->has_source_time()) {
    *upstream.mutable_source_time() = stored->source_time();
  }
  upstream.set_events_applied((stored == nullptr ? 0 : stored->events_applied()) + (resetting ? 0 : applied));
  changes.push_back(Put(std::move(record), current));
  return changes;
}

absl::StatusOr<std::vector<PlannedChange>> PlanUpstreamConflict(const UpstreamConflictReport& report,
                                                                const PlanContext& context) {
  const std::string name = domain::UpstreamSourceName(report.source_region);
  const state::RecordPtr current = context.lookup(name);
  v1::Record record;
  if (current != nullptr && current->record.has_upstream_source()) {
    const v1::UpstreamConflict& known = current->record.upstream_source().conflict();
    // A federator retrying the refused range: recorded once.
    if (known.organization_id() == report.conflict.organization_id() && known.holder() == report.conflict.holder()) {
      return std::vector<PlannedChange>{};
    }
    record = current->record;
  } else {
    record.set_name(name);
    record.set_kind(v1::ENTITY_KIND_UPSTREAM_SOURCE);
    record.mutable_scope()->set_safety_region(report.source_region);
    record.mutable_upstream_source()->set_safety_region(report.source_region);
  }
  v1::UpstreamConflict& conflict = *record.mutable_upstream_source()->mutable_conflict();
  conflict = report.conflict;
  *conflict.mutable_detected_at() = ToProtoTime(context.commit_time);
  std::vector<PlannedChange> changes;
  changes.push_back(Put(std::move(record), current));
  return changes;
}

}  // namespace ketenbeeld::mutations
