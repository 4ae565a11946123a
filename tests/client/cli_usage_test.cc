// The `ketenbeeld` binary's flag handling for the workflow commands, without a server: a wrong or missing flag is a
// usage error (exit code 2) whose message names the flag, and it is found before any connection is attempted (the
// --server given points nowhere, so reaching it would fail with exit code 1 instead).
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together.
};

// Runs the CLI with `args` (single-quoted for the shell); output and exit code. `locale`: shell assignments before the
// command; by default a locale that is not Dutch, so the CLI speaks English whatever the machine's locale.
Outcome RunCli(const std::vector<std::string>& args, const std::string& locale = "LC_ALL=C.UTF-8") {
  std::string command = absl::StrCat(locale, " '", KETENBEELD_CLI_BINARY, "' --server 127.0.0.1:1 --timeout 2");
  for (const std::string& arg : args) absl::StrAppend(&command, " '", arg, "'");
  absl::StrAppend(&command, " 2>&1");
  Outcome outcome;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return outcome;
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) outcome.output.append(buffer, read);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  return outcome;
}

void ExpectUsageError(const std::vector<std::string>& args, const std::string& message) {
  const Outcome outcome = RunCli(args);
  EXPECT_EQ(outcome.exit_code, 2) << outcome.output;
  EXPECT_THAT(outcome.output, HasSubstr(message));
}

TEST(CliUsageTest, IncidentCommands) {
  ExpectUsageError({"incident", "open", "--id", "brand", "--title", "Brand", "--type", "brand", "--region", "VR10"},
                   "ketenbeeld: --level is required, e.g. --level \"GRIP 2\"");
  ExpectUsageError({"incident", "open", "--id", "brand", "--title", "Brand", "--type", "brand", "--level", "GRIP 2",
                    "--region", "VR10", "--at", "52.9"},
                   "--at \"52.9\": expected LAT,LON");
  ExpectUsageError({"incident", "open", "--id", "b", "--t1", "many"}, "--t1");
  ExpectUsageError({"incident", "log", "brand", "--layer", "mening", "--text", "t", "--author", "a"},
                   "--layer \"mening\": expected picture|assessment|decision (or beeld|oordeel|besluit)");
  ExpectUsageError({"incident", "update"}, "ID is required");
  ExpectUsageError({"incident"}, "A subcommand is required");
}

TEST(CliUsageTest, AlertCommands) {
  ExpectUsageError({"alert", "send", "--id", "a", "--headline", "h", "--urgency", "now", "--severity", "severe",
                    "--certainty", "observed"},
                   "--urgency \"now\": unknown urgency \"now\" (valid: immediate, expected, future, past, unknown)");
  ExpectUsageError({"alert", "send", "--id", "a", "--headline", "h", "--urgency", "immediate", "--severity", "severe",
                    "--certainty", "observed", "--ack-within", "30"},
                   "--ack-within \"30\": expected a duration such as 30m, 4h, 1h30m or 2d");
  ExpectUsageError({"alert", "send", "--id", "a", "--headline", "h", "--urgency", "immediate", "--severity", "severe",
                    "--certainty", "observed", "--polygon", "52.9,4.7;52.9,4.8"},
                   "--polygon \"52.9,4.7;52.9,4.8\": expected at least 3 points");
  ExpectUsageError({"alert", "ack", "stroom"}, "--org is required");
}

TEST(CliUsageTest, RequestScenarioReportAndCapacityCommands) {
  ExpectUsageError({"request", "create", "--id", "r", "--org", "o", "--type", "beds", "--quantity", "3"},
                   "--bed-type (with --type beds) is required");
  ExpectUsageError({"request", "offer", "r", "--org", "o"}, "--quantity is required");
  ExpectUsageError({"request", "accept", "r"}, "--org is required");
  ExpectUsageError({"request", "create", "--id", "r", "--org", "o", "--type", "fuel", "--quantity", "5000"},
                   "--fuel (with --type fuel) is required");
  ExpectUsageError({"request", "create", "--id", "r", "--org", "o", "--type", "staff", "--quantity", "4"},
                   "--discipline (with --type staff) is required, e.g. --discipline ic-nurse");
  ExpectUsageError(
      {"request", "create", "--id", "r", "--org", "o", "--type", "water", "--quantity", "600", "--unit", "gallon"},
      "--unit \"gallon\": unknown quantity unit");
  ExpectUsageError({"request", "accept", "r", "--org", "o", "--quantity", "0"}, "--quantity \"0\": must be");
  ExpectUsageError({"request", "fulfil", "r", "--delivered", "defensie"}, "--delivered \"defensie\": expected ORG=N");
  ExpectUsageError({"scenario", "put", "--id", "s", "--name", "n", "--region", "VR10", "--need", "ic-adult=x"},
                   "--need \"ic-adult=x\": the quantity must be a whole number >= 1");
  ExpectUsageError({"report", "capacity", "--bed-type", "bed"}, "--bed-type \"bed\": unknown bed type");
  ExpectUsageError({"capacity", "near", "52.6;4.7", "--bed-type", "ic-adult"}, "near \"52.6;4.7\": expected LAT,LON");
  ExpectUsageError({"capacity", "near", "52.6,4.7"}, "--bed-type is required");
}

TEST(CliUsageTest, StatusImportNeedsAReadableFileOfReports) {
  ExpectUsageError({"status", "import"}, "FILE is required");
  ExpectUsageError({"status", "import", "/nonexistent/reports.textproto"}, "cannot be read");
}

TEST(CliUsageTest, StatusReportFlagsOfCapacityThatIsNotBeds) {
  ExpectUsageError({"status", "report", "--org", "rav", "--overall", "normal", "--ambulances", "free=4"},
                   "--ambulances \"free=4\": unknown field \"free\" (expected available=N,deployed=N)");
  ExpectUsageError(
      {"status", "report", "--org", "vvt", "--overall", "strained", "--intake-stop-since", "2026-12-02T08:00:00Z"},
      "--intake-stop-since \"2026-12-02T08:00:00Z\": needs --intake-stop active");
  ExpectUsageError({"status", "report", "--org", "hap", "--overall", "normal", "--gp-post", "half"},
                   "--gp-post \"half\": expected open|restricted|closed");
  // Complete: it gets as far as the server.
  const Outcome outcome =
      RunCli({"status", "report", "--org", "vvt", "--overall", "strained", "--intake-stop", "opnamestop:noodstroom",
              "--intake-stop-since", "2026-12-02T08:00:00+01:00", "--home-care", "powered-devices=37", "--ambulances",
              "available=4", "--gp-capacity", "per-hour=12", "--ggd-teams", "vaccination=1"});
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_THAT(outcome.output, HasSubstr("cannot reach the server at 127.0.0.1:1"));
  // The help names the Dutch terms beside the English ones.
  const Outcome help = RunCli({"status", "report", "--help"});
  EXPECT_THAT(help.output, HasSubstr("opnamestop / cliëntenstop"));
  EXPECT_THAT(help.output, HasSubstr("huisartsenpost"));
  EXPECT_THAT(help.output, HasSubstr("thuiszorg"));
}

// Crisis staff read Dutch, integrators English: the help, CLI11's own words and the messages follow --lang or the
// locale (client/cli/messages.h).
TEST(CliUsageTest, HelpAndMessagesInDutchWithLangOrADutchLocale) {
  const Outcome flag = RunCli({"--lang", "nl", "status", "report", "--help"});
  EXPECT_EQ(flag.exit_code, 0) << flag.output;
  EXPECT_THAT(flag.output, HasSubstr("Gebruik:"));
  EXPECT_THAT(flag.output, HasSubstr("Opties:"));
  EXPECT_THAT(flag.output, HasSubstr("Id van de meldende organisatie"));
  EXPECT_THAT(flag.output, HasSubstr("--ed-until"));
  EXPECT_THAT(flag.output, HasSubstr("SEH-stop tot"));
  EXPECT_THAT(flag.output, Not(HasSubstr("Reporting organisation id")));

  const Outcome locale = RunCli({"--help"}, "LC_ALL= LC_MESSAGES= LANG=nl_NL.UTF-8");
  EXPECT_THAT(locale.output, HasSubstr("het gedeelde beeld van de zorgketen"));
  EXPECT_THAT(locale.output, HasSubstr("Verbinding:"));
  EXPECT_THAT(locale.output, HasSubstr("Opdrachten:"));
  EXPECT_THAT(locale.output, HasSubstr("Statusmeldingen"));
  // --lang wins over the locale, the last one given over earlier ones.
  const Outcome english = RunCli({"--lang", "nl", "--help", "--lang", "en"}, "LANG=nl_NL.UTF-8");
  EXPECT_THAT(english.output, HasSubstr("the shared picture of the care chain"));

  const Outcome unreachable = RunCli({"--lang", "nl", "capacity", "near", "52.6,4.7", "--bed-type", "ic-adult"});
  EXPECT_EQ(unreachable.exit_code, 1) << unreachable.output;
  EXPECT_THAT(unreachable.output, HasSubstr("de server op 127.0.0.1:1 is niet bereikbaar"));

  ExpectUsageError({"--lang", "fr", "picture"}, "--lang \"fr\": expected nl (Nederlands) or en (English)");
}

// The workflow commands a GHOR officer or a meldkamer uses in an incident speak Dutch too: each subcommand's help,
// option groups included, with the API's words (flags, enum words) as they are typed.
TEST(CliUsageTest, WorkflowHelpInDutch) {
  struct Case {
    std::vector<std::string> command;
    std::vector<std::string> dutch;
    std::string english;  // What the English help says there, absent from the Dutch.
  };
  const std::vector<Case> cases = {
      {{"incident", "open"}, {"Open een nieuw incident", "Opschalingsniveau", "Slachtoffers:"}, "Casualties"},
      {{"incident", "log"}, {"situatielog", "picture|assessment|decision (beeld|oordeel|besluit)"}, "Add an entry"},
      {{"alert", "send"}, {"Verstuur een alertering", "Ontvangers:", "de tijd van de server"}, "Audience"},
      {{"alert", "ack"}, {"Bevestig een alertering"}, "Confirm (acknowledge)"},
      {{"request", "create"},
       {"Vraag om hulp (hulpvraag)", "Levering:", "verplicht bij --type staff: ", "ic-nurse"},
       "Delivery"},
      {{"request", "fulfil"}, {"Wat er aankwam"}, "What arrived"},
      {{"scenario", "put"}, {"Benodigde capaciteit", "Veiligheidsregio, VR01..VR25"}, "Required capacity"},
      {{"scenario", "gap"}, {"tekortenrapport"}, "The gap report"},
      {{"report", "continuity"}, {"continuïteitstijdlijn", "Alleen deze veiligheidsregio"}, "How far ahead"},
      {{"capacity", "near"}, {"Zoekstraal", "Alleen cijfers die hoogstens"}, "Search radius"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--lang", "nl"};
    args.insert(args.end(), c.command.begin(), c.command.end());
    args.push_back("--help");
    const Outcome help = RunCli(args);
    EXPECT_EQ(help.exit_code, 0) << help.output;
    for (const std::string& dutch : c.dutch) EXPECT_THAT(help.output, HasSubstr(dutch)) << c.command[1];
    EXPECT_THAT(help.output, Not(HasSubstr(c.english))) << c.command[1];
    EXPECT_THAT(help.output, Not(HasSubstr("Options:"))) << c.command[1] << ": the help flag in English \"Options\"";
    // And the English help has it, so the check above is not vacuous.
    args[1] = "en";
    EXPECT_THAT(RunCli(args).output, HasSubstr(c.english)) << c.command[1];
  }
}

TEST(CliUsageTest, AValidCommandGetsAsFarAsTheServer) {
  // Proves the usage checks above are not simply failing every command: a complete one tries to connect.
  const Outcome outcome = RunCli({"capacity", "near", "52.6,4.7", "--bed-type", "ic-adult"});
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_THAT(outcome.output, HasSubstr("cannot reach the server at 127.0.0.1:1"));
}

}  // namespace
