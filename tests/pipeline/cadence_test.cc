// Reporting cadence: the interval in force (own, region default, tighter while a scaled-up incident affects the
// organisation), the overdue facts the tick plans, and through the committer: overdue exactly once in the log (also
// after a restart), cleared by a new report.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "gtest/gtest.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using ::ketenbeeld::testing::MakeOrganization;
using ::ketenbeeld::testing::MakeReport;
using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.

v1::Organization OrganizationWithInterval(const std::string& id, absl::Duration interval,
                                          const std::string& region = "VR10") {
  v1::Organization organization = MakeOrganization(id, v1::ORGANIZATION_KIND_HOSPITAL, region);
  organization.mutable_reporting_interval()->set_seconds(absl::ToInt64Seconds(interval));
  return organization;
}

v1::Record IncidentRecord(const std::string& id, const std::string& level, v1::IncidentStatus status,
                          std::vector<std::string> affected = {}, const std::string& region = "VR10") {
  v1::Record record;
  record.set_name(domain::IncidentName(id));
  record.set_kind(v1::ENTITY_KIND_INCIDENT);
  record.mutable_scope()->set_safety_region(region);
  v1::Incident& incident = *record.mutable_incident();
  incident.set_id(id);
  incident.set_title("Brand Oostpolder");
  incident.set_type("brand");
  incident.set_scale_up_level(level);
  incident.set_safety_region(region);
  incident.set_status(status);
  for (std::string& organization : affected) incident.add_affected_organization_ids(std::move(organization));
  return record;
}

v1::Record EntryRecord(const std::string& incident_id, int64_t sequence) {
  v1::Record record;
  record.set_name(domain::SituationEntryName(incident_id, sequence));
  record.set_kind(v1::ENTITY_KIND_SITUATION_ENTRY);
  v1::SituationEntry& entry = *record.mutable_situation_entry();
  entry.set_incident_id(incident_id);
  entry.set_layer(v1::SITUATION_LAYER_PICTURE);
  entry.set_text("Rookontwikkeling");
  entry.set_author("Officier van dienst GHOR");
  entry.set_sequence(sequence);
  return record;
}

// The planners as pure functions over a picture filled directly.
class CadencePlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PutDirectly(picture_, OrganizationRecord(MakeOrganization("a")));
    PutDirectly(picture_, OrganizationRecord(MakeOrganization("b")));
    PutDirectly(picture_, OrganizationRecord(MakeOrganization("elsewhere", v1::ORGANIZATION_KIND_HOSPITAL, "VR11")));
  }

  template <typename Fn>
  auto WithContext(absl::Time now, Fn fn) {
    auto lookup = [this](absl::string_view name) { return picture_.Find(name); };
    const mutations::PlanContext context{.commit_time = now,
                                         .region = region_,
                                         .lookup = lookup,
                                         .picture = picture_,
                                         .next_revision = picture_.revision() + 1};
    return fn(context);
  }

  absl::Duration IntervalOf(const std::string& id) {
    const state::RecordPtr organization = picture_.Find(domain::OrganizationName(id));
    EXPECT_NE(organization, nullptr) << id;
    return WithContext(kStart, [&](const mutations::PlanContext& context) {
      return mutations::ReportingInterval(organization->record.organization(), context);
    });
  }

  std::vector<mutations::PlannedChange> OverdueAt(absl::Time now) {
    return WithContext(now,
                       [](const mutations::PlanContext& context) { return mutations::PlanReportDeadlines(context); });
  }

  state::Picture picture_;
  const domain::Region region_ = domain::Region::Default();  // 24 h; 1 h from "GRIP 1".
};

TEST_F(CadencePlannerTest, IntervalIsTheOrganisationsOwnOrTheRegionDefault) {
  PutDirectly(picture_, OrganizationRecord(OrganizationWithInterval("own", absl::Hours(6))));
  EXPECT_EQ(IntervalOf("a"), absl::Hours(24));
  EXPECT_EQ(IntervalOf("own"), absl::Hours(6));
}

TEST_F(CadencePlannerTest, ScaledUpIncidentTightensTheIntervalOfTheOrganisationsItNames) {
  PutDirectly(picture_, IncidentRecord("brand", "GRIP 2", v1::INCIDENT_STATUS_SCALED_UP, {"a"}));
  EXPECT_EQ(IntervalOf("a"), absl::Hours(1));
  EXPECT_EQ(IntervalOf("b"), absl::Hours(24)) << "same region, but the incident names its organisations";
}

TEST_F(CadencePlannerTest, IncidentNamingNoOrganisationsTightensItsWholeRegion) {
  PutDirectly(picture_, IncidentRecord("brand", "GRIP 1", v1::INCIDENT_STATUS_OPEN));
  EXPECT_EQ(IntervalOf("a"), absl::Hours(1));
  EXPECT_EQ(IntervalOf("b"), absl::Hours(1));
  EXPECT_EQ(IntervalOf("elsewhere"), absl::Hours(24));
}

TEST_F(CadencePlannerTest, OnlyActiveIncidentsAtAScaledUpLevelTighten) {
  PutDirectly(picture_, IncidentRecord("klein", "GRIP 0", v1::INCIDENT_STATUS_OPEN, {"a"}));
  PutDirectly(picture_, IncidentRecord("voorbij", "GRIP 3", v1::INCIDENT_STATUS_CLOSED, {"a"}));
  PutDirectly(picture_, IncidentRecord("onbekend", "Fase 9", v1::INCIDENT_STATUS_OPEN, {"a"}));
  EXPECT_EQ(IntervalOf("a"), absl::Hours(24));
  PutDirectly(picture_, IncidentRecord("afgeschaald", "GRIP 1", v1::INCIDENT_STATUS_SCALED_DOWN, {"a"}));
  EXPECT_EQ(IntervalOf("a"), absl::Hours(1)) << "scaled down to GRIP 1 is still scaled up";
}

TEST_F(CadencePlannerTest, AnOwnIntervalShorterThanTheScaledUpOneStays) {
  PutDirectly(picture_, OrganizationRecord(OrganizationWithInterval("fast", absl::Minutes(15))));
  PutDirectly(picture_, IncidentRecord("brand", "GRIP 2", v1::INCIDENT_STATUS_OPEN));
  EXPECT_EQ(IntervalOf("fast"), absl::Minutes(15));
}

TEST_F(CadencePlannerTest, IncidentsAreFoundPastLongSituationLogs) {
  // "incidents/x-y" sorts between "incidents/x" and "incidents/x/entries/...": the walk that skips entries must not
  // skip it, nor an incident after a log longer than a page.
  PutDirectly(picture_, IncidentRecord("x", "GRIP 0", v1::INCIDENT_STATUS_OPEN));
  for (int i = 1; i <= 100; ++i) PutDirectly(picture_, EntryRecord("x", i));
  PutDirectly(picture_, IncidentRecord("x-y", "GRIP 2", v1::INCIDENT_STATUS_OPEN, {"a"}));
  for (int i = 101; i <= 150; ++i) PutDirectly(picture_, EntryRecord("x-y", i));
  PutDirectly(picture_, IncidentRecord("z", "GRIP 2", v1::INCIDENT_STATUS_OPEN, {"b"}));
  EXPECT_EQ(IntervalOf("a"), absl::Hours(1));
  EXPECT_EQ(IntervalOf("b"), absl::Hours(1));
}

TEST_F(CadencePlannerTest, ReportBecomesOverdueAtCommitTimePlusInterval) {
  PutDirectly(picture_, ReportRecord(MakeReport("a"), kStart));
  EXPECT_TRUE(OverdueAt(kStart + absl::Hours(24) - absl::Seconds(1)).empty());
  const std::vector<mutations::PlannedChange> changes = OverdueAt(kStart + absl::Hours(25));
  ASSERT_EQ(changes.size(), 1u);
  const v1::Record& record = changes[0].record;
  EXPECT_EQ(record.name(), "organizations/a/status");
  EXPECT_EQ(record.kind(), v1::ENTITY_KIND_STATUS_REPORT);
  EXPECT_EQ(record.scope().organization_id(), "a");
  EXPECT_EQ(FromProtoTime(record.status_report().overdue_since()), kStart + absl::Hours(24)) << "the due time, not now";
  EXPECT_EQ(FromProtoTime(record.status_report().commit_time()), kStart) << "the report itself is unchanged";
  EXPECT_EQ(record.status_report().capacity_size(), 1);
  ASSERT_NE(changes[0].previous, nullptr);
  EXPECT_EQ(changes[0].previous->record.name(), record.name());
}

TEST_F(CadencePlannerTest, MarkedAndPerLocationReportsAreLeftAlone) {
  v1::Record marked = ReportRecord(MakeReport("a"), kStart);
  *marked.mutable_status_report()->mutable_overdue_since() = ToProtoTime(kStart + absl::Hours(24));
  // Marked unknown too (the grace passed): nothing is left to mark.
  marked.mutable_status_report()->set_last_known_overall_status(marked.status_report().overall_status());
  marked.mutable_status_report()->set_overall_status(v1::OVERALL_STATUS_UNKNOWN);
  *marked.mutable_status_report()->mutable_unknown_since() = ToProtoTime(kStart + absl::Hours(25));
  PutDirectly(picture_, marked);
  v1::StatusReport site = MakeReport("b");
  site.set_location_id("main");
  PutDirectly(picture_, ReportRecord(site, kStart));
  EXPECT_TRUE(OverdueAt(kStart + absl::Hours(48)).empty());
}

// A report whose emergency department is on diversion (or closed) until `until`.
v1::StatusReport ReportWithEmergencyDepartment(const std::string& organization, v1::EmergencyDepartmentState state,
                                               absl::Time until) {
  v1::StatusReport report = MakeReport(organization);
  report.mutable_emergency_department()->set_state(state);
  report.mutable_emergency_department()->set_reason("Stroomstoring");
  *report.mutable_emergency_department()->mutable_until() = ToProtoTime(until);
  return report;
}

TEST_F(CadencePlannerTest, ADiversionOrClosureExpiresAtItsUntilAlsoPerLocation) {
  PutDirectly(picture_, ReportRecord(ReportWithEmergencyDepartment("a", v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION,
                                                                   kStart + absl::Hours(4)),
                                     kStart));
  v1::StatusReport site =
      ReportWithEmergencyDepartment("b", v1::EMERGENCY_DEPARTMENT_STATE_CLOSED, kStart + absl::Hours(1));
  site.set_location_id("main");
  PutDirectly(picture_, ReportRecord(site, kStart));
  // An open department with an `until` has nothing to expire.
  PutDirectly(picture_, ReportRecord(ReportWithEmergencyDepartment("elsewhere", v1::EMERGENCY_DEPARTMENT_STATE_OPEN,
                                                                   kStart + absl::Hours(1)),
                                     kStart));

  EXPECT_TRUE(OverdueAt(kStart + absl::Hours(1) - absl::Seconds(1)).empty());
  std::vector<mutations::PlannedChange> changes = OverdueAt(kStart + absl::Hours(5));
  ASSERT_EQ(changes.size(), 2u);
  std::sort(changes.begin(), changes.end(),
            [](const auto& x, const auto& y) { return x.record.name() < y.record.name(); });
  EXPECT_EQ(changes[0].record.name(), "organizations/a/status");
  EXPECT_EQ(FromProtoTime(changes[0].record.status_report().emergency_department().expired_since()),
            kStart + absl::Hours(4))
      << "the until, not now";
  EXPECT_FALSE(changes[0].record.status_report().has_overdue_since()) << "within its 24 h interval";
  EXPECT_EQ(changes[0].record.status_report().emergency_department().state(), v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION)
      << "the reported state stays, marked unconfirmed";
  EXPECT_EQ(changes[1].record.name(), "organizations/b/locations/main/status");
  EXPECT_EQ(FromProtoTime(changes[1].record.status_report().emergency_department().expired_since()),
            kStart + absl::Hours(1));
}

TEST_F(CadencePlannerTest, ScaledUpIncidentMakesReportsOverdueSooner) {
  PutDirectly(picture_, ReportRecord(MakeReport("a"), kStart));
  PutDirectly(picture_, ReportRecord(MakeReport("b"), kStart));
  PutDirectly(picture_, IncidentRecord("brand", "GRIP 2", v1::INCIDENT_STATUS_OPEN, {"a"}));
  const std::vector<mutations::PlannedChange> changes = OverdueAt(kStart + absl::Hours(1));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].record.name(), "organizations/a/status");
  EXPECT_EQ(FromProtoTime(changes[0].record.status_report().overdue_since()), kStart + absl::Hours(1));
}

TEST_F(CadencePlannerTest, CostOfATickOverTenThousandReports) {
  for (int i = 0; i < 10000; ++i) {
    const std::string id = absl::StrCat("org-", i);
    PutDirectly(picture_, OrganizationRecord(MakeOrganization(id)));
    PutDirectly(picture_, ReportRecord(MakeReport(id), kStart));
  }
  for (int i = 0; i < 20; ++i)
    PutDirectly(picture_, IncidentRecord(absl::StrCat("i", i), "GRIP 0", v1::INCIDENT_STATUS_OPEN));
  constexpr int kTicks = 20;
  const auto begin = std::chrono::steady_clock::now();
  size_t planned = 0;
  for (int i = 0; i < kTicks; ++i) planned += OverdueAt(kStart + absl::Hours(1)).size();
  const double quiet_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count() / kTicks;
  EXPECT_EQ(planned, 0u);
  const auto due_begin = std::chrono::steady_clock::now();
  EXPECT_EQ(OverdueAt(kStart + absl::Hours(48)).size(), 10000u);
  const double due_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - due_begin).count();
  std::cout << "PlanReportDeadlines over 10000 reports: " << quiet_ms << " ms per quiet tick, " << due_ms
            << " ms when all are due\n";
  // Generous bounds (measured: 4..25 ms per quiet tick on this 2-core machine, depending on load; about half of it is
  // the scan of the picture): they catch a scan per report (quadratic: seconds), not a busy machine.
  EXPECT_LT(quiet_ms, 500);
  EXPECT_LT(due_ms, 5000);
}

// Through the committer: the facts in the log.
class CadenceCommitTest : public CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    MustSubmit(RegisterWrite(MakeOrganization("a")));
  }

  // The events in the log that mark a report overdue.
  std::vector<v1::Event> OverdueEvents() {
    std::vector<v1::Event> overdue;
    for (v1::Event& event : Log()) {
      if (event.record().status_report().has_overdue_since()) overdue.push_back(std::move(event));
    }
    return overdue;
  }
};

TEST_F(CadenceCommitTest, OverdueIsCommittedExactlyOnceAlsoAfterARestart) {
  MustSubmit(ReportWrite(MakeReport("a")));
  Advance(absl::Hours(24) - absl::Seconds(1));
  ASSERT_TRUE(Tick().ok());
  EXPECT_TRUE(OverdueEvents().empty());

  Advance(absl::Seconds(1));
  const int64_t before = store_->last_revision();
  absl::StatusOr<WriteResult> tick = Tick();
  ASSERT_TRUE(tick.ok()) << tick.status();
  EXPECT_EQ(tick->revision, before + 1);
  for (int i = 0; i < 3; ++i) {
    Advance(absl::Minutes(10));
    ASSERT_TRUE(Tick().ok());
  }
  std::vector<v1::Event> overdue = OverdueEvents();
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].record().name(), "organizations/a/status");
  EXPECT_EQ(FromProtoTime(overdue[0].record().status_report().overdue_since()), kStart + absl::Hours(24));
  EXPECT_EQ(FromProtoTime(overdue[0].commit_time()), kStart + absl::Hours(24));

  Restart();
  Advance(absl::Minutes(10));
  ASSERT_TRUE(Tick().ok());
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(OverdueEvents().size(), 1u) << "the restarted server repeated the fact";
}

TEST_F(CadenceCommitTest, NewReportClearsOverdueAndStartsANewPeriod) {
  MustSubmit(ReportWrite(MakeReport("a")));
  Advance(absl::Hours(25));
  ASSERT_TRUE(Tick().ok());
  ASSERT_EQ(OverdueEvents().size(), 1u);
  ASSERT_TRUE(picture_->Find("organizations/a/status")->record.status_report().has_overdue_since());

  const v1::Record fresh = MustSubmit(ReportWrite(MakeReport("a")));
  EXPECT_FALSE(fresh.status_report().has_overdue_since());
  EXPECT_EQ(FromProtoTime(fresh.status_report().next_report_due()), kStart + absl::Hours(49));
  Advance(absl::Hours(23));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(OverdueEvents().size(), 1u);
  Advance(absl::Hours(1));
  ASSERT_TRUE(Tick().ok());
  std::vector<v1::Event> overdue = OverdueEvents();
  ASSERT_EQ(overdue.size(), 2u);
  EXPECT_EQ(FromProtoTime(overdue[1].record().status_report().overdue_since()), kStart + absl::Hours(49));
}

TEST_F(CadenceCommitTest, ReportQueuedWithTheTickIsSeenByIt) {
  MustSubmit(ReportWrite(MakeReport("a")));
  Advance(absl::Hours(25));
  // Report first, tick second, without waiting: whether or not they share a commit group, the tick must see the new
  // report (through the group's lookup) and find nothing overdue.
  std::vector<mutations::WriteRequest> writes;
  writes.push_back(ReportWrite(MakeReport("a")));
  writes.push_back(Write(mutations::SystemTick{}));
  const std::vector<absl::StatusOr<WriteResult>> results = SubmitAll(std::move(writes));
  const absl::Status report_status = results[0].status();
  const absl::Status tick_status = results[1].status();
  ASSERT_TRUE(report_status.ok()) << report_status;
  ASSERT_TRUE(tick_status.ok()) << tick_status;
  EXPECT_TRUE(OverdueEvents().empty());
}

TEST_F(CadenceCommitTest, OwnIntervalApplies) {
  MustSubmit(RegisterWrite(OrganizationWithInterval("fast", absl::Minutes(30))));
  MustSubmit(ReportWrite(MakeReport("fast")));
  MustSubmit(ReportWrite(MakeReport("a")));
  Advance(absl::Minutes(30));
  ASSERT_TRUE(Tick().ok());
  std::vector<v1::Event> overdue = OverdueEvents();
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].record().name(), "organizations/fast/status");
}

// When the telephone network fails, nobody reports: an hour after a report became overdue (the region's default
// grace), its "strained" must not be read as current any more. The server commits "unknown (last known: strained)"
// once, also across a restart; the organisation's next report, even a partial one, brings its own status back.
TEST_F(CadenceCommitTest, AnOverdueReportBecomesUnknownOnceAfterTheGraceAndAReportRestoresIt) {
  MustSubmit(ReportWrite(MakeReport("a")));  // OVERALL_STATUS_STRAINED.
  auto unknown_events = [this] {
    std::vector<v1::Event> unknown;
    for (v1::Event& event : Log()) {
      if (event.record().status_report().has_unknown_since()) unknown.push_back(std::move(event));
    }
    return unknown;
  };
  Advance(absl::Hours(24));
  ASSERT_TRUE(Tick().ok());
  ASSERT_EQ(OverdueEvents().size(), 1u);
  Advance(absl::Hours(1) - absl::Seconds(1));
  ASSERT_TRUE(Tick().ok());
  EXPECT_TRUE(unknown_events().empty());
  Advance(absl::Seconds(1));
  ASSERT_TRUE(Tick().ok());
  std::vector<v1::Event> unknown = unknown_events();
  ASSERT_EQ(unknown.size(), 1u);
  const v1::StatusReport& marked = unknown[0].record().status_report();
  EXPECT_EQ(marked.overall_status(), v1::OVERALL_STATUS_UNKNOWN);
  EXPECT_EQ(marked.last_known_overall_status(), v1::OVERALL_STATUS_STRAINED);
  EXPECT_EQ(FromProtoTime(marked.unknown_since()), kStart + absl::Hours(25));
  EXPECT_EQ(marked.capacity_size(), 1) << "the figures stay, marked by their age";
  Restart();
  Advance(absl::Minutes(10));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(unknown_events().size(), 1u) << "once, also after a restart";

  v1::ReportStatusRequest partial;
  partial.mutable_report()->set_organization_id("a");
  v1::Supply* supply = partial.mutable_report()->add_supplies();
  supply->set_type(v1::SUPPLY_TYPE_GENERATOR);
  supply->set_autonomy_hours(6);
  partial.mutable_update_mask()->add_paths("supplies");
  const v1::Record back = MustSubmit(Write(std::move(partial)));
  EXPECT_EQ(back.status_report().overall_status(), v1::OVERALL_STATUS_STRAINED);
  EXPECT_FALSE(back.status_report().has_unknown_since());
  EXPECT_EQ(back.status_report().last_known_overall_status(), v1::OVERALL_STATUS_UNSPECIFIED);
  EXPECT_FALSE(back.status_report().has_overdue_since());
}

TEST_F(CadenceCommitTest, ServerDownPastDueAndGraceMarksOverdueAndUnknownInOneEvent) {
  MustSubmit(ReportWrite(MakeReport("a")));
  Advance(absl::Hours(30));
  ASSERT_TRUE(Tick().ok());
  const std::vector<v1::Event> overdue = OverdueEvents();
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(FromProtoTime(overdue[0].record().status_report().overdue_since()), kStart + absl::Hours(24));
  EXPECT_EQ(FromProtoTime(overdue[0].record().status_report().unknown_since()), kStart + absl::Hours(25));
}

TEST_F(CadenceCommitTest, AnExpiredDiversionIsCommittedOnceAlsoAfterARestartAndANewReportClearsIt) {
  MustSubmit(ReportWrite(
      ReportWithEmergencyDepartment("a", v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION, kStart + absl::Hours(2))));
  auto expired_events = [this] {
    int count = 0;
    for (const v1::Event& event : Log()) {
      count += event.record().status_report().emergency_department().has_expired_since() ? 1 : 0;
    }
    return count;
  };
  Advance(absl::Hours(2) - absl::Seconds(1));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(expired_events(), 0);
  Advance(absl::Seconds(1));
  ASSERT_TRUE(Tick().ok());
  ASSERT_EQ(expired_events(), 1);
  Advance(absl::Minutes(10));
  ASSERT_TRUE(Tick().ok());
  Restart();
  Advance(absl::Minutes(10));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(expired_events(), 1) << "once, also after a restart";

  // The coordinator confirms: diversion until later. The new report is confirmed, and expires in its turn.
  const v1::Record confirmed = MustSubmit(ReportWrite(
      ReportWithEmergencyDepartment("a", v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION, kStart + absl::Hours(6))));
  EXPECT_FALSE(confirmed.status_report().emergency_department().has_expired_since());
  Advance(absl::Hours(4));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(expired_events(), 2);
  EXPECT_EQ(
      FromProtoTime(
          picture_->Find("organizations/a/status")->record.status_report().emergency_department().expired_since()),
      kStart + absl::Hours(6));
}

}  // namespace
}  // namespace ketenbeeld::pipeline
