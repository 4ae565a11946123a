// `ketenbeeld report export` through the real CLI and server: the picture and History as CSV and JSON Lines, at a
// past revision, into a file that appears only when complete, and bad flags refused naming the flag.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/system/cli_server_test.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ExportCliTest : public CliServerTest {
 protected:
  void SetUpPicture() {
    MustRun({"org", "register", "--id", "zh-noord", "--name", "Ziekenhuis Noord", "--kind", "hospital", "--region",
             "VR10"});
    MustRun({"status", "report", "--org", "zh-noord", "--overall", "strained", "--capacity",
             "ic-adult:available=3,occupied=13", "--text", "Noodstroom, beperkt"});
    MustRun({"status", "report", "--org", "zh-noord", "--overall", "critical", "--capacity",
             "ic-adult:available=0,occupied=16"});
  }

  static std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }
};

TEST_F(ExportCliTest, ThePictureAsCsvAndJsonLinesNowAndAtAPastRevision) {
  ASSERT_NO_FATAL_FAILURE(SetUpPicture());
  const std::string now = MustRun({"report", "export", "picture"});
  EXPECT_THAT(now, StartsWith("name,kind,revision,update_time,field,value\r\n"));
  EXPECT_THAT(now, HasSubstr("organizations/zh-noord/status,ENTITY_KIND_STATUS_REPORT,3,"));
  EXPECT_THAT(now, HasSubstr(",status_report.capacity[BED_TYPE_IC_ADULT].occupied,16\r\n"));
  EXPECT_THAT(now, HasSubstr(",status_report.overall_status,OVERALL_STATUS_CRITICAL\r\n"));
  EXPECT_THAT(now, HasSubstr("organizations/zh-noord,ENTITY_KIND_ORGANIZATION,1,"));

  // At revision 2 the strained report, with its free text quoted (it holds a comma).
  const std::string past = MustRun({"report", "export", "picture", "--revision", "2", "--kind", "status-report"});
  EXPECT_THAT(past, HasSubstr(",status_report.overall_status,OVERALL_STATUS_STRAINED\r\n"));
  EXPECT_THAT(past, HasSubstr(",status_report.free_text,\"Noodstroom, beperkt\"\r\n"));
  EXPECT_THAT(past, Not(HasSubstr("ENTITY_KIND_ORGANIZATION")));

  // JSON Lines: one record per line, every line a whole JSON object.
  const std::string json = MustRun({"report", "export", "picture", "--format", "json"});
  const std::vector<std::string> lines = absl::StrSplit(json, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << json;
  for (const std::string& line : lines) {
    EXPECT_THAT(line, StartsWith("{"));
    EXPECT_EQ(line.back(), '}');
  }
  EXPECT_THAT(json, HasSubstr("\"overallStatus\":\"OVERALL_STATUS_CRITICAL\""));
}

TEST_F(ExportCliTest, HistoryGoesToAFileThatAppearsOnlyWhenComplete) {
  ASSERT_NO_FATAL_FAILURE(SetUpPicture());
  const std::filesystem::path file = std::filesystem::path(dir_.path()) / "history.csv";
  const CliRun run = Cli({"report", "export", "history", "--from", "2", "-o", file.string()});
  ASSERT_TRUE(run.exit.ExitedWith(0)) << run.exit.ToString() << ": " << run.err;
  EXPECT_THAT(run.err, HasSubstr(absl::StrCat("exported 2 events (revision 3) to ", file.string())));
  EXPECT_TRUE(run.out.empty()) << run.out;
  const std::string csv = ReadFile(file);
  EXPECT_THAT(csv, StartsWith("revision,commit_time,type,name,kind,field,value\r\n"));
  EXPECT_THAT(csv, HasSubstr("\r\n2,"));
  EXPECT_THAT(csv, HasSubstr("\r\n3,"));
  EXPECT_THAT(csv, Not(HasSubstr("\r\n1,")));
  EXPECT_FALSE(std::filesystem::exists(absl::StrCat(file.string(), ".partial")));

  // A refused export leaves no file behind, and says which flag is wrong.
  const std::filesystem::path refused = std::filesystem::path(dir_.path()) / "refused.csv";
  CliRun bad = Cli({"report", "export", "picture", "--revision", "99", "-o", refused.string()});
  EXPECT_TRUE(bad.exit.ExitedWith(1)) << bad.exit.ToString();
  EXPECT_THAT(bad.err, HasSubstr("revision"));
  EXPECT_FALSE(std::filesystem::exists(refused));
  EXPECT_FALSE(std::filesystem::exists(absl::StrCat(refused.string(), ".partial")));
  bad = Cli({"report", "export", "picture", "--revision", "2", "--at", "2026-12-03T10:00:00Z"});
  EXPECT_TRUE(bad.exit.ExitedWith(2)) << bad.exit.ToString();
  EXPECT_THAT(bad.err, HasSubstr("--at: give either --revision or --at"));
  bad = Cli({"report", "export", "history", "--format", "xml"});
  EXPECT_TRUE(bad.exit.ExitedWith(2)) << bad.exit.ToString();
  EXPECT_THAT(bad.err, HasSubstr("--format"));
}

}  // namespace
}  // namespace ketenbeeld::testing
