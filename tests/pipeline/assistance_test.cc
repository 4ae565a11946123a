// Assistance requests and offers through the committer: every lifecycle transition, legal and illegal, with its
// status code; refused transitions take no revision. And scenarios: create, replace, compare-and-set.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
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
  static mutations::WriteRequest AcceptWrite(const std::string& id, const std::string& organization) {
    v1::AcceptOfferRequest request;
    request.set_request_id(id);
    request.set_organization_id(organization);
    return Write(request);
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
  MustSubmit(RequestWrite("ic-1"));
  ExpectRefused(AcceptWrite("ic-1", "helper-a"), absl::StatusCode::kFailedPrecondition, "ASSISTANCE_STATUS_OPEN");
  MustSubmit(OfferWrite("ic-1", "helper-a"));
  MustSubmit(OfferWrite("ic-1", "helper-b"));
  ExpectRefused(AcceptWrite("ic-1", "requester"), absl::StatusCode::kInvalidArgument,
                "organization_id: organisation \"requester\" has made no offer");

  const v1::AssistanceRequest request = MustSubmit(AcceptWrite("ic-1", "helper-b")).assistance_request();
  EXPECT_EQ(request.status(), v1::ASSISTANCE_STATUS_ACCEPTED);
  EXPECT_EQ(request.offers(0).status(), v1::OFFER_STATUS_OFFERED);
  EXPECT_EQ(request.offers(1).status(), v1::OFFER_STATUS_ACCEPTED);

  ExpectRefused(AcceptWrite("ic-1", "helper-a"), absl::StatusCode::kFailedPrecondition, "ASSISTANCE_STATUS_ACCEPTED");
  ExpectRefused(OfferWrite("ic-1", "helper-a"), absl::StatusCode::kFailedPrecondition, "ASSISTANCE_STATUS_ACCEPTED");
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
