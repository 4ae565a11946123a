// Planner of scenarios from the care risk profile (Zorgrisicoprofiel).
#include <utility>

#include "server/domain/names.h"
#include "server/mutations/mutations.h"

namespace ketenbeeld::mutations {

absl::StatusOr<PlannedChange> PlanPutScenario(const ketenbeeld::v1::PutScenarioRequest& request,
                                              const PlanContext& context) {
  const ketenbeeld::v1::Scenario& scenario = request.scenario();
  if (absl::Status status = CheckOwnRegion(scenario.safety_region(), "scenario.safety_region", context.region);
      !status.ok()) {
    return status;
  }
  ketenbeeld::v1::Record record;
  record.set_name(domain::ScenarioName(scenario.id()));
  state::RecordPtr previous = context.lookup(record.name());
  if (absl::Status status = CheckExpectedRevision(ExpectedRevision(request), previous, record.name()); !status.ok()) {
    return status;
  }
  record.set_kind(ketenbeeld::v1::ENTITY_KIND_SCENARIO);
  // A scenario belongs to no organisation: feeds select it by its region only.
  record.mutable_scope()->set_safety_region(scenario.safety_region());
  *record.mutable_scenario() = scenario;
  return Put(std::move(record), std::move(previous));
}

}  // namespace ketenbeeld::mutations
