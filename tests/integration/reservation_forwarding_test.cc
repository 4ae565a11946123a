// Forwarding bed reservations from a ROAZ server to the region that owns the bed (docs/reservations.md, "Across
// regions"), with two in-process servers on loopback and bearer tokens: VR10's own server, and a ROAZ server (VR12)
// that holds VR10's picture (applied here with ApplyUpstream, as the federator would) and reaches VR10's server
// through a TCP forwarder the test can cut. ReserveBed, ConfirmReservation and ReleaseReservation of VR10's bed on the
// ROAZ server are committed by VR10 and answered with VR10's reservation; VR10's refusals pass through with their code;
// a region without an endpoint stays FAILED_PRECONDITION; VR10 admits only the listed forwarder, for its own region;
// an answer lost on the way back is sent again with the same request_id and holds one bed.
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/federation_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "server/domain/region.h"
#include "tests/integration/upstream_events.h"
#include "tests/security/token_line.h"
#include "tests/support/grpc_status_text.h"
#include "tests/support/tcp_forwarder.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {
namespace reservation_forwarding_test_local {

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;

constexpr char kHospital[] = "ziekenhuis-a";
constexpr char kRoazIdentity[] = "roaz-vr12";  // The ROAZ server's identity at VR10.
constexpr char kRoazToken[] = "tok-roaz-vr12-f1";

struct Caller {
  const char* name;
  const char* organization_id;
  const char* role_word;
  const char* token;
};
// VR10's server. The ROAZ server's identity has the federation role, which may not reserve: only the list decides.
constexpr Caller kRegionCallers[] = {
    {"operator", "beheer-vr10", "operator", "tok-operator-vr10-f2"},
    {"ghor", "ghor-vr10", "ghor", "tok-ghor-vr10-f3"},
    {"meldkamer", "meldkamer-vr10", "dispatch", "tok-dispatch-vr10-f4"},
    {"roaz", kRoazIdentity, "federation", kRoazToken},
};
// The ROAZ server.
constexpr Caller kRoazCallers[] = {
    {"federator-vr10", "federator-vr10", "operator", "tok-fed-vr10-f5"},
    {"federator-vr11", "federator-vr11", "operator", "tok-fed-vr11-f6"},
    {"ghor", "ghor-roaz", "ghor", "tok-ghor-roaz-f7"},
    {"meldkamer", "meldkamer-roaz", "dispatch", "tok-dispatch-roaz-f8"},
    {"other-meldkamer", "meldkamer-andere", "dispatch", "tok-dispatch-roaz-f9"},
};

template <size_t N>
std::string WriteTokens(const std::string& path, const Caller (&callers)[N]) {
  std::ofstream file(path);
  for (const Caller& caller : callers) {
    file << TokenLine(caller.token, caller.organization_id, caller.role_word, caller.name);
  }
  return path;
}

std::string WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

domain::Region RegionOf(const std::string& safety_region) {
  server::v1::RegionConfig config;
  config.set_safety_region(safety_region);
  return *domain::Region::FromConfig(config);
}

class ReservationForwardingTest : public ::testing::Test {
 protected:
  ReservationForwardingTest()
      : region_([this](app::ServerOptions& options) {
          options.tokens_file = WriteTokens(dir_.path() + "/region-tokens", kRegionCallers);
          options.identity_limits.max_requests_per_second = 100000;
          options.reservation_forwarders = {{kRoazIdentity, "VR12"}};
        }),
        link_(*TcpForwarder::Start(region_.server().address())),
        roaz_([this](app::ServerOptions& options) {
          options.tokens_file = WriteTokens(dir_.path() + "/roaz-tokens", kRoazCallers);
          options.identity_limits.max_requests_per_second = 100000;
          options.committer.region = RegionOf("VR12");
          options.upstream_sources = {{"VR10", "federator-vr10"}, {"VR11", "federator-vr11"}};
          // VR10's server through the link; VR11 has no endpoint.
          options.region_endpoints["VR10"] = api::RegionEndpoint{
              .target = link_->address(),
              .token_file = WriteFile(dir_.path() + "/roaz-at-vr10.token", absl::StrCat(kRoazToken, "\n")),
              .timeout = absl::Seconds(1)};
        }) {
    for (const Caller& caller : kRegionCallers) {
      region_channels_[caller.name] = client::Connect(region_.server().address(), {.token = caller.token});
    }
    for (const Caller& caller : kRoazCallers) {
      roaz_channels_[caller.name] = client::Connect(roaz_.server().address(), {.token = caller.token});
    }
  }

  void SetUp() override {
    auto registry = v1::PictureService::NewStub(region_channels_.at("operator"));
    ASSERT_TRUE(Register(*registry, MakeOrganization(kHospital)).ok());
    ReportIcBeds(1);
    Federate();
  }

  void ReportIcBeds(int available) {
    const grpc::Status status =
        Report(*v1::PictureService::NewStub(region_channels_.at("ghor")), MakeReport(kHospital, available));
    ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  }

  // What the federator does: VR10's records changed since the last call, applied to the ROAZ server as one range.
  void Federate() {
    v1::ListRequest request;
    request.set_page_size(10000);
    v1::ListResponse listed;
    const grpc::Status read =
        v1::PictureService::NewStub(region_channels_.at("ghor"))->List(Deadline().get(), request, &listed);
    ASSERT_TRUE(read.ok()) << GrpcStatusText(read);
    std::map<int64_t, v1::Record> changed;
    for (const v1::Record& record : listed.records()) {
      if (record.mod_revision() > cursor_) changed.emplace(record.mod_revision(), record);
    }
    std::vector<v1::Event> events;
    for (auto& [revision, record] : changed) events.push_back(SourceEvent(revision, std::move(record)));
    v1::ApplyUpstreamResponse applied;
    const grpc::Status status =
        v1::FederationService::NewStub(roaz_channels_.at("federator-vr10"))
            ->ApplyUpstream(Deadline().get(), UpstreamRange("VR10", cursor_, listed.revision(), std::move(events)),
                            &applied);
    ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
    cursor_ = listed.revision();
  }

  std::unique_ptr<v1::AssistanceService::Stub> RoazAssistance(const std::string& caller) {
    return v1::AssistanceService::NewStub(roaz_channels_.at(caller));
  }
  std::unique_ptr<v1::AssistanceService::Stub> RegionAssistance(const std::string& caller) {
    return v1::AssistanceService::NewStub(region_channels_.at(caller));
  }

  static v1::ReserveBedRequest IcBed(const std::string& request_id) {
    v1::ReserveBedRequest request;
    request.set_organization_id(kHospital);
    request.set_bed_type(v1::BED_TYPE_IC_ADULT);
    request.set_request_id(request_id);
    return request;
  }

  // The records of `kind` of `channel`'s server and its revision.
  static v1::ListResponse ListOf(const std::shared_ptr<grpc::Channel>& channel, v1::EntityKind kind) {
    v1::ListRequest request;
    request.mutable_filter()->add_kinds(kind);
    v1::ListResponse response;
    const grpc::Status status = v1::PictureService::NewStub(channel)->List(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    return response;
  }
  v1::ListResponse RegionReservations() { return ListOf(region_channels_.at("ghor"), v1::ENTITY_KIND_BED_RESERVATION); }
  int64_t RoazRevision() { return ListOf(roaz_channels_.at("ghor"), v1::ENTITY_KIND_UPSTREAM_SOURCE).revision(); }

  TempDir dir_;
  TestServer region_;
  std::unique_ptr<TcpForwarder> link_;
  TestServer roaz_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> region_channels_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> roaz_channels_;
  int64_t cursor_ = 0;
};

TEST_F(ReservationForwardingTest, AReserveBedOnTheRoazServerIsCommittedByTheRegionAndAnsweredWithItsReservation) {
  const int64_t roaz_before = RoazRevision();
  v1::WriteResponse reserved;
  grpc::Status status = RoazAssistance("meldkamer")->ReserveBed(Deadline().get(), IcBed("rit-1"), &reserved);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  // VR10's answer: its name, its revision, the ROAZ server's identity as reserver and the caller region-qualified.
  EXPECT_EQ(reserved.record().name(), absl::StrCat("reservations/", reserved.revision()));
  EXPECT_FALSE(reserved.replayed());
  const v1::BedReservation& reservation = reserved.record().bed_reservation();
  EXPECT_EQ(reservation.state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(reservation.reserved_by_organization_id(), kRoazIdentity);
  EXPECT_EQ(reservation.forwarded_for(), "VR12/meldkamer-roaz");
  EXPECT_EQ(reservation.request_id(), "rit-1");
  v1::ListResponse at_region = RegionReservations();
  ASSERT_EQ(at_region.records_size(), 1);
  EXPECT_EQ(at_region.records(0).name(), reserved.record().name());
  EXPECT_EQ(RoazRevision(), roaz_before) << "the ROAZ server committed something of its own";

  // The caller repeats the call (its answer was lost): VR10 answers with the same reservation and holds one bed.
  v1::WriteResponse repeated;
  status = RoazAssistance("meldkamer")->ReserveBed(Deadline().get(), IcBed("rit-1"), &repeated);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_TRUE(repeated.replayed());
  EXPECT_EQ(repeated.revision(), reserved.revision());
  EXPECT_EQ(RegionReservations().records_size(), 1);

  // VR10's refusal comes back with its code, saying that VR10 answered it.
  v1::WriteResponse refused;
  status = RoazAssistance("meldkamer")->ReserveBed(Deadline().get(), IcBed("rit-2"), &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("VR10's server answered: 0 beds of BED_TYPE_IC_ADULT"));
  EXPECT_EQ(RegionReservations().records_size(), 1);

  // The copy arrives through the federation under its region-qualified name, with the caller.
  Federate();
  v1::GetRequest get;
  get.set_name(absl::StrCat("reservations/vr10-", reservation.id()));
  v1::GetResponse copy;
  ASSERT_TRUE(v1::PictureService::NewStub(roaz_channels_.at("ghor"))->Get(Deadline().get(), get, &copy).ok());
  EXPECT_EQ(copy.record().bed_reservation().forwarded_for(), "VR12/meldkamer-roaz");
}

TEST_F(ReservationForwardingTest, ConfirmAndReleaseOfAFederatedReservationAreForwardedUnderTheRegionsId) {
  ReportIcBeds(2);
  v1::WriteResponse first;
  v1::WriteResponse second;
  ASSERT_TRUE(RoazAssistance("meldkamer")->ReserveBed(Deadline().get(), IcBed("rit-1"), &first).ok());
  ASSERT_TRUE(RoazAssistance("meldkamer")->ReserveBed(Deadline().get(), IcBed("rit-2"), &second).ok());
  Federate();

  // Another dispatch centre of the ROAZ server is not the reserver: refused on the ROAZ server, nothing forwarded.
  v1::ReleaseReservationRequest release;
  release.set_reservation_id(absl::StrCat("vr10-", first.record().bed_reservation().id()));
  release.set_reason("patiënt gaat elders heen");
  v1::WriteResponse released;
  grpc::Status status = RoazAssistance("other-meldkamer")->ReleaseReservation(Deadline().get(), release, &released);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << GrpcStatusText(status);
  // The reserver's organisation releases it: VR10 commits it, under its own id.
  status = RoazAssistance("meldkamer")->ReleaseReservation(Deadline().get(), release, &released);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_EQ(released.record().name(), first.record().name());
  EXPECT_EQ(released.record().bed_reservation().state(), v1::RESERVATION_STATE_RELEASED);
  EXPECT_EQ(released.record().bed_reservation().release_reason(), "patiënt gaat elders heen");

  // The GHOR of the ROAZ server confirms the other one.
  v1::ConfirmReservationRequest confirm;
  confirm.set_reservation_id(absl::StrCat("vr10-", second.record().bed_reservation().id()));
  v1::WriteResponse confirmed;
  status = RoazAssistance("ghor")->ConfirmReservation(Deadline().get(), confirm, &confirmed);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_EQ(confirmed.record().name(), second.record().name());
  EXPECT_EQ(confirmed.record().bed_reservation().state(), v1::RESERVATION_STATE_CONFIRMED);

  // Confirming again: VR10's FAILED_PRECONDITION (the ROAZ copy is still HELD until the federator brings the change).
  status = RoazAssistance("ghor")->ConfirmReservation(Deadline().get(), confirm, &confirmed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("VR10's server answered: reservation"));
  Federate();
  v1::GetRequest get;
  get.set_name(absl::StrCat("reservations/", confirm.reservation_id()));
  v1::GetResponse copy;
  ASSERT_TRUE(v1::PictureService::NewStub(roaz_channels_.at("ghor"))->Get(Deadline().get(), get, &copy).ok());
  EXPECT_EQ(copy.record().bed_reservation().state(), v1::RESERVATION_STATE_CONFIRMED);
}

TEST_F(ReservationForwardingTest, ARegionWithoutAnEndpointStaysFailedPreconditionNamingIt) {
  v1::Record organization;
  organization.set_name("organizations/ziekenhuis-b");
  organization.set_kind(v1::ENTITY_KIND_ORGANIZATION);
  *organization.mutable_organization() = MakeOrganization("ziekenhuis-b", v1::ORGANIZATION_KIND_HOSPITAL, "VR11");
  organization.mutable_scope()->set_organization_id("ziekenhuis-b");
  organization.mutable_scope()->set_safety_region("VR11");
  v1::ApplyUpstreamResponse applied;
  ASSERT_TRUE(
      v1::FederationService::NewStub(roaz_channels_.at("federator-vr11"))
          ->ApplyUpstream(Deadline().get(), UpstreamRange("VR11", 0, 1, {SourceEvent(1, organization)}), &applied)
          .ok());
  v1::ReserveBedRequest request = IcBed("rit-1");
  request.set_organization_id("ziekenhuis-b");
  v1::WriteResponse response;
  const grpc::Status status = RoazAssistance("meldkamer")->ReserveBed(Deadline().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("is federated from VR11: reserve a bed of it at VR11's server"));
}

TEST_F(ReservationForwardingTest, TheRegionAdmitsForwardedCallsOnlyFromTheListedIdentityForItsOwnRegion) {
  v1::ReserveBedRequest request = IcBed("rit-1");
  v1::WriteResponse response;
  // The region's own GHOR may reserve, but not on behalf of another server's caller.
  request.set_forwarded_for("VR12/ghor-roaz");
  grpc::Status status = RegionAssistance("ghor")->ReserveBed(Deadline().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("forwarded_for: \"ghor-vr10\" may not forward"));
  // The listed forwarder only for its own region.
  request.set_forwarded_for("VR11/ghor-vr11");
  status = RegionAssistance("roaz")->ReserveBed(Deadline().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("forwarded_for: \"roaz-vr12\" forwards for VR12"));
  // Not by its role: without forwarded_for the federation role may not reserve.
  request.clear_forwarded_for();
  status = RegionAssistance("roaz")->ReserveBed(Deadline().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << GrpcStatusText(status);
  // Malformed after the region: INVALID_ARGUMENT naming the field.
  request.set_forwarded_for("VR12/Not An Id");
  status = RegionAssistance("roaz")->ReserveBed(Deadline().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("forwarded_for:"));
  EXPECT_EQ(RegionReservations().records_size(), 0);

  request.set_forwarded_for("VR12/ghor-roaz");
  status = RegionAssistance("roaz")->ReserveBed(Deadline().get(), request, &response);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  // The region's own dispatch is not "the reserver's organisation" of a forwarded reservation.
  v1::ReleaseReservationRequest release;
  release.set_reservation_id(response.record().bed_reservation().id());
  status = RegionAssistance("meldkamer")->ReleaseReservation(Deadline().get(), release, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << GrpcStatusText(status);
}

TEST_F(ReservationForwardingTest, AnUnreachableRegionIsUnavailableNamingItAndTheRequestIdToRepeat) {
  link_->Cut(TcpForwarder::CutMode::kDrop);
  v1::ReserveBedRequest request = IcBed("");  // The ROAZ server makes one.
  v1::WriteResponse response;
  const grpc::Status status = RoazAssistance("meldkamer")->ReserveBed(Deadline().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(),
              HasSubstr("VR10's server could not be reached or its answer was lost (3 attempts"));
  EXPECT_THAT(status.error_message(), HasSubstr("repeat the call with request_id \"fwd-"));
  EXPECT_EQ(RegionReservations().records_size(), 0);
}

// The link holds everything for longer than an attempt's deadline (1 s): the first attempt's request and answer wait
// on the open connection and it times out (VR10 may or may not commit it once the link is restored), the next attempt
// is the same request with the same request_id. Three beds, one reserved before: exactly two reservations after.
TEST_F(ReservationForwardingTest, AnAnswerLostOnTheWayIsSentAgainWithTheSameRequestIdAndHoldsOneBed) {
  ReportIcBeds(3);
  v1::WriteResponse before;
  ASSERT_TRUE(RoazAssistance("meldkamer")->ReserveBed(Deadline().get(), IcBed("rit-0"), &before).ok());
  link_->Cut(TcpForwarder::CutMode::kHold);
  grpc::Status status;
  v1::WriteResponse response;
  std::thread caller([&] { status = RoazAssistance("meldkamer")->ReserveBed(Deadline().get(), IcBed(""), &response); });
  absl::SleepFor(absl::Milliseconds(1500));
  link_->Restore();
  caller.join();
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_THAT(response.record().bed_reservation().request_id(), HasSubstr("fwd-"));
  const v1::ListResponse at_region = RegionReservations();
  EXPECT_EQ(at_region.records_size(), 2) << "forwarding held two beds for one call (replayed: " << response.replayed()
                                         << ")";
}

}  // namespace reservation_forwarding_test_local
}  // namespace
}  // namespace ketenbeeld::testing
