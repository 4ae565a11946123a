#include "client/cli/format.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::cli {
namespace {

using ::ketenbeeld::testing::ParseTextProto;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(TextTableTest, PadsColumnsToTheWidestCellCountingUtf8AsOneColumn) {
  TextTable table({"ID", "NAME", "BEDS"});
  table.AlignRight(2);
  table.AddRow({"zh-noord", "Ziekenhuis Noord", "12"});
  table.AddRow({"ggz", "Zorgcontinuïteit", "—"});
  table.AddRow({"short"});  // Missing cells are empty.
  EXPECT_EQ(table.Render(),
            "ID        NAME              BEDS\n"
            "zh-noord  Ziekenhuis Noord    12\n"
            "ggz       Zorgcontinuïteit     —\n"
            "short\n");
  EXPECT_EQ(table.row_count(), 3u);
}

TEST(TextTableTest, HeaderOnlyAndNoTrailingSpaces) {
  TextTable table({"A", "LONG HEADER", "C"});
  table.AddRow({"x", "", ""});
  EXPECT_EQ(table.Render(), "A  LONG HEADER  C\nx\n");
  EXPECT_EQ(DisplayWidth("ë—a"), 3u);
}

TEST(FormatTest, CapacityShowsNotReportedAsDashNeverZero) {
  EXPECT_EQ(CapacitySummary(ParseTextProto<v1::Capacity>("type: BED_TYPE_IC_ADULT available: 3 baseline: 12")),
            "ic-adult 3/12");
  EXPECT_EQ(CapacitySummary(ParseTextProto<v1::Capacity>("type: BED_TYPE_IC_ADULT available: 3 occupied: 7")),
            "ic-adult 3/10");
  EXPECT_EQ(CapacitySummary(ParseTextProto<v1::Capacity>("type: BED_TYPE_BURNS available: 0")), "burns 0/—");
  EXPECT_EQ(CapacitySummary(ParseTextProto<v1::Capacity>("type: BED_TYPE_BURNS baseline: 4")), "burns —/4");
}

TEST(FormatTest, ReportSummaries) {
  const auto report = ParseTextProto<v1::StatusReport>(R"pb(
    overall_status: OVERALL_STATUS_CRITICAL
    disruptions { type: DISRUPTION_TYPE_UTILITY_FAILURE severity: SEVERITY_MAJOR }
    disruptions { type: DISRUPTION_TYPE_STAFF_SHORTAGE severity: SEVERITY_NONE }
    disruptions { type: DISRUPTION_TYPE_PATIENT_SURGE severity: SEVERITY_CRITICAL }
    capacity { type: BED_TYPE_IC_ADULT available: 3 baseline: 12 }
    capacity { type: BED_TYPE_GENERAL_WARD available: 20 }
    capacity { type: BED_TYPE_BURNS }
    capacity { type: BED_TYPE_ISOLATION occupied: 2 }
    capacity { type: BED_TYPE_MATERNITY available: 1 }
    emergency_department { state: EMERGENCY_DEPARTMENT_STATE_DIVERSION }
  )pb");
  EXPECT_EQ(ActiveDisruptions(report), "utility major, surge critical");  // Severity none is not active.
  EXPECT_EQ(KeyCapacity(report, 3), "ic-adult 3/12, general-ward 20/—, isolation —/—, +1 more");
  EXPECT_EQ(EmergencyDepartmentSummary(report), "diversion");
  v1::StatusReport expired = report;
  *expired.mutable_emergency_department()->mutable_expired_since() = ToProtoTime(absl::UnixEpoch());
  EXPECT_EQ(EmergencyDepartmentSummary(expired), "diversion EXPIRED (unconfirmed)");
  const v1::StatusReport empty;
  EXPECT_EQ(ActiveDisruptions(empty), "—");
  EXPECT_EQ(KeyCapacity(empty), "—");
  EXPECT_EQ(EmergencyDepartmentSummary(empty), "—");
  // Withheld from this reader is neither "not reported" nor zero.
  v1::StatusReport withheld;
  withheld.set_detail_withheld(true);
  EXPECT_EQ(KeyCapacity(withheld), "figures withheld");
}

TEST(FormatTest, CapacityThatIsNotBeds) {
  const auto report = ParseTextProto<v1::StatusReport>(R"pb(
    overall_status: OVERALL_STATUS_STRAINED
    ambulance { ambulances_available: 4 }
    gp_post { state: GP_POST_STATE_RESTRICTED consultations_per_hour: 12 slots_available: 0 }
    home_care { clients_in_care: 850 clients_on_powered_devices: 37 clients_on_home_ventilation: 5 }
    public_health { infection_control_teams_available: 2 psychosocial_teams_available: 1 }
    intake_stop { state: INTAKE_STOP_STATE_ACTIVE }
  )pb");
  EXPECT_THAT(ChainCapacityParts(report),
              ElementsAre("ambulances 4 free, — deployed", "GP post 12/h, 0 slots",
                          "home care 850 clients, 37 on powered devices (5 home ventilation)",
                          "GGD teams: infection control 2, vaccination —, psychosocial 1"));
  EXPECT_EQ(IntakeStopSummary(report), "INTAKE STOP");
  EXPECT_EQ(GpPostSummary(report), "restricted");
  EXPECT_EQ(KeyCapacity(report, 2), "ambulances 4 free, — deployed, GP post 12/h, 0 slots, +2 more");

  // Given but empty, or not given: nothing to show, never 0.
  v1::StatusReport empty;
  empty.mutable_ambulance();
  empty.mutable_home_care();
  EXPECT_THAT(ChainCapacityParts(empty), ::testing::IsEmpty());
  EXPECT_EQ(IntakeStopSummary(empty), "—");
  EXPECT_EQ(GpPostSummary(empty), "—");
  empty.mutable_intake_stop()->set_state(v1::INTAKE_STOP_STATE_NONE);
  EXPECT_EQ(IntakeStopSummary(empty), "intake open");

  // Event lines lead with the intake stop and name the GP post's state.
  v1::Event event;
  event.set_revision(9);
  event.set_type(v1::EVENT_TYPE_PUT);
  event.mutable_record()->set_name("organizations/hap/status");
  *event.mutable_record()->mutable_status_report() = report;
  EXPECT_EQ(FormatEventLine(event, absl::UTCTimeZone()),
            "rev 9  —  organizations/hap/status  PUT  strained  INTAKE STOP  ambulances 4 free, — deployed  "
            "GP post 12/h, 0 slots  home care 850 clients, 37 on powered devices (5 home ventilation)  "
            "GGD teams: infection control 2, vaccination —, psychosocial 1  GP post restricted");
}

TEST(FormatTest, PictureTableShowsAnIntakeStopBesideTheStatusAndAGpPostsState) {
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  const std::vector<v1::Record> records = {
      ParseTextProto<v1::Record>(R"pb(
        name: "organizations/vvt/status"
        status_report {
          organization_id: "vvt"
          overall_status: OVERALL_STATUS_STRAINED
          intake_stop { state: INTAKE_STOP_STATE_ACTIVE reason: "noodstroom" }
          commit_time { seconds: 1699999940 }
        }
      )pb"),
      ParseTextProto<v1::Record>(R"pb(
        name: "organizations/hap/status"
        status_report {
          organization_id: "hap"
          overall_status: OVERALL_STATUS_NORMAL
          gp_post { state: GP_POST_STATE_CLOSED }
          detail_withheld: true
          commit_time { seconds: 1699999940 }
        }
      )pb"),
  };
  const std::string table = RenderPictureTable(records, now);
  EXPECT_THAT(table, HasSubstr("vvt           —     —     —       strained INTAKE STOP  —"));
  EXPECT_THAT(table, HasSubstr("figures withheld       GP post closed"));
}

TEST(FormatTest, Duration) {
  EXPECT_EQ(HumanDuration(absl::Seconds(45)), "45 s");
  EXPECT_EQ(HumanDuration(absl::Minutes(12) + absl::Seconds(30)), "12 min");
  EXPECT_EQ(HumanDuration(absl::Minutes(185)), "3 h 5 min");
  EXPECT_EQ(HumanDuration(absl::Hours(2)), "2 h");
  EXPECT_EQ(HumanDuration(absl::Hours(50)), "2 d");
  EXPECT_EQ(HumanDuration(-absl::Minutes(3)), "0 s");
}

// A time before now is an age, a time after now is ahead: never "in the future ago", whichever way the clocks differ.
TEST(FormatTest, RelativeSaysAgoForThePastAndInForTheFuture) {
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  EXPECT_EQ(FormatRelative(now - absl::Minutes(185), now), "3 h 5 min ago");
  EXPECT_EQ(FormatRelative(now - absl::Hours(50), now), "2 d ago");
  EXPECT_EQ(FormatRelative(now, now), "0 s ago");
  EXPECT_EQ(FormatRelative(now + absl::Milliseconds(400), now), "0 s ago");  // Within the second.
  EXPECT_EQ(FormatRelative(now + absl::Seconds(2), now), "in 2 s");
  EXPECT_EQ(FormatRelative(now + absl::Hours(2), now), "in 2 h");
  EXPECT_EQ(FormatDue(now + absl::Minutes(12), now), "in 12 min");
  EXPECT_EQ(FormatDue(now - absl::Minutes(5), now), "due 5 min ago");
  for (absl::Duration shift : {-absl::Hours(30), -absl::Seconds(1), absl::ZeroDuration(), absl::Hours(30)}) {
    const std::string text = FormatRelative(now + shift, now);
    EXPECT_NE(text.rfind("in ", 0) == 0, absl::EndsWith(text, " ago")) << text;
    EXPECT_THAT(text, Not(HasSubstr("future")));
  }
}

TEST(FormatTest, EventLines) {
  const auto report_event = ParseTextProto<v1::Event>(R"pb(
    revision: 42
    commit_time { seconds: 1700000587 }  # 2023-11-14 22:23:07 UTC
    type: EVENT_TYPE_PUT
    record {
      name: "organizations/zh-noord/status"
      status_report {
        organization_id: "zh-noord"
        overall_status: OVERALL_STATUS_CRITICAL
        capacity { type: BED_TYPE_IC_ADULT available: 3 baseline: 12 }
        emergency_department { state: EMERGENCY_DEPARTMENT_STATE_DIVERSION }
        disruptions { type: DISRUPTION_TYPE_UTILITY_FAILURE severity: SEVERITY_MAJOR }
        crisis_plan_activated: true
      }
    }
  )pb");
  EXPECT_EQ(FormatEventLine(report_event, absl::UTCTimeZone()),
            "rev 42  22:23:07  organizations/zh-noord/status  PUT  critical  ic-adult 3/12  ED diversion  "
            "utility major  crisis plan active");

  v1::Event partial_event = report_event;
  partial_event.mutable_record()->mutable_status_report()->mutable_update_mask()->add_paths("capacity.ic_adult");
  partial_event.mutable_record()->mutable_status_report()->mutable_update_mask()->add_paths("supplies");
  EXPECT_EQ(FormatEventLine(partial_event, absl::UTCTimeZone()),
            "rev 42  22:23:07  organizations/zh-noord/status  PUT  updated capacity.ic_adult,supplies  critical  "
            "ic-adult 3/12  ED diversion  utility major  crisis plan active");

  v1::Event unknown_event = report_event;
  v1::StatusReport& unknown = *unknown_event.mutable_record()->mutable_status_report();
  unknown.set_last_known_overall_status(v1::OVERALL_STATUS_CRITICAL);
  unknown.set_overall_status(v1::OVERALL_STATUS_UNKNOWN);
  unknown.mutable_unknown_since()->set_seconds(1700000587);
  EXPECT_EQ(FormatEventLine(unknown_event, absl::UTCTimeZone()),
            "rev 42  22:23:07  organizations/zh-noord/status  PUT  unknown (last known: critical)  ic-adult 3/12  "
            "ED diversion  utility major  crisis plan active");

  const auto organization_event = ParseTextProto<v1::Event>(R"pb(
    revision: 41
    commit_time { seconds: 1700000580 }
    type: EVENT_TYPE_PUT
    record {
      name: "organizations/zh-noord"
      organization { id: "zh-noord" name: "Ziekenhuis Noord" kind: ORGANIZATION_KIND_HOSPITAL safety_region: "VR10" }
    }
  )pb");
  EXPECT_EQ(FormatEventLine(organization_event, absl::UTCTimeZone()),
            "rev 41  22:23:00  organizations/zh-noord  PUT  hospital  VR10  Ziekenhuis Noord");

  const auto delete_event = ParseTextProto<v1::Event>(R"pb(
    revision: 43
    commit_time { seconds: 1700000590 }
    type: EVENT_TYPE_DELETE
    record {
      name: "organizations/zh-noord/status"
      status_report { overall_status: OVERALL_STATUS_NORMAL }
    }
  )pb");
  EXPECT_EQ(FormatEventLine(delete_event, absl::UTCTimeZone()),
            "rev 43  22:23:10  organizations/zh-noord/status  DELETE");
}

TEST(FormatTest, PictureTableHasOneRowPerOrganisationAndDashesForWhatIsNotReported) {
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  std::vector<v1::Record> records = {
      ParseTextProto<v1::Record>(R"pb(
        name: "organizations/zh-noord"
        organization {
          id: "zh-noord"
          name: "Ziekenhuis Noord"
          kind: ORGANIZATION_KIND_HOSPITAL
          safety_region: "VR10"
          locations { id: "alkmaar" name: "Alkmaar" }
        }
      )pb"),
      ParseTextProto<v1::Record>(R"pb(
        name: "organizations/zh-noord/status"
        status_report {
          organization_id: "zh-noord"
          overall_status: OVERALL_STATUS_CRITICAL
          capacity { type: BED_TYPE_IC_ADULT available: 3 baseline: 12 }
          emergency_department { state: EMERGENCY_DEPARTMENT_STATE_DIVERSION }
          commit_time { seconds: 1699999280 }
        }
      )pb"),
      ParseTextProto<v1::Record>(R"pb(
        name: "organizations/zh-noord/locations/alkmaar/status"
        status_report {
          organization_id: "zh-noord"
          location_id: "alkmaar"
          overall_status: OVERALL_STATUS_STRAINED
          disruptions { type: DISRUPTION_TYPE_DIGITAL_DISRUPTION severity: SEVERITY_MINOR }
          commit_time { seconds: 1699999940 }
        }
      )pb"),
      ParseTextProto<v1::Record>(R"pb(
        name: "organizations/vvt-west"
        organization {
          id: "vvt-west"
          name: "Zorggroep West"
          kind: ORGANIZATION_KIND_NURSING_HOME
          safety_region: "VR10"
        }
      )pb"),
  };
  const std::string table = RenderPictureTable(records, now);
  EXPECT_EQ(table,
            "ORGANISATION  NAME              KIND          REGION  STATUS    DISRUPTIONS    CAPACITY (free/total)  ED"
            "         REPORTED    NEXT DUE\n"
            "vvt-west      Zorggroep West    nursing-home  VR10    —         —              —                      —"
            "          —           —\n"
            "zh-noord      Ziekenhuis Noord  hospital      VR10    critical  —              ic-adult 3/12          "
            "diversion  12 min ago  —\n"
            "  └ alkmaar   Alkmaar                                 strained  digital minor  —                      —"
            "          1 min ago   —\n");
  EXPECT_THAT(table, Not(HasSubstr(" 0 ")));
}

TEST(FormatTest, JsonIsOneLineUnlessMultiline) {
  const auto record = ParseTextProto<v1::Record>(R"pb(name: "organizations/a" mod_revision: 7)pb");
  EXPECT_EQ(ToJson(record), R"({"name":"organizations/a","modRevision":"7"})");
  EXPECT_THAT(ToJson(record, true), HasSubstr("\n"));
}

TEST(FormatTest, DescribeRecordKeepsDutchTextReadable) {
  const auto record = ParseTextProto<v1::Record>(R"pb(
    name: "organizations/ggz"
    kind: ENTITY_KIND_ORGANIZATION
    create_revision: 1
    mod_revision: 4
    updated_by { organization_id: "ghor-nhn" role: ROLE_GHOR }
    organization { id: "ggz" name: "GGZ Noordër" }
  )pb");
  const std::string text = DescribeRecord(record, absl::UTCTimeZone());
  EXPECT_THAT(text, HasSubstr("organizations/ggz  (organization, created at revision 1, changed at revision 4 by "
                              "ghor-nhn (ghor))"));
  EXPECT_THAT(text, HasSubstr("name: \"GGZ Noordër\""));
}

}  // namespace
}  // namespace ketenbeeld::cli
