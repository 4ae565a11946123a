#include "server/domain/names.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld::domain {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(NamesTest, FormatsEachKindOfName) {
  EXPECT_EQ(OrganizationName("ziekenhuis-noord"), "organizations/ziekenhuis-noord");
  EXPECT_EQ(StatusReportName("ziekenhuis-noord", ""), "organizations/ziekenhuis-noord/status");
  EXPECT_EQ(StatusReportName("ziekenhuis-noord", "locatie-1"),
            "organizations/ziekenhuis-noord/locations/locatie-1/status");
}

TEST(NamesTest, PrefixCoversTheReportsOfOneOrganizationOnly) {
  const std::string prefix = OrganizationPrefix("org-a");
  EXPECT_EQ(prefix, "organizations/org-a/");
  EXPECT_THAT(StatusReportName("org-a", ""), StartsWith(prefix));
  EXPECT_THAT(StatusReportName("org-a", "site-1"), StartsWith(prefix));
  // A longer id that starts with the same characters is another organisation.
  EXPECT_THAT(StatusReportName("org-ab", ""), ::testing::Not(StartsWith(prefix)));
  EXPECT_THAT(OrganizationName("org-ab"), ::testing::Not(StartsWith(prefix)));
}

TEST(NamesTest, OrganizationNameRoundTrips) {
  const std::string name = OrganizationName("ggd-hollands-noorden");
  absl::StatusOr<ParsedName> parsed = ParseName(name);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->kind, v1::ENTITY_KIND_ORGANIZATION);
  EXPECT_EQ(parsed->organization_id, "ggd-hollands-noorden");
  EXPECT_EQ(parsed->location_id, "");
  EXPECT_EQ(OrganizationName(parsed->organization_id), name);
}

TEST(NamesTest, OrganizationStatusNameRoundTrips) {
  const std::string name = StatusReportName("vvt-de-linde", "");
  absl::StatusOr<ParsedName> parsed = ParseName(name);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->kind, v1::ENTITY_KIND_STATUS_REPORT);
  EXPECT_EQ(parsed->organization_id, "vvt-de-linde");
  EXPECT_EQ(parsed->location_id, "");
  EXPECT_EQ(StatusReportName(parsed->organization_id, parsed->location_id), name);
}

TEST(NamesTest, LocationStatusNameRoundTrips) {
  const std::string name = StatusReportName("nwz", "den-helder-1");
  absl::StatusOr<ParsedName> parsed = ParseName(name);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->kind, v1::ENTITY_KIND_STATUS_REPORT);
  EXPECT_EQ(parsed->organization_id, "nwz");
  EXPECT_EQ(parsed->location_id, "den-helder-1");
  EXPECT_EQ(StatusReportName(parsed->organization_id, parsed->location_id), name);
}

TEST(NamesTest, NotARecordNameExplainsTheExpectedForms) {
  absl::StatusOr<ParsedName> parsed = ParseName("foo");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(),
            "name: \"foo\" is not a record name; expected organizations/{id}, organizations/{id}/status, "
            "organizations/{id}/locations/{id}/status, incidents/{id}, incidents/{id}/entries/{sequence}, "
            "alerts/{id}, alerts/{id}/acknowledgements/{organization id}, assistance-requests/{id}, "
            "scenarios/{id}, notifications/{id}, escalations/{id}, reservations/{id}, indicators/{id}, "
            "upstream/{safety region} or aggregates/{group}");
}

TEST(NamesTest, UpstreamSourcesAreNamedByTheirSafetyRegion) {
  EXPECT_EQ(UpstreamSourceName("VR10"), "upstream/VR10");
  absl::StatusOr<ParsedName> parsed = ParseName("upstream/VR10");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->kind, v1::ENTITY_KIND_UPSTREAM_SOURCE);
  EXPECT_EQ(parsed->id, "VR10");
  for (const char* bad : {"upstream/vr10", "upstream/VR26", "upstream/", "upstream/VR10/x"}) {
    EXPECT_EQ(ParseName(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(NamesTest, SectorAggregatesHaveTheirName) {
  absl::StatusOr<ParsedName> parsed = ParseName(AggregateName("long-term-care"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->kind, v1::ENTITY_KIND_SECTOR_AGGREGATE);
  EXPECT_EQ(parsed->id, "long-term-care");
}

TEST(NamesTest, FollowUpNamesSortInCommitOrderAndParse) {
  EXPECT_EQ(FollowUpId(42, 3), "00000000000000000042-0003");
  EXPECT_LT(NotificationName(FollowUpId(9, 9999)), NotificationName(FollowUpId(10, 0)));
  absl::StatusOr<ParsedName> notification = ParseName(NotificationName(FollowUpId(42, 0)));
  ASSERT_TRUE(notification.ok()) << notification.status();
  EXPECT_EQ(notification->kind, v1::ENTITY_KIND_NOTIFICATION);
  EXPECT_EQ(notification->id, "00000000000000000042-0000");
  absl::StatusOr<ParsedName> task = ParseName(EscalationTaskName(FollowUpId(7, 1)));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->kind, v1::ENTITY_KIND_ESCALATION_TASK);
}

TEST(NamesTest, WorkflowNamesRoundTrip) {
  struct Case {
    std::string name;
    v1::EntityKind kind;
    std::string id;
    std::string organization_id;
    int64_t sequence;
  };
  const std::vector<Case> cases = {
      {IncidentName("brand-1"), v1::ENTITY_KIND_INCIDENT, "brand-1", "", 0},
      {SituationEntryName("brand-1", 42), v1::ENTITY_KIND_SITUATION_ENTRY, "brand-1", "", 42},
      {AlertName("hitte"), v1::ENTITY_KIND_ALERT, "hitte", "", 0},
      {AcknowledgementName("hitte", "zh-noord"), v1::ENTITY_KIND_ACKNOWLEDGEMENT, "hitte", "zh-noord", 0},
      {AssistanceRequestName("bedden-1"), v1::ENTITY_KIND_ASSISTANCE_REQUEST, "bedden-1", "", 0},
      {ScenarioName("overstroming"), v1::ENTITY_KIND_SCENARIO, "overstroming", "", 0},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ParsedName> parsed = ParseName(c.name);
    ASSERT_TRUE(parsed.ok()) << c.name << ": " << parsed.status();
    EXPECT_EQ(parsed->kind, c.kind) << c.name;
    EXPECT_EQ(parsed->id, c.id) << c.name;
    EXPECT_EQ(parsed->organization_id, c.organization_id) << c.name;
    EXPECT_EQ(parsed->sequence, c.sequence) << c.name;
  }
  EXPECT_EQ(SituationEntryName("x", 42), "incidents/x/entries/00000000000000000042");
  for (const char* bad : {"incidents/x/entries/42", "incidents/x/entries/0000000000000000000a", "alerts/Bad",
                          "alerts/x/acknowledgements/", "scenarios", "incidents/x/other/1"}) {
    EXPECT_EQ(ParseName(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(NamesTest, InvalidIdInNameIsNamed) {
  absl::StatusOr<ParsedName> parsed = ParseName("organizations/Ziekenhuis/status", "request.name");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(),
            "request.name: \"organizations/Ziekenhuis/status\" has an invalid organization id: must contain only "
            "lowercase letters a-z, digits and '-', got \"Ziekenhuis\"");
}

TEST(NamesTest, EmptyNameIsRequired) { EXPECT_EQ(ParseName("").status().message(), "name: required"); }

TEST(NamesTest, HugeNameIsQuotedShort) {
  const std::string huge(100000, 'x');
  absl::StatusOr<ParsedName> parsed = ParseName(huge);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  // The message quotes the name shortened and lists the name forms (about 500 characters), never the whole name.
  EXPECT_LT(parsed.status().message().size(), 800u);
}

class BadNameTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BadNameTest, IsInvalidArgumentNamingTheField) {
  absl::StatusOr<ParsedName> parsed = ParseName(GetParam(), "get.name");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()), StartsWith("get.name: "));
}

INSTANTIATE_TEST_SUITE_P(
    Names, BadNameTest,
    ::testing::Values("organizations", "organizations/", "/organizations/a", "organisations/a", "organizations/a/",
                      "organizations//status", "organizations/a/status/", "organizations/a/statuses",
                      "organizations/a/locations/b", "organizations/a/locations//status",
                      "organizations/a/locations/b/status/x", "organizations/a/sites/b/status",
                      "organizations/a/b/c/d/e", "organizations/Foo", "organizations/-a", "organizations/a-",
                      "organizations/a b", "organizations/a/locations/B/status", "organizations/a%2Fb",
                      "organizations/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));

TEST(NamesTest, LocationIdErrorsNameTheLocationId) {
  absl::StatusOr<ParsedName> parsed = ParseName("organizations/a/locations/B/status");
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("invalid location id"));
}

TEST(NamesTest, LongestValidIdsParse) {
  const std::string id(64, 'a');
  EXPECT_TRUE(ParseName(StatusReportName(id, id)).ok());
}

// --- Exercise mode: the records of an exercise live under "exercises/{id}/" (exercise.proto) ---

TEST(NamesTest, InExerciseMovesEveryNameButTheRegistryIntoTheExercise) {
  EXPECT_EQ(ExerciseName("oef-1"), "exercises/oef-1");
  EXPECT_EQ(ExercisePrefix("oef-1"), "exercises/oef-1/");
  EXPECT_EQ(InExercise("oef-1", "organizations/zh-noord/status"), "exercises/oef-1/organizations/zh-noord/status");
  EXPECT_EQ(InExercise("oef-1", "organizations/zh-noord/locations/hoofd/status"),
            "exercises/oef-1/organizations/zh-noord/locations/hoofd/status");
  EXPECT_EQ(InExercise("oef-1", "incidents/dijk"), "exercises/oef-1/incidents/dijk");
  EXPECT_EQ(InExercise("oef-1", "alerts/a/acknowledgements/zh-noord"),
            "exercises/oef-1/alerts/a/acknowledgements/zh-noord");
  // The registry is shared: an exercise reports for the real organisations.
  EXPECT_EQ(InExercise("oef-1", "organizations/zh-noord"), "organizations/zh-noord");
  // A name already in an exercise, and every name of the real picture, stay as they are.
  EXPECT_EQ(InExercise("oef-1", "exercises/oef-1/incidents/dijk"), "exercises/oef-1/incidents/dijk");
  EXPECT_EQ(InExercise("", "incidents/dijk"), "incidents/dijk");
}

TEST(NamesTest, ExerciseNamesParseWithTheirExerciseAndTheKindOfTheRealRecord) {
  absl::StatusOr<ParsedName> exercise = ParseName("exercises/oef-1");
  ASSERT_TRUE(exercise.ok()) << exercise.status();
  EXPECT_EQ(exercise->kind, v1::ENTITY_KIND_EXERCISE);
  EXPECT_EQ(exercise->exercise_id, "oef-1");

  absl::StatusOr<ParsedName> report = ParseName("exercises/oef-1/organizations/zh-noord/locations/hoofd/status");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->kind, v1::ENTITY_KIND_STATUS_REPORT);
  EXPECT_EQ(report->exercise_id, "oef-1");
  EXPECT_EQ(report->organization_id, "zh-noord");
  EXPECT_EQ(report->location_id, "hoofd");

  absl::StatusOr<ParsedName> entry = ParseName("exercises/oef-1/incidents/dijk/entries/00000000000000000007");
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->kind, v1::ENTITY_KIND_SITUATION_ENTRY);
  EXPECT_EQ(entry->sequence, 7);
  EXPECT_EQ(ParseName("incidents/dijk")->exercise_id, "");
}

TEST(NamesTest, AnExerciseHasNoRegistryOfItsOwnAndNoExerciseInside) {
  for (const char* name : {"exercises/oef-1/organizations/zh-noord", "exercises/oef-1/exercises/oef-2",
                           "exercises/oef-1/", "exercises/", "exercises/oef-1/bogus/x"}) {
    const absl::StatusOr<ParsedName> parsed = ParseName(name, "name");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << name;
  }
  EXPECT_THAT(ParseName("exercises/Oef_1").status().message(), HasSubstr("invalid exercise id"));
}

TEST(NamesTest, IsExerciseRecordMeansARecordInsideAnExercise) {
  EXPECT_TRUE(IsExerciseRecord("exercises/oefening-1/alerts/hitte"));
  EXPECT_TRUE(IsExerciseRecord(InExercise("oefening-1", "organizations/zh-1/status")));
  EXPECT_FALSE(IsExerciseRecord("exercises/oefening-1"));  // the exercise itself
  EXPECT_FALSE(IsExerciseRecord("exercises/oefening-1/"));
  EXPECT_FALSE(IsExerciseRecord("exercises//alerts/hitte"));
  EXPECT_FALSE(IsExerciseRecord("alerts/hitte"));
  EXPECT_FALSE(IsExerciseRecord("exercisesx/a/b"));
}

}  // namespace
}  // namespace ketenbeeld::domain
