#include "server/mutations/mutations.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/domain/assistance_validation.h"
#include "server/domain/exercise_validation.h"
#include "server/domain/federation_validation.h"
#include "server/domain/incident_validation.h"
#include "server/domain/indicator_validation.h"
#include "server/domain/reservation_validation.h"
#include "server/domain/status_update.h"
#include "server/domain/validation.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;

// One overload per request type: the compiler checks that every alternative of WriteRequest::body has a validator
// and a planner.
struct Validator {
  absl::Status operator()(const v1::RegisterOrganizationRequest& r) const {
    if (absl::Status status = domain::ValidateOrganization(r.organization(), "organization"); !status.ok()) {
      return status;
    }
    return CheckExpected(r);
  }
  absl::Status operator()(const v1::ReportStatusRequest& r) const {
    if (absl::Status status = domain::ValidateReportStatusRequest(r); !status.ok()) return status;
    return CheckExpected(r);
  }
  absl::Status operator()(const v1::OpenIncidentRequest& r) const { return domain::ValidateOpenIncidentRequest(r); }
  absl::Status operator()(const v1::UpdateIncidentRequest& r) const {
    if (absl::Status status = domain::ValidateUpdateIncidentRequest(r); !status.ok()) return status;
    return CheckExpected(r);
  }
  absl::Status operator()(const v1::AddSituationEntryRequest& r) const {
    return domain::ValidateAddSituationEntryRequest(r);
  }
  absl::Status operator()(const v1::SendAlertRequest& r) const {
    if (absl::Status status = domain::ValidateSendAlertRequest(r); !status.ok()) return status;
    return CheckExpected(r);
  }
  absl::Status operator()(const v1::AcknowledgeAlertRequest& r) const {
    return domain::ValidateAcknowledgeAlertRequest(r);
  }
  absl::Status operator()(const v1::RequestAssistanceRequest& r) const {
    return domain::ValidateRequestAssistanceRequest(r);
  }
  absl::Status operator()(const v1::OfferAssistanceRequest& r) const {
    return domain::ValidateOfferAssistanceRequest(r);
  }
  absl::Status operator()(const v1::AcceptOfferRequest& r) const { return domain::ValidateAcceptOfferRequest(r); }
  absl::Status operator()(const v1::FulfillRequestRequest& r) const { return domain::ValidateFulfillRequestRequest(r); }
  absl::Status operator()(const v1::CancelRequestRequest& r) const { return domain::ValidateCancelRequestRequest(r); }
  absl::Status operator()(const v1::PutScenarioRequest& r) const {
    if (absl::Status status = domain::ValidatePutScenarioRequest(r); !status.ok()) return status;
    return CheckExpected(r);
  }
  absl::Status operator()(const v1::DefineIndicatorRequest& r) const {
    if (absl::Status status = domain::ValidateDefineIndicatorRequest(r); !status.ok()) return status;
    return CheckExpected(r);
  }
  absl::Status operator()(const v1::RetireIndicatorRequest& r) const {
    return domain::ValidateRetireIndicatorRequest(r);
  }
  absl::Status operator()(const v1::StartExerciseRequest& r) const { return domain::ValidateStartExerciseRequest(r); }
  absl::Status operator()(const v1::EndExerciseRequest& r) const { return domain::ValidateEndExerciseRequest(r); }
  absl::Status operator()(const v1::PurgeExerciseRequest& r) const { return domain::ValidatePurgeExerciseRequest(r); }
  absl::Status operator()(const v1::CloseEscalationTaskRequest& r) const {
    return domain::ValidateCloseEscalationTaskRequest(r);
  }
  absl::Status operator()(const v1::ReserveBedRequest& r) const { return domain::ValidateReserveBedRequest(r); }
  absl::Status operator()(const v1::ConfirmReservationRequest& r) const {
    return domain::ValidateConfirmReservationRequest(r);
  }
  absl::Status operator()(const v1::ReleaseReservationRequest& r) const {
    return domain::ValidateReleaseReservationRequest(r);
  }
  absl::Status operator()(const v1::ApplyUpstreamRequest& r) const { return domain::ValidateApplyUpstreamRequest(r); }
  absl::Status operator()(const SystemTick&) const { return absl::OkStatus(); }
  absl::Status operator()(const UpstreamConflictReport& r) const {
    if (r.source_region.size() != 4 || r.conflict.organization_id().empty()) {
      return absl::InvalidArgumentError("source_region: a conflict names its source region and organisation");
    }
    return absl::OkStatus();
  }
  absl::Status operator()(const DeliveryOutcome& r) const {
    if (r.attempt.number < 1) {
      return absl::InvalidArgumentError(absl::StrCat("attempt.number: must be >= 1, got ", r.attempt.number));
    }
    return domain::ValidateId(r.notification_id, "notification_id");
  }

  template <typename Request>
  static absl::Status CheckExpected(const Request& request) {
    if (request.expected_revision() >= 0) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("expected_revision: must be >= 0, got ", request.expected_revision()));
  }
};

// Wraps the single-change planners.
absl::StatusOr<std::vector<PlannedChange>> OneChange(absl::StatusOr<PlannedChange> change) {
  if (!change.ok()) return change.status();
  std::vector<PlannedChange> changes;
  changes.push_back(*std::move(change));
  return changes;
}

// A plan of these changes (none is "nothing to do", not "already done").
absl::StatusOr<WritePlan> Changes(absl::StatusOr<std::vector<PlannedChange>> changes) {
  if (!changes.ok()) return changes.status();
  return WritePlan{.changes = *std::move(changes), .already_done = nullptr};
}

absl::StatusOr<WritePlan> One(absl::StatusOr<PlannedChange> change) { return Changes(OneChange(std::move(change))); }

struct Planner {
  const PlanContext& context;

  // A workflow write, in the mode and exercise it names (PlanInExercise).
  template <typename Request, typename Plan>
  absl::StatusOr<WritePlan> InMode(Request&& r, Plan plan) const {
    const std::string exercise_id = r.exercise_id();  // `r` may be moved into its record.
    const v1::Mode mode = r.mode();
    return Changes(PlanInExercise(mode, exercise_id, context, [&](const PlanContext& view) {
      return OneChange(plan(std::forward<Request>(r), view));
    }));
  }

  auto operator()(const v1::RegisterOrganizationRequest& r) const { return One(PlanRegisterOrganization(r, context)); }
  auto operator()(v1::ReportStatusRequest&& r) const {
    return InMode(std::move(r),
                  [](v1::ReportStatusRequest&& q, const PlanContext& c) { return PlanReportStatus(std::move(q), c); });
  }
  auto operator()(const v1::OpenIncidentRequest& r) const { return InMode(r, PlanOpenIncident); }
  auto operator()(const v1::UpdateIncidentRequest& r) const { return InMode(r, PlanUpdateIncident); }
  auto operator()(const v1::AddSituationEntryRequest& r) const { return InMode(r, PlanAddSituationEntry); }
  auto operator()(const v1::SendAlertRequest& r) const { return InMode(r, PlanSendAlert); }
  auto operator()(const v1::AcknowledgeAlertRequest& r) const { return InMode(r, PlanAcknowledgeAlert); }
  auto operator()(const v1::RequestAssistanceRequest& r) const { return InMode(r, PlanRequestAssistance); }
  auto operator()(const v1::OfferAssistanceRequest& r) const { return InMode(r, PlanOfferAssistance); }
  auto operator()(const v1::AcceptOfferRequest& r) const { return InMode(r, PlanAcceptOffer); }
  auto operator()(const v1::FulfillRequestRequest& r) const { return InMode(r, PlanFulfillRequest); }
  auto operator()(const v1::CancelRequestRequest& r) const { return InMode(r, PlanCancelRequest); }
  auto operator()(const v1::PutScenarioRequest& r) const { return InMode(r, PlanPutScenario); }
  auto operator()(const v1::DefineIndicatorRequest& r) const { return InMode(r, PlanDefineIndicator); }
  auto operator()(const v1::RetireIndicatorRequest& r) const { return InMode(r, PlanRetireIndicator); }
  auto operator()(const v1::StartExerciseRequest& r) const { return One(PlanStartExercise(r, context)); }
  auto operator()(const v1::EndExerciseRequest& r) const { return One(PlanEndExercise(r, context)); }
  auto operator()(const v1::PurgeExerciseRequest& r) const { return Changes(PlanPurgeExercise(r, context)); }
  auto operator()(const v1::CloseEscalationTaskRequest& r) const { return One(PlanCloseEscalationTask(r, context)); }
  auto operator()(const DeliveryOutcome& r) const { return One(PlanDeliveryOutcome(r, context)); }
  // Reservations are of the real picture only: the capacity reports they reduce are real-only too. A retried
  // ReserveBed (its request_id) is already done.
  auto operator()(const v1::ReserveBedRequest& r) const { return PlanReserveBed(r, context); }
  auto operator()(const v1::ConfirmReservationRequest& r) const { return One(PlanConfirmReservation(r, context)); }
  auto operator()(const v1::ReleaseReservationRequest& r) const { return One(PlanReleaseReservation(r, context)); }
  auto operator()(const v1::ApplyUpstreamRequest& r) const { return Changes(PlanApplyUpstream(r, context)); }
  auto operator()(const UpstreamConflictReport& r) const { return Changes(PlanUpstreamConflict(r, context)); }
  absl::StatusOr<WritePlan> operator()(const SystemTick&) const {
    std::vector<PlannedChange> changes = PlanAlertDeadlines(context);
    std::vector<PlannedChange> overdue = PlanReportDeadlines(context);
    for (PlannedChange& change : overdue) changes.push_back(std::move(change));
    for (PlannedChange& change : PlanIndicatorDeadlines(context)) changes.push_back(std::move(change));
    std::vector<PlannedChange> exercises = PlanExerciseTicks(context);
    for (PlannedChange& change : exercises) changes.push_back(std::move(change));
    std::vector<PlannedChange> expired = PlanReservationExpiry(context);
    for (PlannedChange& change : expired) changes.push_back(std::move(change));
    // A federated record is its source region's (docs/federation.md): the region commits its own facts (overdue,
    // deadlines, expiry) and they arrive through ApplyUpstream.
    std::erase_if(changes, [](const PlannedChange& change) {
      return change.previous != nullptr && change.previous->record.has_provenance();
    });
    return Changes(std::move(changes));
  }
};

// The mode and exercise of a workflow write (domain::ValidateWriteMode); other writes carry none.
struct ModeValidator {
  template <typename Request>
  absl::Status operator()(const Request& r) const {
    if constexpr (requires {
                    r.exercise_id();
                    r.mode();
                  }) {
      return domain::ValidateWriteMode(r.mode(), r.exercise_id());
    } else {
      return absl::OkStatus();
    }
  }
};

}  // namespace

absl::Status ValidateWrite(const WriteRequest& request) {
  if (absl::Status status = std::visit(ModeValidator{}, request.body); !status.ok()) return status;
  return std::visit(Validator{}, request.body);
}

absl::StatusOr<WritePlan> PlanWrite(WriteRequest::Body&& body, const PlanContext& context) {
  // A source region's events are applied as they are: the region derived (and delivers) its own follow-ups.
  const bool federated =
      std::holds_alternative<v1::ApplyUpstreamRequest>(body) || std::holds_alternative<UpstreamConflictReport>(body);
  absl::StatusOr<WritePlan> plan = std::visit(Planner{context}, std::move(body));
  if (!plan.ok() || plan->changes.empty() || federated) return plan;
  std::vector<PlannedChange> follow_ups = PlanFollowUps(plan->changes, context);
  for (PlannedChange& change : follow_ups) {
    change.follow_up = true;
    plan->changes.push_back(std::move(change));
  }
  return plan;
}

absl::Status CheckExpectedRevision(std::optional<int64_t> expected, const state::RecordPtr& current,
                                   absl::string_view name) {
  if (!expected.has_value()) return absl::OkStatus();
  const int64_t actual = current == nullptr ? 0 : current->record.mod_revision();
  if (*expected == actual) return absl::OkStatus();
  if (actual == 0) {
    return absl::AbortedError(
        absl::StrCat("expected_revision: ", name, " does not exist, expected it at revision ", *expected));
  }
  return absl::AbortedError(absl::StrCat("expected_revision: ", name, " is at revision ", actual, ", expected ",
                                         *expected == 0 ? "it not to exist" : absl::StrCat(*expected)));
}

absl::Status CheckOwnRegion(absl::string_view safety_region, absl::string_view field, const domain::Region& region) {
  if (safety_region == region.safety_region()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": \"", safety_region,
                                                 "\" is not this server's safety region (", region.safety_region(),
                                                 "); every safety region has its own Ketenbeeld server"));
}

PlannedChange Put(ketenbeeld::v1::Record record, state::RecordPtr previous) {
  PlannedChange change;
  change.type = ketenbeeld::v1::EVENT_TYPE_PUT;
  change.record = std::move(record);
  change.previous = std::move(previous);
  return change;
}

ketenbeeld::v1::Scope OrganizationScope(const state::RecordPtr& organization) {
  if (organization == nullptr) return {};
  return organization->record.scope();
}

}  // namespace ketenbeeld::mutations
