// Reporting cadence and staleness: which interval is in force for an organisation, the "overdue" facts the server
// commits when an organisation's report is older than that interval, the "unknown" facts when it stays overdue for
// the region's grace (its overall status becomes unknown, the last known one kept), and the "expired" facts when a
// report's emergency department diversion or closure runs past its `until` without a newer report confirming or
// ending it, and the supply warnings when a supply's time left falls to one of the region's horizons.
//
// Cost: PlanReportDeadlines runs on the committer thread every tick (default once a second) over every status
// report, so it scans the picture once (one filtered Take of organisations and reports, no point read per report)
// and re-reads only the few records it changes. The scaled-up incidents are found with a walk over the "incidents/"
// names only (situation entries are skipped by jumping past them), so ReportingInterval, which PlanReportStatus
// calls for every report, costs in proportion to the number of incidents, not to the size of the picture.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "server/domain/geo.h"
#include "server/domain/names.h"
#include "server/mutations/mutations.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;
using google::protobuf::util::TimeUtil;

constexpr absl::string_view kIncidentsPrefix = "incidents/";
constexpr size_t kIncidentPageSize = 32;

bool IsActive(v1::IncidentStatus status) {
  return status == v1::INCIDENT_STATUS_OPEN || status == v1::INCIDENT_STATUS_SCALED_UP ||
         status == v1::INCIDENT_STATUS_SCALED_DOWN;
}

// Calls `visit(incident)` for every incident of the picture planned in (ForEachIncidentRecord).
template <typename Visit>
void ForEachIncident(const PlanContext& context, Visit visit) {
  ForEachIncidentRecord(context, context.exercise_id,
                        [&](const state::RecordPtr& record) { visit(record->record.incident()); });
}

// Who the tighter cadence applies to now: the organisations named by an active, scaled-up incident, and the regions
// of active, scaled-up incidents that name no organisations.
class ScaledUpScope {
 public:
  static ScaledUpScope Find(const PlanContext& context) {
    ScaledUpScope scope;
    ForEachIncident(context, [&](const v1::Incident& incident) {
      if (!IsActive(incident.status()) || !context.region.IsScaledUp(incident.scale_up_level())) return;
      // Named by hand or inside its area (domain::AffectedOrganizationIds); neither: the whole region.
      const std::vector<std::string> affected = domain::AffectedOrganizationIds(incident);
      if (affected.empty()) {
        scope.safety_regions_.insert(incident.safety_region());
      } else {
        scope.organization_ids_.insert(affected.begin(), affected.end());
      }
    });
    return scope;
  }

  bool Affects(const v1::Organization& organization) const {
    // Usually nothing is scaled up: then no string is hashed at all.
    return (!organization_ids_.empty() && organization_ids_.contains(organization.id())) ||
           (!safety_regions_.empty() && safety_regions_.contains(organization.safety_region()));
  }

 private:
  absl::flat_hash_set<std::string> organization_ids_;
  absl::flat_hash_set<std::string> safety_regions_;
};

// The organisation's own interval, or the region's default when it has none.
absl::Duration OwnInterval(const v1::Organization& organization, const domain::Region& region) {
  if (!organization.has_reporting_interval()) return region.reporting_interval();
  const absl::Duration own = absl::Seconds(organization.reporting_interval().seconds()) +
                             absl::Nanoseconds(organization.reporting_interval().nanos());
  return own > absl::ZeroDuration() ? own : region.reporting_interval();
}

absl::Duration IntervalInForce(const v1::Organization& organization, const domain::Region& region,
                               const ScaledUpScope& scaled_up) {
  const absl::Duration own = OwnInterval(organization, region);
  if (own <= region.scaled_up_reporting_interval() || !scaled_up.Affects(organization)) return own;
  return region.scaled_up_reporting_interval();
}

// When `report` became (or becomes) overdue under `interval`, or nullopt when it carries no commit time.
std::optional<absl::Time> DueTime(const v1::StatusReport& report, absl::Duration interval) {
  if (!report.has_commit_time()) return std::nullopt;
  return FromProtoTime(report.commit_time()) + interval;
}

// When the emergency department of `report` was reported on diversion or closed until a time that has passed by
// `now`, and is not yet marked expired: that time.
std::optional<absl::Time> EmergencyDepartmentExpiry(const v1::StatusReport& report, absl::Time now) {
  if (!report.has_emergency_department()) return std::nullopt;
  const v1::EmergencyDepartment& department = report.emergency_department();
  const bool restricted = department.state() == v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION ||
                          department.state() == v1::EMERGENCY_DEPARTMENT_STATE_CLOSED;
  if (!restricted || !department.has_until() || department.has_expired_since()) return std::nullopt;
  const absl::Time until = FromProtoTime(department.until());
  if (until > now) return std::nullopt;
  return until;
}

// When the overall status of `report`, overdue since `overdue`, becomes unknown by `now`: `grace` after it became
// overdue. Nullopt when it is not overdue, not long enough, or already unknown (marked by the server, or reported so).
std::optional<absl::Time> UnknownAt(const v1::StatusReport& report, std::optional<absl::Time> overdue,
                                    absl::Duration grace, absl::Time now) {
  if (!overdue.has_value() || report.has_unknown_since() || report.overall_status() == v1::OVERALL_STATUS_UNKNOWN) {
    return std::nullopt;
  }
  const absl::Time at = *overdue + grace;
  if (at > now) return std::nullopt;
  return at;
}

// The warning due for `supply` at `now` under `horizons` (longest first): the smallest horizon the time left
// (runs_out_at - now) has fallen to, zero once it ran out; nullopt when none is reached or that warning (or a later
// one) is committed already.
std::optional<absl::Duration> SupplyWarningDue(const v1::Supply& supply, const std::vector<absl::Duration>& horizons,
                                               absl::Time now) {
  if (!supply.has_runs_out_at()) return std::nullopt;
  const absl::Duration left = FromProtoTime(supply.runs_out_at()) - now;
  std::optional<absl::Duration> reached;
  if (left <= absl::ZeroDuration()) {
    reached = absl::ZeroDuration();
  } else {
    for (const absl::Duration horizon : horizons) {
      if (left <= horizon) reached = horizon;
    }
  }
  if (!reached.has_value()) return std::nullopt;
  if (supply.has_warned_within() && FromProtoDuration(supply.warned_within()) <= *reached) return std::nullopt;
  return reached;
}

bool AnySupplyWarningDue(const v1::StatusReport& report, const std::vector<absl::Duration>& horizons, absl::Time now) {
  for (const v1::Supply& supply : report.supplies()) {
    if (SupplyWarningDue(supply, horizons, now).has_value()) return true;
  }
  return false;
}

std::optional<absl::Time> CommittedOverdue(const v1::StatusReport& report) {
  if (!report.has_overdue_since()) return std::nullopt;
  return FromProtoTime(report.overdue_since());
}

}  // namespace

void ForEachIncidentRecord(const PlanContext& context, absl::string_view exercise_id,
                           absl::FunctionRef<void(const state::RecordPtr&)> visit) {
  // The incidents of the picture planned in: "incidents/" or, in an exercise, "exercises/{id}/incidents/".
  const std::string prefix = domain::InExercise(ToStd(exercise_id), ToStd(kIncidentsPrefix));
  std::string after(prefix);  // No record is named "incidents/": the walk starts at the first incident.
  while (true) {
    // Only the records under "incidents/": with no incidents (the usual case) this is one lookup, not a page of
    // whatever sorts after them (every status report plans through here).
    const state::Picture::Snapshot page = context.picture.TakePrefix(prefix, after, kIncidentPageSize);
    bool jumped = false;
    for (const state::RecordPtr& record : page.records) {
      const std::string& name = record->record.name();
      if (!absl::StartsWith(name, prefix)) return;
      if (record->record.kind() == v1::ENTITY_KIND_SITUATION_ENTRY) {
        // "incidents/{id}/entries/{20 digits}": every entry of this incident sorts before "incidents/{id}/entries/:"
        // (':' follows '9'), so jump there instead of reading a long situation log.
        after = absl::StrCat(absl::string_view(name).substr(0, name.rfind('/') + 1), ":");
        jumped = true;
        break;
      }
      after = name;
      if (record->record.kind() != v1::ENTITY_KIND_INCIDENT) continue;
      if (state::RecordPtr current = context.lookup(name); current != nullptr && current->record.has_incident()) {
        visit(current);
      }
    }
    if (!jumped && page.records.size() < kIncidentPageSize) return;
  }
}

absl::Duration ReportingInterval(const v1::Organization& organization, const PlanContext& context) {
  const absl::Duration own = OwnInterval(organization, context.region);
  // Nothing can tighten an interval that is already at most the scaled-up one: skip the walk over the incidents.
  if (own <= context.region.scaled_up_reporting_interval()) return own;
  return IntervalInForce(organization, context.region, ScaledUpScope::Find(context));
}

std::vector<PlannedChange> PlanReportDeadlines(const PlanContext& context) {
  v1::Filter filter;
  filter.add_kinds(v1::ENTITY_KIND_ORGANIZATION);
  filter.add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  filter.set_exercise_id(std::string(context.exercise_id));  // The reports of the picture planned in.
  // Organisations and reports in one scan; the organisations' intervals are collected first, so they are known for
  // every report without a point read per report (an exercise's reports sort before the registry).
  const state::Picture::Snapshot snapshot = context.picture.Take(domain::CompiledFilter(filter));
  if (snapshot.records.empty()) return {};
  const ScaledUpScope scaled_up = ScaledUpScope::Find(context);

  // Whether `report` is an organisation-level report, overdue under `interval` now, and not yet marked: its due time.
  auto overdue_at = [&](const v1::StatusReport& report, absl::Duration interval) -> std::optional<absl::Time> {
    if (!report.location_id().empty() || report.has_overdue_since()) return std::nullopt;
    const std::optional<absl::Time> due = DueTime(report, interval);
    if (!due.has_value() || *due > context.commit_time) return std::nullopt;
    return due;
  };
  auto interval_of = [&](const state::RecordPtr& organization) {
    return organization != nullptr && organization->record.has_organization()
               ? IntervalInForce(organization->record.organization(), context.region, scaled_up)
               : context.region.reporting_interval();
  };

  // Only the organisations whose interval differs from the region's default: usually few, often none.
  absl::flat_hash_map<absl::string_view, absl::Duration> other_intervals;
  std::vector<PlannedChange> changes;
  for (const state::RecordPtr& scanned : snapshot.records) {
    const v1::Record& record = scanned->record;
    if (!record.has_organization()) continue;
    if (const absl::Duration interval = interval_of(scanned); interval != context.region.reporting_interval()) {
      other_intervals.emplace(record.organization().id(), interval);
    }
  }
  for (const state::RecordPtr& scanned : snapshot.records) {
    const v1::Record& record = scanned->record;
    if (!record.has_status_report()) continue;
    const v1::StatusReport& report = record.status_report();
    absl::Duration interval = context.region.reporting_interval();
    if (!other_intervals.empty()) {
      if (auto it = other_intervals.find(report.organization_id()); it != other_intervals.end()) interval = it->second;
    }
    const absl::Duration grace = context.region.unknown_after_overdue();
    const std::vector<absl::Duration>& horizons = context.region.supply_warning_horizons();
    if (!overdue_at(report, interval) && !EmergencyDepartmentExpiry(report, context.commit_time) &&
        !UnknownAt(report, CommittedOverdue(report), grace, context.commit_time) &&
        !AnySupplyWarningDue(report, horizons, context.commit_time)) {
      continue;
    }
    // Re-read the few candidates: a report or registration written earlier in this commit group replaces what the
    // scan saw (a new report is on time and confirms its emergency department). The other way round, a registration
    // in this group that tightens an interval is seen by the next tick.
    state::RecordPtr current = context.lookup(record.name());
    if (current == nullptr || !current->record.has_status_report()) continue;
    const v1::StatusReport& current_report = current->record.status_report();
    const std::optional<absl::Time> due = overdue_at(
        current_report, interval_of(context.lookup(domain::OrganizationName(current_report.organization_id()))));
    const std::optional<absl::Time> expired = EmergencyDepartmentExpiry(current_report, context.commit_time);
    // Overdue long enough (a server down for a while may find both at once): the status is no longer known.
    const std::optional<absl::Time> unknown =
        UnknownAt(current_report, due.has_value() ? due : CommittedOverdue(current_report), grace, context.commit_time);
    const bool supply_warning = AnySupplyWarningDue(current_report, horizons, context.commit_time);
    if (!due.has_value() && !expired.has_value() && !unknown.has_value() && !supply_warning) continue;
    v1::Record marked;
    marked.set_name(current->record.name());
    marked.set_kind(current->record.kind());
    *marked.mutable_scope() = current->record.scope();
    *marked.mutable_status_report() = current_report;
    marked.mutable_status_report()->clear_update_mask();  // No report made this revision: the server did.
    if (due.has_value()) *marked.mutable_status_report()->mutable_overdue_since() = ToProtoTime(*due);
    if (expired.has_value()) {
      *marked.mutable_status_report()->mutable_emergency_department()->mutable_expired_since() = ToProtoTime(*expired);
    }
    if (unknown.has_value()) {
      v1::StatusReport& report_marked = *marked.mutable_status_report();
      report_marked.set_last_known_overall_status(report_marked.overall_status());
      report_marked.set_overall_status(v1::OVERALL_STATUS_UNKNOWN);
      *report_marked.mutable_unknown_since() = ToProtoTime(*unknown);
    }
    for (v1::Supply& supply : *marked.mutable_status_report()->mutable_supplies()) {
      if (const std::optional<absl::Duration> warning = SupplyWarningDue(supply, horizons, context.commit_time)) {
        *supply.mutable_warned_within() = ToProtoDuration(*warning);
      }
    }
    changes.push_back(Put(std::move(marked), std::move(current)));
  }
  return changes;
}

}  // namespace ketenbeeld::mutations
