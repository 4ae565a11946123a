// Planners of questionnaires (uitvraag): indicators defined and retired by the GHOR (indicator.proto).
//
// Lifecycle: DefineIndicator with a new id defines it; with the id of a defined indicator it replaces the definition
// (labels, choices, scope, cadence), but never its type: values already reported are of the old type, and an overview
// that mixed types would add temperatures to yes/no answers. RetireIndicator sets `retired` (final): the indicator
// takes no new values, and everything reported for it stays in the reports and in its overview.
//
// Overdue answers (PlanIndicatorDeadlines, from the tick): an indicator with a cadence expects each organisation it
// asks to answer at least once per cadence. Who has not is listed in the indicator's own record (`overdue`), one
// entry per organisation whose `due_at` is the newest due time passed; a due time is marked once because the next tick
// finds it in the record (also after a restart), and the follow-ups (mutations_followup.cc) notify and escalate each
// newly marked period in the same commit group.
//
// Why in the indicator's record rather than in the status report: an organisation that never answered (or never
// reported at all) has nothing to mark, and the GHOR's question "who has not answered" is one read.
//
// Cost: with no indicator that has a cadence (the usual case) a tick costs one walk over the "indicators/" names.
// With one, it scans the organisations and status reports once (as PlanReportDeadlines does) and rewrites only the
// indicators whose list changed.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/time.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/domain/filter.h"
#include "server/domain/indicator_validation.h"
#include "server/domain/names.h"
#include "server/mutations/mutations.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;

v1::Record IndicatorRecord(v1::Indicator indicator, const PlanContext& context) {
  v1::Record record;
  record.set_name(domain::IndicatorName(indicator.id()));
  record.set_kind(v1::ENTITY_KIND_INDICATOR);
  // An indicator belongs to no organisation: feeds select it by the region only.
  record.mutable_scope()->set_safety_region(context.region.safety_region());
  *record.mutable_indicator() = std::move(indicator);
  return record;
}

}  // namespace

absl::StatusOr<PlannedChange> PlanDefineIndicator(const v1::DefineIndicatorRequest& request,
                                                  const PlanContext& context) {
  const v1::Indicator& input = request.indicator();
  const std::string name = domain::IndicatorName(input.id());
  state::RecordPtr previous = context.lookup(name);
  if (absl::Status status = CheckExpectedRevision(ExpectedRevision(request), previous, name); !status.ok()) {
    return status;
  }
  if (previous != nullptr && previous->record.has_indicator()) {
    const v1::Indicator& current = previous->record.indicator();
    if (current.retired()) {
      return absl::FailedPreconditionError(absl::StrCat("indicator \"", input.id(),
                                                        "\" is retired; a retired indicator cannot be defined again "
                                                        "(define a new one with another id)"));
    }
    if (current.type() != input.type()) {
      return absl::FailedPreconditionError(
          absl::StrCat("indicator.type: indicator \"", input.id(), "\" is ", v1::IndicatorType_Name(current.type()),
                       " and its answers are of that type; retire it and define a new one with another id"));
    }
  }
  if (!input.incident_id().empty() && context.lookup(domain::IncidentName(input.incident_id())) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("indicator.incident_id: incident \"", input.incident_id(), "\" does not exist"));
  }
  // Named organisations must exist: an unknown id is a typo that would silently ask nobody.
  for (int i = 0; i < input.applies_to().organization_ids_size(); ++i) {
    const std::string& id = input.applies_to().organization_ids(i);
    if (context.lookup(domain::OrganizationName(id)) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("indicator.applies_to.organization_ids[", i, "]: organisation \"", id, "\" is not registered"));
    }
  }
  v1::Indicator indicator = input;
  indicator.clear_retired();
  indicator.clear_retired_at();
  indicator.clear_overdue();
  // Output only: the first definition's time stays, and the server's own overdue list with it (the tick brings it up
  // to a changed cadence or scope).
  if (previous != nullptr && previous->record.has_indicator()) {
    *indicator.mutable_asked_since() = previous->record.indicator().asked_since();
    *indicator.mutable_overdue() = previous->record.indicator().overdue();
  } else {
    *indicator.mutable_asked_since() = ToProtoTime(context.commit_time);
  }
  return Put(IndicatorRecord(std::move(indicator), context), std::move(previous));
}

absl::StatusOr<PlannedChange> PlanRetireIndicator(const v1::RetireIndicatorRequest& request,
                                                  const PlanContext& context) {
  state::RecordPtr previous = context.lookup(domain::IndicatorName(request.indicator_id()));
  if (previous == nullptr || !previous->record.has_indicator()) {
    return absl::NotFoundError(absl::StrCat("indicator \"", request.indicator_id(), "\" does not exist"));
  }
  v1::Indicator indicator = previous->record.indicator();
  if (indicator.retired()) {
    return absl::FailedPreconditionError(absl::StrCat("indicator \"", request.indicator_id(), "\" is retired already"));
  }
  indicator.set_retired(true);
  *indicator.mutable_retired_at() = ToProtoTime(context.commit_time);
  indicator.clear_overdue();  // A retired indicator takes no answers, so none is overdue.
  v1::Record record = IndicatorRecord(std::move(indicator), context);
  *record.mutable_scope() = previous->record.scope();
  return Put(std::move(record), std::move(previous));
}

namespace {

// An indicator the tick chases: not retired, with a cadence, and not tied to an incident that is closed (or gone).
bool Chased(const v1::Indicator& indicator, const PlanContext& context) {
  if (indicator.retired() || FromProtoDuration(indicator.cadence()) <= absl::ZeroDuration()) return false;
  if (indicator.incident_id().empty()) return true;
  const state::RecordPtr incident = context.lookup(domain::IncidentName(indicator.incident_id()));
  return incident != nullptr && incident->record.has_incident() &&
         incident->record.incident().status() != v1::INCIDENT_STATUS_CLOSED;
}

// When the indicator started asking: asked_since, or for an indicator defined before that field existed, the time of
// its last change.
absl::Time AskedSince(const v1::Record& record) {
  return FromProtoTime(record.indicator().has_asked_since() ? record.indicator().asked_since() : record.update_time());
}

}  // namespace

std::vector<PlannedChange> PlanIndicatorDeadlines(const PlanContext& context) {
  // The indicators of the picture planned in ("indicators/" or, in an exercise, "exercises/{id}/indicators/").
  const std::string prefix = domain::InExercise(ToStd(context.exercise_id), "indicators/");
  std::vector<state::RecordPtr> chased;
  for (const state::RecordPtr& scanned : context.picture.TakePrefix(prefix, prefix, 0).records) {
    // As the earlier writes of this group left it (redefined or retired).
    state::RecordPtr current = context.lookup(scanned->record.name());
    if (current != nullptr && current->record.has_indicator() && Chased(current->record.indicator(), context)) {
      chased.push_back(std::move(current));
    }
  }
  if (chased.empty()) return {};
  absl::flat_hash_set<std::string> chased_ids;
  for (const state::RecordPtr& record : chased) chased_ids.insert(record->record.indicator().id());

  v1::Filter filter;
  filter.add_kinds(v1::ENTITY_KIND_ORGANIZATION);
  filter.add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  filter.set_exercise_id(std::string(context.exercise_id));
  const state::Picture::Snapshot snapshot = context.picture.Take(domain::CompiledFilter(filter));
  // Per (organisation, indicator): its newest answer among all the organisation's reports.
  absl::flat_hash_map<std::pair<std::string, std::string>, absl::Time> newest;
  const auto take_answers = [&](const v1::StatusReport& report) {
    for (const v1::IndicatorValue& value : report.indicator_values()) {
      if (!value.has_reported_at() || !chased_ids.contains(value.indicator_id())) continue;
      const absl::Time at = FromProtoTime(value.reported_at());
      auto [it, inserted] = newest.try_emplace(std::make_pair(report.organization_id(), value.indicator_id()), at);
      if (!inserted && at > it->second) it->second = at;
    }
  };
  std::vector<const v1::Organization*> organizations;
  for (const state::RecordPtr& record : snapshot.records) {
    if (record->record.has_organization()) organizations.push_back(&record->record.organization());
    if (record->record.has_status_report()) take_answers(record->record.status_report());
  }
  // Reports written earlier in this group (not in the committed picture yet): an answer there is on time.
  for (const state::Change& change : context.earlier_changes) {
    if (change.record != nullptr && change.record->record.has_status_report()) {
      take_answers(change.record->record.status_report());
    }
  }

  std::vector<PlannedChange> changes;
  for (state::RecordPtr& current : chased) {
    const v1::Indicator& indicator = current->record.indicator();
    const absl::Duration cadence = FromProtoDuration(indicator.cadence());
    const absl::Time asked_since = AskedSince(current->record);
    absl::flat_hash_map<absl::string_view, const v1::IndicatorOverdue*> marked;
    for (const v1::IndicatorOverdue& entry : indicator.overdue()) marked[entry.organization_id()] = &entry;
    v1::Indicator updated = indicator;
    updated.clear_overdue();
    // Organisations in name order ("organizations/{id}"), so the list is sorted by id.
    for (const v1::Organization* organization : organizations) {
      if (!domain::IndicatorAppliesTo(indicator, *organization)) continue;
      const auto answer = newest.find(std::make_pair(organization->id(), indicator.id()));
      const absl::Time base = answer != newest.end() ? answer->second : asked_since;
      if (context.commit_time < base + cadence) continue;  // On time: an entry from before is dropped.
      // The newest due time passed: base + k cadences, k >= 1. A server down for several periods marks only that one.
      absl::Duration remainder;
      const int64_t periods = absl::IDivDuration(context.commit_time - base, cadence, &remainder);
      const absl::Time due = base + periods * cadence;
      const auto earlier = marked.find(organization->id());
      if (earlier != marked.end() && FromProtoTime(earlier->second->due_at()) >= due) {
        *updated.add_overdue() = *earlier->second;  // This period is marked already.
        continue;
      }
      v1::IndicatorOverdue& entry = *updated.add_overdue();
      entry.set_organization_id(organization->id());
      *entry.mutable_due_at() = ToProtoTime(due);
      *entry.mutable_overdue_since() = ToProtoTime(base + cadence);
      entry.set_periods_missed(static_cast<int32_t>(std::min<int64_t>(periods, std::numeric_limits<int32_t>::max())));
    }
    if (google::protobuf::util::MessageDifferencer::Equals(updated, indicator)) continue;
    v1::Record record;
    record.set_name(current->record.name());
    record.set_kind(current->record.kind());
    *record.mutable_scope() = current->record.scope();
    *record.mutable_indicator() = std::move(updated);
    changes.push_back(Put(std::move(record), std::move(current)));
  }
  return changes;
}

}  // namespace ketenbeeld::mutations
