// Issue 19's exchange formats through the real binaries: a hospital's own system pushes its status as an EDXL-HAVE
// document with `ketenbeeld status import-have`, the GHOR's alert feed imports a CAP message with `alert import-cap`,
// and both come back out with `status have` and `alert cap`. Bad documents (an XML bomb, an unknown bed type) are
// refused by the server with the element named, and the CLI exits 1.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"
#include "tests/system/cli_run.h"
#include "tests/system/cli_server_test.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class InteropCliTest : public CliServerTest {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
};

TEST_F(InteropCliTest, AHospitalSystemPushesHaveAndReadsItBack) {
  MustRun(
      {"org", "register", "--id", "zh-noord", "--name", "Ziekenhuis Noord", "--kind", "hospital", "--region", "VR10"});
  MustRun({"status", "report", "--org", "zh-noord", "--overall", "strained", "--capacity",
           "ic-adult:available=2,occupied=10,baseline=12"});
  const std::string exported = MustRun({"status", "have", "zh-noord"});
  EXPECT_THAT(exported, HasSubstr("<HAVE xmlns=\"urn:oasis:names:tc:emergency:edxl:have:2.0\">"));
  EXPECT_THAT(exported, HasSubstr("<availableCount>2</availableCount>"));

  const std::string pushed =
      Write("push.xml", absl::StrReplaceAll(exported, {{"<availableCount>2<", "<availableCount>0<"},
                                                       {"<colourCode>Yellow<", "<colourCode>Red<"}}));
  const std::string imported = MustRun({"status", "import-have", pushed});
  EXPECT_THAT(imported, HasSubstr("imported organizations/zh-noord/status at revision 3"));
  EXPECT_THAT(imported, HasSubstr("not imported: /HAVE/facility/lastUpdateTime"));
  const std::string after = MustRun({"status", "have", "--region", "VR10"});
  EXPECT_THAT(after, HasSubstr("<colourCode>Red</colourCode>"));
  EXPECT_THAT(after, HasSubstr("<availableCount>0</availableCount>"));

  const std::string unknown = Write("unknown.xml", absl::StrReplaceAll(exported, {{"AdultICU", "Helipad"}}));
  CliRun run = Cli({"status", "import-have", unknown});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("bedType: unknown bed type \"Helipad\""));
  const std::string bomb =
      Write("bomb.xml",
            "<?xml version=\"1.0\"?><!DOCTYPE HAVE [<!ENTITY a \"aaaaaaaaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">"
            "<!ENTITY c \"&b;&b;&b;&b;&b;\">]><HAVE>&c;</HAVE>");
  run = Cli({"status", "import-have", bomb});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("document type declaration"));
  // Neither refusal wrote anything: the last document is still the one imported.
  EXPECT_THAT(MustRun({"status", "have", "zh-noord"}), HasSubstr("<availableCount>0</availableCount>"));
}

TEST_F(InteropCliTest, ACapMessageComesInAndGoesOut) {
  const std::string message = Write("alert.xml", R"(<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>hitte-noord</identifier>
  <sender>ghor@vr11.example.nl</sender>
  <sent>2026-12-02T22:00:00+01:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Restricted</scope>
  <restriction>Zorginstellingen</restriction>
  <info>
    <category>Health</category>
    <event>Hitte</event>
    <urgency>Expected</urgency>
    <severity>Moderate</severity>
    <certainty>Likely</certainty>
    <expires>2026-12-04T00:00:00+01:00</expires>
    <headline>Hitteplan fase 2</headline>
  </info>
</alert>
)");
  const std::string imported = MustRun({"alert", "import-cap", message});
  EXPECT_THAT(imported, HasSubstr("imported alerts/hitte-noord at revision 1"));
  EXPECT_THAT(imported, HasSubstr("not imported: /alert/info/expires"));
  const std::string out = MustRun({"alert", "cap", "hitte-noord", "--as-exercise"});
  EXPECT_THAT(out, HasSubstr("<identifier>hitte-noord</identifier>"));
  EXPECT_THAT(out, HasSubstr("<status>Exercise</status>"));
  EXPECT_THAT(out, HasSubstr("<headline>Hitteplan fase 2</headline>"));
  // Our own exercise message must never change the real picture.
  const std::string exercise = Write("exercise.xml", out);
  const CliRun run = Cli({"alert", "import-cap", exercise});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("/alert/status: \"Exercise\" messages are not imported"));
  EXPECT_THAT(MustRun({"alert", "cap", "hitte-noord"}), Not(HasSubstr("<msgType>Update</msgType>")));
  // Into an exercise it goes, once, its headline marked once; the real alert stays as it was.
  MustRun({"exercise", "start", "--id", "oef-hitte", "--title", "Oefening hitteplan"});
  EXPECT_THAT(MustRun({"--exercise", "oef-hitte", "alert", "import-cap", exercise}),
              HasSubstr("imported exercises/oef-hitte/alerts/hitte-noord at revision"));
  const std::string exercised = MustRun({"--exercise", "oef-hitte", "alert", "cap", "hitte-noord"});
  EXPECT_THAT(exercised, HasSubstr("<headline>OEFENING: Hitteplan fase 2</headline>"));
  EXPECT_THAT(exercised, HasSubstr("<status>Exercise</status>"));
  EXPECT_THAT(MustRun({"alert", "cap", "hitte-noord"}), HasSubstr("<headline>Hitteplan fase 2</headline>"));
  // The real message does not go into the exercise.
  const CliRun actual = Cli({"--exercise", "oef-hitte", "alert", "import-cap", message});
  EXPECT_TRUE(actual.exit.ExitedWith(1)) << actual.exit.ToString();
  EXPECT_THAT(actual.err, HasSubstr("exercise_id: \"oef-hitte\" takes Exercise and Test messages only"));
}

// An exercise's alert goes out as an exercise (or test) message, whatever the caller asks: a partner's system must
// never take it for a real alert. The real alert of the same id is not touched.
TEST_F(InteropCliTest, AnExercisesAlertIsExportedAsExerciseAndNeverAsActual) {
  MustRun({"exercise", "start", "--id", "oef-hitte", "--title", "Oefening hitteplan"});
  MustRun({"--exercise", "oef-hitte", "alert", "send", "--id", "hitte", "--headline", "Hitteplan fase 2", "--urgency",
           "expected", "--severity", "moderate", "--certainty", "likely", "--region", "VR10"});
  const std::string out = MustRun({"--exercise", "oef-hitte", "alert", "cap", "hitte"});
  EXPECT_THAT(out, HasSubstr("<status>Exercise</status>"));
  EXPECT_THAT(out, HasSubstr("<note>OEFENING</note>"));
  EXPECT_THAT(out, HasSubstr("<headline>OEFENING: Hitteplan fase 2</headline>"));
  // Without --exercise the real picture is asked, where no such alert exists.
  const CliRun real = Cli({"alert", "cap", "hitte"});
  EXPECT_TRUE(real.exit.ExitedWith(1)) << real.exit.ToString() << ": " << real.err;
  EXPECT_THAT(real.err, HasSubstr("does not exist"));
  const CliRun unknown = Cli({"--exercise", "oef-onbekend", "alert", "cap", "hitte"});
  EXPECT_TRUE(unknown.exit.ExitedWith(1)) << unknown.exit.ToString();
  EXPECT_THAT(unknown.err, HasSubstr("exercise_id: no exercise \"oef-onbekend\""));
}

}  // namespace
}  // namespace ketenbeeld::testing
