// Planners of incidents and their situation logs.
//
// Lifecycle: OpenIncident -> OPEN. UpdateIncident replaces the fields of an incident that is not CLOSED; a change of
// scale-up level sets SCALED_UP or SCALED_DOWN (the direction of the last change, by the order of the region's
// levels), an unchanged level keeps the status, and a requested status CLOSED closes it (final). Situation entries
// are appended to incidents that are not CLOSED and never change.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "server/domain/names.h"
#include "server/mutations/mutations.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;

// Microseconds, as the committer stores update_time, so an entity's times equal its record's.
// The level must be one the region configured; the message lists them so the caller can correct it.
absl::Status CheckScaleUpLevel(const v1::Incident& incident, const domain::Region& region) {
  if (region.LevelIndex(incident.scale_up_level()).has_value()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("incident.scale_up_level: \"", incident.scale_up_level(),
                                                 "\" is not a scale-up level of region ", region.safety_region(),
                                                 "; allowed: ", absl::StrJoin(region.scale_up_levels(), ", ")));
}

absl::Status CheckAffectedOrganizations(const v1::Incident& incident, const PlanContext& context) {
  for (int i = 0; i < incident.affected_organization_ids_size(); ++i) {
    const std::string& id = incident.affected_organization_ids(i);
    if (context.lookup(domain::OrganizationName(id)) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("incident.affected_organization_ids[", i, "]: organisation \"", id,
                                                     "\" is not registered; register it first"));
    }
  }
  return absl::OkStatus();
}

// The organisations inside the area, computed by the server; what the caller sent there is output only.
void SetComputedAffected(const PlanContext& context, v1::Incident& incident) {
  incident.clear_computed_affected_organization_ids();
  for (std::string& id : OrganizationsInArea(incident.area(), context)) {
    incident.add_computed_affected_organization_ids(std::move(id));
  }
}

v1::Record IncidentRecord(v1::Incident incident) {
  v1::Record record;
  record.set_name(domain::IncidentName(incident.id()));
  record.set_kind(v1::ENTITY_KIND_INCIDENT);
  // Incidents carry their own region. Who opened it is in the record's updated_by (the committer's actor).
  record.mutable_scope()->set_safety_region(incident.safety_region());
  *record.mutable_incident() = std::move(incident);
  return record;
}

// The status after a level change from `previous` to `next`, by the order of the region's levels. A level the
// region no longer configures (the configuration changed since) cannot be ordered: the status stays.
v1::IncidentStatus StatusAfterLevelChange(const v1::Incident& previous, const v1::Incident& next,
                                          const domain::Region& region) {
  const std::optional<int> before = region.LevelIndex(previous.scale_up_level());
  const std::optional<int> after = region.LevelIndex(next.scale_up_level());
  if (!before.has_value() || !after.has_value() || *before == *after) return previous.status();
  return *after > *before ? v1::INCIDENT_STATUS_SCALED_UP : v1::INCIDENT_STATUS_SCALED_DOWN;
}

}  // namespace

absl::StatusOr<PlannedChange> PlanOpenIncident(const v1::OpenIncidentRequest& request, const PlanContext& context) {
  const std::string name = domain::IncidentName(request.incident().id());
  state::RecordPtr previous = context.lookup(name);
  if (previous != nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("incident \"", request.incident().id(), "\" already exists (status ",
                     v1::IncidentStatus_Name(previous->record.incident().status()), "); use UpdateIncident"));
  }
  if (absl::Status status =
          CheckOwnRegion(request.incident().safety_region(), "incident.safety_region", context.region);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckScaleUpLevel(request.incident(), context.region); !status.ok()) return status;
  if (absl::Status status = CheckAffectedOrganizations(request.incident(), context); !status.ok()) return status;
  v1::Incident incident = request.incident();
  SetComputedAffected(context, incident);
  incident.set_status(v1::INCIDENT_STATUS_OPEN);
  *incident.mutable_opened_at() = ToProtoTime(context.commit_time);
  incident.clear_closed_at();
  return Put(IncidentRecord(std::move(incident)), nullptr);
}

absl::StatusOr<PlannedChange> PlanUpdateIncident(const v1::UpdateIncidentRequest& request, const PlanContext& context) {
  const std::string name = domain::IncidentName(request.incident().id());
  state::RecordPtr previous = context.lookup(name);
  if (previous == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("incident \"", request.incident().id(), "\" does not exist; open it with OpenIncident"));
  }
  const v1::Incident& current = previous->record.incident();
  if (current.status() == v1::INCIDENT_STATUS_CLOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("incident \"", current.id(), "\" is INCIDENT_STATUS_CLOSED; a closed incident cannot be changed"));
  }
  if (absl::Status status = CheckExpectedRevision(ExpectedRevision(request), previous, name); !status.ok()) {
    return status;
  }
  if (absl::Status status =
          CheckOwnRegion(request.incident().safety_region(), "incident.safety_region", context.region);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckScaleUpLevel(request.incident(), context.region); !status.ok()) return status;
  if (absl::Status status = CheckAffectedOrganizations(request.incident(), context); !status.ok()) return status;

  v1::Incident incident = request.incident();
  SetComputedAffected(context, incident);
  *incident.mutable_opened_at() = current.opened_at();
  if (request.incident().status() == v1::INCIDENT_STATUS_CLOSED) {
    // Closing may come with final figures (casualties, level); they are kept as given.
    incident.set_status(v1::INCIDENT_STATUS_CLOSED);
    *incident.mutable_closed_at() = ToProtoTime(context.commit_time);
  } else {
    // Any other requested status is output only: the server derives it from the level.
    incident.set_status(StatusAfterLevelChange(current, incident, context.region));
    incident.clear_closed_at();
  }
  return Put(IncidentRecord(std::move(incident)), std::move(previous));
}

absl::StatusOr<PlannedChange> PlanAddSituationEntry(const v1::AddSituationEntryRequest& request,
                                                    const PlanContext& context) {
  const v1::SituationEntry& input = request.entry();
  const state::RecordPtr incident_record = context.lookup(domain::IncidentName(input.incident_id()));
  if (incident_record == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry.incident_id: incident \"", input.incident_id(), "\" does not exist"));
  }
  const v1::Incident& incident = incident_record->record.incident();
  if (incident.status() == v1::INCIDENT_STATUS_CLOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("incident \"", incident.id(), "\" is INCIDENT_STATUS_CLOSED; its situation log is final"));
  }
  v1::Record record;
  // The sequence is the entry's own revision, so names sort in commit order and never collide.
  record.set_name(domain::SituationEntryName(input.incident_id(), context.next_revision));
  record.set_kind(v1::ENTITY_KIND_SITUATION_ENTRY);
  record.mutable_scope()->set_safety_region(incident.safety_region());
  v1::SituationEntry& entry = *record.mutable_situation_entry();
  entry = input;
  entry.set_sequence(context.next_revision);
  *entry.mutable_commit_time() = ToProtoTime(context.commit_time);
  // A fresh name: there is nothing to replace (append-only).
  return Put(std::move(record), nullptr);
}

}  // namespace ketenbeeld::mutations
