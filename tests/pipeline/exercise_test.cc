// Exercise mode through the commit pipeline (ketenbeeld/v1/exercise.proto, server/mutations/mutations_exercise.cc):
// writes in an exercise go to its own records and never touch the real picture, the rules of every area hold in it,
// its time-driven facts are its own, and a purge deletes exactly its records, as committed delete events.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "server/domain/filter.h"
#include "server/domain/names.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::StartExerciseRequest Start(const std::string& id, v1::Mode mode = v1::MODE_UNSPECIFIED) {
  v1::StartExerciseRequest request;
  request.mutable_exercise()->set_id(id);
  request.mutable_exercise()->set_title("Oefening dijkdoorbraak");
  request.mutable_exercise()->set_mode(mode);
  return request;
}

v1::EndExerciseRequest End(const std::string& id) {
  v1::EndExerciseRequest request;
  request.set_exercise_id(id);
  return request;
}

v1::PurgeExerciseRequest Purge(const std::string& id) {
  v1::PurgeExerciseRequest request;
  request.set_exercise_id(id);
  return request;
}

v1::ReportStatusRequest Report(const std::string& organization_id, int ic_available,
                               const std::string& exercise_id = "") {
  v1::ReportStatusRequest request;
  *request.mutable_report() = ::ketenbeeld::testing::MakeReport(organization_id, ic_available);
  request.set_exercise_id(exercise_id);
  return request;
}

v1::OpenIncidentRequest OpenIncident(const std::string& id, const std::string& exercise_id = "") {
  v1::OpenIncidentRequest request;
  v1::Incident& incident = *request.mutable_incident();
  incident.set_id(id);
  incident.set_title("Dijkdoorbraak Zijpe");
  incident.set_type("overstroming");
  incident.set_scale_up_level("GRIP 2");
  incident.set_safety_region("VR10");
  request.set_exercise_id(exercise_id);
  return request;
}

v1::SendAlertRequest SendAlert(const std::string& id, const std::string& exercise_id = "",
                               std::optional<absl::Time> acknowledge_by = std::nullopt) {
  v1::SendAlertRequest request;
  v1::Alert& alert = *request.mutable_alert();
  alert.set_id(id);
  alert.set_headline("Evacuatie Zijpe: opvangcapaciteit nodig");
  alert.set_urgency(v1::URGENCY_IMMEDIATE);
  alert.set_severity(v1::ALERT_SEVERITY_SEVERE);
  alert.set_certainty(v1::CERTAINTY_OBSERVED);
  if (acknowledge_by.has_value()) *alert.mutable_acknowledge_by() = ToProtoTime(*acknowledge_by);
  request.set_exercise_id(exercise_id);
  return request;
}

class ExerciseTest : public ::ketenbeeld::testing::CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    ASSERT_TRUE(Register("zh-noord").ok());
    ASSERT_TRUE(Register("zh-kust").ok());
  }

  // The names of the records a filter of this view (empty: the real picture) selects.
  std::vector<std::string> NamesIn(const std::string& exercise_id) const {
    v1::Filter filter;
    filter.set_exercise_id(exercise_id);
    std::vector<std::string> names;
    for (const state::RecordPtr& record : picture_->Take(domain::CompiledFilter(filter)).records) {
      names.push_back(record->record.name());
    }
    return names;
  }
};

TEST_F(ExerciseTest, AReportInAnExerciseIsItsOwnRecordAndLeavesTheRealReportAlone) {
  const v1::Record real = MustSubmit(::ketenbeeld::testing::Write(Report("zh-noord", 8)));
  const v1::Record exercise = MustSubmit(::ketenbeeld::testing::Write(Start("oef-1")));
  EXPECT_EQ(exercise.name(), "exercises/oef-1");
  EXPECT_EQ(exercise.exercise().status(), v1::EXERCISE_STATUS_ACTIVE);
  EXPECT_EQ(exercise.exercise().mode(), v1::MODE_EXERCISE) << "unspecified means an exercise";
  EXPECT_EQ(exercise.exercise_id(), "oef-1") << "the exercise belongs to its own view";

  const v1::Record practised = MustSubmit(::ketenbeeld::testing::Write(Report("zh-noord", 0, "oef-1")));
  EXPECT_EQ(practised.name(), "exercises/oef-1/organizations/zh-noord/status");
  EXPECT_EQ(practised.kind(), v1::ENTITY_KIND_STATUS_REPORT);
  EXPECT_EQ(practised.exercise_id(), "oef-1");
  EXPECT_EQ(practised.mode(), v1::MODE_EXERCISE);
  EXPECT_EQ(practised.scope().organization_id(), "zh-noord") << "same scope, so the same access rules";
  EXPECT_EQ(practised.create_revision(), practised.mod_revision()) << "a new record, not the real one replaced";

  // The real report is byte for byte what it was, and a real report during the exercise changes only the real one.
  EXPECT_EQ(Find("organizations/zh-noord/status").SerializeAsString(), real.SerializeAsString());
  MustSubmit(::ketenbeeld::testing::Write(Report("zh-noord", 5)));
  EXPECT_EQ(Find("exercises/oef-1/organizations/zh-noord/status").SerializeAsString(), practised.SerializeAsString());

  EXPECT_THAT(NamesIn(""),
              ElementsAre("organizations/zh-kust", "organizations/zh-noord", "organizations/zh-noord/status"));
  EXPECT_THAT(NamesIn("oef-1"), ElementsAre("exercises/oef-1", "exercises/oef-1/organizations/zh-noord/status",
                                            "organizations/zh-kust", "organizations/zh-noord"));
}

TEST_F(ExerciseTest, AWriteNamingAnUnknownExerciseIsInvalidNamingTheFieldAndWritesNothing) {
  const int64_t before = store_->last_revision();
  absl::StatusOr<WriteResult> result = Submit(Report("zh-noord", 1, "oef-9"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), StartsWith("exercise_id: no exercise \"oef-9\""));
  result = Submit(OpenIncident("dijk", "oef-9"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  result = Submit(End("oef-9"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("exercise_id"));
  EXPECT_EQ(store_->last_revision(), before);
}

TEST_F(ExerciseTest, ModeAndExerciseMustAgree) {
  ASSERT_TRUE(Submit(Start("oef-1")).ok());
  v1::ReportStatusRequest no_id = Report("zh-noord", 1);
  no_id.set_mode(v1::MODE_EXERCISE);
  EXPECT_THAT(std::string(Submit(no_id).status().message()),
              StartsWith("exercise_id: required when mode is MODE_EXERCISE"));

  v1::ReportStatusRequest actual_with_id = Report("zh-noord", 1, "oef-1");
  actual_with_id.set_mode(v1::MODE_ACTUAL);
  EXPECT_THAT(std::string(Submit(actual_with_id).status().message()), StartsWith("exercise_id: must be empty"));

  v1::ReportStatusRequest wrong_mode = Report("zh-noord", 1, "oef-1");
  wrong_mode.set_mode(v1::MODE_TEST);
  absl::StatusOr<WriteResult> result = Submit(wrong_mode);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), StartsWith("mode: MODE_TEST does not match exercise \"oef-1\""));

  v1::ReportStatusRequest unknown_mode = Report("zh-noord", 1, "oef-1");
  unknown_mode.set_mode(static_cast<v1::Mode>(42));
  EXPECT_THAT(std::string(Submit(unknown_mode).status().message()), StartsWith("mode: unknown value 42"));

  v1::ReportStatusRequest right_mode = Report("zh-noord", 1, "oef-1");
  right_mode.set_mode(v1::MODE_EXERCISE);
  EXPECT_TRUE(Submit(right_mode).ok());
}

TEST_F(ExerciseTest, AnEndedExerciseTakesNoMoreWritesButKeepsItsRecords) {
  ASSERT_TRUE(Submit(Start("oef-1")).ok());
  ASSERT_TRUE(Submit(Report("zh-noord", 1, "oef-1")).ok());
  const v1::Record ended = MustSubmit(::ketenbeeld::testing::Write(End("oef-1")));
  EXPECT_EQ(ended.exercise().status(), v1::EXERCISE_STATUS_ENDED);
  EXPECT_EQ(ended.exercise().ended_at(), ToProtoTime(Now()));

  absl::StatusOr<WriteResult> late = Submit(Report("zh-noord", 2, "oef-1"));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(late.status().message(), HasSubstr("exercise \"oef-1\" has ended"));
  EXPECT_EQ(Submit(End("oef-1")).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Find("exercises/oef-1/organizations/zh-noord/status").status_report().capacity(0).available(), 1);
  EXPECT_EQ(Submit(Start("oef-1")).status().code(), absl::StatusCode::kAlreadyExists) << "ids are never reused";
}

TEST_F(ExerciseTest, ExerciseAlertsAreMarkedAndRefersOnlyToTheExercisesIncidents) {
  ASSERT_TRUE(Submit(Start("oef-1")).ok());
  ASSERT_TRUE(Submit(Start("test-1", v1::MODE_TEST)).ok());
  ASSERT_TRUE(Submit(OpenIncident("dijk")).ok());  // A real incident of the same id as the exercise's.

  // The real incident is not the exercise's: an exercise alert about it refers to nothing.
  v1::SendAlertRequest about_real = SendAlert("evacuatie", "oef-1");
  about_real.mutable_alert()->set_incident_id("dijk");
  EXPECT_FALSE(Submit(about_real).ok());

  ASSERT_TRUE(Submit(OpenIncident("dijk", "oef-1")).ok());
  const v1::Record alert = MustSubmit(::ketenbeeld::testing::Write(about_real));
  EXPECT_EQ(alert.name(), "exercises/oef-1/alerts/evacuatie");
  EXPECT_EQ(alert.alert().headline(), "OEFENING: Evacuatie Zijpe: opvangcapaciteit nodig");
  // Sending it again (an update) keeps one mark.
  const v1::Record updated = MustSubmit(::ketenbeeld::testing::Write(about_real));
  EXPECT_EQ(updated.alert().headline(), "OEFENING: Evacuatie Zijpe: opvangcapaciteit nodig");
  EXPECT_EQ(updated.alert().version(), 2);

  const v1::Record test_alert = MustSubmit(::ketenbeeld::testing::Write(SendAlert("evacuatie", "test-1")));
  EXPECT_EQ(test_alert.alert().headline(), "TEST: Evacuatie Zijpe: opvangcapaciteit nodig");
  EXPECT_EQ(test_alert.mode(), v1::MODE_TEST);

  // Acknowledging the exercise's alert makes the exercise's acknowledgement; no real alert of that id exists.
  v1::AcknowledgeAlertRequest ack;
  ack.set_alert_id("evacuatie");
  ack.set_organization_id("zh-noord");
  EXPECT_EQ(Submit(ack).status().code(), absl::StatusCode::kNotFound) << "no real alert \"evacuatie\"";
  ack.set_exercise_id("oef-1");
  const v1::Record acknowledged = MustSubmit(::ketenbeeld::testing::Write(ack));
  EXPECT_EQ(acknowledged.name(), "exercises/oef-1/alerts/evacuatie/acknowledgements/zh-noord");
  EXPECT_EQ(picture_->Find("alerts/evacuatie"), nullptr);
}

TEST_F(ExerciseTest, AnExercisesDeadlinesPassInItsOwnViewOnly) {
  ASSERT_TRUE(Submit(Start("oef-1")).ok());
  ASSERT_TRUE(Submit(SendAlert("real-alert", "", Now() + absl::Minutes(15))).ok());
  ASSERT_TRUE(Submit(SendAlert("practised", "oef-1", Now() + absl::Minutes(15))).ok());
  ASSERT_TRUE(Submit(Report("zh-noord", 1, "oef-1")).ok());
  Advance(absl::Hours(25));
  ASSERT_TRUE(Tick().ok());

  const v1::Record practised = Find("exercises/oef-1/alerts/practised");
  ASSERT_TRUE(practised.alert().has_deadline_passed());
  EXPECT_EQ(practised.alert().deadline_passed().audience_size(), 2);
  EXPECT_EQ(practised.exercise_id(), "oef-1");
  EXPECT_THAT(practised.alert().headline(), StartsWith("OEFENING: "));
  EXPECT_TRUE(Find("alerts/real-alert").alert().has_deadline_passed());
  const v1::Record overdue = Find("exercises/oef-1/organizations/zh-noord/status");
  EXPECT_TRUE(overdue.status_report().has_overdue_since());
  EXPECT_EQ(overdue.exercise_id(), "oef-1") << "the server's fact stays in the exercise";
  EXPECT_EQ(picture_->Find("organizations/zh-noord/status"), nullptr) << "no real report appears";

  // An ended exercise gets no more facts.
  ASSERT_TRUE(Submit(End("oef-1")).ok());
  ASSERT_TRUE(Submit(SendAlert("later", "", Now() + absl::Minutes(1))).ok());
  const int64_t before = store_->last_revision();
  Advance(absl::Hours(2));
  ASSERT_TRUE(Tick().ok());
  for (const v1::Event& event : Log(before)) EXPECT_EQ(event.record().exercise_id(), "") << event.record().name();
}

TEST_F(ExerciseTest, PurgeDeletesExactlyTheExercisesRecordsAsCommittedEvents) {
  ASSERT_TRUE(Submit(Start("oef-1")).ok());
  ASSERT_TRUE(Submit(Start("oef-2")).ok());
  const v1::Record real = MustSubmit(::ketenbeeld::testing::Write(Report("zh-noord", 8)));
  ASSERT_TRUE(Submit(Report("zh-noord", 0, "oef-1")).ok());
  ASSERT_TRUE(Submit(Report("zh-kust", 0, "oef-1")).ok());
  ASSERT_TRUE(Submit(OpenIncident("dijk", "oef-1")).ok());
  ASSERT_TRUE(Submit(Report("zh-noord", 4, "oef-2")).ok());
  const std::vector<std::string> real_before = NamesIn("");
  const std::vector<std::string> other_before = NamesIn("oef-2");
  const int64_t before = store_->last_revision();

  // A write in the exercise queued in the same commit group as the purge is purged too.
  std::vector<mutations::WriteRequest> group;
  group.push_back(::ketenbeeld::testing::Write(Report("zh-kust", 3, "oef-1")));
  group.push_back(::ketenbeeld::testing::Write(Purge("oef-1")));
  std::vector<absl::StatusOr<WriteResult>> results = SubmitAll(std::move(group));
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  const v1::Record& purged = results[1]->record->record;
  EXPECT_EQ(purged.exercise().status(), v1::EXERCISE_STATUS_PURGED);
  EXPECT_EQ(purged.exercise().purged_records(), 3);

  std::set<std::string> deleted;
  for (const v1::Event& event : Log(before)) {
    if (event.type() == v1::EVENT_TYPE_DELETE) {
      deleted.insert(event.record().name());
      EXPECT_EQ(event.record().exercise_id(), "oef-1");
    }
  }
  EXPECT_THAT(deleted, ElementsAre("exercises/oef-1/incidents/dijk", "exercises/oef-1/organizations/zh-kust/status",
                                   "exercises/oef-1/organizations/zh-noord/status"));
  EXPECT_THAT(NamesIn("oef-1"), ElementsAre("exercises/oef-1", "organizations/zh-kust", "organizations/zh-noord"));
  EXPECT_EQ(NamesIn(""), real_before);
  EXPECT_EQ(NamesIn("oef-2"), other_before);
  EXPECT_EQ(Find("organizations/zh-noord/status").SerializeAsString(), real.SerializeAsString());

  EXPECT_EQ(Submit(Purge("oef-1")).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Submit(Report("zh-noord", 1, "oef-1")).status().code(), absl::StatusCode::kFailedPrecondition);
  // A restart reloads the same: the deletes are in the log and the state.
  Restart();
  EXPECT_THAT(NamesIn("oef-1"), ElementsAre("exercises/oef-1", "organizations/zh-kust", "organizations/zh-noord"));
}

}  // namespace
}  // namespace ketenbeeld::pipeline
