// Issue 15's walk-through of assistance through the real binaries: a hospital on generators asks for 5,000 litres of
// diesel with the `ketenbeeld` CLI, three suppliers offer 2,000 each, the hospital accepts 2,000 + 2,000 and then part
// of the third (accepting all of it is refused with what is still needed), and records a short delivery. The CLI's
// own output is what is checked, as an officer would read it.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"
#include "tests/system/cli_run.h"
#include "tests/system/cli_server_test.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;

class AssistanceCliTest : public CliServerTest {};

TEST_F(AssistanceCliTest, ThreePartialOffersOfDieselFulfilOneRequest) {
  MustRun({"org", "register", "--id", "zh-noord", "--name", "Ziekenhuis Noord", "--kind", "hospital", "--region",
           "VR10", "--location", "main:Hoofdlocatie"});
  for (const char* supplier : {"defensie", "brandstof-west", "gemeente"}) {
    MustRun({"org", "register", "--id", supplier, "--name", supplier, "--kind", "defence", "--region", "VR10"});
  }
  // A unit that does not fit the type is the server's INVALID_ARGUMENT naming the field.
  CliRun run = Cli({"request", "create", "--id", "diesel", "--org", "zh-noord", "--type", "fuel", "--fuel", "diesel",
                    "--quantity", "5000", "--unit", "persons"});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("request.unit"));
  MustRun({"request",    "create",       "--id",   "diesel",         "--org",
           "zh-noord",   "--type",       "fuel",   "--fuel",         "diesel",
           "--quantity", "5000",         "--unit", "litres",         "--priority",
           "urgent",     "--deliver-to", "main",   "--deliver-note", "tank aggregaat achterzijde"});
  for (const char* supplier : {"defensie", "brandstof-west", "gemeente"}) {
    MustRun({"request", "offer", "diesel", "--org", supplier, "--quantity", "2000"});
  }
  MustRun({"request", "accept", "diesel", "--org", "defensie"});
  MustRun({"request", "accept", "diesel", "--org", "brandstof-west"});
  run = Cli({"request", "accept", "diesel", "--org", "gemeente"});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("still needs 1000 litres"));
  MustRun({"request", "accept", "diesel", "--org", "gemeente", "--quantity", "1000"});
  run = Cli({"request", "offer", "diesel", "--org", "defensie", "--quantity", "500"});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << "covered: no more offers";
  MustRun({"request", "fulfil", "diesel", "--delivered", "brandstof-west=1800"});

  const std::string shown = MustRun({"request", "show", "diesel"});
  EXPECT_THAT(shown, HasSubstr("diesel: 5000 litres fuel (diesel) for zh-noord"));
  EXPECT_THAT(shown, HasSubstr("status      fulfilled"));
  EXPECT_THAT(shown, HasSubstr("priority    urgent"));
  EXPECT_THAT(shown, HasSubstr("accepted    5000/5000 litres"));
  EXPECT_THAT(shown, HasSubstr("delivered   4800"));
  EXPECT_THAT(shown, HasSubstr("deliver to  location main (tank aggregaat achterzijde)"));
  // The third offer: 2000 offered, 1000 of it accepted and delivered.
  EXPECT_THAT(shown, ::testing::ContainsRegex("gemeente +2000  accepted +1000 +1000"));
  EXPECT_THAT(shown, ::testing::ContainsRegex("brandstof-west +2000  accepted +2000 +1800"));
}

// `ketenbeeld bed reserve` repeated with the same --request-id (what a dispatcher does when the answer was lost) holds
// one bed: the server answers with the reservation it made and the CLI says so. Without the flag each command is a new
// request. A server that cannot be reached is tried again with the same id, which the CLI then prints.
using BedCliTest = CliServerTest;

TEST_F(BedCliTest, ARepeatedReservationWithTheSameRequestIdHoldsOneBed) {
  MustRun(
      {"org", "register", "--id", "zh-noord", "--name", "Ziekenhuis Noord", "--kind", "hospital", "--region", "VR10"});
  MustRun({"status", "report", "--org", "zh-noord", "--overall", "strained", "--capacity",
           "ic-adult:available=2,occupied=10"});
  const std::vector<std::string> reserve = {"bed",        "reserve", "--organization", "zh-noord",
                                            "--bed-type", "ic",      "--request-id",   "rit-2026-1187"};
  const std::string made = MustRun(reserve);
  EXPECT_THAT(made, HasSubstr("reserved reservations/"));
  EXPECT_THAT(made, ::testing::Not(HasSubstr("already")));
  const std::string again = MustRun(reserve);
  EXPECT_THAT(again, HasSubstr("already, by an earlier attempt with this request id"));
  EXPECT_EQ(made.substr(0, made.find(" at revision")), again.substr(0, again.find(" at revision")));
  // One bed held of two: a reservation without --request-id is a new one and takes the second bed, then none is left.
  MustRun({"bed", "reserve", "--organization", "zh-noord", "--bed-type", "ic"});
  CliRun run = Cli({"bed", "reserve", "--organization", "zh-noord", "--bed-type", "ic"});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("0 beds of BED_TYPE_IC_ADULT are available"));

  // Nobody answers: the CLI tries again and then names the id to repeat the command with.
  run = RunCli(dir_.path(), {"--server", "127.0.0.1:1", "bed", "reserve", "--organization", "zh-noord", "--bed-type",
                             "ic", "--request-id", "rit-2026-1188"});
  EXPECT_FALSE(run.exit.ExitedWith(0)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("repeat the command with --request-id rit-2026-1188"));
}

}  // namespace
}  // namespace ketenbeeld::testing
