// Writes and reads through the gRPC API: validation, compare-and-set, Get/List at past revisions, History.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/service_context.h"
#include "server/state/records.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;
using v1::GetRequest;
using v1::GetResponse;

grpc::Status GetRecord(v1::PictureService::Stub& stub, const std::string& name, int64_t revision,
                       GetResponse* response) {
  grpc::ClientContext context;
  GetRequest request;
  request.set_name(name);
  request.set_revision(revision);
  return stub.Get(&context, request, response);
}

grpc::Status ListRecords(v1::PictureService::Stub& stub, const v1::ListRequest& request, v1::ListResponse* response) {
  grpc::ClientContext context;
  return stub.List(&context, request, response);
}

TEST(PictureServiceTest, RegisterReportAndReadBack) {
  TestServer server;
  v1::WriteResponse registered;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("zh-noord"), &registered).ok());
  EXPECT_EQ(registered.revision(), 1);
  EXPECT_EQ(registered.record().name(), "organizations/zh-noord");
  EXPECT_EQ(registered.record().organization().sector(), v1::SECTOR_ACUTE_CARE);  // Derived by the server.
  EXPECT_EQ(registered.record().scope().safety_region(), "VR10");

  v1::WriteResponse reported;
  ASSERT_TRUE(Report(server.stub(), MakeReport("zh-noord", 4), &reported).ok());
  EXPECT_EQ(reported.revision(), 2);
  EXPECT_EQ(reported.record().name(), "organizations/zh-noord/status");
  EXPECT_TRUE(reported.record().status_report().has_commit_time());
  EXPECT_TRUE(reported.record().status_report().has_next_report_due());
  EXPECT_EQ(reported.record().create_revision(), 2);
  EXPECT_EQ(reported.record().mod_revision(), 2);

  GetResponse got;
  ASSERT_TRUE(GetRecord(server.stub(), "organizations/zh-noord/status", 0, &got).ok());
  EXPECT_EQ(got.revision(), 2);
  EXPECT_EQ(got.record().status_report().capacity(0).available(), 4);
  EXPECT_FALSE(got.record().status_report().capacity(0).has_baseline());  // Not reported stays not reported.
}

// ReportStatus and RegisterOrganization answer with bytes assembled from the stored record (api::WriteResponseBytes):
// the client must get exactly the record that Get returns, at the write's revision.
TEST(PictureServiceTest, WritesAnswerTheRecordAsStored) {
  TestServer server;
  v1::WriteResponse registered;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("zh-west"), &registered).ok());
  v1::WriteResponse reported;
  ASSERT_TRUE(Report(server.stub(), MakeReport("zh-west", 7), &reported).ok());
  for (const v1::WriteResponse* written : {&registered, &reported}) {
    GetResponse got;
    ASSERT_TRUE(GetRecord(server.stub(), written->record().name(), written->revision(), &got).ok());
    EXPECT_EQ(written->record().SerializeAsString(), got.record().SerializeAsString()) << written->record().name();
    EXPECT_EQ(written->record().mod_revision(), written->revision());
    EXPECT_FALSE(written->replayed());
  }
}

// The bytes are those of the generated serializer, field by field: revision, record, replayed, each only when set.
TEST(WriteResponseBytesTest, AreTheGeneratedSerializersBytes) {
  v1::Record record;
  record.set_name("organizations/zh-west/status");
  record.set_mod_revision(300);
  *record.mutable_status_report() = MakeReport("zh-west", 3);
  const state::RecordPtr stored = state::MakeRecord(record);
  struct Case {
    int64_t revision;
    state::RecordPtr record;
    bool replayed;
  };
  for (const Case& c : {Case{300, stored, false}, Case{300, stored, true}, Case{1LL << 40, nullptr, false},
                        Case{0, nullptr, false}, Case{5, nullptr, true}}) {
    v1::WriteResponse expected;
    expected.set_revision(c.revision);
    expected.set_replayed(c.replayed);
    if (c.record != nullptr) *expected.mutable_record() = c.record->record;
    const std::string bytes = api::WriteResponseBytes(
        pipeline::WriteResult{.revision = c.revision, .record = c.record, .replayed = c.replayed});
    EXPECT_EQ(bytes, expected.SerializeAsString()) << "revision " << c.revision << " replayed " << c.replayed;
    v1::WriteResponse parsed;
    ASSERT_TRUE(parsed.ParseFromString(bytes));
    EXPECT_EQ(parsed.revision(), c.revision);
  }
}

TEST(PictureServiceTest, InvalidInputIsRefusedNamingTheFieldAndChangesNothing) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("zh-noord")).ok());
  const int64_t revision = server.server().revision();

  struct Case {
    std::string label;
    grpc::Status status;
    std::string field;
  };
  std::vector<Case> cases;
  {
    v1::Organization organization = MakeOrganization("Bad Id!");
    cases.push_back({"bad id", Register(server.stub(), organization), "organization.id"});
  }
  {
    v1::Organization organization = MakeOrganization("ok-id", v1::ORGANIZATION_KIND_HOSPITAL, "VR99");
    cases.push_back({"bad region", Register(server.stub(), organization), "organization.safety_region"});
  }
  {
    v1::StatusReport report = MakeReport("zh-noord");
    report.mutable_capacity(0)->set_available(-1);
    cases.push_back({"negative count", Report(server.stub(), report), "report.capacity[0].available"});
  }
  {
    v1::StatusReport report = MakeReport("zh-noord");
    report.set_overall_status(v1::OVERALL_STATUS_UNSPECIFIED);
    cases.push_back({"missing status", Report(server.stub(), report), "report.overall_status"});
  }
  {
    v1::StatusReport report = MakeReport("zh-noord");
    report.set_overall_status(static_cast<v1::OverallStatus>(77));
    cases.push_back({"unknown enum", Report(server.stub(), report), "report.overall_status"});
  }
  {
    v1::StatusReport report = MakeReport("unknown-org");
    cases.push_back({"unknown organisation", Report(server.stub(), report), "report.organization_id"});
  }
  {
    v1::StatusReport report = MakeReport("zh-noord");
    report.set_location_id("nowhere");
    cases.push_back({"unknown location", Report(server.stub(), report), "report.location_id"});
  }
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.label << ": " << c.status.error_message();
    EXPECT_THAT(c.status.error_message(), HasSubstr(c.field)) << c.label;
  }
  EXPECT_EQ(server.server().revision(), revision);
  GetResponse got;
  EXPECT_EQ(GetRecord(server.stub(), "organizations/zh-noord/status", 0, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(PictureServiceTest, OversizedRequestIsResourceExhausted) {
  TestServer server;
  v1::Organization organization = MakeOrganization("zh-noord");
  organization.set_name(std::string(2 << 20, 'x'));
  EXPECT_EQ(Register(server.stub(), organization).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(server.server().revision(), 0);
}

TEST(PictureServiceTest, CompareAndSetOnExpectedRevision) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("zh-noord")).ok());
  v1::ReportStatusRequest request;
  *request.mutable_report() = MakeReport("zh-noord");
  request.set_expected_revision(0);  // Must not exist yet.
  v1::WriteResponse first;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server.stub().ReportStatus(&context, request, &first).ok());
  }
  {
    grpc::ClientContext context;
    v1::WriteResponse response;
    grpc::Status status = server.stub().ReportStatus(&context, request, &response);  // Exists now.
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  }
  request.set_expected_revision(first.revision());
  {
    grpc::ClientContext context;
    v1::WriteResponse response;
    ASSERT_TRUE(server.stub().ReportStatus(&context, request, &response).ok());
    EXPECT_EQ(response.record().create_revision(), first.revision());
    EXPECT_GT(response.record().mod_revision(), first.revision());
  }
  {
    grpc::ClientContext context;
    v1::WriteResponse response;
    EXPECT_EQ(server.stub().ReportStatus(&context, request, &response).error_code(), grpc::StatusCode::ABORTED);
  }
}

TEST(PictureServiceTest, GetAndListAtPastRevisions) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());  // 1
  ASSERT_TRUE(Report(server.stub(), MakeReport("a", 1)).ok());       // 2
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("b")).ok());  // 3
  ASSERT_TRUE(Report(server.stub(), MakeReport("a", 7)).ok());       // 4

  GetResponse got;
  ASSERT_TRUE(GetRecord(server.stub(), "organizations/a/status", 3, &got).ok());
  EXPECT_EQ(got.revision(), 3);
  EXPECT_EQ(got.record().status_report().capacity(0).available(), 1);
  ASSERT_TRUE(GetRecord(server.stub(), "organizations/a/status", 0, &got).ok());
  EXPECT_EQ(got.record().status_report().capacity(0).available(), 7);
  EXPECT_EQ(GetRecord(server.stub(), "organizations/b", 2, &got).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetRecord(server.stub(), "organizations/b", 99, &got).error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(GetRecord(server.stub(), "not-a-name", 0, &got).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListRequest request;
  request.set_revision(2);
  v1::ListResponse listed;
  ASSERT_TRUE(ListRecords(server.stub(), request, &listed).ok());
  ASSERT_EQ(listed.records_size(), 2);
  EXPECT_EQ(listed.records(0).name(), "organizations/a");
  EXPECT_EQ(listed.records(1).name(), "organizations/a/status");

  // Pages at the latest revision stay at that revision while writes continue.
  request.set_revision(0);
  request.set_page_size(1);
  ASSERT_TRUE(ListRecords(server.stub(), request, &listed).ok());
  EXPECT_EQ(listed.revision(), 4);
  ASSERT_FALSE(listed.next_page_token().empty());
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("c")).ok());  // 5
  std::vector<std::string> names = {listed.records(0).name()};
  while (!listed.next_page_token().empty()) {
    v1::ListRequest next;
    next.set_page_size(1);
    next.set_page_token(listed.next_page_token());
    ASSERT_TRUE(ListRecords(server.stub(), next, &listed).ok());
    EXPECT_EQ(listed.revision(), 4);
    for (const auto& record : listed.records()) names.push_back(record.name());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("organizations/a", "organizations/a/status", "organizations/b"));
}

// The picture at any moment (ListRequest.at_time): the last revision committed at or before that time, with clear
// errors for a moment before the first revision, in the future, or before the retained log.
TEST(PictureServiceTest, ListAtATimeReadsThePictureAsItWasThen) {
  TestServer server;
  v1::WriteResponse first;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a"), &first).ok());  // 1
  absl::SleepFor(absl::Milliseconds(2));
  v1::WriteResponse reported;
  ASSERT_TRUE(Report(server.stub(), MakeReport("a", 1), &reported).ok());  // 2
  absl::SleepFor(absl::Milliseconds(2));
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("b")).ok());  // 3
  ASSERT_TRUE(Report(server.stub(), MakeReport("a", 7)).ok());       // 4

  v1::ListRequest request;
  *request.mutable_at_time() = reported.record().update_time();
  v1::ListResponse listed;
  ASSERT_TRUE(ListRecords(server.stub(), request, &listed).ok());
  EXPECT_EQ(listed.revision(), 2);
  ASSERT_EQ(listed.records_size(), 2);
  EXPECT_EQ(listed.records(1).status_report().capacity(0).available(), 1);
  // Between two commits: the earlier one.
  *request.mutable_at_time() = ToProtoTime(FromProtoTime(reported.record().update_time()) - absl::Microseconds(1));
  ASSERT_TRUE(ListRecords(server.stub(), request, &listed).ok());
  EXPECT_EQ(listed.revision(), 1);

  grpc::Status status;
  *request.mutable_at_time() = ToProtoTime(FromProtoTime(first.record().update_time()) - absl::Seconds(1));
  status = ListRecords(server.stub(), request, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::StartsWith("at_time: "));
  EXPECT_THAT(status.error_message(), HasSubstr("is before the first revision (committed at "));

  *request.mutable_at_time() = ToProtoTime(absl::Now() + absl::Hours(1));
  status = ListRecords(server.stub(), request, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(status.error_message(), HasSubstr("is in the future; the server's time is"));

  *request.mutable_at_time() = reported.record().update_time();
  request.set_revision(3);
  status = ListRecords(server.stub(), request, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("at_time: give either revision or at_time"));

  // Compacted: the moment of revision 2 can no longer be told apart; the answer names the retention limit.
  ASSERT_TRUE(server.server().CompactLog(3).ok());
  request.set_revision(0);
  status = ListRecords(server.stub(), request, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              HasSubstr("is before the retained log: the history up to revision 3 was compacted away; the oldest "
                        "moment that can be shown is revision 4 (committed at "));
}

// Exercise mode: a read naming an exercise that was never started is refused naming the field.
TEST(PictureServiceTest, ReadsOfAnUnknownExerciseAreInvalidNamingTheField) {
  TestServer server;
  v1::ListRequest request;
  request.mutable_filter()->set_exercise_id("oef-9");
  v1::ListResponse listed;
  const grpc::Status status = ListRecords(server.stub(), request, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("filter.exercise_id: no exercise \"oef-9\""));
  grpc::ClientContext context;
  v1::HistoryRequest history;
  history.mutable_filter()->set_exercise_id("Oef 9");
  v1::HistoryResponse events;
  EXPECT_EQ(server.stub().History(&context, history, &events).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// One server per safety region: an organisation of another region belongs on that region's server, and is refused
// here naming the field, before anything is written.
TEST(PictureServiceTest, AnOrganisationOfAnotherSafetyRegionIsRefused) {
  TestServer server;  // VR10.
  const grpc::Status refused = Register(server.stub(), MakeOrganization("far", v1::ORGANIZATION_KIND_HOSPITAL, "VR11"));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
  EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("organization.safety_region: \"VR11\" is not this "
                                                            "server's safety region (VR10)"));
  EXPECT_EQ(server.server().revision(), 0);
  EXPECT_TRUE(Register(server.stub(), MakeOrganization("near", v1::ORGANIZATION_KIND_HOSPITAL, "VR10")).ok());
}

TEST(PictureServiceTest, ListFiltersByKindRegionAndSector) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("zh", v1::ORGANIZATION_KIND_HOSPITAL, "VR10")).ok());
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("vvt", v1::ORGANIZATION_KIND_NURSING_HOME, "VR10")).ok());
  ASSERT_TRUE(Report(server.stub(), MakeReport("vvt")).ok());

  v1::ListRequest request;
  request.mutable_filter()->add_safety_regions("VR10");
  request.mutable_filter()->add_sectors(v1::SECTOR_LONG_TERM_CARE);
  v1::ListResponse listed;
  ASSERT_TRUE(ListRecords(server.stub(), request, &listed).ok());
  // The sector's aggregate (docs/federation-policy.md) is a record of the region and sector too.
  ASSERT_EQ(listed.records_size(), 3);
  EXPECT_EQ(listed.records(0).name(), "aggregates/long-term-care");
  EXPECT_EQ(listed.records(1).name(), "organizations/vvt");
  EXPECT_EQ(listed.records(2).name(), "organizations/vvt/status");

  request.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  ASSERT_TRUE(ListRecords(server.stub(), request, &listed).ok());
  ASSERT_EQ(listed.records_size(), 1);

  request.mutable_filter()->add_safety_regions("bogus");
  EXPECT_EQ(ListRecords(server.stub(), request, &listed).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(PictureServiceTest, HistoryByRevisionRangeWithPages) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(Report(server.stub(), MakeReport("a", i)).ok());  // Revisions 2..10.

  std::vector<int64_t> revisions;
  v1::HistoryRequest request;
  request.set_from_revision(3);
  request.set_to_revision(9);
  request.set_page_size(3);
  while (true) {
    grpc::ClientContext context;
    v1::HistoryResponse response;
    ASSERT_TRUE(server.stub().History(&context, request, &response).ok());
    EXPECT_EQ(response.revision(), 10);
    for (const auto& event : response.events()) revisions.push_back(event.revision());
    if (response.next_from_revision() == 0) break;
    request.set_from_revision(response.next_from_revision());
  }
  EXPECT_THAT(revisions, ::testing::ElementsAre(3, 4, 5, 6, 7, 8, 9));

  grpc::ClientContext context;
  v1::HistoryResponse response;
  request.set_from_revision(50);
  request.set_to_revision(0);
  EXPECT_EQ(server.stub().History(&context, request, &response).error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

// A History or a List at a past revision whose filter matches little scans at most the configured number of records
// per call, then answers with what it found and a continuation point (issue 14: one call scanned 64 MiB). Following
// the continuation returns every match exactly once.
TEST(PictureServiceTest, ScansStopAtTheScanLimitAndContinueWithoutGapsOrDuplicates) {
  TestServer server([](app::ServerOptions& options) { options.scan_limits.max_records = 4; });
  // 15 organisations, every fifth a hospital (revisions 1, 6, 11); the filter selects the hospitals.
  for (int i = 0; i < 15; ++i) {
    const v1::OrganizationKind kind = i % 5 == 0 ? v1::ORGANIZATION_KIND_HOSPITAL : v1::ORGANIZATION_KIND_NURSING_HOME;
    ASSERT_TRUE(Register(server.stub(), MakeOrganization(absl::StrCat("org-", i / 10, i % 10), kind)).ok());
  }
  v1::Filter hospitals;
  hospitals.add_sectors(v1::SECTOR_ACUTE_CARE);

  std::vector<int64_t> revisions;
  int calls = 0;
  v1::HistoryRequest history;
  *history.mutable_filter() = hospitals;
  for (; calls < 20; ++calls) {
    grpc::ClientContext context;
    v1::HistoryResponse response;
    ASSERT_TRUE(server.stub().History(&context, history, &response).ok());
    for (const auto& event : response.events()) revisions.push_back(event.revision());
    if (response.next_from_revision() == 0) break;
    history.set_from_revision(response.next_from_revision());
  }
  EXPECT_THAT(revisions, ::testing::ElementsAre(1, 6, 11));
  EXPECT_EQ(calls + 1, 4);  // 15 log entries, 4 per call.

  // A later write makes revision 15 a past revision, read from the store's key index.
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("org-99")).ok());
  std::vector<std::string> names;
  v1::ListRequest list;
  list.set_revision(15);
  *list.mutable_filter() = hospitals;
  int pages = 0;
  for (; pages < 20; ++pages) {
    v1::ListResponse listed;
    ASSERT_TRUE(ListRecords(server.stub(), list, &listed).ok());
    EXPECT_EQ(listed.revision(), 15);
    EXPECT_LE(listed.records_size(), 4);
    for (const auto& record : listed.records()) names.push_back(record.name());
    if (listed.next_page_token().empty()) break;
    list.set_page_token(listed.next_page_token());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("organizations/org-00", "organizations/org-05", "organizations/org-10"));
  EXPECT_GE(pages + 1, 4);  // 15 names, 4 scanned per call.

  // A token the server did not make is INVALID_ARGUMENT naming the field.
  for (const std::string token : {"garbage", "15/", "-3/organizations/a", "/organizations/a"}) {
    list.set_page_token(token);
    v1::ListResponse listed;
    const grpc::Status status = ListRecords(server.stub(), list, &listed);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << token;
    EXPECT_THAT(status.error_message(), HasSubstr("page_token")) << token;
  }
}

TEST(PictureServiceTest, HistoryWithFromAfterToIsInvalidArgumentNamingTheField) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  ASSERT_TRUE(Report(server.stub(), MakeReport("a", 1)).ok());
  v1::HistoryRequest by_revision;
  by_revision.set_from_revision(2);
  by_revision.set_to_revision(1);
  v1::HistoryRequest by_time;
  by_time.mutable_from_time()->set_seconds(2'000'000'000);
  by_time.mutable_to_time()->set_seconds(1'000'000'000);
  for (const auto& [request, field] : {std::pair{&by_revision, "to_revision: 1 is before from_revision 2"},
                                       std::pair{&by_time, "to_time: before from_time"}}) {
    grpc::ClientContext context;
    v1::HistoryResponse response;
    const grpc::Status status = server.stub().History(&context, *request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(field));
  }
  // One revision (from == to) is a valid range.
  by_revision.set_to_revision(2);
  grpc::ClientContext context;
  v1::HistoryResponse response;
  ASSERT_TRUE(server.stub().History(&context, by_revision, &response).ok());
  EXPECT_EQ(response.events_size(), 1);
}

TEST(PictureServiceTest, StateAndRevisionSurviveRestart) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  ASSERT_TRUE(Report(server.stub(), MakeReport("a", 5)).ok());
  server.Restart();
  EXPECT_EQ(server.server().revision(), 2);
  GetResponse got;
  ASSERT_TRUE(GetRecord(server.stub(), "organizations/a/status", 0, &got).ok());
  EXPECT_EQ(got.record().status_report().capacity(0).available(), 5);
  v1::WriteResponse next;
  ASSERT_TRUE(Report(server.stub(), MakeReport("a", 6), &next).ok());
  EXPECT_EQ(next.revision(), 3);
}

}  // namespace
}  // namespace ketenbeeld::testing
