#include "server/domain/assistance_validation.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

// A qualifier enum (bed type, staff discipline, fuel type) that one assistance type requires and every other type
// must leave unspecified: a bed type on a request for water is a mistake the caller should hear about, not silently
// dropped.
template <typename Enum>
absl::Status CheckQualifier(const v1::AssistanceRequest& request, v1::AssistanceType owner, int value,
                            const FieldPath& path) {
  if (request.type() == owner) return CheckEnum<Enum>(value, path, Presence::kRequired);
  if (value == 0) return absl::OkStatus();
  return Invalid(path, "only allowed when type is ", EnumName<v1::AssistanceType>(owner), ", got type ",
                 EnumName<v1::AssistanceType>(request.type()));
}

absl::Status CheckUnit(const v1::AssistanceRequest& request, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::QuantityUnit>(request.unit(), path, Presence::kOptional));
  if (request.unit() == v1::QUANTITY_UNIT_UNSPECIFIED) return absl::OkStatus();  // The type's default.
  const absl::Span<const v1::QuantityUnit> allowed = AllowedUnits(request.type());
  if (absl::c_linear_search(allowed, request.unit())) return absl::OkStatus();
  std::vector<std::string> names;
  for (const v1::QuantityUnit unit : allowed) names.push_back(EnumName<v1::QuantityUnit>(unit));
  return Invalid(path, EnumName<v1::QuantityUnit>(request.unit()), " does not fit type ",
                 EnumName<v1::AssistanceType>(request.type()), " (allowed: ", absl::StrJoin(names, ", "), ")");
}

absl::Status CheckDelivery(const v1::DeliveryLocation& delivery, const FieldPath& path) {
  if (delivery.location_id().empty() && delivery.address().empty() && !delivery.has_coordinates()) {
    // An empty delivery would read as "delivered somewhere": say where or leave it out.
    return Invalid(path, "needs a location_id, an address or coordinates (leave delivery out for the registered site)");
  }
  KETENBEELD_RETURN_IF_ERROR(CheckOptionalId(delivery.location_id(), path.Field("location_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckText(delivery.address(), path.Field("address"), kAddress));
  if (delivery.has_coordinates()) {
    const FieldPath coordinates = path.Field("coordinates");
    KETENBEELD_RETURN_IF_ERROR(CheckInRange(delivery.coordinates().latitude(), -90, 90, coordinates.Field("latitude")));
    KETENBEELD_RETURN_IF_ERROR(
        CheckInRange(delivery.coordinates().longitude(), -180, 180, coordinates.Field("longitude")));
  }
  return CheckText(delivery.instructions(), path.Field("instructions"), kShortText);
}

absl::Status CheckAssistanceRequest(const v1::AssistanceRequest& request, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.id(), path.Field("id")));
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.organization_id(), path.Field("organization_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::AssistanceType>(request.type(), path.Field("type"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(
      CheckQualifier<v1::BedType>(request, v1::ASSISTANCE_TYPE_BEDS, request.bed_type(), path.Field("bed_type")));
  KETENBEELD_RETURN_IF_ERROR(CheckQualifier<v1::StaffDiscipline>(
      request, v1::ASSISTANCE_TYPE_STAFF, request.staff_discipline(), path.Field("staff_discipline")));
  KETENBEELD_RETURN_IF_ERROR(
      CheckQualifier<v1::FuelType>(request, v1::ASSISTANCE_TYPE_FUEL, request.fuel_type(), path.Field("fuel_type")));
  KETENBEELD_RETURN_IF_ERROR(CheckUnit(request, path.Field("unit")));
  KETENBEELD_RETURN_IF_ERROR(CheckQuantity(request.quantity(), kMaxAssistanceQuantity, path.Field("quantity")));
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::AssistancePriority>(request.priority(), path.Field("priority"), Presence::kOptional));
  if (request.has_delivery()) KETENBEELD_RETURN_IF_ERROR(CheckDelivery(request.delivery(), path.Field("delivery")));
  KETENBEELD_RETURN_IF_ERROR(CheckTimestamp(request.has_needed_by(), request.needed_by(), path.Field("needed_by")));
  KETENBEELD_RETURN_IF_ERROR(CheckOptionalId(request.incident_id(), path.Field("incident_id")));
  // `status`, `offers`, `requested_at`, `cancel_reason`, `accepted_quantity`, `delivered_quantity` and
  // `fulfilled_at` are output only: ignored.
  return CheckText(request.description(), path.Field("description"), kShortText);
}

absl::Status CheckOffer(const v1::Offer& offer, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(offer.organization_id(), path.Field("organization_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckQuantity(offer.quantity(), kMaxAssistanceQuantity, path.Field("quantity")));
  // `status`, `offered_at`, `accepted_quantity`, `accepted_at` and `delivered_quantity` are output only: ignored.
  return CheckText(offer.comment(), path.Field("comment"), kShortText);
}

absl::Status CheckOfferDelivery(const v1::OfferDelivery& delivery, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(delivery.organization_id(), path.Field("organization_id")));
  // 0 is a fact worth recording (nothing arrived), so unlike requested and offered quantities it is allowed.
  if (delivery.quantity() >= 0 && delivery.quantity() <= kMaxAssistanceQuantity) return absl::OkStatus();
  return Invalid(path.Field("quantity"), "must be between 0 and ", kMaxAssistanceQuantity, ", got ",
                 delivery.quantity());
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

absl::Span<const v1::QuantityUnit> AllowedUnits(v1::AssistanceType type) {
  // The table of assistance.proto; a new type without a row here allows no unit, which the unit test catches.
  static constexpr v1::QuantityUnit kBeds[] = {v1::QUANTITY_UNIT_BEDS};
  static constexpr v1::QuantityUnit kPersons[] = {v1::QUANTITY_UNIT_PERSONS};
  static constexpr v1::QuantityUnit kPieces[] = {v1::QUANTITY_UNIT_PIECES};
  static constexpr v1::QuantityUnit kLitres[] = {v1::QUANTITY_UNIT_LITRES};
  static constexpr v1::QuantityUnit kClientTransport[] = {v1::QUANTITY_UNIT_PERSONS, v1::QUANTITY_UNIT_VEHICLES};
  static constexpr v1::QuantityUnit kOxygen[] = {v1::QUANTITY_UNIT_CYLINDERS, v1::QUANTITY_UNIT_LITRES};
  static constexpr v1::QuantityUnit kFood[] = {v1::QUANTITY_UNIT_MEALS, v1::QUANTITY_UNIT_KILOGRAMS};
  static constexpr v1::QuantityUnit kIt[] = {v1::QUANTITY_UNIT_PIECES, v1::QUANTITY_UNIT_PERSONS};
  static constexpr v1::QuantityUnit kVehicles[] = {v1::QUANTITY_UNIT_VEHICLES};
  static constexpr v1::QuantityUnit kAny[] = {
      v1::QUANTITY_UNIT_PIECES,   v1::QUANTITY_UNIT_LITRES, v1::QUANTITY_UNIT_PERSONS,   v1::QUANTITY_UNIT_BEDS,
      v1::QUANTITY_UNIT_VEHICLES, v1::QUANTITY_UNIT_MEALS,  v1::QUANTITY_UNIT_KILOGRAMS, v1::QUANTITY_UNIT_CYLINDERS};
  switch (type) {
    case v1::ASSISTANCE_TYPE_BEDS:
      return kBeds;
    case v1::ASSISTANCE_TYPE_STAFF:
      return kPersons;
    case v1::ASSISTANCE_TYPE_GENERATOR:
    case v1::ASSISTANCE_TYPE_MEDICATION:
    case v1::ASSISTANCE_TYPE_PPE:
      return kPieces;
    case v1::ASSISTANCE_TYPE_WATER:
    case v1::ASSISTANCE_TYPE_FUEL:
      return kLitres;
    case v1::ASSISTANCE_TYPE_CLIENT_TRANSPORT:
      return kClientTransport;
    case v1::ASSISTANCE_TYPE_OXYGEN:
      return kOxygen;
    case v1::ASSISTANCE_TYPE_FOOD:
      return kFood;
    case v1::ASSISTANCE_TYPE_IT:
      return kIt;
    case v1::ASSISTANCE_TYPE_GOODS_TRANSPORT:
      return kVehicles;
    case v1::ASSISTANCE_TYPE_OTHER:
      return kAny;
    default:
      return {};
  }
}

v1::QuantityUnit DefaultUnit(v1::AssistanceType type) {
  const absl::Span<const v1::QuantityUnit> allowed = AllowedUnits(type);
  return allowed.empty() ? v1::QUANTITY_UNIT_UNSPECIFIED : allowed.front();
}

absl::Status ValidateRequestAssistanceRequest(const v1::RequestAssistanceRequest& request) {
  return CheckAssistanceRequest(request.request(), FieldPath("request"));
}

absl::Status ValidateOfferAssistanceRequest(const v1::OfferAssistanceRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.request_id(), FieldPath("request_id")));
  return CheckOffer(request.offer(), FieldPath("offer"));
}

absl::Status ValidateAcceptOfferRequest(const v1::AcceptOfferRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.request_id(), FieldPath("request_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.organization_id(), FieldPath("organization_id")));
  if (!request.has_quantity()) return absl::OkStatus();
  return CheckQuantity(request.quantity(), kMaxAssistanceQuantity, FieldPath("quantity"));
}

absl::Status ValidateFulfillRequestRequest(const v1::FulfillRequestRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.request_id(), FieldPath("request_id")));
  const FieldPath deliveries("deliveries");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(request.deliveries(), kMaxOffersPerRequest, deliveries));
  return CheckUniqueElements(
      request.deliveries(), deliveries, "organization_id", CheckOfferDelivery,
      [](const v1::OfferDelivery& delivery) { return delivery.organization_id(); },
      [](const std::string& organization) { return absl::StrCat("organisation ", Quote(organization)); });
}

absl::Status ValidateCancelRequestRequest(const v1::CancelRequestRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.request_id(), FieldPath("request_id")));
  return CheckText(request.reason(), FieldPath("reason"), kShortText);
}

absl::Status ValidatePutScenarioRequest(const v1::PutScenarioRequest& request) {
  return CheckScenario(request.scenario(), FieldPath("scenario"));
}

}  // namespace ketenbeeld::domain
