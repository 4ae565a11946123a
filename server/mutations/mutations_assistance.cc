// Planners of assistance requests (hulpvraag) and offers. The lifecycle (assistance.proto):
//   OPEN -> OFFERED (first offer) -> ACCEPTED (an offer accepted) -> FULFILLED
//   OPEN / OFFERED / ACCEPTED -> CANCELLED
// FULFILLED and CANCELLED are final; every other transition is FAILED_PRECONDITION naming the current state.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "server/domain/assistance_validation.h"
#include "server/domain/field_checks.h"
#include "server/domain/names.h"
#include "server/mutations/mutations.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;

using domain::checks::EnumName;
using domain::checks::Quote;

std::string StatusName(v1::AssistanceStatus status) { return EnumName<v1::AssistanceStatus>(status); }

// The request a lifecycle RPC acts on. NOT_FOUND naming `field` when it does not exist.
absl::StatusOr<state::RecordPtr> FindRequest(const std::string& request_id, absl::string_view field,
                                             const PlanContext& context) {
  state::RecordPtr record = context.lookup(domain::AssistanceRequestName(request_id));
  if (record == nullptr || !record->record.has_assistance_request()) {
    return absl::NotFoundError(absl::StrCat(field, ": assistance request ", Quote(request_id), " does not exist"));
  }
  return record;
}

// FAILED_PRECONDITION for a transition the current state does not allow.
absl::Status IllegalTransition(const v1::AssistanceRequest& request, absl::string_view action,
                               absl::string_view allowed) {
  return absl::FailedPreconditionError(absl::StrCat("assistance request ", Quote(request.id()), " is ",
                                                    StatusName(request.status()), ": cannot ", action, " (only when ",
                                                    allowed, ")"));
}

// INVALID_ARGUMENT naming `field` when the organisation is not registered; its record otherwise.
absl::StatusOr<state::RecordPtr> RegisteredOrganization(const std::string& organization_id, absl::string_view field,
                                                        const PlanContext& context) {
  state::RecordPtr organization = context.lookup(domain::OrganizationName(organization_id));
  if (organization == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": organisation ", Quote(organization_id), " is not registered; register it first"));
  }
  return organization;
}

// The request record with a changed entity; name, kind and scope carry over.
PlannedChange Replace(const state::RecordPtr& current, v1::AssistanceRequest request) {
  v1::Record record;
  record.set_name(current->record.name());
  record.set_kind(v1::ENTITY_KIND_ASSISTANCE_REQUEST);
  *record.mutable_scope() = current->record.scope();
  *record.mutable_assistance_request() = std::move(request);
  return Put(std::move(record), current);
}

}  // namespace

absl::StatusOr<PlannedChange> PlanRequestAssistance(const v1::RequestAssistanceRequest& request,
                                                    const PlanContext& context) {
  v1::AssistanceRequest assistance = request.request();
  const std::string name = domain::AssistanceRequestName(assistance.id());
  state::RecordPtr previous = context.lookup(name);
  if (previous != nullptr) {
    // Requests change only through the lifecycle RPCs, so a second RequestAssistance with the same id is a conflict,
    // not a replacement.
    return absl::FailedPreconditionError(
        absl::StrCat("request.id: assistance request ", Quote(assistance.id()), " already exists"));
  }
  absl::StatusOr<state::RecordPtr> requester =
      RegisteredOrganization(assistance.organization_id(), "request.organization_id", context);
  if (!requester.ok()) return requester.status();
  if (!assistance.incident_id().empty() && context.lookup(domain::IncidentName(assistance.incident_id())) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("request.incident_id: incident ", Quote(assistance.incident_id()), " does not exist"));
  }
  // Output-only fields are the server's.
  assistance.set_status(v1::ASSISTANCE_STATUS_OPEN);
  assistance.clear_offers();
  *assistance.mutable_requested_at() = ToProtoTime(context.commit_time);

  v1::Record record;
  record.set_name(name);
  record.set_kind(v1::ENTITY_KIND_ASSISTANCE_REQUEST);
  *record.mutable_scope() = OrganizationScope(*requester);
  *record.mutable_assistance_request() = std::move(assistance);
  return Put(std::move(record), nullptr);
}

absl::StatusOr<PlannedChange> PlanOfferAssistance(const v1::OfferAssistanceRequest& request,
                                                  const PlanContext& context) {
  absl::StatusOr<state::RecordPtr> current = FindRequest(request.request_id(), "request_id", context);
  if (!current.ok()) return current.status();
  v1::AssistanceRequest assistance = (*current)->record.assistance_request();
  const std::string& offerer = request.offer().organization_id();
  if (absl::StatusOr<state::RecordPtr> organization = RegisteredOrganization(offerer, "offer.organization_id", context);
      !organization.ok()) {
    return organization.status();
  }
  if (offerer == assistance.organization_id()) {
    return absl::InvalidArgumentError(absl::StrCat("offer.organization_id: organisation ", Quote(offerer),
                                                   " made the request and cannot offer on it"));
  }
  if (assistance.status() != v1::ASSISTANCE_STATUS_OPEN && assistance.status() != v1::ASSISTANCE_STATUS_OFFERED) {
    return IllegalTransition(assistance, "offer", "OPEN or OFFERED");
  }
  v1::Offer offer = request.offer();
  offer.set_status(v1::OFFER_STATUS_OFFERED);
  *offer.mutable_offered_at() = ToProtoTime(context.commit_time);
  v1::Offer* existing = nullptr;
  for (v1::Offer& candidate : *assistance.mutable_offers()) {
    if (candidate.organization_id() == offerer) existing = &candidate;
  }
  if (existing != nullptr) {
    *existing = std::move(offer);  // Offering again replaces the organisation's offer.
  } else if (assistance.offers_size() >= domain::kMaxOffersPerRequest) {
    return absl::FailedPreconditionError(absl::StrCat("assistance request ", Quote(assistance.id()), " already has ",
                                                      domain::kMaxOffersPerRequest, " offers, the most allowed"));
  } else {
    *assistance.add_offers() = std::move(offer);
  }
  assistance.set_status(v1::ASSISTANCE_STATUS_OFFERED);
  return Replace(*current, std::move(assistance));
}

absl::StatusOr<PlannedChange> PlanAcceptOffer(const v1::AcceptOfferRequest& request, const PlanContext& context) {
  absl::StatusOr<state::RecordPtr> current = FindRequest(request.request_id(), "request_id", context);
  if (!current.ok()) return current.status();
  v1::AssistanceRequest assistance = (*current)->record.assistance_request();
  if (assistance.status() != v1::ASSISTANCE_STATUS_OFFERED) {
    return IllegalTransition(assistance, "accept an offer", "OFFERED");
  }
  v1::Offer* offer = nullptr;
  for (v1::Offer& candidate : *assistance.mutable_offers()) {
    if (candidate.organization_id() == request.organization_id()) offer = &candidate;
  }
  if (offer == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("organization_id: organisation ", Quote(request.organization_id()),
                                                   " has made no offer on assistance request ",
                                                   Quote(assistance.id())));
  }
  if (offer->status() != v1::OFFER_STATUS_OFFERED) {
    return absl::FailedPreconditionError(absl::StrCat("the offer of organisation ", Quote(request.organization_id()),
                                                      " is ", EnumName<v1::OfferStatus>(offer->status()),
                                                      ": only an offer in OFFER_STATUS_OFFERED can be accepted"));
  }
  offer->set_status(v1::OFFER_STATUS_ACCEPTED);
  assistance.set_status(v1::ASSISTANCE_STATUS_ACCEPTED);
  return Replace(*current, std::move(assistance));
}

absl::StatusOr<PlannedChange> PlanFulfillRequest(const v1::FulfillRequestRequest& request, const PlanContext& context) {
  absl::StatusOr<state::RecordPtr> current = FindRequest(request.request_id(), "request_id", context);
  if (!current.ok()) return current.status();
  v1::AssistanceRequest assistance = (*current)->record.assistance_request();
  if (assistance.status() != v1::ASSISTANCE_STATUS_ACCEPTED) {
    return IllegalTransition(assistance, "fulfil it", "ACCEPTED");
  }
  assistance.set_status(v1::ASSISTANCE_STATUS_FULFILLED);
  return Replace(*current, std::move(assistance));
}

absl::StatusOr<PlannedChange> PlanCancelRequest(const v1::CancelRequestRequest& request, const PlanContext& context) {
  absl::StatusOr<state::RecordPtr> current = FindRequest(request.request_id(), "request_id", context);
  if (!current.ok()) return current.status();
  v1::AssistanceRequest assistance = (*current)->record.assistance_request();
  switch (assistance.status()) {
    case v1::ASSISTANCE_STATUS_OPEN:
    case v1::ASSISTANCE_STATUS_OFFERED:
    case v1::ASSISTANCE_STATUS_ACCEPTED:
      break;
    default:
      return IllegalTransition(assistance, "cancel it", "OPEN, OFFERED or ACCEPTED");
  }
  assistance.set_status(v1::ASSISTANCE_STATUS_CANCELLED);
  assistance.set_cancel_reason(request.reason());
  return Replace(*current, std::move(assistance));
}

}  // namespace ketenbeeld::mutations
