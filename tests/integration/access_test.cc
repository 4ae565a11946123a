// Who may see and change what, end to end through the real server with bearer tokens on loopback: the role x RPC
// matrix, acting for one's own organisation only, graduated visibility of capacity through every read and the feed,
// the minimum group of regional totals, the audit trail, and the per-identity limits.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/admin_service.grpc.pb.h"
#include "ketenbeeld/v1/interop_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "server/policy/audit.h"
#include "server/security/tokens.h"
#include "storage/fault_injector.h"
#include "tests/support/eventually.h"
#include "tests/support/non_reading_h2_client.h"
#include "tests/support/raw_socket.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

namespace v1 = ketenbeeld::v1;
using ::testing::HasSubstr;

struct Credential {
  std::string token;
  std::string organization_id;
  std::string role;
};

// One credential per role, and three institutions so a regional total can reach the minimum group of 3.
const std::map<std::string, Credential>& Credentials() {
  static const auto* credentials = new std::map<std::string, Credential>{
      {"institution", {"token-a-7f3c9e", "ziekenhuis-a", "institution"}},
      {"institution-b", {"token-b-1d2e8a", "ziekenhuis-b", "institution"}},
      {"institution-c", {"token-c-55aa01", "ziekenhuis-c", "institution"}},
      {"ghor", {"token-ghor-c0ffee", "ghor-vr10", "ghor"}},
      {"dispatch", {"token-mk-9b9b9b", "meldkamer-vr10", "dispatch"}},
      {"bestuur", {"token-bestuur-4242", "bestuur-vr10", "bestuur"}},
      {"operator", {"token-beheer-0001", "beheer", "operator"}},
      {"federation", {"token-federatie-6b6b", "federatie-vr10", "federation"}},
      // Tokens issued before the rename carry the old words; they must get exactly the same powers.
      {"bestuur-old-word", {"token-bestuur-old-77", "bestuur-vr10", "administration"}},
      {"operator-old-word", {"token-beheer-old-88", "beheer", "admin"}},
  };
  return *credentials;
}

class AccessTest : public ::testing::Test {
 protected:
  AccessTest() : AccessTest(nullptr) {}
  // `configure` (may be null) changes the options after the fixture's own.
  explicit AccessTest(const std::function<void(app::ServerOptions&)>& configure)
      : tokens_file_(WriteTokens(tokens_dir_.path())), server_([this, configure](app::ServerOptions& options) {
          options.tokens_file = tokens_file_;
          options.identity_limits.max_subscriptions = 3;
          options.identity_limits.max_requests_per_second = 1000;
          // Small files, so that the tests that read much make the audit trail rotate.
          options.audit_options.max_file_bytes = 4096;
          options.audit_options.fault_injector = audit_faults_;
          options.backup_dir = backups_.path();
          if (configure) configure(options);
        }) {}

  static std::string WriteTokens(const std::string& dir) {
    const std::string path = dir + "/tokens";
    std::ofstream file(path);
    file << "# test tokens\n";
    for (const auto& [name, credential] : Credentials()) {
      file << "sha256:" << security::TokenHash(credential.token) << " " << credential.organization_id << " "
           << credential.role << " " << name << "\n";
    }
    return path;
  }

  std::shared_ptr<grpc::Channel> ChannelAs(const std::string& name) {
    return client::Connect(server_.server().address(), {.token = Credentials().at(name).token});
  }
  std::unique_ptr<v1::PictureService::Stub> PictureAs(const std::string& name) {
    return v1::PictureService::NewStub(ChannelAs(name));
  }

  // The operator registers the region's organisations; hospitals A and B report their own status.
  void SetUpRegion() {
    auto admin = PictureAs("operator");
    for (const char* id : {"ziekenhuis-a", "ziekenhuis-b", "ziekenhuis-c"}) {
      ASSERT_TRUE(Register(*admin, MakeOrganization(id)).ok()) << id;
    }
    ASSERT_TRUE(Register(*admin, MakeOrganization("ghor-vr10", v1::ORGANIZATION_KIND_GHOR)).ok());
    ASSERT_TRUE(Register(*admin, MakeOrganization("meldkamer-vr10", v1::ORGANIZATION_KIND_DISPATCH_CENTRE)).ok());
    const grpc::Status a = Report(*PictureAs("institution"), MakeReport("ziekenhuis-a", 4));
    ASSERT_TRUE(a.ok()) << a.error_message();
    const grpc::Status b = Report(*PictureAs("institution-b"), MakeReport("ziekenhuis-b", 2));
    ASSERT_TRUE(b.ok()) << b.error_message();
  }

  v1::GetResponse GetStatusAs(const std::string& reader, const std::string& organization_id) {
    v1::GetRequest request;
    request.set_name("organizations/" + organization_id + "/status");
    v1::GetResponse response;
    const grpc::Status status = PictureAs(reader)->Get(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // The operator's list of the audit trail, every page, newest first.
  std::vector<v1::AuditEntry> AuditEntries(const std::string& organization_id = "") {
    auto admin = v1::AdminService::NewStub(ChannelAs("operator"));
    std::vector<v1::AuditEntry> entries;
    v1::ListAuditEntriesRequest request;
    request.set_organization_id(organization_id);
    request.set_limit(7);  // Small pages: paging crosses the trail's files.
    for (int page = 0; page < 1000; ++page) {
      v1::ListAuditEntriesResponse response;
      const grpc::Status status = admin->ListAuditEntries(Deadline().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      entries.insert(entries.end(), response.entries().begin(), response.entries().end());
      if (!status.ok() || response.next_before_sequence() == 0) break;
      request.set_before_sequence(response.next_before_sequence());
    }
    return entries;
  }

  TempDir tokens_dir_;
  std::string tokens_file_;
  TempDir backups_;
  std::shared_ptr<storage::SwitchableFaultInjector> audit_faults_ =
      std::make_shared<storage::SwitchableFaultInjector>();
  TestServer server_;
};

// --- Authentication -------------------------------------------------------------------------------------------------

TEST_F(AccessTest, CallsWithoutATokenOrWithAnUnknownOneAreUnauthenticated) {
  auto anonymous = v1::PictureService::NewStub(client::Connect(server_.server().address()));
  v1::ListResponse response;
  grpc::Status status = anonymous->List(Deadline().get(), v1::ListRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();

  auto stranger = v1::PictureService::NewStub(client::Connect(server_.server().address(), {.token = "guessed"}));
  status = stranger->List(Deadline().get(), v1::ListRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();

  // Nothing was written by either.
  EXPECT_EQ(server_.server().revision(), 0);
}

TEST_F(AccessTest, TheFeedRefusesAnUnauthenticatedSubscriber) {
  auto anonymous = v1::PictureService::NewStub(client::Connect(server_.server().address()));
  FeedReader feed(*anonymous, v1::SubscribeRequest());
  EXPECT_EQ(feed.WaitForEnd().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(feed.messages().empty());
}

TEST_F(AccessTest, EveryWriteRecordsTheAuthenticatedActor) {
  SetUpRegion();
  v1::GetResponse response = GetStatusAs("ghor", "ziekenhuis-a");
  EXPECT_EQ(response.record().updated_by().organization_id(), "ziekenhuis-a");
  EXPECT_EQ(response.record().updated_by().role(), v1::ROLE_INSTITUTION);
  EXPECT_EQ(response.record().updated_by().subject(), "token:institution");
}

// --- The role x RPC matrix -----------------------------------------------------------------------------------------

// Which roles may call each method: I(nstitution), G(HOR), D(ispatch), B(estuur), O(perator), F(ederation). Written out
// here independently of server/policy/rules.cc, so a change of a rule must be made in both places.
const std::map<std::string, std::string>& ExpectedMatrix() {
  static const auto* matrix = new std::map<std::string, std::string>{
      {"/ketenbeeld.v1.PictureService/RegisterOrganization", "O"},
      {"/ketenbeeld.v1.PictureService/ReportStatus", "IGD"},
      {"/ketenbeeld.v1.PictureService/PublishStatus", "IGD"},
      {"/ketenbeeld.v1.PictureService/Get", "IGDOF"},
      {"/ketenbeeld.v1.PictureService/List", "IGDOF"},
      {"/ketenbeeld.v1.PictureService/History", "IGDOF"},
      {"/ketenbeeld.v1.PictureService/Subscribe", "IGDOF"},
      {"/ketenbeeld.v1.IncidentService/OpenIncident", "GD"},
      {"/ketenbeeld.v1.IncidentService/UpdateIncident", "GD"},
      {"/ketenbeeld.v1.IncidentService/AddSituationEntry", "GD"},
      {"/ketenbeeld.v1.AlertService/SendAlert", "G"},
      {"/ketenbeeld.v1.AlertService/AcknowledgeAlert", "IGD"},
      {"/ketenbeeld.v1.AlertService/GetAlertAcknowledgements", "GD"},
      {"/ketenbeeld.v1.AlertService/CloseEscalationTask", "G"},
      {"/ketenbeeld.v1.AssistanceService/RequestAssistance", "IGD"},
      {"/ketenbeeld.v1.AssistanceService/OfferAssistance", "IGD"},
      {"/ketenbeeld.v1.AssistanceService/AcceptOffer", "IGD"},
      {"/ketenbeeld.v1.AssistanceService/FulfillRequest", "IGD"},
      {"/ketenbeeld.v1.AssistanceService/CancelRequest", "IGD"},
      {"/ketenbeeld.v1.AssistanceService/ReserveBed", "GD"},
      {"/ketenbeeld.v1.AssistanceService/ConfirmReservation", "IG"},
      {"/ketenbeeld.v1.AssistanceService/ReleaseReservation", "IGD"},
      {"/ketenbeeld.v1.ReportService/PutScenario", "G"},
      {"/ketenbeeld.v1.ReportService/GetGapReport", "GB"},
      {"/ketenbeeld.v1.ReportService/DefineIndicator", "G"},
      {"/ketenbeeld.v1.ReportService/RetireIndicator", "G"},
      {"/ketenbeeld.v1.ReportService/GetIndicatorOverview", "IGDB"},
      {"/ketenbeeld.v1.ReportService/GetCapacityOverview", "IGDBF"},
      {"/ketenbeeld.v1.ReportService/GetOperationalSummary", "GDB"},
      {"/ketenbeeld.v1.ReportService/FindCapacity", "GD"},
      {"/ketenbeeld.v1.ReportService/GetContinuityTimeline", "IGDB"},
      {"/ketenbeeld.v1.ReportService/GetEvaluation", "GB"},
      {"/ketenbeeld.v1.ReportService/GetSituationReport", "GB"},
      {"/ketenbeeld.v1.ExerciseService/StartExercise", "GO"},
      {"/ketenbeeld.v1.ExerciseService/EndExercise", "GO"},
      {"/ketenbeeld.v1.ExerciseService/PurgeExercise", "O"},
      {"/ketenbeeld.v1.AdminService/Backup", "O"},
      {"/ketenbeeld.v1.AdminService/CompactLog", "O"},
      {"/ketenbeeld.v1.AdminService/ListAuditEntries", "O"},
      {"/ketenbeeld.v1.InteropService/ExportAlertCap", "IGDO"},
      {"/ketenbeeld.v1.InteropService/ImportAlertCap", "G"},
      {"/ketenbeeld.v1.InteropService/ExportStatusHave", "IGDO"},
      {"/ketenbeeld.v1.InteropService/ImportStatusHave", "IGD"},
      {"/ketenbeeld.v1.InteropService/ExportFhir", "IGDO"},
      // Federation: no role, only the identity configured for a source (federation.sources), and this server
      // configures none: every role is refused (docs/federation.md; the configured identity in federation_test.cc).
      {"/ketenbeeld.v1.FederationService/ApplyUpstream", ""},
      {"/ketenbeeld.v1.FederationService/GetUpstreamCursors", ""},
  };
  return *matrix;
}

std::vector<std::string> AllMethods() {
  std::vector<std::string> methods;
  for (const google::protobuf::MethodDescriptor* method : AllApiMethods()) {
    methods.push_back(absl::StrCat("/", method->service()->full_name(), "/", method->name()));
  }
  return methods;
}

// Calls `method` with an empty request. Unary calls through the generic stub; Subscribe reads its first message;
// PublishStatus sends one message without reports, half-closes and returns how the stream ended.
grpc::Status CallWithEmptyRequest(const std::shared_ptr<grpc::Channel>& channel, const std::string& method) {
  if (absl::EndsWith(method, "/PublishStatus")) {
    auto stub = v1::PictureService::NewStub(channel);
    auto context = Deadline();
    auto stream = stub->PublishStatus(context.get());
    stream->Write(v1::PublishStatusRequest());
    stream->WritesDone();
    v1::PublishStatusResponse response;
    while (stream->Read(&response)) {
    }
    return stream->Finish();
  }
  if (absl::EndsWith(method, "/Subscribe")) {
    auto stub = v1::PictureService::NewStub(channel);
    auto context = Deadline();
    auto reader = stub->Subscribe(context.get(), v1::SubscribeRequest());
    v1::SubscribeResponse first;
    if (reader->Read(&first)) {
      context->TryCancel();
      return grpc::Status::OK;
    }
    return reader->Finish();
  }
  return CallUnaryWithBytes(channel, method, "");  // An empty message: every request type's default.
}

TEST_F(AccessTest, TheRoleByRpcMatrixHoldsForEveryMethodOfEveryService) {
  SetUpRegion();
  // The old role words ("administration", "admin") are walked too: the same letters, so the same powers.
  const std::multimap<char, std::string> roles = {{'I', "institution"},       {'G', "ghor"},
                                                  {'D', "dispatch"},          {'B', "bestuur"},
                                                  {'O', "operator"},          {'B', "bestuur-old-word"},
                                                  {'O', "operator-old-word"}, {'F', "federation"}};
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;
  for (const auto& [letter, name] : roles) channels[name] = ChannelAs(name);
  for (const std::string& method : AllMethods()) {
    const auto expected = ExpectedMatrix().find(method);
    ASSERT_NE(expected, ExpectedMatrix().end()) << method << " is missing from the expected matrix";
    for (const auto& [letter, name] : roles) {
      const bool allowed = expected->second.find(letter) != std::string::npos;
      const grpc::Status status = CallWithEmptyRequest(channels[name], method);
      if (allowed) {
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << name << " should be allowed " << method << ": " << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << name << " " << method;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << name << " should be refused " << method << ", got " << status.error_code() << " "
            << status.error_message();
      }
    }
  }
  EXPECT_EQ(ExpectedMatrix().size(), AllMethods().size()) << "the expected matrix names a method that is gone";
}

// --- Acting for one's own organisation -----------------------------------------------------------------------------

TEST_F(AccessTest, AnInstitutionCannotWriteAnotherOrganisationsStatus) {
  SetUpRegion();
  const int64_t before = server_.server().revision();
  const grpc::Status status = Report(*PictureAs("institution"), MakeReport("ziekenhuis-b", 40));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("report.organization_id: \"ziekenhuis-b\" is not your organisation"));
  EXPECT_EQ(server_.server().revision(), before);
  EXPECT_EQ(GetStatusAs("ghor", "ziekenhuis-b").record().status_report().capacity(0).available(), 2);
  // Dispatch neither; the GHOR may (a report phoned in), and the event says it was the GHOR.
  EXPECT_EQ(Report(*PictureAs("dispatch"), MakeReport("ziekenhuis-b", 40)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Report(*PictureAs("ghor"), MakeReport("ziekenhuis-b", 7)).ok());
  const v1::GetResponse after = GetStatusAs("ghor", "ziekenhuis-b");
  EXPECT_EQ(after.record().status_report().capacity(0).available(), 7);
  EXPECT_EQ(after.record().updated_by().role(), v1::ROLE_GHOR);
}

// PublishStatus: the stream is admitted for the roles that may report status; each report on it is then checked
// as ReportStatus, so another organisation's report is refused on its own while the stream goes on.
TEST_F(AccessTest, OnAPublishStreamEachReportActsOnlyForTheCallersOwnOrganisation) {
  SetUpRegion();
  const int64_t before = server_.server().revision();
  auto stub = PictureAs("institution");
  auto context = Deadline();
  auto stream = stub->PublishStatus(context.get());
  v1::PublishStatusRequest request;
  *request.add_reports()->mutable_report() = MakeReport("ziekenhuis-a", 11);
  *request.add_reports()->mutable_report() = MakeReport("ziekenhuis-b", 40);
  *request.add_reports()->mutable_report() = MakeReport("ziekenhuis-a", 12);
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->WritesDone());
  std::map<uint64_t, v1::PublishResult> results;
  v1::PublishStatusResponse response;
  while (stream->Read(&response)) {
    for (const v1::PublishResult& result : response.results()) results[result.sequence()] = result;
  }
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].has_written());
  EXPECT_TRUE(results[2].has_written());
  ASSERT_TRUE(results[1].has_error());
  EXPECT_EQ(results[1].error().code(), static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(results[1].error().message(),
              HasSubstr("report.organization_id: \"ziekenhuis-b\" is not your organisation"));
  // Only hospital A's two reports were written; B's status is untouched.
  EXPECT_EQ(server_.server().revision(), before + 2);
  EXPECT_EQ(GetStatusAs("ghor", "ziekenhuis-b").record().status_report().capacity(0).available(), 2);
  EXPECT_EQ(GetStatusAs("ghor", "ziekenhuis-a").record().status_report().capacity(0).available(), 12);
  EXPECT_EQ(GetStatusAs("ghor", "ziekenhuis-a").record().updated_by().subject(), "token:institution");
}

TEST_F(AccessTest, APublishStreamWithoutCredentialsIsRefused) {
  auto anonymous = v1::PictureService::NewStub(client::Connect(server_.server().address()));
  auto context = Deadline();
  auto stream = anonymous->PublishStatus(context.get());
  v1::PublishStatusRequest request;
  *request.add_reports()->mutable_report() = MakeReport("ziekenhuis-a", 11);
  stream->Write(request);
  stream->WritesDone();
  v1::PublishStatusResponse response;
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(server_.server().revision(), 0);
}

TEST_F(AccessTest, OnlyTheRequesterAcceptsOffersToItsRequest) {
  SetUpRegion();
  auto assistance_a = v1::AssistanceService::NewStub(ChannelAs("institution"));
  auto assistance_b = v1::AssistanceService::NewStub(ChannelAs("institution-b"));
  v1::RequestAssistanceRequest ask;
  v1::AssistanceRequest& help = *ask.mutable_request();
  help.set_id("hulp-1");
  help.set_organization_id("ziekenhuis-a");
  help.set_type(v1::ASSISTANCE_TYPE_BEDS);
  help.set_bed_type(v1::BED_TYPE_IC_ADULT);
  help.set_quantity(2);
  v1::WriteResponse written;
  grpc::Status status = assistance_a->RequestAssistance(Deadline().get(), ask, &written);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // B cannot ask in A's name ...
  status = assistance_b->RequestAssistance(Deadline().get(), ask, &written);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // ... offers from its own organisation ...
  v1::OfferAssistanceRequest offer;
  offer.set_request_id("hulp-1");
  offer.mutable_offer()->set_organization_id("ziekenhuis-b");
  offer.mutable_offer()->set_quantity(1);
  status = assistance_b->OfferAssistance(Deadline().get(), offer, &written);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // ... but cannot accept its own offer on A's behalf, nor cancel A's request.
  v1::AcceptOfferRequest accept;
  accept.set_request_id("hulp-1");
  accept.set_organization_id("ziekenhuis-b");
  status = assistance_b->AcceptOffer(Deadline().get(), accept, &written);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("request_id"));
  v1::CancelRequestRequest cancel;
  cancel.set_request_id("hulp-1");
  EXPECT_EQ(assistance_b->CancelRequest(Deadline().get(), cancel, &written).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A accepts.
  status = assistance_a->AcceptOffer(Deadline().get(), accept, &written);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// --- Graduated visibility ------------------------------------------------------------------------------------------

void ExpectWithheld(const v1::StatusReport& report) {
  EXPECT_TRUE(report.detail_withheld());
  EXPECT_EQ(report.capacity_size(), 0);
  EXPECT_FALSE(report.has_reporter());
  EXPECT_GT(report.disruptions_size(), 0);  // The operational picture stays.
  EXPECT_NE(report.overall_status(), v1::OVERALL_STATUS_UNSPECIFIED);
}

void ExpectDetail(const v1::StatusReport& report) {
  EXPECT_FALSE(report.detail_withheld());
  ASSERT_EQ(report.capacity_size(), 1);
  EXPECT_TRUE(report.capacity(0).has_available());
}

// A partial report's mask would say which withheld figure changed: a reader without detail sees only the part.
TEST_F(AccessTest, UpdateMaskOfAPartialReportRevealsNoWithheldFigure) {
  SetUpRegion();
  v1::ReportStatusRequest request;
  *request.mutable_report() = MakeReport("ziekenhuis-a", 1);
  request.mutable_update_mask()->add_paths("capacity.ic_adult");
  request.mutable_update_mask()->add_paths("disruptions");
  v1::WriteResponse written;
  const grpc::Status status = PictureAs("institution")->ReportStatus(Deadline().get(), request, &written);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(GetStatusAs("ghor", "ziekenhuis-a").record().status_report().update_mask().paths(),
              ::testing::ElementsAre("capacity.ic_adult", "disruptions"));
  const v1::StatusReport seen_by_b = GetStatusAs("institution-b", "ziekenhuis-a").record().status_report();
  ExpectWithheld(seen_by_b);
  EXPECT_THAT(seen_by_b.update_mask().paths(), ::testing::ElementsAre("capacity", "disruptions"));
}

TEST_F(AccessTest, ExactCapacityGoesToTheOwnerGhorAndDispatchOnlyThroughGet) {
  SetUpRegion();
  ExpectDetail(GetStatusAs("institution", "ziekenhuis-a").record().status_report());
  ExpectDetail(GetStatusAs("ghor", "ziekenhuis-a").record().status_report());
  ExpectDetail(GetStatusAs("dispatch", "ziekenhuis-a").record().status_report());
  ExpectWithheld(GetStatusAs("institution-b", "ziekenhuis-a").record().status_report());
  ExpectWithheld(GetStatusAs("operator", "ziekenhuis-a").record().status_report());
}

TEST_F(AccessTest, ListAndHistoryRedactOtherInstitutionsFigures) {
  SetUpRegion();
  v1::ListRequest list;
  list.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  v1::ListResponse listed;
  ASSERT_TRUE(PictureAs("institution-b")->List(Deadline().get(), list, &listed).ok());
  ASSERT_EQ(listed.records_size(), 2);
  for (const v1::Record& record : listed.records()) {
    if (record.status_report().organization_id() == "ziekenhuis-b") {
      ExpectDetail(record.status_report());
    } else {
      ExpectWithheld(record.status_report());
    }
  }
  v1::HistoryResponse history;
  ASSERT_TRUE(PictureAs("institution-b")->History(Deadline().get(), v1::HistoryRequest(), &history).ok());
  int status_events = 0;
  for (const v1::Event& event : history.events()) {
    if (!event.record().has_status_report()) continue;
    ++status_events;
    if (event.record().status_report().organization_id() == "ziekenhuis-a") {
      ExpectWithheld(event.record().status_report());
    }
  }
  EXPECT_EQ(status_events, 2);
}

TEST_F(AccessTest, TheFeedRedactsOtherInstitutionsFiguresInTheSnapshotAndLiveEvents) {
  SetUpRegion();
  v1::SubscribeRequest request;
  request.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  auto b_stub = PictureAs("institution-b");
  auto ghor_stub = PictureAs("ghor");
  FeedReader b_feed(*b_stub, request);
  FeedReader ghor_feed(*ghor_stub, request);
  // Both feeds must be live before the report, or it arrives in a snapshot rather than as an event.
  ASSERT_TRUE(b_feed.WaitUntilSynced());
  ASSERT_TRUE(ghor_feed.WaitUntilSynced());
  ASSERT_TRUE(Report(*PictureAs("institution"), MakeReport("ziekenhuis-a", 9)).ok());
  const int64_t revision = server_.server().revision();
  ASSERT_TRUE(b_feed.WaitForRevision(revision));
  ASSERT_TRUE(ghor_feed.WaitForRevision(revision));

  int snapshot_records = 0;
  for (const v1::SubscribeResponse& message : b_feed.messages()) {
    for (const v1::Record& record : message.snapshot().records()) {
      ++snapshot_records;
      if (record.status_report().organization_id() == "ziekenhuis-a") ExpectWithheld(record.status_report());
      if (record.status_report().organization_id() == "ziekenhuis-b") ExpectDetail(record.status_report());
    }
  }
  EXPECT_EQ(snapshot_records, 2);
  const std::vector<v1::Event> b_events = b_feed.events();
  ASSERT_FALSE(b_events.empty());
  ExpectWithheld(b_events.back().record().status_report());
  const std::vector<v1::Event> ghor_events = ghor_feed.events();
  ASSERT_FALSE(ghor_events.empty());
  ExpectDetail(ghor_events.back().record().status_report());
  EXPECT_EQ(ghor_events.back().record().status_report().capacity(0).available(), 9);
}

TEST_F(AccessTest, RegionalTotalsNeedTheMinimumGroupForReadersWithoutDetail) {
  SetUpRegion();  // Two hospitals report IC beds: one short of the default minimum group of 3.
  auto overview_as = [&](const std::string& reader) {
    v1::CapacityOverview overview;
    const grpc::Status status =
        v1::ReportService::NewStub(ChannelAs(reader))
            ->GetCapacityOverview(Deadline().get(), v1::GetCapacityOverviewRequest(), &overview);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const v1::CapacityTotal& total : overview.totals()) {
      if (total.bed_type() == v1::BED_TYPE_IC_ADULT) return total;
    }
    ADD_FAILURE() << "no IC total for " << reader;
    return v1::CapacityTotal();
  };
  const v1::CapacityTotal two = overview_as("institution-c");
  EXPECT_EQ(two.organizations_reported(), 2);
  EXPECT_TRUE(two.figures_withheld());
  EXPECT_FALSE(two.has_available());
  EXPECT_TRUE(overview_as("bestuur").figures_withheld());
  EXPECT_EQ(overview_as("ghor").available(), 6);

  ASSERT_TRUE(Report(*PictureAs("institution-c"), MakeReport("ziekenhuis-c", 1)).ok());
  const v1::CapacityTotal three = overview_as("institution-c");
  EXPECT_EQ(three.organizations_reported(), 3);
  EXPECT_FALSE(three.figures_withheld());
  EXPECT_EQ(three.available(), 7);
}

// --- Totals that reveal no single organisation (issue 14, finding 4) ----------------------------------------------

// The rank of `rows` (Gaussian elimination with partial pivoting).
size_t Rank(std::vector<std::vector<double>> rows) {
  size_t rank = 0;
  const size_t columns = rows.empty() ? 0 : rows[0].size();
  for (size_t column = 0; column < columns && rank < rows.size(); ++column) {
    size_t pivot = rank;
    for (size_t row = rank; row < rows.size(); ++row) {
      if (std::abs(rows[row][column]) > std::abs(rows[pivot][column])) pivot = row;
    }
    if (std::abs(rows[pivot][column]) < 1e-9) continue;
    std::swap(rows[pivot], rows[rank]);
    for (size_t row = 0; row < rows.size(); ++row) {
      if (row == rank) continue;
      const double factor = rows[row][column] / rows[rank][column];
      for (size_t c = column; c < columns; ++c) rows[row][c] -= factor * rows[rank][c];
    }
    ++rank;
  }
  return rank;
}

// Whether a reader who knows the right-hand sides of `equations` (rows over the same unknowns) can compute anything
// that depends on `own` unknowns alone: one of them, a difference of two (a change), any combination. That is when
// the row space of the equations meets the space spanned by those unknowns other than in 0.
bool RevealsAnythingOf(const std::vector<std::vector<double>>& equations, const std::vector<size_t>& own,
                       size_t columns) {
  std::vector<std::vector<double>> units;
  for (size_t unknown : own) {
    std::vector<double> unit(columns, 0.0);
    unit[unknown] = 1;
    units.push_back(std::move(unit));
  }
  std::vector<std::vector<double>> both = equations;
  both.insert(both.end(), units.begin(), units.end());
  return Rank(equations) + Rank(units) > Rank(both);
}

// The attack of the issue, against the real server: institution A follows the feed (so it knows who reported
// when), and after every other hospital's report reads the capacity overview and List as itself and the gap
// report as the bestuur. It used to learn hospital B's exact IC availability (7, 2, 0) by subtraction. Now every
// reading is written down as the reader's equation over every organisation's figures (a new unknown each time a
// figure changes; A's own are known), and no other organisation's figure may ever be determined by them.
// The differencing attack across a restart: the published totals are kept in the data directory, so the first read
// after a restart shows what peers saw before it, not the live picture (which would give away the one report made
// since the last publication).
TEST_F(AccessTest, ARestartDoesNotLetAnInstitutionDifferenceTheTotals) {
  SetUpRegion();  // A reports 4 IC beds available, B 2.
  auto ic_available = [&]() -> std::optional<int64_t> {
    auto reports = v1::ReportService::NewStub(ChannelAs("institution"));
    v1::CapacityOverview overview;
    const grpc::Status status = reports->GetCapacityOverview(Deadline().get(), {}, &overview);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const v1::CapacityTotal& total : overview.totals()) {
      if (total.bed_type() == v1::BED_TYPE_IC_ADULT && total.has_available()) return total.available();
    }
    return std::nullopt;
  };
  auto ghor_reports = [&](const std::string& id, int available) {
    const grpc::Status written = Report(*PictureAs("ghor"), MakeReport(id, available));
    ASSERT_TRUE(written.ok()) << written.error_message();
  };
  ghor_reports("ziekenhuis-c", 5);
  ASSERT_EQ(ic_available(), 11) << "three hospitals changed: published";
  ghor_reports("ziekenhuis-b", 7);  // One change: the institution's total stays.
  ASSERT_EQ(ic_available(), 11);
  ASSERT_TRUE(std::filesystem::exists(server_.data_dir() + "/db/published-figures"));  // FastOptions: DIR/db.

  server_.Restart();
  // A total of 16 here would tell the institution that B went from 2 to 7 (its one report since).
  EXPECT_EQ(ic_available(), 11) << "a restart must not publish the live picture";
  // The publication goes on from where it was: two more changed figures make three, and the sum moves.
  ghor_reports("ziekenhuis-c", 1);
  EXPECT_EQ(ic_available(), 11);
  const grpc::Status a = Report(*PictureAs("institution"), MakeReport("ziekenhuis-a", 6));
  ASSERT_TRUE(a.ok()) << a.error_message();
  EXPECT_EQ(ic_available(), 6 + 7 + 1);
}

TEST_F(AccessTest, PollingTotalsAfterEachReportRevealsNoSingleOrganisationsFigure) {
  SetUpRegion();  // A reports 4 IC beds available, B 2.
  auto admin = PictureAs("operator");
  for (const char* id : {"ziekenhuis-d", "ziekenhuis-e"}) ASSERT_TRUE(Register(*admin, MakeOrganization(id)).ok());
  auto ghor = PictureAs("ghor");  // Enters the reports hospitals D and E phone in (and sees exact figures).
  auto attacker = PictureAs("institution");
  auto attacker_reports = v1::ReportService::NewStub(ChannelAs("institution"));
  auto bestuur_reports = v1::ReportService::NewStub(ChannelAs("bestuur"));
  auto ghor_reports = v1::ReportService::NewStub(ChannelAs("ghor"));
  {
    v1::PutScenarioRequest put;
    v1::Scenario& scenario = *put.mutable_scenario();
    scenario.set_id("ic-ramp");
    scenario.set_name("IC-ramp");
    scenario.set_safety_region("VR10");
    v1::CapacityRequirement& ic = *scenario.add_capacity();
    ic.set_bed_type(v1::BED_TYPE_IC_ADULT);
    ic.set_quantity(40);
    v1::WriteResponse written;
    ASSERT_TRUE(ghor_reports->PutScenario(Deadline().get(), put, &written).ok());
  }

  const std::string kAttacker = "ziekenhuis-a";
  constexpr size_t kColumns = 64;  // At least the number of unknowns below.
  std::map<std::string, int> truth = {{"ziekenhuis-a", 4}, {"ziekenhuis-b", 2}};
  // The reader's unknowns: one per (hospital, value it held), numbered as they appear.
  std::map<std::string, size_t> current_unknown;
  std::map<std::string, std::vector<size_t>> unknowns_of;
  size_t unknowns = 0;
  auto new_value = [&](const std::string& id) {
    current_unknown[id] = unknowns;
    unknowns_of[id].push_back(unknowns);
    ++unknowns;
  };
  new_value("ziekenhuis-a");
  new_value("ziekenhuis-b");
  FeedReader feed(*attacker, [] {
    v1::SubscribeRequest request;
    request.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
    return request;
  }());
  ASSERT_TRUE(feed.WaitUntilSynced());
  auto report = [&](const std::string& id, int available) {
    v1::StatusReport status = MakeReport(id, available);
    auto& reporter = id == kAttacker ? attacker : ghor;
    const grpc::Status written = Report(*reporter, status);
    ASSERT_TRUE(written.ok()) << written.error_message();
    ASSERT_TRUE(feed.WaitForRevision(server_.server().revision()));
    const std::vector<v1::Event> events = feed.events();
    ASSERT_FALSE(events.empty());
    // The feed tells the attacker who reported, and no figure of another.
    EXPECT_EQ(events.back().record().status_report().organization_id(), id);
    if (id != kAttacker) ExpectWithheld(events.back().record().status_report());
    if (!truth.contains(id) || truth[id] != available) new_value(id);
    truth[id] = available;
  };
  auto ic_line = [](const v1::CapacityOverview& overview) {
    for (const v1::CapacityTotal& total : overview.totals()) {
      if (total.bed_type() == v1::BED_TYPE_IC_ADULT) return total;
    }
    return v1::CapacityTotal();
  };

  // Every sum of IC beds available the attacker and the bestuur are shown, as an equation over the unknowns.
  std::vector<std::vector<double>> equations;
  std::optional<int64_t> last_seen;
  std::set<std::string> changed;  // Hospitals whose figure changed since the sum last moved.
  auto observe = [&](const std::string& step) {
    SCOPED_TRACE(step);
    v1::CapacityOverview overview;
    ASSERT_TRUE(attacker_reports->GetCapacityOverview(Deadline().get(), {}, &overview).ok());
    const v1::CapacityTotal line = ic_line(overview);
    v1::CapacityOverview exact;
    ASSERT_TRUE(ghor_reports->GetCapacityOverview(Deadline().get(), {}, &exact).ok());
    int64_t truth_sum = 0;
    for (const auto& [id, available] : truth) truth_sum += available;
    EXPECT_EQ(ic_line(exact).available(), truth_sum) << "the GHOR sees exact figures";
    EXPECT_FALSE(ic_line(exact).figures_withheld());

    v1::GetGapReportRequest gap_request;
    gap_request.set_scenario_id("ic-ramp");
    v1::GapReport gap;
    ASSERT_TRUE(bestuur_reports->GetGapReport(Deadline().get(), gap_request, &gap).ok());
    ASSERT_EQ(gap.capacity_size(), 1);
    // List as the attacker: the others' reports without figures.
    v1::ListRequest list;
    list.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
    v1::ListResponse listed;
    ASSERT_TRUE(attacker->List(Deadline().get(), list, &listed).ok());
    for (const v1::Record& record : listed.records()) {
      if (record.status_report().organization_id() != kAttacker) ExpectWithheld(record.status_report());
    }

    if (!line.has_available()) {
      EXPECT_TRUE(line.figures_withheld());
      EXPECT_EQ(gap.capacity(0).withheld_figures_size(), 1);
      return;
    }
    // The bestuur's gap report sums the same published figures: it adds nothing to the overview.
    ASSERT_EQ(gap.capacity(0).withheld_figures_size(), 0);
    EXPECT_EQ(gap.capacity(0).available(), line.available());
    if (last_seen.has_value() && *last_seen != line.available()) {
      EXPECT_GE(changed.size(), 3u) << "the sum moved after fewer changed figures than the minimum group";
    }
    if (last_seen == line.available()) return;  // Nothing new: the same published sum.
    // The sum moved at this read: the attacker reads after every report, so it was published now, from the values
    // of now (the only equation the reader gets from it).
    EXPECT_EQ(line.available(), truth_sum);
    changed.clear();
    last_seen = line.available();
    std::vector<double> equation(kColumns, 0.0);
    for (const auto& [id, unknown] : current_unknown) equation[unknown] = 1;
    equations.push_back(std::move(equation));
  };

  observe("two hospitals");
  report("ziekenhuis-c", 5);
  report("ziekenhuis-d", 3);
  report("ziekenhuis-e", 6);
  observe("five hospitals");
  ASSERT_TRUE(last_seen.has_value()) << "five hospitals changed: the sum is published";
  // The issue's sequence: B reports 7, 2, 0, the attacker reading after each.
  const std::vector<std::pair<std::string, int>> steps = {
      {"ziekenhuis-b", 7}, {"ziekenhuis-b", 2}, {"ziekenhuis-b", 0},
      {"ziekenhuis-a", 9}, {"ziekenhuis-c", 1}, {"ziekenhuis-d", 3} /* the same figure again */,
      {"ziekenhuis-e", 2}, {"ziekenhuis-b", 4}, {"ziekenhuis-c", 5},
      {"ziekenhuis-d", 8}};
  for (const auto& [id, available] : steps) {
    const std::optional<int64_t> before = last_seen;
    if (truth[id] != available) changed.insert(id);
    const size_t changed_now = changed.size();
    report(id, available);
    observe(id + " reports " + std::to_string(available));
    // The issue's subtraction (the sum after B's report minus the sum before) finds nothing: a report moves the sum
    // only when it completes a group of changed figures.
    if (changed_now < 3) {
      EXPECT_EQ(last_seen, before) << id << "'s report moved the sum the attacker sees";
    }
  }
  ASSERT_GE(equations.size(), 3u) << "the sum must have moved during the run, or nothing was tested";

  // Everything the attacker saw, and its own figures, determine nothing of any other single hospital: not a figure
  // at any time, not a change, not any combination of its figures alone.
  ASSERT_LT(unknowns + 1, kColumns);
  std::vector<std::vector<double>> knowledge = equations;
  for (size_t own : unknowns_of[kAttacker]) {
    std::vector<double> row(kColumns, 0.0);
    row[own] = 1;
    knowledge.push_back(std::move(row));
  }
  for (const auto& [id, own] : unknowns_of) {
    if (id == kAttacker) continue;
    EXPECT_FALSE(RevealsAnythingOf(knowledge, own, kColumns)) << id;
  }
  // The check itself: one more reading right after B's report alone would have revealed B's change.
  std::vector<std::vector<double>> one_more = knowledge;
  std::vector<double> before_b = equations.back();
  std::vector<double> after_b = before_b;
  after_b[unknowns_of["ziekenhuis-b"].back()] = 0;
  after_b[unknowns] = 1;  // B's next figure.
  one_more.push_back(std::move(after_b));
  std::vector<size_t> b_with_next = unknowns_of["ziekenhuis-b"];
  b_with_next.push_back(unknowns);
  EXPECT_TRUE(RevealsAnythingOf(one_more, b_with_next, kColumns));
}

// A figure given by fewer organisations than the minimum group is withheld on its own, even where the bed type has
// enough organisations: B alone reports IC surge capacity.
TEST_F(AccessTest, ASurgeFigureOfOneHospitalIsWithheldFromInstitutionsAndTheBestuur) {
  SetUpRegion();
  v1::StatusReport with_surge = MakeReport("ziekenhuis-b", 2);
  with_surge.mutable_capacity(0)->set_surge_24h(5);
  ASSERT_TRUE(Report(*PictureAs("institution-b"), with_surge).ok());
  ASSERT_TRUE(Report(*PictureAs("institution-c"), MakeReport("ziekenhuis-c", 1)).ok());
  auto ic_as = [&](const std::string& reader) {
    v1::CapacityOverview overview;
    const grpc::Status status =
        v1::ReportService::NewStub(ChannelAs(reader))->GetCapacityOverview(Deadline().get(), {}, &overview);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const v1::CapacityTotal& total : overview.totals()) {
      if (total.bed_type() == v1::BED_TYPE_IC_ADULT) return total;
    }
    return v1::CapacityTotal();
  };
  for (const char* reader : {"institution", "bestuur"}) {
    SCOPED_TRACE(reader);
    const v1::CapacityTotal line = ic_as(reader);
    EXPECT_EQ(line.available(), 7) << "three hospitals give `available`";
    EXPECT_FALSE(line.has_surge_24h());
    EXPECT_TRUE(line.figures_withheld());
    EXPECT_THAT(line.withheld_figures(), ::testing::ElementsAre(v1::CAPACITY_FIGURE_SURGE_24H));
  }
  const v1::CapacityTotal exact = ic_as("ghor");
  EXPECT_EQ(exact.surge_24h(), 5);
  EXPECT_EQ(exact.withheld_figures_size(), 0);
}

// --- Audit ---------------------------------------------------------------------------------------------------------

TEST_F(AccessTest, ReadsOfOtherOrganisationsDetailAreAuditedAndListedForTheOperator) {
  SetUpRegion();
  GetStatusAs("ghor", "ziekenhuis-a");           // Detail of another organisation: audited.
  GetStatusAs("institution", "ziekenhuis-a");    // Its own: not.
  GetStatusAs("institution-b", "ziekenhuis-a");  // Redacted: nothing detailed was read.

  auto admin = v1::AdminService::NewStub(ChannelAs("operator"));
  v1::ListAuditEntriesRequest request;
  request.set_organization_id("ziekenhuis-a");
  v1::ListAuditEntriesResponse response;
  const grpc::Status status = admin->ListAuditEntries(Deadline().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.entries_size(), 1);
  EXPECT_EQ(response.entries(0).actor().organization_id(), "ghor-vr10");
  EXPECT_EQ(response.entries(0).actor().role(), v1::ROLE_GHOR);
  EXPECT_EQ(response.entries(0).method(), "/ketenbeeld.v1.PictureService/Get");

  // The audit trail is for the operator only.
  auto ghor_admin = v1::AdminService::NewStub(ChannelAs("ghor"));
  EXPECT_EQ(ghor_admin->ListAuditEntries(Deadline().get(), request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// The continuity timeline: a hospital's generator is its figure (the GHOR sees it, a peer hospital does not); its
// diversion is not (everyone sees when it ends). The GHOR's read of the generator point is audited.
TEST_F(AccessTest, TheContinuityTimelineShowsSupplyPointsOnlyToWhoSeesTheFiguresAndAuditsTheirRead) {
  SetUpRegion();
  v1::StatusReport report = MakeReport("ziekenhuis-a", 4);
  v1::Supply& generator = *report.add_supplies();
  generator.set_type(v1::SUPPLY_TYPE_GENERATOR);
  generator.set_autonomy_hours(18);
  report.mutable_emergency_department()->set_state(v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  *report.mutable_emergency_department()->mutable_until() = ToProtoTime(absl::Now() + absl::Hours(4));
  const grpc::Status reported = Report(*PictureAs("institution"), report);
  ASSERT_TRUE(reported.ok()) << reported.error_message();

  auto kinds_as = [this](const std::string& reader, bool* withheld) {
    v1::ContinuityTimeline timeline;
    const grpc::Status status =
        v1::ReportService::NewStub(ChannelAs(reader))->GetContinuityTimeline(Deadline().get(), {}, &timeline);
    EXPECT_TRUE(status.ok()) << reader << ": " << status.error_message();
    std::vector<std::string> kinds;
    for (const v1::ContinuityPoint& point : timeline.points()) {
      kinds.push_back(absl::StrCat(point.organization_id(), " ", v1::ContinuityPointKind_Name(point.kind())));
    }
    *withheld = timeline.detail_withheld();
    return kinds;
  };
  bool withheld = true;
  EXPECT_THAT(kinds_as("ghor", &withheld),
              ::testing::ElementsAre("ziekenhuis-a CONTINUITY_POINT_KIND_EMERGENCY_DEPARTMENT_UNTIL",
                                     "ziekenhuis-a CONTINUITY_POINT_KIND_SUPPLY_RUNS_OUT"));
  EXPECT_FALSE(withheld);
  EXPECT_THAT(kinds_as("institution", &withheld), ::testing::SizeIs(2)) << "its own generator";
  EXPECT_THAT(kinds_as("institution-b", &withheld),
              ::testing::ElementsAre("ziekenhuis-a CONTINUITY_POINT_KIND_EMERGENCY_DEPARTMENT_UNTIL"));
  EXPECT_TRUE(withheld);

  std::vector<std::string> readers;
  for (const v1::AuditEntry& entry : AuditEntries("ziekenhuis-a")) {
    if (entry.method() == "/ketenbeeld.v1.ReportService/GetContinuityTimeline") {
      readers.push_back(entry.actor().organization_id());
    }
  }
  EXPECT_THAT(readers, ::testing::ElementsAre("ghor-vr10")) << "the owner's and the redacted reads are not audited";
}

TEST_F(AccessTest, ALiveFeedOfEveryOrganisationIsListedUnderEachOrganisation) {
  SetUpRegion();
  auto ghor = PictureAs("ghor");
  FeedReader feed(*ghor, v1::SubscribeRequest());  // No filter: every organisation's figures.
  ASSERT_TRUE(feed.WaitUntilSynced());

  auto admin = v1::AdminService::NewStub(ChannelAs("operator"));
  v1::ListAuditEntriesRequest request;
  request.set_organization_id("ziekenhuis-a");
  v1::ListAuditEntriesResponse response;
  const grpc::Status status = admin->ListAuditEntries(Deadline().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.entries_size(), 1) << response.ShortDebugString();
  EXPECT_EQ(response.entries(0).method(), "/ketenbeeld.v1.PictureService/Subscribe");
  EXPECT_EQ(response.entries(0).actor().organization_id(), "ghor-vr10");
  EXPECT_TRUE(response.entries(0).all_organizations());
}

TEST_F(AccessTest, ABackupCarriesEveryRetainedFileOfTheAuditTrail) {
  SetUpRegion();
  // Enough audited reads to rotate the 4 KiB files several times.
  constexpr int kReads = 150;
  auto ghor = PictureAs("ghor");
  for (int i = 0; i < kReads; ++i) {
    v1::GetRequest request;
    request.set_name("organizations/ziekenhuis-a/status");
    v1::GetResponse response;
    ASSERT_TRUE(ghor->Get(Deadline().get(), request, &response).ok()) << i;
  }
  ASSERT_TRUE(std::filesystem::exists(server_.data_dir() + "/db/audit-trail.2")) << "the trail should have rotated";
  // The operator's list reads across the files: every entry, newest first, none missing.
  const std::vector<v1::AuditEntry> listed = AuditEntries();
  ASSERT_EQ(listed.size(), static_cast<size_t>(kReads));
  for (int i = 0; i < kReads; ++i) EXPECT_EQ(listed[i].sequence(), kReads - i);

  const std::string backup_dir = backups_.path() + "/backup";
  auto admin = v1::AdminService::NewStub(ChannelAs("operator"));
  v1::BackupRequest request;
  request.set_directory(backup_dir);
  v1::BackupResponse response;
  const grpc::Status status = admin->Backup(Deadline().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // The backup used as a data directory has the whole trail as it was.
  policy::AuditOptions options;
  options.max_file_bytes = 4096;
  absl::StatusOr<std::unique_ptr<policy::AuditLog>> restored =
      policy::AuditLog::Open(backup_dir + "/audit-trail", options);
  ASSERT_TRUE(restored.ok()) << restored.status();
  v1::ListAuditEntriesRequest all;
  all.set_limit(1000);
  v1::ListAuditEntriesResponse entries;
  ASSERT_TRUE((*restored)->List(all, entries).ok());
  ASSERT_EQ(entries.entries_size(), kReads);
  EXPECT_EQ(entries.entries(0).sequence(), kReads);
  EXPECT_EQ(entries.entries(kReads - 1).sequence(), 1);
  EXPECT_EQ(entries.entries(0).actor().organization_id(), "ghor-vr10");
}

// A read of other organisations' detail is answered only once it is in the audit trail: when the trail's disk fails
// the read fails with UNAVAILABLE and discloses nothing, and no half entry is left behind.
TEST_F(AccessTest, AReadThatCannotBeAuditedIsNotAnswered) {
  SetUpRegion();
  audit_faults_->FailAppends(storage::Fault::kNoSpace);
  auto ghor = PictureAs("ghor");
  v1::GetRequest get;
  get.set_name("organizations/ziekenhuis-a/status");
  v1::GetResponse got;
  grpc::Status status = ghor->Get(Deadline().get(), get, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("audit trail"));
  EXPECT_FALSE(got.has_record()) << "nothing of the read may reach the caller";
  v1::ListResponse listed;
  status = ghor->List(Deadline().get(), v1::ListRequest(), &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(listed.records_size(), 0);
  FeedReader feed(*ghor, v1::SubscribeRequest());
  EXPECT_EQ(feed.WaitForEnd().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(feed.messages().empty()) << "a feed that cannot be audited sends nothing";
  // Reads that are not audited go on: an institution's own figures.
  GetStatusAs("institution", "ziekenhuis-a");
  EXPECT_TRUE(AuditEntries().empty());

  audit_faults_->Clear();
  status = ghor->Get(Deadline().get(), get, &got);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(got.record().status_report().capacity_size(), 0);
  const std::vector<v1::AuditEntry> entries = AuditEntries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].sequence(), 1) << "failed entries take no sequence number";
}

// A read of many organisations lists every one of them, so the operator finds it by any of them.
TEST_F(AccessTest, AReadOfMoreThanAHundredOrganisationsIsListedUnderEachOfThem) {
  constexpr int kOrganizations = 150;
  auto admin = PictureAs("operator");
  auto ghor = PictureAs("ghor");
  ASSERT_TRUE(Register(*admin, MakeOrganization("ghor-vr10", v1::ORGANIZATION_KIND_GHOR)).ok());
  for (int i = 0; i < kOrganizations; ++i) {
    const std::string id = absl::StrCat("zorg-", 1000 + i);
    ASSERT_TRUE(Register(*admin, MakeOrganization(id)).ok()) << id;
    ASSERT_TRUE(Report(*ghor, MakeReport(id, i % 7)).ok()) << id;  // The GHOR enters reports phoned in.
  }
  v1::ListRequest request;
  request.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  v1::ListResponse listed;
  const grpc::Status status = ghor->List(Deadline().get(), request, &listed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(listed.records_size(), kOrganizations);

  for (const std::string id : {"zorg-1000", "zorg-1100", "zorg-1149"}) {
    const std::vector<v1::AuditEntry> entries = AuditEntries(id);
    ASSERT_EQ(entries.size(), 1u) << id;
    EXPECT_EQ(entries[0].method(), "/ketenbeeld.v1.PictureService/List");
    EXPECT_EQ(entries[0].organization_count(), kOrganizations);
    EXPECT_EQ(entries[0].organization_ids_size(), kOrganizations);
  }
}

// --- Limits --------------------------------------------------------------------------------------------------------

TEST_F(AccessTest, ATooManyLiveFeedsIsResourceExhaustedAndAnEndedFeedGivesItsPlaceBack) {
  SetUpRegion();
  auto stub = PictureAs("institution");
  v1::SubscribeRequest request;
  std::vector<std::unique_ptr<FeedReader>> feeds;
  for (int i = 0; i < 3; ++i) {
    feeds.push_back(std::make_unique<FeedReader>(*stub, request));
    ASSERT_TRUE(feeds.back()->WaitFor([](const auto& m) { return !m.empty(); })) << i;
  }
  FeedReader fourth(*stub, request);
  const grpc::Status refused = fourth.WaitForEnd();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("live feeds"));
  // Another identity is not affected.
  auto other = PictureAs("institution-b");
  FeedReader other_feed(*other, request);
  EXPECT_TRUE(other_feed.WaitFor([](const auto& m) { return !m.empty(); }));
  // Ending one feed frees a place (the server notices the cancellation asynchronously: retry for a while).
  feeds.front().reset();
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    FeedReader again(*stub, request);
    admitted = again.WaitFor([](const auto& m) { return !m.empty(); }, absl::Seconds(1));
    if (!admitted) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(admitted);
}

// --- The cost budget per identity ------------------------------------------------------------------------------------

// AccessTest with tight budgets: per identity 8 unsent answers and 2 PublishStatus streams. (The calls in flight,
// 64, are not what a burst of unread calls meets here; tests/policy/limits_test.cc has both bounds.)
class AccessBudgetTest : public AccessTest {
 protected:
  AccessBudgetTest()
      : AccessTest([](app::ServerOptions& options) {
          options.identity_limits.max_calls_in_flight = 64;
          options.identity_limits.max_unsent_answers = 8;
          options.identity_limits.max_publish_streams = 2;
          options.http_listen_address = "127.0.0.1:0";  // Its calls count in the same budget.
        }) {}
};

// AccessTest with 64 KiB of unread answers per identity.
class AccessByteBudgetTest : public AccessTest {
 protected:
  AccessByteBudgetTest()
      : AccessTest([](app::ServerOptions& options) { options.identity_limits.max_response_bytes_held = 64 << 10; }) {}
};

// AccessTest with a small write volume: 1 KiB per second per organisation, bursts of 64 KiB.
class AccessWriteVolumeTest : public AccessTest {
 protected:
  AccessWriteVolumeTest()
      : AccessTest([](app::ServerOptions& options) {
          options.identity_limits.max_write_bytes_per_second = 1024;
          options.identity_limits.max_write_burst_bytes = 64 << 10;
        }) {}
};

// Issue 14: one institution filled the disk under the request rate with incompressible free text (~5 MB/s).
TEST_F(AccessWriteVolumeTest, AnOrganisationWritingFasterThanItsVolumeIsRefusedAndNothingIsWritten) {
  SetUpRegion();
  auto institution = PictureAs("institution");
  v1::StatusReport bulky = MakeReport("ziekenhuis-a", 4);
  bulky.set_free_text(std::string(4000, 'x'));  // The longest free text: ~4 KiB a report.
  grpc::Status refused;
  int written = 0;
  for (int i = 0; i < 100 && refused.ok(); ++i) {
    refused = Report(*institution, bulky);
    written += refused.ok() ? 1 : 0;
  }
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("write volume: organisation \"ziekenhuis-a\""));
  EXPECT_GE(written, 10) << "the 64 KiB burst admits about 15 such reports";
  EXPECT_LE(written, 17);
  const int64_t before = server_.server().revision();
  EXPECT_EQ(Report(*institution, bulky).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(server_.server().revision(), before) << "a refused write writes nothing";
  // Another organisation is not affected.
  EXPECT_TRUE(Report(*PictureAs("institution-b"), MakeReport("ziekenhuis-b", 3)).ok());
}

TEST_F(AccessBudgetTest, ACallerThatDoesNotReadItsAnswersIsRefusedBeyondItsBudgetWhileOthersAreServed) {
  SetUpRegion();
  auto hostile = std::make_unique<NonReadingH2Client>(server_.server().port(), Credentials().at("institution").token);
  ASSERT_TRUE(hostile->connected());
  // Lists whose answers are never read, until the server refuses one: they are admitted until eight answers wait to
  // go out (a few more may be, admitted while earlier ones were still being answered), the rest refused at once (not
  // held). Nothing else of this identity has called yet, so the answers that fill its budget are the unread ones,
  // which never go out: the refusals below hold for as long as the connection is open.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(hostile->Call("/ketenbeeld.v1.PictureService/List", v1::ListRequest()));
  ASSERT_TRUE(Eventually([&] {
    return hostile->Call("/ketenbeeld.v1.PictureService/List", v1::ListRequest()) && hostile->EndedCalls() > 0;
  }));

  // The same identity on a connection that does read is refused while those answers are unread.
  auto same = PictureAs("institution");
  v1::ListResponse response;
  const grpc::Status refused = same->List(Deadline().get(), v1::ListRequest(), &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("unread answers: this identity already has "));
  EXPECT_THAT(refused.error_message(), HasSubstr("answers that have not gone out (at most 8)"));
  // Over the HTTP gateway too: the budget is the identity's, whatever the transport.
  RawSocket http(server_.server().http_port());
  ASSERT_TRUE(http.Send(absl::StrCat("POST /api/ketenbeeld.v1.PictureService/List HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                                     "Content-Type: application/json\r\nAuthorization: Bearer ",
                                     Credentials().at("institution").token,
                                     "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")));
  EXPECT_TRUE(http.ReadUntil("unread answers: this identity already has ", absl::Seconds(10))) << http.received();
  EXPECT_TRUE(absl::StartsWith(http.received(), "HTTP/1.1 429")) << http.received();

  // Another identity is served meanwhile: the GHOR reads the hospital's status.
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(GetStatusAs("ghor", "ziekenhuis-a").record().name(), "organizations/ziekenhuis-a/status");
  v1::ListResponse listed;
  EXPECT_EQ(same->List(Deadline().get(), v1::ListRequest(), &listed).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);  // Still held: nothing was read.

  // When the connection goes, its calls are cancelled and give their places back.
  hostile.reset();
  grpc::Status again;
  EXPECT_TRUE(Eventually([&] {
    again = same->List(Deadline().get(), v1::ListRequest(), &listed);
    return again.ok();
  })) << again.error_message();
}

TEST_F(AccessByteBudgetTest, TheBytesOfUnreadAnswersAreBoundedPerIdentity) {
  SetUpRegion();
  // Enough organisations that one List answer is over the identity's 64 KiB. The operator registers and dispatch
  // measures: an identity's own large answer counts twice until gRPC is done with it, a moment after the client has
  // it, so with a budget this small the next call of the same identity may meet it (then it is refused, holds
  // nothing, and is asked again).
  auto admin = PictureAs("operator");
  auto measuring = PictureAs("dispatch");
  v1::ListResponse listed;
  for (int i = 0; i < 1000 && listed.ByteSizeLong() <= (64 << 10); i += 50) {
    for (int j = i; j < i + 50; ++j) ASSERT_TRUE(Register(*admin, MakeOrganization(absl::StrCat("vvt-", j))).ok());
    grpc::Status status;
    ASSERT_TRUE(Eventually([&] {
      status = measuring->List(Deadline().get(), v1::ListRequest(), &listed);
      return status.ok();
    })) << status.error_message();
  }
  ASSERT_GT(listed.ByteSizeLong(), 64 << 10);

  // One unread answer of that size: one unsent answer of 64, but its bytes are the identity's budget.
  NonReadingH2Client hostile(server_.server().port(), Credentials().at("institution").token);
  ASSERT_TRUE(hostile.connected());
  ASSERT_TRUE(hostile.Call("/ketenbeeld.v1.PictureService/List", v1::ListRequest()));
  auto same = PictureAs("institution");
  grpc::Status refused;
  EXPECT_TRUE(Eventually([&] {
    v1::GetRequest request;
    request.set_name("organizations/ziekenhuis-a");
    v1::GetResponse response;
    refused = same->Get(Deadline().get(), request, &response);
    return refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  })) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("response bytes held"));
  // Other identities are served.
  EXPECT_EQ(GetStatusAs("ghor", "ziekenhuis-a").record().name(), "organizations/ziekenhuis-a/status");
}

TEST_F(AccessBudgetTest, PublishStreamsBeyondTheLimitPerIdentityAreResourceExhausted) {
  SetUpRegion();
  auto stub = PictureAs("institution");
  // Opens a stream and sends one report: returns the stream once its result came back (it is open and admitted).
  struct Open {
    std::unique_ptr<grpc::ClientContext> context = Deadline();
    std::unique_ptr<grpc::ClientReaderWriter<v1::PublishStatusRequest, v1::PublishStatusResponse>> stream;
  };
  auto open = [&](v1::PictureService::Stub& as, const std::string& organization_id, Open& out) {
    out.stream = as.PublishStatus(out.context.get());
    v1::PublishStatusRequest request;
    *request.add_reports()->mutable_report() = MakeReport(organization_id);
    v1::PublishStatusResponse response;
    return out.stream->Write(request) && out.stream->Read(&response) && response.results_size() == 1;
  };
  Open first;
  Open second;
  ASSERT_TRUE(open(*stub, "ziekenhuis-a", first));
  ASSERT_TRUE(open(*stub, "ziekenhuis-a", second));
  Open third;
  EXPECT_FALSE(open(*stub, "ziekenhuis-a", third));
  const grpc::Status refused = third.stream->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("publish streams: this identity already has 2"));

  // Another identity has its own streams.
  auto other = PictureAs("institution-b");
  Open others;
  EXPECT_TRUE(open(*other, "ziekenhuis-b", others));

  // A stream that ends gives its place back.
  first.stream->WritesDone();
  EXPECT_TRUE(first.stream->Finish().ok());
  EXPECT_TRUE(Eventually([&] {
    Open again;
    const bool opened = open(*stub, "ziekenhuis-a", again);
    again.stream->WritesDone();
    again.stream->Finish();
    return opened;
  }));
  for (Open* stream : {&second, &others}) {
    stream->stream->WritesDone();
    EXPECT_TRUE(stream->stream->Finish().ok());
  }
}

// Server options with one token, "slow-token" (an institution of ziekenhuis-a), whose identity may make 2 requests
// per second, in bursts of 4. The tokens file goes into `dir`.
std::function<void(app::ServerOptions&)> WithSlowToken(const TempDir& dir) {
  const std::string tokens = dir.path() + "/tokens";
  std::ofstream(tokens) << "sha256:" << security::TokenHash("slow-token") << " ziekenhuis-a institution slow\n";
  return [tokens](app::ServerOptions& options) {
    options.tokens_file = tokens;
    options.identity_limits.max_requests_per_second = 2;
  };
}

TEST(AccessLimitsTest, RequestsBeyondTheRatePerIdentityAreResourceExhausted) {
  TempDir dir;
  TestServer server(WithSlowToken(dir));
  auto stub = v1::PictureService::NewStub(client::Connect(server.server().address(), {.token = "slow-token"}));
  int ok = 0;
  grpc::Status last;
  for (int i = 0; i < 20 && last.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED; ++i) {
    v1::ListResponse response;
    last = stub->List(Deadline().get(), v1::ListRequest(), &response);
    if (last.ok()) ++ok;
  }
  EXPECT_EQ(last.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(last.error_message(), HasSubstr("request rate"));
  EXPECT_GE(ok, 3);  // The burst was allowed first (a refill during the loop may add one).
  EXPECT_LE(ok, 6);
}

TEST(AccessLimitsTest, EachReportOnAPublishStreamCountsAgainstTheRequestRate) {
  TempDir dir;
  TestServer server(WithSlowToken(dir));
  auto stub = v1::PictureService::NewStub(client::Connect(server.server().address(), {.token = "slow-token"}));
  auto context = Deadline();
  auto stream = stub->PublishStatus(context.get());  // Counts one request.
  v1::PublishStatusRequest request;
  for (int i = 0; i < 12; ++i) *request.add_reports()->mutable_report() = MakeReport("ziekenhuis-a", i);
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->WritesDone());
  int limited = 0;
  int results = 0;
  v1::PublishStatusResponse response;
  while (stream->Read(&response)) {
    for (const v1::PublishResult& result : response.results()) {
      ++results;
      if (result.error().code() == static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED)) {
        ++limited;
        EXPECT_THAT(result.error().message(), HasSubstr("request rate"));
      }
    }
  }
  EXPECT_TRUE(stream->Finish().ok());  // The stream itself goes on; only the reports over the rate are refused.
  EXPECT_EQ(results, 12);
  EXPECT_GE(limited, 12 - 5);  // At most the burst (less the stream's own request, plus a refill) got through.
}

// --- The exchange formats: imports are writes like any other ------------------------------------------------------

// An EDXL-HAVE document of one facility: `organization_id`'s adult IC beds, and a bed type of `extra_bed_type`.
std::string HaveDocument(const std::string& organization_id, int ic_available, const std::string& extra_bed_type = "") {
  std::string extra;
  if (!extra_bed_type.empty()) {
    extra = absl::StrCat("<bedCapacity><bedType>", extra_bed_type,
                         "</bedType><capacity><availableCount>1</availableCount></capacity></bedCapacity>");
  }
  return absl::StrCat(
      "<?xml version=\"1.0\"?>\n<HAVE xmlns=\"urn:oasis:names:tc:emergency:edxl:have:2.0\"><facility>"
      "<facilityInformation><facilityID>",
      organization_id,
      "</facilityID></facilityInformation><facilityColourStatus><colourCode>Red</colourCode></facilityColourStatus>"
      "<bedCapacityStatus><bedCapacity><bedType>AdultICU</bedType><capacity><availableCount>",
      ic_available, "</availableCount><baselineCount>12</baselineCount></capacity></bedCapacity>", extra,
      "</bedCapacityStatus></facility></HAVE>\n");
}

grpc::Status ImportHave(v1::InteropService::Stub& interop, const std::string& xml,
                        v1::ImportXmlResponse* response = nullptr) {
  v1::ImportXmlRequest request;
  request.set_xml(xml);
  v1::ImportXmlResponse ignored;
  return interop.ImportStatusHave(Deadline().get(), request, response != nullptr ? response : &ignored);
}

TEST_F(AccessTest, AnOrganisationImportsOnlyItsOwnHaveStatusAndBadDocumentsWriteNothing) {
  SetUpRegion();
  auto interop = v1::InteropService::NewStub(ChannelAs("institution"));
  const int64_t before = server_.server().revision();
  // Another organisation's figures: refused by the same rule as ReportStatus, nothing written.
  grpc::Status status = ImportHave(*interop, HaveDocument("ziekenhuis-b", 0));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("report.organization_id: \"ziekenhuis-b\" is not your organisation"));
  // An unknown bed type, an XML bomb, an external entity: refused naming the element or the DTD, nothing written.
  status = ImportHave(*interop, HaveDocument("ziekenhuis-a", 1, "HelicopterPads"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("bedType: unknown bed type \"HelicopterPads\""));
  status = ImportHave(*interop,
                      "<?xml version=\"1.0\"?><!DOCTYPE HAVE [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
                      "<HAVE>&b;</HAVE>");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("document type declaration"));
  status = ImportHave(
      *interop, "<?xml version=\"1.0\"?><!DOCTYPE HAVE [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><HAVE>&x;</HAVE>");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(server_.server().revision(), before);
  EXPECT_EQ(GetStatusAs("ghor", "ziekenhuis-b").record().status_report().capacity(0).available(), 2);

  // Its own: written as a partial report, so what HAVE does not carry (disruptions, occupied beds) is kept.
  v1::ImportXmlResponse imported;
  status = ImportHave(*interop, HaveDocument("ziekenhuis-a", 9), &imported);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(imported.written().revision(), before + 1);
  const v1::StatusReport report = GetStatusAs("ghor", "ziekenhuis-a").record().status_report();
  EXPECT_EQ(report.overall_status(), v1::OVERALL_STATUS_CRITICAL);
  EXPECT_EQ(report.capacity(0).available(), 9);
  EXPECT_EQ(report.capacity(0).occupied(), 10);
  EXPECT_EQ(report.disruptions_size(), 1);
  EXPECT_EQ(GetStatusAs("ghor", "ziekenhuis-a").record().updated_by().subject(), "token:institution");

  // Export -> import -> export: the same document (the picture did not change in between but for the import's time).
  v1::ExportStatusHaveRequest request;
  request.set_organization_id("ziekenhuis-a");
  v1::XmlExport first;
  ASSERT_TRUE(interop->ExportStatusHave(Deadline().get(), request, &first).ok());
  ASSERT_TRUE(ImportHave(*interop, first.xml()).ok());
  v1::XmlExport second;
  ASSERT_TRUE(interop->ExportStatusHave(Deadline().get(), request, &second).ok());
  const auto without_time = [](const std::string& xml) {
    const size_t start = xml.find("<lastUpdateTime>");
    const size_t end = xml.find("</lastUpdateTime>");
    return start == std::string::npos ? xml : xml.substr(0, start) + xml.substr(end);
  };
  EXPECT_EQ(without_time(second.xml()), without_time(first.xml()));
}

TEST_F(AccessTest, AHaveExportShowsAnotherOrganisationWithoutItsFigures) {
  SetUpRegion();
  auto interop = v1::InteropService::NewStub(ChannelAs("institution"));
  v1::ExportStatusHaveRequest request;
  request.set_safety_region("VR10");
  v1::XmlExport region;
  const grpc::Status status = interop->ExportStatusHave(Deadline().get(), request, &region);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(region.xml(), HasSubstr("<facilityID>ziekenhuis-a</facilityID>"));
  EXPECT_THAT(region.xml(), HasSubstr("<facilityID>ziekenhuis-b</facilityID>"));
  // Its own figure (4) is there; ziekenhuis-b's (2) is not, and the notes say so.
  EXPECT_THAT(region.xml(), HasSubstr("<availableCount>4</availableCount>"));
  EXPECT_THAT(region.xml(), ::testing::Not(HasSubstr("<availableCount>2</availableCount>")));
  EXPECT_THAT(region.notes(),
              ::testing::Contains(HasSubstr("ziekenhuis-b: capacity, staffing and free text withheld")));
}

TEST_F(AccessTest, AFhirMeasureReportShowsWhatTheReaderMaySee) {
  SetUpRegion();
  auto interop = v1::InteropService::NewStub(ChannelAs("institution"));
  v1::ExportFhirRequest request;
  request.set_resource_type(v1::FHIR_RESOURCE_TYPE_MEASURE_REPORT);
  request.set_organization_id("ziekenhuis-a");
  v1::FhirExport own;
  grpc::Status status = interop->ExportFhir(Deadline().get(), request, &own);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(own.json(), HasSubstr("\"count\": 4"));
  EXPECT_THAT(own.json(), ::testing::Not(HasSubstr("masked")));

  // Another organisation's: every figure absent as "masked", and the notes say so.
  request.set_organization_id("ziekenhuis-b");
  v1::FhirExport other;
  status = interop->ExportFhir(Deadline().get(), request, &other);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(other.json(), HasSubstr("\"valueCode\": \"masked\""));
  EXPECT_THAT(other.json(), ::testing::Not(HasSubstr("\"count\": 2")));
  EXPECT_THAT(other.notes(), ::testing::Contains(HasSubstr("ziekenhuis-b: beds and supplies withheld")));

  // A region's is the capacity overview this reader gets: a note for every total it withholds, no more.
  request.set_safety_region("VR10");
  v1::FhirExport region;
  status = interop->ExportFhir(Deadline().get(), request, &region);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::GetCapacityOverviewRequest totals;
  totals.add_safety_regions("VR10");
  v1::CapacityOverview overview;
  ASSERT_TRUE(v1::ReportService::NewStub(ChannelAs("institution"))
                  ->GetCapacityOverview(Deadline().get(), totals, &overview)
                  .ok());
  const auto withheld = std::count_if(overview.totals().begin(), overview.totals().end(),
                                      [](const v1::CapacityTotal& total) { return total.figures_withheld(); });
  const auto notes = std::count_if(region.notes().begin(), region.notes().end(),
                                   [](const std::string& note) { return absl::StrContains(note, "minimum group"); });
  EXPECT_EQ(notes, withheld);
  EXPECT_THAT(region.json(), HasSubstr("\"id\": \"VR10\""));

  // The operator may not read the capacity overview, so not a region's MeasureReport; the bestuur reads no FHIR.
  status = v1::InteropService::NewStub(ChannelAs("operator"))->ExportFhir(Deadline().get(), request, &region);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  request.set_organization_id("ziekenhuis-a");
  status = v1::InteropService::NewStub(ChannelAs("bestuur"))->ExportFhir(Deadline().get(), request, &own);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Unknown site: NOT_FOUND naming it.
  request.set_resource_type(v1::FHIR_RESOURCE_TYPE_LOCATION);
  request.set_location_id("nergens");
  status = interop->ExportFhir(Deadline().get(), request, &own);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("location_id"));
}

TEST_F(AccessTest, CapMessagesComeInOnlyThroughTheGhorAndGoOutToEveryReader) {
  SetUpRegion();
  const std::string message = R"(<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>stroomstoring-noord</identifier>
  <sender>ghor@vr11.example.nl</sender>
  <sent>2026-12-02T22:00:00+01:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Restricted</scope>
  <restriction>Zorginstellingen</restriction>
  <info>
    <category>Infra</category>
    <event>Stroomstoring</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>Stroomstoring Den Helder-Noord</headline>
    <instruction>Controleer noodstroom.</instruction>
  </info>
</alert>
)";
  v1::ImportXmlRequest request;
  request.set_xml(message);
  v1::ImportXmlResponse response;
  const int64_t before = server_.server().revision();
  for (const char* role : {"institution", "dispatch", "bestuur", "operator"}) {
    auto interop = v1::InteropService::NewStub(ChannelAs(role));
    const grpc::Status refused = interop->ImportAlertCap(Deadline().get(), request, &response);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED) << role;
  }
  EXPECT_EQ(server_.server().revision(), before);
  auto ghor = v1::InteropService::NewStub(ChannelAs("ghor"));
  const grpc::Status imported = ghor->ImportAlertCap(Deadline().get(), request, &response);
  ASSERT_TRUE(imported.ok()) << imported.error_message();
  EXPECT_EQ(response.written().record().name(), "alerts/stroomstoring-noord");
  EXPECT_EQ(response.written().record().alert().headline(), "Stroomstoring Den Helder-Noord");
  EXPECT_EQ(response.written().record().updated_by().role(), v1::ROLE_GHOR);

  auto institution = v1::InteropService::NewStub(ChannelAs("institution"));
  v1::ExportAlertCapRequest export_request;
  export_request.set_alert_id("stroomstoring-noord");
  v1::XmlExport exported;
  const grpc::Status status = institution->ExportAlertCap(Deadline().get(), export_request, &exported);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(exported.xml(), HasSubstr("<identifier>stroomstoring-noord</identifier>"));
  EXPECT_THAT(exported.xml(), HasSubstr("<sender>ketenbeeld"));
  EXPECT_THAT(exported.xml(), HasSubstr("<headline>Stroomstoring Den Helder-Noord</headline>"));
  export_request.set_alert_id("bestaat-niet");
  EXPECT_EQ(institution->ExportAlertCap(Deadline().get(), export_request, &exported).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace ketenbeeld::testing

namespace ketenbeeld::testing {
namespace {

// --- The brief (issue 19) -------------------------------------------------------------------------------------------

TEST_F(AccessTest, TheBriefShowsTheBestuurOnlySumsOfTheMinimumGroupAndAnswersBadInputByField) {
  SetUpRegion();  // IC 4 + 2, one organisation short of the minimum group.
  v1::OpenIncidentRequest open;
  v1::Incident& incident = *open.mutable_incident();
  incident.set_id("dijk");
  incident.set_title("Dijkdoorbraak");
  incident.set_type("overstroming");
  incident.set_scale_up_level("GRIP 2");
  incident.set_safety_region("VR10");
  v1::WriteResponse opened;
  const grpc::Status open_status =
      v1::IncidentService::NewStub(ChannelAs("ghor"))->OpenIncident(Deadline().get(), open, &opened);
  ASSERT_TRUE(open_status.ok()) << open_status.error_message();

  auto brief_as = [&](const std::string& reader, const v1::GetSituationReportRequest& request,
                      v1::SituationReport* report) {
    return v1::ReportService::NewStub(ChannelAs(reader))->GetSituationReport(Deadline().get(), request, report);
  };
  v1::GetSituationReportRequest request;
  request.set_incident_id("dijk");
  request.set_revision(opened.revision());
  v1::SituationReport ghor;
  const grpc::Status ghor_status = brief_as("ghor", request, &ghor);
  ASSERT_TRUE(ghor_status.ok()) << ghor_status.error_message();
  ASSERT_EQ(ghor.capacity_size(), 1);
  EXPECT_EQ(ghor.capacity(0).available().value(), 6);
  EXPECT_EQ(ghor.capacity(0).available().provenance_size(), 2);
  EXPECT_FALSE(ghor.detail_withheld());
  EXPECT_THAT(ghor.markdown(), ::testing::HasSubstr("# Situatierapport voor het bestuur: Dijkdoorbraak"));
  v1::SituationReport again;
  ASSERT_TRUE(brief_as("ghor", request, &again).ok());
  EXPECT_EQ(again.markdown(), ghor.markdown()) << "the same revision gives the same bytes";

  // The bestuur gets no figures of a past revision (they could be subtracted from today's), only the published ones
  // of now, where a sum of fewer than the minimum group is withheld.
  v1::SituationReport past;
  const grpc::Status past_status = brief_as("bestuur", request, &past);
  ASSERT_TRUE(past_status.ok()) << past_status.error_message();
  EXPECT_TRUE(past.figures_withheld());
  EXPECT_TRUE(past.capacity().empty());
  EXPECT_EQ(past.incident().id(), "dijk");
  v1::GetSituationReportRequest now;
  now.set_incident_id("dijk");
  v1::SituationReport bestuur;
  const grpc::Status bestuur_status = brief_as("bestuur", now, &bestuur);
  ASSERT_TRUE(bestuur_status.ok()) << bestuur_status.error_message();
  EXPECT_TRUE(bestuur.detail_withheld());
  EXPECT_TRUE(bestuur.trend_withheld());
  EXPECT_FALSE(bestuur.figures_withheld());
  ASSERT_EQ(bestuur.capacity_size(), 1);
  EXPECT_TRUE(bestuur.capacity(0).available().withheld());
  EXPECT_FALSE(bestuur.capacity(0).available().has_value());
  EXPECT_TRUE(bestuur.capacity(0).available().provenance().empty());

  v1::SituationReport ignored;
  EXPECT_EQ(brief_as("institution", request, &ignored).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(brief_as("dispatch", request, &ignored).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  auto refused = [&](const v1::GetSituationReportRequest& bad) {
    const grpc::Status status = brief_as("bestuur", bad, &ignored);
    return absl::StrCat(status.error_code(), " ", status.error_message());
  };
  v1::GetSituationReportRequest unknown = request;
  unknown.set_incident_id("bestaat-niet");
  EXPECT_THAT(refused(unknown), ::testing::StartsWith(absl::StrCat(grpc::StatusCode::NOT_FOUND, " incident_id")));
  v1::GetSituationReportRequest both = request;
  *both.mutable_at_time() = ToProtoTime(absl::Now());
  EXPECT_THAT(refused(both), ::testing::StartsWith(absl::StrCat(grpc::StatusCode::INVALID_ARGUMENT, " at_time")));
  v1::GetSituationReportRequest future;
  future.set_incident_id("dijk");
  *future.mutable_at_time() = ToProtoTime(absl::Now() + absl::Hours(1));
  EXPECT_THAT(refused(future), ::testing::StartsWith(absl::StrCat(grpc::StatusCode::OUT_OF_RANGE, " at_time")));
  v1::GetSituationReportRequest ahead = request;
  ahead.set_revision(opened.revision() + 1000);
  EXPECT_THAT(refused(ahead), ::testing::StartsWith(absl::StrCat(grpc::StatusCode::OUT_OF_RANGE, " revision")));
  v1::GetSituationReportRequest language = request;
  language.set_language("fr");
  EXPECT_THAT(refused(language), ::testing::StartsWith(absl::StrCat(grpc::StatusCode::INVALID_ARGUMENT, " language")));
}

}  // namespace
}  // namespace ketenbeeld::testing
