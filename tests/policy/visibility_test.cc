#include "server/policy/visibility.h"

#include "gtest/gtest.h"
#include "server/state/records.h"
#include "tests/policy/identities.h"

namespace ketenbeeld::policy {
namespace {

using testing::As;
using v1::Role;

v1::Record StatusRecord(const std::string& organization_id) {
  v1::Record record;
  record.set_name("status/" + organization_id);
  record.set_kind(v1::ENTITY_KIND_STATUS_REPORT);
  v1::StatusReport& report = *record.mutable_status_report();
  report.set_organization_id(organization_id);
  report.set_overall_status(v1::OVERALL_STATUS_STRAINED);
  v1::Capacity& ic = *report.add_capacity();
  ic.set_type(v1::BED_TYPE_IC_ADULT);
  ic.set_available(3);
  report.mutable_staffing()->set_shortage_count(4);
  report.add_supplies()->set_stock(12);
  report.set_free_text("we can take two more");
  report.mutable_reporter()->set_name("J. Jansen");
  v1::Disruption& power = *report.add_disruptions();
  power.set_type(v1::DISRUPTION_TYPE_UTILITY_FAILURE);
  power.set_severity(v1::SEVERITY_MAJOR);
  report.mutable_emergency_department()->set_state(v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  report.set_crisis_plan_activated(true);
  return record;
}

TEST(VisibilityTest, OwnerGhorAndDispatchSeeDetailOthersDoNot) {
  EXPECT_TRUE(Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-a")).SeesDetailOf("ziekenhuis-a"));
  EXPECT_FALSE(Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-b")).SeesDetailOf("ziekenhuis-a"));
  EXPECT_TRUE(Viewer::For(As(Role::ROLE_GHOR, "ghor-vr10")).SeesDetailOf("ziekenhuis-a"));
  EXPECT_TRUE(Viewer::For(As(Role::ROLE_DISPATCH, "meldkamer-vr10")).SeesDetailOf("ziekenhuis-a"));
  EXPECT_FALSE(Viewer::For(As(Role::ROLE_BESTUUR, "bestuur-vr10")).SeesDetailOf("ziekenhuis-a"));
  EXPECT_FALSE(Viewer::For(As(Role::ROLE_OPERATOR, "beheer")).SeesDetailOf("ziekenhuis-a"));
  EXPECT_TRUE(Viewer::For(security::Identity{.subject = "ipv4:127.0.0.1:1"}).SeesDetailOf("ziekenhuis-a"));
  // An institution with no organisation (a misissued credential) sees nobody's detail.
  EXPECT_FALSE(Viewer::For(As(Role::ROLE_INSTITUTION, "")).SeesDetailOf(""));
}

TEST(VisibilityTest, RedactionWithholdsFiguresAndKeepsTheOperationalPicture) {
  v1::Record record = StatusRecord("ziekenhuis-a");
  ASSERT_TRUE(Redact(Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-b")), record));
  const v1::StatusReport& report = record.status_report();
  EXPECT_TRUE(report.detail_withheld());
  EXPECT_EQ(report.capacity_size(), 0);
  EXPECT_FALSE(report.has_staffing());
  EXPECT_EQ(report.supplies_size(), 0);
  EXPECT_TRUE(report.free_text().empty());
  EXPECT_FALSE(report.has_reporter());
  // What the chain needs to know stays.
  EXPECT_EQ(report.organization_id(), "ziekenhuis-a");
  EXPECT_EQ(report.overall_status(), v1::OVERALL_STATUS_STRAINED);
  ASSERT_EQ(report.disruptions_size(), 1);
  EXPECT_EQ(report.emergency_department().state(), v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  EXPECT_TRUE(report.crisis_plan_activated());
}

TEST(VisibilityTest, TheOwnerAndRecordsWithoutFiguresAreNotRedacted) {
  v1::Record own = StatusRecord("ziekenhuis-a");
  EXPECT_FALSE(Redact(Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-a")), own));
  EXPECT_EQ(own.status_report().capacity_size(), 1);
  v1::Record organization;
  organization.mutable_organization()->set_id("ziekenhuis-a");
  EXPECT_FALSE(Redact(Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-b")), organization));
}

TEST(VisibilityTest, TheRedactedWireIsMadeOnceAndSharedByEveryReaderWithoutDetail) {
  const state::RecordPtr record = state::MakeRecord(StatusRecord("ziekenhuis-a"));
  const Viewer b = Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-b"));
  const Viewer c = Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-c"));
  const std::string& for_b = WireFor(b, *record);
  EXPECT_EQ(&for_b, &WireFor(c, *record));  // The same bytes, not a copy per reader.
  EXPECT_NE(&for_b, &record->wire);
  v1::Record parsed;
  ASSERT_TRUE(parsed.ParseFromString(for_b));
  EXPECT_TRUE(parsed.status_report().detail_withheld());
  EXPECT_EQ(parsed.status_report().capacity_size(), 0);
  // The owner and the GHOR get the full bytes.
  EXPECT_EQ(&WireFor(Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-a")), *record), &record->wire);
  EXPECT_EQ(&WireFor(Viewer::For(As(Role::ROLE_GHOR, "ghor-vr10")), *record), &record->wire);
}

TEST(VisibilityTest, EventsAreRedactedLikeRecords) {
  v1::Event event;
  event.set_revision(7);
  *event.mutable_record() = StatusRecord("ziekenhuis-a");
  const state::EventPtr shared = state::MakeEvent(event);
  v1::Event parsed;
  ASSERT_TRUE(parsed.ParseFromString(WireFor(Viewer::For(As(Role::ROLE_OPERATOR, "beheer")), *shared)));
  EXPECT_EQ(parsed.revision(), 7);
  EXPECT_TRUE(parsed.record().status_report().detail_withheld());
  EXPECT_EQ(parsed.record().status_report().capacity_size(), 0);
}

v1::CapacityOverview OverviewWith(int organizations) {
  v1::CapacityOverview overview;
  v1::CapacityTotal& total = *overview.add_totals();
  total.set_safety_region("VR10");
  total.set_bed_type(v1::BED_TYPE_IC_ADULT);
  total.set_available(9);
  total.set_occupied(20);
  total.set_organizations_reported(organizations);
  return overview;
}

TEST(VisibilityTest, TotalsOfFewerThanTheMinimumGroupAreWithheld) {
  const Viewer institution = Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-b"));
  v1::CapacityOverview below = OverviewWith(2);
  ApplyMinimumGroup(institution, 3, below);
  EXPECT_TRUE(below.totals(0).figures_withheld());
  EXPECT_FALSE(below.totals(0).has_available());
  EXPECT_FALSE(below.totals(0).has_occupied());
  EXPECT_EQ(below.totals(0).organizations_reported(), 2);

  v1::CapacityOverview at = OverviewWith(3);
  ApplyMinimumGroup(institution, 3, at);
  EXPECT_FALSE(at.totals(0).figures_withheld());
  EXPECT_EQ(at.totals(0).available(), 9);
}

TEST(VisibilityTest, ReadersWithDetailSeeEveryTotal) {
  v1::CapacityOverview one = OverviewWith(1);
  ApplyMinimumGroup(Viewer::For(As(Role::ROLE_GHOR, "ghor-vr10")), 3, one);
  EXPECT_FALSE(one.totals(0).figures_withheld());
  EXPECT_EQ(one.totals(0).available(), 9);
}

}  // namespace
}  // namespace ketenbeeld::policy
