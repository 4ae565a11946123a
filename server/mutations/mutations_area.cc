// Incident areas: the organisations an incident's area covers (Incident.computed_affected_organization_ids), computed
// when the incident is opened or updated, and kept current when the registry changes.
//
// Why a derived change in the registration's own commit group rather than a recomputation on read: every reader of
// the affected organisations (the tighter cadence, alert audiences, the evaluation, feeds and History) sees one
// committed list, the same on every member and at every past revision; and the registration that moved a site and
// the incident's new list are durable together or not at all.
//
// Cost: opening or updating an incident with an area tests every registered organisation's sites against it
// (organisations × sites × polygon points, bounded by 16 × 1000 points per area); a registration tests the one
// organisation against every incident that is not closed (one walk over the incident names, ForEachIncidentRecord).
// Incidents without an area that selects sites cost one test each.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "server/domain/filter.h"
#include "server/domain/geo.h"
#include "server/mutations/mutations.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;

// The incident's computed list with `organization`'s membership brought up to date, or nullopt when it is current.
// A closed incident is final: its list stays as it was when it closed.
std::optional<v1::Record> WithMembership(const v1::Record& incident_record, const v1::Organization& organization) {
  const v1::Incident& incident = incident_record.incident();
  if (incident.status() == v1::INCIDENT_STATUS_CLOSED) return std::nullopt;
  const auto& computed = incident.computed_affected_organization_ids();
  const auto found = std::lower_bound(computed.begin(), computed.end(), organization.id());
  const bool listed = found != computed.end() && *found == organization.id();
  const bool inside = domain::OrganizationInArea(organization, incident.area());
  if (listed == inside) return std::nullopt;
  v1::Record record = incident_record;
  auto* ids = record.mutable_incident()->mutable_computed_affected_organization_ids();
  const int index = static_cast<int>(found - computed.begin());
  if (inside) {
    // Keep the list sorted: append, then rotate the new id into its place.
    *ids->Add() = organization.id();
    std::rotate(ids->begin() + index, ids->end() - 1, ids->end());
  } else {
    ids->erase(ids->begin() + index);
  }
  return record;
}

}  // namespace

std::vector<std::string> OrganizationsInArea(const v1::Area& area, const PlanContext& context) {
  std::vector<std::string> ids;
  if (!domain::AreaSelectsSites(area)) return ids;
  static const domain::CompiledFilter* const kOrganizations = [] {
    v1::Filter filter;
    filter.add_kinds(v1::ENTITY_KIND_ORGANIZATION);
    return new domain::CompiledFilter(filter);
  }();
  absl::flat_hash_set<std::string> seen;
  const auto consider = [&](const std::string& name) {
    if (!seen.insert(name).second) return;
    // As the earlier writes of this group left it.
    const state::RecordPtr current = context.lookup(name);
    if (current == nullptr || !current->record.has_organization()) return;
    if (domain::OrganizationInArea(current->record.organization(), area)) {
      ids.push_back(current->record.organization().id());
    }
  };
  for (const state::RecordPtr& record : context.picture.Take(*kOrganizations).records) consider(record->record.name());
  // Registered earlier in this group: not in the committed picture yet.
  for (const state::Change& change : context.earlier_changes) {
    if (change.record != nullptr && change.record->record.has_organization()) consider(change.record->record.name());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<PlannedChange> PlanAreaFollowUps(const PlannedChange& change, const PlanContext& context) {
  std::vector<PlannedChange> out;
  if (change.type != v1::EVENT_TYPE_PUT || !change.record.has_organization()) return out;
  const v1::Organization& organization = change.record.organization();
  absl::flat_hash_set<std::string> seen;
  const auto visit = [&](const state::RecordPtr& incident) {
    if (!seen.insert(incident->record.name()).second || !incident->record.has_incident()) return;
    if (std::optional<v1::Record> updated = WithMembership(incident->record, organization); updated.has_value()) {
      out.push_back(Put(*std::move(updated), incident));
    }
  };
  // The real picture's incidents and those of every active exercise: the registry is shared by both.
  ForEachIncidentRecord(context, {}, visit);
  ForEachExercise(context.picture, [&](const state::RecordPtr& committed) {
    const state::RecordPtr exercise = context.lookup(committed->record.name());
    if (exercise == nullptr || exercise->record.exercise().status() != v1::EXERCISE_STATUS_ACTIVE) return;
    ForEachIncidentRecord(context, exercise->record.exercise().id(), visit);
  });
  // Opened earlier in this group (not in the committed picture yet): their lists were computed before this write.
  for (const state::Change& earlier : context.earlier_changes) {
    if (earlier.record == nullptr || !earlier.record->record.has_incident()) continue;
    if (const state::RecordPtr current = context.lookup(earlier.record->record.name()); current != nullptr) {
      visit(current);
    }
  }
  return out;
}

}  // namespace ketenbeeld::mutations
