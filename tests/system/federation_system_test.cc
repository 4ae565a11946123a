// Federation with the real binaries on loopback (docs/federation.md): two region servers (VR10, VR11), one ROAZ
// server and ketenbeeld-federator between them. Both regions take status reports under load; the federator is killed
// with SIGKILL in the middle and started again; then the ROAZ picture must hold every record of both regions with its
// provenance, and every upstream event must have been applied exactly once (the ROAZ log's federated events, by
// source revision, are the regions' logs with neither gap nor duplicate). Further cases: an upstream reset, kill -9 of
// each party in turn, an unreachable region, chaining into a national server, and the federator reading with the
// federation role (what crosses upward: acute care exactly, long-term care only as its aggregate).
#include <signal.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/federation_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "tests/security/token_line.h"
#include "tests/support/test_server.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {
namespace federation_system_test_local {

const char* FederatorBinary() { return KETENBEELD_FEDERATOR_BINARY; }

constexpr int kOrganizationsPerRegion = 4;
constexpr int kReportsPerRegion = 120;

std::string WriteRoazConfig(const std::string& dir, int stale_after_seconds = 60) {
  const std::string path = dir + "/roaz.textproto";
  std::ofstream file(path);
  file << "federation {\n"
       << "  sources { safety_region: \"VR10\" identity: \"federator-vr10\" }\n"
       << "  sources { safety_region: \"VR11\" identity: \"federator-vr11\" }\n"
       << "  stale_after { seconds: " << stale_after_seconds << " }\n"
       << "}\n";
  return path;
}

// `listen`: a restart passes the address of the previous start, so that the federator finds it again.
absl::StatusOr<std::unique_ptr<ServerProcess>> StartServer(const std::string& dir, const std::string& name,
                                                           std::vector<std::string> extra_args,
                                                           const std::string& listen = "127.0.0.1:0") {
  ServerProcessOptions options;
  options.data_dir = absl::StrCat(dir, "/", name, "-db");
  options.log_path = absl::StrCat(dir, "/", name, ".log");
  options.listen = listen;
  options.extra_args = std::move(extra_args);
  return ServerProcess::Start(options);
}

// Every event of a server's log, oldest first (History pages; bounded).
std::vector<v1::Event> WholeHistory(v1::PictureService::Stub& stub) {
  std::vector<v1::Event> events;
  int64_t from = 1;
  for (int page = 0; page < 1000 && from > 0; ++page) {
    v1::HistoryRequest request;
    request.set_from_revision(from);
    request.set_page_size(10000);
    v1::HistoryResponse response;
    const grpc::Status status = stub.History(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    for (const v1::Event& event : response.events()) events.push_back(event);
    from = response.next_from_revision();
  }
  return events;
}

// The downstream server's cursor of each source region (0 for a region never applied).
std::map<std::string, int64_t> Cursors(v1::FederationService::Stub& federation) {
  std::map<std::string, int64_t> cursors = {{"VR10", 0}, {"VR11", 0}};
  v1::GetUpstreamCursorsResponse response;
  if (federation.GetUpstreamCursors(Deadline().get(), {}, &response).ok()) {
    for (const v1::UpstreamSource& source : response.sources()) cursors[source.safety_region()] = source.cursor();
  }
  return cursors;
}

int64_t CurrentRevision(v1::PictureService::Stub& stub) {
  v1::ListRequest request;
  request.set_page_size(1);
  v1::ListResponse response;
  EXPECT_TRUE(stub.List(Deadline().get(), request, &response).ok());
  return response.revision();
}

// What the ROAZ server takes of a region's log (server/mutations/mutations_federation.cc): the registry, the status
// reports and the sector aggregates of the real picture (the load here has no reservations).
bool Federates(const v1::Event& event) {
  const v1::EntityKind kind = event.record().kind();
  return (kind == v1::ENTITY_KIND_ORGANIZATION || kind == v1::ENTITY_KIND_STATUS_REPORT ||
          kind == v1::ENTITY_KIND_SECTOR_AGGREGATE) &&
         event.record().exercise_id().empty();
}

// What of that crosses a region's federation policy (docs/federation-policy.md): no record of long-term care but the
// sector aggregates.
bool CrossesUpward(const v1::Event& event) {
  return Federates(event) && (event.record().kind() == v1::ENTITY_KIND_SECTOR_AGGREGATE ||
                              event.record().scope().sector() != v1::SECTOR_LONG_TERM_CARE);
}

// The name a region's record has on the ROAZ server: a sector aggregate's is region-qualified.
std::string DownstreamName(const v1::Record& record, const std::string& region) {
  constexpr absl::string_view kAggregates = "aggregates/";
  if (record.kind() != v1::ENTITY_KIND_SECTOR_AGGREGATE) return record.name();
  return absl::StrCat(kAggregates, absl::AsciiStrToLower(region), "-", record.name().substr(kAggregates.size()));
}

// Exactly once: the ROAZ log's events of `region`, by source revision, are the region's federating events (those for
// which `crosses` holds), in order, neither missing nor repeated, each the same record name and commit time. Returns
// how many were compared. `region_stub` must read the region's whole log.
size_t ExpectExactlyOnce(const std::vector<v1::Event>& roaz_log, v1::PictureService::Stub& region_stub,
                         const std::string& region, bool (*crosses)(const v1::Event&) = Federates) {
  std::vector<int64_t> expected;
  std::map<int64_t, v1::Event> upstream;
  for (const v1::Event& event : WholeHistory(region_stub)) {
    if (!crosses(event)) continue;
    expected.push_back(event.revision());
    upstream[event.revision()] = event;
  }
  std::vector<int64_t> applied;
  for (const v1::Event& event : roaz_log) {
    if (event.record().provenance().source_region() != region) continue;
    applied.push_back(event.record().provenance().source_revision());
    const auto it = upstream.find(applied.back());
    if (it == upstream.end()) {
      ADD_FAILURE() << "applied a revision the region does not have: " << applied.back();
      continue;
    }
    EXPECT_EQ(event.record().name(), DownstreamName(it->second.record(), region));
    EXPECT_EQ(event.record().provenance().source_commit_time().seconds(), it->second.commit_time().seconds());
  }
  EXPECT_EQ(applied, expected) << "upstream events of " << region << " missing, repeated or out of order";
  return expected.size();
}

class FederationSystemTest : public ::testing::Test {
 protected:
  void StartFederator() {
    absl::StatusOr<std::unique_ptr<ChildProcess>> process = ChildProcess::Spawn(
        FederatorBinary(),
        {"--downstream", absl::StrCat("target=", roaz_->address()), "--source",
         absl::StrCat("VR10,target=", vr10_->address()), "--source", absl::StrCat("VR11,target=", vr11_->address()),
         "--max-batch-events", "7", "--heartbeat-every-seconds", "1", "--call-timeout-seconds", "5"},
        "", dir_.path() + "/federator.log");
    ASSERT_TRUE(process.ok()) << process.status();
    federator_ = *std::move(process);
  }

  // Waits until the ROAZ server's cursor of each region is that region's latest revision.
  bool WaitUntilCaughtUp(absl::Duration timeout) {
    auto federation = v1::FederationService::NewStub(roaz_->NewChannel());
    auto vr10 = vr10_->NewStub();
    auto vr11 = vr11_->NewStub();
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      const std::map<std::string, int64_t> want = {{"VR10", CurrentRevision(*vr10)}, {"VR11", CurrentRevision(*vr11)}};
      v1::GetUpstreamCursorsResponse cursors;
      if (federation->GetUpstreamCursors(Deadline().get(), {}, &cursors).ok()) {
        std::map<std::string, int64_t> have;
        for (const v1::UpstreamSource& source : cursors.sources()) have[source.safety_region()] = source.cursor();
        if (have == want) return true;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> vr10_;
  std::unique_ptr<ServerProcess> vr11_;
  std::unique_ptr<ServerProcess> roaz_;
  std::unique_ptr<ChildProcess> federator_;
};

TEST_F(FederationSystemTest, KillNineOfTheFederatorUnderLoadAppliesEveryUpstreamEventExactlyOnce) {
  {
    auto vr10 = StartServer(dir_.path(), "vr10", {"--region", "VR10"});
    ASSERT_TRUE(vr10.ok()) << vr10.status();
    vr10_ = *std::move(vr10);
    auto vr11 = StartServer(dir_.path(), "vr11", {"--region", "VR11"});
    ASSERT_TRUE(vr11.ok()) << vr11.status();
    vr11_ = *std::move(vr11);
    auto roaz = StartServer(dir_.path(), "roaz", {"--region", "VR12", "--config", WriteRoazConfig(dir_.path())});
    ASSERT_TRUE(roaz.ok()) << roaz.status();
    roaz_ = *std::move(roaz);
  }
  const std::map<std::string, ServerProcess*> regions = {{"VR10", vr10_.get()}, {"VR11", vr11_.get()}};
  for (const auto& [region, server] : regions) {
    auto stub = server->NewStub();
    for (int i = 0; i < kOrganizationsPerRegion; ++i) {
      const std::string id = absl::StrCat("zh-", absl::AsciiStrToLower(region), "-", i);
      const grpc::Status status = Register(*stub, MakeOrganization(id, v1::ORGANIZATION_KIND_HOSPITAL, region));
      ASSERT_TRUE(status.ok()) << id << ": " << status.error_message();
    }
  }
  ASSERT_NO_FATAL_FAILURE(StartFederator());
  // The registrations arrive as the regions' snapshots (cursor 0); the load then arrives as events.
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << ReadWholeFile(dir_.path() + "/federator.log");

  // Load in both regions; the federator is killed with SIGKILL a third of the way and started again two thirds in.
  std::atomic<int> written{0};
  std::vector<std::thread> writers;
  for (const auto& [region, server] : regions) {
    writers.emplace_back([&, region = region, server = server] {
      auto stub = server->NewStub();
      for (int i = 0; i < kReportsPerRegion; ++i) {
        const std::string id = absl::StrCat("zh-", absl::AsciiStrToLower(region), "-", i % kOrganizationsPerRegion);
        const grpc::Status status = Report(*stub, MakeReport(id, i % 50));
        EXPECT_TRUE(status.ok()) << region << " " << i << ": " << status.error_message();
        written.fetch_add(1);
        absl::SleepFor(absl::Milliseconds(10));
      }
    });
  }
  const absl::Time load_deadline = absl::Now() + absl::Seconds(60);
  while (written.load() < 2 * kReportsPerRegion / 3 && absl::Now() < load_deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const ExitStatus killed = federator_->Kill();
  EXPECT_TRUE(killed.KilledBy(SIGKILL)) << killed.ToString();
  while (written.load() < 4 * kReportsPerRegion / 3 && absl::Now() < load_deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_NO_FATAL_FAILURE(StartFederator());
  for (std::thread& writer : writers) writer.join();

  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(60))) << "the ROAZ server did not catch up; federator log:\n"
                                                    << ReadWholeFile(dir_.path() + "/federator.log");

  auto roaz = roaz_->NewStub();
  const std::vector<v1::Event> roaz_log = WholeHistory(*roaz);
  for (const auto& [region, server] : regions) {
    SCOPED_TRACE(region);
    auto stub = server->NewStub();
    const size_t compared_events = ExpectExactlyOnce(roaz_log, *stub, region);
    EXPECT_GE(compared_events, static_cast<size_t>(kOrganizationsPerRegion + kReportsPerRegion));

    // The pictures agree: every record of the region is in the ROAZ picture, the same entity, with provenance.
    v1::ListRequest list;
    list.set_page_size(1000);
    v1::ListResponse records;
    ASSERT_TRUE(stub->List(Deadline().get(), list, &records).ok());
    int compared = 0;
    for (const v1::Record& record : records.records()) {
      if (record.kind() != v1::ENTITY_KIND_ORGANIZATION && record.kind() != v1::ENTITY_KIND_STATUS_REPORT) continue;
      v1::GetRequest get;
      get.set_name(record.name());
      v1::GetResponse federated;
      const grpc::Status status = roaz->Get(Deadline().get(), get, &federated);
      ASSERT_TRUE(status.ok()) << record.name() << ": " << status.error_message();
      EXPECT_EQ(federated.record().provenance().source_region(), region);
      EXPECT_EQ(federated.record().provenance().source_revision(), record.mod_revision()) << record.name();
      EXPECT_FALSE(federated.record().provenance().stale());
      if (record.has_status_report()) {
        EXPECT_EQ(federated.record().status_report().SerializeAsString(), record.status_report().SerializeAsString())
            << record.name();
      }
      ++compared;
    }
    EXPECT_EQ(compared, 2 * kOrganizationsPerRegion);
  }
}

// Whether the region no longer holds its log after `revision` (retention compacted it): History from there starts
// later, or is refused.
bool Compacted(v1::PictureService::Stub& stub, int64_t revision) {
  v1::HistoryRequest request;
  request.set_from_revision(revision + 1);
  request.set_page_size(1);
  v1::HistoryResponse response;
  const grpc::Status status = stub.History(Deadline().get(), request, &response);
  return !status.ok() || (response.events_size() > 0 && response.events(0).revision() > revision + 1);
}

int64_t CursorOf(v1::FederationService::Stub& federation, const std::string& region) {
  v1::GetUpstreamCursorsResponse cursors;
  EXPECT_TRUE(federation.GetUpstreamCursors(Deadline().get(), {}, &cursors).ok());
  for (const v1::UpstreamSource& source : cursors.sources()) {
    if (source.safety_region() == region) return source.cursor();
  }
  return 0;
}

// Every organisation and status report of `region`'s picture is in the ROAZ picture, the same, with its provenance;
// and the ROAZ picture holds no record of `region` that the region does not have.
void ExpectSamePicture(v1::PictureService::Stub& region_stub, v1::PictureService::Stub& roaz,
                       const std::string& region) {
  SCOPED_TRACE(region);
  v1::ListRequest list;
  list.set_page_size(1000);
  list.mutable_filter()->add_kinds(v1::ENTITY_KIND_ORGANIZATION);
  list.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  v1::ListResponse own;
  ASSERT_TRUE(region_stub.List(Deadline().get(), list, &own).ok());
  v1::ListResponse federated;
  ASSERT_TRUE(roaz.List(Deadline().get(), list, &federated).ok());
  std::map<std::string, v1::Record> held;
  for (const v1::Record& record : federated.records()) {
    if (record.provenance().source_region() == region) held[record.name()] = record;
  }
  for (const v1::Record& record : own.records()) {
    const auto it = held.find(record.name());
    if (it == held.end()) {
      ADD_FAILURE() << record.name() << " is missing on the ROAZ server";
      continue;
    }
    EXPECT_EQ(it->second.provenance().source_revision(), record.mod_revision()) << record.name();
    EXPECT_FALSE(it->second.provenance().stale()) << record.name();
    if (record.has_status_report()) {
      EXPECT_EQ(it->second.status_report().SerializeAsString(), record.status_report().SerializeAsString())
          << record.name();
    }
    held.erase(it);
  }
  for (const auto& [name, record] : held) ADD_FAILURE() << name << " is on the ROAZ server, not in " << region;
}

// Retention forced small on VR10 while the federator is down: the region no longer holds its log after the ROAZ
// server's cursor, so the federator gets a reset and a fresh snapshot, which replaces VR10's records on the ROAZ server
// (an organisation VR10 no longer has is deleted; VR11 is untouched), and then goes on live from the snapshot.
TEST_F(FederationSystemTest, AnUpstreamResetReplacesTheRegionsRecordsFromAFreshSnapshot) {
  {
    auto vr10 = StartServer(dir_.path(), "vr10",
                            {"--region", "VR10", "--retention_max_events", "20", "--retention_check_interval", "0.1s"});
    ASSERT_TRUE(vr10.ok()) << vr10.status();
    vr10_ = *std::move(vr10);
    auto vr11 = StartServer(dir_.path(), "vr11", {"--region", "VR11"});
    ASSERT_TRUE(vr11.ok()) << vr11.status();
    vr11_ = *std::move(vr11);
    auto roaz = StartServer(dir_.path(), "roaz", {"--region", "VR12", "--config", WriteRoazConfig(dir_.path())});
    ASSERT_TRUE(roaz.ok()) << roaz.status();
    roaz_ = *std::move(roaz);
  }
  auto vr10 = vr10_->NewStub();
  auto vr11 = vr11_->NewStub();
  auto roaz = roaz_->NewStub();
  auto federation = v1::FederationService::NewStub(roaz_->NewChannel());
  for (int i = 0; i < kOrganizationsPerRegion; ++i) {
    for (const auto& [stub, region] : {std::pair{vr10.get(), "VR10"}, std::pair{vr11.get(), "VR11"}}) {
      const std::string id = absl::StrCat("zh-", absl::AsciiStrToLower(region), "-", i);
      ASSERT_TRUE(Register(*stub, MakeOrganization(id, v1::ORGANIZATION_KIND_HOSPITAL, region)).ok()) << id;
    }
  }
  ASSERT_NO_FATAL_FAILURE(StartFederator());
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << ReadWholeFile(dir_.path() + "/federator.log");
  EXPECT_TRUE(federator_->Kill().KilledBy(SIGKILL));
  const int64_t cursor = CursorOf(*federation, "VR10");
  const int64_t vr11_cursor = CursorOf(*federation, "VR11");
  ASSERT_GT(cursor, 0);

  // An organisation the ROAZ server holds for VR10 that VR10's snapshot will not have (as if VR10 had removed it):
  // applied as VR10's next revision, which VR10 itself never federated.
  v1::ApplyUpstreamRequest ghost;
  ghost.set_source_region("VR10");
  ghost.set_expected_cursor(cursor);
  ghost.set_first_revision(cursor + 1);
  ghost.set_last_revision(cursor + 1);
  v1::Event& event = *ghost.add_events();
  event.set_revision(cursor + 1);
  event.set_type(v1::EVENT_TYPE_PUT);
  *event.mutable_commit_time() = ToProtoTime(absl::Now());
  v1::Record& record = *event.mutable_record();
  record.set_name("organizations/zh-vr10-weg");
  record.set_kind(v1::ENTITY_KIND_ORGANIZATION);
  *record.mutable_organization() = MakeOrganization("zh-vr10-weg", v1::ORGANIZATION_KIND_HOSPITAL, "VR10");
  record.mutable_scope()->set_organization_id("zh-vr10-weg");
  record.mutable_scope()->set_safety_region("VR10");
  v1::ApplyUpstreamResponse planted;
  ASSERT_TRUE(federation->ApplyUpstream(Deadline().get(), ghost, &planted).ok());

  // VR10 goes on while the federator is down, and its retention trims the log past the ROAZ server's cursor.
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(Report(*vr10, MakeReport(absl::StrCat("zh-vr10-", i % kOrganizationsPerRegion), i % 50)).ok()) << i;
  }
  const absl::Time compact_deadline = absl::Now() + absl::Seconds(20);
  while (!Compacted(*vr10, cursor + 1) && absl::Now() < compact_deadline) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_TRUE(Compacted(*vr10, cursor + 1)) << "VR10's retention did not trim its log";

  // The federator resets VR10 and continues live: a few more reports arrive while it does.
  ASSERT_NO_FATAL_FAILURE(StartFederator());
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(Report(*vr10, MakeReport(absl::StrCat("zh-vr10-", i % kOrganizationsPerRegion), 40 + i)).ok()) << i;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << ReadWholeFile(dir_.path() + "/federator.log");
  const std::string log = ReadWholeFile(dir_.path() + "/federator.log");
  EXPECT_NE(log.find("\"upstream_reset_done\""), std::string::npos) << log;

  ExpectSamePicture(*vr10, *roaz, "VR10");
  ExpectSamePicture(*vr11, *roaz, "VR11");
  v1::GetRequest get;
  get.set_name("organizations/zh-vr10-weg");
  v1::GetResponse gone;
  EXPECT_EQ(roaz->Get(Deadline().get(), get, &gone).error_code(), grpc::StatusCode::NOT_FOUND);
  get.set_name("upstream/VR10");
  v1::GetResponse source;
  ASSERT_TRUE(roaz->Get(Deadline().get(), get, &source).ok());
  EXPECT_FALSE(source.record().upstream_source().has_reset());
  EXPECT_FALSE(source.record().upstream_source().stale());
  EXPECT_EQ(CursorOf(*federation, "VR11"), vr11_cursor) << "VR11 was not reset";
}

// Load on both regions from two threads until stopped (bounded: at most `kMaxLoadReports` each); a region that is down
// (killed, being restarted) refuses or times out, and its writer waits a little and goes on. Only what the region
// committed counts: the comparison is with its log, not with the writer's tally.
class RegionLoad {
 public:
  static constexpr int kMaxLoadReports = 5000;

  void Start(const std::map<std::string, std::string>& addresses) {
    for (const auto& [region, address] : addresses) {
      threads_.emplace_back([this, region = region, address = address] {
        auto stub = v1::PictureService::NewStub(client::Connect(address, {}));
        for (int i = 0; i < kMaxLoadReports && !stop_.load(); ++i) {
          const std::string id = absl::StrCat("zh-", absl::AsciiStrToLower(region), "-", i % kOrganizationsPerRegion);
          grpc::ClientContext context;
          context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
          v1::ReportStatusRequest request;
          *request.mutable_report() = MakeReport(id, i % 50);
          v1::WriteResponse response;
          if (stub->ReportStatus(&context, request, &response).ok()) {
            written_.fetch_add(1);
          } else {
            absl::SleepFor(absl::Milliseconds(50));
          }
          absl::SleepFor(absl::Milliseconds(10));
        }
      });
    }
  }
  // Lets the load run for `duration`.
  void For(absl::Duration duration) { absl::SleepFor(duration); }
  void Stop() {
    stop_.store(true);
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }
  int written() const { return written_.load(); }
  ~RegionLoad() { Stop(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> written_{0};
  std::vector<std::thread> threads_;
};

// Starts VR10, VR11 and the ROAZ server, registers the organisations of both regions, starts the federator and
// waits until the ROAZ server has both regions.
void StartRegionsAndRoaz(const std::string& dir, int stale_after_seconds, std::unique_ptr<ServerProcess>& vr10,
                         std::unique_ptr<ServerProcess>& vr11, std::unique_ptr<ServerProcess>& roaz) {
  auto started10 = StartServer(dir, "vr10", {"--region", "VR10"});
  ASSERT_TRUE(started10.ok()) << started10.status();
  vr10 = *std::move(started10);
  auto started11 = StartServer(dir, "vr11", {"--region", "VR11"});
  ASSERT_TRUE(started11.ok()) << started11.status();
  vr11 = *std::move(started11);
  auto started_roaz =
      StartServer(dir, "roaz", {"--region", "VR12", "--config", WriteRoazConfig(dir, stale_after_seconds)});
  ASSERT_TRUE(started_roaz.ok()) << started_roaz.status();
  roaz = *std::move(started_roaz);
  for (const auto& [server, region] : {std::pair{vr10.get(), "VR10"}, std::pair{vr11.get(), "VR11"}}) {
    auto stub = server->NewStub();
    for (int i = 0; i < kOrganizationsPerRegion; ++i) {
      const std::string id = absl::StrCat("zh-", absl::AsciiStrToLower(region), "-", i);
      ASSERT_TRUE(Register(*stub, MakeOrganization(id, v1::ORGANIZATION_KIND_HOSPITAL, region)).ok()) << id;
    }
  }
}

// kill -9 in turn of the federator, the ROAZ server and a region server, under continuous load on both regions, each
// restarted (the servers on their old address and data): every upstream event is applied exactly once and nothing
// is missing.
TEST_F(FederationSystemTest, KillNineOfEachPartyInTurnUnderLoadLosesAndRepeatsNothing) {
  ASSERT_NO_FATAL_FAILURE(StartRegionsAndRoaz(dir_.path(), 60, vr10_, vr11_, roaz_));
  ASSERT_NO_FATAL_FAILURE(StartFederator());
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << ReadWholeFile(dir_.path() + "/federator.log");

  RegionLoad load;
  load.Start({{"VR10", vr10_->address()}, {"VR11", vr11_->address()}});
  const absl::Duration phase = absl::Milliseconds(1500);
  load.For(phase);

  // (a) The federator.
  EXPECT_TRUE(federator_->Kill().KilledBy(SIGKILL));
  load.For(absl::Milliseconds(500));
  ASSERT_NO_FATAL_FAILURE(StartFederator());
  load.For(phase);

  // (b) The ROAZ server, while the federator applies.
  const std::string roaz_address = roaz_->address();
  EXPECT_TRUE(roaz_->process().Kill().KilledBy(SIGKILL));
  load.For(absl::Milliseconds(500));
  {
    auto roaz =
        StartServer(dir_.path(), "roaz", {"--region", "VR12", "--config", WriteRoazConfig(dir_.path())}, roaz_address);
    ASSERT_TRUE(roaz.ok()) << roaz.status();
    roaz_ = *std::move(roaz);
  }
  // The federator applies again within seconds of the ROAZ server serving (federator.h, "Reconnecting": polled
  // channels, reconnect backoff at most 1 s, wait-for-ready calls); before, it waited out gRPC's reconnect backoff and
  // its own retries, 20-30 s.
  {
    const absl::Time serving = absl::Now();
    auto federation = v1::FederationService::NewStub(roaz_->NewChannel());
    const std::map<std::string, int64_t> at_restart = Cursors(*federation);
    absl::Duration reapplied = absl::InfiniteDuration();
    while (absl::Now() - serving < absl::Seconds(30)) {
      std::map<std::string, int64_t> now = Cursors(*federation);
      if (now["VR10"] > at_restart.at("VR10") && now["VR11"] > at_restart.at("VR11")) {
        reapplied = absl::Now() - serving;
        break;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    std::cerr << "the federator applied to the restarted ROAZ server after " << absl::FormatDuration(reapplied) << "\n";
    EXPECT_LT(reapplied, absl::Seconds(10)) << ReadWholeFile(dir_.path() + "/federator.log");
  }
  load.For(phase);

  // (c) A region server, while it takes reports and the federator follows its feed.
  const std::string vr10_address = vr10_->address();
  EXPECT_TRUE(vr10_->process().Kill().KilledBy(SIGKILL));
  load.For(absl::Milliseconds(500));
  {
    auto vr10 = StartServer(dir_.path(), "vr10", {"--region", "VR10"}, vr10_address);
    ASSERT_TRUE(vr10.ok()) << vr10.status();
    vr10_ = *std::move(vr10);
  }
  load.For(phase);
  load.Stop();
  EXPECT_GT(load.written(), 100) << "too little load to show anything";

  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(60))) << "the ROAZ server did not catch up; federator log:\n"
                                                    << ReadWholeFile(dir_.path() + "/federator.log");
  auto roaz = roaz_->NewStub();
  const std::vector<v1::Event> roaz_log = WholeHistory(*roaz);
  for (const auto& [server, region] : {std::pair{vr10_.get(), "VR10"}, std::pair{vr11_.get(), "VR11"}}) {
    auto stub = server->NewStub();
    EXPECT_GT(ExpectExactlyOnce(roaz_log, *stub, region), static_cast<size_t>(kOrganizationsPerRegion));
    ExpectSamePicture(*stub, *roaz, region);
  }
  // The cursor records agree with the logs: events_applied is the number of federated events of each source.
  v1::GetUpstreamCursorsResponse cursors;
  ASSERT_TRUE(
      v1::FederationService::NewStub(roaz_->NewChannel())->GetUpstreamCursors(Deadline().get(), {}, &cursors).ok());
  for (const v1::UpstreamSource& source : cursors.sources()) {
    int64_t applied = 0;
    for (const v1::Event& event : roaz_log) {
      if (event.record().provenance().source_region() == source.safety_region()) ++applied;
    }
    EXPECT_EQ(source.events_applied(), applied) << source.safety_region();
  }
}

// A region unreachable for a while (SIGSTOP: its process hangs, connections stay open): after stale_after its figures
// are flagged stale on the ROAZ server (the other region's are not), and after SIGCONT the federator catches up without
// gap and the flag clears.
TEST_F(FederationSystemTest, AnUnreachableRegionIsStaleThenCaughtUpWithoutGap) {
  ASSERT_NO_FATAL_FAILURE(StartRegionsAndRoaz(dir_.path(), 3, vr10_, vr11_, roaz_));
  ASSERT_NO_FATAL_FAILURE(StartFederator());
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << ReadWholeFile(dir_.path() + "/federator.log");
  auto vr10 = vr10_->NewStub();
  auto vr11 = vr11_->NewStub();
  auto roaz = roaz_->NewStub();
  auto stale = [&](const std::string& name) {
    v1::GetRequest request;
    request.set_name(name);
    v1::GetResponse response;
    const grpc::Status status = roaz->Get(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
    return response.record().provenance().stale();
  };
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Report(*vr10, MakeReport("zh-vr10-0", i)).ok());
    ASSERT_TRUE(Report(*vr11, MakeReport("zh-vr11-0", i)).ok());
  }
  EXPECT_FALSE(stale("organizations/zh-vr10-0"));

  ASSERT_TRUE(vr10_->process().Stop()) << "VR10 did not stop";
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (!stale("organizations/zh-vr10-0") && absl::Now() < deadline) {
    ASSERT_TRUE(Report(*vr11, MakeReport("zh-vr11-1", 3)).ok());
    absl::SleepFor(absl::Milliseconds(200));
  }
  const bool vr10_stale = stale("organizations/zh-vr10-0");
  const bool vr11_stale = stale("organizations/zh-vr11-0");
  v1::CapacityOverview overview;
  const grpc::Status overview_status =
      v1::ReportService::NewStub(roaz_->NewChannel())->GetCapacityOverview(Deadline().get(), {}, &overview);
  vr10_->process().Signal(SIGCONT);
  EXPECT_TRUE(vr10_stale) << "VR10 was not flagged stale while unreachable";
  EXPECT_FALSE(vr11_stale) << "VR11 kept sending heartbeats";
  ASSERT_TRUE(overview_status.ok()) << overview_status.error_message();
  for (const v1::UpstreamFreshness& source : overview.sources()) {
    EXPECT_EQ(source.stale(), source.safety_region() == "VR10") << source.safety_region();
  }

  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Report(*vr10, MakeReport("zh-vr10-1", i)).ok());
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << ReadWholeFile(dir_.path() + "/federator.log");
  const absl::Time fresh_deadline = absl::Now() + absl::Seconds(10);
  while (stale("organizations/zh-vr10-0") && absl::Now() < fresh_deadline) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(stale("organizations/zh-vr10-0")) << "the stale flag did not clear";
  const std::vector<v1::Event> roaz_log = WholeHistory(*roaz);
  ExpectExactlyOnce(roaz_log, *vr10, "VR10");
  ExpectExactlyOnce(roaz_log, *vr11, "VR11");
  ExpectSamePicture(*vr10, *roaz, "VR10");
}

// Chaining (docs/federation.md, "Chaining"): the ROAZ server (region VR12) is itself the source of a national server,
// through a second federator. The national picture holds every organisation and report of VR10 and VR11 with the
// original region's provenance (region, revision, commit time), the ROAZ server recorded as the hop (via_region), and
// the ROAZ server's own registry as VR12's.
TEST_F(FederationSystemTest, ARoazServerChainedIntoANationalServerKeepsTheOriginalProvenance) {
  ASSERT_NO_FATAL_FAILURE(StartRegionsAndRoaz(dir_.path(), 60, vr10_, vr11_, roaz_));
  ASSERT_TRUE(Register(*roaz_->NewStub(), MakeOrganization("roaz-eigen", v1::ORGANIZATION_KIND_HOSPITAL, "VR12")).ok());
  const std::string national_config = dir_.path() + "/national.textproto";
  std::ofstream(national_config) << "federation {\n"
                                 << "  sources { safety_region: \"VR12\" identity: \"federator-roaz\" }\n"
                                 << "  stale_after { seconds: 60 }\n"
                                 << "}\n";
  auto national = StartServer(dir_.path(), "national", {"--region", "VR13", "--config", national_config});
  ASSERT_TRUE(national.ok()) << national.status();
  std::unique_ptr<ServerProcess> national_server = *std::move(national);
  ASSERT_NO_FATAL_FAILURE(StartFederator());
  auto second = ChildProcess::Spawn(
      FederatorBinary(),
      {"--downstream", absl::StrCat("target=", national_server->address()), "--source",
       absl::StrCat("VR12,target=", roaz_->address()), "--max-batch-events", "5", "--heartbeat-every-seconds", "1"},
      "", dir_.path() + "/federator-national.log");
  ASSERT_TRUE(second.ok()) << second.status();
  std::unique_ptr<ChildProcess> national_federator = *std::move(second);

  auto vr10 = vr10_->NewStub();
  auto vr11 = vr11_->NewStub();
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(Report(*vr10, MakeReport(absl::StrCat("zh-vr10-", i % kOrganizationsPerRegion), i)).ok());
    ASSERT_TRUE(Report(*vr11, MakeReport(absl::StrCat("zh-vr11-", i % kOrganizationsPerRegion), i)).ok());
  }
  ASSERT_TRUE(WaitUntilCaughtUp(absl::Seconds(30))) << ReadWholeFile(dir_.path() + "/federator.log");
  // The national server has caught up when every VR10 and VR11 record is there at the region's revision.
  auto national_stub = national_server->NewStub();
  auto caught_up = [&] {
    for (auto* stub : {vr10.get(), vr11.get()}) {
      v1::ListRequest list;
      list.set_page_size(1000);
      v1::ListResponse records;
      if (!stub->List(Deadline().get(), list, &records).ok()) return false;
      for (const v1::Record& record : records.records()) {
        if (record.kind() != v1::ENTITY_KIND_STATUS_REPORT) continue;
        v1::GetRequest get;
        get.set_name(record.name());
        v1::GetResponse there;
        if (!national_stub->Get(Deadline().get(), get, &there).ok() ||
            there.record().provenance().source_revision() != record.mod_revision()) {
          return false;
        }
      }
    }
    return true;
  };
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!caught_up() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(100));
  ASSERT_TRUE(caught_up()) << ReadWholeFile(dir_.path() + "/federator-national.log");

  for (const auto& [stub, region] : {std::pair{vr10.get(), "VR10"}, std::pair{vr11.get(), "VR11"}}) {
    SCOPED_TRACE(region);
    v1::ListRequest list;
    list.set_page_size(1000);
    v1::ListResponse records;
    ASSERT_TRUE(stub->List(Deadline().get(), list, &records).ok());
    int compared = 0;
    for (const v1::Record& record : records.records()) {
      if (record.kind() != v1::ENTITY_KIND_ORGANIZATION && record.kind() != v1::ENTITY_KIND_STATUS_REPORT) continue;
      v1::GetRequest get;
      get.set_name(record.name());
      v1::GetResponse there;
      ASSERT_TRUE(national_stub->Get(Deadline().get(), get, &there).ok()) << record.name();
      const v1::SourceProvenance& provenance = there.record().provenance();
      EXPECT_EQ(provenance.source_region(), region) << record.name();
      EXPECT_EQ(provenance.source_revision(), record.mod_revision()) << record.name();
      EXPECT_EQ(provenance.source_commit_time().seconds(), record.update_time().seconds()) << record.name();
      EXPECT_EQ(provenance.via_region(), "VR12") << record.name();
      EXPECT_GT(provenance.via_revision(), 0) << record.name();
      EXPECT_FALSE(provenance.stale()) << record.name();
      ++compared;
    }
    EXPECT_EQ(compared, 2 * kOrganizationsPerRegion);
  }
  v1::GetRequest get;
  get.set_name("organizations/roaz-eigen");
  v1::GetResponse own;
  ASSERT_TRUE(national_stub->Get(Deadline().get(), get, &own).ok());
  EXPECT_EQ(own.record().provenance().source_region(), "VR12");
  EXPECT_TRUE(own.record().provenance().via_region().empty());
  // The national server's only source is the ROAZ server: its cursor record, no VR10/VR11 cursors.
  v1::GetUpstreamCursorsResponse cursors;
  ASSERT_TRUE(v1::FederationService::NewStub(national_server->NewChannel())
                  ->GetUpstreamCursors(Deadline().get(), {}, &cursors)
                  .ok());
  ASSERT_EQ(cursors.sources_size(), 1);
  EXPECT_EQ(cursors.sources(0).safety_region(), "VR12");
}

// The federator reads the region with the federation role (docs/federation-policy.md), as in production: VR10 runs
// with a tokens file and the federator's source credential is a federation token. VR10 has two hospitals and three
// nursing homes (the minimum group); everyone reports with remarks, a reporter and contacts. The redacted feed leaves
// out the nursing homes' records, so the revisions the federator receives have gaps; the ROAZ server must still move
// its cursor to VR10's latest revision, and its picture (and log) must hold the hospitals' exact figures and the
// long-term care aggregate, never a nursing home's record, free text or a personal contact.
TEST_F(FederationSystemTest, TheFederationRoleLetsAggregatesOfLongTermCareCrossNeverANursingHome) {
  constexpr const char* kRemark = "GEHEIM-opmerking";
  constexpr const char* kPerson = "Jan Jansen";
  constexpr const char* kEmail = "jan@zorg.example";
  constexpr const char* kPhone = "06-12345678";
  const std::string tokens = dir_.path() + "/vr10-tokens";
  std::ofstream(tokens) << TokenLine("tok-vr10-beheer", "beheer-vr10", "operator", "beheer")
                        << TokenLine("tok-vr10-ghor", "ghor-vr10", "ghor", "ghor")
                        << TokenLine("tok-vr10-federatie", "federatie-vr10", "federation", "federatie-vr10");
  {
    auto vr10 = StartServer(dir_.path(), "vr10", {"--region", "VR10", "--tokens_file", tokens});
    ASSERT_TRUE(vr10.ok()) << vr10.status();
    vr10_ = *std::move(vr10);
    auto roaz = StartServer(dir_.path(), "roaz", {"--region", "VR12", "--config", WriteRoazConfig(dir_.path())});
    ASSERT_TRUE(roaz.ok()) << roaz.status();
    roaz_ = *std::move(roaz);
  }
  auto registry = v1::PictureService::NewStub(client::Connect(vr10_->address(), {.token = "tok-vr10-beheer"}));
  auto ghor = v1::PictureService::NewStub(client::Connect(vr10_->address(), {.token = "tok-vr10-ghor"}));
  const std::vector<std::string> hospitals = {"zh-a", "zh-b"};
  const std::vector<std::string> homes = {"vvt-1", "vvt-2", "vvt-3"};
  for (const std::string& id : hospitals) {
    v1::Organization hospital = MakeOrganization(id, v1::ORGANIZATION_KIND_HOSPITAL, "VR10");
    hospital.mutable_contact()->set_name(kPerson);
    hospital.mutable_contact()->set_email(kEmail);
    ASSERT_TRUE(Register(*registry, hospital).ok()) << id;
  }
  for (const std::string& id : homes) {
    v1::Organization home = MakeOrganization(id, v1::ORGANIZATION_KIND_NURSING_HOME, "VR10");
    home.mutable_contact()->set_name(kPerson);
    ASSERT_TRUE(Register(*registry, home).ok()) << id;
  }

  auto federator =
      ChildProcess::Spawn(FederatorBinary(),
                          {"--downstream", absl::StrCat("target=", roaz_->address()), "--source",
                           absl::StrCat("VR10,target=", vr10_->address(), ",token=tok-vr10-federatie"),
                           "--max-batch-events", "7", "--heartbeat-every-seconds", "1", "--call-timeout-seconds", "5"},
                          "", dir_.path() + "/federator.log");
  ASSERT_TRUE(federator.ok()) << federator.status();
  federator_ = *std::move(federator);
  auto federation = v1::FederationService::NewStub(roaz_->NewChannel());
  // Caught up: the ROAZ server's cursor is VR10's latest revision (bounded wait).
  auto caught_up = [&](absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    do {
      if (CursorOf(*federation, "VR10") == CurrentRevision(*ghor)) return true;
      absl::SleepFor(absl::Milliseconds(100));
    } while (absl::Now() < deadline);
    return false;
  };
  ASSERT_TRUE(caught_up(absl::Seconds(30))) << ReadWholeFile(dir_.path() + "/federator.log");

  // Live: the hospitals report exact IC figures with remarks; the nursing homes their places. The last write repeats
  // a nursing home's figures: left out upstream and moving no aggregate, so only a heartbeat carries the cursor there.
  auto report_home = [&](const std::string& id, int available) {
    v1::StatusReport report;
    report.set_organization_id(id);
    report.set_overall_status(v1::OVERALL_STATUS_STRAINED);
    v1::Capacity& places = *report.add_capacity();
    places.set_type(v1::BED_TYPE_NURSING_HOME);
    places.set_available(available);
    places.set_occupied(40);
    report.set_free_text(kRemark);
    report.mutable_reporter()->set_name(kPerson);
    return Report(*ghor, report);
  };
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < hospitals.size(); ++i) {
      v1::StatusReport report = MakeReport(hospitals[i], static_cast<int>(3 + i + round));
      report.set_free_text(kRemark);
      report.mutable_disruptions(0)->set_description(kRemark);
      report.mutable_reporter()->set_phone(kPhone);
      ASSERT_TRUE(Report(*ghor, report).ok()) << hospitals[i];
    }
    for (size_t i = 0; i < homes.size(); ++i) {
      ASSERT_TRUE(report_home(homes[i], static_cast<int>(1 + i + round)).ok()) << homes[i];
    }
  }
  ASSERT_TRUE(report_home(homes[0], 2).ok()) << "the repeat";
  ASSERT_TRUE(caught_up(absl::Seconds(30))) << ReadWholeFile(dir_.path() + "/federator.log");

  // Exactly once over the redacted feed, with gaps: every event that may cross, nothing else.
  auto roaz = roaz_->NewStub();
  const std::vector<v1::Event> roaz_log = WholeHistory(*roaz);
  EXPECT_GE(ExpectExactlyOnce(roaz_log, *ghor, "VR10", CrossesUpward), hospitals.size() * 3 + 1);
  std::vector<int64_t> received;
  for (const v1::Event& event : roaz_log) {
    if (event.record().provenance().source_region() == "VR10") {
      received.push_back(event.record().provenance().source_revision());
    }
  }
  ASSERT_FALSE(received.empty());
  EXPECT_LT(received.size(), static_cast<size_t>(received.back() - received.front() + 1))
      << "the redacted feed's revisions have no gaps: were the nursing homes left out?";
  EXPECT_LT(received.back(), CursorOf(*federation, "VR10")) << "the last write (left out) was passed by a heartbeat";

  // Nothing of a nursing home, no free text, no contact: anywhere in the ROAZ log, which holds every version.
  for (const v1::Event& event : roaz_log) {
    const std::string text = event.ShortDebugString();
    for (const char* secret : {"vvt-", kRemark, kPerson, kEmail, kPhone, "+31 72"}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << secret << " crossed upward: " << text;
    }
  }
  // The hospitals' exact figures: each ROAZ report is the region's, without the texts.
  for (const std::string& id : hospitals) {
    v1::GetRequest get;
    get.set_name(absl::StrCat("organizations/", id, "/status"));
    v1::GetResponse own;
    v1::GetResponse there;
    ASSERT_TRUE(ghor->Get(Deadline().get(), get, &own).ok()) << id;
    ASSERT_TRUE(roaz->Get(Deadline().get(), get, &there).ok()) << id;
    EXPECT_EQ(there.record().provenance().source_revision(), own.record().mod_revision()) << id;
    ASSERT_EQ(there.record().status_report().capacity_size(), 1) << id;
    EXPECT_EQ(there.record().status_report().capacity(0).SerializeAsString(),
              own.record().status_report().capacity(0).SerializeAsString())
        << id;
    EXPECT_EQ(there.record().status_report().disruptions(0).severity(), v1::SEVERITY_MAJOR) << id;
    EXPECT_FALSE(there.record().status_report().has_reporter()) << id;
  }
  // The long-term care aggregate: the sum of the three homes' last figures (1+2+3 then 2+3+4, then vvt-1 at 2).
  v1::GetRequest get;
  get.set_name("aggregates/vr10-long-term-care");
  v1::GetResponse aggregate;
  ASSERT_TRUE(roaz->Get(Deadline().get(), get, &aggregate).ok());
  EXPECT_EQ(aggregate.record().provenance().source_region(), "VR10");
  const v1::SectorAggregate& sums = aggregate.record().sector_aggregate();
  EXPECT_EQ(sums.organizations_reporting(), 3);
  EXPECT_FALSE(sums.withheld_below_minimum());
  ASSERT_EQ(sums.beds_size(), 1);
  EXPECT_EQ(sums.beds(0).available(), 9);
  EXPECT_EQ(sums.beds(0).total(), 129);

  // The ROAZ overview: VR10's acute care exact, its long-term care only as the aggregate line.
  v1::CapacityOverview overview;
  ASSERT_TRUE(
      v1::ReportService::NewStub(roaz_->NewChannel())->GetCapacityOverview(Deadline().get(), {}, &overview).ok());
  std::vector<std::string> lines;
  for (const v1::CapacityTotal& line : overview.totals()) {
    lines.push_back(absl::StrCat(line.safety_region(), " ", v1::Sector_Name(line.sector()), " ",
                                 v1::BedType_Name(line.bed_type()), line.aggregate() ? " aggregate " : " ",
                                 line.available()));
  }
  EXPECT_THAT(lines, ::testing::ElementsAre("VR10 SECTOR_ACUTE_CARE BED_TYPE_IC_ADULT 9",
                                            "VR10 SECTOR_LONG_TERM_CARE BED_TYPE_NURSING_HOME aggregate 9"));
}

}  // namespace federation_system_test_local
}  // namespace
}  // namespace ketenbeeld::testing
