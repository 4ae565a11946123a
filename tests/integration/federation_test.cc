// Federation, the downstream half (federation_service.proto, docs/federation.md), through the real server on loopback
// with bearer tokens: ApplyUpstream commits a range's events and the source's cursor in one commit group, refuses a
// cursor that moved (ABORTED) and an organisation claimed by two sources (FAILED_PRECONDITION naming both), answers an
// exact replay without writing, names the field of bad input, admits only the source's configured identity, and reads
// flag a source's records as stale once it has not been heard from for federation.stale_after.
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "ketenbeeld/v1/federation_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "tests/integration/upstream_events.h"
#include "tests/security/token_line.h"
#include "tests/support/grpc_status_text.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {
namespace federation_test_local {

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;

struct FederationCaller {
  const char* name;
  const char* organization_id;
  const char* role_word;
  const char* token;
};
constexpr FederationCaller kFederationCallers[] = {
    {"federator-vr10", "federator-vr10", "operator", "tok-fed-vr10-a1"},
    {"federator-vr11", "federator-vr11", "operator", "tok-fed-vr11-b2"},
    {"ghor", "ghor-roaz", "ghor", "tok-ghor-roaz-c3"},
    {"operator", "beheer-roaz", "operator", "tok-operator-roaz-d4"},
};

std::string WriteFederationTokens(const std::string& dir) {
  const std::string path = dir + "/tokens";
  std::ofstream file(path);
  for (const FederationCaller& caller : kFederationCallers) {
    file << TokenLine(caller.token, caller.organization_id, caller.role_word, caller.name);
  }
  return path;
}

v1::Event OrganizationEvent(int64_t revision, const std::string& id, const std::string& region) {
  v1::Record record;
  record.set_name(absl::StrCat("organizations/", id));
  record.set_kind(v1::ENTITY_KIND_ORGANIZATION);
  *record.mutable_organization() = MakeOrganization(id, v1::ORGANIZATION_KIND_HOSPITAL, region);
  record.mutable_scope()->set_organization_id(id);
  record.mutable_scope()->set_safety_region(region);
  return SourceEvent(revision, std::move(record));
}

v1::Event StatusEvent(int64_t revision, const std::string& id, const std::string& region, int ic_available) {
  v1::Record record;
  record.set_name(absl::StrCat("organizations/", id, "/status"));
  record.set_kind(v1::ENTITY_KIND_STATUS_REPORT);
  *record.mutable_status_report() = MakeReport(id, ic_available);
  record.mutable_scope()->set_organization_id(id);
  record.mutable_scope()->set_safety_region(region);
  return SourceEvent(revision, std::move(record));
}

class FederationTest : public ::testing::Test {
 protected:
  FederationTest()
      : tokens_file_(WriteFederationTokens(tokens_dir_.path())), server_([this](app::ServerOptions& options) {
          options.tokens_file = tokens_file_;
          options.identity_limits.max_requests_per_second = 100000;
          options.upstream_sources = {{"VR10", "federator-vr10"}, {"VR11", "federator-vr11"}};
          options.upstream_stale_after = absl::Minutes(5);
          options.metrics_listen_address = "127.0.0.1:0";
          options.committer.clock = [this] { return absl::Now() + absl::Microseconds(offset_micros_.load()); };
        }) {
    for (const FederationCaller& caller : kFederationCallers) {
      channels_[caller.name] = client::Connect(server_.server().address(), {.token = caller.token});
    }
  }

  void Advance(absl::Duration by) { offset_micros_.fetch_add(absl::ToInt64Microseconds(by)); }

  grpc::Status Apply(const std::string& caller, const v1::ApplyUpstreamRequest& request,
                     v1::ApplyUpstreamResponse* response = nullptr) {
    v1::ApplyUpstreamResponse ignored;
    return v1::FederationService::NewStub(channels_.at(caller))
        ->ApplyUpstream(Deadline().get(), request, response == nullptr ? &ignored : response);
  }

  v1::GetResponse Get(const std::string& name) {
    v1::GetRequest request;
    request.set_name(name);
    v1::GetResponse response;
    const grpc::Status status =
        v1::PictureService::NewStub(channels_.at("ghor"))->Get(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << name << ": " << GrpcStatusText(status);
    return response;
  }

  int64_t Revision() {
    v1::ListRequest request;
    request.set_page_size(1);
    v1::ListResponse response;
    EXPECT_TRUE(v1::PictureService::NewStub(channels_.at("ghor"))->List(Deadline().get(), request, &response).ok());
    return response.revision();
  }

  TempDir tokens_dir_;
  std::string tokens_file_;
  std::atomic<int64_t> offset_micros_{0};
  TestServer server_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

TEST_F(FederationTest, TheEventsAndTheCursorAreOneCommitGroupWithProvenance) {
  v1::ApplyUpstreamResponse response;
  // Revision 2 of the source was filtered out of its feed: the range covers it, the cursor moves past it.
  const grpc::Status status =
      Apply("federator-vr10",
            UpstreamRange("VR10", 0, 4,
                          {OrganizationEvent(1, "ziekenhuis-a", "VR10"), StatusEvent(3, "ziekenhuis-a", "VR10", 7),
                           StatusEvent(4, "ziekenhuis-a", "VR10", 5)}),
            &response);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_FALSE(response.replayed());
  EXPECT_EQ(response.source().cursor(), 4);
  EXPECT_EQ(response.source().events_applied(), 3);
  EXPECT_FALSE(response.source().stale());

  // One group: the three events and the cursor, the cursor last.
  v1::HistoryRequest history;
  history.set_from_revision(1);
  v1::HistoryResponse events;
  ASSERT_TRUE(v1::PictureService::NewStub(channels_.at("ghor"))->History(Deadline().get(), history, &events).ok());
  ASSERT_EQ(events.events_size(), 4);
  for (const v1::Event& event : events.events()) EXPECT_EQ(event.group_last_revision(), 4) << event.revision();
  EXPECT_EQ(events.events(3).record().name(), "upstream/VR10");
  EXPECT_EQ(events.events(3).revision(), response.revision());
  EXPECT_EQ(events.events(2).record().provenance().source_revision(), 4);

  const v1::GetResponse report = Get("organizations/ziekenhuis-a/status");
  const v1::SourceProvenance& provenance = report.record().provenance();
  EXPECT_EQ(provenance.source_region(), "VR10");
  EXPECT_EQ(provenance.source_revision(), 4);
  EXPECT_EQ(provenance.source_commit_time().seconds(), 1764770004);
  EXPECT_FALSE(provenance.stale());
  EXPECT_TRUE(provenance.has_source_last_heard());
  EXPECT_EQ(report.record().create_revision(), 2) << "the second put of the name keeps its first revision";
  EXPECT_EQ(report.record().scope().safety_region(), "VR10");

  v1::GetUpstreamCursorsResponse cursors;
  ASSERT_TRUE(v1::FederationService::NewStub(channels_.at("federator-vr10"))
                  ->GetUpstreamCursors(Deadline().get(), {}, &cursors)
                  .ok());
  ASSERT_EQ(cursors.sources_size(), 1);
  EXPECT_EQ(cursors.sources(0).safety_region(), "VR10");
  EXPECT_EQ(cursors.sources(0).cursor(), 4);
}

TEST_F(FederationTest, ACursorThatMovedIsAbortedAndAnExactReplayWritesNothing) {
  const v1::ApplyUpstreamRequest first = UpstreamRange("VR10", 0, 1, {OrganizationEvent(1, "ziekenhuis-a", "VR10")});
  ASSERT_TRUE(Apply("federator-vr10", first).ok());
  const int64_t revision = Revision();

  // The same range again (its answer was lost): OK, nothing written.
  v1::ApplyUpstreamResponse replay;
  const grpc::Status again = Apply("federator-vr10", first, &replay);
  ASSERT_TRUE(again.ok()) << GrpcStatusText(again);
  EXPECT_TRUE(replay.replayed());
  EXPECT_EQ(replay.source().cursor(), 1);
  EXPECT_EQ(replay.source().events_applied(), 1);
  EXPECT_EQ(Revision(), revision);

  // A second federator that read the cursor before the first moved it, with a longer range: ABORTED.
  const grpc::Status stale =
      Apply("federator-vr10",
            UpstreamRange("VR10", 0, 2,
                          {OrganizationEvent(1, "ziekenhuis-a", "VR10"), StatusEvent(2, "ziekenhuis-a", "VR10", 3)}));
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED) << GrpcStatusText(stale);
  EXPECT_THAT(stale.error_message(), HasSubstr("expected_cursor: the cursor of VR10 is at 1, not 0"));
  // Ahead of the cursor: ABORTED too.
  const grpc::Status ahead =
      Apply("federator-vr10", UpstreamRange("VR10", 5, 6, {StatusEvent(6, "ziekenhuis-a", "VR10", 3)}));
  EXPECT_EQ(ahead.error_code(), grpc::StatusCode::ABORTED) << GrpcStatusText(ahead);
  EXPECT_EQ(Revision(), revision);

  // Resumed from the cursor it read again: applied.
  const grpc::Status resumed =
      Apply("federator-vr10", UpstreamRange("VR10", 1, 2, {StatusEvent(2, "ziekenhuis-a", "VR10", 3)}));
  EXPECT_TRUE(resumed.ok()) << GrpcStatusText(resumed);
  EXPECT_EQ(Revision(), revision + 2);
}

TEST_F(FederationTest, AnOrganisationClaimedByTwoSourcesIsRefusedNamingBoth) {
  ASSERT_TRUE(
      Apply("federator-vr10", UpstreamRange("VR10", 0, 1, {OrganizationEvent(1, "ziekenhuis-a", "VR10")})).ok());
  const int64_t revision = Revision();
  // VR11 sends a registration of its own and then a report of VR10's organisation: nothing of the range is applied.
  const grpc::Status status =
      Apply("federator-vr11",
            UpstreamRange("VR11", 0, 2,
                          {OrganizationEvent(1, "ziekenhuis-x", "VR11"), StatusEvent(2, "ziekenhuis-a", "VR11", 3)}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("events[1].record: organisation \"ziekenhuis-a\""));
  EXPECT_THAT(status.error_message(), HasSubstr("VR10 holds it"));
  EXPECT_THAT(status.error_message(), HasSubstr("VR11 sends"));
  // Nothing of the range; the conflict itself is recorded on upstream/VR11 (the federation's alert), once.
  EXPECT_EQ(Revision(), revision + 1);
  const v1::UpstreamSource source = Get("upstream/VR11").record().upstream_source();
  EXPECT_EQ(source.cursor(), 0);
  EXPECT_EQ(source.conflict().organization_id(), "ziekenhuis-a");
  EXPECT_EQ(source.conflict().holder(), "VR10");
  EXPECT_EQ(source.conflict().first_revision(), 1);
  EXPECT_EQ(source.conflict().last_revision(), 2);
  EXPECT_TRUE(source.conflict().has_detected_at());
  const grpc::Status again =
      Apply("federator-vr11",
            UpstreamRange("VR11", 0, 2,
                          {OrganizationEvent(1, "ziekenhuis-x", "VR11"), StatusEvent(2, "ziekenhuis-a", "VR11", 3)}));
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(again);
  EXPECT_EQ(Revision(), revision + 1) << "a retry of the refused range records nothing again";
  // VR11 without the disputed organisation: applied, and the conflict is cleared.
  const grpc::Status without =
      Apply("federator-vr11", UpstreamRange("VR11", 0, 1, {OrganizationEvent(1, "ziekenhuis-x", "VR11")}));
  ASSERT_TRUE(without.ok()) << GrpcStatusText(without);
  EXPECT_FALSE(Get("upstream/VR11").record().upstream_source().has_conflict());
  // A source claiming an organisation of this server's own registry is refused the same way.
  v1::WriteResponse registered;
  ASSERT_TRUE(Register(*v1::PictureService::NewStub(channels_.at("operator")),
                       MakeOrganization("roaz-eigen", v1::ORGANIZATION_KIND_HOSPITAL, "VR10"), &registered)
                  .ok());
  const grpc::Status own =
      Apply("federator-vr10", UpstreamRange("VR10", 1, 2, {OrganizationEvent(2, "roaz-eigen", "VR10")}));
  EXPECT_EQ(own.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(own);
  EXPECT_THAT(own.error_message(), HasSubstr("this server's own registry"));
}

TEST_F(FederationTest, ARefusedOrganisationLeavesNoRecord) {
  ASSERT_TRUE(
      Apply("federator-vr10", UpstreamRange("VR10", 0, 1, {OrganizationEvent(1, "ziekenhuis-a", "VR10")})).ok());
  ASSERT_FALSE(Apply("federator-vr11", UpstreamRange("VR11", 0, 2,
                                                     {OrganizationEvent(1, "ziekenhuis-x", "VR11"),
                                                      StatusEvent(2, "ziekenhuis-a", "VR11", 3)}))
                   .ok());
  v1::GetRequest request;
  request.set_name("organizations/ziekenhuis-x");
  v1::GetResponse response;
  EXPECT_EQ(v1::PictureService::NewStub(channels_.at("ghor"))->Get(Deadline().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(FederationTest, BadInputNamesTheFieldAndWritesNothing) {
  const int64_t revision = Revision();
  struct Case {
    const char* what;
    v1::ApplyUpstreamRequest request;
    const char* field;
  };
  std::vector<Case> cases;
  cases.push_back(
      {"no region", UpstreamRange("", 0, 1, {OrganizationEvent(1, "ziekenhuis-a", "VR10")}), "source_region"});
  cases.push_back({"first is not cursor+1", UpstreamRange("VR10", 0, 1, {}), "first_revision"});
  cases.back().request.set_first_revision(3);
  cases.push_back(
      {"events out of order",
       UpstreamRange("VR10", 0, 3,
                     {StatusEvent(2, "ziekenhuis-a", "VR10", 3), StatusEvent(2, "ziekenhuis-a", "VR10", 4)}),
       "events[1].revision"});
  cases.push_back({"event past the range", UpstreamRange("VR10", 0, 1, {StatusEvent(2, "ziekenhuis-a", "VR10", 3)}),
                   "events[0].revision"});
  cases.push_back({"kind does not match", UpstreamRange("VR10", 0, 1, {StatusEvent(1, "ziekenhuis-a", "VR10", 3)}),
                   "events[0].record.kind"});
  cases.back().request.mutable_events(0)->mutable_record()->set_kind(v1::ENTITY_KIND_ALERT);
  cases.push_back({"not a record name", UpstreamRange("VR10", 0, 1, {StatusEvent(1, "ziekenhuis-a", "VR10", 3)}),
                   "events[0].record.name"});
  cases.back().request.mutable_events(0)->mutable_record()->set_name("organizations//status");
  cases.push_back({"no commit time", UpstreamRange("VR10", 0, 1, {StatusEvent(1, "ziekenhuis-a", "VR10", 3)}),
                   "events[0].commit_time"});
  cases.back().request.mutable_events(0)->clear_commit_time();
  cases.push_back({"heartbeat with events", UpstreamRange("VR10", 0, 0, {StatusEvent(1, "ziekenhuis-a", "VR10", 3)}),
                   "last_revision"});
  for (const Case& c : cases) {
    const grpc::Status status = Apply("federator-vr10", c.request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.what << ": " << GrpcStatusText(status);
    EXPECT_THAT(status.error_message(), HasSubstr(c.field)) << c.what;
  }
  EXPECT_EQ(Revision(), revision);
}

TEST_F(FederationTest, OnlyTheSourcesConfiguredIdentityMayApplyIt) {
  const v1::ApplyUpstreamRequest request = UpstreamRange("VR10", 0, 1, {OrganizationEvent(1, "ziekenhuis-a", "VR10")});
  // Another source's federator: refused for this source.
  const grpc::Status other = Apply("federator-vr11", request);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED) << GrpcStatusText(other);
  EXPECT_THAT(other.error_message(), HasSubstr("source_region: only the identity configured for VR10"));
  // No source's federator at all (whatever its role): refused before its request is even looked at.
  for (const v1::ApplyUpstreamRequest& any : {request, UpstreamRange("", 0, 0, {})}) {
    const grpc::Status status = Apply("ghor", any);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << GrpcStatusText(status);
    EXPECT_THAT(status.error_message(), HasSubstr("source_region: \"ghor-roaz\" is not the configured identity"));
  }
  const grpc::Status unknown = Apply("federator-vr10", UpstreamRange("VR12", 0, 0, {}));
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::PERMISSION_DENIED) << GrpcStatusText(unknown);
  v1::GetUpstreamCursorsResponse cursors;
  EXPECT_EQ(v1::FederationService::NewStub(channels_.at("ghor"))
                ->GetUpstreamCursors(Deadline().get(), {}, &cursors)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const grpc::Status own = Apply("federator-vr10", request);
  EXPECT_TRUE(own.ok()) << GrpcStatusText(own);
}

TEST_F(FederationTest, ASourceNotHeardFromIsStaleUntilItsNextHeartbeat) {
  ASSERT_TRUE(Apply("federator-vr10", UpstreamRange("VR10", 0, 2,
                                                    {OrganizationEvent(1, "ziekenhuis-a", "VR10"),
                                                     StatusEvent(2, "ziekenhuis-a", "VR10", 4)}))
                  .ok());
  EXPECT_FALSE(Get("organizations/ziekenhuis-a/status").record().provenance().stale());
  Advance(absl::Minutes(6));
  EXPECT_TRUE(Get("organizations/ziekenhuis-a/status").record().provenance().stale());
  EXPECT_TRUE(Get("upstream/VR10").record().upstream_source().stale());
  v1::CapacityOverview overview;
  ASSERT_TRUE(
      v1::ReportService::NewStub(channels_.at("ghor"))->GetCapacityOverview(Deadline().get(), {}, &overview).ok());
  ASSERT_EQ(overview.sources_size(), 1);
  EXPECT_EQ(overview.sources(0).safety_region(), "VR10");
  EXPECT_TRUE(overview.sources(0).stale());

  // A heartbeat (an empty range on the cursor) is a contact: fresh again, the cursor where it was.
  v1::ApplyUpstreamResponse heartbeat;
  const grpc::Status status = Apply("federator-vr10", UpstreamRange("VR10", 2, 2, {}), &heartbeat);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_EQ(heartbeat.source().cursor(), 2);
  EXPECT_FALSE(heartbeat.source().stale());
  EXPECT_FALSE(Get("organizations/ziekenhuis-a/status").record().provenance().stale());
}

// The calls of an upstream reset to the snapshot at `snapshot_revision` (docs/federation.md, "Upstream reset").
v1::ApplyUpstreamRequest ResetChunk(const std::string& region, int64_t cursor, int64_t snapshot_revision,
                                    std::initializer_list<v1::Event> events) {
  v1::ApplyUpstreamRequest request = UpstreamRange(region, cursor, snapshot_revision, events);
  request.mutable_reset()->set_finish(false);
  return request;
}

v1::ApplyUpstreamRequest ResetFinish(const std::string& region, int64_t cursor, int64_t snapshot_revision) {
  v1::ApplyUpstreamRequest request = UpstreamRange(region, cursor, snapshot_revision, {});
  request.mutable_reset()->set_finish(true);
  return request;
}

TEST_F(FederationTest, AnUpstreamResetReplacesTheRegionsRecordsAndLeavesOthersAlone) {
  ASSERT_TRUE(
      Apply("federator-vr10",
            UpstreamRange("VR10", 0, 6,
                          {OrganizationEvent(1, "ziekenhuis-a", "VR10"), StatusEvent(2, "ziekenhuis-a", "VR10", 1),
                           OrganizationEvent(3, "ziekenhuis-b", "VR10"), StatusEvent(4, "ziekenhuis-b", "VR10", 2),
                           OrganizationEvent(5, "ziekenhuis-c", "VR10")}))
          .ok());
  ASSERT_TRUE(
      Apply("federator-vr11", UpstreamRange("VR11", 0, 1, {OrganizationEvent(1, "ziekenhuis-x", "VR11")})).ok());

  // VR10 compacted its log past 6: its snapshot at 20 holds ziekenhuis-a (a newer report) and ziekenhuis-d only.
  v1::ApplyUpstreamResponse response;
  const v1::ApplyUpstreamRequest first = ResetChunk(
      "VR10", 6, 20, {OrganizationEvent(1, "ziekenhuis-a", "VR10"), StatusEvent(15, "ziekenhuis-a", "VR10", 9)});
  grpc::Status status = Apply("federator-vr10", first, &response);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_EQ(response.source().cursor(), 6) << "the cursor stays until the reset is finished";
  EXPECT_EQ(response.source().reset().snapshot_revision(), 20);
  EXPECT_EQ(response.source().reset().records_applied(), 2);
  EXPECT_TRUE(response.source().stale()) << "a half-applied snapshot is never shown as complete";
  EXPECT_TRUE(Get("organizations/ziekenhuis-a/status").record().provenance().stale());
  EXPECT_TRUE(Get("organizations/ziekenhuis-b").record().provenance().stale());
  EXPECT_FALSE(Get("organizations/ziekenhuis-x").record().provenance().stale()) << "VR11 is not touched";

  // The same chunk again (its answer was lost), then the next one: idempotent.
  ASSERT_TRUE(Apply("federator-vr10", first).ok());
  ASSERT_TRUE(Apply("federator-vr10", ResetChunk("VR10", 6, 20,
                                                 {OrganizationEvent(18, "ziekenhuis-d", "VR10"),
                                                  StatusEvent(19, "ziekenhuis-d", "VR10", 4)}))
                  .ok());
  // An older snapshot than the reset in progress: ABORTED; a heartbeat-style range does not finish it.
  const grpc::Status older =
      Apply("federator-vr10", ResetChunk("VR10", 6, 12, {OrganizationEvent(1, "ziekenhuis-a", "VR10")}));
  EXPECT_EQ(older.error_code(), grpc::StatusCode::ABORTED) << GrpcStatusText(older);
  const grpc::Status wrong_finish = Apply("federator-vr10", ResetFinish("VR10", 6, 21));
  EXPECT_EQ(wrong_finish.error_code(), grpc::StatusCode::ABORTED) << GrpcStatusText(wrong_finish);

  status = Apply("federator-vr10", ResetFinish("VR10", 6, 20), &response);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_EQ(response.source().cursor(), 20);
  EXPECT_FALSE(response.source().has_reset());
  EXPECT_FALSE(response.source().stale());
  // Not in the snapshot: deleted. In it: the snapshot's version, fresh. The other region: untouched.
  for (const char* gone :
       {"organizations/ziekenhuis-b", "organizations/ziekenhuis-b/status", "organizations/ziekenhuis-c"}) {
    v1::GetRequest request;
    request.set_name(gone);
    v1::GetResponse ignored;
    EXPECT_EQ(v1::PictureService::NewStub(channels_.at("ghor"))->Get(Deadline().get(), request, &ignored).error_code(),
              grpc::StatusCode::NOT_FOUND)
        << gone;
  }
  const v1::Record report = Get("organizations/ziekenhuis-a/status").record();
  EXPECT_EQ(report.provenance().source_revision(), 15);
  EXPECT_FALSE(report.provenance().stale());
  EXPECT_EQ(report.status_report().ShortDebugString(), MakeReport("ziekenhuis-a", 9).ShortDebugString());
  EXPECT_EQ(Get("organizations/ziekenhuis-d/status").record().provenance().source_revision(), 19);
  EXPECT_EQ(Get("organizations/ziekenhuis-x").record().provenance().source_region(), "VR11");

  // The finishing call again (its answer was lost): OK, nothing written. The live log then goes on from 20.
  const int64_t revision = Revision();
  v1::ApplyUpstreamResponse replay;
  ASSERT_TRUE(Apply("federator-vr10", ResetFinish("VR10", 6, 20), &replay).ok());
  EXPECT_TRUE(replay.replayed());
  EXPECT_EQ(Revision(), revision);
  status = Apply("federator-vr10", UpstreamRange("VR10", 20, 21, {StatusEvent(21, "ziekenhuis-d", "VR10", 3)}));
  EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
}

TEST_F(FederationTest, AnUnfinishedResetStartsOverWithANewerSnapshotAndDeletesInBoundedCalls) {
  // 520 organisations of VR10: more than one finishing call deletes (500 per call).
  v1::ApplyUpstreamRequest many = UpstreamRange("VR10", 0, 520, {});
  for (int i = 1; i <= 520; ++i) {
    *many.add_events() = OrganizationEvent(i, absl::StrCat("zorg-", i), "VR10");
  }
  ASSERT_TRUE(Apply("federator-vr10", many).ok());
  // A reset to 600 breaks off after its first chunk (the federator crashed); its successor has a snapshot at 700 in
  // which zorg-1 is the only organisation left, and zorg-2 (written by the broken-off reset only) is gone.
  ASSERT_TRUE(Apply("federator-vr10",
                    ResetChunk("VR10", 520, 600,
                               {OrganizationEvent(1, "zorg-1", "VR10"), OrganizationEvent(2, "zorg-2", "VR10")}))
                  .ok());
  v1::ApplyUpstreamResponse response;
  ASSERT_TRUE(
      Apply("federator-vr10", ResetChunk("VR10", 520, 700, {OrganizationEvent(1, "zorg-1", "VR10")}), &response).ok());
  EXPECT_EQ(response.source().reset().snapshot_revision(), 700);
  EXPECT_EQ(response.source().reset().records_applied(), 1);

  ASSERT_TRUE(Apply("federator-vr10", ResetFinish("VR10", 520, 700), &response).ok());
  EXPECT_EQ(response.source().cursor(), 520) << "519 to delete: not all in one call";
  EXPECT_EQ(response.source().reset().records_deleted(), 500);
  EXPECT_TRUE(response.source().stale());
  ASSERT_TRUE(Apply("federator-vr10", ResetFinish("VR10", 520, 700), &response).ok());
  EXPECT_EQ(response.source().cursor(), 700);
  EXPECT_FALSE(response.source().has_reset());

  v1::ListRequest list;
  list.set_page_size(1000);
  list.mutable_filter()->add_kinds(v1::ENTITY_KIND_ORGANIZATION);
  v1::ListResponse listed;
  ASSERT_TRUE(v1::PictureService::NewStub(channels_.at("ghor"))->List(Deadline().get(), list, &listed).ok());
  ASSERT_EQ(listed.records_size(), 1);
  EXPECT_EQ(listed.records(0).name(), "organizations/zorg-1");
}

// Chaining (docs/federation.md, "Chaining"): VR10 here plays a ROAZ server whose feed carries records it received from
// VR07. The origin's provenance stays; the hop is via_region; freshness and claims are the direct source's.
TEST_F(FederationTest, AChainedRecordKeepsItsOriginAndRecordsTheHop) {
  v1::Event organization = OrganizationEvent(3, "ziekenhuis-v", "VR07");
  v1::Event report = StatusEvent(4, "ziekenhuis-v", "VR07", 6);
  for (v1::Event* event : {&organization, &report}) {
    v1::SourceProvenance& origin = *event->mutable_record()->mutable_provenance();
    origin.set_source_region("VR07");
    origin.set_source_revision(event->revision() * 10);
    *origin.mutable_source_commit_time() = ToProtoTime(absl::FromUnixSeconds(1764700000));
    origin.set_stale(true);  // The sender's read-time flag is not taken over.
  }
  ASSERT_TRUE(Apply("federator-vr10", UpstreamRange("VR10", 0, 4, {organization, report})).ok());
  const v1::Record stored = Get("organizations/ziekenhuis-v/status").record();
  EXPECT_EQ(stored.provenance().source_region(), "VR07");
  EXPECT_EQ(stored.provenance().source_revision(), 40);
  EXPECT_EQ(stored.provenance().source_commit_time().seconds(), 1764700000);
  EXPECT_EQ(stored.provenance().via_region(), "VR10");
  EXPECT_EQ(stored.provenance().via_revision(), 4);
  EXPECT_FALSE(stored.provenance().stale()) << "fresh: VR10, the direct source, was just heard from";
  // Stale when the direct source is.
  Advance(absl::Minutes(6));
  EXPECT_TRUE(Get("organizations/ziekenhuis-v/status").record().provenance().stale());
  // Another source sending the organisation: refused, the holder is the direct source.
  const grpc::Status claimed =
      Apply("federator-vr11", UpstreamRange("VR11", 0, 1, {StatusEvent(1, "ziekenhuis-v", "VR11", 2)}));
  EXPECT_EQ(claimed.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(claimed);
  EXPECT_THAT(claimed.error_message(), HasSubstr("VR10 holds it"));
}

// A chained reservation (docs/federation.md, "Chaining"; mutations_federation.cc, DownstreamName): VR10 here plays a
// ROAZ server whose feed carries a reservation it received from VR07, already named after its origin
// ("reservations/vr07-12"). The national server keeps that name and id (not "vr10-vr07-12"), with the origin's
// provenance and the hop; the ROAZ server's own reservation is named after VR10; a DELETE of the chained one deletes
// it under the same name.
TEST_F(FederationTest, AChainedReservationKeepsItsOriginsName) {
  auto reservation = [](int64_t revision, const std::string& id, const std::string& organization_id,
                        const std::string& region) {
    v1::Record record;
    record.set_name(absl::StrCat("reservations/", id));
    record.set_kind(v1::ENTITY_KIND_BED_RESERVATION);
    record.mutable_scope()->set_organization_id(organization_id);
    record.mutable_scope()->set_safety_region(region);
    v1::BedReservation& held = *record.mutable_bed_reservation();
    held.set_id(id);
    held.set_organization_id(organization_id);
    held.set_bed_type(v1::BED_TYPE_IC_ADULT);
    held.set_state(v1::RESERVATION_STATE_HELD);
    held.set_reserved_by_organization_id("meldkamer-vr07");
    *held.mutable_reserved_at() = ToProtoTime(absl::Now());
    *held.mutable_expires_at() = ToProtoTime(absl::Now() + absl::Minutes(10));
    return SourceEvent(revision, std::move(record));
  };
  v1::Event organization = OrganizationEvent(3, "ziekenhuis-v", "VR07");
  v1::Event chained = reservation(4, "vr07-12", "ziekenhuis-v", "VR07");
  for (v1::Event* event : {&organization, &chained}) {
    v1::SourceProvenance& origin = *event->mutable_record()->mutable_provenance();
    origin.set_source_region("VR07");
    origin.set_source_revision(event->revision() == 4 ? 12 : 2);
    *origin.mutable_source_commit_time() = ToProtoTime(absl::FromUnixSeconds(1764700000));
  }
  // The ROAZ server's own organisation and its own reservation (no provenance: its id is its revision, 6).
  v1::Event own_organization = OrganizationEvent(5, "ziekenhuis-w", "VR10");
  v1::Event own = reservation(6, "6", "ziekenhuis-w", "VR10");
  ASSERT_TRUE(
      Apply("federator-vr10", UpstreamRange("VR10", 0, 6, {organization, chained, own_organization, own})).ok());

  const v1::Record stored = Get("reservations/vr07-12").record();
  EXPECT_EQ(stored.bed_reservation().id(), "vr07-12") << "the origin's name, not requalified by the hop";
  EXPECT_EQ(stored.bed_reservation().organization_id(), "ziekenhuis-v");
  EXPECT_EQ(stored.provenance().source_region(), "VR07");
  EXPECT_EQ(stored.provenance().source_revision(), 12);
  EXPECT_EQ(stored.provenance().via_region(), "VR10");
  EXPECT_EQ(stored.provenance().via_revision(), 4);
  const v1::Record own_stored = Get("reservations/vr10-6").record();
  EXPECT_EQ(own_stored.bed_reservation().id(), "vr10-6") << "the ROAZ server's own reservation: named after VR10";
  EXPECT_EQ(own_stored.provenance().source_region(), "VR10");
  EXPECT_EQ(own_stored.provenance().via_region(), "");

  auto picture = v1::PictureService::NewStub(channels_.at("ghor"));
  for (const char* name : {"reservations/vr10-vr07-12", "reservations/12", "reservations/6"}) {
    v1::GetRequest request;
    request.set_name(name);
    v1::GetResponse response;
    const grpc::Status status = picture->Get(Deadline().get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << name << ": " << GrpcStatusText(status);
  }

  // The origin's expiry crosses both hops as a DELETE of its own name: the chained record goes.
  v1::Event gone = chained;
  gone.set_revision(7);
  gone.set_group_last_revision(7);
  gone.set_type(v1::EVENT_TYPE_DELETE);
  ASSERT_TRUE(Apply("federator-vr10", UpstreamRange("VR10", 6, 7, {gone})).ok());
  v1::GetRequest request;
  request.set_name("reservations/vr07-12");
  v1::GetResponse response;
  const grpc::Status status = picture->Get(Deadline().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << GrpcStatusText(status);
  EXPECT_EQ(Get("reservations/vr10-6").record().bed_reservation().state(), v1::RESERVATION_STATE_HELD);
}

// The federation lag (docs/operations.md): one observation per event of a live range, none for a replay or a reset.
TEST_F(FederationTest, TheFederationLagIsObservedPerAppliedEvent) {
  v1::Event organization = OrganizationEvent(1, "ziekenhuis-a", "VR10");
  v1::Event report = StatusEvent(2, "ziekenhuis-a", "VR10", 3);
  for (v1::Event* event : {&organization, &report}) {
    *event->mutable_commit_time() = ToProtoTime(absl::Now() - absl::Seconds(2));
  }
  const v1::ApplyUpstreamRequest range = UpstreamRange("VR10", 0, 2, {organization, report});
  ASSERT_TRUE(Apply("federator-vr10", range).ok());
  ASSERT_TRUE(Apply("federator-vr10", range).ok());  // A replay: not observed.
  v1::ApplyUpstreamRequest chunk = UpstreamRange("VR10", 2, 9, {StatusEvent(5, "ziekenhuis-a", "VR10", 4)});
  chunk.mutable_reset()->set_finish(false);
  ASSERT_TRUE(Apply("federator-vr10", chunk).ok());  // A reset's snapshot: not observed.

  httplib::Client client("127.0.0.1", server_.server().metrics_port());
  client.set_read_timeout(10, 0);
  httplib::Result scraped = client.Get("/metrics");
  ASSERT_TRUE(scraped) << httplib::to_string(scraped.error());
  const std::string& text = scraped->body;
  EXPECT_THAT(text, HasSubstr("ketenbeeld_federation_lag_seconds_count{source_region=\"VR10\"} 2"));
  // Both lags are about 2 s: none in the buckets up to 1 s, both by 5 s.
  EXPECT_THAT(text, HasSubstr("ketenbeeld_federation_lag_seconds_bucket{source_region=\"VR10\",le=\"1\"} 0"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_federation_lag_seconds_bucket{source_region=\"VR10\",le=\"5\"} 2"));
}

// A reservation's id is its region's revision, so two regions' "reservations/3" are different records: the ROAZ server
// keeps them as reservations/vr10-3 and reservations/vr11-3. Their expiry is their region's (the ROAZ server's tick
// leaves a federated HELD reservation alone, even long past expires_at), and the ROAZ server neither reserves a
// federated organisation's bed nor confirms or releases a federated reservation: FAILED_PRECONDITION naming the region.
TEST_F(FederationTest, ReservationsCrossUnderRegionQualifiedNamesAndStayTheirRegions) {
  auto reservation = [](int64_t revision, const std::string& organization_id, const std::string& region) {
    v1::Record record;
    record.set_name(absl::StrCat("reservations/", revision));
    record.set_kind(v1::ENTITY_KIND_BED_RESERVATION);
    record.mutable_scope()->set_organization_id(organization_id);
    record.mutable_scope()->set_safety_region(region);
    v1::BedReservation& held = *record.mutable_bed_reservation();
    held.set_id(absl::StrCat(revision));
    held.set_organization_id(organization_id);
    held.set_bed_type(v1::BED_TYPE_IC_ADULT);
    held.set_state(v1::RESERVATION_STATE_HELD);
    held.set_reserved_by_organization_id(absl::StrCat("meldkamer-", absl::AsciiStrToLower(region)));
    *held.mutable_reserved_at() = ToProtoTime(absl::Now());
    *held.mutable_expires_at() = ToProtoTime(absl::Now() + absl::Minutes(1));
    return SourceEvent(revision, std::move(record));
  };
  ASSERT_TRUE(Apply("federator-vr10",
                    UpstreamRange("VR10", 0, 3,
                                  {OrganizationEvent(1, "ziekenhuis-a", "VR10"),
                                   StatusEvent(2, "ziekenhuis-a", "VR10", 2), reservation(3, "ziekenhuis-a", "VR10")}))
                  .ok());
  ASSERT_TRUE(Apply("federator-vr11",
                    UpstreamRange("VR11", 0, 3,
                                  {OrganizationEvent(1, "ziekenhuis-b", "VR11"),
                                   StatusEvent(2, "ziekenhuis-b", "VR11", 2), reservation(3, "ziekenhuis-b", "VR11")}))
                  .ok());
  EXPECT_EQ(Get("reservations/vr10-3").record().bed_reservation().organization_id(), "ziekenhuis-a");
  EXPECT_EQ(Get("reservations/vr10-3").record().bed_reservation().id(), "vr10-3");
  EXPECT_EQ(Get("reservations/vr11-3").record().bed_reservation().organization_id(), "ziekenhuis-b");
  EXPECT_EQ(Get("reservations/vr11-3").record().provenance().source_revision(), 3);

  // Long past the hold: the ROAZ server's ticks do not expire it (the region does, and that event crosses too).
  Advance(absl::Hours(2));
  const int64_t before = Revision();
  absl::SleepFor(absl::Milliseconds(2500));
  EXPECT_EQ(Get("reservations/vr10-3").record().bed_reservation().state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(Revision(), before) << "the ROAZ server committed something of its own";

  auto assistance = v1::AssistanceService::NewStub(channels_.at("ghor"));
  v1::ReserveBedRequest reserve;
  reserve.set_organization_id("ziekenhuis-a");
  reserve.set_bed_type(v1::BED_TYPE_IC_ADULT);
  v1::WriteResponse response;
  grpc::Status status = assistance->ReserveBed(Deadline().get(), reserve, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(),
              HasSubstr("organization_id: organisation \"ziekenhuis-a\" is federated from VR10"));
  v1::ConfirmReservationRequest confirm;
  confirm.set_reservation_id("vr11-3");
  status = assistance->ConfirmReservation(Deadline().get(), confirm, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("reservation_id: reservation \"vr11-3\" is federated from VR11"));
  v1::ReleaseReservationRequest release;
  release.set_reservation_id("vr10-3");
  status = assistance->ReleaseReservation(Deadline().get(), release, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("is federated from VR10"));
  EXPECT_EQ(Revision(), before);
}

}  // namespace federation_test_local
}  // namespace
}  // namespace ketenbeeld::testing
