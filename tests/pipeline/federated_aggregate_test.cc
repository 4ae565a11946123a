// Sector aggregates crossing ApplyUpstream (mutations_federation.cc, docs/federation.md "Sector aggregates"), through
// the committer of a ROAZ-like server (the fixture's region, VR10): each source region's "aggregates/{group}" is kept
// as "aggregates/{region}-{group}" with provenance, a chained one keeps its origin's name (so does a chained
// reservation), a DELETE deletes that region's only, an upstream reset sweeps the region's aggregates it no longer
// has, this server's own aggregate sums its own registry only, and the capacity overview shows each region's line.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/federation_validation.h"
#include "server/queries/reports.h"
#include "tests/integration/upstream_events.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {
namespace federated_aggregate_local {

using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.
using ::testing::HasSubstr;

v1::Event Deleted(int64_t revision, v1::Record record) {
  v1::Event event = SourceEvent(revision, std::move(record));
  event.set_type(v1::EVENT_TYPE_DELETE);
  return event;
}

// `record` as a ROAZ server of `via` holds it after federating it from `origin` (chaining).
v1::Record ChainedFrom(v1::Record record, const std::string& origin) {
  record.mutable_provenance()->set_source_region(origin);
  record.mutable_provenance()->set_source_revision(77);
  *record.mutable_provenance()->mutable_source_commit_time() = ToProtoTime(kStart - absl::Hours(1));
  return record;
}

class FederatedAggregateTest : public CommitterFixture {
 protected:
  bool Has(const std::string& name) const { return picture_->Find(name) != nullptr; }

  void MustApply(v1::ApplyUpstreamRequest request) {
    ASSERT_TRUE(domain::ValidateApplyUpstreamRequest(request).ok()) << domain::ValidateApplyUpstreamRequest(request);
    absl::StatusOr<WriteResult> result = Submit(std::move(request));
    ASSERT_TRUE(result.ok()) << result.status();
  }

  v1::CapacityOverview Overview() {
    absl::StatusOr<v1::CapacityOverview> overview = queries::ComputeCapacityOverview({}, *picture_, Now());
    EXPECT_TRUE(overview.ok()) << overview.status();
    return overview.ok() ? *overview : v1::CapacityOverview();
  }
};

TEST_F(FederatedAggregateTest, EachRegionsAggregateCrossesUnderARegionQualifiedName) {
  ASSERT_NO_FATAL_FAILURE(
      MustApply(UpstreamRange("VR11", 0, 4, {SourceEvent(4, RegionAggregate("long-term-care", "VR11", 4, 6))})));
  ASSERT_NO_FATAL_FAILURE(
      MustApply(UpstreamRange("VR13", 0, 9, {SourceEvent(9, RegionAggregate("long-term-care", "VR13", 3, 2))})));

  EXPECT_FALSE(Has("aggregates/long-term-care")) << "this server's own name is not taken by a region's";
  const v1::Record vr11 = Find("aggregates/vr11-long-term-care");
  EXPECT_EQ(vr11.kind(), v1::ENTITY_KIND_SECTOR_AGGREGATE);
  EXPECT_EQ(vr11.sector_aggregate().group(), "long-term-care") << "the group stays the group";
  EXPECT_EQ(vr11.scope().safety_region(), "VR11");
  EXPECT_EQ(vr11.provenance().source_region(), "VR11");
  EXPECT_EQ(vr11.provenance().source_revision(), 4);
  EXPECT_EQ(vr11.provenance().source_commit_time().seconds(), 1764770004);
  EXPECT_TRUE(vr11.provenance().via_region().empty());
  EXPECT_EQ(Find("aggregates/vr13-long-term-care").sector_aggregate().beds(0).available(), 2);

  // A later version of VR11's replaces VR11's, not VR13's.
  ASSERT_NO_FATAL_FAILURE(
      MustApply(UpstreamRange("VR11", 4, 6, {SourceEvent(6, RegionAggregate("long-term-care", "VR11", 5, 8))})));
  EXPECT_EQ(Find("aggregates/vr11-long-term-care").sector_aggregate().beds(0).available(), 8);
  EXPECT_EQ(Find("aggregates/vr11-long-term-care").provenance().source_revision(), 6);
  EXPECT_EQ(Find("aggregates/vr13-long-term-care").sector_aggregate().beds(0).available(), 2);

  // The overview: one aggregate line per region.
  const v1::CapacityOverview overview = Overview();
  std::vector<std::string> lines;
  for (const v1::CapacityTotal& line : overview.totals()) {
    EXPECT_TRUE(line.aggregate());
    lines.push_back(absl::StrCat(line.safety_region(), " ", line.available(), "/", line.organizations_reported()));
  }
  EXPECT_THAT(lines, ::testing::ElementsAre("VR11 8/5", "VR13 2/3"));
}

TEST_F(FederatedAggregateTest, AChainedAggregateOrReservationKeepsItsOriginsName) {
  // VR11 plays a ROAZ server: its feed carries VR07's aggregate and reservation (federated there) and its own
  // mental-health aggregate.
  v1::Record reservation;
  reservation.set_name("reservations/vr07-55");
  reservation.set_kind(v1::ENTITY_KIND_BED_RESERVATION);
  reservation.mutable_scope()->set_organization_id("zh-v");
  reservation.mutable_scope()->set_safety_region("VR07");
  v1::BedReservation& held = *reservation.mutable_bed_reservation();
  held.set_id("vr07-55");
  held.set_organization_id("zh-v");
  held.set_bed_type(v1::BED_TYPE_IC_ADULT);
  held.set_state(v1::RESERVATION_STATE_HELD);
  v1::Record chained = ChainedFrom(RegionAggregate("long-term-care", "VR07", 3, 1), "VR07");
  chained.set_name("aggregates/vr07-long-term-care");
  ASSERT_NO_FATAL_FAILURE(
      MustApply(UpstreamRange("VR11", 0, 3,
                              {SourceEvent(1, chained), SourceEvent(2, ChainedFrom(reservation, "VR07")),
                               SourceEvent(3, RegionAggregate("mental-health", "VR11", 3, 4))})));

  const v1::Record aggregate = Find("aggregates/vr07-long-term-care");
  EXPECT_EQ(aggregate.provenance().source_region(), "VR07");
  EXPECT_EQ(aggregate.provenance().source_revision(), 77);
  EXPECT_EQ(aggregate.provenance().via_region(), "VR11");
  EXPECT_EQ(aggregate.provenance().via_revision(), 1);
  EXPECT_FALSE(Has("aggregates/vr11-vr07-long-term-care"));
  const v1::Record kept = Find("reservations/vr07-55");
  EXPECT_EQ(kept.bed_reservation().id(), "vr07-55") << "named once, after its origin";
  EXPECT_EQ(kept.provenance().via_region(), "VR11");
  EXPECT_FALSE(Has("reservations/vr11-vr07-55"));
  EXPECT_EQ(Find("aggregates/vr11-mental-health").provenance().source_region(), "VR11");

  // In the overview the chained aggregate is its origin's line.
  std::vector<std::string> regions;
  const v1::CapacityOverview overview = Overview();
  for (const v1::CapacityTotal& line : overview.totals()) regions.push_back(line.safety_region());
  EXPECT_THAT(regions, ::testing::ElementsAre("VR07", "VR11"));
}

TEST_F(FederatedAggregateTest, ADeleteRemovesThatRegionsAggregateOnly) {
  ASSERT_NO_FATAL_FAILURE(
      MustApply(UpstreamRange("VR11", 0, 1, {SourceEvent(1, RegionAggregate("home-care", "VR11", 3, 1))})));
  ASSERT_NO_FATAL_FAILURE(
      MustApply(UpstreamRange("VR13", 0, 1, {SourceEvent(1, RegionAggregate("home-care", "VR13", 3, 1))})));
  const int64_t before = picture_->revision();
  ASSERT_NO_FATAL_FAILURE(
      MustApply(UpstreamRange("VR11", 1, 2, {Deleted(2, RegionAggregate("home-care", "VR11", 3, 1))})));
  EXPECT_FALSE(Has("aggregates/vr11-home-care"));
  EXPECT_TRUE(Has("aggregates/vr13-home-care"));
  const std::vector<v1::Event> events = Log(before);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_DELETE);
  EXPECT_EQ(events[0].record().name(), "aggregates/vr11-home-care");
  EXPECT_EQ(events[0].record().provenance().source_revision(), 2);
  // Deleting one that never arrived here: nothing but the cursor.
  const int64_t after = picture_->revision();
  ASSERT_NO_FATAL_FAILURE(
      MustApply(UpstreamRange("VR11", 2, 3, {Deleted(3, RegionAggregate("mental-health", "VR11", 3, 1))})));
  EXPECT_EQ(picture_->revision(), after + 1);
}

TEST_F(FederatedAggregateTest, AnUpstreamResetSweepsTheRegionsAggregatesItNoLongerHas) {
  v1::Record hospital = OrganizationRecord(MakeOrganization("zh-b", v1::ORGANIZATION_KIND_HOSPITAL, "VR11"));
  ASSERT_NO_FATAL_FAILURE(MustApply(
      UpstreamRange("VR11", 0, 3,
                    {SourceEvent(1, hospital), SourceEvent(2, RegionAggregate("long-term-care", "VR11", 3, 5)),
                     SourceEvent(3, RegionAggregate("mental-health", "VR11", 3, 1))})));
  ASSERT_NO_FATAL_FAILURE(
      MustApply(UpstreamRange("VR13", 0, 1, {SourceEvent(1, RegionAggregate("mental-health", "VR13", 3, 2))})));

  // VR11's snapshot at 40 has the hospital and a newer long-term care aggregate; no mental-health aggregate.
  v1::ApplyUpstreamRequest chunk = UpstreamRange(
      "VR11", 3, 40, {SourceEvent(1, hospital), SourceEvent(30, RegionAggregate("long-term-care", "VR11", 4, 9))});
  chunk.mutable_reset()->set_finish(false);
  ASSERT_NO_FATAL_FAILURE(MustApply(chunk));
  v1::ApplyUpstreamRequest finish = UpstreamRange("VR11", 3, 40, {});
  finish.mutable_reset()->set_finish(true);
  ASSERT_NO_FATAL_FAILURE(MustApply(finish));

  EXPECT_FALSE(Has("aggregates/vr11-mental-health")) << "not in the snapshot: swept";
  EXPECT_EQ(Find("aggregates/vr11-long-term-care").sector_aggregate().beds(0).available(), 9);
  EXPECT_EQ(Find("aggregates/vr11-long-term-care").provenance().source_revision(), 30);
  EXPECT_TRUE(Has("aggregates/vr13-mental-health")) << "another region's is untouched";
  const v1::UpstreamSource source = Find("upstream/VR11").upstream_source();
  EXPECT_EQ(source.cursor(), 40);
  EXPECT_FALSE(source.has_reset());
}

TEST_F(FederatedAggregateTest, ThisServersOwnAggregateSumsItsOwnRegistryOnly) {
  region_.set_min_aggregate_group(1);
  Restart();
  // A nursing home of VR11 arrives one by one (its region's federator read with a role that sees it).
  v1::Record home = OrganizationRecord(MakeOrganization("vvt-elders", v1::ORGANIZATION_KIND_NURSING_HOME, "VR11"));
  v1::StatusReport places;
  places.set_organization_id("vvt-elders");
  places.set_overall_status(v1::OVERALL_STATUS_NORMAL);
  v1::Capacity& capacity = *places.add_capacity();
  capacity.set_type(v1::BED_TYPE_NURSING_HOME);
  capacity.set_available(50);
  capacity.set_occupied(1);
  v1::Record report = ReportRecord(places, kStart);
  report.mutable_scope()->set_safety_region("VR11");
  report.mutable_scope()->set_sector(v1::SECTOR_LONG_TERM_CARE);
  report.mutable_scope()->set_organization_kind(v1::ORGANIZATION_KIND_NURSING_HOME);
  ASSERT_NO_FATAL_FAILURE(MustApply(UpstreamRange("VR11", 0, 2, {SourceEvent(1, home), SourceEvent(2, report)})));
  EXPECT_FALSE(Has("aggregates/long-term-care")) << "a federated write derives nothing";

  // This server's own nursing home reports: its aggregate sums it alone.
  MustSubmit(RegisterWrite(MakeOrganization("vvt-eigen", v1::ORGANIZATION_KIND_NURSING_HOME)));
  places.set_organization_id("vvt-eigen");
  places.mutable_capacity(0)->set_available(2);
  MustSubmit(ReportWrite(places));
  const v1::SectorAggregate own = Find("aggregates/long-term-care").sector_aggregate();
  EXPECT_EQ(own.organizations_reporting(), 1);
  ASSERT_EQ(own.beds_size(), 1);
  EXPECT_EQ(own.beds(0).available(), 2);
  // And the overview shows it nowhere as a line: its organisation is counted one by one.
  const v1::CapacityOverview overview = Overview();
  for (const v1::CapacityTotal& line : overview.totals()) EXPECT_FALSE(line.aggregate()) << line.ShortDebugString();
}

TEST_F(FederatedAggregateTest, AnAggregateNamedOtherwiseThanItsGroupIsInvalidNamingTheField) {
  v1::Record wrong = RegionAggregate("long-term-care", "VR11", 3, 1);
  wrong.set_name("aggregates/mental-health");
  absl::Status status = domain::ValidateApplyUpstreamRequest(UpstreamRange("VR11", 0, 1, {SourceEvent(1, wrong)}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("events[0].record.name: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"aggregates/long-term-care\""));

  // Chained: the name is the origin's.
  v1::Record chained = ChainedFrom(RegionAggregate("long-term-care", "VR07", 3, 1), "VR07");
  status = domain::ValidateApplyUpstreamRequest(UpstreamRange("VR11", 0, 1, {SourceEvent(1, chained)}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"aggregates/vr07-long-term-care\""));
  chained.set_name("aggregates/vr07-long-term-care");
  EXPECT_TRUE(domain::ValidateApplyUpstreamRequest(UpstreamRange("VR11", 0, 1, {SourceEvent(1, chained)})).ok());
}

}  // namespace federated_aggregate_local
}  // namespace
}  // namespace ketenbeeld::pipeline
