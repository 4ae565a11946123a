// Field validation of assistance requests, offers and their lifecycle requests, and of scenarios (see validation.h
// for the rules every validator follows).
#ifndef KETENBEELD_SERVER_DOMAIN_ASSISTANCE_VALIDATION_H_
#define KETENBEELD_SERVER_DOMAIN_ASSISTANCE_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::domain {

// Limits of assistance requests and scenarios (see assistance.proto and scenario.proto).
inline constexpr int kMaxAssistanceQuantity = 100000;  // AssistanceRequest.quantity and Offer.quantity.
inline constexpr int kMaxOffersPerRequest = 100;       // Enforced by the planner: offers accumulate over time.
inline constexpr int kMaxScenarioQuantity = 1000000;   // CapacityRequirement.quantity.
inline constexpr int kMaxScenarioCapacityRequirements = 100;
inline constexpr int kMaxScenarioSupplyRequirements = 20;
// SupplyRequirement.min_days_of_supply: the API only says "> 0"; ten years bounds it so a typo (1e9) is caught.
inline constexpr double kMaxScenarioDaysOfSupply = 3650;

// The units a request of `type` may be in (AssistanceType in assistance.proto), the type's default first. Every
// known type allows at least one unit; an unknown type allows none.
absl::Span<const ketenbeeld::v1::QuantityUnit> AllowedUnits(ketenbeeld::v1::AssistanceType type);

// The unit a request of `type` is in when it names none: the first of AllowedUnits, or UNSPECIFIED for an unknown
// type. Also how a request stored before units existed is read.
ketenbeeld::v1::QuantityUnit DefaultUnit(ketenbeeld::v1::AssistanceType type);

// Each returns OK or INVALID_ARGUMENT whose message starts with the full field path ("request.quantity: ...").
// Checks that need the picture (is the organisation registered, does the incident exist, is the transition allowed)
// are the planners' (server/mutations/mutations_assistance.cc, mutations_scenario.cc). Thread-safe: pure functions.
absl::Status ValidateRequestAssistanceRequest(const ketenbeeld::v1::RequestAssistanceRequest& request);
absl::Status ValidateOfferAssistanceRequest(const ketenbeeld::v1::OfferAssistanceRequest& request);
absl::Status ValidateAcceptOfferRequest(const ketenbeeld::v1::AcceptOfferRequest& request);
absl::Status ValidateFulfillRequestRequest(const ketenbeeld::v1::FulfillRequestRequest& request);
absl::Status ValidateCancelRequestRequest(const ketenbeeld::v1::CancelRequestRequest& request);
absl::Status ValidatePutScenarioRequest(const ketenbeeld::v1::PutScenarioRequest& request);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_ASSISTANCE_VALIDATION_H_
