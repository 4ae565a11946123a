// The `status report` flags of capacity that is not beds: what each sets (and leaves absent), Dutch words, errors
// that name the flag and the value, and the fields ApplyChainReportFlags reports as set.
#include "client/cli/chain_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/cli_test_util.h"

namespace ketenbeeld::cli {
namespace {

using ::ketenbeeld::cli::testing::ExpectFlagError;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ChainFlagsTest, CountsLeftOutStayNotReported) {
  absl::StatusOr<v1::AmbulanceCapacity> ambulance = ParseAmbulancesFlag("available=4");
  ASSERT_TRUE(ambulance.ok()) << ambulance.status();
  EXPECT_EQ(ambulance->ambulances_available(), 4);
  EXPECT_FALSE(ambulance->has_ambulances_deployed());

  absl::StatusOr<v1::HomeCareCapacity> home_care = ParseHomeCareFlag("powered-devices=37, home-ventilation=0");
  ASSERT_TRUE(home_care.ok()) << home_care.status();
  EXPECT_FALSE(home_care->has_clients_in_care());
  EXPECT_EQ(home_care->clients_on_powered_devices(), 37);
  EXPECT_TRUE(home_care->has_clients_on_home_ventilation()) << "0 is a figure";

  absl::StatusOr<v1::PublicHealthCapacity> teams = ParseGgdTeamsFlag("infection-control=2,psychosocial=1");
  ASSERT_TRUE(teams.ok()) << teams.status();
  EXPECT_EQ(teams->infection_control_teams_available(), 2);
  EXPECT_FALSE(teams->has_vaccination_teams_available());
  EXPECT_EQ(teams->psychosocial_teams_available(), 1);

  absl::StatusOr<v1::GpPostCapacity> counts = ParseGpCapacityFlag("per-hour=12,slots=0");
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->consultations_per_hour(), 12);
  EXPECT_TRUE(counts->has_slots_available());
}

TEST(ChainFlagsTest, StatesInEnglishOrDutch) {
  EXPECT_EQ(ParseIntakeStopFlag("active")->state(), v1::INTAKE_STOP_STATE_ACTIVE);
  EXPECT_EQ(ParseIntakeStopFlag("Opnamestop:noodstroom")->state(), v1::INTAKE_STOP_STATE_ACTIVE);
  EXPECT_EQ(ParseIntakeStopFlag("opnamestop:noodstroom")->reason(), "noodstroom");
  EXPECT_EQ(ParseIntakeStopFlag("cliëntenstop")->state(), v1::INTAKE_STOP_STATE_ACTIVE);
  EXPECT_EQ(ParseIntakeStopFlag("none")->state(), v1::INTAKE_STOP_STATE_NONE);
  EXPECT_EQ(ParseIntakeStopFlag("geen")->state(), v1::INTAKE_STOP_STATE_NONE);
  EXPECT_EQ(ParseGpPostFlag("restricted:alleen spoed: bel eerst")->reason(), "alleen spoed: bel eerst");
  EXPECT_EQ(ParseGpPostFlag("beperkt")->state(), v1::GP_POST_STATE_RESTRICTED);
  EXPECT_EQ(ParseGpPostFlag("dicht")->state(), v1::GP_POST_STATE_CLOSED);
  EXPECT_EQ(ParseGpPostFlag("open")->state(), v1::GP_POST_STATE_OPEN);
}

TEST(ChainFlagsTest, BadValuesNameTheFlagAndTheValue) {
  ExpectFlagError(ParseAmbulancesFlag("free=4").status(), "--ambulances \"free=4\"",
                  "unknown field \"free\" (expected available=N,deployed=N)");
  ExpectFlagError(ParseAmbulancesFlag("available=-1").status(), "--ambulances \"available=-1\"",
                  "available must be a whole number >= 0");
  ExpectFlagError(ParseAmbulancesFlag("").status(), "--ambulances \"\"", "no counts given");
  ExpectFlagError(ParseHomeCareFlag("powered-devices").status(), "--home-care \"powered-devices\"", "is not key=N");
  ExpectFlagError(ParseGgdTeamsFlag("vaccination=two").status(), "--ggd-teams \"vaccination=two\"",
                  "vaccination must be a whole number");
  ExpectFlagError(ParseGpPostFlag("half").status(), "--gp-post \"half\"", "expected open|restricted|closed");
  ExpectFlagError(ParseIntakeStopFlag("ja").status(), "--intake-stop \"ja\"", "expected active|none");
  ExpectFlagError(ParseIntakeStopFlag("none:vol").status(), "--intake-stop \"none:vol\"",
                  "a reason only with an active intake stop");
}

TEST(ChainFlagsTest, ApplyReplacesItsPartsAndSaysWhichFieldsItSet) {
  v1::StatusReport report;
  report.mutable_gp_post()->set_consultations_per_hour(9);  // From --file.
  report.mutable_ambulance()->set_ambulances_deployed(7);   // From --file: --ambulances replaces it whole.
  ChainReportFlags flags;
  flags.ambulances = "available=4";
  flags.gp_post = "closed:storm";
  flags.intake_stop = "opnamestop:noodstroom";
  flags.intake_stop_since = "2026-12-02T08:00:00+01:00";
  absl::StatusOr<std::vector<std::string>> set = ApplyChainReportFlags(flags, &report);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_THAT(*set, ElementsAre("ambulance", "gp_post.state", "gp_post.reason", "intake_stop"));
  EXPECT_EQ(report.ambulance().ambulances_available(), 4);
  EXPECT_FALSE(report.ambulance().has_ambulances_deployed());
  EXPECT_EQ(report.gp_post().state(), v1::GP_POST_STATE_CLOSED);
  EXPECT_EQ(report.gp_post().consultations_per_hour(), 9) << "--gp-post sets the state, not the counts";
  EXPECT_EQ(report.intake_stop().since().seconds(), 1796194800);  // 07:00 UTC.
  EXPECT_FALSE(report.has_home_care());

  absl::StatusOr<std::vector<std::string>> nothing = ApplyChainReportFlags(ChainReportFlags(), &report);
  ASSERT_TRUE(nothing.ok());
  EXPECT_THAT(*nothing, IsEmpty());
}

TEST(ChainFlagsTest, IntakeStopTimesNeedAnActiveStop) {
  v1::StatusReport report;
  ChainReportFlags flags;
  flags.intake_stop_until = "2026-12-03T08:00:00Z";
  ExpectFlagError(ApplyChainReportFlags(flags, &report).status(), "--intake-stop-until \"2026-12-03T08:00:00Z\"",
                  "needs --intake-stop active");
  flags.intake_stop = "none";
  ExpectFlagError(ApplyChainReportFlags(flags, &report).status(), "--intake-stop-until", "needs --intake-stop active");
  flags.intake_stop = "active";
  flags.intake_stop_until = "tomorrow";
  ExpectFlagError(ApplyChainReportFlags(flags, &report).status(), "--intake-stop-until \"tomorrow\"",
                  "expected an RFC 3339 time");
}

}  // namespace
}  // namespace ketenbeeld::cli
