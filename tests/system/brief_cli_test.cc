// The brief (situatierapport) through the real CLI and server: what a bestuurder reads names the organisation in
// trouble and the shortfall, every figure with where it comes from, the same bytes for the same revision, and bad
// requests refused naming the field.
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/system/cli_server_test.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class BriefCliTest : public CliServerTest {
 protected:
  // A hospital and a nursing home in trouble, an incident with a situation entry; keeps the revisions of the two
  // status reports.
  void SetUpIncident() {
    MustRun({"org", "register", "--id", "zh-noord", "--name", "Ziekenhuis Noord", "--kind", "hospital", "--region",
             "VR10"});
    MustRun({"org", "register", "--id", "vvt-polder", "--name", "Woonzorg De Polder", "--kind", "nursing-home",
             "--region", "VR10"});
    MustRun({"incident", "open", "--id", "dijk", "--title", "Dijkdoorbraak Zijpe", "--type", "overstroming", "--level",
             "GRIP 2", "--region", "VR10", "--affected", "vvt-polder"});
    MustRun({"incident", "log", "dijk", "--layer", "beeld", "--text", "Water stijgt in de polder.", "--author",
             "Meldkamer"});
    hospital_revision_ = RevisionOf(MustRun({"status", "report", "--org", "zh-noord", "--overall", "strained",
                                             "--capacity", "ic-adult:available=3,occupied=13"}));
    nursing_home_revision_ = RevisionOf(MustRun({"status", "report", "--org", "vvt-polder", "--overall", "critical",
                                                 "--capacity", "nursing-home:available=0,occupied=60"}));
    ASSERT_GT(hospital_revision_, 0);
    ASSERT_GT(nursing_home_revision_, hospital_revision_);
  }

  // "reported organizations/... at revision N" -> N; 0 when the line is not there.
  static int64_t RevisionOf(const std::string& out) {
    const size_t at = out.rfind("at revision ");
    int64_t revision = 0;
    if (at == std::string::npos || !absl::SimpleAtoi(absl::StripAsciiWhitespace(out.substr(at + 12)), &revision)) {
      return 0;
    }
    return revision;
  }

  int64_t hospital_revision_ = 0;
  int64_t nursing_home_revision_ = 0;
};

TEST_F(BriefCliTest, TheBriefNamesTheOrganisationInTroubleWithTheSourceOfEveryFigure) {
  ASSERT_NO_FATAL_FAILURE(SetUpIncident());
  const std::string brief = MustRun({"report", "brief", "--incident", "dijk"});
  EXPECT_THAT(brief, HasSubstr("# Situatierapport voor het bestuur: Dijkdoorbraak Zijpe"));
  EXPECT_THAT(brief, HasSubstr("Water stijgt in de polder."));
  EXPECT_THAT(brief, HasSubstr("| Woonzorg De Polder (`vvt-polder`) | kritiek |"));
  // The IC figure and its footnote: the record it comes from and the revision it was reported at.
  EXPECT_THAT(brief, HasSubstr("| acute zorg | IC volwassenen | 3 [^"));
  EXPECT_THAT(brief, HasSubstr(absl::StrCat("`organizations/zh-noord/status`, revisie ", hospital_revision_)));
  EXPECT_THAT(brief, HasSubstr(absl::StrCat("`organizations/vvt-polder/status`, revisie ", nursing_home_revision_)));

  // The same revision, asked for twice: the same bytes; before the nursing home's report, without it. In English on
  // request, for the ROAZ.
  const std::string revision = absl::StrCat(hospital_revision_);
  const std::string before = MustRun({"report", "brief", "--incident", "dijk", "--revision", revision});
  EXPECT_EQ(MustRun({"report", "brief", "--incident", "dijk", "--revision", revision}), before);
  EXPECT_THAT(before, HasSubstr("`organizations/zh-noord/status`"));
  EXPECT_THAT(before, Not(HasSubstr("vvt-polder/status")));
  EXPECT_THAT(MustRun({"report", "brief", "--incident", "dijk", "--audience", "roaz", "--lang", "en"}),
              HasSubstr("# Situation report for the ROAZ: Dijkdoorbraak Zijpe"));
}

TEST_F(BriefCliTest, BadRequestsAreRefusedNamingTheField) {
  ASSERT_NO_FATAL_FAILURE(SetUpIncident());
  CliRun run = Cli({"report", "brief", "--incident", "geen-incident"});
  EXPECT_FALSE(run.exit.ExitedWith(0)) << run.out;
  EXPECT_THAT(run.err, HasSubstr("geen-incident"));
  run = Cli({"report", "brief", "--incident", "dijk", "--revision", "999"});
  EXPECT_FALSE(run.exit.ExitedWith(0)) << run.out;
  EXPECT_THAT(run.err, HasSubstr("revision"));
}

}  // namespace
}  // namespace ketenbeeld::testing
