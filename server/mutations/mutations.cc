#include "server/mutations/mutations.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/domain/assistance_validation.h"
#include "server/domain/incident_validation.h"
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
  absl::Status operator()(const v1::CloseEscalationTaskRequest& r) const {
    return domain::ValidateCloseEscalationTaskRequest(r);
  }
  absl::Status operator()(const SystemTick&) const { return absl::OkStatus(); }
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
absl::StatusOr<std::vector<PlannedChange>> One(absl::StatusOr<PlannedChange> change) {
  if (!change.ok()) return change.status();
  std::vector<PlannedChange> changes;
  changes.push_back(*std::move(change));
  return changes;
}

struct Planner {
  const PlanContext& context;

  auto operator()(const v1::RegisterOrganizationRequest& r) const { return One(PlanRegisterOrganization(r, context)); }
  auto operator()(v1::ReportStatusRequest&& r) const { return One(PlanReportStatus(std::move(r), context)); }
  auto operator()(const v1::OpenIncidentRequest& r) const { return One(PlanOpenIncident(r, context)); }
  auto operator()(const v1::UpdateIncidentRequest& r) const { return One(PlanUpdateIncident(r, context)); }
  auto operator()(const v1::AddSituationEntryRequest& r) const { return One(PlanAddSituationEntry(r, context)); }
  auto operator()(const v1::SendAlertRequest& r) const { return One(PlanSendAlert(r, context)); }
  auto operator()(const v1::AcknowledgeAlertRequest& r) const { return One(PlanAcknowledgeAlert(r, context)); }
  auto operator()(const v1::RequestAssistanceRequest& r) const { return One(PlanRequestAssistance(r, context)); }
  auto operator()(const v1::OfferAssistanceRequest& r) const { return One(PlanOfferAssistance(r, context)); }
  auto operator()(const v1::AcceptOfferRequest& r) const { return One(PlanAcceptOffer(r, context)); }
  auto operator()(const v1::FulfillRequestRequest& r) const { return One(PlanFulfillRequest(r, context)); }
  auto operator()(const v1::CancelRequestRequest& r) const { return One(PlanCancelRequest(r, context)); }
  auto operator()(const v1::PutScenarioRequest& r) const { return One(PlanPutScenario(r, context)); }
  auto operator()(const v1::CloseEscalationTaskRequest& r) const { return One(PlanCloseEscalationTask(r, context)); }
  auto operator()(const DeliveryOutcome& r) const { return One(PlanDeliveryOutcome(r, context)); }
  absl::StatusOr<std::vector<PlannedChange>> operator()(const SystemTick&) const {
    std::vector<PlannedChange> changes = PlanAlertDeadlines(context);
    std::vector<PlannedChange> overdue = PlanReportDeadlines(context);
    for (PlannedChange& change : overdue) changes.push_back(std::move(change));
    return changes;
  }
};

}  // namespace

absl::Status ValidateWrite(const WriteRequest& request) { return std::visit(Validator{}, request.body); }

absl::StatusOr<std::vector<PlannedChange>> PlanWrite(WriteRequest::Body&& body, const PlanContext& context) {
  absl::StatusOr<std::vector<PlannedChange>> changes = std::visit(Planner{context}, std::move(body));
  if (!changes.ok() || changes->empty()) return changes;
  std::vector<PlannedChange> follow_ups = PlanFollowUps(*changes, context);
  for (PlannedChange& change : follow_ups) {
    change.follow_up = true;
    changes->push_back(std::move(change));
  }
  return changes;
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
