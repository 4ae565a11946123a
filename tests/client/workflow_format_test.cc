#include "client/cli/workflow_format.h"

#include <string>
#include <vector>

#include "base/time.h"
#include "client/cli/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/cli_test_util.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::cli {
namespace {

using ::ketenbeeld::cli::testing::kNow;
using ::ketenbeeld::testing::ParseTextProto;

using ::testing::HasSubstr;
using ::testing::Not;

// 2023-11-14 22:13:20 UTC.

// The lines of `text` that contain `needle`.
std::vector<std::string> LinesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.find(needle) != std::string::npos) lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

TEST(GapReportTest, NotReportedIsShownApartFromZero) {
  const auto report = ParseTextProto<v1::GapReport>(R"pb(
    scenario_id: "overstroming"
    safety_region: "VR10"
    revision: 42
    # Everybody reported: 0 available is a real zero.
    capacity {
      bed_type: BED_TYPE_IC_ADULT
      sector: SECTOR_ACUTE_CARE
      required: 12
      available: 0
      surge_24h: 4
      shortfall: 12
      shortfall_after_surge: 8
      organizations_reported: 3
      organizations_not_reported: 0
    }
    # Nobody reported: the available figure is unknown, not zero.
    capacity {
      bed_type: BED_TYPE_NURSING_HOME
      required: 40
      shortfall: 40
      shortfall_after_surge: 40
      organizations_reported: 0
      organizations_not_reported: 5
    }
    # Some reported.
    capacity {
      bed_type: BED_TYPE_BURNS
      required: 3
      available: 5
      shortfall: 0
      shortfall_after_surge: 0
      organizations_reported: 1
      organizations_not_reported: 2
    }
    supplies {
      type: SUPPLY_TYPE_OXYGEN
      min_days_of_supply: 3
      short_organization_ids: "vvt-west"
      organizations_reported: 2
      organizations_not_reported: 1
    }
    supplies {
      type: SUPPLY_TYPE_GENERATOR
      min_days_of_supply: 1.5
      organizations_reported: 0
      organizations_not_reported: 4
    }
  )pb");
  const std::string text = RenderGapReport(report, absl::UTCTimeZone());
  EXPECT_THAT(text, HasSubstr("gap report of scenario overstroming (VR10) at revision 42"));
  EXPECT_THAT(text, HasSubstr("TYPE          SECTOR      REQUIRED  AVAILABLE  SURGE 24H  SHORTFALL  AFTER SURGE  "
                              "REPORTED  NOT REPORTED\n"
                              "ic-adult      acute-care        12          0          4         12            8  "
                              "       3  0\n"
                              "nursing-home  any               40          —          —       40 *         40 *  "
                              "       0  5 NOT REPORTED\n"
                              "burns         any                3          5          0        0 *          0 *  "
                              "       1  2 NOT REPORTED\n"));
  EXPECT_THAT(text, HasSubstr("* not every organisation reported this type; not reported is not zero"));
  // Supplies: who is short, and "—" (not 0) where nobody reported.
  ASSERT_EQ(LinesWith(text, "oxygen").size(), 1u);
  EXPECT_THAT(LinesWith(text, "oxygen")[0], HasSubstr("1 (vvt-west)"));
  EXPECT_THAT(LinesWith(text, "oxygen")[0], HasSubstr("1 NOT REPORTED"));
  ASSERT_EQ(LinesWith(text, "generator").size(), 1u);
  EXPECT_THAT(LinesWith(text, "generator")[0], HasSubstr("1.5  —"));
}

TEST(GapReportTest, NoFootnoteWhenEveryoneReported) {
  const auto report = ParseTextProto<v1::GapReport>(R"pb(
    scenario_id: "s"
    capacity { bed_type: BED_TYPE_BURNS required: 2 available: 3 organizations_reported: 2 }
  )pb");
  const std::string text = RenderGapReport(report, absl::UTCTimeZone());
  EXPECT_THAT(text, Not(HasSubstr("*")));
  EXPECT_THAT(LinesWith(text, "burns")[0], Not(HasSubstr("NOT REPORTED")));
  EXPECT_THAT(LinesWith(text, "burns")[0], Not(HasSubstr("—")));
}

TEST(PictureStalenessTest, OverdueReportsAreMarkedAndOthersShowWhenTheyAreDue) {
  std::vector<v1::Record> records = {
      ParseTextProto<v1::Record>(R"pb(
        name: "organizations/zh-noord/status"
        status_report {
          organization_id: "zh-noord"
          overall_status: OVERALL_STATUS_NORMAL
          commit_time { seconds: 1699970000 }      # 8 h 20 min ago
          next_report_due { seconds: 1699992800 }  # 2 h ago
          overdue_since { seconds: 1699992800 }
        }
      )pb"),
      ParseTextProto<v1::Record>(R"pb(
        name: "organizations/vvt-west/status"
        status_report {
          organization_id: "vvt-west"
          overall_status: OVERALL_STATUS_STRAINED
          commit_time { seconds: 1699999400 }      # 10 min ago
          next_report_due { seconds: 1700003000 }  # in 50 min
        }
      )pb"),
  };
  const std::string table = RenderPictureTable(records, kNow);
  EXPECT_THAT(table, HasSubstr("REPORTED        NEXT DUE\n"));
  ASSERT_EQ(LinesWith(table, "zh-noord").size(), 1u);
  EXPECT_THAT(LinesWith(table, "zh-noord")[0], HasSubstr("8 h 20 min ago  OVERDUE 2 h"));
  ASSERT_EQ(LinesWith(table, "vvt-west").size(), 1u);
  EXPECT_THAT(LinesWith(table, "vvt-west")[0], HasSubstr("10 min ago      in 50 min"));
  EXPECT_THAT(LinesWith(table, "vvt-west")[0], Not(HasSubstr("OVERDUE")));

  v1::StatusReport not_marked_yet;
  *not_marked_yet.mutable_next_report_due() = ToProtoTime(kNow - absl::Seconds(30));
  EXPECT_EQ(ReportDue(not_marked_yet, kNow), "due 30 s ago");
  EXPECT_EQ(ReportDue(v1::StatusReport(), kNow), "—");
}

TEST(WorkflowEventLinesTest, IncidentOpenedUpdatedClosed) {
  auto event = ParseTextProto<v1::Event>(R"pb(
    revision: 50
    commit_time { seconds: 1700000000 }
    type: EVENT_TYPE_PUT
    record {
      name: "incidents/brand-oost"
      create_revision: 50
      mod_revision: 50
      incident {
        id: "brand-oost"
        title: "Brand Oostpolder"
        type: "brand"
        scale_up_level: "GRIP 2"
        status: INCIDENT_STATUS_OPEN
        casualties { t1: 3 t3: 10 }
      }
    }
  )pb");
  EXPECT_EQ(FormatEventLine(event, absl::UTCTimeZone()),
            "rev 50  22:13:20  incidents/brand-oost  PUT  opened  GRIP 2  open  brand  Brand Oostpolder  "
            "T1 3 T2 — T3 10 dead —");
  event.set_revision(51);
  event.mutable_record()->set_mod_revision(51);
  event.mutable_record()->mutable_incident()->set_scale_up_level("GRIP 3");
  event.mutable_record()->mutable_incident()->set_status(v1::INCIDENT_STATUS_SCALED_UP);
  EXPECT_THAT(FormatEventLine(event, absl::UTCTimeZone()), HasSubstr("PUT  updated  GRIP 3  scaled-up  brand"));
  event.mutable_record()->mutable_incident()->set_status(v1::INCIDENT_STATUS_CLOSED);
  EXPECT_THAT(FormatEventLine(event, absl::UTCTimeZone()), HasSubstr("PUT  closed  GRIP 3  closed"));
}

TEST(WorkflowEventLinesTest, SituationEntryShowsLayerAuthorAndOneLineOfText) {
  const auto event = ParseTextProto<v1::Event>(R"pb(
    revision: 52
    commit_time { seconds: 1700000000 }
    type: EVENT_TYPE_PUT
    record {
      name: "incidents/brand-oost/entries/00000000000000000052"
      create_revision: 52
      situation_entry {
        incident_id: "brand-oost"
        layer: SITUATION_LAYER_ASSESSMENT
        author: "OvD-G de Vries"
        text: "Rookpluim richting Julianadorp;\nverpleeghuis ontruimen?"
      }
    }
  )pb");
  EXPECT_EQ(EventSummary(event, absl::UTCTimeZone()),
            "assessment (oordeel)  OvD-G de Vries: Rookpluim richting Julianadorp; verpleeghuis ontruimen?");
  v1::Event long_text = event;
  long_text.mutable_record()->mutable_situation_entry()->set_text(std::string(150, 'x'));
  EXPECT_THAT(EventSummary(long_text, absl::UTCTimeZone()), HasSubstr(std::string(99, 'x') + "…"));
  EXPECT_THAT(EventSummary(long_text, absl::UTCTimeZone()), Not(HasSubstr(std::string(100, 'x'))));
}

TEST(WorkflowEventLinesTest, AlertSentCancelledAndDeadlinePassedWithTheUnconfirmed) {
  auto event = ParseTextProto<v1::Event>(R"pb(
    revision: 60
    commit_time { seconds: 1700000000 }
    type: EVENT_TYPE_PUT
    record {
      name: "alerts/stroom"
      create_revision: 60
      alert {
        id: "stroom"
        headline: "Stroomuitval Noord"
        urgency: URGENCY_IMMEDIATE
        severity: ALERT_SEVERITY_SEVERE
        certainty: CERTAINTY_OBSERVED
        status: ALERT_STATUS_ACTIVE
        version: 1
      }
    }
  )pb");
  EXPECT_EQ(EventSummary(event, absl::UTCTimeZone()),
            "sent  active  v1  severe/immediate/observed  Stroomuitval Noord");

  v1::Event passed = event;
  passed.set_revision(70);
  passed.mutable_actor()->set_role(v1::ROLE_SYSTEM);
  v1::DeadlinePassed* deadline = passed.mutable_record()->mutable_alert()->mutable_deadline_passed();
  *deadline->mutable_passed_at() = passed.commit_time();
  deadline->add_unacknowledged_organization_ids("vvt-west");
  deadline->add_unacknowledged_organization_ids("zh-zuid");
  deadline->set_audience_size(5);
  EXPECT_EQ(FormatEventLine(passed, absl::UTCTimeZone()),
            "rev 70  22:13:20  alerts/stroom  PUT  DEADLINE PASSED  2 of 5 not confirmed: vvt-west, zh-zuid  "
            "Stroomuitval Noord");

  // A later cancel still carries deadline_passed, but is not the deadline event.
  v1::Event cancelled = passed;
  cancelled.set_revision(80);
  cancelled.mutable_actor()->set_role(v1::ROLE_GHOR);
  *cancelled.mutable_commit_time() = ToProtoTime(kNow + absl::Minutes(5));
  cancelled.mutable_record()->mutable_alert()->set_status(v1::ALERT_STATUS_CANCELLED);
  cancelled.mutable_record()->mutable_alert()->set_version(2);
  EXPECT_THAT(EventSummary(cancelled, absl::UTCTimeZone()), ::testing::StartsWith("cancelled  cancelled  v2"));

  v1::Event all_confirmed = passed;
  all_confirmed.mutable_record()->mutable_alert()->mutable_deadline_passed()->clear_unacknowledged_organization_ids();
  EXPECT_THAT(EventSummary(all_confirmed, absl::UTCTimeZone()), ::testing::StartsWith("DEADLINE PASSED  all 5"));
}

TEST(WorkflowEventLinesTest, AcknowledgementRequestAndScenario) {
  const auto acknowledgement = ParseTextProto<v1::Event>(R"pb(
    revision: 61
    type: EVENT_TYPE_PUT
    record {
      name: "alerts/stroom/acknowledgements/vvt-west"
      acknowledgement { alert_id: "stroom" organization_id: "vvt-west" alert_version: 1 late: true comment: "ok" }
    }
  )pb");
  EXPECT_EQ(EventSummary(acknowledgement, absl::UTCTimeZone()), "acknowledged  by vvt-west (alert v1)  LATE  ok");

  auto request = ParseTextProto<v1::Event>(R"pb(
    revision: 90
    type: EVENT_TYPE_PUT
    record {
      name: "assistance-requests/bedden"
      create_revision: 90
      assistance_request {
        id: "bedden"
        organization_id: "vvt-west"
        type: ASSISTANCE_TYPE_BEDS
        bed_type: BED_TYPE_NURSING_HOME
        quantity: 10
        status: ASSISTANCE_STATUS_OPEN
        incident_id: "brand-oost"
      }
    }
  )pb");
  EXPECT_EQ(EventSummary(request, absl::UTCTimeZone()),
            "requested  open  10 × nursing-home beds  for vvt-west  incident brand-oost");
  request.set_revision(91);
  v1::AssistanceRequest* assistance = request.mutable_record()->mutable_assistance_request();
  assistance->set_status(v1::ASSISTANCE_STATUS_OFFERED);
  v1::Offer* first = assistance->add_offers();
  first->set_organization_id("vvt-oost");
  first->set_quantity(4);
  first->mutable_offered_at()->set_seconds(100);
  v1::Offer* second = assistance->add_offers();
  second->set_organization_id("vvt-zuid");
  second->set_quantity(6);
  second->mutable_offered_at()->set_seconds(200);
  EXPECT_THAT(EventSummary(request, absl::UTCTimeZone()),
              ::testing::StartsWith("offer from vvt-zuid (6)  offered  10 × nursing-home beds  for vvt-west  "
                                    "2 offers (10 offered)"));
  assistance->set_status(v1::ASSISTANCE_STATUS_ACCEPTED);
  first->set_status(v1::OFFER_STATUS_ACCEPTED);
  EXPECT_THAT(EventSummary(request, absl::UTCTimeZone()), ::testing::StartsWith("accepted offer from vvt-oost (4)"));
  assistance->set_status(v1::ASSISTANCE_STATUS_FULFILLED);
  EXPECT_THAT(EventSummary(request, absl::UTCTimeZone()), ::testing::StartsWith("fulfilled  fulfilled"));

  const auto scenario = ParseTextProto<v1::Event>(R"pb(
    revision: 95
    type: EVENT_TYPE_PUT
    record {
      name: "scenarios/overstroming"
      scenario {
        id: "overstroming"
        name: "Overstroming Kop"
        safety_region: "VR10"
        capacity { bed_type: BED_TYPE_IC_ADULT quantity: 12 }
      }
    }
  )pb");
  EXPECT_EQ(EventSummary(scenario, absl::UTCTimeZone()),
            "put  VR10  Overstroming Kop  1 capacity needs, 0 supply needs");
}

TEST(WorkflowEventLinesTest, OverdueReportEvent) {
  const auto event = ParseTextProto<v1::Event>(R"pb(
    revision: 99
    commit_time { seconds: 1700000000 }
    actor { role: ROLE_SYSTEM }
    type: EVENT_TYPE_PUT
    record {
      name: "organizations/zh-noord/status"
      status_report {
        organization_id: "zh-noord"
        overall_status: OVERALL_STATUS_NORMAL
        overdue_since { seconds: 1700000000 }
      }
    }
  )pb");
  EXPECT_EQ(FormatEventLine(event, absl::UTCTimeZone()),
            "rev 99  22:13:20  organizations/zh-noord/status  PUT  OVERDUE since 22:13  normal");
  EXPECT_EQ(RecordSummary(event.record()), "OVERDUE  normal");
}

TEST(AlertStatusTest, ListsWhoHasAndWhoHasNotConfirmed) {
  const auto acknowledgements = ParseTextProto<v1::AlertAcknowledgements>(R"pb(
    alert {
      id: "stroom"
      headline: "Stroomuitval Noord"
      version: 2
      status: ALERT_STATUS_ACTIVE
      audience { safety_regions: "VR10" kinds: ORGANIZATION_KIND_NURSING_HOME }
      acknowledge_by { seconds: 1700001800 }
    }
    acknowledgements {
      organization_id: "vvt-zuid"
      alert_version: 2
      acknowledged_at { seconds: 1699999000 }
      comment: "generator draait"
    }
    acknowledgements {
      organization_id: "vvt-oost"
      alert_version: 1
      acknowledged_at { seconds: 1699998000 }
      late: true
    }
    unacknowledged_organization_ids: "vvt-noord"
    unacknowledged_organization_ids: "vvt-west"
    audience_size: 4
    revision: 77
  )pb");
  const std::string text = RenderAlertAcknowledgements(acknowledgements, absl::UTCTimeZone(), kNow);
  EXPECT_THAT(text, HasSubstr("stroom (v2, active): Stroomuitval Noord"));
  EXPECT_THAT(text, HasSubstr("audience: VR10; nursing-home"));
  EXPECT_THAT(text, HasSubstr("confirm by: in 30 min (2023-11-14 22:43)"));
  EXPECT_THAT(text, HasSubstr("ORGANISATION  CONFIRMED              VERSION  COMMENT\n"
                              "vvt-oost      2023-11-14 21:40 LATE  v1\n"
                              "vvt-zuid      2023-11-14 21:56       v2       generator draait\n"
                              "vvt-noord     NOT CONFIRMED\n"
                              "vvt-west      NOT CONFIRMED\n"));
  EXPECT_THAT(text, HasSubstr("2 of 4 confirmed; not confirmed: 2 (revision 77)"));
}

TEST(AlertTableTest, DeadlineColumn) {
  const std::vector<v1::Record> alerts = {
      ParseTextProto<v1::Record>(R"pb(alert {
                                        id: "a"
                                        headline: "A"
                                        acknowledge_by { seconds: 1700000600 }
                                      })pb"),
      ParseTextProto<v1::Record>(R"pb(alert {
                                        id: "b"
                                        headline: "B"
                                        deadline_passed { unacknowledged_organization_ids: "x" audience_size: 3 }
                                      })pb"),
      ParseTextProto<v1::Record>(R"pb(alert { id: "c" headline: "C" })pb"),
  };
  const std::string table = RenderAlertTable(alerts, kNow);
  EXPECT_THAT(LinesWith(table, "  A  ")[0], HasSubstr("everyone  in 10 min"));
  EXPECT_THAT(LinesWith(table, "  B  ")[0], HasSubstr("PASSED: 1 of 3 not confirmed"));
  EXPECT_THAT(LinesWith(table, "  C  ")[0], HasSubstr("no deadline"));
}

TEST(CapacityMatchesTest, NearestFirstAndDiversionStandsOut) {
  const auto response = ParseTextProto<v1::FindCapacityResponse>(R"pb(
    matches {
      organization_id: "zh-noord"
      organization_name: "Ziekenhuis Noord"
      location_id: "alkmaar"
      distance_km: 3.26
      available: 4
      emergency_department: EMERGENCY_DEPARTMENT_STATE_OPEN
      overall_status: OVERALL_STATUS_NORMAL
      reported_at { seconds: 1699999700 }
    }
    matches {
      organization_id: "zh-west"
      organization_name: "Ziekenhuis West"
      distance_km: 12
      available: 2
      emergency_department: EMERGENCY_DEPARTMENT_STATE_DIVERSION
      overall_status: OVERALL_STATUS_STRAINED
    }
    revision: 12
  )pb");
  const std::string text = RenderCapacityMatches(response, kNow);
  EXPECT_THAT(text, HasSubstr("#  DISTANCE  ORGANISATION  NAME              LOCATION  AVAILABLE  ED         STATUS    "
                              "REPORTED\n"
                              "1    3.3 km  zh-noord      Ziekenhuis Noord  alkmaar           4  open       normal    "
                              "5 min ago\n"
                              "2   12.0 km  zh-west       Ziekenhuis West   —                 2  DIVERSION  strained  "
                              "—\n"));
  EXPECT_THAT(text, HasSubstr("2 matches at revision 12"));
  v1::FindCapacityResponse stale = response;
  stale.mutable_matches(0)->set_stale(true);
  EXPECT_THAT(RenderCapacityMatches(stale, kNow), HasSubstr("5 min ago STALE"));
}

TEST(ContinuityTimelineRenderingTest, TimesFromTheServersNowLateDeliveriesAndStalePoints) {
  v1::ContinuityTimeline timeline = ParseTextProto<v1::ContinuityTimeline>(R"pb(
    points {
      kind: CONTINUITY_POINT_KIND_SUPPLY_RUNS_OUT
      organization_id: "vvt-polder"
      organization_name: "Woonzorg De Polder"
      supply_type: SUPPLY_TYPE_GENERATOR
      detail: "18 hours of autonomy"
      stale: true
    }
    points {
      kind: CONTINUITY_POINT_KIND_RESUPPLY
      organization_id: "zh-noord"
      location_id: "alkmaar"
      supply_type: SUPPLY_TYPE_FUEL
      too_late: true
    }
    revision: 42
    detail_withheld: true
  )pb");
  *timeline.mutable_computed_at() = ToProtoTime(kNow);
  *timeline.mutable_points(0)->mutable_at() = ToProtoTime(kNow - absl::Hours(2));
  *timeline.mutable_points(1)->mutable_at() = ToProtoTime(kNow + absl::Hours(6));
  const std::string text = RenderContinuityTimeline(timeline, absl::UTCTimeZone());
  EXPECT_THAT(text, HasSubstr("2 h ago"));
  EXPECT_THAT(text, HasSubstr("Woonzorg De Polder"));
  EXPECT_THAT(text, HasSubstr("generator runs out"));
  EXPECT_THAT(text, HasSubstr("18 hours of autonomy  STALE"));
  EXPECT_THAT(text, HasSubstr("in 6 h"));
  EXPECT_THAT(text, HasSubstr("zh-noord / alkmaar"));
  EXPECT_THAT(text, HasSubstr("fuel delivery TOO LATE"));
  EXPECT_THAT(text, HasSubstr("at revision 42; supply and staffing points only of the organisations"));
  EXPECT_EQ(RenderContinuityTimeline(v1::ContinuityTimeline(), absl::UTCTimeZone()),
            "no critical points ahead\n\nat revision 0\n");
}

TEST(IncidentRenderingTest, ShowHasTheLogInSequenceOrderAndOnlyItsOwnEntries) {
  const auto incident = ParseTextProto<v1::Record>(R"pb(
    name: "incidents/brand-oost"
    mod_revision: 5
    incident {
      id: "brand-oost"
      title: "Brand Oostpolder"
      type: "brand"
      scale_up_level: "GRIP 2"
      safety_region: "VR10"
      status: INCIDENT_STATUS_SCALED_UP
      area {
        description: "Oostpolder"
        center { latitude: 52.96 longitude: 4.76 }
        radius_km: 2
      }
      opened_at { seconds: 1699996400 }
    }
  )pb");
  const std::vector<v1::Record> entries = {
      ParseTextProto<v1::Record>(R"pb(situation_entry {
                                        incident_id: "brand-oost"
                                        sequence: 9
                                        layer: SITUATION_LAYER_DECISION
                                        author: "CvD"
                                        text: "Ontruimen"
                                      })pb"),
      ParseTextProto<v1::Record>(R"pb(situation_entry {
                                        incident_id: "other"
                                        sequence: 8
                                        layer: SITUATION_LAYER_PICTURE
                                        author: "X"
                                        text: "Elders"
                                      })pb"),
      ParseTextProto<v1::Record>(R"pb(situation_entry {
                                        incident_id: "brand-oost"
                                        sequence: 7
                                        layer: SITUATION_LAYER_PICTURE
                                        author: "OvD-G"
                                        text: "Rook"
                                      })pb"),
  };
  const std::string text = RenderIncident(incident, entries, absl::UTCTimeZone(), kNow);
  EXPECT_THAT(text, HasSubstr("brand-oost: Brand Oostpolder\n"));
  EXPECT_THAT(text, HasSubstr("  level      GRIP 2\n"));
  EXPECT_THAT(text, HasSubstr("  status     scaled-up\n"));
  EXPECT_THAT(text, HasSubstr("  area       Oostpolder @ 52.9600,4.7600 r 2 km\n"));
  EXPECT_THAT(text, HasSubstr("  casualties —\n"));
  EXPECT_THAT(text, HasSubstr("  opened     2023-11-14 21:13 (1 h ago)\n"));
  EXPECT_THAT(text, HasSubstr("situation log (2 entries)\n"));
  const size_t first = text.find("Rook");
  const size_t second = text.find("Ontruimen");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_THAT(text, Not(HasSubstr("Elders")));

  const std::string table = RenderIncidentTable({incident}, kNow);
  EXPECT_THAT(table, HasSubstr("brand-oost  GRIP 2  scaled-up  brand  Brand Oostpolder  VR10"));
}

TEST(RequestRenderingTest, TableAndOffers) {
  const auto record = ParseTextProto<v1::Record>(R"pb(
    assistance_request {
      id: "bedden"
      organization_id: "vvt-west"
      type: ASSISTANCE_TYPE_BEDS
      bed_type: BED_TYPE_NURSING_HOME
      quantity: 10
      status: ASSISTANCE_STATUS_ACCEPTED
      needed_by { seconds: 1700007200 }
      offers { organization_id: "vvt-oost" quantity: 4 status: OFFER_STATUS_ACCEPTED }
      offers { organization_id: "vvt-zuid" quantity: 6 status: OFFER_STATUS_OFFERED }
    }
  )pb");
  const std::string table = RenderRequestTable({record}, kNow);
  EXPECT_THAT(table, HasSubstr("bedden   accepted  10 × nursing-home beds  vvt-west  in 2 h     "
                               "vvt-oost 4 (accepted), vvt-zuid 6  —"));
  const std::string shown = RenderRequest(record, absl::UTCTimeZone(), kNow);
  EXPECT_THAT(shown, HasSubstr("bedden: 10 × nursing-home beds for vvt-west\n"));
  EXPECT_THAT(shown, HasSubstr("offers (2)\n"));
  EXPECT_THAT(shown, HasSubstr("vvt-oost             4  accepted"));
}

// The diesel request of issue 15, covered by three offers, one accepted in part, and fulfilled with a short load.
TEST(RequestRenderingTest, PartialAcceptanceUnitsAndDeliveries) {
  const auto record = ParseTextProto<v1::Record>(R"pb(
    mod_revision: 12
    assistance_request {
      id: "diesel"
      organization_id: "zh-noord"
      type: ASSISTANCE_TYPE_FUEL
      fuel_type: FUEL_TYPE_DIESEL
      quantity: 5000
      unit: QUANTITY_UNIT_LITRES
      priority: ASSISTANCE_PRIORITY_URGENT
      delivery { location_id: "main" instructions: "Tank achterzijde" }
      status: ASSISTANCE_STATUS_FULFILLED
      accepted_quantity: 5000
      delivered_quantity: 4950
      offers {
        organization_id: "defensie"
        quantity: 2000
        status: OFFER_STATUS_ACCEPTED
        accepted_quantity: 2000
        delivered_quantity: 2000
      }
      offers {
        organization_id: "brandstof-west"
        quantity: 2000
        status: OFFER_STATUS_ACCEPTED
        accepted_quantity: 2000
        delivered_quantity: 2000
      }
      offers {
        organization_id: "gemeente"
        quantity: 2000
        status: OFFER_STATUS_ACCEPTED
        accepted_quantity: 1000
        delivered_quantity: 950
      }
      offers { organization_id: "laat" quantity: 300 status: OFFER_STATUS_OFFERED }
    }
  )pb");
  EXPECT_EQ(AssistanceWhat(record.assistance_request()), "5000 litres fuel (diesel)");
  EXPECT_EQ(AssistanceCoverage(record.assistance_request()), "5000/5000");
  const std::string shown = RenderRequest(record, absl::UTCTimeZone(), kNow);
  EXPECT_THAT(shown, HasSubstr("diesel: 5000 litres fuel (diesel) for zh-noord\n"));
  EXPECT_THAT(shown, HasSubstr("  priority    urgent\n"));
  EXPECT_THAT(shown, HasSubstr("  accepted    5000/5000 litres\n"));
  EXPECT_THAT(shown, HasSubstr("  delivered   4950\n"));
  EXPECT_THAT(shown, HasSubstr("  deliver to  location main (Tank achterzijde)\n"));
  EXPECT_THAT(LinesWith(shown, "gemeente")[0], HasSubstr("2000  accepted      1000        950"));
  EXPECT_THAT(LinesWith(shown, "laat")[0], HasSubstr("300  offered          —          —"));
  const std::string table = RenderRequestTable({record}, kNow);
  EXPECT_THAT(table, HasSubstr("gemeente 2000 (1000 accepted), laat 300"));
  EXPECT_THAT(table, HasSubstr("urgent    5000/5000"));

  // A request stored before units and accepted quantities: counted as before, covered by its accepted offer.
  const auto legacy = ParseTextProto<v1::AssistanceRequest>(R"pb(
    type: ASSISTANCE_TYPE_STAFF
    quantity: 3
    status: ASSISTANCE_STATUS_ACCEPTED
    offers { organization_id: "a" quantity: 2 status: OFFER_STATUS_ACCEPTED }
  )pb");
  EXPECT_EQ(AssistanceWhat(legacy), "3 × staff");
  EXPECT_EQ(AssistanceCoverage(legacy), "3/3");
  v1::AssistanceRequest nurses = legacy;
  nurses.set_staff_discipline(v1::STAFF_DISCIPLINE_IC_NURSE);
  nurses.set_unit(v1::QUANTITY_UNIT_PERSONS);
  EXPECT_EQ(AssistanceWhat(nurses), "3 persons staff (ic-nurse)");
}

TEST(RequestRenderingTest, EventLineNamesTheNewestOfferOrAcceptance) {
  auto event = ParseTextProto<v1::Event>(R"pb(
    revision: 40
    type: EVENT_TYPE_PUT
    record {
      name: "assistance-requests/diesel"
      create_revision: 30
      assistance_request {
        id: "diesel"
        organization_id: "zh-noord"
        type: ASSISTANCE_TYPE_FUEL
        fuel_type: FUEL_TYPE_DIESEL
        unit: QUANTITY_UNIT_LITRES
        quantity: 5000
        status: ASSISTANCE_STATUS_ACCEPTED
        accepted_quantity: 3000
        offers {
          organization_id: "defensie"
          quantity: 2000
          status: OFFER_STATUS_ACCEPTED
          accepted_quantity: 2000
          offered_at { seconds: 100 }
          accepted_at { seconds: 300 }
        }
        offers {
          organization_id: "gemeente"
          quantity: 2000
          status: OFFER_STATUS_ACCEPTED
          accepted_quantity: 1000
          offered_at { seconds: 200 }
          accepted_at { seconds: 400 }
        }
      }
    }
  )pb");
  EXPECT_THAT(
      EventSummary(event, absl::UTCTimeZone()),
      ::testing::StartsWith("accepted offer from gemeente (1000 of 2000)  accepted  5000 litres fuel (diesel)"));
  EXPECT_THAT(EventSummary(event, absl::UTCTimeZone()), HasSubstr("3000/5000 accepted"));
  // A new offer on the partly covered request: the event is that offer, and the request stays accepted.
  v1::Offer& late = *event.mutable_record()->mutable_assistance_request()->add_offers();
  late.set_organization_id("laat");
  late.set_quantity(500);
  late.mutable_offered_at()->set_seconds(500);
  late.set_status(v1::OFFER_STATUS_OFFERED);
  EXPECT_THAT(EventSummary(event, absl::UTCTimeZone()), ::testing::StartsWith("offer from laat (500)  accepted"));
}

TEST(OperationalSummaryTest, SectionsWithCountsAndNeverReported) {
  const auto summary = ParseTextProto<v1::OperationalSummary>(R"pb(
    open_requests {
      id: "bedden"
      organization_id: "vvt-west"
      type: ASSISTANCE_TYPE_STAFF
      quantity: 3
      status: ASSISTANCE_STATUS_OPEN
    }
    unacknowledged_alerts {
      alert { id: "stroom" headline: "Stroomuitval" }
      unacknowledged_organization_ids: "vvt-west"
      audience_size: 2
    }
    overdue_organizations {
      organization_id: "zh-noord"
      name: "Ziekenhuis Noord"
      report_due { seconds: 1699992800 }
      last_report { seconds: 1699906400 }
    }
    overdue_organizations { organization_id: "ggz-kop" name: "GGZ Kop" }
    revision: 33
  )pb");
  const std::string text = RenderOperationalSummary(summary, kNow);
  EXPECT_THAT(text, HasSubstr("open requests for help: 1\n"));
  EXPECT_THAT(text, HasSubstr("3 × staff"));
  EXPECT_THAT(text, HasSubstr("alerts not confirmed by everyone: 1\n"));
  EXPECT_THAT(text, HasSubstr("1 of 2: vvt-west"));
  EXPECT_THAT(text, HasSubstr("overdue organisations: 2\n"));
  EXPECT_THAT(LinesWith(text, "zh-noord")[0], HasSubstr("OVERDUE 2 h"));
  EXPECT_THAT(LinesWith(text, "zh-noord")[0], HasSubstr("1 d ago"));
  EXPECT_THAT(LinesWith(text, "ggz-kop")[0], HasSubstr("never reported"));
  EXPECT_THAT(text, HasSubstr("at revision 33\n"));
}

// For a reader who may not see individual figures (docs/security.md): withheld sums are "withheld", never 0 or "—",
// and a supply line without names gives the number of organisations short.
TEST(GapReportTest, WithheldSumsAndUnnamedShortOrganisations) {
  const auto report = ParseTextProto<v1::GapReport>(R"pb(
    scenario_id: "s"
    capacity {
      bed_type: BED_TYPE_IC_ADULT
      required: 20
      available: 7
      shortfall: 13
      organizations_reported: 3
      withheld_figures: CAPACITY_FIGURE_SURGE_24H
    }
    capacity {
      bed_type: BED_TYPE_NURSING_HOME
      required: 5
      organizations_reported: 1
      withheld_figures: CAPACITY_FIGURE_AVAILABLE
    }
    supplies { type: SUPPLY_TYPE_OXYGEN min_days_of_supply: 3 organizations_reported: 3 organizations_short: 2 }
    supplies { type: SUPPLY_TYPE_WATER min_days_of_supply: 3 organizations_reported: 1 figures_withheld: true }
  )pb");
  const std::string text = RenderGapReport(report, absl::UTCTimeZone());
  EXPECT_THAT(LinesWith(text, "ic-adult")[0], HasSubstr("20          7   withheld         13     withheld"));
  EXPECT_THAT(LinesWith(text, "nursing-home")[0], HasSubstr("5   withheld          0   withheld     withheld"));
  EXPECT_THAT(LinesWith(text, "oxygen")[0], HasSubstr("  2  "));
  EXPECT_THAT(LinesWith(text, "water")[0], HasSubstr("withheld"));
}

TEST(CapacityOverviewTest, TotalsWithReportCountAndAges) {
  const auto overview = ParseTextProto<v1::CapacityOverview>(R"pb(
    totals {
      safety_region: "VR10"
      sector: SECTOR_ACUTE_CARE
      bed_type: BED_TYPE_IC_ADULT
      available: 7
      occupied: 20
      baseline: 27
      surge_24h: 4
      surge_72h: 9
      organizations_reported: 3
      newest_report { seconds: 1699999400 }
      oldest_report { seconds: 1699985600 }
    }
    revision: 8
  )pb");
  const std::string text = RenderCapacityOverview(overview, kNow);
  EXPECT_THAT(text, HasSubstr("VR10    acute-care  ic-adult          7        20        27          4          9  "
                              "            3  10 min ago  4 h ago"));
  EXPECT_THAT(text, HasSubstr("1 totals at revision 8"));

  // A figure nobody reported is "—", not 0.
  v1::CapacityOverview partial = overview;
  partial.mutable_totals(0)->clear_baseline();
  EXPECT_THAT(RenderCapacityOverview(partial, kNow), HasSubstr("20         —          4"));

  // A figure of too few organisations for this reader is "withheld", neither 0 nor "—".
  v1::CapacityOverview withheld = partial;
  withheld.mutable_totals(0)->clear_surge_24h();
  withheld.mutable_totals(0)->set_figures_withheld(true);
  withheld.mutable_totals(0)->add_withheld_figures(v1::CAPACITY_FIGURE_SURGE_24H);
  EXPECT_THAT(RenderCapacityOverview(withheld, kNow), HasSubstr("20         —   withheld          9"));

  // Organisations with stale figures are counted apart, in none of the sums.
  v1::CapacityOverview stale = overview;
  stale.mutable_totals(0)->set_organizations_stale(2);
  EXPECT_THAT(RenderCapacityOverview(stale, kNow), HasSubstr("3 +2 stale"));
}

TEST(CapacityOverviewTest, CapacityThatIsNotBedsFollowsTheBeds) {
  const auto overview = ParseTextProto<v1::CapacityOverview>(R"pb(
    revision: 9
    chain_totals {
      safety_region: "VR10"
      sector: SECTOR_ACUTE_CARE
      figures {
        figure: CHAIN_FIGURE_AMBULANCES_AVAILABLE
        sum: 6
        organizations_reported: 2
        organizations_stale: 1
        stale_sum: 3
      }
      figures { figure: CHAIN_FIGURE_AMBULANCES_DEPLOYED organizations_reported: 1 withheld: true }
    }
    chain_totals {
      safety_region: "VR10"
      sector: SECTOR_LONG_TERM_CARE
      organizations_with_intake_stop: 2
      organizations_reporting_intake: 5
      figures { figure: CHAIN_FIGURE_CLIENTS_ON_POWERED_DEVICES sum: 0 organizations_reported: 3 }
    }
  )pb");
  const std::string text = RenderCapacityOverview(overview, kNow);
  EXPECT_THAT(text, HasSubstr("\ncapacity that is not beds\n"));
  EXPECT_THAT(LinesWith(text, "ambulances-available")[0], HasSubstr("acute-care"));
  EXPECT_THAT(LinesWith(text, "ambulances-available")[0], HasSubstr("  6 +3 stale  "));
  EXPECT_THAT(LinesWith(text, "ambulances-available")[0], ::testing::EndsWith("2 +1 stale"));
  EXPECT_THAT(LinesWith(text, "ambulances-deployed")[0], HasSubstr("withheld"));
  EXPECT_THAT(LinesWith(text, "intake stops (opnamestop)")[0], HasSubstr("long-term-care"));
  EXPECT_THAT(LinesWith(text, "intake stops (opnamestop)")[0], ::testing::EndsWith("2              5"));
  EXPECT_THAT(LinesWith(text, "clients-on-powered-devices")[0], HasSubstr("  0  ")) << "a reported 0 is a sum";
  // Without chain totals the overview is as before: no empty second table.
  EXPECT_THAT(RenderCapacityOverview(v1::CapacityOverview(), kNow), Not(HasSubstr("not beds")));
}

TEST(ScenarioTableTest, NeedsAndSupplies) {
  const auto record = ParseTextProto<v1::Record>(
      R"pb(scenario {
             id: "overstroming"
             name: "Overstroming Kop"
             safety_region: "VR10"
             capacity { bed_type: BED_TYPE_IC_ADULT quantity: 12 }
             capacity { bed_type: BED_TYPE_NURSING_HOME quantity: 40 sector: SECTOR_LONG_TERM_CARE }
             supplies { type: SUPPLY_TYPE_OXYGEN min_days_of_supply: 3 }
           })pb");
  EXPECT_THAT(RenderScenarioTable({record}),
              HasSubstr("overstroming  VR10    Overstroming Kop  ic-adult 12, nursing-home 40 (long-term-care)  "
                        "oxygen ≥ 3 d"));
}

TEST(FederatedViewsRenderingTest, RegionsStaleSourcesAndAggregatesAreMarked) {
  // FindCapacity on a ROAZ server: a REGION column, STALE on a stale source's match.
  const auto found = ParseTextProto<v1::FindCapacityResponse>(R"pb(
    matches {
      organization_id: "zh-noord"
      distance_km: 3
      available: 4
      safety_region: "VR10"
      source_last_heard { seconds: 1699999990 }
    }
    matches { organization_id: "zh-zuid" distance_km: 8 available: 2 safety_region: "VR11" source_stale: true }
    revision: 5
  )pb");
  const std::string matches = RenderCapacityMatches(found, kNow);
  EXPECT_THAT(matches, HasSubstr("REPORTED  REGION\n"));
  EXPECT_THAT(matches, HasSubstr("VR11 STALE\n"));
  // A region's own server: no REGION column.
  v1::FindCapacityResponse own = found;
  for (v1::CapacityMatch& match : *own.mutable_matches()) {
    match.clear_source_last_heard();
    match.clear_source_stale();
  }
  EXPECT_THAT(RenderCapacityMatches(own, kNow), Not(HasSubstr("REGION")));

  const auto overview = ParseTextProto<v1::CapacityOverview>(R"pb(
    totals {
      safety_region: "VR11"
      sector: SECTOR_LONG_TERM_CARE
      bed_type: BED_TYPE_NURSING_HOME
      available: 6
      organizations_reported: 4
      source_stale: true
      aggregate: true
    }
    sources {
      safety_region: "VR10"
      last_heard { seconds: 1699999940 }
    }
    sources {
      safety_region: "VR11"
      last_heard { seconds: 1699998800 }
      stale: true
    }
    revision: 9
  )pb");
  const std::string text = RenderCapacityOverview(overview, kNow);
  EXPECT_THAT(text, HasSubstr("VR11 STALE"));
  EXPECT_THAT(text, HasSubstr("nursing-home (aggregate)"));
  EXPECT_THAT(text, HasSubstr("source VR10: heard 1 min ago\n"));
  EXPECT_THAT(text, HasSubstr("source VR11: heard 20 min ago STALE (figures as last received)\n"));

  const auto gap = ParseTextProto<v1::GapReport>(R"pb(
    scenario_id: "griep"
    safety_region: "VR10"
    safety_regions: "VR10"
    safety_regions: "VR11"
    stale_regions: "VR11"
    revision: 3
  )pb");
  const std::string report = RenderGapReport(gap, absl::UTCTimeZone());
  EXPECT_THAT(report, HasSubstr("counted regions: VR10,VR11"));
  EXPECT_THAT(report, HasSubstr("STALE sources (figures as last received): VR11"));
  v1::GapReport own_region = gap;
  own_region.clear_safety_regions();
  own_region.add_safety_regions("VR10");
  own_region.clear_stale_regions();
  EXPECT_THAT(RenderGapReport(own_region, absl::UTCTimeZone()), Not(HasSubstr("regions")));
}

}  // namespace
}  // namespace ketenbeeld::cli
