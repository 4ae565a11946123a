// Planners of questionnaires (uitvraag): indicators defined and retired by the GHOR (indicator.proto).
//
// Lifecycle: DefineIndicator with a new id defines it; with the id of a defined indicator it replaces the definition
// (labels, choices, scope, cadence), but never its type: values already reported are of the old type, and an overview
// that mixed types would add temperatures to yes/no answers. RetireIndicator sets `retired` (final): the indicator
// takes no new values, and everything reported for it stays in the reports and in its overview.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/time.h"
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
  v1::Record record = IndicatorRecord(std::move(indicator), context);
  *record.mutable_scope() = previous->record.scope();
  return Put(std::move(record), std::move(previous));
}

}  // namespace ketenbeeld::mutations
