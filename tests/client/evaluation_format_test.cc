// The evaluation's Markdown and CSV (client/cli/evaluation_format.h): absolute UTC times and whole seconds only, so
// the same Evaluation renders to the same bytes in any time zone; CSV fields quoted as RFC 4180 says.
#include "client/cli/evaluation_format.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace ketenbeeld::cli {
namespace {

using ::testing::HasSubstr;

v1::Evaluation Sample() {
  v1::Evaluation evaluation;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
                                                              incident {
                                                                id: "dijk"
                                                                title: "Dijkdoorbraak"
                                                                type: "overstroming"
                                                                scale_up_level: "GRIP 2"
                                                                status: INCIDENT_STATUS_CLOSED
                                                              }
                                                              exercise_id: "oef-1"
                                                              from_revision: 6
                                                              to_revision: 40
                                                              from_time { seconds: 1704067200 }
                                                              to_time { seconds: 1704070800 }
                                                              organizations {
                                                                organization_id: "zh-a"
                                                                organization_name: "Ziekenhuis A, locatie \"Noord\""
                                                                triggered_at { seconds: 1704067200 }
                                                                trigger: "incident opened (GRIP 2)"
                                                                first_report_at { seconds: 1704067500 }
                                                                time_to_first_report { seconds: 300 }
                                                                reports: 2
                                                                overdue: 1
                                                              }
                                                              organizations {
                                                                organization_id: "zh-b"
                                                                triggered_at { seconds: 1704067200 }
                                                                trigger: "incident opened (GRIP 2)"
                                                              }
                                                              organizations_triggered: 2
                                                              organizations_overdue: 1
                                                              alerts {
                                                                alert_id: "opvang"
                                                                headline: "OEFENING: Opvang | nodig"
                                                                sent_at { seconds: 1704067800 }
                                                                audience_size: 2
                                                                acknowledgements {
                                                                  organization_id: "zh-a"
                                                                  acknowledged_at { seconds: 1704069600 }
                                                                  latency { seconds: 1800 }
                                                                  late: true
                                                                }
                                                                never_acknowledged: "zh-b"
                                                                median_latency { seconds: 1800 }
                                                                max_latency { seconds: 1800 }
                                                              }
                                                              scenarios {
                                                                scenario_id: "overstroming"
                                                                name: "Overstroming"
                                                                needs {
                                                                  bed_type: BED_TYPE_IC_ADULT
                                                                  required: 10
                                                                  lowest_available: 3
                                                                  lowest_at { seconds: 1704067500 }
                                                                  worst_shortfall: 7
                                                                }
                                                              }
                                                            )pb",
                                                            &evaluation));
  return evaluation;
}

TEST(EvaluationFormatTest, MarkdownHasEverySectionInUtcAndIsMarkedForAnExercise) {
  const std::string markdown = RenderEvaluationMarkdown(Sample());
  EXPECT_THAT(markdown, HasSubstr("# Evaluation: Dijkdoorbraak (dijk)"));
  EXPECT_THAT(markdown, HasSubstr("**OEFENING** — exercise oef-1"));
  EXPECT_THAT(markdown, HasSubstr("from 2024-01-01T00:00:00Z (revision 6) to 2024-01-01T01:00:00Z (revision 40)"));
  EXPECT_THAT(markdown, HasSubstr("| zh-a | Ziekenhuis A, locatie \"Noord\" | 2024-01-01T00:00:00Z | incident opened "
                                  "(GRIP 2) | 2024-01-01T00:05:00Z | 5 min 00 s | 2 | 1 |"));
  EXPECT_THAT(markdown,
              HasSubstr("| zh-b | — | 2024-01-01T00:00:00Z | incident opened (GRIP 2) | never | — | 0 | 0 |"));
  EXPECT_THAT(markdown, HasSubstr("1 of 2 organisations called on had a report become overdue (50%)."));
  EXPECT_THAT(markdown, HasSubstr("### opvang: OEFENING: Opvang | nodig"));
  EXPECT_THAT(markdown, HasSubstr("- never confirmed: zh-b"));
  EXPECT_THAT(markdown, HasSubstr("| zh-a | 2024-01-01T00:40:00Z | 30 min 00 s | late |"));
  EXPECT_THAT(markdown, HasSubstr("| ic-adult | all | 10 | 3 | 2024-01-01T00:05:00Z | 7 |"));
}

TEST(EvaluationFormatTest, CsvQuotesWhatNeedsItAndListsWhoNeverConfirmed) {
  const std::string csv = RenderEvaluationCsv(Sample());
  EXPECT_THAT(csv, ::testing::StartsWith("section,subject,organization,start,end,seconds,detail\r\n"));
  EXPECT_THAT(csv, HasSubstr("first_report,dijk,zh-a,2024-01-01T00:00:00Z,2024-01-01T00:05:00Z,300,"
                             "incident opened (GRIP 2); reports=2 overdue=1\r\n"));
  EXPECT_THAT(csv, HasSubstr("acknowledgement,opvang,zh-b,2024-01-01T00:10:00Z,,,never confirmed\r\n"));
  EXPECT_THAT(csv, HasSubstr("scenario,overstroming,ic-adult,2024-01-01T00:00:00Z,2024-01-01T00:05:00Z,,"
                             "required=10 lowest=3 shortfall=7\r\n"));
}

TEST(EvaluationFormatTest, TheSameEvaluationGivesTheSameBytesInAnyTimeZone) {
  const std::string markdown = RenderEvaluationMarkdown(Sample());
  const std::string csv = RenderEvaluationCsv(Sample());
  setenv("TZ", "Pacific/Auckland", 1);
  EXPECT_EQ(RenderEvaluationMarkdown(Sample()), markdown);
  EXPECT_EQ(RenderEvaluationCsv(Sample()), csv);
  unsetenv("TZ");
}

}  // namespace
}  // namespace ketenbeeld::cli
