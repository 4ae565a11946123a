// Field validation of assistance requests, offers, their lifecycle requests and scenarios: each rule once, with the
// field path the error must name.
#include "server/domain/assistance_validation.h"

#include <functional>
#include <limits>
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::domain {
namespace {

using ::ketenbeeld::testing::ParseTextProto;

namespace v1 = ::ketenbeeld::v1;
using ::testing::StartsWith;

v1::RequestAssistanceRequest ValidRequest() {
  return ParseTextProto<v1::RequestAssistanceRequest>(R"pb(
    request {
      id: "ic-bedden-1"
      organization_id: "nwz"
      type: ASSISTANCE_TYPE_BEDS
      bed_type: BED_TYPE_IC_ADULT
      quantity: 4
      needed_by { seconds: 1700000000 }
      incident_id: "brand-oostpolder"
      description: "Vier IC-bedden voor brandwondenpatiënten."
    }
  )pb");
}

v1::PutScenarioRequest ValidScenario() {
  return ParseTextProto<v1::PutScenarioRequest>(R"pb(
    scenario {
      id: "overstroming"
      name: "Overstroming Noord-Holland Noord"
      safety_region: "VR10"
      capacity { bed_type: BED_TYPE_IC_ADULT quantity: 20 }
      capacity { bed_type: BED_TYPE_IC_ADULT quantity: 5 sector: SECTOR_ACUTE_CARE }
      capacity { bed_type: BED_TYPE_NURSING_HOME quantity: 200 sector: SECTOR_LONG_TERM_CARE }
      supplies { type: SUPPLY_TYPE_OXYGEN min_days_of_supply: 3 }
    }
  )pb");
}

TEST(AssistanceValidationTest, ValidRequestsPass) {
  EXPECT_TRUE(ValidateRequestAssistanceRequest(ValidRequest()).ok())
      << ValidateRequestAssistanceRequest(ValidRequest());
  v1::RequestAssistanceRequest staff = ParseTextProto<v1::RequestAssistanceRequest>(
      R"pb(request {
             id: "s"
             organization_id: "a"
             type: ASSISTANCE_TYPE_STAFF
             staff_discipline: STAFF_DISCIPLINE_IC_NURSE
             quantity: 100000
           })pb");
  EXPECT_TRUE(ValidateRequestAssistanceRequest(staff).ok()) << ValidateRequestAssistanceRequest(staff);
  EXPECT_TRUE(ValidateOfferAssistanceRequest(ParseTextProto<v1::OfferAssistanceRequest>(R"pb(request_id: "r"
                                                                                             offer {
                                                                                               organization_id: "b"
                                                                                               quantity: 1
                                                                                               comment: "twee\nbedden"
                                                                                             })pb"))
                  .ok());
  EXPECT_TRUE(ValidateAcceptOfferRequest(ParseTextProto<v1::AcceptOfferRequest>(R"pb(request_id: "r"
                                                                                     organization_id: "b")pb"))
                  .ok());
  EXPECT_TRUE(ValidateFulfillRequestRequest(ParseTextProto<v1::FulfillRequestRequest>(R"pb(request_id: "r")pb")).ok());
  EXPECT_TRUE(ValidateCancelRequestRequest(ParseTextProto<v1::CancelRequestRequest>(R"pb(request_id: "r"
                                                                                         reason: "opgelost")pb"))
                  .ok());
  EXPECT_TRUE(ValidatePutScenarioRequest(ValidScenario()).ok()) << ValidatePutScenarioRequest(ValidScenario());
}

// The diesel request of the power-outage walk-through, with every logistics field.
v1::RequestAssistanceRequest ValidFuelRequest() {
  return ParseTextProto<v1::RequestAssistanceRequest>(R"pb(
    request {
      id: "diesel-zh-noord"
      organization_id: "zh-noord"
      type: ASSISTANCE_TYPE_FUEL
      fuel_type: FUEL_TYPE_DIESEL
      quantity: 5000
      unit: QUANTITY_UNIT_LITRES
      priority: ASSISTANCE_PRIORITY_URGENT
      delivery {
        location_id: "hoofdlocatie"
        address: "Wilhelminalaan 12, Alkmaar"
        coordinates { latitude: 52.63 longitude: 4.75 }
        instructions: "Tank aggregaat achterzijde, meld bij de portier"
      }
    }
  )pb");
}

TEST(AssistanceValidationTest, LogisticsFieldsPass) {
  EXPECT_TRUE(ValidateRequestAssistanceRequest(ValidFuelRequest()).ok())
      << ValidateRequestAssistanceRequest(ValidFuelRequest());
  v1::RequestAssistanceRequest no_unit = ValidFuelRequest();
  no_unit.mutable_request()->clear_unit();  // The type's default (litres), filled in by the planner.
  no_unit.mutable_request()->clear_priority();
  no_unit.mutable_request()->mutable_delivery()->clear_location_id();  // An address alone is a delivery.
  no_unit.mutable_request()->mutable_delivery()->clear_coordinates();
  EXPECT_TRUE(ValidateRequestAssistanceRequest(no_unit).ok()) << ValidateRequestAssistanceRequest(no_unit);
  v1::RequestAssistanceRequest other = ValidFuelRequest();
  other.mutable_request()->set_type(v1::ASSISTANCE_TYPE_OTHER);
  other.mutable_request()->clear_fuel_type();
  for (int unit = 1; unit <= v1::QuantityUnit_MAX; ++unit) {  // OTHER takes any unit.
    other.mutable_request()->set_unit(static_cast<v1::QuantityUnit>(unit));
    EXPECT_TRUE(ValidateRequestAssistanceRequest(other).ok()) << ValidateRequestAssistanceRequest(other);
  }
}

TEST(AssistanceValidationTest, EveryTypeHasUnitsAndTheDefaultIsTheFirst) {
  for (int type = 1; type <= v1::AssistanceType_MAX; ++type) {
    const auto assistance_type = static_cast<v1::AssistanceType>(type);
    ASSERT_FALSE(AllowedUnits(assistance_type).empty()) << v1::AssistanceType_Name(assistance_type);
    EXPECT_EQ(DefaultUnit(assistance_type), AllowedUnits(assistance_type).front());
  }
  EXPECT_TRUE(AllowedUnits(v1::ASSISTANCE_TYPE_UNSPECIFIED).empty());
  EXPECT_EQ(DefaultUnit(static_cast<v1::AssistanceType>(99)), v1::QUANTITY_UNIT_UNSPECIFIED);
  EXPECT_EQ(DefaultUnit(v1::ASSISTANCE_TYPE_FUEL), v1::QUANTITY_UNIT_LITRES);
  EXPECT_EQ(DefaultUnit(v1::ASSISTANCE_TYPE_WATER), v1::QUANTITY_UNIT_LITRES);
  EXPECT_EQ(DefaultUnit(v1::ASSISTANCE_TYPE_STAFF), v1::QUANTITY_UNIT_PERSONS);
  EXPECT_EQ(DefaultUnit(v1::ASSISTANCE_TYPE_BEDS), v1::QUANTITY_UNIT_BEDS);
  EXPECT_EQ(DefaultUnit(v1::ASSISTANCE_TYPE_FOOD), v1::QUANTITY_UNIT_MEALS);
  EXPECT_EQ(DefaultUnit(v1::ASSISTANCE_TYPE_GOODS_TRANSPORT), v1::QUANTITY_UNIT_VEHICLES);
  EXPECT_THAT(AllowedUnits(v1::ASSISTANCE_TYPE_CLIENT_TRANSPORT),
              ::testing::ElementsAre(v1::QUANTITY_UNIT_PERSONS, v1::QUANTITY_UNIT_VEHICLES));
}

struct FuelCase {
  std::string name;
  std::function<void(v1::AssistanceRequest&)> mutate;
  std::string error_prefix;
};

std::ostream& operator<<(std::ostream& out, const FuelCase& c) { return out << c.name; }

class LogisticsValidationTest : public ::testing::TestWithParam<FuelCase> {};

TEST_P(LogisticsValidationTest, NamesTheField) {
  v1::RequestAssistanceRequest request = ValidFuelRequest();
  GetParam().mutate(*request.mutable_request());
  const absl::Status status = ValidateRequestAssistanceRequest(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith(GetParam().error_prefix));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, LogisticsValidationTest,
    ::testing::Values(
        FuelCase{"FuelTypeMissing", [](auto& r) { r.clear_fuel_type(); }, "request.fuel_type: required"},
        FuelCase{"FuelTypeUnknown", [](auto& r) { r.set_fuel_type(static_cast<v1::FuelType>(42)); },
                 "request.fuel_type: unknown value 42"},
        FuelCase{"FuelTypeOnWater", [](auto& r) { r.set_type(v1::ASSISTANCE_TYPE_WATER); },
                 "request.fuel_type: only allowed when type is ASSISTANCE_TYPE_FUEL, got type ASSISTANCE_TYPE_WATER"},
        FuelCase{"DisciplineMissingForStaff",
                 [](auto& r) {
                   r.clear_fuel_type();
                   r.set_type(v1::ASSISTANCE_TYPE_STAFF);
                   r.set_unit(v1::QUANTITY_UNIT_PERSONS);
                 },
                 "request.staff_discipline: required"},
        FuelCase{"DisciplineOnFuel", [](auto& r) { r.set_staff_discipline(v1::STAFF_DISCIPLINE_NURSE); },
                 "request.staff_discipline: only allowed when type is ASSISTANCE_TYPE_STAFF"},
        FuelCase{"DisciplineUnknown",
                 [](auto& r) {
                   r.clear_fuel_type();
                   r.set_type(v1::ASSISTANCE_TYPE_STAFF);
                   r.set_staff_discipline(static_cast<v1::StaffDiscipline>(500));
                 },
                 "request.staff_discipline: unknown value 500"},
        FuelCase{"FuelInPersons", [](auto& r) { r.set_unit(v1::QUANTITY_UNIT_PERSONS); },
                 "request.unit: QUANTITY_UNIT_PERSONS does not fit type ASSISTANCE_TYPE_FUEL (allowed: "
                 "QUANTITY_UNIT_LITRES)"},
        FuelCase{"StaffInLitres",
                 [](auto& r) {
                   r.clear_fuel_type();
                   r.set_type(v1::ASSISTANCE_TYPE_STAFF);
                   r.set_staff_discipline(v1::STAFF_DISCIPLINE_IC_NURSE);
                 },
                 "request.unit: QUANTITY_UNIT_LITRES does not fit type ASSISTANCE_TYPE_STAFF (allowed: "
                 "QUANTITY_UNIT_PERSONS)"},
        FuelCase{"BedsInPieces",
                 [](auto& r) {
                   r.clear_fuel_type();
                   r.set_type(v1::ASSISTANCE_TYPE_BEDS);
                   r.set_bed_type(v1::BED_TYPE_NURSING_HOME);
                   r.set_unit(v1::QUANTITY_UNIT_PIECES);
                 },
                 "request.unit: QUANTITY_UNIT_PIECES does not fit type ASSISTANCE_TYPE_BEDS"},
        FuelCase{"UnitUnknown", [](auto& r) { r.set_unit(static_cast<v1::QuantityUnit>(77)); },
                 "request.unit: unknown value 77"},
        FuelCase{"PriorityUnknown", [](auto& r) { r.set_priority(static_cast<v1::AssistancePriority>(9)); },
                 "request.priority: unknown value 9"},
        FuelCase{"DeliveryEmpty", [](auto& r) { r.mutable_delivery()->Clear(); },
                 "request.delivery: needs a location_id, an address or coordinates"},
        FuelCase{"DeliveryInstructionsAlone",
                 [](auto& r) {
                   r.mutable_delivery()->clear_location_id();
                   r.mutable_delivery()->clear_address();
                   r.mutable_delivery()->clear_coordinates();
                 },
                 "request.delivery: needs a location_id"},
        FuelCase{"DeliveryLocationIdInvalid", [](auto& r) { r.mutable_delivery()->set_location_id("Hoofd Locatie"); },
                 "request.delivery.location_id: "},
        FuelCase{"DeliveryAddressTooLong", [](auto& r) { r.mutable_delivery()->set_address(std::string(301, 'a')); },
                 "request.delivery.address: "},
        FuelCase{"DeliveryLatitudeOutOfRange",
                 [](auto& r) { r.mutable_delivery()->mutable_coordinates()->set_latitude(91); },
                 "request.delivery.coordinates.latitude: must be between -90 and 90"},
        FuelCase{"DeliveryLongitudeNaN",
                 [](auto& r) {
                   r.mutable_delivery()->mutable_coordinates()->set_longitude(std::numeric_limits<double>::quiet_NaN());
                 },
                 "request.delivery.coordinates.longitude: must be a finite number"},
        FuelCase{"DeliveryInstructionsControlCharacter",
                 [](auto& r) { r.mutable_delivery()->set_instructions("achter\x01"); },
                 "request.delivery.instructions: "}),
    [](const ::testing::TestParamInfo<FuelCase>& info) { return info.param.name; });

TEST(AssistanceValidationTest, AcceptedAndDeliveredQuantitiesNameTheirFields) {
  EXPECT_TRUE(ValidateAcceptOfferRequest(ParseTextProto<v1::AcceptOfferRequest>(R"pb(request_id: "r"
                                                                                     organization_id: "b"
                                                                                     quantity: 1000)pb"))
                  .ok());
  EXPECT_TRUE(ValidateFulfillRequestRequest(ParseTextProto<v1::FulfillRequestRequest>(R"pb(
                request_id: "r"
                deliveries { organization_id: "a" quantity: 1800 }
                deliveries { organization_id: "b" quantity: 0 }
              )pb"))
                  .ok())
      << "0 delivered is a fact worth recording";
  struct Case {
    absl::Status status;
    std::string prefix;
  };
  const Case cases[] = {
      {ValidateAcceptOfferRequest(ParseTextProto<v1::AcceptOfferRequest>(R"pb(request_id: "r"
                                                                              organization_id: "b"
                                                                              quantity: 0)pb")),
       "quantity: must be between 1 and 100000, got 0"},
      {ValidateAcceptOfferRequest(ParseTextProto<v1::AcceptOfferRequest>(R"pb(request_id: "r"
                                                                              organization_id: "b"
                                                                              quantity: -5)pb")),
       "quantity: must be between 1 and 100000, got -5"},
      {ValidateFulfillRequestRequest(ParseTextProto<v1::FulfillRequestRequest>(
           R"pb(request_id: "r"
                deliveries { organization_id: "a" quantity: -1 })pb")),
       "deliveries[0].quantity: must be between 0 and 100000, got -1"},
      {ValidateFulfillRequestRequest(ParseTextProto<v1::FulfillRequestRequest>(
           R"pb(request_id: "r"
                deliveries { organization_id: "a" quantity: 100001 })pb")),
       "deliveries[0].quantity: "},
      {ValidateFulfillRequestRequest(ParseTextProto<v1::FulfillRequestRequest>(
           R"pb(request_id: "r"
                deliveries { quantity: 1 })pb")),
       "deliveries[0].organization_id: "},
      {ValidateFulfillRequestRequest(ParseTextProto<v1::FulfillRequestRequest>(
           R"pb(request_id: "r"
                deliveries { organization_id: "a" quantity: 1 }
                deliveries { organization_id: "a" quantity: 2 })pb")),
       "deliveries[1].organization_id: organisation \"a\" appears twice (also at deliveries[0])"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.code(), absl::StatusCode::kInvalidArgument) << c.prefix;
    EXPECT_THAT(std::string(c.status.message()), StartsWith(c.prefix));
  }
}

TEST(AssistanceValidationTest, OutputOnlyFieldsAreIgnored) {
  v1::RequestAssistanceRequest request = ValidRequest();
  request.mutable_request()->set_status(v1::ASSISTANCE_STATUS_FULFILLED);
  request.mutable_request()->add_offers()->set_quantity(-5);
  request.mutable_request()->mutable_requested_at()->set_seconds(1);
  request.mutable_request()->set_accepted_quantity(-3);
  request.mutable_request()->set_delivered_quantity(-3);
  request.mutable_request()->mutable_fulfilled_at()->set_nanos(-1);
  EXPECT_TRUE(ValidateRequestAssistanceRequest(request).ok());
}

struct RequestCase {
  std::string name;
  std::function<void(v1::AssistanceRequest&)> mutate;
  std::string error_prefix;
};

std::ostream& operator<<(std::ostream& out, const RequestCase& c) { return out << c.name; }

class RequestAssistanceValidationTest : public ::testing::TestWithParam<RequestCase> {};

TEST_P(RequestAssistanceValidationTest, NamesTheField) {
  v1::RequestAssistanceRequest request = ValidRequest();
  GetParam().mutate(*request.mutable_request());
  const absl::Status status = ValidateRequestAssistanceRequest(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith(GetParam().error_prefix));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, RequestAssistanceValidationTest,
    ::testing::Values(
        RequestCase{"IdMissing", [](auto& r) { r.clear_id(); }, "request.id: "},
        RequestCase{"IdInvalid", [](auto& r) { r.set_id("Hulp 1"); }, "request.id: "},
        RequestCase{"RequesterMissing", [](auto& r) { r.clear_organization_id(); }, "request.organization_id: "},
        RequestCase{"TypeMissing", [](auto& r) { r.clear_type(); }, "request.type: required"},
        RequestCase{"TypeUnknown", [](auto& r) { r.set_type(static_cast<v1::AssistanceType>(77)); },
                    "request.type: unknown value 77"},
        RequestCase{"BedTypeMissingForBeds", [](auto& r) { r.clear_bed_type(); }, "request.bed_type: required"},
        RequestCase{"BedTypeUnknown", [](auto& r) { r.set_bed_type(static_cast<v1::BedType>(99)); },
                    "request.bed_type: unknown value 99"},
        RequestCase{"BedTypeForStaff", [](auto& r) { r.set_type(v1::ASSISTANCE_TYPE_STAFF); },
                    "request.bed_type: only allowed when type is ASSISTANCE_TYPE_BEDS"},
        RequestCase{"QuantityZero", [](auto& r) { r.set_quantity(0); },
                    "request.quantity: must be between 1 and 100000, got 0"},
        RequestCase{"QuantityTooLarge", [](auto& r) { r.set_quantity(100001); }, "request.quantity: "},
        RequestCase{"NeededByOutOfRange", [](auto& r) { r.mutable_needed_by()->set_nanos(-1); },
                    "request.needed_by.nanos: "},
        RequestCase{"IncidentIdInvalid", [](auto& r) { r.set_incident_id("-x"); }, "request.incident_id: "},
        RequestCase{"DescriptionTooLong", [](auto& r) { r.set_description(std::string(2001, 'x')); },
                    "request.description: "}),
    [](const ::testing::TestParamInfo<RequestCase>& info) { return info.param.name; });

TEST(AssistanceValidationTest, LifecycleRequestsNameTheirFields) {
  struct Case {
    absl::Status status;
    std::string prefix;
  };
  const Case cases[] = {
      {ValidateOfferAssistanceRequest(
           ParseTextProto<v1::OfferAssistanceRequest>(R"pb(offer { organization_id: "b" quantity: 1 })pb")),
       "request_id: "},
      {ValidateOfferAssistanceRequest(ParseTextProto<v1::OfferAssistanceRequest>(R"pb(request_id: "r")pb")),
       "offer.organization_id: "},
      {ValidateOfferAssistanceRequest(
           ParseTextProto<v1::OfferAssistanceRequest>(R"pb(request_id: "r"
                                                           offer { organization_id: "b" })pb")),
       "offer.quantity: must be between 1 and 100000, got 0"},
      {ValidateOfferAssistanceRequest(ParseTextProto<v1::OfferAssistanceRequest>(
           R"pb(request_id: "r"
                offer { organization_id: "b" quantity: 1 comment: "\x01" })pb")),
       "offer.comment: "},
      {ValidateAcceptOfferRequest(ParseTextProto<v1::AcceptOfferRequest>(R"pb(request_id: "r")pb")),
       "organization_id: "},
      {ValidateAcceptOfferRequest(ParseTextProto<v1::AcceptOfferRequest>(R"pb(organization_id: "b")pb")),
       "request_id: "},
      {ValidateFulfillRequestRequest(v1::FulfillRequestRequest()), "request_id: "},
      {ValidateCancelRequestRequest(ParseTextProto<v1::CancelRequestRequest>(R"pb(request_id: "R")pb")),
       "request_id: "},
      {ValidateCancelRequestRequest(ParseTextProto<v1::CancelRequestRequest>(
           absl::StrCat(R"pb(request_id: "r" reason: ")pb", std::string(2001, 'x'), "\""))),
       "reason: "},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.code(), absl::StatusCode::kInvalidArgument) << c.prefix;
    EXPECT_THAT(std::string(c.status.message()), StartsWith(c.prefix));
  }
}

struct ScenarioCase {
  std::string name;
  std::function<void(v1::Scenario&)> mutate;
  std::string error_prefix;
};

std::ostream& operator<<(std::ostream& out, const ScenarioCase& c) { return out << c.name; }

class ScenarioValidationTest : public ::testing::TestWithParam<ScenarioCase> {};

TEST_P(ScenarioValidationTest, NamesTheField) {
  v1::PutScenarioRequest request = ValidScenario();
  GetParam().mutate(*request.mutable_scenario());
  const absl::Status status = ValidatePutScenarioRequest(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith(GetParam().error_prefix));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, ScenarioValidationTest,
    ::testing::Values(
        ScenarioCase{"IdMissing", [](auto& s) { s.clear_id(); }, "scenario.id: "},
        ScenarioCase{"NameMissing", [](auto& s) { s.clear_name(); }, "scenario.name: required"},
        ScenarioCase{"DescriptionTooLong", [](auto& s) { s.set_description(std::string(4001, 'x')); },
                     "scenario.description: "},
        ScenarioCase{"RegionMissing", [](auto& s) { s.clear_safety_region(); }, "scenario.safety_region: required"},
        ScenarioCase{"RegionInvalid", [](auto& s) { s.set_safety_region("VR26"); }, "scenario.safety_region: "},
        ScenarioCase{"BedTypeMissing", [](auto& s) { s.mutable_capacity(1)->clear_bed_type(); },
                     "scenario.capacity[1].bed_type: required"},
        ScenarioCase{"QuantityZero", [](auto& s) { s.mutable_capacity(0)->set_quantity(0); },
                     "scenario.capacity[0].quantity: must be between 1 and 1000000, got 0"},
        ScenarioCase{"QuantityTooLarge", [](auto& s) { s.mutable_capacity(0)->set_quantity(1000001); },
                     "scenario.capacity[0].quantity: "},
        ScenarioCase{"SectorUnknown", [](auto& s) { s.mutable_capacity(0)->set_sector(static_cast<v1::Sector>(9)); },
                     "scenario.capacity[0].sector: unknown value 9"},
        ScenarioCase{"SameTypeAndSectorTwice", [](auto& s) { *s.add_capacity() = s.capacity(1); },
                     "scenario.capacity[3].bed_type: BED_TYPE_IC_ADULT for SECTOR_ACUTE_CARE appears twice (also at "
                     "scenario.capacity[1])"},
        ScenarioCase{"TooManyRequirements",
                     [](auto& s) {
                       for (int i = 0; i < 98; ++i) {
                         v1::CapacityRequirement& requirement = *s.add_capacity();
                         requirement.set_bed_type(v1::BED_TYPE_GENERAL_WARD);
                         requirement.set_quantity(1);
                       }
                     },
                     "scenario.capacity: at most 100 values allowed, got 101"},
        ScenarioCase{"SupplyTypeMissing", [](auto& s) { s.mutable_supplies(0)->clear_type(); },
                     "scenario.supplies[0].type: required"},
        ScenarioCase{"SupplyDaysZero", [](auto& s) { s.mutable_supplies(0)->set_min_days_of_supply(0); },
                     "scenario.supplies[0].min_days_of_supply: must be > 0"},
        ScenarioCase{
            "SupplyDaysNaN",
            [](auto& s) { s.mutable_supplies(0)->set_min_days_of_supply(std::numeric_limits<double>::quiet_NaN()); },
            "scenario.supplies[0].min_days_of_supply: must be a finite number"},
        ScenarioCase{"SupplyTwice", [](auto& s) { *s.add_supplies() = s.supplies(0); },
                     "scenario.supplies[1].type: SUPPLY_TYPE_OXYGEN appears twice (also at scenario.supplies[0])"}),
    [](const ::testing::TestParamInfo<ScenarioCase>& info) { return info.param.name; });

TEST(AssistanceValidationTest, SameBedTypeInDifferentSectorsIsAllowed) {
  v1::PutScenarioRequest request = ValidScenario();
  v1::CapacityRequirement& requirement = *request.mutable_scenario()->add_capacity();
  requirement.set_bed_type(v1::BED_TYPE_IC_ADULT);
  requirement.set_sector(v1::SECTOR_LONG_TERM_CARE);
  requirement.set_quantity(1);
  EXPECT_TRUE(ValidatePutScenarioRequest(request).ok()) << ValidatePutScenarioRequest(request);
}

}  // namespace
}  // namespace ketenbeeld::domain
