// Assistance requests, scenarios, the reports and the reporting cadence through the gRPC API: lifecycle codes as a
// client sees them, the overdue fact appearing exactly once in the history (also across a restart) and cleared by
// a new report, the tighter cadence while an incident is scaled up, the gap report, the capacity overview and
// dispatch's FindCapacity. A fake commit clock makes hours pass at once; ticks run every 20 ms.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kTickInterval = absl::Milliseconds(20);

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

// The commit clock of the server under test: moves only when told. Outlives server restarts.
class FakeClock {
 public:
  absl::Time Now() {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) = absl::FromUnixSeconds(1704067200);  // 2024-01-01T00:00:00Z
};

class AssistanceReportTest : public ::testing::Test {
 protected:
  AssistanceReportTest()
      : clock_(std::make_shared<FakeClock>()), server_([clock = clock_](app::ServerOptions& options) {
          options.committer.clock = [clock] { return clock->Now(); };
          options.tick_interval = kTickInterval;
        }) {
    Connect();
  }

  // Stubs for the current channel (a restart makes a new one).
  void Connect() {
    assistance_ = v1::AssistanceService::NewStub(server_.channel());
    reports_ = v1::ReportService::NewStub(server_.channel());
    incidents_ = v1::IncidentService::NewStub(server_.channel());
  }

  grpc::Status RequestHelp(const std::string& id, const std::string& organization, v1::WriteResponse* response,
                           const std::string& incident_id = "") {
    v1::RequestAssistanceRequest request;
    v1::AssistanceRequest& help = *request.mutable_request();
    help.set_id(id);
    help.set_organization_id(organization);
    help.set_type(v1::ASSISTANCE_TYPE_GENERATOR);
    help.set_quantity(1);
    help.set_incident_id(incident_id);
    help.set_description("Noodstroomaggregaat voor de IC");
    return assistance_->RequestAssistance(Context().get(), request, response);
  }
  grpc::Status Offer(const std::string& id, const std::string& organization, v1::WriteResponse* response) {
    v1::OfferAssistanceRequest request;
    request.set_request_id(id);
    request.mutable_offer()->set_organization_id(organization);
    request.mutable_offer()->set_quantity(1);
    return assistance_->OfferAssistance(Context().get(), request, response);
  }
  grpc::Status Accept(const std::string& id, const std::string& organization, v1::WriteResponse* response) {
    v1::AcceptOfferRequest request;
    request.set_request_id(id);
    request.set_organization_id(organization);
    return assistance_->AcceptOffer(Context().get(), request, response);
  }
  grpc::Status Fulfill(const std::string& id, v1::WriteResponse* response) {
    v1::FulfillRequestRequest request;
    request.set_request_id(id);
    return assistance_->FulfillRequest(Context().get(), request, response);
  }
  grpc::Status Cancel(const std::string& id, v1::WriteResponse* response) {
    v1::CancelRequestRequest request;
    request.set_request_id(id);
    return assistance_->CancelRequest(Context().get(), request, response);
  }
  grpc::Status OpenIncident(const std::string& id, const std::string& level, std::vector<std::string> affected) {
    v1::OpenIncidentRequest request;
    v1::Incident& incident = *request.mutable_incident();
    incident.set_id(id);
    incident.set_title("Brand chemiebedrijf");
    incident.set_type("brand");
    incident.set_scale_up_level(level);
    incident.set_safety_region("VR10");
    for (std::string& organization : affected) incident.add_affected_organization_ids(std::move(organization));
    v1::WriteResponse ignored;
    return incidents_->OpenIncident(Context().get(), request, &ignored);
  }

  v1::StatusReport CurrentReport(const std::string& organization) {
    v1::GetRequest request;
    request.set_name("organizations/" + organization + "/status");
    v1::GetResponse response;
    const grpc::Status status = server_.stub().Get(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.record().status_report();
  }

  // Waits (bounded) until the organisation's report carries overdue_since.
  bool WaitForOverdue(const std::string& organization) {
    for (absl::Time deadline = absl::Now() + absl::Seconds(10); absl::Now() < deadline;) {
      if (CurrentReport(organization).has_overdue_since()) return true;
      absl::SleepFor(kTickInterval);
    }
    return false;
  }

  // Runs several ticks to their commit, so that a fact planned twice would be in the log by now.
  void LetTicksRun() {
    for (int tick = 0; tick < 3; ++tick) ASSERT_TRUE(server_.server().TickNow().ok());
  }

  // The events in the history that mark a report overdue.
  std::vector<v1::Event> OverdueEvents() {
    v1::HistoryRequest request;
    request.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
    std::vector<v1::Event> overdue;
    for (int64_t from = 1; from != 0;) {
      request.set_from_revision(from);
      v1::HistoryResponse response;
      const grpc::Status status = server_.stub().History(Context().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::Event& event : response.events()) {
        if (event.record().status_report().has_overdue_since()) overdue.push_back(event);
      }
      from = response.next_from_revision();
    }
    return overdue;
  }

  v1::OperationalSummary Summary() {
    v1::OperationalSummary summary;
    const grpc::Status status =
        reports_->GetOperationalSummary(Context().get(), v1::GetOperationalSummaryRequest(), &summary);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return summary;
  }

  std::shared_ptr<FakeClock> clock_;
  TestServer server_;
  std::unique_ptr<v1::AssistanceService::Stub> assistance_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::IncidentService::Stub> incidents_;
};

TEST_F(AssistanceReportTest, AssistanceLifecycleWithStatusCodes) {
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("vvt-zon", v1::ORGANIZATION_KIND_NURSING_HOME)).ok());
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("defensie", v1::ORGANIZATION_KIND_DEFENCE)).ok());
  v1::WriteResponse response;
  ASSERT_TRUE(RequestHelp("aggregaat", "vvt-zon", &response).ok());
  EXPECT_EQ(response.record().name(), "assistance-requests/aggregaat");
  EXPECT_EQ(response.record().assistance_request().status(), v1::ASSISTANCE_STATUS_OPEN);
  EXPECT_EQ(response.record().scope().sector(), v1::SECTOR_LONG_TERM_CARE);

  grpc::Status status = RequestHelp("aggregaat", "vvt-zon", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  status = RequestHelp("ander", "onbekend", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("request.organization_id"));
  status = Offer("bestaat-niet", "defensie", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  status = Fulfill("aggregaat", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("ASSISTANCE_STATUS_OPEN"));

  ASSERT_TRUE(Offer("aggregaat", "defensie", &response).ok());
  EXPECT_EQ(response.record().assistance_request().status(), v1::ASSISTANCE_STATUS_OFFERED);
  ASSERT_TRUE(Accept("aggregaat", "defensie", &response).ok());
  EXPECT_EQ(response.record().assistance_request().status(), v1::ASSISTANCE_STATUS_ACCEPTED);
  ASSERT_TRUE(Fulfill("aggregaat", &response).ok());
  EXPECT_EQ(response.record().assistance_request().status(), v1::ASSISTANCE_STATUS_FULFILLED);
  status = Cancel("aggregaat", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("ASSISTANCE_STATUS_FULFILLED"));

  ASSERT_TRUE(RequestHelp("tweede", "vvt-zon", &response).ok());
  ASSERT_TRUE(Cancel("tweede", &response).ok());
  EXPECT_EQ(response.record().assistance_request().status(), v1::ASSISTANCE_STATUS_CANCELLED);

  // The open ones appear in the operational summary; fulfilled and cancelled ones do not.
  ASSERT_TRUE(RequestHelp("derde", "vvt-zon", &response).ok());
  const v1::OperationalSummary summary = Summary();
  ASSERT_EQ(summary.open_requests_size(), 1);
  EXPECT_EQ(summary.open_requests(0).id(), "derde");
}

// Issue 15's walk-through through the gRPC API: a hospital on generators asks for 5,000 litres of diesel, three
// suppliers offer 2,000 each; the hospital accepts 2,000 + 2,000 + 1,000 (part of the third), which covers it, and
// records what arrived. Every refusal is checked for its code and for leaving the request as it was.
TEST_F(AssistanceReportTest, ThreePartialOffersFulfilOneDieselRequest) {
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("zh-noord")).ok());
  for (const char* supplier : {"defensie", "brandstof-west", "gemeente"}) {
    ASSERT_TRUE(Register(server_.stub(), MakeOrganization(supplier, v1::ORGANIZATION_KIND_DEFENCE)).ok());
  }
  v1::RequestAssistanceRequest ask;
  v1::AssistanceRequest& diesel = *ask.mutable_request();
  diesel.set_id("diesel-zh-noord");
  diesel.set_organization_id("zh-noord");
  diesel.set_type(v1::ASSISTANCE_TYPE_FUEL);
  diesel.set_fuel_type(v1::FUEL_TYPE_DIESEL);
  diesel.set_quantity(5000);
  diesel.set_unit(v1::QUANTITY_UNIT_PERSONS);
  diesel.set_priority(v1::ASSISTANCE_PRIORITY_URGENT);
  diesel.mutable_delivery()->set_location_id("main");
  diesel.mutable_delivery()->set_instructions("Tank aggregaat achterzijde");
  v1::WriteResponse response;
  grpc::Status status = assistance_->RequestAssistance(Context().get(), ask, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("request.unit: QUANTITY_UNIT_PERSONS does not fit type ASSISTANCE_TYPE_FUEL"));
  diesel.set_unit(v1::QUANTITY_UNIT_LITRES);
  status = assistance_->RequestAssistance(Context().get(), ask, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const int64_t requested_revision = response.revision();

  for (const char* supplier : {"defensie", "brandstof-west", "gemeente"}) {
    v1::OfferAssistanceRequest offer;
    offer.set_request_id("diesel-zh-noord");
    offer.mutable_offer()->set_organization_id(supplier);
    offer.mutable_offer()->set_quantity(2000);
    status = assistance_->OfferAssistance(Context().get(), offer, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const auto accept = [&](const std::string& supplier, std::optional<int> quantity) {
    v1::AcceptOfferRequest request;
    request.set_request_id("diesel-zh-noord");
    request.set_organization_id(supplier);
    if (quantity.has_value()) request.set_quantity(*quantity);
    return assistance_->AcceptOffer(Context().get(), request, &response);
  };
  ASSERT_TRUE(accept("defensie", std::nullopt).ok());
  EXPECT_EQ(response.record().assistance_request().accepted_quantity(), 2000);
  ASSERT_TRUE(accept("brandstof-west", std::nullopt).ok());
  EXPECT_EQ(response.record().assistance_request().accepted_quantity(), 4000);
  EXPECT_EQ(response.record().assistance_request().status(), v1::ASSISTANCE_STATUS_ACCEPTED);
  const int64_t before_refusals = response.revision();

  status = accept("gemeente", std::nullopt);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("still needs 1000 litres"));
  status = accept("gemeente", 0);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("quantity: must be between 1 and 100000, got 0"));
  v1::GetRequest get;
  get.set_name("assistance-requests/diesel-zh-noord");
  v1::GetResponse current;
  ASSERT_TRUE(server_.stub().Get(Context().get(), get, &current).ok());
  EXPECT_EQ(current.revision(), before_refusals) << "a refused write took a revision";
  EXPECT_EQ(current.record().assistance_request().accepted_quantity(), 4000);

  ASSERT_TRUE(accept("gemeente", 1000).ok());
  EXPECT_EQ(response.record().assistance_request().accepted_quantity(), 5000);

  v1::FulfillRequestRequest fulfil;
  fulfil.set_request_id("diesel-zh-noord");
  v1::OfferDelivery& delivered = *fulfil.add_deliveries();
  delivered.set_organization_id("gemeente");
  delivered.set_quantity(950);
  status = assistance_->FulfillRequest(Context().get(), fulfil, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::AssistanceRequest& done = response.record().assistance_request();
  EXPECT_EQ(done.status(), v1::ASSISTANCE_STATUS_FULFILLED);
  EXPECT_EQ(done.unit(), v1::QUANTITY_UNIT_LITRES);
  EXPECT_EQ(done.priority(), v1::ASSISTANCE_PRIORITY_URGENT);
  EXPECT_EQ(done.accepted_quantity(), 5000);
  EXPECT_EQ(done.delivered_quantity(), 4950);
  std::vector<int> per_offer;
  for (const v1::Offer& offer : done.offers()) per_offer.push_back(offer.delivered_quantity());
  EXPECT_THAT(per_offer, ElementsAre(2000, 2000, 950));
  EXPECT_EQ(response.revision(), requested_revision + 7) << "request, 3 offers, 3 acceptances and the fulfilment";
}

TEST_F(AssistanceReportTest, OperationalSummaryListsTheMostUrgentRequestFirst) {
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("vvt", v1::ORGANIZATION_KIND_NURSING_HOME)).ok());
  const auto ask = [&](const std::string& id, v1::AssistancePriority priority) {
    v1::RequestAssistanceRequest request;
    v1::AssistanceRequest& help = *request.mutable_request();
    help.set_id(id);
    help.set_organization_id("vvt");
    help.set_type(v1::ASSISTANCE_TYPE_WATER);
    help.set_quantity(600);
    help.set_priority(priority);
    v1::WriteResponse response;
    const grpc::Status status = assistance_->RequestAssistance(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
  };
  ask("a-laag", v1::ASSISTANCE_PRIORITY_LOW);
  ask("b-normaal", v1::ASSISTANCE_PRIORITY_UNSPECIFIED);
  ask("c-urgent", v1::ASSISTANCE_PRIORITY_URGENT);
  ask("d-hoog", v1::ASSISTANCE_PRIORITY_HIGH);
  std::vector<std::string> ids;
  const v1::OperationalSummary summary = Summary();
  for (const v1::AssistanceRequest& request : summary.open_requests()) ids.push_back(request.id());
  EXPECT_THAT(ids, ElementsAre("c-urgent", "d-hoog", "b-normaal", "a-laag"));
}

TEST_F(AssistanceReportTest, RequestForAnIncidentNeedsTheIncident) {
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("ziekenhuis")).ok());
  v1::WriteResponse response;
  grpc::Status status = RequestHelp("hulp", "ziekenhuis", &response, "brand");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("request.incident_id"));
  ASSERT_TRUE(OpenIncident("brand", "GRIP 1", {}).ok());
  status = RequestHelp("hulp", "ziekenhuis", &response, "brand");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.record().assistance_request().incident_id(), "brand");
}

TEST_F(AssistanceReportTest, OverdueAppearsOnceInTheHistoryAlsoAcrossARestartAndANewReportClearsIt) {
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("a")).ok());
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("never")).ok());
  v1::WriteResponse reported;
  ASSERT_TRUE(Report(server_.stub(), MakeReport("a"), &reported).ok());
  const absl::Time reported_at = FromProtoTime(reported.record().status_report().commit_time());

  clock_->Advance(absl::Hours(24));
  ASSERT_TRUE(WaitForOverdue("a"));
  LetTicksRun();
  std::vector<v1::Event> overdue = OverdueEvents();
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(FromProtoTime(overdue[0].record().status_report().overdue_since()), reported_at + absl::Hours(24));
  EXPECT_EQ(overdue[0].actor().role(), v1::ROLE_SYSTEM);

  v1::OperationalSummary summary = Summary();
  ASSERT_EQ(summary.overdue_organizations_size(), 2);
  EXPECT_EQ(summary.overdue_organizations(0).organization_id(), "a");
  EXPECT_EQ(FromProtoTime(summary.overdue_organizations(0).report_due()), reported_at + absl::Hours(24));
  EXPECT_EQ(summary.overdue_organizations(1).organization_id(), "never");
  EXPECT_FALSE(summary.overdue_organizations(1).has_report_due());

  server_.Restart();
  Connect();
  LetTicksRun();
  EXPECT_EQ(OverdueEvents().size(), 1u) << "the restarted server committed the fact again";

  ASSERT_TRUE(Report(server_.stub(), MakeReport("a")).ok());
  EXPECT_FALSE(CurrentReport("a").has_overdue_since());
  summary = Summary();
  ASSERT_EQ(summary.overdue_organizations_size(), 1);
  EXPECT_EQ(summary.overdue_organizations(0).organization_id(), "never");
  LetTicksRun();
  EXPECT_EQ(OverdueEvents().size(), 1u);
}

TEST_F(AssistanceReportTest, ScaledUpIncidentTightensTheCadenceOfTheOrganisationsItAffects) {
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("affected")).ok());
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("bystander")).ok());
  ASSERT_TRUE(Report(server_.stub(), MakeReport("affected")).ok());
  ASSERT_TRUE(Report(server_.stub(), MakeReport("bystander")).ok());
  const grpc::Status opened = OpenIncident("brand", "GRIP 2", {"affected"});
  ASSERT_TRUE(opened.ok()) << opened.error_message();

  clock_->Advance(absl::Hours(1));  // The scaled-up interval (region default: 1 h from GRIP 1).
  ASSERT_TRUE(WaitForOverdue("affected"));
  // The same tick judged both reports: the bystander's 24 h interval has not passed.
  EXPECT_FALSE(CurrentReport("bystander").has_overdue_since());
  const std::vector<v1::Event> overdue = OverdueEvents();
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].record().name(), "organizations/affected/status");
}

v1::Organization HospitalAt(const std::string& id, double latitude, double longitude,
                            v1::OrganizationKind kind = v1::ORGANIZATION_KIND_HOSPITAL) {
  v1::Organization organization = MakeOrganization(id, kind);
  v1::Coordinates& coordinates = *organization.mutable_locations(0)->mutable_coordinates();
  coordinates.set_latitude(latitude);
  coordinates.set_longitude(longitude);
  return organization;
}

v1::StatusReport IcReport(const std::string& organization, std::optional<int> available, int surge = 0) {
  v1::StatusReport report = MakeReport(organization);
  report.clear_capacity();
  v1::Capacity& capacity = *report.add_capacity();
  capacity.set_type(v1::BED_TYPE_IC_ADULT);
  if (available) capacity.set_available(*available);
  if (surge > 0) capacity.set_surge_24h(surge);
  return report;
}

TEST_F(AssistanceReportTest, GapReportOverviewAndFindCapacity) {
  ASSERT_TRUE(Register(server_.stub(), HospitalAt("alkmaar", 52.63, 4.74)).ok());
  ASSERT_TRUE(Register(server_.stub(), HospitalAt("den-helder", 52.96, 4.76)).ok());
  ASSERT_TRUE(Register(server_.stub(), HospitalAt("hoorn", 52.65, 5.06)).ok());
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("stil")).ok());
  ASSERT_TRUE(Report(server_.stub(), IcReport("alkmaar", 3, 4)).ok());
  ASSERT_TRUE(Report(server_.stub(), IcReport("den-helder", 0)).ok());
  ASSERT_TRUE(Report(server_.stub(), IcReport("hoorn", 5)).ok());

  v1::PutScenarioRequest put;
  v1::Scenario& scenario = *put.mutable_scenario();
  scenario.set_id("chemische-ramp");
  scenario.set_name("Chemische ramp Noordzeekanaal");
  scenario.set_safety_region("VR10");
  v1::CapacityRequirement& requirement = *scenario.add_capacity();
  requirement.set_bed_type(v1::BED_TYPE_IC_ADULT);
  requirement.set_quantity(12);
  v1::WriteResponse written;
  grpc::Status status = reports_->PutScenario(Context().get(), put, &written);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(written.record().name(), "scenarios/chemische-ramp");

  v1::GetGapReportRequest gap_request;
  gap_request.set_scenario_id("chemische-ramp");
  v1::GapReport gap;
  status = reports_->GetGapReport(Context().get(), gap_request, &gap);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(gap.revision(), written.revision());
  ASSERT_EQ(gap.capacity_size(), 1);
  EXPECT_EQ(gap.capacity(0).available(), 8);
  EXPECT_EQ(gap.capacity(0).surge_24h(), 4);
  EXPECT_EQ(gap.capacity(0).shortfall(), 4);
  EXPECT_EQ(gap.capacity(0).shortfall_after_surge(), 0);
  EXPECT_EQ(gap.capacity(0).organizations_reported(), 3);
  EXPECT_EQ(gap.capacity(0).organizations_not_reported(), 1);
  gap_request.set_scenario_id("onbekend");
  EXPECT_EQ(reports_->GetGapReport(Context().get(), gap_request, &gap).error_code(), grpc::StatusCode::NOT_FOUND);

  v1::CapacityOverview overview;
  status = reports_->GetCapacityOverview(Context().get(), v1::GetCapacityOverviewRequest(), &overview);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(overview.totals_size(), 1);
  EXPECT_EQ(overview.totals(0).available(), 8);
  EXPECT_EQ(overview.totals(0).organizations_reported(), 3);

  v1::FindCapacityRequest find;
  find.mutable_near()->set_latitude(52.70);  // Heerhugowaard
  find.mutable_near()->set_longitude(4.83);
  find.set_bed_type(v1::BED_TYPE_IC_ADULT);
  v1::FindCapacityResponse found;
  status = reports_->FindCapacity(Context().get(), find, &found);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<std::string> ids;
  for (const v1::CapacityMatch& match : found.matches()) ids.push_back(match.organization_id());
  EXPECT_THAT(ids, ElementsAre("alkmaar", "hoorn")) << "den-helder has no place free";
  EXPECT_LT(found.matches(0).distance_km(), found.matches(1).distance_km());

  find.set_radius_km(501);
  status = reports_->FindCapacity(Context().get(), find, &found);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("radius_km"));
}

// Clients show ages ("reported 3 h ago") measured against the server's clock, never their own: every read answers
// with the picture time it was made at (the fake commit clock here, a day and more from the wall clock).
TEST_F(AssistanceReportTest, EveryReadCarriesThePictureTimeItWasMadeAt) {
  ASSERT_TRUE(Register(server_.stub(), HospitalAt("alkmaar", 52.63, 4.74)).ok());
  ASSERT_TRUE(Report(server_.stub(), IcReport("alkmaar", 3)).ok());
  clock_->Advance(absl::Hours(7));
  const absl::Time now = clock_->Now();

  v1::GetRequest get;
  get.set_name("organizations/alkmaar/status");
  v1::GetResponse got;
  ASSERT_TRUE(server_.stub().Get(Context().get(), get, &got).ok());
  EXPECT_EQ(FromProtoTime(got.server_time()), now);
  v1::ListResponse listed;
  ASSERT_TRUE(server_.stub().List(Context().get(), v1::ListRequest(), &listed).ok());
  EXPECT_EQ(FromProtoTime(listed.server_time()), now);
  v1::HistoryResponse history;
  ASSERT_TRUE(server_.stub().History(Context().get(), v1::HistoryRequest(), &history).ok());
  EXPECT_EQ(FromProtoTime(history.server_time()), now);
  EXPECT_EQ(FromProtoTime(Summary().computed_at()), now);
  v1::FindCapacityRequest find;
  find.mutable_near()->set_latitude(52.70);
  find.mutable_near()->set_longitude(4.83);
  find.set_bed_type(v1::BED_TYPE_IC_ADULT);
  v1::FindCapacityResponse found;
  ASSERT_TRUE(reports_->FindCapacity(Context().get(), find, &found).ok());
  EXPECT_EQ(FromProtoTime(found.computed_at()), now);
  ASSERT_EQ(found.matches_size(), 1);
  EXPECT_EQ(FromProtoTime(found.computed_at()) - FromProtoTime(found.matches(0).reported_at()), absl::Hours(7));

  // The live feed says it as soon as the snapshot is complete, before the first heartbeat.
  grpc::ClientContext feed_context;
  feed_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> feed =
      server_.stub().Subscribe(&feed_context, v1::SubscribeRequest());
  v1::SubscribeResponse message;
  for (int i = 0; i < 100 && feed->Read(&message) && !message.has_synced(); ++i) {
  }
  ASSERT_TRUE(message.has_synced());
  EXPECT_EQ(FromProtoTime(message.synced().server_time()), now);
  feed_context.TryCancel();
  feed->Finish();
}

}  // namespace
}  // namespace ketenbeeld::testing
