// The views across regions on a ROAZ server (docs/federation.md, "Views across regions"), through the real server on
// loopback with bearer tokens, its picture fed by FederationService.ApplyUpstream from two source regions: the
// capacity overview per region with the region filter, FindCapacity's region filter and each match's region, the gap
// report over chosen regions; a source not heard from within federation.stale_after is flagged in all three, its
// figures still given; an unknown region is INVALID_ARGUMENT naming the field; each source region's sector aggregate
// crosses under its own name and is a line of its own and a group in the gap report.
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/federation_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "tests/integration/upstream_events.h"
#include "tests/security/token_line.h"
#include "tests/support/grpc_status_text.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {
namespace federation_views_local {

namespace v1 = ::ketenbeeld::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct ViewsCaller {
  const char* name;
  const char* organization_id;
  const char* role_word;
  const char* token;
};
constexpr ViewsCaller kViewsCallers[] = {
    {"federator-vr10", "federator-vr10", "operator", "tok-views-vr10-a1"},
    {"federator-vr11", "federator-vr11", "operator", "tok-views-vr11-b2"},
    {"ghor", "ghor-roaz", "ghor", "tok-views-ghor-c3"},
    {"institution", "zh-roaz", "institution", "tok-views-zh-d4"},
};

std::string WriteViewsTokens(const std::string& dir) {
  const std::string path = dir + "/tokens";
  std::ofstream file(path);
  for (const ViewsCaller& caller : kViewsCallers) {
    file << TokenLine(caller.token, caller.organization_id, caller.role_word, caller.name);
  }
  return path;
}

// A hospital of `region` at (latitude, 4.75), around Alkmaar, registered in its source region.
v1::Event HospitalEvent(int64_t revision, const std::string& id, const std::string& region, double latitude) {
  v1::Record record;
  record.set_name(absl::StrCat("organizations/", id));
  record.set_kind(v1::ENTITY_KIND_ORGANIZATION);
  v1::Organization organization = MakeOrganization(id, v1::ORGANIZATION_KIND_HOSPITAL, region);
  organization.set_sector(v1::SECTOR_ACUTE_CARE);
  organization.mutable_locations(0)->mutable_coordinates()->set_latitude(latitude);
  organization.mutable_locations(0)->mutable_coordinates()->set_longitude(4.75);
  *record.mutable_organization() = std::move(organization);
  record.mutable_scope()->set_organization_id(id);
  record.mutable_scope()->set_safety_region(region);
  record.mutable_scope()->set_sector(v1::SECTOR_ACUTE_CARE);
  return SourceEvent(revision, std::move(record));
}

v1::Event IcEvent(int64_t revision, const std::string& id, const std::string& region, int available) {
  v1::Record record;
  record.set_name(absl::StrCat("organizations/", id, "/status"));
  record.set_kind(v1::ENTITY_KIND_STATUS_REPORT);
  v1::StatusReport report = MakeReport(id, available);
  *report.mutable_commit_time() = ToProtoTime(absl::Now());
  *record.mutable_status_report() = std::move(report);
  record.mutable_scope()->set_organization_id(id);
  record.mutable_scope()->set_safety_region(region);
  record.mutable_scope()->set_sector(v1::SECTOR_ACUTE_CARE);
  return SourceEvent(revision, std::move(record));
}

class FederationViewsTest : public ::testing::Test {
 protected:
  FederationViewsTest()
      : tokens_file_(WriteViewsTokens(tokens_dir_.path())), server_([this](app::ServerOptions& options) {
          options.tokens_file = tokens_file_;
          options.identity_limits.max_requests_per_second = 100000;
          options.upstream_sources = {{"VR10", "federator-vr10"}, {"VR11", "federator-vr11"}};
          options.upstream_stale_after = absl::Minutes(5);
          options.committer.clock = [this] { return absl::Now() + absl::Microseconds(offset_micros_.load()); };
        }) {
    for (const ViewsCaller& caller : kViewsCallers) {
      channels_[caller.name] = client::Connect(server_.server().address(), {.token = caller.token});
    }
  }

  void SetUp() override {
    Apply("federator-vr10", UpstreamRange("VR10", 0, 3,
                                          {HospitalEvent(1, "noord-a", "VR10", 52.66), IcEvent(2, "noord-a", "VR10", 5),
                                           HospitalEvent(3, "noord-b", "VR10", 52.90)}));
    Apply("federator-vr11",
          UpstreamRange("VR11", 0, 2, {HospitalEvent(1, "zuid-a", "VR11", 52.70), IcEvent(2, "zuid-a", "VR11", 7)}));
    // A scenario of this server's own region (VR10 by default), for the gap report.
    v1::PutScenarioRequest scenario;
    scenario.mutable_scenario()->set_id("griep");
    scenario.mutable_scenario()->set_name("Griepgolf");
    scenario.mutable_scenario()->set_safety_region("VR10");
    v1::CapacityRequirement& need = *scenario.mutable_scenario()->add_capacity();
    need.set_bed_type(v1::BED_TYPE_IC_ADULT);
    need.set_quantity(20);
    v1::WriteResponse written;
    const grpc::Status status = Reports()->PutScenario(Deadline().get(), scenario, &written);
    ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  }

  void Advance(absl::Duration by) { offset_micros_.fetch_add(absl::ToInt64Microseconds(by)); }

  void Apply(const std::string& caller, const v1::ApplyUpstreamRequest& request) {
    v1::ApplyUpstreamResponse response;
    const grpc::Status status =
        v1::FederationService::NewStub(channels_.at(caller))->ApplyUpstream(Deadline().get(), request, &response);
    ASSERT_TRUE(status.ok()) << caller << ": " << GrpcStatusText(status);
  }

  std::unique_ptr<v1::ReportService::Stub> Reports() { return v1::ReportService::NewStub(channels_.at("ghor")); }

  v1::CapacityOverview Overview(std::vector<std::string> regions = {}) {
    v1::GetCapacityOverviewRequest request;
    for (const std::string& region : regions) request.add_safety_regions(region);
    v1::CapacityOverview overview;
    const grpc::Status status = Reports()->GetCapacityOverview(Deadline().get(), request, &overview);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    return overview;
  }

  v1::FindCapacityResponse Find(std::vector<std::string> regions = {}) {
    v1::FindCapacityRequest request;
    request.mutable_near()->set_latitude(52.63);
    request.mutable_near()->set_longitude(4.75);
    request.set_bed_type(v1::BED_TYPE_IC_ADULT);
    for (const std::string& region : regions) request.add_safety_regions(region);
    v1::FindCapacityResponse response;
    const grpc::Status status = Reports()->FindCapacity(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    return response;
  }

  v1::GapReport Gap(std::vector<std::string> regions) {
    v1::GetGapReportRequest request;
    request.set_scenario_id("griep");
    for (const std::string& region : regions) request.add_safety_regions(region);
    v1::GapReport report;
    const grpc::Status status = Reports()->GetGapReport(Deadline().get(), request, &report);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    return report;
  }

  TempDir tokens_dir_;
  std::string tokens_file_;
  std::atomic<int64_t> offset_micros_{0};
  TestServer server_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

TEST_F(FederationViewsTest, TheOverviewBreaksDownByRegionAndTheFilterSelects) {
  const v1::CapacityOverview all = Overview();
  ASSERT_EQ(all.totals_size(), 2);
  EXPECT_EQ(all.totals(0).safety_region(), "VR10");
  EXPECT_EQ(all.totals(0).available(), 5);
  EXPECT_EQ(all.totals(1).safety_region(), "VR11");
  EXPECT_EQ(all.totals(1).available(), 7);
  ASSERT_EQ(all.sources_size(), 2);

  const v1::CapacityOverview vr11 = Overview({"VR11"});
  ASSERT_EQ(vr11.totals_size(), 1);
  EXPECT_EQ(vr11.totals(0).safety_region(), "VR11");
  EXPECT_EQ(vr11.sources_size(), 2) << "the sources list is the server's, whatever the filter";
}

TEST_F(FederationViewsTest, FindCapacityAcrossRegionsNamesTheRegionAndFilters) {
  const v1::FindCapacityResponse all = Find();
  ASSERT_EQ(all.matches_size(), 2) << "noord-b never reported";
  EXPECT_EQ(all.matches(0).organization_id(), "noord-a");
  EXPECT_EQ(all.matches(0).safety_region(), "VR10");
  EXPECT_TRUE(all.matches(0).has_source_last_heard());
  EXPECT_EQ(all.matches(1).organization_id(), "zuid-a");
  EXPECT_EQ(all.matches(1).safety_region(), "VR11");

  const v1::FindCapacityResponse vr11 = Find({"VR11"});
  ASSERT_EQ(vr11.matches_size(), 1);
  EXPECT_EQ(vr11.matches(0).organization_id(), "zuid-a");
}

TEST_F(FederationViewsTest, AStaleSourceIsFlaggedInEveryViewAndStillCounted) {
  Advance(absl::Minutes(4));
  Apply("federator-vr10", UpstreamRange("VR10", 3, 3, {}));  // A heartbeat of VR10 only.
  Advance(absl::Minutes(2));                                 // VR11: 6 minutes without contact.

  const v1::CapacityOverview overview = Overview();
  ASSERT_EQ(overview.totals_size(), 2);
  EXPECT_FALSE(overview.totals(0).source_stale());
  EXPECT_TRUE(overview.totals(1).source_stale());
  EXPECT_EQ(overview.totals(1).available(), 7);

  const v1::FindCapacityResponse found = Find();
  ASSERT_EQ(found.matches_size(), 2);
  EXPECT_FALSE(found.matches(0).source_stale());
  EXPECT_TRUE(found.matches(1).source_stale());

  const v1::GapReport roaz = Gap({"VR10", "VR11"});
  EXPECT_THAT(roaz.safety_regions(), ElementsAre("VR10", "VR11"));
  EXPECT_THAT(roaz.stale_regions(), ElementsAre("VR11"));
  ASSERT_EQ(roaz.capacity_size(), 1);
  EXPECT_EQ(roaz.capacity(0).available(), 12);
  EXPECT_EQ(roaz.capacity(0).organizations_reported(), 2);
  EXPECT_EQ(roaz.capacity(0).organizations_not_reported(), 1);

  // No region named: every region the server holds, as the overview and FindCapacity read an empty filter.
  const v1::GapReport every = Gap({});
  EXPECT_THAT(every.safety_regions(), ElementsAre("VR10", "VR11"));
  EXPECT_THAT(every.stale_regions(), ElementsAre("VR11"));
  EXPECT_EQ(every.capacity(0).available(), 12);
  const v1::GapReport one = Gap({"VR10"});
  EXPECT_THAT(one.safety_regions(), ElementsAre("VR10"));
  EXPECT_EQ(one.capacity(0).available(), 5);
}

// A region's long-term care aggregate at `revision` of its feed.
v1::Event AggregateEvent(int64_t revision, const std::string& group, const std::string& region, int reporting,
                         int available) {
  return SourceEvent(revision, RegionAggregate(group, region, reporting, available));
}

// Both regions send "aggregates/long-term-care": the ROAZ server keeps both, per region, with provenance; the GHOR's
// overview has a line per region (the institution's published one none); the gap report counts them as groups; a
// DELETE from VR11 removes VR11's only.
TEST_F(FederationViewsTest, EachRegionsSectorAggregateCrossesAndShowsPerRegion) {
  Apply("federator-vr10", UpstreamRange("VR10", 3, 4, {AggregateEvent(4, "long-term-care", "VR10", 4, 6)}));
  Apply("federator-vr11", UpstreamRange("VR11", 2, 5, {AggregateEvent(5, "long-term-care", "VR11", 3, 2)}));

  v1::GetRequest get;
  get.set_name("aggregates/vr10-long-term-care");
  v1::GetResponse vr10;
  grpc::Status status = v1::PictureService::NewStub(channels_.at("ghor"))->Get(Deadline().get(), get, &vr10);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  EXPECT_EQ(vr10.record().provenance().source_region(), "VR10");
  EXPECT_EQ(vr10.record().provenance().source_revision(), 4);
  EXPECT_FALSE(vr10.record().provenance().stale());
  EXPECT_EQ(vr10.record().sector_aggregate().beds(0).available(), 6);

  std::vector<std::string> lines;
  const v1::CapacityOverview all = Overview();
  for (const v1::CapacityTotal& line : all.totals()) {
    if (!line.aggregate()) continue;
    lines.push_back(absl::StrCat(line.safety_region(), " ", v1::BedType_Name(line.bed_type()), " ", line.available(),
                                 "/", line.organizations_reported()));
  }
  EXPECT_THAT(lines, ElementsAre("VR10 BED_TYPE_NURSING_HOME 6/4", "VR11 BED_TYPE_NURSING_HOME 2/3"));
  const v1::CapacityOverview vr11 = Overview({"VR11"});
  ASSERT_EQ(vr11.totals_size(), 2);
  EXPECT_TRUE(vr11.totals(1).aggregate());
  EXPECT_EQ(vr11.totals(1).safety_region(), "VR11");
  v1::CapacityOverview published;
  status =
      v1::ReportService::NewStub(channels_.at("institution"))->GetCapacityOverview(Deadline().get(), {}, &published);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  for (const v1::CapacityTotal& line : published.totals()) EXPECT_FALSE(line.aggregate()) << line.ShortDebugString();

  v1::PutScenarioRequest scenario;
  scenario.mutable_scenario()->set_id("hitte");
  scenario.mutable_scenario()->set_name("Hittegolf");
  scenario.mutable_scenario()->set_safety_region("VR10");
  v1::CapacityRequirement& need = *scenario.mutable_scenario()->add_capacity();
  need.set_bed_type(v1::BED_TYPE_NURSING_HOME);
  need.set_sector(v1::SECTOR_LONG_TERM_CARE);
  need.set_quantity(10);
  v1::WriteResponse written;
  status = Reports()->PutScenario(Deadline().get(), scenario, &written);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  v1::GetGapReportRequest request;
  request.set_scenario_id("hitte");
  request.add_safety_regions("VR10");
  request.add_safety_regions("VR11");
  v1::GapReport gap;
  status = Reports()->GetGapReport(Deadline().get(), request, &gap);
  ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
  ASSERT_EQ(gap.capacity_size(), 1);
  EXPECT_EQ(gap.capacity(0).available(), 8);
  EXPECT_EQ(gap.capacity(0).shortfall(), 2);
  EXPECT_EQ(gap.capacity(0).organizations_reported(), 7);
  EXPECT_EQ(gap.capacity(0).organizations_in_aggregates(), 7);

  v1::Event deleted = AggregateEvent(6, "long-term-care", "VR11", 3, 2);
  deleted.set_type(v1::EVENT_TYPE_DELETE);
  Apply("federator-vr11", UpstreamRange("VR11", 5, 6, {deleted}));
  lines.clear();
  const v1::CapacityOverview after = Overview();
  for (const v1::CapacityTotal& line : after.totals()) {
    if (line.aggregate()) lines.push_back(line.safety_region());
  }
  EXPECT_THAT(lines, ElementsAre("VR10"));
}

TEST_F(FederationViewsTest, AnUnknownRegionIsInvalidNamingTheField) {
  v1::FindCapacityRequest find;
  find.mutable_near()->set_latitude(52.63);
  find.mutable_near()->set_longitude(4.75);
  find.set_bed_type(v1::BED_TYPE_IC_ADULT);
  find.add_safety_regions("VR10");
  find.add_safety_regions("VR26");
  v1::FindCapacityResponse found;
  grpc::Status status = Reports()->FindCapacity(Deadline().get(), find, &found);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), StartsWith("safety_regions[1]: "));

  v1::GetGapReportRequest gap;
  gap.set_scenario_id("griep");
  gap.add_safety_regions("noord");
  v1::GapReport report;
  status = Reports()->GetGapReport(Deadline().get(), gap, &report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), StartsWith("safety_regions[0]: "));

  v1::GetCapacityOverviewRequest overview_request;
  overview_request.add_safety_regions("vr10");
  v1::CapacityOverview overview;
  status = Reports()->GetCapacityOverview(Deadline().get(), overview_request, &overview);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << GrpcStatusText(status);
  EXPECT_THAT(status.error_message(), HasSubstr("safety_regions[0]"));
}

}  // namespace federation_views_local
}  // namespace
}  // namespace ketenbeeld::testing
