// Assistance requests and offers through the committer: every lifecycle transition, legal and illegal, with its
// status code; refused transitions take no revision. And scenarios: create, replace, compare-and-set.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/mutations/mutations.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using ::ketenbeeld::testing::MakeOrganization;
using ::testing::HasSubstr;
using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.

class AssistanceTest : public CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    MustSubmit(RegisterWrite(MakeOrganization("requester")));
    MustSubmit(RegisterWrite(MakeOrganization("helper-a")));
    MustSubmit(RegisterWrite(MakeOrganization("helper-b", v1::ORGANIZATION_KIND_NURSING_HOME)));
  }

  static mutations::WriteRequest RequestWrite(const std::string& id, const std::string& organization = "requester") {
    v1::RequestAssistanceRequest request;
    v1::AssistanceRequest& assistance = *request.mutable_request();
    assistance.set_id(id);
    assistance.set_organization_id(organization);
    assistance.set_type(v1::ASSISTANCE_TYPE_BEDS);
    assistance.set_bed_type(v1::BED_TYPE_IC_ADULT);
    assistance.set_quantity(4);
    return Write(request);
  }
  static mutations::WriteRequest OfferWrite(const std::string& id, const std::string& organization, int quantity = 2) {
    v1::OfferAssistanceRequest request;
    request.set_request_id(id);
    request.mutable_offer()->set_organization_id(organization);
    request.mutable_offer()->set_quantity(quantity);
    return Write(request);
  }
  static mutations::WriteRequest AcceptWrite(const std::string& id, const std::string& organization,
                                             std::optional<int> quantity = std::nullopt) {
    v1::AcceptOfferRequest request;
    request.set_request_id(id);
    request.set_organization_id(organization);
    if (quantity.has_value()) request.set_quantity(*quantity);
    return Write(request);
  }
  // Diesel for the generators, in litres, delivered to the requester's main site.
  static v1::RequestAssistanceRequest DieselRequest(const std::string& id, int litres) {
    v1::RequestAssistanceRequest request;
    v1::AssistanceRequest& assistance = *request.mutable_request();
    assistance.set_id(id);
    assistance.set_organization_id("requester");
    assistance.set_type(v1::ASSISTANCE_TYPE_FUEL);
    assistance.set_fuel_type(v1::FUEL_TYPE_DIESEL);
    assistance.set_quantity(litres);
    assistance.set_unit(v1::QUANTITY_UNIT_LITRES);
    assistance.mutable_delivery()->set_location_id("main");
    return request;
  }
  static mutations::WriteRequest FulfillWrite(const std::string& id) {
    v1::FulfillRequestRequest request;
    request.set_request_id(id);
    return Write(request);
  }
  static mutations::WriteRequest CancelWrite(const std::string& id) {
    v1::CancelRequestRequest request;
    request.set_request_id(id);
    request.set_reason("niet meer nodig");
    return Write(request);
  }

  // The request's state after the last committed change.
  v1::AssistanceRequest Current(const std::string& id) {
    state::RecordPtr record = picture_->Find(domain::AssistanceRequestName(id));
    EXPECT_NE(record, nullptr);
    return record == nullptr ? v1::AssistanceRequest() : record->record.assistance_request();
  }

  // Submits a write that must be refused with `code` and a message containing `text`, and take no revision.
  void ExpectRefused(mutations::WriteRequest request, absl::StatusCode code, const std::string& text) {
    const int64_t before = store_->last_revision();
    absl::StatusOr<WriteResult> result = Submit(std::move(request));
    EXPECT_EQ(result.status().code(), code) << result.status();
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(text));
    EXPECT_EQ(store_->last_revision(), before) << "a refused write took a revision";
  }
};

TEST_F(AssistanceTest, RequestIsOpenWithServerFieldsAndTheRequestersScope) {
  mutations::WriteRequest write = RequestWrite("ic-1");
  auto& assistance = *std::get<v1::RequestAssistanceRequest>(write.body).mutable_request();
  assistance.set_status(v1::ASSISTANCE_STATUS_FULFILLED);  // Output only: ignored.
  assistance.add_offers()->set_organization_id("helper-a");
  const v1::Record record = MustSubmit(std::move(write));
  EXPECT_EQ(record.name(), "assistance-requests/ic-1");
  EXPECT_EQ(record.kind(), v1::ENTITY_KIND_ASSISTANCE_REQUEST);
  EXPECT_EQ(record.scope().organization_id(), "requester");
  EXPECT_EQ(record.scope().safety_region(), "VR10");
  EXPECT_EQ(record.scope().sector(), v1::SECTOR_ACUTE_CARE);
  EXPECT_EQ(record.assistance_request().status(), v1::ASSISTANCE_STATUS_OPEN);
  EXPECT_EQ(record.assistance_request().offers_size(), 0);
  EXPECT_EQ(FromProtoTime(record.assistance_request().requested_at()), kStart);
}

TEST_F(AssistanceTest, RequestReferencesMustExistAndIdMustBeNew) {
  MustSubmit(RequestWrite("ic-1"));
  ExpectRefused(RequestWrite("ic-1"), absl::StatusCode::kFailedPrecondition, "already exists");
  ExpectRefused(RequestWrite("ic-2", "unknown"), absl::StatusCode::kInvalidArgument,
                "request.organization_id: organisation \"unknown\" is not registered");
  mutations::WriteRequest with_incident = RequestWrite("ic-3");
  std::get<v1::RequestAssistanceRequest>(with_incident.body).mutable_request()->set_incident_id("no-such-incident");
  ExpectRefused(std::move(with_incident), absl::StatusCode::kInvalidArgument,
                "request.incident_id: incident \"no-such-incident\" does not exist");
  ExpectRefused(OfferWrite("no-such-request", "helper-a"), absl::StatusCode::kNotFound,
                "request_id: assistance request \"no-such-request\" does not exist");
  ExpectRefused(AcceptWrite("no-such-request", "helper-a"), absl::StatusCode::kNotFound, "does not exist");
  ExpectRefused(FulfillWrite("no-such-request"), absl::StatusCode::kNotFound, "does not exist");
  ExpectRefused(CancelWrite("no-such-request"), absl::StatusCode::kNotFound, "does not exist");
}

TEST_F(AssistanceTest, OffersMoveOpenToOfferedAndReofferingReplaces) {
  MustSubmit(RequestWrite("ic-1"));
  ExpectRefused(OfferWrite("ic-1", "unknown"), absl::StatusCode::kInvalidArgument,
                "offer.organization_id: organisation \"unknown\" is not registered");
  ExpectRefused(OfferWrite("ic-1", "requester"), absl::StatusCode::kInvalidArgument,
                "offer.organization_id: organisation \"requester\" made the request");

  Advance(absl::Minutes(1));
  v1::AssistanceRequest request = MustSubmit(OfferWrite("ic-1", "helper-a", 2)).assistance_request();
  EXPECT_EQ(request.status(), v1::ASSISTANCE_STATUS_OFFERED);
  ASSERT_EQ(request.offers_size(), 1);
  EXPECT_EQ(request.offers(0).status(), v1::OFFER_STATUS_OFFERED);
  EXPECT_EQ(FromProtoTime(request.offers(0).offered_at()), kStart + absl::Minutes(1));

  request = MustSubmit(OfferWrite("ic-1", "helper-b", 1)).assistance_request();  // OFFERED -> OFFERED.
  EXPECT_EQ(request.status(), v1::ASSISTANCE_STATUS_OFFERED);
  ASSERT_EQ(request.offers_size(), 2);

  Advance(absl::Minutes(1));
  request = MustSubmit(OfferWrite("ic-1", "helper-a", 3)).assistance_request();
  ASSERT_EQ(request.offers_size(), 2) << "a second offer of the same organisation replaces its first";
  EXPECT_EQ(request.offers(0).organization_id(), "helper-a");
  EXPECT_EQ(request.offers(0).quantity(), 3);
  EXPECT_EQ(FromProtoTime(request.offers(0).offered_at()), kStart + absl::Minutes(2));
  EXPECT_EQ(request.offers(1).organization_id(), "helper-b");
}

TEST_F(AssistanceTest, AcceptNeedsAnOfferedRequestAndAnOfferOfThatOrganisation) {
  MustSubmit(RegisterWrite(MakeOrganization("helper-c")));
  MustSubmit(RequestWrite("ic-1"));  // 4 beds.
  ExpectRefused(AcceptWrite("ic-1", "helper-a"), absl::StatusCode::kFailedPrecondition, "ASSISTANCE_STATUS_OPEN");
  MustSubmit(OfferWrite("ic-1", "helper-a"));  // 2 each.
  MustSubmit(OfferWrite("ic-1", "helper-b"));
  ExpectRefused(AcceptWrite("ic-1", "requester"), absl::StatusCode::kInvalidArgument,
                "organization_id: organisation \"requester\" has made no offer");

  Advance(absl::Minutes(5));
  v1::AssistanceRequest request = MustSubmit(AcceptWrite("ic-1", "helper-b")).assistance_request();
  EXPECT_EQ(request.status(), v1::ASSISTANCE_STATUS_ACCEPTED);
  EXPECT_EQ(request.accepted_quantity(), 2) << "2 of 4 beds: accepted, but not yet covered";
  EXPECT_EQ(request.offers(0).status(), v1::OFFER_STATUS_OFFERED);
  EXPECT_EQ(request.offers(1).status(), v1::OFFER_STATUS_ACCEPTED);
  EXPECT_EQ(request.offers(1).accepted_quantity(), 2);
  EXPECT_EQ(FromProtoTime(request.offers(1).accepted_at()), kStart + absl::Minutes(5));
  ExpectRefused(AcceptWrite("ic-1", "helper-b"), absl::StatusCode::kFailedPrecondition,
                "is OFFER_STATUS_ACCEPTED: only an offer in OFFER_STATUS_OFFERED can be accepted");

  // Before this change one accepted offer closed the request; now the second one covers it.
  request = MustSubmit(AcceptWrite("ic-1", "helper-a")).assistance_request();
  EXPECT_EQ(request.status(), v1::ASSISTANCE_STATUS_ACCEPTED);
  EXPECT_EQ(request.accepted_quantity(), 4);
  ExpectRefused(OfferWrite("ic-1", "helper-c"), absl::StatusCode::kFailedPrecondition,
                "is ASSISTANCE_STATUS_ACCEPTED and covered (4 beds of 4 beds accepted): cannot offer");
  ExpectRefused(AcceptWrite("ic-1", "helper-a"), absl::StatusCode::kFailedPrecondition, "covered");
}

// The walk-through of issue 15: 2,000 + 2,000 + 1,000 litres of diesel fulfil a request for 5,000 litres.
TEST_F(AssistanceTest, ThreePartialOffersCoverAndFulfilFiveThousandLitresOfDiesel) {
  MustSubmit(RegisterWrite(MakeOrganization("helper-c")));
  MustSubmit(RegisterWrite(MakeOrganization("helper-d")));
  MustSubmit(Write(DieselRequest("diesel", 5000)));
  for (const char* helper : {"helper-a", "helper-b", "helper-c"}) MustSubmit(OfferWrite("diesel", helper, 2000));

  EXPECT_EQ(MustSubmit(AcceptWrite("diesel", "helper-a")).assistance_request().accepted_quantity(), 2000);
  // Partially covered: still open to offers, and an offer keeps it ACCEPTED.
  v1::AssistanceRequest request = MustSubmit(OfferWrite("diesel", "helper-d", 500)).assistance_request();
  EXPECT_EQ(request.status(), v1::ASSISTANCE_STATUS_ACCEPTED);
  EXPECT_EQ(request.accepted_quantity(), 2000);
  EXPECT_EQ(MustSubmit(AcceptWrite("diesel", "helper-b")).assistance_request().accepted_quantity(), 4000);

  // helper-c's 2,000 litres are more than the 1,000 still needed: refused, not cut, until the requester says so.
  ExpectRefused(AcceptWrite("diesel", "helper-c"), absl::StatusCode::kFailedPrecondition,
                "assistance request \"diesel\" still needs 1000 litres, less than the 2000 litres to accept from "
                "organisation \"helper-c\": accept part of the offer (quantity at most 1000)");
  ExpectRefused(AcceptWrite("diesel", "helper-c", 1001), absl::StatusCode::kFailedPrecondition, "still needs 1000");
  ExpectRefused(AcceptWrite("diesel", "helper-c", 2001), absl::StatusCode::kInvalidArgument,
                "quantity: 2001 litres is more than organisation \"helper-c\" offered (2000 litres)");
  request = MustSubmit(AcceptWrite("diesel", "helper-c", 1000)).assistance_request();
  EXPECT_EQ(request.status(), v1::ASSISTANCE_STATUS_ACCEPTED);
  EXPECT_EQ(request.accepted_quantity(), 5000);
  EXPECT_EQ(request.offers(2).quantity(), 2000) << "the offer stays as made";
  EXPECT_EQ(request.offers(2).accepted_quantity(), 1000);

  // Covered: helper-d's offer can no longer be accepted, and nobody can offer more.
  ExpectRefused(AcceptWrite("diesel", "helper-d"), absl::StatusCode::kFailedPrecondition,
                "covered (5000 litres of 5000 litres accepted)");
  ExpectRefused(OfferWrite("diesel", "helper-d", 100), absl::StatusCode::kFailedPrecondition, "covered");

  // helper-b's truck brought 1,800 litres; the others delivered what was accepted.
  Advance(absl::Hours(3));
  v1::FulfillRequestRequest fulfil;
  fulfil.set_request_id("diesel");
  v1::OfferDelivery& short_load = *fulfil.add_deliveries();
  short_load.set_organization_id("helper-b");
  short_load.set_quantity(1800);
  request = MustSubmit(Write(fulfil)).assistance_request();
  EXPECT_EQ(request.status(), v1::ASSISTANCE_STATUS_FULFILLED);
  EXPECT_EQ(request.delivered_quantity(), 4800);
  EXPECT_EQ(FromProtoTime(request.fulfilled_at()), kStart + absl::Hours(3));
  ASSERT_EQ(request.offers_size(), 4);
  EXPECT_EQ(request.offers(0).delivered_quantity(), 2000);
  EXPECT_EQ(request.offers(1).delivered_quantity(), 1800);
  EXPECT_EQ(request.offers(2).delivered_quantity(), 1000);
  EXPECT_FALSE(request.offers(3).has_delivered_quantity()) << "helper-d's offer was never accepted";
  EXPECT_EQ(Current("diesel").delivered_quantity(), 4800);
}

TEST_F(AssistanceTest, AnAcceptedOfferCannotBeReplacedButOthersStillCan) {
  MustSubmit(RequestWrite("ic-1"));  // 4 beds.
  MustSubmit(OfferWrite("ic-1", "helper-a", 1));
  MustSubmit(OfferWrite("ic-1", "helper-b", 1));
  MustSubmit(AcceptWrite("ic-1", "helper-a"));
  ExpectRefused(OfferWrite("ic-1", "helper-a", 3), absl::StatusCode::kFailedPrecondition,
                "the offer of organisation \"helper-a\" on assistance request \"ic-1\" is already accepted");
  const v1::AssistanceRequest request = MustSubmit(OfferWrite("ic-1", "helper-b", 3)).assistance_request();
  EXPECT_EQ(request.offers(1).quantity(), 3);
  EXPECT_EQ(request.status(), v1::ASSISTANCE_STATUS_ACCEPTED);
}

TEST_F(AssistanceTest, AFulfilmentMayBePartialAndNamesOnlyAcceptedOffers) {
  MustSubmit(Write(DieselRequest("diesel", 5000)));
  MustSubmit(OfferWrite("diesel", "helper-a", 2000));
  MustSubmit(OfferWrite("diesel", "helper-b", 2000));
  MustSubmit(AcceptWrite("diesel", "helper-a"));

  v1::FulfillRequestRequest fulfil;
  fulfil.set_request_id("diesel");
  fulfil.add_deliveries()->set_organization_id("helper-a");
  fulfil.add_deliveries()->set_organization_id("helper-b");  // Offered, never accepted.
  ExpectRefused(Write(fulfil), absl::StatusCode::kInvalidArgument,
                "deliveries[1].organization_id: organisation \"helper-b\" has no accepted offer on assistance "
                "request \"diesel\"");
  EXPECT_EQ(Current("diesel").status(), v1::ASSISTANCE_STATUS_ACCEPTED);

  // Partially covered (2,000 of 5,000) and the requester closes it: nothing arrived after all.
  fulfil.mutable_deliveries()->RemoveLast();
  const v1::AssistanceRequest request = MustSubmit(Write(fulfil)).assistance_request();
  EXPECT_EQ(request.status(), v1::ASSISTANCE_STATUS_FULFILLED);
  EXPECT_EQ(request.accepted_quantity(), 2000);
  EXPECT_EQ(request.delivered_quantity(), 0);
  EXPECT_EQ(request.offers(0).delivered_quantity(), 0);
  EXPECT_TRUE(request.offers(0).has_delivered_quantity()) << "0 delivered is recorded, not absent";
}

TEST_F(AssistanceTest, UnitAndPriorityDefaultsAreStoredAndTheDeliveryLocationMustBeTheRequesters) {
  v1::AssistanceRequest request = MustSubmit(RequestWrite("ic-1")).assistance_request();
  EXPECT_EQ(request.unit(), v1::QUANTITY_UNIT_BEDS);
  EXPECT_EQ(request.priority(), v1::ASSISTANCE_PRIORITY_NORMAL);

  v1::RequestAssistanceRequest diesel = DieselRequest("diesel", 5000);
  diesel.mutable_request()->clear_unit();
  diesel.mutable_request()->set_priority(v1::ASSISTANCE_PRIORITY_URGENT);
  diesel.mutable_request()->mutable_delivery()->set_location_id("elders");
  ExpectRefused(Write(diesel), absl::StatusCode::kInvalidArgument,
                "request.delivery.location_id: organisation \"requester\" has no location \"elders\"");
  diesel.mutable_request()->mutable_delivery()->set_location_id("main");
  request = MustSubmit(Write(diesel)).assistance_request();
  EXPECT_EQ(request.unit(), v1::QUANTITY_UNIT_LITRES);
  EXPECT_EQ(request.priority(), v1::ASSISTANCE_PRIORITY_URGENT);
  EXPECT_EQ(request.fuel_type(), v1::FUEL_TYPE_DIESEL);
  EXPECT_EQ(request.delivery().location_id(), "main");

  v1::RequestAssistanceRequest staff;
  staff.mutable_request()->set_id("nurses");
  staff.mutable_request()->set_organization_id("requester");
  staff.mutable_request()->set_type(v1::ASSISTANCE_TYPE_STAFF);
  staff.mutable_request()->set_quantity(4);
  staff.mutable_request()->set_unit(v1::QUANTITY_UNIT_LITRES);
  ExpectRefused(Write(staff), absl::StatusCode::kInvalidArgument, "request.staff_discipline: required");
  staff.mutable_request()->set_staff_discipline(v1::STAFF_DISCIPLINE_IC_NURSE);
  ExpectRefused(Write(staff), absl::StatusCode::kInvalidArgument,
                "request.unit: QUANTITY_UNIT_LITRES does not fit type ASSISTANCE_TYPE_STAFF");
  staff.mutable_request()->clear_unit();
  EXPECT_EQ(MustSubmit(Write(staff)).assistance_request().unit(), v1::QUANTITY_UNIT_PERSONS);
}

TEST_F(AssistanceTest, FulfilOnlyWhenAcceptedAndFulfilledIsFinal) {
  MustSubmit(RequestWrite("ic-1"));
  ExpectRefused(FulfillWrite("ic-1"), absl::StatusCode::kFailedPrecondition,
                "assistance request \"ic-1\" is ASSISTANCE_STATUS_OPEN: cannot fulfil it");
  MustSubmit(OfferWrite("ic-1", "helper-a"));
  ExpectRefused(FulfillWrite("ic-1"), absl::StatusCode::kFailedPrecondition, "ASSISTANCE_STATUS_OFFERED");
  MustSubmit(AcceptWrite("ic-1", "helper-a"));
  EXPECT_EQ(MustSubmit(FulfillWrite("ic-1")).assistance_request().status(), v1::ASSISTANCE_STATUS_FULFILLED);

  for (mutations::WriteRequest& write :
       std::vector<mutations::WriteRequest>{OfferWrite("ic-1", "helper-b"), AcceptWrite("ic-1", "helper-a"),
                                            FulfillWrite("ic-1"), CancelWrite("ic-1")}) {
    ExpectRefused(std::move(write), absl::StatusCode::kFailedPrecondition, "is ASSISTANCE_STATUS_FULFILLED");
  }
  EXPECT_EQ(Current("ic-1").status(), v1::ASSISTANCE_STATUS_FULFILLED);
}

TEST_F(AssistanceTest, CancelFromOpenOfferedOrAcceptedAndCancelledIsFinal) {
  MustSubmit(RequestWrite("open"));
  MustSubmit(RequestWrite("offered"));
  MustSubmit(OfferWrite("offered", "helper-a"));
  MustSubmit(RequestWrite("accepted"));
  MustSubmit(OfferWrite("accepted", "helper-a"));
  MustSubmit(AcceptWrite("accepted", "helper-a"));
  for (const char* id : {"open", "offered", "accepted"}) {
    EXPECT_EQ(MustSubmit(CancelWrite(id)).assistance_request().status(), v1::ASSISTANCE_STATUS_CANCELLED) << id;
  }
  for (mutations::WriteRequest& write :
       std::vector<mutations::WriteRequest>{OfferWrite("open", "helper-b"), AcceptWrite("offered", "helper-a"),
                                            FulfillWrite("accepted"), CancelWrite("open")}) {
    ExpectRefused(std::move(write), absl::StatusCode::kFailedPrecondition, "is ASSISTANCE_STATUS_CANCELLED");
  }
}

TEST_F(AssistanceTest, AtMostAHundredOffersButExistingOfferersMayStillReoffer) {
  MustSubmit(RequestWrite("ic-1"));
  for (int i = 0; i < 101; ++i) MustSubmit(RegisterWrite(MakeOrganization(absl::StrCat("org-", i))));
  for (int i = 0; i < 100; ++i) MustSubmit(OfferWrite("ic-1", absl::StrCat("org-", i)));
  ExpectRefused(OfferWrite("ic-1", "org-100"), absl::StatusCode::kFailedPrecondition, "100 offers");
  const v1::AssistanceRequest request = MustSubmit(OfferWrite("ic-1", "org-7", 9)).assistance_request();
  EXPECT_EQ(request.offers_size(), 100);
  EXPECT_EQ(request.offers(7).quantity(), 9);
}

TEST_F(AssistanceTest, TransitionsInOneCommitGroupSeeEachOther) {
  // Queued together, so they can share a group: each must see the state the previous one left.
  std::vector<mutations::WriteRequest> writes;
  writes.push_back(RequestWrite("ic-1"));
  writes.push_back(OfferWrite("ic-1", "helper-a"));
  writes.push_back(AcceptWrite("ic-1", "helper-a"));
  writes.push_back(FulfillWrite("ic-1"));
  writes.push_back(CancelWrite("ic-1"));  // Refused: fulfilled by then.
  const std::vector<absl::StatusOr<WriteResult>> results = SubmitAll(std::move(writes));
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].status();
  EXPECT_EQ(results[4].status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Current("ic-1").status(), v1::ASSISTANCE_STATUS_FULFILLED);
}

// Requests stored before accepted quantities existed keep their meaning (assistance.proto): the offer accepted then
// covers the whole request, so no further offer or acceptance is possible, as it was not then; fulfilment records the
// accepted offer as delivered in full. Planned against a picture holding such a record, as a restart would load it.
TEST(AssistancePlannerTest, AnOfferAcceptedBeforeQuantitiesExistedCoversTheWholeRequest) {
  state::Picture picture;
  for (const char* id : {"requester", "helper-a", "helper-b"}) {
    PutDirectly(picture, OrganizationRecord(MakeOrganization(id)));
  }
  v1::Record legacy;
  legacy.set_name("assistance-requests/old");
  legacy.set_kind(v1::ENTITY_KIND_ASSISTANCE_REQUEST);
  legacy.mutable_scope()->set_organization_id("requester");
  v1::AssistanceRequest& old = *legacy.mutable_assistance_request();
  old.set_id("old");
  old.set_organization_id("requester");
  old.set_type(v1::ASSISTANCE_TYPE_BEDS);
  old.set_bed_type(v1::BED_TYPE_IC_ADULT);
  old.set_quantity(4);
  old.set_status(v1::ASSISTANCE_STATUS_ACCEPTED);  // No unit, priority or accepted quantities: written before them.
  v1::Offer& accepted = *old.add_offers();
  accepted.set_organization_id("helper-a");
  accepted.set_quantity(2);
  accepted.set_status(v1::OFFER_STATUS_ACCEPTED);
  v1::Offer& pending = *old.add_offers();
  pending.set_organization_id("helper-b");
  pending.set_quantity(1);
  pending.set_status(v1::OFFER_STATUS_OFFERED);
  PutDirectly(picture, legacy);

  const domain::Region region = domain::Region::Default();
  const auto plan = [&](mutations::WriteRequest::Body body) {
    return mutations::PlanWrite(
        std::move(body), mutations::PlanContext{.commit_time = kStart,
                                                .region = region,
                                                .lookup = [&](absl::string_view name) { return picture.Find(name); },
                                                .picture = picture,
                                                .next_revision = picture.revision() + 1});
  };
  v1::OfferAssistanceRequest offer;
  offer.set_request_id("old");
  offer.mutable_offer()->set_organization_id("helper-b");
  offer.mutable_offer()->set_quantity(2);
  absl::StatusOr<mutations::WritePlan> planned = plan(offer);
  EXPECT_EQ(planned.status().code(), absl::StatusCode::kFailedPrecondition) << planned.status();
  EXPECT_THAT(std::string(planned.status().message()), HasSubstr("covered (4 beds of 4 beds accepted)"));
  v1::AcceptOfferRequest accept;
  accept.set_request_id("old");
  accept.set_organization_id("helper-b");
  planned = plan(accept);
  EXPECT_EQ(planned.status().code(), absl::StatusCode::kFailedPrecondition) << planned.status();

  v1::FulfillRequestRequest fulfil;
  fulfil.set_request_id("old");
  planned = plan(fulfil);
  ASSERT_TRUE(planned.ok()) << planned.status();
  ASSERT_EQ(planned->changes.size(), 1u);
  EXPECT_EQ(planned->already_done, nullptr);
  const v1::AssistanceRequest& fulfilled = planned->changes[0].record.assistance_request();
  EXPECT_EQ(fulfilled.status(), v1::ASSISTANCE_STATUS_FULFILLED);
  EXPECT_EQ(fulfilled.accepted_quantity(), 4);
  EXPECT_EQ(fulfilled.offers(0).delivered_quantity(), 2) << "delivered as offered and accepted";
  EXPECT_EQ(fulfilled.delivered_quantity(), 2);
  EXPECT_FALSE(fulfilled.offers(1).has_delivered_quantity());
}

v1::PutScenarioRequest ScenarioRequest(const std::string& name) {
  v1::PutScenarioRequest request;
  v1::Scenario& scenario = *request.mutable_scenario();
  scenario.set_id("overstroming");
  scenario.set_name(name);
  scenario.set_safety_region("VR10");
  v1::CapacityRequirement& requirement = *scenario.add_capacity();
  requirement.set_bed_type(v1::BED_TYPE_IC_ADULT);
  requirement.set_quantity(20);
  return request;
}

TEST_F(AssistanceTest, AScenarioOfAnotherRegionIsRefusedNamingTheField) {
  v1::PutScenarioRequest request = ScenarioRequest("Overstroming");
  request.mutable_scenario()->set_safety_region("VR11");
  absl::StatusOr<WriteResult> result = Submit(Write(request));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(result.status().message(), "scenario.safety_region: \"VR11\" is not this server's"))
      << result.status();
}

TEST_F(AssistanceTest, ScenarioIsCreatedAndReplacedWithCompareAndSet) {
  const v1::Record created = MustSubmit(Write(ScenarioRequest("Overstroming")));
  EXPECT_EQ(created.name(), "scenarios/overstroming");
  EXPECT_EQ(created.kind(), v1::ENTITY_KIND_SCENARIO);
  EXPECT_EQ(created.scope().safety_region(), "VR10");
  EXPECT_EQ(created.scope().organization_id(), "");

  v1::PutScenarioRequest stale = ScenarioRequest("Dijkdoorbraak");
  stale.set_expected_revision(created.mod_revision() - 1);
  ExpectRefused(Write(stale), absl::StatusCode::kAborted, "expected_revision");
  v1::PutScenarioRequest must_not_exist = ScenarioRequest("Dijkdoorbraak");
  must_not_exist.set_expected_revision(0);
  ExpectRefused(Write(must_not_exist), absl::StatusCode::kAborted, "expected_revision");

  v1::PutScenarioRequest replace = ScenarioRequest("Dijkdoorbraak");
  replace.set_expected_revision(created.mod_revision());
  const v1::Record replaced = MustSubmit(Write(replace));
  EXPECT_EQ(replaced.scenario().name(), "Dijkdoorbraak");
  EXPECT_EQ(replaced.create_revision(), created.create_revision());
  EXPECT_GT(replaced.mod_revision(), created.mod_revision());
}

TEST_F(AssistanceTest, InvalidFieldsAreRefusedBeforePlanning) {
  mutations::WriteRequest write = RequestWrite("ic-1");
  std::get<v1::RequestAssistanceRequest>(write.body).mutable_request()->clear_bed_type();
  ExpectRefused(std::move(write), absl::StatusCode::kInvalidArgument, "request.bed_type: required");
}

}  // namespace
}  // namespace ketenbeeld::pipeline
