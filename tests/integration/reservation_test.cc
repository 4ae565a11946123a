// Bed reservations through the real server on loopback, with bearer tokens so the roles are real: two dispatchers
// reserving the last IC bed at the same moment (exactly one succeeds), the bed gone from FindCapacity and the capacity
// overview while it is held, an unconfirmed reservation expiring on its own (the server's clock moved past its hold,
// then the scheduler's tick) and the bed back everywhere, release restoring it, confirmation keeping it, and who may
// do which.
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/interop_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/security/token_line.h"
#include "tests/support/grpc_status_text.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;

constexpr char kHospital[] = "ziekenhuis-a";

struct Caller {
  const char* name;
  const char* organization_id;
  const char* role_word;
  const char* token;
};
constexpr Caller kCallers[] = {
    {"operator", "beheer", "operator", "tok-operator-r1"},
    {"ghor", "ghor-vr10", "ghor", "tok-ghor-r2"},
    {"meldkamer-1", "meldkamer-vr10", "dispatch", "tok-dispatch-r3"},
    {"meldkamer-2", "meldkamer-vr11", "dispatch", "tok-dispatch-r4"},
    {"hospital", kHospital, "institution", "tok-hospital-r5"},
    {"other-hospital", "ziekenhuis-b", "institution", "tok-hospital-r6"},
};

std::string WriteTokens(const std::string& dir) {
  const std::string path = dir + "/tokens";
  std::ofstream file(path);
  for (const Caller& caller : kCallers) {
    file << TokenLine(caller.token, caller.organization_id, caller.role_word, caller.name);
  }
  return path;
}

class ReservationServerTest : public ::testing::Test {
 protected:
  ReservationServerTest()
      : tokens_file_(WriteTokens(tokens_dir_.path())), server_([this](app::ServerOptions& options) {
          options.tokens_file = tokens_file_;
          options.identity_limits.max_requests_per_second = 100000;
          // The server's picture time, which the test moves forward: the wall clock plus an offset.
          options.committer.clock = [this] { return absl::Now() + absl::Microseconds(offset_micros_.load()); };
        }) {
    for (const Caller& caller : kCallers) {
      channels_[caller.name] = client::Connect(server_.server().address(), {.token = caller.token});
    }
  }

  void SetUp() override { SetUpRegion(); }

  void Advance(absl::Duration by) { offset_micros_.fetch_add(absl::ToInt64Microseconds(by)); }

  std::unique_ptr<v1::PictureService::Stub> Picture(const std::string& caller) {
    return v1::PictureService::NewStub(channels_.at(caller));
  }
  std::unique_ptr<v1::AssistanceService::Stub> Assistance(const std::string& caller) {
    return v1::AssistanceService::NewStub(channels_.at(caller));
  }
  std::unique_ptr<v1::ReportService::Stub> Reports(const std::string& caller) {
    return v1::ReportService::NewStub(channels_.at(caller));
  }

  void SetUpRegion() {
    auto registry = Picture("operator");
    v1::Organization hospital = MakeOrganization(kHospital);
    hospital.mutable_locations(0)->mutable_coordinates()->set_latitude(52.63);
    hospital.mutable_locations(0)->mutable_coordinates()->set_longitude(4.75);
    ASSERT_TRUE(Register(*registry, hospital).ok());
    ASSERT_TRUE(Register(*registry, MakeOrganization("ziekenhuis-b")).ok());
    ASSERT_TRUE(Register(*registry, MakeOrganization("meldkamer-vr10", v1::ORGANIZATION_KIND_DISPATCH_CENTRE)).ok());
  }

  // The hospital reports its own IC beds.
  void ReportIcBeds(int available) {
    const grpc::Status status = Report(*Picture("hospital"), MakeReport(kHospital, available));
    ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  }

  grpc::Status Reserve(const std::string& caller, v1::WriteResponse* response,
                       absl::Duration hold = absl::ZeroDuration()) {
    v1::ReserveBedRequest request;
    request.set_organization_id(kHospital);
    request.set_bed_type(v1::BED_TYPE_IC_ADULT);
    request.set_patient_reference(absl::StrCat("rit van ", caller));
    if (hold > absl::ZeroDuration()) *request.mutable_hold_for() = ToProtoDuration(hold);
    return Assistance(caller)->ReserveBed(Deadline().get(), request, response);
  }
  grpc::Status Confirm(const std::string& caller, const std::string& id) {
    v1::ConfirmReservationRequest request;
    request.set_reservation_id(id);
    v1::WriteResponse response;
    return Assistance(caller)->ConfirmReservation(Deadline().get(), request, &response);
  }
  grpc::Status Release(const std::string& caller, const std::string& id) {
    v1::ReleaseReservationRequest request;
    request.set_reservation_id(id);
    v1::WriteResponse response;
    return Assistance(caller)->ReleaseReservation(Deadline().get(), request, &response);
  }

  // The hospital's available IC beds in dispatch's search (-1: not matched at all).
  int Found() {
    v1::FindCapacityRequest request;
    request.mutable_near()->set_latitude(52.6);
    request.mutable_near()->set_longitude(4.7);
    request.set_bed_type(v1::BED_TYPE_IC_ADULT);
    v1::FindCapacityResponse response;
    const grpc::Status status = Reports("meldkamer-1")->FindCapacity(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    for (const v1::CapacityMatch& match : response.matches()) {
      if (match.organization_id() == kHospital) return match.available();
    }
    return -1;
  }
  // The region's available IC beds in the GHOR's capacity overview (-1: no figure).
  int64_t Overview() {
    v1::GetCapacityOverviewRequest request;
    request.add_bed_types(v1::BED_TYPE_IC_ADULT);
    v1::CapacityOverview response;
    const grpc::Status status = Reports("ghor")->GetCapacityOverview(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    if (response.totals().empty() || !response.totals(0).has_available()) return -1;
    return response.totals(0).available();
  }
  v1::BedReservation Read(const std::string& id) {
    v1::GetRequest request;
    request.set_name(absl::StrCat("reservations/", id));
    v1::GetResponse response;
    const grpc::Status status = Picture("meldkamer-2")->Get(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    return response.record().bed_reservation();
  }

  TempDir tokens_dir_;
  std::string tokens_file_;
  std::atomic<int64_t> offset_micros_{0};  // Before server_: its clock reads it.
  TestServer server_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

TEST_F(ReservationServerTest, TwoDispatchersReservingTheLastIcBedAtOnceOneSucceedsOneIsRefused) {
  ReportIcBeds(1);
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const int64_t before = server_.server().revision();
    grpc::Status statuses[2];
    v1::WriteResponse responses[2];
    absl::Barrier start(2);
    std::vector<std::thread> dispatchers;
    for (int i = 0; i < 2; ++i) {
      dispatchers.emplace_back([&, i] {
        const std::string caller = i == 0 ? "meldkamer-1" : "meldkamer-2";
        auto stub = Assistance(caller);
        v1::ReserveBedRequest request;
        request.set_organization_id(kHospital);
        request.set_bed_type(v1::BED_TYPE_IC_ADULT);
        start.Block();
        statuses[i] = stub->ReserveBed(Deadline().get(), request, &responses[i]);
      });
    }
    for (std::thread& dispatcher : dispatchers) dispatcher.join();
    const int winner = statuses[0].ok() ? 0 : 1;
    const int loser = 1 - winner;
    ASSERT_TRUE(statuses[winner].ok()) << GrpcStatusText(statuses[winner]);
    EXPECT_EQ(statuses[loser].error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(statuses[loser]);
    EXPECT_THAT(statuses[loser].error_message(),
                HasSubstr("0 beds of BED_TYPE_IC_ADULT are available at organisation \"ziekenhuis-a\""));
    EXPECT_EQ(server_.server().revision(), before + 1) << "only the winner was committed";
    const v1::BedReservation& won = responses[winner].record().bed_reservation();
    EXPECT_EQ(won.state(), v1::RESERVATION_STATE_HELD);
    EXPECT_EQ(won.reserved_by_organization_id(), winner == 0 ? "meldkamer-vr10" : "meldkamer-vr11");
    EXPECT_EQ(Found(), -1);
    EXPECT_EQ(Overview(), 0);
    // The receiving hospital gives the bed back for the next round.
    const grpc::Status released = Release("hospital", won.id());
    ASSERT_TRUE(released.ok()) << GrpcStatusText(released);
    EXPECT_EQ(Found(), 1);
  }
}

TEST_F(ReservationServerTest, AnUnconfirmedReservationExpiresAndTheBedIsBackEverywhere) {
  ReportIcBeds(2);
  EXPECT_EQ(Found(), 2);
  EXPECT_EQ(Overview(), 2);
  v1::SubscribeRequest subscribe;
  subscribe.mutable_filter()->add_kinds(v1::ENTITY_KIND_BED_RESERVATION);
  const std::unique_ptr<v1::PictureService::Stub> ghor = Picture("ghor");  // Outlives the feed.
  FeedReader feed(*ghor, subscribe);
  ASSERT_TRUE(feed.WaitUntilSynced());

  v1::WriteResponse response;
  const grpc::Status reserved = Reserve("meldkamer-1", &response, absl::Minutes(10));
  ASSERT_TRUE(reserved.ok()) << GrpcStatusText(reserved);
  const std::string id = response.record().bed_reservation().id();
  EXPECT_EQ(Found(), 1);
  EXPECT_EQ(Overview(), 1);
  // Everyone sees it at once: another dispatcher reads it, the GHOR's feed gets it.
  EXPECT_EQ(Read(id).state(), v1::RESERVATION_STATE_HELD);
  ASSERT_TRUE(feed.WaitForRevision(response.revision()));

  // The server's clock passes the hold; the tick commits the expiry.
  Advance(absl::Minutes(11));
  ASSERT_TRUE(server_.server().TickNow().ok());
  const v1::BedReservation expired = Read(id);
  EXPECT_EQ(expired.state(), v1::RESERVATION_STATE_EXPIRED);
  EXPECT_EQ(Found(), 2);
  EXPECT_EQ(Overview(), 2);
  ASSERT_TRUE(feed.WaitFor([&](const std::vector<v1::SubscribeResponse>& messages) {
    for (const v1::SubscribeResponse& message : messages) {
      for (const v1::Event& event : message.events().events()) {
        if (event.record().bed_reservation().id() == id &&
            event.record().bed_reservation().state() == v1::RESERVATION_STATE_EXPIRED) {
          return true;
        }
      }
    }
    return false;
  }));
  const grpc::Status late = Confirm("hospital", id);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(late);
  EXPECT_THAT(late.error_message(), HasSubstr("RESERVATION_STATE_EXPIRED"));
}

TEST_F(ReservationServerTest, ConfirmKeepsTheBedReleaseGivesItBackAndTheRolesAreChecked) {
  ReportIcBeds(2);
  v1::WriteResponse first;
  v1::WriteResponse second;
  ASSERT_TRUE(Reserve("meldkamer-1", &first).ok());
  ASSERT_TRUE(Reserve("meldkamer-2", &second).ok());
  EXPECT_EQ(Overview(), 0);
  const std::string first_id = first.record().bed_reservation().id();
  const std::string second_id = second.record().bed_reservation().id();

  // Only the receiving hospital (or the GHOR) confirms; dispatch may not, another hospital may not.
  EXPECT_EQ(Confirm("meldkamer-1", first_id).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Confirm("other-hospital", first_id).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  const grpc::Status confirmed = Confirm("hospital", first_id);
  ASSERT_TRUE(confirmed.ok()) << GrpcStatusText(confirmed);
  EXPECT_EQ(Read(first_id).state(), v1::RESERVATION_STATE_CONFIRMED);

  // The reserver may release its own reservation, not another dispatcher's.
  const grpc::Status not_yours = Release("meldkamer-1", second_id);
  EXPECT_EQ(not_yours.error_code(), grpc::StatusCode::PERMISSION_DENIED) << GrpcStatusText(not_yours);
  const grpc::Status released = Release("meldkamer-2", second_id);
  ASSERT_TRUE(released.ok()) << GrpcStatusText(released);
  EXPECT_EQ(Read(second_id).state(), v1::RESERVATION_STATE_RELEASED);
  // One bed back; the confirmed one stays taken, also after its hold would have expired.
  EXPECT_EQ(Overview(), 1);
  EXPECT_EQ(Found(), 1);
  Advance(absl::Minutes(20));
  ASSERT_TRUE(server_.server().TickNow().ok());
  EXPECT_EQ(Read(first_id).state(), v1::RESERVATION_STATE_CONFIRMED);
  EXPECT_EQ(Overview(), 1);
  // Until the hospital reports again: then its report counts the patient.
  ReportIcBeds(1);
  EXPECT_EQ(Overview(), 1);
  EXPECT_EQ(Found(), 1);

  // Wrong transitions name the state; the bestuur may not reserve at all; a hold beyond the maximum names the field.
  const grpc::Status again = Release("hospital", first_id);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(again.error_message(), HasSubstr("is RESERVATION_STATE_CONFIRMED"));
  v1::WriteResponse ignored;
  EXPECT_EQ(Reserve("hospital", &ignored).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  const grpc::Status too_long = Reserve("meldkamer-1", &ignored, absl::Hours(3));
  EXPECT_EQ(too_long.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(too_long.error_message(), HasSubstr("hold_for: must be at most 1h"));
}

// A dispatcher whose answer was lost sends the same ReserveBed again (its request_id): the server answers with the
// reservation it made, marked replayed, and commits nothing; the bed is held once. The same id for another
// reservation is ALREADY_EXISTS naming request_id; a malformed one INVALID_ARGUMENT naming it.
TEST_F(ReservationServerTest, ARetriedReserveBedIsAnsweredWithTheOriginalAndHoldsOneBed) {
  ReportIcBeds(2);
  v1::ReserveBedRequest request;
  request.set_organization_id(kHospital);
  request.set_bed_type(v1::BED_TYPE_IC_ADULT);
  request.set_request_id("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b");
  v1::WriteResponse first;
  grpc::Status status = Assistance("meldkamer-1")->ReserveBed(Deadline().get(), request, &first);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_FALSE(first.replayed());
  const int64_t before = server_.server().revision();
  v1::WriteResponse retried;
  status = Assistance("meldkamer-1")->ReserveBed(Deadline().get(), request, &retried);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_TRUE(retried.replayed());
  EXPECT_EQ(retried.revision(), first.revision());
  EXPECT_EQ(retried.record().name(), first.record().name());
  EXPECT_EQ(retried.record().bed_reservation().request_id(), "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b");
  EXPECT_EQ(server_.server().revision(), before) << "a retry committed something";
  EXPECT_EQ(Overview(), 1) << "one bed held, not two";

  request.set_bed_type(v1::BED_TYPE_BURNS);
  v1::WriteResponse refused;
  status = Assistance("meldkamer-1")->ReserveBed(Deadline().get(), request, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("request_id: \"6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b\" was used"));
  request.set_request_id("rit 1187");
  status = Assistance("meldkamer-1")->ReserveBed(Deadline().get(), request, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("request_id: must contain only"));
  EXPECT_EQ(server_.server().revision(), before);
}

// Issue 19: the organisation's FHIR MeasureReport counts beds as the capacity overview does (server/queries/beds.h):
// an organisation reporting per site is counted by its sites' reports summed (its organisation-level figure, here a
// stale total, is not), and a held reservation's bed is not available. The FHIR figures are the overview's.
TEST_F(ReservationServerTest, TheFhirMeasureReportCountsBedsAsTheCapacityOverviewDoes) {
  v1::Organization hospital = MakeOrganization(kHospital);
  hospital.mutable_locations(0)->mutable_coordinates()->set_latitude(52.63);
  hospital.mutable_locations(0)->mutable_coordinates()->set_longitude(4.75);
  v1::Location& second = *hospital.add_locations();
  second.set_id("zuid");
  second.set_name("Locatie Zuid");
  ASSERT_TRUE(Register(*Picture("operator"), hospital).ok());
  ReportIcBeds(9);  // The organisation-level report: 9 available, 10 occupied; not counted once the sites report.
  for (const auto& [location, available, occupied] : {std::tuple{"main", 3, 10}, std::tuple{"zuid", 4, 5}}) {
    v1::StatusReport report = MakeReport(kHospital, available);
    report.set_location_id(location);
    report.mutable_capacity(0)->set_occupied(occupied);
    const grpc::Status status = Report(*Picture("hospital"), report);
    ASSERT_TRUE(status.ok()) << location << ": " << GrpcStatusText(status);
  }
  v1::WriteResponse reserved;
  const grpc::Status status = Reserve("meldkamer-1", &reserved);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  ASSERT_EQ(Overview(), 6) << "3 + 4 at the sites, 1 held";

  v1::ExportFhirRequest request;
  request.set_resource_type(v1::FHIR_RESOURCE_TYPE_MEASURE_REPORT);
  request.set_organization_id(kHospital);
  v1::FhirExport exported;
  const grpc::Status fhir =
      v1::InteropService::NewStub(channels_.at("ghor"))->ExportFhir(Deadline().get(), request, &exported);
  ASSERT_TRUE(fhir.ok()) << GrpcStatusText(fhir);
  const nlohmann::json resource = nlohmann::json::parse(exported.json());
  const nlohmann::json& beds = resource["group"][0];
  // The bed-type stratum of the IC beds: its populations by figure code.
  std::map<std::string, int64_t> figures;
  ASSERT_EQ(beds["stratifier"][0]["stratum"].size(), 1u) << exported.json();
  for (const nlohmann::json& population : beds["stratifier"][0]["stratum"][0]["population"]) {
    if (population.contains("count")) {
      figures[population["code"]["coding"][0]["code"].get<std::string>()] = population["count"].get<int64_t>();
    }
  }
  EXPECT_EQ(figures["available"], 6) << exported.json();
  EXPECT_EQ(figures["occupied"], 15) << exported.json();
  // SANER's occupied ICU beds: the sites' sum too.
  bool occupied_icu = false;
  for (const nlohmann::json& population : beds["population"]) {
    if (population["code"]["coding"][0]["code"] == "numICUBedsOcc") {
      occupied_icu = true;
      EXPECT_EQ(population.value("count", int64_t{-1}), 15) << exported.json();
    }
  }
  EXPECT_TRUE(occupied_icu) << exported.json();

  // The bed given back: the FHIR figure follows the overview's.
  ASSERT_TRUE(Release("hospital", reserved.record().bed_reservation().id()).ok());
  ASSERT_EQ(Overview(), 7);
  ASSERT_TRUE(v1::InteropService::NewStub(channels_.at("ghor"))->ExportFhir(Deadline().get(), request, &exported).ok());
  EXPECT_THAT(exported.json(), HasSubstr("\"count\": 7")) << exported.json();
}

}  // namespace
}  // namespace ketenbeeld::testing
