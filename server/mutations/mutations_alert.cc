// Planners of alerts, acknowledgements and the "deadline passed" fact.
//
// Lifecycle: SendAlert with a new id sends version 1 (ACTIVE); with the id of an ACTIVE alert it updates it
// (version + 1, sent_at kept); with status CANCELLED it cancels it (version + 1, content kept). A CANCELLED alert is
// final. Time rules, all against the commit time `now`:
//   - a deadline (acknowledge_by) given when sending or changing it must lie after `now`;
//   - an acknowledgement at or after the deadline is late ("acknowledge before this time");
//   - the first tick at or after the deadline commits DeadlinePassed into the alert, once: the tick only acts on
//     active alerts without it, and the fact is part of the durable record, so neither a second tick nor a restart
//     repeats it. It is committed also when everyone acknowledged (then with an empty list), so "the deadline passed"
//     is always in the log.
//   - an update that keeps the deadline keeps the fact; one that changes or removes the deadline drops it, and the
//     new deadline gets its own fact when it passes (the earlier fact stays in the history).
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "server/domain/filter.h"
#include "server/domain/geo.h"
#include "server/domain/names.h"
#include "server/mutations/mutations.h"
#include "server/queries/audience.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;
using google::protobuf::util::TimeUtil;

// Times are kept in microseconds, as the committer stores update_time: comparing truncated times makes every rule
// reproducible from the stored values (acknowledged_at >= acknowledge_by <=> late).
absl::Time Now(const PlanContext& context) { return absl::FromUnixMicros(absl::ToUnixMicros(context.commit_time)); }

std::string Rfc3339(absl::Time time) { return absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone()); }

bool SameTime(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return a.seconds() == b.seconds() && a.nanos() == b.nanos();
}

// Whether the deadline of an active alert has passed at `now`.
bool DeadlinePassedAt(const v1::Alert& alert, absl::Time now) {
  return alert.has_acknowledge_by() && FromProtoTime(alert.acknowledge_by()) <= now;
}

v1::Record AlertRecord(v1::Alert alert) {
  v1::Record record;
  record.set_name(domain::AlertName(alert.id()));
  record.set_kind(v1::ENTITY_KIND_ALERT);
  // Alerts carry the first region of their audience, so a feed filtered on a region sees the alerts meant for it.
  if (alert.audience().safety_regions_size() > 0) {
    record.mutable_scope()->set_safety_region(alert.audience().safety_regions(0));
  }
  *record.mutable_alert() = std::move(alert);
  return record;
}

absl::Status CheckReferences(const v1::Alert& alert, const PlanContext& context) {
  if (!alert.incident_id().empty() && context.lookup(domain::IncidentName(alert.incident_id())) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("alert.incident_id: incident \"", alert.incident_id(), "\" does not exist"));
  }
  // The indicators asked for must take answers: a retired or unknown one could never be answered.
  for (int i = 0; i < alert.indicator_ids_size(); ++i) {
    const std::string& id = alert.indicator_ids(i);
    const state::RecordPtr indicator = context.lookup(domain::IndicatorName(id));
    if (indicator == nullptr || !indicator->record.has_indicator()) {
      return absl::InvalidArgumentError(
          absl::StrCat("alert.indicator_ids[", i, "]: indicator \"", id, "\" is not defined"));
    }
    if (indicator->record.indicator().retired()) {
      return absl::InvalidArgumentError(
          absl::StrCat("alert.indicator_ids[", i, "]: indicator \"", id, "\" is retired and takes no answers"));
    }
  }
  // Named recipients must exist: an unknown id is a typo that would silently shrink the audience.
  for (int i = 0; i < alert.audience().organization_ids_size(); ++i) {
    const std::string& id = alert.audience().organization_ids(i);
    if (context.lookup(domain::OrganizationName(id)) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("alert.audience.organization_ids[", i, "]: organisation \"", id, "\" is not registered"));
    }
  }
  return absl::OkStatus();
}

// "Everyone in the incident area": fixes the incident's affected organisations (hand-named and computed) into the
// version being sent, so its audience does not move under the recipients afterwards. CheckReferences found the
// incident; the output-only list from the caller is replaced either way.
void ResolveIncidentArea(const PlanContext& context, v1::Alert& alert) {
  v1::Audience& audience = *alert.mutable_audience();
  audience.clear_incident_area_organization_ids();
  if (!audience.incident_area()) return;
  const state::RecordPtr incident = context.lookup(domain::IncidentName(alert.incident_id()));
  if (incident == nullptr || !incident->record.has_incident()) return;
  for (std::string& id : domain::AffectedOrganizationIds(incident->record.incident())) {
    audience.add_incident_area_organization_ids(std::move(id));
  }
}

// The alert's own area: fixes the organisations with a site inside it (as the earlier writes of the group left the
// registry) into the version being sent, as ResolveIncidentArea does for the incident's. The caller's output-only
// list is replaced either way.
void ResolveOwnArea(const PlanContext& context, v1::Alert& alert) {
  v1::Audience& audience = *alert.mutable_audience();
  audience.clear_area_organization_ids();
  if (!audience.has_area()) return;
  for (std::string& id : OrganizationsInArea(audience.area(), context)) {
    audience.add_area_organization_ids(std::move(id));
  }
}

absl::StatusOr<PlannedChange> PlanCancelAlert(const v1::SendAlertRequest& request, state::RecordPtr previous) {
  if (previous == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("alert \"", request.alert().id(), "\" does not exist; there is nothing to cancel"));
  }
  // A cancel keeps the content of the version it cancels: recipients see what was cancelled.
  v1::Alert alert = previous->record.alert();
  alert.set_status(v1::ALERT_STATUS_CANCELLED);
  alert.set_version(alert.version() + 1);
  v1::Record record = AlertRecord(std::move(alert));
  *record.mutable_scope() = previous->record.scope();
  return Put(std::move(record), std::move(previous));
}

}  // namespace

absl::StatusOr<PlannedChange> PlanSendAlert(const v1::SendAlertRequest& request, const PlanContext& context) {
  const v1::Alert& input = request.alert();
  const std::string name = domain::AlertName(input.id());
  state::RecordPtr previous = context.lookup(name);
  const v1::Alert* current = previous != nullptr ? &previous->record.alert() : nullptr;
  if (current != nullptr && current->status() == v1::ALERT_STATUS_CANCELLED) {
    return absl::FailedPreconditionError(absl::StrCat("alert \"", input.id(), "\" is ALERT_STATUS_CANCELLED (version ",
                                                      current->version(), "); a cancelled alert cannot be changed"));
  }
  if (absl::Status status = CheckExpectedRevision(ExpectedRevision(request), previous, name); !status.ok()) {
    return status;
  }
  if (input.status() == v1::ALERT_STATUS_CANCELLED) return PlanCancelAlert(request, std::move(previous));

  if (absl::Status status = CheckReferences(input, context); !status.ok()) return status;
  const absl::Time now = Now(context);
  const bool deadline_kept = current != nullptr && current->has_acknowledge_by() && input.has_acknowledge_by() &&
                             SameTime(current->acknowledge_by(), input.acknowledge_by());
  // An update may keep a deadline that has passed (to correct the text, say); a new or changed one must be ahead.
  if (input.has_acknowledge_by() && !deadline_kept && FromProtoTime(input.acknowledge_by()) <= now) {
    return absl::InvalidArgumentError(absl::StrCat("alert.acknowledge_by: must be after the commit time ", Rfc3339(now),
                                                   ", got ", Rfc3339(FromProtoTime(input.acknowledge_by()))));
  }

  v1::Alert alert = input;
  ResolveIncidentArea(context, alert);
  ResolveOwnArea(context, alert);
  alert.set_status(v1::ALERT_STATUS_ACTIVE);
  alert.set_version(current != nullptr ? current->version() + 1 : 1);
  *alert.mutable_sent_at() = current != nullptr ? current->sent_at() : ToProtoTime(now);
  if (deadline_kept && current->has_deadline_passed()) {
    *alert.mutable_deadline_passed() = current->deadline_passed();
  } else {
    alert.clear_deadline_passed();
  }
  return Put(AlertRecord(std::move(alert)), std::move(previous));
}

absl::StatusOr<PlannedChange> PlanAcknowledgeAlert(const v1::AcknowledgeAlertRequest& request,
                                                   const PlanContext& context) {
  const state::RecordPtr alert_record = context.lookup(domain::AlertName(request.alert_id()));
  if (alert_record == nullptr) {
    return absl::NotFoundError(absl::StrCat("alert \"", request.alert_id(), "\" does not exist"));
  }
  const v1::Alert& alert = alert_record->record.alert();
  if (alert.status() != v1::ALERT_STATUS_ACTIVE) {
    return absl::FailedPreconditionError(absl::StrCat("alert \"", alert.id(), "\" is ",
                                                      v1::AlertStatus_Name(alert.status()),
                                                      "; only an active alert can be acknowledged"));
  }
  const state::RecordPtr organization = context.lookup(domain::OrganizationName(request.organization_id()));
  if (organization == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("organization_id: organisation \"", request.organization_id(), "\" is not registered"));
  }
  if (!queries::InAudience(alert.audience(), organization->record.organization())) {
    return absl::FailedPreconditionError(absl::StrCat("organisation \"", request.organization_id(),
                                                      "\" is not in the audience of alert \"", alert.id(), "\""));
  }

  v1::Record record;
  record.set_name(domain::AcknowledgementName(alert.id(), request.organization_id()));
  state::RecordPtr previous = context.lookup(record.name());
  record.set_kind(v1::ENTITY_KIND_ACKNOWLEDGEMENT);
  *record.mutable_scope() = OrganizationScope(organization);
  v1::Acknowledgement& acknowledgement = *record.mutable_acknowledgement();
  acknowledgement.set_alert_id(alert.id());
  acknowledgement.set_organization_id(request.organization_id());
  acknowledgement.set_comment(request.comment());
  acknowledgement.set_alert_version(alert.version());
  if (previous != nullptr && previous->record.acknowledgement().alert_version() == alert.version()) {
    // Acknowledging the same version again only updates the comment: the moment it was first acknowledged (and so
    // whether that was late) stays, so repeating an on-time acknowledgement after the deadline does not make it late.
    acknowledgement.set_late(previous->record.acknowledgement().late());
    *acknowledgement.mutable_acknowledged_at() = previous->record.acknowledgement().acknowledged_at();
  } else {
    const absl::Time now = Now(context);
    acknowledgement.set_late(DeadlinePassedAt(alert, now));
    *acknowledgement.mutable_acknowledged_at() = ToProtoTime(now);
  }
  return Put(std::move(record), std::move(previous));
}

std::vector<PlannedChange> PlanAlertDeadlines(const PlanContext& context) {
  v1::Filter filter;
  filter.add_kinds(v1::ENTITY_KIND_ALERT);
  filter.set_exercise_id(std::string(context.exercise_id));  // The alerts of the picture planned in.
  const absl::Time now = Now(context);
  std::vector<PlannedChange> changes;
  for (const state::RecordPtr& committed : context.picture.Take(domain::CompiledFilter(filter)).records) {
    // Decide on the alert as the earlier writes of this group left it (updated, cancelled, or already marked by a
    // tick queued before this one).
    state::RecordPtr current = context.lookup(committed->record.name());
    if (current == nullptr || !current->record.has_alert()) continue;
    const v1::Alert& alert = current->record.alert();
    if (alert.status() != v1::ALERT_STATUS_ACTIVE || alert.has_deadline_passed() || !DeadlinePassedAt(alert, now)) {
      continue;
    }
    v1::Record record = current->record;
    v1::DeadlinePassed& passed = *record.mutable_alert()->mutable_deadline_passed();
    *passed.mutable_passed_at() = ToProtoTime(now);
    const std::vector<std::string> audience = queries::AudienceOf(alert.audience(), context.picture);
    for (const std::string& organization_id : audience) {
      if (context.lookup(domain::AcknowledgementName(alert.id(), organization_id)) == nullptr) {
        passed.add_unacknowledged_organization_ids(organization_id);
      }
    }
    passed.set_audience_size(static_cast<int32_t>(audience.size()));
    // The version stays: this is the server's fact about the alert, not a new version from the sender.
    changes.push_back(Put(std::move(record), std::move(current)));
  }
  return changes;
}

}  // namespace ketenbeeld::mutations
