// Planners of assistance requests (hulpvraag) and offers. The lifecycle (assistance.proto):
//   OPEN -> OFFERED (first offer) -> ACCEPTED (an offer accepted, whole or in part) -> FULFILLED
//   OPEN / OFFERED / ACCEPTED -> CANCELLED
// ACCEPTED stays while offers are accepted until the accepted quantity covers the request; offers and acceptances
// beyond that are refused, never cut silently. FULFILLED and CANCELLED are final; every other transition is
// FAILED_PRECONDITION naming the current state.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
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

// What the accepted offers cover, at most the requested quantity. An offer accepted before accepted quantities
// existed has none (0) and covered the whole request when it was accepted (assistance.proto), so it still does:
// old stored records keep their meaning.
int32_t AcceptedQuantity(const v1::AssistanceRequest& request) {
  int64_t accepted = 0;
  for (const v1::Offer& offer : request.offers()) {
    if (offer.status() != v1::OFFER_STATUS_ACCEPTED) continue;
    if (offer.accepted_quantity() <= 0) return request.quantity();
    accepted += offer.accepted_quantity();
  }
  return static_cast<int32_t>(std::min<int64_t>(accepted, request.quantity()));
}

bool Covered(const v1::AssistanceRequest& request) { return AcceptedQuantity(request) >= request.quantity(); }

// "5000 litres": a quantity in the request's unit, for messages. A request stored before units has its type's
// default unit.
std::string InUnit(int64_t quantity, const v1::AssistanceRequest& request) {
  v1::QuantityUnit unit = request.unit();
  if (unit == v1::QUANTITY_UNIT_UNSPECIFIED) unit = domain::DefaultUnit(request.type());
  std::string name = absl::AsciiStrToLower(EnumName<v1::QuantityUnit>(unit));
  absl::string_view word = name;
  absl::ConsumePrefix(&word, "quantity_unit_");
  return absl::StrCat(quantity, " ", word);
}

// FAILED_PRECONDITION for an offer or acceptance on an ACCEPTED request that is already covered.
absl::Status AlreadyCovered(const v1::AssistanceRequest& request, absl::string_view action) {
  return absl::FailedPreconditionError(
      absl::StrCat("assistance request ", Quote(request.id()), " is ", StatusName(request.status()), " and covered (",
                   InUnit(AcceptedQuantity(request), request), " of ", InUnit(request.quantity(), request),
                   " accepted): cannot ", action, " (only while not yet covered)"));
}

v1::Offer* OfferOf(v1::AssistanceRequest& request, absl::string_view organization_id) {
  for (v1::Offer& candidate : *request.mutable_offers()) {
    if (candidate.organization_id() == organization_id) return &candidate;
  }
  return nullptr;
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
  if (assistance.has_delivery() && !assistance.delivery().location_id().empty()) {
    const std::string& location_id = assistance.delivery().location_id();
    const auto& locations = (*requester)->record.organization().locations();
    if (std::none_of(locations.begin(), locations.end(),
                     [&](const v1::Location& location) { return location.id() == location_id; })) {
      return absl::InvalidArgumentError(absl::StrCat("request.delivery.location_id: organisation ",
                                                     Quote(assistance.organization_id()), " has no location ",
                                                     Quote(location_id)));
    }
  }
  // Defaults are stored, so every reader sees the same unit and priority without knowing the rule.
  if (assistance.unit() == v1::QUANTITY_UNIT_UNSPECIFIED) assistance.set_unit(domain::DefaultUnit(assistance.type()));
  if (assistance.priority() == v1::ASSISTANCE_PRIORITY_UNSPECIFIED) {
    assistance.set_priority(v1::ASSISTANCE_PRIORITY_NORMAL);
  }
  // Output-only fields are the server's.
  assistance.set_status(v1::ASSISTANCE_STATUS_OPEN);
  assistance.clear_offers();
  assistance.clear_cancel_reason();
  assistance.clear_accepted_quantity();
  assistance.clear_delivered_quantity();
  assistance.clear_fulfilled_at();
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
  switch (assistance.status()) {
    case v1::ASSISTANCE_STATUS_OPEN:
    case v1::ASSISTANCE_STATUS_OFFERED:
      break;
    case v1::ASSISTANCE_STATUS_ACCEPTED:
      if (Covered(assistance)) return AlreadyCovered(assistance, "offer");
      break;
    default:
      return IllegalTransition(assistance, "offer", "OPEN or OFFERED, or ACCEPTED while not yet covered");
  }
  v1::Offer offer = request.offer();
  offer.set_status(v1::OFFER_STATUS_OFFERED);
  *offer.mutable_offered_at() = ToProtoTime(context.commit_time);
  offer.clear_accepted_quantity();
  offer.clear_accepted_at();
  offer.clear_delivered_quantity();
  if (v1::Offer* existing = OfferOf(assistance, offerer); existing != nullptr) {
    if (existing->status() == v1::OFFER_STATUS_ACCEPTED) {
      // The requester counts on an accepted offer; replacing it would change what was agreed behind their back.
      return absl::FailedPreconditionError(absl::StrCat("the offer of organisation ", Quote(offerer),
                                                        " on assistance request ", Quote(assistance.id()),
                                                        " is already accepted and cannot be replaced"));
    }
    *existing = std::move(offer);  // Offering again replaces the organisation's offer.
  } else if (assistance.offers_size() >= domain::kMaxOffersPerRequest) {
    return absl::FailedPreconditionError(absl::StrCat("assistance request ", Quote(assistance.id()), " already has ",
                                                      domain::kMaxOffersPerRequest, " offers, the most allowed"));
  } else {
    *assistance.add_offers() = std::move(offer);
  }
  // An offer on a partially covered request keeps it ACCEPTED: what was accepted still stands.
  if (assistance.status() != v1::ASSISTANCE_STATUS_ACCEPTED) assistance.set_status(v1::ASSISTANCE_STATUS_OFFERED);
  return Replace(*current, std::move(assistance));
}

absl::StatusOr<PlannedChange> PlanAcceptOffer(const v1::AcceptOfferRequest& request, const PlanContext& context) {
  absl::StatusOr<state::RecordPtr> current = FindRequest(request.request_id(), "request_id", context);
  if (!current.ok()) return current.status();
  v1::AssistanceRequest assistance = (*current)->record.assistance_request();
  if (assistance.status() == v1::ASSISTANCE_STATUS_ACCEPTED) {
    if (Covered(assistance)) return AlreadyCovered(assistance, "accept an offer");
  } else if (assistance.status() != v1::ASSISTANCE_STATUS_OFFERED) {
    return IllegalTransition(assistance, "accept an offer", "OFFERED, or ACCEPTED while not yet covered");
  }
  v1::Offer* offer = OfferOf(assistance, request.organization_id());
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
  if (request.has_quantity() && request.quantity() > offer->quantity()) {
    // Like naming an organisation that made no offer (above): the argument asks for what is not on the table.
    return absl::InvalidArgumentError(absl::StrCat("quantity: ", InUnit(request.quantity(), assistance),
                                                   " is more than organisation ", Quote(request.organization_id()),
                                                   " offered (", InUnit(offer->quantity(), assistance), ")"));
  }
  const int32_t taken = request.has_quantity() ? request.quantity() : offer->quantity();
  const int32_t still_needed = assistance.quantity() - AcceptedQuantity(assistance);
  if (taken > still_needed) {
    // Refused rather than cut to what is needed: the supplier offered a load, and whether part of it is worth a
    // trip is the requester's call, made explicitly with `quantity`.
    return absl::FailedPreconditionError(absl::StrCat(
        "assistance request ", Quote(assistance.id()), " still needs ", InUnit(still_needed, assistance),
        ", less than the ", InUnit(taken, assistance), " to accept from organisation ",
        Quote(request.organization_id()), ": accept part of the offer (quantity at most ", still_needed, ")"));
  }
  offer->set_status(v1::OFFER_STATUS_ACCEPTED);
  offer->set_accepted_quantity(taken);
  *offer->mutable_accepted_at() = ToProtoTime(context.commit_time);
  assistance.set_status(v1::ASSISTANCE_STATUS_ACCEPTED);
  assistance.set_accepted_quantity(AcceptedQuantity(assistance));
  return Replace(*current, std::move(assistance));
}

absl::StatusOr<PlannedChange> PlanFulfillRequest(const v1::FulfillRequestRequest& request, const PlanContext& context) {
  absl::StatusOr<state::RecordPtr> current = FindRequest(request.request_id(), "request_id", context);
  if (!current.ok()) return current.status();
  v1::AssistanceRequest assistance = (*current)->record.assistance_request();
  if (assistance.status() != v1::ASSISTANCE_STATUS_ACCEPTED) {
    return IllegalTransition(assistance, "fulfil it", "ACCEPTED");
  }
  absl::flat_hash_map<std::string, int32_t> delivered;  // By organisation: what FulfillRequest names.
  for (int i = 0; i < request.deliveries_size(); ++i) {
    const v1::OfferDelivery& delivery = request.deliveries(i);
    const v1::Offer* offer = OfferOf(assistance, delivery.organization_id());
    if (offer == nullptr || offer->status() != v1::OFFER_STATUS_ACCEPTED) {
      return absl::InvalidArgumentError(
          absl::StrCat("deliveries[", i, "].organization_id: organisation ", Quote(delivery.organization_id()),
                       " has no accepted offer on assistance request ", Quote(assistance.id())));
    }
    delivered[delivery.organization_id()] = delivery.quantity();
  }
  int64_t total = 0;
  for (v1::Offer& offer : *assistance.mutable_offers()) {
    if (offer.status() != v1::OFFER_STATUS_ACCEPTED) continue;
    // Not named: delivered as accepted. An offer accepted before accepted quantities existed took the whole request.
    const int32_t accepted =
        offer.accepted_quantity() > 0 ? offer.accepted_quantity() : std::min(offer.quantity(), assistance.quantity());
    const auto named = delivered.find(offer.organization_id());
    offer.set_delivered_quantity(named != delivered.end() ? named->second : accepted);
    total += offer.delivered_quantity();
  }
  // At most 100 offers of at most 100000 each: the sum fits.
  assistance.set_delivered_quantity(static_cast<int32_t>(total));
  assistance.set_accepted_quantity(AcceptedQuantity(assistance));
  *assistance.mutable_fulfilled_at() = ToProtoTime(context.commit_time);
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
