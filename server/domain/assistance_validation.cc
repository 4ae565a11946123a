#include "server/domain/assistance_validation.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/domain/field_checks.h"

namespace ketenbeeld::domain {
namespace {

using namespace checks;  // NOLINT(google-build-using-namespace): the checkers are this file's vocabulary.

namespace v1 = ::ketenbeeld::v1;

constexpr TextRule kScenarioDescription{0, kMaxFreeTextLength, true};

absl::Status CheckQuantity(int32_t value, int32_t max, const FieldPath& path) {
  if (value >= 1 && value <= max) return absl::OkStatus();
  return Invalid(path, "must be between 1 and ", max, ", got ", value);
}

absl::Status CheckAssistanceRequest(const v1::AssistanceRequest& request, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.id(), path.Field("id")));
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.organization_id(), path.Field("organization_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::AssistanceType>(request.type(), path.Field("type"), Presence::kRequired));
  if (request.type() == v1::ASSISTANCE_TYPE_BEDS) {
    KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::BedType>(request.bed_type(), path.Field("bed_type"), Presence::kRequired));
  } else if (request.bed_type() != v1::BED_TYPE_UNSPECIFIED) {
    // A bed type on a request for staff or water is a mistake the caller should hear about, not silently dropped.
    return Invalid(path.Field("bed_type"), "only allowed when type is ASSISTANCE_TYPE_BEDS, got type ",
                   EnumName<v1::AssistanceType>(request.type()));
  }
  KETENBEELD_RETURN_IF_ERROR(CheckQuantity(request.quantity(), kMaxAssistanceQuantity, path.Field("quantity")));
  KETENBEELD_RETURN_IF_ERROR(CheckTimestamp(request.has_needed_by(), request.needed_by(), path.Field("needed_by")));
  KETENBEELD_RETURN_IF_ERROR(CheckOptionalId(request.incident_id(), path.Field("incident_id")));
  // `status`, `offers` and `requested_at` are output only: ignored.
  return CheckText(request.description(), path.Field("description"), kShortText);
}

absl::Status CheckOffer(const v1::Offer& offer, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(offer.organization_id(), path.Field("organization_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckQuantity(offer.quantity(), kMaxAssistanceQuantity, path.Field("quantity")));
  // `status` and `offered_at` are output only: ignored.
  return CheckText(offer.comment(), path.Field("comment"), kShortText);
}

absl::Status CheckCapacityRequirement(const v1::CapacityRequirement& requirement, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::BedType>(requirement.bed_type(), path.Field("bed_type"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(CheckQuantity(requirement.quantity(), kMaxScenarioQuantity, path.Field("quantity")));
  return CheckEnum<v1::Sector>(requirement.sector(), path.Field("sector"), Presence::kOptional);
}

absl::Status CheckSupplyRequirement(const v1::SupplyRequirement& requirement, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::SupplyType>(requirement.type(), path.Field("type"), Presence::kRequired));
  const double days = requirement.min_days_of_supply();
  const FieldPath days_path = path.Field("min_days_of_supply");
  if (!std::isfinite(days)) return Invalid(days_path, "must be a finite number, got ", days);
  if (days <= 0 || days > kMaxScenarioDaysOfSupply) {
    return Invalid(days_path, "must be > 0 and at most ", kMaxScenarioDaysOfSupply, ", got ", days);
  }
  return absl::OkStatus();
}

absl::Status CheckScenario(const v1::Scenario& scenario, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(scenario.id(), path.Field("id")));
  KETENBEELD_RETURN_IF_ERROR(CheckText(scenario.name(), path.Field("name"), kRequiredName));
  KETENBEELD_RETURN_IF_ERROR(CheckText(scenario.description(), path.Field("description"), kScenarioDescription));
  KETENBEELD_RETURN_IF_ERROR(
      CheckSafetyRegion(scenario.safety_region(), path.Field("safety_region"), Presence::kRequired));
  const FieldPath capacity = path.Field("capacity");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(scenario.capacity(), kMaxScenarioCapacityRequirements, capacity));
  KETENBEELD_RETURN_IF_ERROR(CheckUniqueElements(
      scenario.capacity(), capacity, "bed_type", CheckCapacityRequirement,
      [](const v1::CapacityRequirement& requirement) {
        return std::pair<int, int>(requirement.bed_type(), requirement.sector());
      },
      [](const std::pair<int, int>& key) {
        return absl::StrCat(EnumName<v1::BedType>(key.first), " for ", EnumName<v1::Sector>(key.second));
      }));
  const FieldPath supplies = path.Field("supplies");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(scenario.supplies(), kMaxScenarioSupplyRequirements, supplies));
  return CheckUniqueTypes<v1::SupplyType>(scenario.supplies(), supplies, CheckSupplyRequirement);
}

}  // namespace

absl::Status ValidateRequestAssistanceRequest(const v1::RequestAssistanceRequest& request) {
  return CheckAssistanceRequest(request.request(), FieldPath("request"));
}

absl::Status ValidateOfferAssistanceRequest(const v1::OfferAssistanceRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.request_id(), FieldPath("request_id")));
  return CheckOffer(request.offer(), FieldPath("offer"));
}

absl::Status ValidateAcceptOfferRequest(const v1::AcceptOfferRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.request_id(), FieldPath("request_id")));
  return CheckId(request.organization_id(), FieldPath("organization_id"));
}

absl::Status ValidateFulfillRequestRequest(const v1::FulfillRequestRequest& request) {
  return CheckId(request.request_id(), FieldPath("request_id"));
}

absl::Status ValidateCancelRequestRequest(const v1::CancelRequestRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.request_id(), FieldPath("request_id")));
  return CheckText(request.reason(), FieldPath("reason"), kShortText);
}

absl::Status ValidatePutScenarioRequest(const v1::PutScenarioRequest& request) {
  return CheckScenario(request.scenario(), FieldPath("scenario"));
}

#undef KETENBEELD_RETURN_IF_ERROR

}  // namespace ketenbeeld::domain
