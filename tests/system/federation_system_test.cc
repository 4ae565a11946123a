// Federation with the real binaries on loopback (docs/federation.md): two region servers (VR10, VR11), one ROAZ
// server and ketenbeeld-federator between them. Both regions take status reports under load; the federator is killed
// with SIGKILL in the middle and started again; then the ROAZ picture must hold every record of both regions with its
// provenance, and every upstream event must have been applied exactly once (the ROAZ log's federated events, by
// source revision, are the regions' logs with neither gap nor duplicate).
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/federation_service.grpc.pb.h"
#include "tests/support/test_server.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {
namespace federation_system_test_local {

const char* FederatorBinary() { return KETENBEELD_FEDERATOR_BINARY; }

constexpr int kOrganizationsPerRegion = 4;
constexpr int kReportsPerRegion = 120;

std::string WriteRoazConfig(const std::string& dir) {
  const std::string path = dir + "/roaz.textproto";
  std::ofstream file(path);
  file << "federation {\n"
       << "  sources { safety_region: \"VR10\" identity: \"federator-vr10\" }\n"
       << "  sources { safety_region: \"VR11\" identity: \"federator-vr11\" }\n"
       << "  stale_after { seconds: 60 }\n"
       << "}\n";
  return path;
}

absl::StatusOr<std::unique_ptr<ServerProcess>> StartServer(const std::string& dir, const std::string& name,
                                                           std::vector<std::string> extra_args) {
  ServerProcessOptions options;
  options.data_dir = absl::StrCat(dir, "/", name, "-db");
  options.log_path = absl::StrCat(dir, "/", name, ".log");
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

int64_t CurrentRevision(v1::PictureService::Stub& stub) {
  v1::ListRequest request;
  request.set_page_size(1);
  v1::ListResponse response;
  EXPECT_TRUE(stub.List(Deadline().get(), request, &response).ok());
  return response.revision();
}

// What the ROAZ server takes of a region's log (server/mutations/mutations_federation.cc): the registry and the status
// reports of the real picture.
bool Federates(const v1::Event& event) {
  const v1::EntityKind kind = event.record().kind();
  return (kind == v1::ENTITY_KIND_ORGANIZATION || kind == v1::ENTITY_KIND_STATUS_REPORT) &&
         event.record().exercise_id().empty();
}

class FederationSystemTest : public ::testing::Test {
 protected:
  void StartFederator() {
    absl::StatusOr<std::unique_ptr<ChildProcess>> process = ChildProcess::Spawn(
        FederatorBinary(),
        {"--downstream", absl::StrCat("target=", roaz_->address()), "--source",
         absl::StrCat("VR10,target=", vr10_->address()), "--source", absl::StrCat("VR11,target=", vr11_->address()),
         "--max-batch-events", "7", "--heartbeat-every-seconds", "1"},
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
    // Exactly once: the ROAZ log's events of this source, by source revision, are the region's federating events.
    std::vector<int64_t> expected;
    std::map<int64_t, v1::Event> upstream;
    for (const v1::Event& event : WholeHistory(*stub)) {
      if (!Federates(event)) continue;
      expected.push_back(event.revision());
      upstream[event.revision()] = event;
    }
    std::vector<int64_t> applied;
    for (const v1::Event& event : roaz_log) {
      if (event.record().provenance().source_region() != region) continue;
      applied.push_back(event.record().provenance().source_revision());
      const auto it = upstream.find(applied.back());
      ASSERT_NE(it, upstream.end()) << "applied a revision the region does not have: " << applied.back();
      EXPECT_EQ(event.record().name(), it->second.record().name());
      EXPECT_EQ(event.record().provenance().source_commit_time().seconds(), it->second.commit_time().seconds());
    }
    EXPECT_EQ(applied, expected) << "upstream events missing, repeated or out of order";
    EXPECT_GE(expected.size(), static_cast<size_t>(kOrganizationsPerRegion + kReportsPerRegion));

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

}  // namespace federation_system_test_local
}  // namespace
}  // namespace ketenbeeld::testing
