// Bed reservations with the real binaries on loopback (issue 20, docs/reservations.md): a region server (VR10), a ROAZ
// server and ketenbeeld-federator between them. Two dispatchers, each on its own connection, reserve the last IC bed of
// a hospital at the same moment: exactly one is committed, the other is refused with FAILED_PRECONDITION, and the bed
// is gone from the region's FindCapacity and capacity overview and, once the federator has carried the reservation
// up, from the ROAZ server's too. An unconfirmed reservation then expires on its own when the region's picture clock
// (--clock_offset_file) passes its hold: the region's tick commits the expiry as an event, the federator carries that
// event up, and the bed is available again in both servers' views. The ROAZ server never commits a reservation of the
// federated hospital's bed itself: it forwards ReserveBed and ReleaseReservation to VR10's server
// (federation.sources[].endpoint), whose answers (a refusal while the bed is held, then a reservation and its release)
// it passes on.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/federation_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "tests/support/grpc_status_text.h"
#include "tests/support/test_server.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {
namespace reservation_system_test_local {

using ::testing::HasSubstr;

constexpr char kHospital[] = "zh-vr10-ic";
constexpr int kRounds = 3;

int64_t CurrentRevision(v1::PictureService::Stub& stub) {
  v1::ListRequest request;
  request.set_page_size(1);
  v1::ListResponse response;
  EXPECT_TRUE(stub.List(Deadline().get(), request, &response).ok());
  return response.revision();
}

// The reservation record `name` on a server; the status says whether it was read.
grpc::Status GetRecord(v1::PictureService::Stub& stub, const std::string& name, v1::Record* record) {
  v1::GetRequest request;
  request.set_name(name);
  v1::GetResponse response;
  const grpc::Status status = stub.Get(Deadline().get(), request, &response);
  *record = response.record();
  return status;
}

// The hospital's available IC beds in FindCapacity on `channel`'s server (-1: not matched at all).
int Found(const std::shared_ptr<grpc::Channel>& channel) {
  v1::FindCapacityRequest request;
  request.mutable_near()->set_latitude(52.6);
  request.mutable_near()->set_longitude(4.7);
  request.set_bed_type(v1::BED_TYPE_IC_ADULT);
  v1::FindCapacityResponse response;
  const grpc::Status status = v1::ReportService::NewStub(channel)->FindCapacity(Deadline().get(), request, &response);
  EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
  for (const v1::CapacityMatch& match : response.matches()) {
    if (match.organization_id() == kHospital) return match.available();
  }
  return -1;
}

// VR10's available IC beds in the capacity overview on `channel`'s server (-1: no figure).
int64_t Overview(const std::shared_ptr<grpc::Channel>& channel) {
  v1::GetCapacityOverviewRequest request;
  request.add_bed_types(v1::BED_TYPE_IC_ADULT);
  v1::CapacityOverview response;
  const grpc::Status status =
      v1::ReportService::NewStub(channel)->GetCapacityOverview(Deadline().get(), request, &response);
  EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
  int64_t available = -1;
  for (const v1::CapacityTotal& total : response.totals()) {
    if (total.safety_region() != "VR10" || total.bed_type() != v1::BED_TYPE_IC_ADULT || !total.has_available()) {
      continue;
    }
    available = std::max<int64_t>(available, 0) + total.available();
  }
  return available;
}

class ReservationSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MoveClockTo(absl::ZeroDuration());
    {
      ServerProcessOptions options;
      options.data_dir = dir_.path() + "/vr10-db";
      options.log_path = dir_.path() + "/vr10.log";
      options.extra_args = {"--region", "VR10", "--clock_offset_file", clock_file_};
      absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
      ASSERT_TRUE(server.ok()) << server.status();
      vr10_ = *std::move(server);
    }
    {
      const std::string config = dir_.path() + "/roaz.textproto";
      std::ofstream(config) << "federation {\n"
                            << "  sources { safety_region: \"VR10\" identity: \"federator-vr10\"\n"
                            << "    endpoint { target: \"" << vr10_->address() << "\" } }\n"
                            << "  stale_after { seconds: 60 }\n"
                            << "}\n";
      ServerProcessOptions options;
      options.data_dir = dir_.path() + "/roaz-db";
      options.log_path = dir_.path() + "/roaz.log";
      options.extra_args = {"--region", "VR12", "--config", config};
      absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
      ASSERT_TRUE(server.ok()) << server.status();
      roaz_ = *std::move(server);
    }
  }

  // Moves VR10's picture clock to `offset` after the wall clock (the file replaced whole).
  void MoveClockTo(absl::Duration offset) {
    const std::string temporary = clock_file_ + ".new";
    std::ofstream(temporary, std::ios::trunc) << absl::FormatDuration(offset) << "\n";
    std::filesystem::rename(temporary, clock_file_);
  }

  void StartFederator() {
    absl::StatusOr<std::unique_ptr<ChildProcess>> process =
        ChildProcess::Spawn(KETENBEELD_FEDERATOR_BINARY,
                            {"--downstream", absl::StrCat("target=", roaz_->address()), "--source",
                             absl::StrCat("VR10,target=", vr10_->address()), "--heartbeat-every-seconds", "1"},
                            "", dir_.path() + "/federator.log");
    ASSERT_TRUE(process.ok()) << process.status();
    federator_ = *std::move(process);
  }

  // Waits until the ROAZ server's cursor of VR10 is VR10's latest revision.
  bool WaitUntilCaughtUp(absl::Duration timeout) {
    auto federation = v1::FederationService::NewStub(roaz_->NewChannel());
    auto vr10 = vr10_->NewStub();
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      const int64_t want = CurrentRevision(*vr10);
      v1::GetUpstreamCursorsResponse cursors;
      if (federation->GetUpstreamCursors(Deadline().get(), {}, &cursors).ok()) {
        for (const v1::UpstreamSource& source : cursors.sources()) {
          if (source.safety_region() == "VR10" && source.cursor() == want) return true;
        }
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }

  std::string FederatorLog() const { return ReadWholeFile(dir_.path() + "/federator.log"); }

  TempDir dir_;
  const std::string clock_file_ = dir_.path() + "/clock-offset";
  std::unique_ptr<ServerProcess> vr10_;
  std::unique_ptr<ServerProcess> roaz_;
  std::unique_ptr<ChildProcess> federator_;
};

TEST_F(ReservationSystemTest, TheLastIcBedGoesToOneDispatcherAndAnUnconfirmedHoldExpiresEverywhere) {
  auto vr10 = vr10_->NewStub();
  {
    v1::Organization hospital = MakeOrganization(kHospital, v1::ORGANIZATION_KIND_HOSPITAL, "VR10");
    hospital.mutable_locations(0)->mutable_coordinates()->set_latitude(52.63);
    hospital.mutable_locations(0)->mutable_coordinates()->set_longitude(4.75);
    ASSERT_TRUE(Register(*vr10, hospital).ok());
    const grpc::Status reported = Report(*vr10, MakeReport(kHospital, 1));
    ASSERT_TRUE(reported.ok()) << GrpcStatusText(reported);
  }
  ASSERT_NO_FATAL_FAILURE(StartFederator());
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << FederatorLog();
  const std::shared_ptr<grpc::Channel> vr10_reader = vr10_->NewChannel();
  const std::shared_ptr<grpc::Channel> roaz_reader = roaz_->NewChannel();
  EXPECT_EQ(Found(vr10_reader), 1);
  EXPECT_EQ(Found(roaz_reader), 1);
  EXPECT_EQ(Overview(roaz_reader), 1);

  // Two dispatchers, each on its own connection, reserve the last bed at the same moment. Every round but the last
  // releases the winner's reservation, so the next round races for the bed again.
  std::string held_id;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    grpc::Status statuses[2];
    v1::WriteResponse responses[2];
    absl::Barrier start(2);
    std::vector<std::thread> dispatchers;
    for (int i = 0; i < 2; ++i) {
      dispatchers.emplace_back([&, i] {
        auto stub = v1::AssistanceService::NewStub(vr10_->NewChannel());
        v1::ReserveBedRequest request;
        request.set_organization_id(kHospital);
        request.set_bed_type(v1::BED_TYPE_IC_ADULT);
        *request.mutable_hold_for() = ToProtoDuration(absl::Minutes(1));
        request.set_patient_reference(absl::StrCat("rit ", round, "-", i));
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
                HasSubstr(absl::StrCat("0 beds of BED_TYPE_IC_ADULT are available at organisation \"", kHospital,
                                       "\" (1 reported, 1 held by reservations)")));
    const v1::BedReservation& won = responses[winner].record().bed_reservation();
    EXPECT_EQ(won.state(), v1::RESERVATION_STATE_HELD);
    EXPECT_EQ(won.patient_reference(), absl::StrCat("rit ", round, "-", winner));
    held_id = won.id();
    EXPECT_EQ(Found(vr10_reader), -1);
    EXPECT_EQ(Overview(vr10_reader), 0);
    if (round + 1 < kRounds) {
      v1::ReleaseReservationRequest release;
      release.set_reservation_id(held_id);
      release.set_reason("patiënt gaat elders heen");
      v1::WriteResponse released;
      const grpc::Status status =
          v1::AssistanceService::NewStub(vr10_reader)->ReleaseReservation(Deadline().get(), release, &released);
      ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
      EXPECT_EQ(Found(vr10_reader), 1);
    }
  }
  // Exactly one reservation per round was committed: the region's picture holds kRounds, one of them HELD.
  {
    v1::ListRequest request;
    request.set_page_size(1000);
    v1::ListResponse response;
    ASSERT_TRUE(vr10->List(Deadline().get(), request, &response).ok());
    int made = 0;
    int held = 0;
    for (const v1::Record& record : response.records()) {
      if (!record.has_bed_reservation()) continue;
      ++made;
      if (record.bed_reservation().state() == v1::RESERVATION_STATE_HELD) ++held;
    }
    EXPECT_EQ(made, kRounds);
    EXPECT_EQ(held, 1);
  }

  // The ROAZ server sees the held bed: the reservation under its region-qualified name, and the bed gone.
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << FederatorLog();
  auto roaz = roaz_->NewStub();
  const std::string federated_name = absl::StrCat("reservations/vr10-", held_id);
  {
    v1::Record record;
    const grpc::Status status = GetRecord(*roaz, federated_name, &record);
    ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
    EXPECT_EQ(record.bed_reservation().id(), absl::StrCat("vr10-", held_id));
    EXPECT_EQ(record.bed_reservation().state(), v1::RESERVATION_STATE_HELD);
    EXPECT_EQ(record.provenance().source_region(), "VR10");
  }
  EXPECT_EQ(Found(roaz_reader), -1);
  EXPECT_EQ(Overview(roaz_reader), 0);
  // The ROAZ server does not commit a reservation of a bed another region owns: it forwards the call to VR10, whose
  // refusal (the bed is held) comes back with its code.
  {
    v1::ReserveBedRequest request;
    request.set_organization_id(kHospital);
    request.set_bed_type(v1::BED_TYPE_IC_ADULT);
    v1::WriteResponse response;
    const grpc::Status status =
        v1::AssistanceService::NewStub(roaz_reader)->ReserveBed(Deadline().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(status);
    EXPECT_THAT(status.error_message(), HasSubstr("VR10's server answered: 0 beds of BED_TYPE_IC_ADULT"));
  }

  // Nobody confirms: the region's clock passes the hold and its tick expires the reservation, as a committed event.
  MoveClockTo(absl::Minutes(2));
  v1::Record expired;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    ASSERT_TRUE(GetRecord(*vr10, absl::StrCat("reservations/", held_id), &expired).ok());
    if (expired.bed_reservation().state() == v1::RESERVATION_STATE_EXPIRED) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(expired.bed_reservation().state(), v1::RESERVATION_STATE_EXPIRED) << vr10_->log();
  EXPECT_TRUE(expired.bed_reservation().has_ended_at());
  EXPECT_GT(expired.mod_revision(), expired.create_revision());
  {
    v1::HistoryRequest request;
    request.set_from_revision(expired.mod_revision());
    request.set_page_size(10);
    v1::HistoryResponse response;
    ASSERT_TRUE(vr10->History(Deadline().get(), request, &response).ok());
    ASSERT_FALSE(response.events().empty());
    EXPECT_EQ(response.events(0).record().name(), absl::StrCat("reservations/", held_id));
    EXPECT_EQ(response.events(0).record().bed_reservation().state(), v1::RESERVATION_STATE_EXPIRED);
  }
  EXPECT_EQ(Found(vr10_reader), 1);
  EXPECT_EQ(Overview(vr10_reader), 1);

  // ... and the expiry reaches the ROAZ server: the bed is available there again.
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << FederatorLog();
  {
    v1::Record record;
    ASSERT_TRUE(GetRecord(*roaz, federated_name, &record).ok());
    EXPECT_EQ(record.bed_reservation().state(), v1::RESERVATION_STATE_EXPIRED);
    EXPECT_EQ(record.provenance().source_revision(), expired.mod_revision());
  }
  EXPECT_EQ(Found(roaz_reader), 1);
  EXPECT_EQ(Overview(roaz_reader), 1);
  // Every round's reservation crossed, the released ones RELEASED.
  {
    v1::ListRequest request;
    request.set_page_size(1000);
    v1::ListResponse response;
    ASSERT_TRUE(roaz->List(Deadline().get(), request, &response).ok());
    std::map<v1::ReservationState, int> states;
    for (const v1::Record& record : response.records()) {
      if (record.has_bed_reservation()) ++states[record.bed_reservation().state()];
    }
    EXPECT_EQ(states[v1::RESERVATION_STATE_RELEASED], kRounds - 1);
    EXPECT_EQ(states[v1::RESERVATION_STATE_EXPIRED], 1);
  }

  // A reservation through the ROAZ server: committed by VR10 (its name, its revision), released through the ROAZ server
  // under the federated name once the copy has arrived.
  auto roaz_assistance = v1::AssistanceService::NewStub(roaz_reader);
  v1::ReserveBedRequest request;
  request.set_organization_id(kHospital);
  request.set_bed_type(v1::BED_TYPE_IC_ADULT);
  request.set_request_id("sys-forwarded-1");
  v1::WriteResponse reserved;
  grpc::Status status = roaz_assistance->ReserveBed(Deadline().get(), request, &reserved);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status) << roaz_->log();
  EXPECT_EQ(reserved.record().name(), absl::StrCat("reservations/", reserved.revision()));
  v1::Record at_vr10;
  ASSERT_TRUE(GetRecord(*vr10, reserved.record().name(), &at_vr10).ok());
  EXPECT_EQ(at_vr10.bed_reservation().state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(Found(vr10_reader), -1);
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << FederatorLog();
  EXPECT_EQ(Found(roaz_reader), -1);
  v1::ReleaseReservationRequest release;
  release.set_reservation_id(absl::StrCat("vr10-", reserved.record().bed_reservation().id()));
  v1::WriteResponse released;
  status = roaz_assistance->ReleaseReservation(Deadline().get(), release, &released);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_EQ(released.record().name(), reserved.record().name());
  EXPECT_EQ(released.record().bed_reservation().state(), v1::RESERVATION_STATE_RELEASED);
  EXPECT_EQ(Found(vr10_reader), 1);
}

}  // namespace reservation_system_test_local
}  // namespace
}  // namespace ketenbeeld::testing
