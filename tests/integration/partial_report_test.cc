// Partial status reports (ReportStatusRequest.update_mask) through the gRPC API: a report changes only what it names,
// on ReportStatus and PublishStatus alike; bad masks and a partial first report are refused with nothing written;
// compare-and-set still holds; feeds and History carry the mask.
#include <chrono>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

grpc::Status ReportPart(v1::PictureService::Stub& stub, const v1::StatusReport& report,
                        std::initializer_list<std::string> paths, v1::WriteResponse* written = nullptr,
                        std::optional<int64_t> expected_revision = std::nullopt) {
  v1::ReportStatusRequest request;
  *request.mutable_report() = report;
  for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
  if (expected_revision.has_value()) request.set_expected_revision(*expected_revision);
  v1::WriteResponse ignored;
  return stub.ReportStatus(Deadline().get(), request, written != nullptr ? written : &ignored);
}

v1::StatusReport StoredReport(v1::PictureService::Stub& stub, const std::string& name) {
  v1::GetRequest request;
  request.set_name(name);
  v1::GetResponse response;
  const grpc::Status status = stub.Get(Deadline().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.record().status_report();
}

// A hospital with IC capacity, a staff shortage and an emergency department on diversion.
void ReportHospital(TestServer& server) {
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("zh-noord")).ok());
  v1::StatusReport report = MakeReport("zh-noord", 4);
  report.mutable_emergency_department()->set_state(v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  report.mutable_emergency_department()->set_reason("IC vol");
  const grpc::Status status = Report(server.stub(), report);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

// The walk-through: `status report --org zh-noord --overall strained --supply oxygen:...` typed in by an
// officer must not wipe the hospital's IC capacity, disruptions or emergency department.
TEST(PartialReportTest, SupplyUpdateKeepsCapacityDisruptionsAndEmergencyDepartment) {
  TestServer server;
  ReportHospital(server);
  v1::StatusReport oxygen;
  oxygen.set_organization_id("zh-noord");
  oxygen.set_overall_status(v1::OVERALL_STATUS_STRAINED);
  v1::Supply* supply = oxygen.add_supplies();
  supply->set_type(v1::SUPPLY_TYPE_OXYGEN);
  supply->set_stock(100);
  supply->set_consumption_per_day(20);
  supply->set_unit("liter");
  v1::WriteResponse written;
  const grpc::Status status = ReportPart(server.stub(), oxygen, {"overall_status", "supplies"}, &written);
  ASSERT_TRUE(status.ok()) << status.error_message();

  const v1::StatusReport stored = StoredReport(server.stub(), "organizations/zh-noord/status");
  ASSERT_EQ(stored.capacity_size(), 1);
  EXPECT_EQ(stored.capacity(0).available(), 4);
  EXPECT_EQ(stored.capacity(0).occupied(), 10);
  ASSERT_EQ(stored.disruptions_size(), 1);
  EXPECT_EQ(stored.disruptions(0).type(), v1::DISRUPTION_TYPE_STAFF_SHORTAGE);
  EXPECT_EQ(stored.emergency_department().state(), v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  EXPECT_EQ(stored.reporter().name(), "Crisiscoördinator");
  ASSERT_EQ(stored.supplies_size(), 1);
  EXPECT_EQ(stored.supplies(0).days_of_supply(), 5) << "derived fields are computed over the merged report";
  EXPECT_THAT(stored.update_mask().paths(), ElementsAre("overall_status", "supplies"));
  // A partial report is a report: its commit time is this one's, and it is due again a cadence later.
  EXPECT_EQ(stored.commit_time().seconds(), written.record().status_report().commit_time().seconds());
  EXPECT_GT(stored.next_report_due().seconds(), stored.commit_time().seconds());
}

TEST(PartialReportTest, BadMaskAndPartialFirstReportAreRefusedAndWriteNothing) {
  TestServer server;
  ReportHospital(server);
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("vvt-west", v1::ORGANIZATION_KIND_NURSING_HOME)).ok());
  const int64_t revision = server.server().revision();

  grpc::Status status = ReportPart(server.stub(), MakeReport("zh-noord"), {"capacity.ic_kids"});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("update_mask.paths[0]: \"capacity.ic_kids\": unknown type"));

  status = ReportPart(server.stub(), MakeReport("zh-noord"), {"commit_time"});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("output only"));

  // An organisation's first report must say how it is doing overall.
  v1::StatusReport first = MakeReport("vvt-west");
  first.clear_overall_status();
  status = ReportPart(server.stub(), first, {"capacity"});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("report.overall_status: organizations/vvt-west/status has no report"));
  EXPECT_EQ(server.server().revision(), revision);

  // With the overall status named, a first partial report is accepted.
  status = ReportPart(server.stub(), MakeReport("vvt-west"), {"overall_status", "capacity"});
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST(PartialReportTest, CompareAndSetStillApplies) {
  TestServer server;
  ReportHospital(server);
  const int64_t current = server.server().revision();  // The report's mod_revision: it was the last write.
  v1::StatusReport update = MakeReport("zh-noord", 1);
  const grpc::Status stale = ReportPart(server.stub(), update, {"capacity"}, nullptr, current - 1);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED) << stale.error_message();
  EXPECT_EQ(StoredReport(server.stub(), "organizations/zh-noord/status").capacity(0).available(), 4);
  const grpc::Status fresh = ReportPart(server.stub(), update, {"capacity"}, nullptr, current);
  EXPECT_TRUE(fresh.ok()) << fresh.error_message();
  EXPECT_EQ(StoredReport(server.stub(), "organizations/zh-noord/status").capacity(0).available(), 1);
}

// Two publishers change different parts of one report on PublishStatus streams: neither undoes the other.
TEST(PartialReportTest, PublishStatusAppliesEachMask) {
  TestServer server;
  ReportHospital(server);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto stream = server.stub().PublishStatus(&context);
  v1::PublishStatusRequest batch;
  v1::ReportStatusRequest* beds = batch.add_reports();
  *beds->mutable_report() = MakeReport("zh-noord", 7);
  beds->mutable_update_mask()->add_paths("capacity");
  v1::ReportStatusRequest* water = batch.add_reports();
  water->mutable_report()->set_organization_id("zh-noord");
  v1::Supply* supply = water->mutable_report()->add_supplies();
  supply->set_type(v1::SUPPLY_TYPE_WATER);
  supply->set_state(v1::SUPPLY_STATE_LIMITED);
  water->mutable_update_mask()->add_paths("supplies");
  ASSERT_TRUE(stream->Write(batch));
  stream->WritesDone();
  int written = 0;
  v1::PublishStatusResponse response;
  while (written < 2 && stream->Read(&response)) {
    for (const v1::PublishResult& result : response.results()) {
      EXPECT_TRUE(result.has_written()) << result.error().message();
      ++written;
    }
  }
  EXPECT_TRUE(stream->Finish().ok());
  ASSERT_EQ(written, 2);
  const v1::StatusReport stored = StoredReport(server.stub(), "organizations/zh-noord/status");
  EXPECT_EQ(stored.capacity(0).available(), 7);
  ASSERT_EQ(stored.supplies_size(), 1);
  EXPECT_EQ(stored.supplies(0).state(), v1::SUPPLY_STATE_LIMITED);
  EXPECT_EQ(stored.emergency_department().state(), v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
}

// What changed travels with the event: a subscriber and History see the mask.
TEST(PartialReportTest, FeedAndHistoryCarryTheMask) {
  TestServer server;
  ReportHospital(server);
  v1::SubscribeRequest subscribe;
  subscribe.set_from_revision(server.server().revision());  // Resume after the current revision.
  FeedReader feed(server.stub(), subscribe);
  v1::StatusReport clear;
  clear.set_organization_id("zh-noord");
  v1::WriteResponse written;
  const grpc::Status status = ReportPart(server.stub(), clear, {"emergency_department", "capacity.ic_adult"}, &written);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(feed.WaitForRevision(written.revision()));
  bool seen = false;
  for (const v1::Event& event : feed.events()) {
    if (event.revision() != written.revision()) continue;
    seen = true;
    const v1::StatusReport& report = event.record().status_report();
    EXPECT_THAT(report.update_mask().paths(), ElementsAre("capacity.ic_adult", "emergency_department"));
    EXPECT_TRUE(report.capacity().empty());
    EXPECT_FALSE(report.has_emergency_department());
    EXPECT_EQ(report.disruptions_size(), 1);
  }
  EXPECT_TRUE(seen);

  v1::HistoryRequest history;
  history.set_from_revision(written.revision());
  history.set_to_revision(written.revision());
  v1::HistoryResponse response;
  ASSERT_TRUE(server.stub().History(Deadline().get(), history, &response).ok());
  ASSERT_EQ(response.events_size(), 1);
  EXPECT_THAT(response.events(0).record().status_report().update_mask().paths(),
              ElementsAre("capacity.ic_adult", "emergency_department"));
}

}  // namespace
}  // namespace ketenbeeld::testing
