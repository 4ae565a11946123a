// What crosses upward (issue 20, docs/federation-policy.md), through the real server with bearer tokens on loopback:
// a federation identity subscribes to the region's feed and reads the picture, and sees the hospitals' exact figures,
// the nursing homes only inside "aggregates/long-term-care", no free text and no contacts; the aggregate is withheld
// while fewer than the minimum group (3) report and present once enough do; it writes nothing.
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "tests/security/token_line.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kFedHomes[] = {"vvt-a", "vvt-b", "vvt-c"};
constexpr const char* kFedFreeText = "GEHEIM-opmerking";
constexpr const char* kFedPhone = "+31 72 000 0000";  // MakeOrganization's contact phone.

std::map<std::string, std::pair<std::string, std::string>> FederationIdentities() {
  std::map<std::string, std::pair<std::string, std::string>> identities = {
      {"operator", {"beheer", "operator"}},
      {"ghor", {"ghor-vr10", "ghor"}},
      {"federation", {"federatie-vr10", "federation"}},
      {"zh-noord", {"zh-noord", "institution"}}};
  for (const char* home : kFedHomes) identities[home] = {home, "institution"};
  return identities;
}

std::string FedToken(const std::string& name) { return absl::StrCat("token-federatie-", name); }

class UpwardPolicyTest : public ::testing::Test {
 protected:
  UpwardPolicyTest()
      : tokens_file_(WriteTokens(tokens_dir_.path())), server_([this](app::ServerOptions& options) {
          options.tokens_file = tokens_file_;
          options.min_aggregate_group = 3;
        }) {}

  static std::string WriteTokens(const std::string& dir) {
    const std::string path = dir + "/tokens";
    std::ofstream file(path);
    for (const auto& [name, identity] : FederationIdentities()) {
      file << TokenLine(FedToken(name), identity.first, identity.second, name);
    }
    return path;
  }

  std::shared_ptr<grpc::Channel> As(const std::string& name) {
    return client::Connect(server_.server().address(), {.token = FedToken(name)});
  }

  void SetUp() override {
    auto registry = v1::PictureService::NewStub(As("operator"));
    v1::Organization hospital = MakeOrganization("zh-noord");
    hospital.mutable_contact()->set_name("Jan Jansen");
    hospital.mutable_contact()->set_email("jan@zh-noord.nl");
    ASSERT_TRUE(Register(*registry, hospital).ok());
    ASSERT_TRUE(Register(*registry, MakeOrganization("ghor-vr10", v1::ORGANIZATION_KIND_GHOR)).ok());
    for (const char* home : kFedHomes) {
      ASSERT_TRUE(Register(*registry, MakeOrganization(home, v1::ORGANIZATION_KIND_NURSING_HOME)).ok()) << home;
    }
  }

  // The hospital reports exact IC figures, with a remark and a reporter.
  void HospitalReports(int ic_available) {
    v1::StatusReport report = MakeReport("zh-noord", ic_available);
    report.set_free_text(kFedFreeText);
    report.mutable_disruptions(0)->set_description(kFedFreeText);
    report.mutable_reporter()->set_phone("06-12345678");
    const grpc::Status status = Report(*v1::PictureService::NewStub(As("zh-noord")), report);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // A nursing home reports its own places.
  void HomeReports(const std::string& home, int available, int occupied) {
    v1::StatusReport report;
    report.set_organization_id(home);
    report.set_overall_status(v1::OVERALL_STATUS_STRAINED);
    v1::Capacity& places = *report.add_capacity();
    places.set_type(v1::BED_TYPE_NURSING_HOME);
    places.set_available(available);
    places.set_occupied(occupied);
    v1::Disruption& shortage = *report.add_disruptions();
    shortage.set_type(v1::DISRUPTION_TYPE_STAFF_SHORTAGE);
    shortage.set_severity(v1::SEVERITY_MINOR);
    shortage.set_description(kFedFreeText);
    report.set_free_text(kFedFreeText);
    const grpc::Status status = Report(*v1::PictureService::NewStub(As(home)), report);
    ASSERT_TRUE(status.ok()) << home << ": " << status.error_message();
  }

  v1::ListResponse ListAs(const std::string& reader) {
    v1::ListRequest request;
    v1::ListResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    const grpc::Status status = v1::PictureService::NewStub(As(reader))->List(&context, request, &response);
    EXPECT_TRUE(status.ok()) << reader << ": " << status.error_message();
    return response;
  }

  static const v1::Record* Find(const v1::ListResponse& list, absl::string_view name) {
    for (const v1::Record& record : list.records()) {
      if (record.name() == name) return &record;
    }
    return nullptr;
  }

  TempDir tokens_dir_;
  std::string tokens_file_;
  TestServer server_;
};

// Nothing about a nursing home but the aggregate, and no free text or contacts in any record or event.
void ExpectOnlyWhatCrossesUpward(const std::vector<v1::Record>& records) {
  for (const v1::Record& record : records) {
    const std::string text = record.Utf8DebugString();
    EXPECT_THAT(text, Not(HasSubstr("vvt-"))) << "a nursing home crossed: " << text;
    EXPECT_THAT(text, Not(HasSubstr(kFedFreeText))) << text;
    EXPECT_THAT(text, Not(HasSubstr(kFedPhone))) << text;
    EXPECT_THAT(text, Not(HasSubstr("06-12345678"))) << text;
    EXPECT_THAT(text, Not(HasSubstr("Jan Jansen"))) << text;
    EXPECT_THAT(text, Not(HasSubstr("jan@zh-noord.nl"))) << text;
    EXPECT_THAT(text, Not(HasSubstr("Crisiscoördinator"))) << text;
    EXPECT_THAT(text, Not(HasSubstr("token:"))) << "an actor's subject crossed: " << text;
  }
}

TEST_F(UpwardPolicyTest, TheFeedCarriesExactHospitalFiguresAndNursingHomesOnlyAsAnAggregate) {
  HospitalReports(4);
  // Two nursing homes report: fewer than the minimum group, so the aggregate is withheld.
  HomeReports("vvt-a", 2, 40);
  HomeReports("vvt-b", 5, 30);

  auto federation = v1::PictureService::NewStub(As("federation"));
  FeedReader feed(*federation, v1::SubscribeRequest());
  ASSERT_TRUE(feed.WaitUntilSynced());
  std::vector<v1::Record> seen;
  for (const v1::SubscribeResponse& message : feed.messages()) {
    for (const v1::Record& record : message.snapshot().records()) seen.push_back(record);
  }
  const auto snapshot_record = [&](absl::string_view name) -> const v1::Record* {
    for (const v1::Record& record : seen) {
      if (record.name() == name) return &record;
    }
    return nullptr;
  };
  const v1::Record* hospital = snapshot_record("organizations/zh-noord/status");
  ASSERT_NE(hospital, nullptr) << "the hospital's status crosses";
  ASSERT_EQ(hospital->status_report().capacity_size(), 1);
  EXPECT_EQ(hospital->status_report().capacity(0).available(), 4) << "exact, not published figures";
  EXPECT_EQ(hospital->status_report().capacity(0).occupied(), 10);
  EXPECT_FALSE(hospital->status_report().detail_withheld());
  const v1::Record* registration = snapshot_record("organizations/zh-noord");
  ASSERT_NE(registration, nullptr);
  EXPECT_FALSE(registration->organization().has_contact());
  const v1::Record* withheld = snapshot_record("aggregates/long-term-care");
  ASSERT_NE(withheld, nullptr) << "the aggregate exists while withheld";
  EXPECT_TRUE(withheld->sector_aggregate().withheld_below_minimum());
  EXPECT_EQ(withheld->sector_aggregate().organizations_reporting(), 2);
  EXPECT_EQ(withheld->sector_aggregate().beds_size(), 0);
  EXPECT_EQ(withheld->sector_aggregate().min_group_size(), 3);

  // The third nursing home reports: the aggregate comes with figures, in the same commit group as the report.
  HomeReports("vvt-c", 1, 20);
  const int64_t third = server_.server().revision();
  ASSERT_TRUE(feed.WaitForRevision(third));
  std::vector<v1::Event> events = feed.events();
  const v1::Event* aggregate = nullptr;
  for (const v1::Event& event : events) {
    seen.push_back(event.record());
    EXPECT_THAT(event.actor().subject(), Not(HasSubstr("token:")));
    if (event.record().name() == "aggregates/long-term-care") aggregate = &event;
  }
  ASSERT_NE(aggregate, nullptr) << "the aggregate's change reaches the feed";
  EXPECT_EQ(aggregate->revision(), third) << "derived in the report's commit group, as its last change";
  EXPECT_EQ(aggregate->group_last_revision(), third);
  EXPECT_EQ(aggregate->actor().role(), v1::ROLE_SYSTEM) << "the nursing home that moved it is not named";
  const v1::SectorAggregate& sums = aggregate->record().sector_aggregate();
  EXPECT_FALSE(sums.withheld_below_minimum());
  EXPECT_EQ(sums.organizations_reporting(), 3);
  ASSERT_EQ(sums.beds_size(), 1);
  EXPECT_EQ(sums.beds(0).type(), v1::BED_TYPE_NURSING_HOME);
  EXPECT_EQ(sums.beds(0).available(), 2 + 5 + 1);
  EXPECT_EQ(sums.beds(0).total(), 2 + 40 + 5 + 30 + 1 + 20);
  ASSERT_EQ(sums.disruptions_size(), 1);
  EXPECT_EQ(sums.disruptions(0).organizations(), 3);
  ExpectOnlyWhatCrossesUpward(seen);
}

TEST_F(UpwardPolicyTest, ListGetAndHistoryShowTheSameAndGetRefusesANursingHome) {
  HospitalReports(7);
  for (const char* home : kFedHomes) HomeReports(home, 3, 10);

  const v1::ListResponse list = ListAs("federation");
  std::vector<v1::Record> records(list.records().begin(), list.records().end());
  ExpectOnlyWhatCrossesUpward(records);
  const v1::Record* hospital = Find(list, "organizations/zh-noord/status");
  ASSERT_NE(hospital, nullptr);
  EXPECT_EQ(hospital->status_report().capacity(0).available(), 7);
  const v1::Record* aggregate = Find(list, "aggregates/long-term-care");
  ASSERT_NE(aggregate, nullptr);
  EXPECT_EQ(aggregate->sector_aggregate().beds(0).available(), 9);

  auto federation = v1::PictureService::NewStub(As("federation"));
  v1::GetRequest get;
  get.set_name("organizations/vvt-a/status");
  v1::GetResponse got;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const grpc::Status refused = federation->Get(&context, get, &got);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), HasSubstr("name: \"organizations/vvt-a/status\" does not cross upward"));
  EXPECT_FALSE(got.has_record());

  v1::HistoryRequest history;
  v1::HistoryResponse events;
  grpc::ClientContext history_context;
  history_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const grpc::Status read = federation->History(&history_context, history, &events);
  ASSERT_TRUE(read.ok()) << read.error_message();
  std::vector<v1::Record> history_records;
  for (const v1::Event& event : events.events()) history_records.push_back(event.record());
  EXPECT_FALSE(history_records.empty());
  ExpectOnlyWhatCrossesUpward(history_records);

  // The GHOR sees the live sums; an institution sees the aggregate without figures (its sums are the published ones).
  const v1::ListResponse ghor_list = ListAs("ghor");
  const v1::Record* ghor = Find(ghor_list, "aggregates/long-term-care");
  ASSERT_NE(ghor, nullptr);
  EXPECT_EQ(ghor->sector_aggregate().beds(0).available(), 9);
  const v1::ListResponse institution_list = ListAs("vvt-a");
  const v1::Record* institution = Find(institution_list, "aggregates/long-term-care");
  ASSERT_NE(institution, nullptr);
  EXPECT_TRUE(institution->sector_aggregate().detail_withheld());
  EXPECT_EQ(institution->sector_aggregate().beds_size(), 0);
}

TEST_F(UpwardPolicyTest, TheFederationRoleWritesNothing) {
  const grpc::Status status = Report(*v1::PictureService::NewStub(As("federation")), MakeReport("federatie-vr10"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("role federation may not call"));
}

}  // namespace
}  // namespace ketenbeeld::testing
