// The reports' views across regions (a ROAZ or national server, docs/federation.md "Views across regions"), over a
// picture filled directly with federated records (Record.provenance) and the server's own: the region filter of the
// capacity overview, the gap report and FindCapacity; each match's region; a stale source's figures flagged, never
// left out; a source region's sector aggregate as a line of its own; an unknown region named as the field.
#include <string>
#include <vector>

#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/queries/reports.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {
namespace federated_reports_local {

using ::ketenbeeld::testing::MakeOrganization;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.

// As ApplyUpstream writes it: the source's record with its provenance.
v1::Record Federated(v1::Record record, const std::string& source_region) {
  record.mutable_scope()->set_safety_region(source_region);
  record.mutable_provenance()->set_source_region(source_region);
  record.mutable_provenance()->set_source_revision(7);
  return record;
}

// A hospital of `region` at one site (latitude, longitude).
v1::Organization Hospital(const std::string& id, const std::string& region, double latitude, double longitude) {
  v1::Organization organization = MakeOrganization(id, v1::ORGANIZATION_KIND_HOSPITAL, region);
  organization.clear_locations();
  v1::Location& location = *organization.add_locations();
  location.set_id("main");
  location.set_name("Hoofdlocatie");
  location.mutable_coordinates()->set_latitude(latitude);
  location.mutable_coordinates()->set_longitude(longitude);
  return organization;
}

v1::StatusReport IcReport(const std::string& id, int available) {
  v1::StatusReport report;
  report.set_organization_id(id);
  report.set_overall_status(v1::OVERALL_STATUS_NORMAL);
  v1::Capacity& capacity = *report.add_capacity();
  capacity.set_type(v1::BED_TYPE_IC_ADULT);
  capacity.set_available(available);
  capacity.set_occupied(10);
  return report;
}

class FederatedReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The server's own registry (region VR12) and two source regions, all around Alkmaar.
    Own(Hospital("eigen", "VR12", 52.64, 4.75), 2);
    FromSource(Hospital("noord", "VR10", 52.66, 4.75), 5, "VR10");
    FromSource(Hospital("zuid", "VR11", 52.70, 4.75), 7, "VR11");
    sources_.sources["VR10"] = {.stale = false, .last_heard = kStart};
    sources_.sources["VR11"] = {.stale = true, .last_heard = kStart - absl::Minutes(20)};

    v1::Scenario scenario;
    scenario.set_id("griep");
    scenario.set_name("Griepgolf");
    scenario.set_safety_region("VR12");
    v1::CapacityRequirement& need = *scenario.add_capacity();
    need.set_bed_type(v1::BED_TYPE_IC_ADULT);
    need.set_quantity(20);
    v1::Record record;
    record.set_name(domain::ScenarioName(scenario.id()));
    record.set_kind(v1::ENTITY_KIND_SCENARIO);
    record.mutable_scope()->set_safety_region("VR12");
    *record.mutable_scenario() = scenario;
    PutDirectly(picture_, record);
  }

  void Own(const v1::Organization& organization, int ic_available) {
    PutDirectly(picture_, OrganizationRecord(organization));
    PutDirectly(picture_, ReportRecord(IcReport(organization.id(), ic_available), kStart));
  }
  void FromSource(const v1::Organization& organization, int ic_available, const std::string& region) {
    PutDirectly(picture_, Federated(OrganizationRecord(organization), region));
    v1::Record report = ReportRecord(IcReport(organization.id(), ic_available), kStart);
    PutDirectly(picture_, Federated(std::move(report), region));
  }

  v1::CapacityOverview Overview(std::vector<std::string> regions = {}) {
    v1::GetCapacityOverviewRequest request;
    for (const std::string& region : regions) request.add_safety_regions(region);
    absl::StatusOr<v1::CapacityOverview> overview =
        queries::ComputeCapacityOverview(request, picture_, kStart + absl::Minutes(1), sources_);
    EXPECT_TRUE(overview.ok()) << overview.status();
    return overview.ok() ? *overview : v1::CapacityOverview();
  }

  v1::FindCapacityRequest Near() {
    v1::FindCapacityRequest request;
    request.mutable_near()->set_latitude(52.63);
    request.mutable_near()->set_longitude(4.75);
    request.set_bed_type(v1::BED_TYPE_IC_ADULT);
    return request;
  }

  state::Picture picture_;
  queries::SourceFreshness sources_;
};

TEST_F(FederatedReportsTest, TheOverviewBreaksDownByRegionAndFlagsAStaleSource) {
  const v1::CapacityOverview overview = Overview();
  ASSERT_EQ(overview.totals_size(), 3);
  EXPECT_EQ(overview.totals(0).safety_region(), "VR10");
  EXPECT_EQ(overview.totals(0).available(), 5);
  EXPECT_FALSE(overview.totals(0).source_stale());
  EXPECT_EQ(overview.totals(1).safety_region(), "VR11");
  EXPECT_EQ(overview.totals(1).available(), 7) << "a stale source's figures are still given";
  EXPECT_TRUE(overview.totals(1).source_stale());
  EXPECT_EQ(overview.totals(2).safety_region(), "VR12");
  EXPECT_EQ(overview.totals(2).available(), 2);
  EXPECT_FALSE(overview.totals(2).source_stale()) << "the server's own region is no source";

  const v1::CapacityOverview two = Overview({"VR11", "VR12"});
  ASSERT_EQ(two.totals_size(), 2);
  EXPECT_EQ(two.totals(0).safety_region(), "VR11");
  EXPECT_EQ(two.totals(1).safety_region(), "VR12");
}

TEST_F(FederatedReportsTest, FindCapacityFiltersByRegionAndNamesEachMatchsRegion) {
  absl::StatusOr<v1::FindCapacityResponse> all =
      queries::FindCapacity(Near(), picture_, kStart + absl::Minutes(1), sources_);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->matches_size(), 3);
  EXPECT_EQ(all->matches(0).organization_id(), "eigen");
  EXPECT_EQ(all->matches(0).safety_region(), "VR12");
  EXPECT_FALSE(all->matches(0).source_stale());
  EXPECT_FALSE(all->matches(0).has_source_last_heard());
  EXPECT_EQ(all->matches(1).organization_id(), "noord");
  EXPECT_EQ(all->matches(1).safety_region(), "VR10");
  EXPECT_FALSE(all->matches(1).source_stale());
  EXPECT_EQ(FromProtoTime(all->matches(1).source_last_heard()), kStart);
  EXPECT_EQ(all->matches(2).organization_id(), "zuid");
  EXPECT_TRUE(all->matches(2).source_stale()) << "returned, but flagged";
  EXPECT_EQ(FromProtoTime(all->matches(2).source_last_heard()), kStart - absl::Minutes(20));

  v1::FindCapacityRequest request = Near();
  request.add_safety_regions("VR11");
  request.add_safety_regions("VR10");
  absl::StatusOr<v1::FindCapacityResponse> two = queries::FindCapacity(request, picture_, kStart, sources_);
  ASSERT_TRUE(two.ok()) << two.status();
  std::vector<std::string> ids;
  for (const v1::CapacityMatch& match : two->matches()) ids.push_back(match.organization_id());
  EXPECT_THAT(ids, ElementsAre("noord", "zuid"));
}

TEST_F(FederatedReportsTest, ASourceUnknownHereIsStaleForItsRecords) {
  sources_.sources.erase("VR10");
  absl::StatusOr<v1::FindCapacityResponse> found = queries::FindCapacity(Near(), picture_, kStart, sources_);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->matches_size(), 3);
  EXPECT_TRUE(found->matches(1).source_stale());
  EXPECT_FALSE(found->matches(1).has_source_last_heard());
}

TEST_F(FederatedReportsTest, TheGapReportCountsTheChosenRegionsAndNamesTheStaleOnes) {
  v1::GetGapReportRequest request;
  request.set_scenario_id("griep");
  request.add_safety_regions("VR12");
  absl::StatusOr<v1::GapReport> own = queries::ComputeGapReport(request, picture_, kStart, sources_);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_THAT(own->safety_regions(), ElementsAre("VR12"));
  EXPECT_THAT(own->stale_regions(), IsEmpty());
  ASSERT_EQ(own->capacity_size(), 1);
  EXPECT_EQ(own->capacity(0).available(), 2);
  EXPECT_EQ(own->capacity(0).shortfall(), 18);

  request.add_safety_regions("VR11");
  request.add_safety_regions("VR10");
  absl::StatusOr<v1::GapReport> roaz = queries::ComputeGapReport(request, picture_, kStart, sources_);
  ASSERT_TRUE(roaz.ok()) << roaz.status();
  EXPECT_THAT(roaz->safety_regions(), ElementsAre("VR10", "VR11", "VR12"));
  EXPECT_THAT(roaz->stale_regions(), ElementsAre("VR11"));
  EXPECT_EQ(roaz->capacity(0).available(), 14);
  EXPECT_EQ(roaz->capacity(0).organizations_reported(), 3);
  EXPECT_EQ(roaz->capacity(0).shortfall(), 6);
}

// No region named on a ROAZ or national server: every region it holds, as the capacity overview and FindCapacity read
// an empty filter (docs/federation.md, "Views across regions"); the published figures (a reader without detail) too.
TEST_F(FederatedReportsTest, TheGapReportWithoutRegionsCountsEveryRegionHeld) {
  v1::GetGapReportRequest request;
  request.set_scenario_id("griep");
  absl::StatusOr<v1::GapReport> all = queries::ComputeGapReport(request, picture_, kStart, sources_);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(all->safety_regions(), ElementsAre("VR10", "VR11", "VR12"));
  EXPECT_THAT(all->stale_regions(), ElementsAre("VR11"));
  ASSERT_EQ(all->capacity_size(), 1);
  EXPECT_EQ(all->capacity(0).available(), 14);
  EXPECT_EQ(all->capacity(0).organizations_reported(), 3);
  EXPECT_EQ(all->capacity(0).shortfall(), 6);

  absl::StatusOr<v1::GapReport> published = queries::ComputeGapReport(
      request, picture_, queries::TabulateFigures(picture_), kStart, /*min_group=*/1, sources_);
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_THAT(published->safety_regions(), ElementsAre("VR10", "VR11", "VR12"));
  EXPECT_EQ(published->capacity(0).available(), 14);
}

// A region's own server holds only its own region's organisations: no region named is the scenario's, as before.
TEST_F(FederatedReportsTest, TheGapReportWithoutRegionsOnARegionsServerIsTheScenariosRegion) {
  state::Picture region;
  PutDirectly(region, OrganizationRecord(Hospital("eigen", "VR12", 52.64, 4.75)));
  PutDirectly(region, ReportRecord(IcReport("eigen", 4), kStart));
  PutDirectly(region, picture_.Find(domain::ScenarioName("griep"))->record);
  v1::GetGapReportRequest request;
  request.set_scenario_id("griep");
  absl::StatusOr<v1::GapReport> own = queries::ComputeGapReport(request, region, kStart);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_THAT(own->safety_regions(), ElementsAre("VR12"));
  EXPECT_EQ(own->capacity(0).available(), 4);
  EXPECT_EQ(own->capacity(0).shortfall(), 16);
}

TEST_F(FederatedReportsTest, ASourceRegionsSectorAggregateIsALineOfItsOwn) {
  v1::Record record;
  record.set_name("aggregates/long-term-care");
  record.set_kind(v1::ENTITY_KIND_SECTOR_AGGREGATE);
  v1::SectorAggregate& aggregate = *record.mutable_sector_aggregate();
  aggregate.set_group("long-term-care");
  aggregate.set_sector(v1::SECTOR_LONG_TERM_CARE);
  aggregate.set_organizations_reporting(4);
  aggregate.set_min_group_size(3);
  v1::AggregateBeds& beds = *aggregate.add_beds();
  beds.set_type(v1::BED_TYPE_NURSING_HOME);
  beds.set_available(6);
  beds.set_total(40);
  beds.set_organizations_reporting(4);
  v1::AggregateBeds& few = *aggregate.add_beds();
  few.set_type(v1::BED_TYPE_SHORT_STAY);
  few.set_organizations_reporting(1);  // Fewer than the minimum group: the source withheld the sums.
  PutDirectly(picture_, Federated(record, "VR11"));

  const v1::CapacityOverview overview = Overview({"VR11"});
  ASSERT_EQ(overview.totals_size(), 3);
  const v1::CapacityTotal& nursing = overview.totals(1);
  EXPECT_TRUE(nursing.aggregate());
  EXPECT_EQ(nursing.sector(), v1::SECTOR_LONG_TERM_CARE);
  EXPECT_EQ(nursing.bed_type(), v1::BED_TYPE_NURSING_HOME);
  EXPECT_EQ(nursing.available(), 6);
  EXPECT_EQ(nursing.occupied(), 34);
  EXPECT_EQ(nursing.organizations_reported(), 4);
  EXPECT_TRUE(nursing.source_stale());
  const v1::CapacityTotal& withheld = overview.totals(2);
  EXPECT_TRUE(withheld.aggregate());
  EXPECT_FALSE(withheld.has_available());
  EXPECT_TRUE(withheld.figures_withheld());
  EXPECT_FALSE(overview.totals(0).aggregate());

  v1::GetCapacityOverviewRequest acute;
  acute.add_sectors(v1::SECTOR_ACUTE_CARE);
  absl::StatusOr<v1::CapacityOverview> filtered = queries::ComputeCapacityOverview(acute, picture_, kStart, sources_);
  ASSERT_TRUE(filtered.ok());
  for (const v1::CapacityTotal& line : filtered->totals()) EXPECT_FALSE(line.aggregate());

  // A reader without live sums gets a published table, which never holds a federated aggregate.
  queries::FigureTable published = queries::TabulateFigures(picture_);
  EXPECT_EQ(published.aggregates.size(), 1u);
  published.aggregates.clear();
  absl::StatusOr<v1::CapacityOverview> institution =
      queries::ComputeCapacityOverview({}, published, kStart, /*min_group=*/3, sources_);
  ASSERT_TRUE(institution.ok());
  for (const v1::CapacityTotal& line : institution->totals()) EXPECT_FALSE(line.aggregate());
}

// A source region's long-term care aggregate counts in a gap report over that region: its organisations as a group
// (the reported ones with their sum, the rest as not reported), never this server's own aggregate.
TEST_F(FederatedReportsTest, TheGapReportCountsASourceRegionsAggregateAsAGroup) {
  auto aggregate_record = [](const std::string& name, const std::string& group, int reporting) {
    v1::Record record;
    record.set_name(name);
    record.set_kind(v1::ENTITY_KIND_SECTOR_AGGREGATE);
    record.mutable_scope()->set_sector(v1::SECTOR_LONG_TERM_CARE);
    v1::SectorAggregate& aggregate = *record.mutable_sector_aggregate();
    aggregate.set_group(group);
    aggregate.set_sector(v1::SECTOR_LONG_TERM_CARE);
    aggregate.set_organizations_reporting(reporting);
    v1::AggregateBeds& beds = *aggregate.add_beds();
    beds.set_type(v1::BED_TYPE_NURSING_HOME);
    beds.set_available(6);
    beds.set_organizations_reporting(reporting - 1);
    return record;
  };
  PutDirectly(picture_, Federated(aggregate_record("aggregates/vr10-long-term-care", "long-term-care", 4), "VR10"));
  // VR11's home care: below its minimum group, so no sums crossed.
  v1::Record withheld = aggregate_record("aggregates/vr11-home-care", "home-care", 2);
  withheld.mutable_sector_aggregate()->set_withheld_below_minimum(true);
  withheld.mutable_sector_aggregate()->clear_beds();
  PutDirectly(picture_, Federated(withheld, "VR11"));
  // This server's own aggregate: its organisations are counted one by one (there are none here).
  v1::Record own = aggregate_record("aggregates/long-term-care", "long-term-care", 5);
  own.mutable_scope()->set_safety_region("VR12");
  PutDirectly(picture_, own);

  v1::Record scenario = picture_.Find("scenarios/griep")->record;
  v1::CapacityRequirement& places = *scenario.mutable_scenario()->add_capacity();
  places.set_bed_type(v1::BED_TYPE_NURSING_HOME);
  places.set_sector(v1::SECTOR_LONG_TERM_CARE);
  places.set_quantity(10);
  PutDirectly(picture_, scenario);

  v1::GetGapReportRequest request;
  request.set_scenario_id("griep");
  for (const char* region : {"VR10", "VR11", "VR12"}) request.add_safety_regions(region);
  absl::StatusOr<v1::GapReport> report = queries::ComputeGapReport(request, picture_, kStart, sources_);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->capacity_size(), 2);
  const v1::CapacityGap& nursing = report->capacity(1);
  EXPECT_EQ(nursing.available(), 6) << "VR10's sum; VR11 sent none; VR12's own aggregate is not counted";
  EXPECT_EQ(nursing.shortfall(), 4);
  EXPECT_EQ(nursing.organizations_reported(), 3);
  EXPECT_EQ(nursing.organizations_in_aggregates(), 6);
  EXPECT_EQ(nursing.organizations_not_reported(), 3) << "VR10's one without the figure and VR11's two";
  EXPECT_EQ(report->capacity(0).organizations_in_aggregates(), 6)
      << "a requirement of any sector has the aggregates' organisations in scope too";
  EXPECT_EQ(report->capacity(0).available(), 14) << "the aggregates have no IC places";

  // Only the chosen regions' aggregates.
  request.clear_safety_regions();
  request.add_safety_regions("VR11");
  report = queries::ComputeGapReport(request, picture_, kStart, sources_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->capacity(1).available(), 0);
  EXPECT_EQ(report->capacity(1).organizations_in_aggregates(), 2);
  EXPECT_EQ(report->capacity(1).organizations_not_reported(), 2);
}

TEST_F(FederatedReportsTest, AnUnknownRegionIsInvalidNamingTheField) {
  v1::GetCapacityOverviewRequest overview;
  overview.add_safety_regions("VR10");
  overview.add_safety_regions("VR99");
  absl::Status status = queries::ComputeCapacityOverview(overview, picture_, kStart, sources_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("safety_regions[1]: "));

  v1::FindCapacityRequest find = Near();
  find.add_safety_regions("ROAZ-NW");
  status = queries::FindCapacity(find, picture_, kStart, sources_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("safety_regions[0]: "));

  v1::GetGapReportRequest gap;
  gap.set_scenario_id("griep");
  gap.add_safety_regions("");
  status = queries::ComputeGapReport(gap, picture_, kStart, sources_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("safety_regions[0]: "));
}

}  // namespace federated_reports_local
}  // namespace
}  // namespace ketenbeeld::pipeline
