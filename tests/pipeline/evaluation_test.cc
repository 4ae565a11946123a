// The evaluation of an incident (server/queries/evaluation.h) over a log the committer wrote with a fake clock: every
// figure of issue 17's list, the exercise's incident apart from the real one, and the same bytes every time.
#include "server/queries/evaluation.h"

#include <string>
#include <utility>

#include "base/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class EvaluationTest : public CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    for (const char* id : {"zh-a", "zh-b", "zh-c"}) MustSubmit(RegisterWrite(MakeOrganization(id)));
    v1::PutScenarioRequest scenario;
    scenario.mutable_scenario()->set_id("overstroming");
    scenario.mutable_scenario()->set_name("Overstroming");
    scenario.mutable_scenario()->set_safety_region("VR10");
    v1::CapacityRequirement& need = *scenario.mutable_scenario()->add_capacity();
    need.set_bed_type(v1::BED_TYPE_IC_ADULT);
    need.set_quantity(10);
    MustSubmit(Write(scenario));
  }

  v1::OpenIncidentRequest OpenIncident(const std::string& exercise_id = "") {
    v1::OpenIncidentRequest request;
    v1::Incident& incident = *request.mutable_incident();
    incident.set_id("dijk");
    incident.set_title("Dijkdoorbraak");
    incident.set_type("overstroming");
    incident.set_scale_up_level("GRIP 1");
    incident.set_safety_region("VR10");
    incident.add_affected_organization_ids("zh-a");
    incident.add_affected_organization_ids("zh-b");
    request.set_exercise_id(exercise_id);
    return request;
  }

  absl::StatusOr<v1::Evaluation> Evaluate(const std::string& exercise_id = "") {
    v1::GetEvaluationRequest request;
    request.set_incident_id("dijk");
    request.set_exercise_id(exercise_id);
    request.add_scenario_ids("overstroming");
    return queries::ComputeEvaluation(request, *store_, *picture_);
  }

  // The incident of the walk-through: opened for zh-a and zh-b, an alert to everyone, acknowledgements, a request for
  // help, reports, an overdue report, closed.
  void RunIncident() {
    const absl::Time start = Now();
    MustSubmit(Write(OpenIncident()));
    Advance(absl::Minutes(5));
    MustSubmit(ReportWrite(MakeReport("zh-a", 3)));
    Advance(absl::Minutes(5));  // +10 min
    v1::SendAlertRequest alert;
    alert.mutable_alert()->set_id("opvang");
    alert.mutable_alert()->set_headline("Opvang nodig");
    alert.mutable_alert()->set_urgency(v1::URGENCY_IMMEDIATE);
    alert.mutable_alert()->set_severity(v1::ALERT_SEVERITY_SEVERE);
    alert.mutable_alert()->set_certainty(v1::CERTAINTY_OBSERVED);
    alert.mutable_alert()->set_incident_id("dijk");
    *alert.mutable_alert()->mutable_acknowledge_by() = ToProtoTime(start + absl::Minutes(30));
    MustSubmit(Write(alert));
    Advance(absl::Minutes(2));  // +12
    MustSubmit(Write(Ack("zh-b")));
    Advance(absl::Minutes(8));  // +20
    MustSubmit(ReportWrite(MakeReport("zh-c", 3)));
    Advance(absl::Minutes(5));  // +25
    v1::RequestAssistanceRequest request;
    v1::AssistanceRequest& assistance = *request.mutable_request();
    assistance.set_id("ic-bedden");
    assistance.set_organization_id("zh-c");
    assistance.set_type(v1::ASSISTANCE_TYPE_BEDS);
    assistance.set_bed_type(v1::BED_TYPE_IC_ADULT);
    assistance.set_quantity(2);
    assistance.set_incident_id("dijk");
    MustSubmit(Write(request));
    Advance(absl::Minutes(5));  // +30
    v1::OfferAssistanceRequest offer;
    offer.set_request_id("ic-bedden");
    offer.mutable_offer()->set_organization_id("zh-a");
    offer.mutable_offer()->set_quantity(2);
    MustSubmit(Write(offer));
    Advance(absl::Minutes(5));  // +35
    v1::AcceptOfferRequest accept;
    accept.set_request_id("ic-bedden");
    accept.set_organization_id("zh-a");
    MustSubmit(Write(accept));
    Advance(absl::Minutes(5));  // +40
    MustSubmit(Write(Ack("zh-a")));
    MustSubmit(ReportWrite(MakeReport("zh-a", 1)));  // 1 + 3: lower than 6, not than the 3 of zh-a alone.
    Advance(absl::Minutes(10));                      // +50
    v1::FulfillRequestRequest fulfil;
    fulfil.set_request_id("ic-bedden");
    MustSubmit(Write(fulfil));
    Advance(absl::Hours(25));
    // Both reports become overdue: the server's tick, with the actor the scheduler gives it.
    v1::Actor server;
    server.set_role(v1::ROLE_SYSTEM);
    ASSERT_TRUE(Submit(mutations::WriteRequest{.body = mutations::SystemTick{}, .actor = server}).ok());
    v1::UpdateIncidentRequest close;
    *close.mutable_incident() = Find("incidents/dijk").incident();
    close.mutable_incident()->set_status(v1::INCIDENT_STATUS_CLOSED);
    MustSubmit(Write(close));
  }

  static v1::AcknowledgeAlertRequest Ack(const std::string& organization_id) {
    v1::AcknowledgeAlertRequest ack;
    ack.set_alert_id("opvang");
    ack.set_organization_id(organization_id);
    return ack;
  }
};

TEST_F(EvaluationTest, MeasuresEveryFigureOfTheIncidentFromTheLog) {
  RunIncident();
  absl::StatusOr<v1::Evaluation> evaluation = Evaluate();
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_EQ(evaluation->incident().status(), v1::INCIDENT_STATUS_CLOSED);
  EXPECT_EQ(FromProtoTime(evaluation->from_time()), kStart);

  ASSERT_EQ(evaluation->organizations_size(), 3);
  const v1::OrganizationResponse& a = evaluation->organizations(0);
  EXPECT_EQ(a.organization_id(), "zh-a");
  EXPECT_EQ(a.trigger(), "incident opened (GRIP 1)");
  EXPECT_EQ(FromProtoDuration(a.time_to_first_report()), absl::Minutes(5));
  EXPECT_EQ(a.reports(), 2);
  EXPECT_EQ(a.overdue(), 1);
  const v1::OrganizationResponse& b = evaluation->organizations(1);
  EXPECT_FALSE(b.has_first_report_at()) << "zh-b never reported";
  const v1::OrganizationResponse& c = evaluation->organizations(2);
  EXPECT_EQ(c.trigger(), "alert opvang") << "not affected by the incident: called on by the alert";
  EXPECT_EQ(FromProtoDuration(c.time_to_first_report()), absl::Minutes(10));
  EXPECT_EQ(evaluation->organizations_triggered(), 3);
  EXPECT_EQ(evaluation->organizations_overdue(), 2);

  ASSERT_EQ(evaluation->alerts_size(), 1);
  const v1::AlertEvaluation& alert = evaluation->alerts(0);
  EXPECT_EQ(alert.audience_size(), 3);
  ASSERT_EQ(alert.acknowledgements_size(), 2);
  EXPECT_EQ(alert.acknowledgements(0).organization_id(), "zh-a");
  EXPECT_EQ(FromProtoDuration(alert.acknowledgements(0).latency()), absl::Minutes(30));
  EXPECT_TRUE(alert.acknowledgements(0).late());
  EXPECT_EQ(FromProtoDuration(alert.acknowledgements(1).latency()), absl::Minutes(2));
  EXPECT_FALSE(alert.acknowledgements(1).late());
  EXPECT_THAT(alert.never_acknowledged(), ElementsAre("zh-c"));
  EXPECT_EQ(FromProtoDuration(alert.median_latency()), absl::Minutes(2));
  EXPECT_EQ(FromProtoDuration(alert.max_latency()), absl::Minutes(30));

  ASSERT_EQ(evaluation->requests_size(), 1);
  const v1::RequestEvaluation& request = evaluation->requests(0);
  EXPECT_EQ(FromProtoDuration(request.time_to_first_offer()), absl::Minutes(5));
  EXPECT_EQ(FromProtoDuration(request.time_to_acceptance()), absl::Minutes(10));
  EXPECT_EQ(FromProtoDuration(request.time_to_fulfilment()), absl::Minutes(25));

  ASSERT_EQ(evaluation->scenarios_size(), 1);
  ASSERT_EQ(evaluation->scenarios(0).needs_size(), 1);
  const v1::ScenarioNeedEvaluation& need = evaluation->scenarios(0).needs(0);
  EXPECT_EQ(need.required(), 10);
  EXPECT_EQ(need.lowest_available(), 3) << "zh-a alone at first, before zh-c reported";
  EXPECT_EQ(FromProtoTime(need.lowest_at()), kStart + absl::Minutes(5));
  EXPECT_EQ(need.worst_shortfall(), 7);
}

TEST_F(EvaluationTest, AClosedIncidentGivesTheSameBytesWhateverHappensAfter) {
  RunIncident();
  absl::StatusOr<v1::Evaluation> first = Evaluate();
  ASSERT_TRUE(first.ok()) << first.status();
  Advance(absl::Hours(1));
  MustSubmit(ReportWrite(MakeReport("zh-b", 9)));
  absl::StatusOr<v1::Evaluation> again = Evaluate();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(first->SerializeAsString(), again->SerializeAsString());
}

TEST_F(EvaluationTest, UnknownIncidentsScenariosAndBadIdsAreRefusedNamingTheField) {
  EXPECT_EQ(Evaluate().status().code(), absl::StatusCode::kNotFound);
  MustSubmit(Write(OpenIncident()));
  v1::GetEvaluationRequest request;
  request.set_incident_id("dijk");
  request.add_scenario_ids("bestaat-niet");
  absl::Status status = queries::ComputeEvaluation(request, *store_, *picture_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("scenario_ids[0]"));
  request.set_incident_id("Dijk!");
  status = queries::ComputeEvaluation(request, *store_, *picture_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("incident_id"));
}

TEST_F(EvaluationTest, AnExercisesIncidentIsEvaluatedFromTheExercisesRecordsOnly) {
  v1::StartExerciseRequest start;
  start.mutable_exercise()->set_id("oef-1");
  start.mutable_exercise()->set_title("Oefening");
  MustSubmit(Write(start));
  MustSubmit(Write(OpenIncident("oef-1")));
  Advance(absl::Minutes(3));
  MustSubmit(ReportWrite(MakeReport("zh-a", 2)));  // A real report: not the exercise's response.
  Advance(absl::Minutes(4));
  v1::ReportStatusRequest practised;
  *practised.mutable_report() = MakeReport("zh-a", 0);
  practised.set_exercise_id("oef-1");
  MustSubmit(Write(practised));

  EXPECT_EQ(Evaluate().status().code(), absl::StatusCode::kNotFound) << "no real incident dijk";
  absl::StatusOr<v1::Evaluation> evaluation = Evaluate("oef-1");
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_EQ(evaluation->exercise_id(), "oef-1");
  ASSERT_GE(evaluation->organizations_size(), 1);
  EXPECT_EQ(FromProtoDuration(evaluation->organizations(0).time_to_first_report()), absl::Minutes(7));
  EXPECT_EQ(evaluation->organizations(0).reports(), 1);
  EXPECT_EQ(evaluation->scenarios(0).needs(0).lowest_available(), 0);
}

}  // namespace
}  // namespace ketenbeeld::pipeline
