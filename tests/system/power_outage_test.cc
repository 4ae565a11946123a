// Issue 15's walk-through against the real binaries: the Inspectie's example of a regional power outage, as a GHOR
// informatiemanager lives it with the `ketenbeeld` CLI, over a day and a night of picture time that the test drives
// through the server's --clock_offset_file (docs/operations.md, "A test-driven clock"):
//   0 h      a hospital (IC capacity, a power disruption, its emergency department on diversion until 2 h) and a
//            nursing home on its generator report; an officer types in a phoned-in oxygen figure as a partial
//            report, and the rest of the hospital's record stays;
//   3 h      the diversion has passed its `until` without a new report: marked expired, not confirmed; three partial
//            offers of diesel (2,000 + 2,000 + 1,000 litres) fulfil one request for 5,000;
//   24.5 h   the telephone network is down, nobody has reported for a day: every report is overdue, and the capacity
//            overview, the gap report and the capacity search count them as stale, apart from the one fresh report;
//            the CLI, on a machine whose clock still says 0 h, prints every age against the server's clock and
//            counts the deadlines it is given as a duration (--ack-within, --needed-within) from the server's time;
//   25.5 h   overdue plus the region's grace (1 h): the overall status reads unknown, with the last known one.
// Each stage is a method named after what it shows; the clock moves only in the test body, between stages, so a
// stage at another moment of the outage is one MoveClockTo and one method there.
//
// The scheduler commits time-driven facts once a second: after moving the clock the test waits, bounded, until the
// fact is in the picture (read over gRPC), then checks what the CLI prints.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "tests/support/eventually.h"
#include "tests/support/temp_dir.h"
#include "tests/system/cli_run.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace power_outage_test {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// The region's defaults (ketenbeeld.server.v1.RegionConfig), which this walk-through relies on.
constexpr absl::Duration kReportingInterval = absl::Hours(24);
constexpr absl::Duration kUnknownAfterOverdue = absl::Hours(1);
// How long a time-driven fact may take to appear after the clock moved: the file is re-read within 100 ms and the
// scheduler ticks every second; the rest is slack for a loaded machine.
constexpr absl::Duration kFactDeadline = absl::Seconds(15);

class PowerOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MoveClockTo(absl::ZeroDuration());
    ServerProcessOptions options;
    options.data_dir = dir_.path() + "/db";
    options.log_path = dir_.path() + "/server.log";
    options.extra_args = {"--clock_offset_file", clock_file_};
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();
    // Picture time starts at the wall clock: the times the reports carry are relative to this.
    outage_start_ = absl::Now();
  }

  // Moves the server's picture clock to `offset` after the wall clock. The file is replaced whole (rename), so the
  // server never reads half an offset.
  void MoveClockTo(absl::Duration offset) {
    const std::string temporary = clock_file_ + ".new";
    {
      std::ofstream out(temporary, std::ios::trunc);
      out << absl::FormatDuration(offset) << "\n";
    }
    std::filesystem::rename(temporary, clock_file_);
  }

  CliRun Cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", server_->address()});
    return RunCli(dir_.path(), args);
  }

  // Runs a CLI command that must succeed; returns what it printed.
  std::string MustRun(std::vector<std::string> args) {
    const std::string command = absl::StrJoin(args, " ");
    const CliRun run = Cli(std::move(args));
    EXPECT_TRUE(run.exit.ExitedWith(0)) << command << ": " << run.exit.ToString() << "\n" << run.err;
    return run.out;
  }

  // A file in the test's directory, for the CLI's --file.
  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = absl::StrCat(dir_.path(), "/", name);
    std::ofstream(path, std::ios::trunc) << content;
    return path;
  }

  // The record named `name` over gRPC.
  v1::Record ReadRecord(const std::string& name) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::GetRequest request;
    request.set_name(name);
    v1::GetResponse response;
    const grpc::Status status = stub_->Get(&context, request, &response);
    EXPECT_TRUE(status.ok()) << request.name() << ": " << status.error_message();
    return response.record();
  }

  // The status report of `organization_id` over gRPC.
  v1::StatusReport ReadReport(const std::string& organization_id) {
    return ReadRecord(absl::StrCat("organizations/", organization_id, "/status")).status_report();
  }

  // Waits (bounded) until the scheduler has committed what `done` looks for in the report of `organization_id`.
  void WaitForReport(const std::string& organization_id, const std::function<bool(const v1::StatusReport&)>& done,
                     const std::string& what) {
    ASSERT_TRUE(Eventually([&] { return done(ReadReport(organization_id)); }, kFactDeadline))
        << organization_id << ": " << what << " did not appear within " << kFactDeadline << "\n"
        << ReadReport(organization_id).DebugString() << "\nserver log:\n"
        << server_->log();
  }

  // 0 h. The region: two hospitals and a nursing home with their sites' positions (for the capacity search; the
  // CLI takes positions from a file), three parties that can deliver diesel, and the care risk profile's power
  // outage scenario for the gap report.
  void RegisterTheRegion() {
    MustRun({"org", "register", "--file", WriteFile("zh-noord.textproto", R"pb(
               id: "zh-noord"
               name: "Ziekenhuis Noord"
               kind: ORGANIZATION_KIND_HOSPITAL
               safety_region: "VR10"
               locations {
                 id: "main"
                 name: "Hoofdlocatie"
                 coordinates { latitude: 52.63 longitude: 4.75 }
               }
             )pb")});
    MustRun({"org", "register", "--file", WriteFile("zh-kust.textproto", R"pb(
               id: "zh-kust"
               name: "Kustziekenhuis"
               kind: ORGANIZATION_KIND_HOSPITAL
               safety_region: "VR10"
               locations {
                 id: "kust"
                 name: "Den Helder"
                 coordinates { latitude: 52.93 longitude: 4.76 }
               }
             )pb")});
    MustRun({"org", "register", "--id", "vvt-west", "--name", "Zorgcentrum West", "--kind", "nursing-home", "--region",
             "VR10"});
    for (const char* supplier : {"defensie", "brandstof-west", "gemeente"}) {
      MustRun({"org", "register", "--id", supplier, "--name", supplier, "--kind", "defence", "--region", "VR10"});
    }
    MustRun({"scenario", "put", "--id", "stroomuitval", "--name", "Stroomuitval 48 uur", "--region", "VR10", "--need",
             "ic-adult=6", "--need", "nursing-home=10@long-term-care"});
  }

  // 0 h. The outage as the organisations report it. The hospital's emergency department is on diversion until 2 h
  // (--ed-until), reported apart as a partial report.
  void ReportTheOutage() {
    MustRun({"status", "report", "--org", "zh-noord", "--overall", "strained", "--capacity",
             "ic-adult:available=3,occupied=9,baseline=12", "--disruption",
             "utility-failure=major:stroomuitval sinds 11:40"});
    MustRun({"status", "report", "--org", "zh-noord", "--ed", "diversion:CT zonder stroom", "--ed-until",
             absl::FormatTime(absl::RFC3339_sec, outage_start_ + absl::Hours(2), absl::UTCTimeZone())});
    MustRun({"status", "report", "--org", "zh-kust", "--overall", "normal", "--capacity",
             "ic-adult:available=4,occupied=8"});
    MustRun({"status", "report", "--org", "vvt-west", "--overall", "strained", "--capacity",
             "nursing-home:available=5,occupied=55", "--disruption", "utility-failure=major:op noodstroom", "--supply",
             "generator:state=limited,hours=18"});
  }

  // 0 h. An officer types in what the hospital phoned in: its oxygen. A partial report: capacity, disruptions and
  // the emergency department stay as they were.
  void PhonedInOxygenKeepsTheRestOfTheRecord() {
    const std::string reported = MustRun({"status", "report", "--org", "zh-noord", "--overall", "strained", "--supply",
                                          "oxygen:stock=100,per-day=20,unit=liter"});
    EXPECT_THAT(reported, HasSubstr("reported organizations/zh-noord/status at revision"));
    const std::string record = MustRun({"get", "organizations/zh-noord/status"});
    EXPECT_THAT(record,
                AllOf(HasSubstr("type: BED_TYPE_IC_ADULT"), HasSubstr("available: 3"),
                      HasSubstr("type: DISRUPTION_TYPE_UTILITY_FAILURE"),
                      HasSubstr("state: EMERGENCY_DEPARTMENT_STATE_DIVERSION"), HasSubstr("type: SUPPLY_TYPE_OXYGEN"),
                      ContainsRegex("update_mask \\{\\s*paths: \"overall_status\"\\s*paths: \"supplies\"")));
    // The table everyone reads: the hospital still on diversion, its IC beds still counted.
    const std::string picture = MustRun({"picture", "--region", "VR10"});
    EXPECT_THAT(picture,
                ContainsRegex("zh-noord [^\n]*strained [^\n]*utility major [^\n]*ic-adult 3/12 [^\n]*diversion"));
  }

  // The generator vvt-west reported at 0 h with 18 hours of diesel, as the server holds it now.
  v1::Supply Generator() {
    const v1::StatusReport report = ReadReport("vvt-west");
    for (const v1::Supply& supply : report.supplies()) {
      if (supply.type() == v1::SUPPLY_TYPE_GENERATOR) return supply;
    }
    ADD_FAILURE() << "vvt-west has no generator";
    return v1::Supply();
  }

  // Waits (bounded) until the server has committed the generator's warning at `horizon`.
  void WaitForGeneratorWarning(absl::Duration horizon) {
    WaitForReport(
        "vvt-west",
        [horizon](const v1::StatusReport& report) {
          for (const v1::Supply& supply : report.supplies()) {
            if (supply.type() == v1::SUPPLY_TYPE_GENERATOR && supply.has_warned_within() &&
                absl::Seconds(supply.warned_within().seconds()) == horizon) {
              return true;
            }
          }
          return false;
        },
        absl::StrCat("the generator's warning at ", absl::FormatDuration(horizon)));
  }

  // 7 h, then 12 h. The generator reported at 18 hours runs down with the clock: the server warns at 12 h and at 6 h
  // left, each once in the log; 12 hours after the report the timeline says it runs out in 6 hours.
  void GeneratorRunsDownAndWarnsOnce() {
    const v1::Supply reported = Generator();
    EXPECT_EQ(absl::Seconds(reported.runs_out_at().seconds() - reported.reported_at().seconds()), absl::Hours(18));
    MoveClockTo(absl::Hours(7));
    WaitForGeneratorWarning(absl::Hours(12));
    MoveClockTo(absl::Hours(12));
    WaitForGeneratorWarning(absl::Hours(6));
    const std::string timeline = MustRun({"report", "continuity", "--region", "VR10"});
    EXPECT_THAT(timeline, ContainsRegex("in (6 h|5 h 5[0-9] min) +Zorgcentrum West +generator runs out"));
    const std::string history = MustRun({"history", "--from", "1"});
    auto count = [&history](const std::string& text) {
      size_t found = 0;
      for (size_t at = history.find(text); at != std::string::npos; at = history.find(text, at + 1)) ++found;
      return found;
    };
    EXPECT_EQ(count("generator runs out within 12h"), 1u) << history;
    // The 6 h warning stands on the record from then on; the event that made it is the first to say so.
    EXPECT_GE(count("generator runs out within 6h"), 1u) << history;
    const v1::Supply generator = Generator();
    EXPECT_EQ(absl::Seconds(generator.warned_within().seconds()), absl::Hours(6));
  }

  // 3 h. The diversion's `until` (2 h) passed and nobody confirmed or ended it: the server marks it expired, as a
  // committed event, and every reader sees it so.
  void DiversionExpiresUnconfirmed() {
    WaitForReport(
        "zh-noord", [](const v1::StatusReport& report) { return report.emergency_department().has_expired_since(); },
        "the diversion's expiry");
    const v1::StatusReport report = ReadReport("zh-noord");
    EXPECT_EQ(report.emergency_department().expired_since().seconds(),
              absl::ToUnixSeconds(outage_start_ + absl::Hours(2)));
    EXPECT_FALSE(report.has_overdue_since()) << "3 h into a 24 h interval";
    EXPECT_THAT(MustRun({"picture", "--region", "VR10"}),
                ContainsRegex("zh-noord [^\n]*diversion EXPIRED \\(unconfirmed\\)"));
  }

  // 3 h. The hospital needs 5,000 litres of diesel; three parties can each bring part of it: 2,000 + 2,000 + 1,000
  // litres, all three accepted, together they fulfil the one request.
  void DieselFromThreePartialOffers() {
    MustRun({"request", "create", "--id", "diesel-zh-noord", "--org", "zh-noord", "--type", "fuel", "--fuel", "diesel",
             "--quantity", "5000", "--unit", "litres", "--priority", "urgent", "--deliver-to", "main"});
    MustRun({"request", "offer", "diesel-zh-noord", "--org", "defensie", "--quantity", "2000"});
    MustRun({"request", "offer", "diesel-zh-noord", "--org", "brandstof-west", "--quantity", "2000"});
    MustRun({"request", "offer", "diesel-zh-noord", "--org", "gemeente", "--quantity", "1000"});
    for (const char* supplier : {"defensie", "brandstof-west", "gemeente"}) {
      MustRun({"request", "accept", "diesel-zh-noord", "--org", supplier});
    }
    MustRun({"request", "fulfil", "diesel-zh-noord"});
    const std::string shown = MustRun({"request", "show", "diesel-zh-noord"});
    EXPECT_THAT(shown, AllOf(HasSubstr("diesel-zh-noord: 5000 litres fuel (diesel) for zh-noord"),
                             HasSubstr("status      fulfilled"), HasSubstr("accepted    5000/5000 litres"),
                             HasSubstr("delivered   5000"), ContainsRegex("defensie +2000  accepted +2000 +2000"),
                             ContainsRegex("brandstof-west +2000  accepted +2000 +2000"),
                             ContainsRegex("gemeente +1000  accepted +1000 +1000")));
  }

  // 24.5 h. The telephone network failed hours ago; nobody has reported since the start. Every report is overdue;
  // only the coast hospital, reachable by radio, reports again. What adds up figures counts the stale ones apart,
  // and a search for beds with a maximum age leaves them out.
  void OverdueOrganisationsCountAsStale() {
    for (const char* organization : {"zh-noord", "zh-kust", "vvt-west"}) {
      WaitForReport(
          organization, [](const v1::StatusReport& report) { return report.has_overdue_since(); }, "overdue");
    }
    MustRun({"status", "report", "--org", "zh-kust", "--overall", "normal", "--capacity",
             "ic-adult:available=2,occupied=10"});
    const std::string picture = MustRun({"picture", "--region", "VR10"});
    EXPECT_THAT(picture, ContainsRegex("zh-noord [^\n]*OVERDUE"));
    EXPECT_THAT(picture, ContainsRegex("vvt-west [^\n]*OVERDUE"));
    EXPECT_THAT(picture, Not(ContainsRegex("zh-kust [^\n]*OVERDUE")));

    // Capacity overview: the fresh hospital's 2 IC beds are the sum; the stale hospital is counted apart, in none of
    // the sums; the nursing home's beds, all stale, add up to nothing.
    const std::string overview = MustRun({"report", "capacity", "--region", "VR10"});
    EXPECT_THAT(overview, ContainsRegex("VR10 +acute-care +ic-adult +2 +10 [^\n]* 1 \\+1 stale"));
    EXPECT_THAT(overview, ContainsRegex("VR10 +long-term-care +nursing-home [^\n]* 0 \\+1 stale"));

    const std::string gap = MustRun({"scenario", "gap", "stroomuitval"});
    EXPECT_THAT(gap, ContainsRegex("ic-adult +any +6 +2 [^\n]* 1 \\+1 stale"));
    EXPECT_THAT(gap, ContainsRegex("nursing-home +long-term-care +10 [^\n]* 0 \\+1 stale"));

    // Dispatch searching for an IC bed: without a maximum age the stale figure is flagged; with one it is left out.
    const std::string any_age =
        MustRun({"capacity", "near", "52.63,4.75", "--bed-type", "ic-adult", "--radius-km", "60"});
    EXPECT_THAT(any_age, ContainsRegex("zh-noord [^\n]* STALE"));
    EXPECT_THAT(any_age, Not(ContainsRegex("zh-kust [^\n]* STALE")));
    const std::string recent =
        MustRun({"capacity", "near", "52.63,4.75", "--bed-type", "ic-adult", "--radius-km", "60", "--max-age", "1h"});
    EXPECT_THAT(recent, HasSubstr("zh-kust"));
    EXPECT_THAT(recent, Not(HasSubstr("zh-noord")));
    EXPECT_THAT(recent, HasSubstr("1 matches"));
  }

  // 24.5 h. The CLI runs on a machine whose clock still says 0 h: every age it prints is measured against the server's
  // time, which each answer carries. The coast hospital's report of a moment ago reads "s ago" (against the local
  // clock: "in 24 h 30 min"), the reports from the start "1 d ago"; what lies ahead reads "in", never "ago".
  void AgesFollowTheServersClock() {
    const std::string picture = MustRun({"picture", "--region", "VR10"});
    EXPECT_THAT(picture, ContainsRegex("zh-kust [^\n]* [0-9]+ s ago +in 23 h [0-9]+ min\n"));
    EXPECT_THAT(picture, ContainsRegex("zh-noord [^\n]* 1 d ago +OVERDUE [23][0-9] min\n"));
    const std::string listed = MustRun({"list", "--org", "zh-kust", "--kind", "status-report"});
    EXPECT_THAT(listed, ContainsRegex("organizations/zh-kust/status +status-report +[0-9]+ +[0-9]+ s ago "));
    const std::string summary = MustRun({"report", "summary"});
    EXPECT_THAT(summary, ContainsRegex("vvt-west +Zorgcentrum West +OVERDUE [23][0-9] min +1 d ago"));
    const std::string found =
        MustRun({"capacity", "near", "52.63,4.75", "--bed-type", "ic-adult", "--radius-km", "60"});
    EXPECT_THAT(found, ContainsRegex("zh-noord [^\n]* 1 d ago STALE"));
    for (const std::string& output : {picture, listed, summary, found}) {
      EXPECT_THAT(output, Not(HasSubstr("future"))) << output;
      EXPECT_THAT(output, Not(ContainsRegex("(^| )in [0-9][^\n]* ago"))) << output;
    }
  }

  // 24.5 h, the CLI still on a machine whose clock says 0 h. The GHOR alerts the region's hospitals, to be confirmed
  // within 2 h, and the nursing home asks for beds needed within 4 h: both deadlines lie that long after the
  // server's time, not after the local clock's (which would put them 22 h in the past).
  void DeadlinesCountFromTheServersClock(absl::Duration server_offset) {
    const absl::Time server_before = absl::Now() + server_offset;
    MustRun({"alert", "send", "--id", "telefonie-uitval", "--headline", "Telefonie uitgevallen: meld via de radio",
             "--urgency", "immediate", "--severity", "severe", "--certainty", "observed", "--region", "VR10",
             "--ack-within", "2h"});
    MustRun({"request", "create", "--id", "bedden-vvt-west", "--org", "vvt-west", "--type", "beds", "--bed-type",
             "nursing-home", "--quantity", "6", "--needed-within", "4h"});
    const absl::Time server_after = absl::Now() + server_offset;
    const v1::Record alert = ReadRecord("alerts/telefonie-uitval");
    const absl::Time ack_by = absl::FromUnixSeconds(alert.alert().acknowledge_by().seconds());
    // Whole seconds on the wire: a second of slack below.
    EXPECT_GE(ack_by, server_before + absl::Hours(2) - absl::Seconds(1)) << alert.DebugString();
    EXPECT_LE(ack_by, server_after + absl::Hours(2)) << alert.DebugString();
    const v1::Record request = ReadRecord("assistance-requests/bedden-vvt-west");
    const absl::Time needed_by = absl::FromUnixSeconds(request.assistance_request().needed_by().seconds());
    EXPECT_GE(needed_by, server_before + absl::Hours(4) - absl::Seconds(1)) << request.DebugString();
    EXPECT_LE(needed_by, server_after + absl::Hours(4)) << request.DebugString();
  }

  // 25.5 h. Overdue for longer than the grace: the overall status is unknown, with what it was, for everyone at the
  // same revision. The coast hospital, which reported an hour ago, is not.
  void OverdueBecomesUnknown() {
    for (const char* organization : {"zh-noord", "vvt-west"}) {
      WaitForReport(
          organization, [](const v1::StatusReport& report) { return report.has_unknown_since(); }, "unknown");
    }
    const v1::StatusReport hospital = ReadReport("zh-noord");
    EXPECT_EQ(hospital.overall_status(), v1::OVERALL_STATUS_UNKNOWN);
    EXPECT_EQ(hospital.last_known_overall_status(), v1::OVERALL_STATUS_STRAINED);
    EXPECT_EQ(absl::FromUnixSeconds(hospital.unknown_since().seconds()),
              absl::FromUnixSeconds(hospital.overdue_since().seconds()) + kUnknownAfterOverdue);
    EXPECT_FALSE(ReadReport("zh-kust").has_unknown_since());
    const std::string picture = MustRun({"picture", "--region", "VR10"});
    EXPECT_THAT(picture, ContainsRegex("zh-noord [^\n]*unknown \\(last known: strained\\)"));
    EXPECT_THAT(picture, ContainsRegex("vvt-west [^\n]*unknown \\(last known: strained\\)"));
    EXPECT_THAT(picture, ContainsRegex("zh-kust [^\n]* normal "));
  }

  TempDir dir_;
  const std::string clock_file_ = dir_.path() + "/clock-offset";
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::PictureService::Stub> stub_;
  absl::Time outage_start_;
};

TEST_F(PowerOutageTest, TheInspectiesWalkThroughStaysTrue) {
  RegisterTheRegion();
  ReportTheOutage();
  PhonedInOxygenKeepsTheRestOfTheRecord();

  MoveClockTo(absl::Hours(3));
  DiversionExpiresUnconfirmed();
  DieselFromThreePartialOffers();

  GeneratorRunsDownAndWarnsOnce();

  MoveClockTo(kReportingInterval + absl::Minutes(30));
  OverdueOrganisationsCountAsStale();
  AgesFollowTheServersClock();
  DeadlinesCountFromTheServersClock(kReportingInterval + absl::Minutes(30));

  MoveClockTo(kReportingInterval + kUnknownAfterOverdue + absl::Minutes(30));
  OverdueBecomesUnknown();

  // The clock file moved the server's clock, and only forward.
  EXPECT_THAT(server_->log(), HasSubstr("\"event\":\"clock_offset_moved\""));
  EXPECT_THAT(server_->log(), Not(HasSubstr("clock_offset_ignored")));
}

}  // namespace power_outage_test
}  // namespace ketenbeeld::testing
