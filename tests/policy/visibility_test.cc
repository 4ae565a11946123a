#include "server/policy/visibility.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

TEST(VisibilityTest, CapacityThatIsNotBedsIsWithheldButStatesStay) {
  v1::Record record = StatusRecord("keten");
  v1::StatusReport& full = *record.mutable_status_report();
  full.mutable_ambulance()->set_ambulances_available(4);
  full.mutable_gp_post()->set_state(v1::GP_POST_STATE_RESTRICTED);
  full.mutable_gp_post()->set_reason("alleen spoed");
  full.mutable_gp_post()->set_consultations_per_hour(12);
  full.mutable_gp_post()->set_slots_available(3);
  full.mutable_home_care()->set_clients_on_powered_devices(37);
  full.mutable_public_health()->set_infection_control_teams_available(2);
  full.mutable_intake_stop()->set_state(v1::INTAKE_STOP_STATE_ACTIVE);
  full.mutable_intake_stop()->set_reason("noodstroom");
  for (const char* path :
       {"ambulance.ambulances_available", "gp_post.consultations_per_hour", "gp_post.reason", "gp_post.slots_available",
        "gp_post.state", "home_care", "intake_stop", "public_health.vaccination_teams_available"}) {
    full.mutable_update_mask()->add_paths(path);
  }
  const v1::Record original = record;

  ASSERT_TRUE(Redact(Viewer::For(As(Role::ROLE_BESTUUR, "bestuur-vr10")), record));
  const v1::StatusReport& report = record.status_report();
  EXPECT_FALSE(report.has_ambulance());
  EXPECT_FALSE(report.has_home_care());
  EXPECT_FALSE(report.has_public_health());
  EXPECT_FALSE(report.gp_post().has_consultations_per_hour());
  EXPECT_FALSE(report.gp_post().has_slots_available());
  // Where not to send people is no competitive figure: the GP post's state and the intake stop stay.
  EXPECT_EQ(report.gp_post().state(), v1::GP_POST_STATE_RESTRICTED);
  EXPECT_EQ(report.gp_post().reason(), "alleen spoed");
  EXPECT_EQ(report.intake_stop().state(), v1::INTAKE_STOP_STATE_ACTIVE);
  EXPECT_EQ(report.intake_stop().reason(), "noodstroom");
  // The mask tells that a withheld part changed, not which figure; the states' paths stay.
  EXPECT_EQ(std::vector<std::string>(report.update_mask().paths().begin(), report.update_mask().paths().end()),
            (std::vector<std::string>{"ambulance", "gp_post", "gp_post.reason", "gp_post.state", "home_care",
                                      "intake_stop", "public_health"}));

  // A GP post that gave only counts leaves nothing behind (absent, not an empty message).
  v1::Record counts_only = original;
  counts_only.mutable_status_report()->mutable_gp_post()->clear_state();
  counts_only.mutable_status_report()->mutable_gp_post()->clear_reason();
  ASSERT_TRUE(Redact(Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-b")), counts_only));
  EXPECT_FALSE(counts_only.status_report().has_gp_post());

  // The GHOR and dispatch see every figure.
  v1::Record for_dispatch = original;
  EXPECT_FALSE(Redact(Viewer::For(As(Role::ROLE_DISPATCH, "meldkamer-vr10")), for_dispatch));
  EXPECT_EQ(for_dispatch.status_report().ambulance().ambulances_available(), 4);
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

v1::Record OrganizationWithWebhook() {
  v1::Record record;
  record.set_name("organizations/zc-3");
  record.set_kind(v1::ENTITY_KIND_ORGANIZATION);
  v1::ContactEndpoint& endpoint = *record.mutable_organization()->mutable_contact()->add_endpoints();
  endpoint.set_id("alarm");
  endpoint.mutable_webhook()->set_url("https://alarm.zc-3.nl/hook");
  endpoint.mutable_webhook()->set_secret("geheim-geheim-geheim");
  return record;
}

TEST(VisibilityTest, AWebhookSecretIsWithheldFromEveryReaderOfRecordsAndEvents) {
  const state::RecordPtr record = state::MakeRecord(OrganizationWithWebhook());
  v1::Event event;
  *event.mutable_record() = OrganizationWithWebhook();
  const state::EventPtr shared = state::MakeEvent(event);
  for (const Viewer& viewer :
       {Viewer::Everything(), Viewer::For(As(Role::ROLE_GHOR, "ghor-vr10")),
        Viewer::For(As(Role::ROLE_OPERATOR, "beheer")), Viewer::For(As(Role::ROLE_INSTITUTION, "zc-3"))}) {
    EXPECT_EQ(WireFor(viewer, *record).find("geheim"), std::string::npos);
    EXPECT_EQ(WireFor(viewer, *shared).find("geheim"), std::string::npos);
    v1::Record parsed;
    ASSERT_TRUE(parsed.ParseFromString(WireFor(viewer, *record)));
    EXPECT_EQ(parsed.organization().contact().endpoints(0).webhook().url(), "https://alarm.zc-3.nl/hook");
    v1::Record copy = OrganizationWithWebhook();
    EXPECT_FALSE(Redact(viewer, copy));  // No detailed figures withheld: the secret is not a figure.
    EXPECT_EQ(copy.organization().contact().endpoints(0).webhook().secret(), "");
  }
}

using Cell = queries::FigureTable::CapacityCell;
using Values = std::map<std::string, int64_t>;

Cell Ic(v1::CapacityFigure figure) {
  return {
      .safety_region = "VR10", .sector = v1::SECTOR_ACUTE_CARE, .bed_type = v1::BED_TYPE_IC_ADULT, .figure = figure};
}

queries::FigureTable::CapacityValue Given(int64_t value, absl::Time at = absl::UnixEpoch()) {
  return {.value = value, .newest = at, .oldest = at};
}

// A table of one cell, IC beds available, with these organisations' values (reported at `at`).
queries::FigureTable Available(const Values& values, absl::Time at = absl::UnixEpoch()) {
  queries::FigureTable table;
  for (const auto& [id, value] : values) {
    table.capacity[Ic(v1::CAPACITY_FIGURE_AVAILABLE)][id] = Given(value, at);
  }
  return table;
}

// The published values of that cell; nullopt when it is not published at all.
std::optional<Values> Shown(const queries::FigureTable& table, v1::CapacityFigure figure) {
  const auto it = table.capacity.find(Ic(figure));
  if (it == table.capacity.end()) return std::nullopt;
  Values values;
  for (const auto& [id, value] : it->second) values[id] = value.value;
  return values;
}

TEST(PublishedFiguresTest, ACellChangesOnlyWhenTheMinimumGroupOfOrganisationsChanged) {
  PublishedFigures published(3);
  constexpr v1::CapacityFigure kAvailable = v1::CAPACITY_FIGURE_AVAILABLE;
  // Two organisations: too few for a publication; the cell is there (someone gives the figure) without values.
  EXPECT_EQ(Shown(*published.Publish(Available({{"a", 4}, {"b", 2}})), kAvailable), Values());
  EXPECT_EQ(Shown(*published.Publish(Available({{"a", 4}, {"b", 2}, {"c", 1}})), kAvailable),
            (Values{{"a", 4}, {"b", 2}, {"c", 1}}));
  // B's figures 7, 2, 0 one after the other: one organisation changed each time, nothing is published.
  for (int b : {7, 2, 0}) {
    EXPECT_EQ(Shown(*published.Publish(Available({{"a", 4}, {"b", b}, {"c", 1}})), kAvailable),
              (Values{{"a", 4}, {"b", 2}, {"c", 1}}))
        << "b = " << b;
  }
  // Repeating the same figures later changes nothing; a second changed organisation is not enough either.
  const auto before = published.Publish(Available({{"a", 4}, {"b", 0}, {"c", 1}}, absl::UnixEpoch() + absl::Hours(1)));
  EXPECT_EQ(published.Publish(Available({{"a", 4}, {"b", 0}, {"c", 1}}, absl::UnixEpoch() + absl::Hours(2))), before)
      << "nothing changed: the same table, not a copy";
  EXPECT_EQ(Shown(*published.Publish(Available({{"a", 9}, {"b", 0}, {"c", 1}})), kAvailable),
            (Values{{"a", 4}, {"b", 2}, {"c", 1}}));
  // The third: everything is published at once.
  EXPECT_EQ(Shown(*published.Publish(Available({{"a", 9}, {"b", 0}, {"c", 3}})), kAvailable),
            (Values{{"a", 9}, {"b", 0}, {"c", 3}}));
  // Withdrawing a figure is a change like any other.
  EXPECT_EQ(Shown(*published.Publish(Available({{"a", 9}, {"b", 0}})), kAvailable),
            (Values{{"a", 9}, {"b", 0}, {"c", 3}}));
  EXPECT_EQ(Shown(*published.Publish(queries::FigureTable()), kAvailable), std::nullopt)
      << "all three withdrew: nobody gives the figure";
}

// A directory of its own for one test.
std::string FreshDir() {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("published_" + std::to_string(::getpid()) + "_" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(PublishedFiguresTest, ARestartGoesOnFromTheKeptPublication) {
  const std::string path = FreshDir() + "/published-figures";
  constexpr v1::CapacityFigure kAvailable = v1::CAPACITY_FIGURE_AVAILABLE;
  {
    PublishedFigures published(3, path);
    published.Publish(Available({{"a", 4}, {"b", 2}, {"c", 1}}));
    EXPECT_EQ(Shown(*published.Publish(Available({{"a", 4}, {"b", 7}, {"c", 1}})), kAvailable),
              (Values{{"a", 4}, {"b", 2}, {"c", 1}}));
  }
  PublishedFigures restarted(3, path);
  // Without the kept publication, B's one change since would be published here (three organisations differ from
  // nothing).
  EXPECT_EQ(Shown(*restarted.Publish(Available({{"a", 4}, {"b", 7}, {"c", 1}})), kAvailable),
            (Values{{"a", 4}, {"b", 2}, {"c", 1}}));
  EXPECT_EQ(Shown(*restarted.Publish(Available({{"a", 5}, {"b", 7}, {"c", 3}})), kAvailable),
            (Values{{"a", 5}, {"b", 7}, {"c", 3}}));
}

TEST(PublishedFiguresTest, APublicationThatCannotBeKeptIsNotShown) {
  const std::string dir = FreshDir();
  const std::string path = dir + "/published-figures";
  constexpr v1::CapacityFigure kAvailable = v1::CAPACITY_FIGURE_AVAILABLE;
  PublishedFigures published(3, path);
  published.Publish(Available({{"a", 4}, {"b", 2}, {"c", 1}}));
  // The file cannot be replaced (a directory where its temporary copy goes): the readers keep the last publication,
  // which a restart would also start from, rather than one a restart would forget.
  std::filesystem::create_directories(path + ".new/blocked");
  EXPECT_EQ(Shown(*published.Publish(Available({{"a", 9}, {"b", 8}, {"c", 7}})), kAvailable),
            (Values{{"a", 4}, {"b", 2}, {"c", 1}}));
  std::filesystem::remove_all(path + ".new");
  EXPECT_EQ(Shown(*published.Publish(Available({{"a", 9}, {"b", 8}, {"c", 7}})), kAvailable),
            (Values{{"a", 9}, {"b", 8}, {"c", 7}}));
  EXPECT_EQ(Shown(*PublishedFigures(3, path).Publish(Available({{"a", 9}, {"b", 8}, {"c", 6}})), kAvailable),
            (Values{{"a", 9}, {"b", 8}, {"c", 7}}));
}

TEST(PublishedFiguresTest, AnOlderSnapshotDoesNotTurnThePublicationBack) {
  PublishedFigures published(3);
  queries::FigureTable newer = Available({{"a", 4}, {"b", 2}, {"c", 1}});
  newer.revision = 5;
  const std::shared_ptr<const queries::FigureTable> shown = published.Publish(newer);
  // A reader that took its snapshot before revision 5 (it raced the reader that published).
  queries::FigureTable older = Available({{"a", 1}, {"b", 1}, {"c", 9}});
  older.revision = 4;
  EXPECT_EQ(published.Publish(older), shown);
  EXPECT_EQ(Shown(*shown, v1::CAPACITY_FIGURE_AVAILABLE), (Values{{"a", 4}, {"b", 2}, {"c", 1}}));
}

TEST(PublishedFiguresTest, EachFigureIsPublishedOnItsOwnAndWhoReportsATypeAtOnce) {
  PublishedFigures published(3);
  queries::FigureTable live = Available({{"a", 4}, {"b", 2}, {"c", 1}});
  for (const char* id : {"a", "b", "c"}) live.capacity[Ic(v1::CAPACITY_FIGURE_UNSPECIFIED)][id] = {};
  live.capacity[Ic(v1::CAPACITY_FIGURE_SURGE_24H)]["b"] = Given(5);
  live.organizations["a"] = {.safety_region = "VR10", .sector = v1::SECTOR_ACUTE_CARE};
  std::shared_ptr<const queries::FigureTable> shown = published.Publish(live);
  EXPECT_EQ(Shown(*shown, v1::CAPACITY_FIGURE_SURGE_24H), Values()) << "one organisation's surge: no values";
  EXPECT_EQ(Shown(*shown, v1::CAPACITY_FIGURE_AVAILABLE)->size(), 3u);
  EXPECT_EQ(shown->organizations, live.organizations);
  // D starts reporting the type (no figures yet): the count of who reports it is no figure and is current.
  live.capacity[Ic(v1::CAPACITY_FIGURE_UNSPECIFIED)]["d"] = {};
  shown = published.Publish(live);
  EXPECT_EQ(Shown(*shown, v1::CAPACITY_FIGURE_UNSPECIFIED)->size(), 4u);
  // C and D add surge, B changes its: three changed surge figures.
  live.capacity[Ic(v1::CAPACITY_FIGURE_SURGE_24H)]["b"] = Given(6);
  live.capacity[Ic(v1::CAPACITY_FIGURE_SURGE_24H)]["c"] = Given(1);
  EXPECT_EQ(Shown(*published.Publish(live), v1::CAPACITY_FIGURE_SURGE_24H), Values())
      << "B's 5 was never published: it counts as given (one change), C as the second";
  live.capacity[Ic(v1::CAPACITY_FIGURE_SURGE_24H)]["d"] = Given(2);
  EXPECT_EQ(Shown(*published.Publish(live), v1::CAPACITY_FIGURE_SURGE_24H), (Values{{"b", 6}, {"c", 1}, {"d", 2}}));
}

TEST(PublishedFiguresTest, ChainFiguresWaitForTheMinimumGroupAndIntakeStopsDoNot) {
  PublishedFigures published(3);
  using ChainCell = queries::FigureTable::ChainCell;
  const ChainCell ambulances{
      .safety_region = "VR10", .sector = v1::SECTOR_ACUTE_CARE, .figure = v1::CHAIN_FIGURE_AMBULANCES_AVAILABLE};
  const ChainCell intake{
      .safety_region = "VR10", .sector = v1::SECTOR_LONG_TERM_CARE, .figure = v1::CHAIN_FIGURE_UNSPECIFIED};
  queries::FigureTable live;
  live.revision = 1;
  live.chain[ambulances]["rav"] = Given(4);
  live.chain[intake]["vvt"] = Given(1);
  std::shared_ptr<const queries::FigureTable> shown = published.Publish(live);
  EXPECT_TRUE(shown->chain.at(ambulances).empty()) << "one ambulance service's figure is its own: not published";
  EXPECT_EQ(shown->chain.at(intake).at("vvt").value, 1) << "an intake stop is on every report: published at once";
  live.revision = 2;
  live.chain[ambulances]["rav-2"] = Given(2);
  live.chain[ambulances]["rav-3"] = Given(1);
  shown = published.Publish(live);
  EXPECT_EQ(shown->chain.at(ambulances).size(), 3u) << "three organisations' figures changed";
}

// Questionnaires: an indicator's answers are one cell, published by the capacity's rule and kept across a restart.
TEST(PublishedFiguresTest, IndicatorAnswersWaitForTheMinimumGroupAndSurviveARestart) {
  const std::string path = FreshDir() + "/published-figures";
  using IndicatorCell = queries::FigureTable::IndicatorCell;
  const IndicatorCell temperature{.indicator_id = "binnentemperatuur"};
  const IndicatorCell feeling{.indicator_id = "gevoel"};
  queries::FigureTable live;
  live.revision = 1;
  live.indicators[temperature]["vvt-1"] = {.number = 27.5, .choice = "", .reported_at = absl::UnixEpoch()};
  live.indicators[temperature]["vvt-2"] = {.number = 29.5, .choice = "", .reported_at = absl::UnixEpoch()};
  live.indicators[feeling]["vvt-1"] = {.number = 0, .choice = "warm", .reported_at = absl::UnixEpoch()};
  {
    PublishedFigures published(3, path);
    std::shared_ptr<const queries::FigureTable> shown = published.Publish(live);
    EXPECT_TRUE(shown->indicators.at(temperature).empty()) << "two answers: too few for a publication";
    live.revision = 2;
    live.indicators[temperature]["vvt-3"] = {.number = 31, .choice = "", .reported_at = absl::UnixEpoch()};
    live.indicators[feeling]["vvt-2"] = {.number = 0, .choice = "heet", .reported_at = absl::UnixEpoch()};
    live.indicators[feeling]["vvt-3"] = {.number = 0, .choice = "warm", .reported_at = absl::UnixEpoch()};
    shown = published.Publish(live);
    ASSERT_EQ(shown->indicators.at(temperature).size(), 3u);
    EXPECT_EQ(shown->indicators.at(temperature).at("vvt-3").number, 31);
    EXPECT_EQ(shown->indicators.at(feeling).at("vvt-2").choice, "heet");
  }
  // One answer changed since: a restarted server goes on from the kept publication, so it is not published.
  live.revision = 3;
  live.indicators[temperature]["vvt-1"] = {
      .number = 35, .choice = "", .reported_at = absl::UnixEpoch() + absl::Hours(1)};
  PublishedFigures restarted(3, path);
  const std::shared_ptr<const queries::FigureTable> shown = restarted.Publish(live);
  EXPECT_EQ(shown->indicators.at(temperature).at("vvt-1").number, 27.5);
  EXPECT_EQ(shown->indicators.at(feeling).at("vvt-3").choice, "warm");
}

}  // namespace
}  // namespace ketenbeeld::policy
