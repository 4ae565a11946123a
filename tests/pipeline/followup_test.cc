// Follow-ups of committed facts through the commit pipeline: outbox records for every endpoint of every organisation
// an alert, a passed deadline, an overdue report or a request for help concerns; one escalation task per organisation
// that did not answer, exactly once (also across a restart); closing a task; and delivery outcomes as the next state
// of an outbox record.
#include <string>
#include <vector>

#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/names.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace followup_test {
namespace {

using ::ketenbeeld::testing::MakeOrganization;
using ::ketenbeeld::testing::MakeReport;
using ::ketenbeeld::testing::RegisterWrite;
using ::ketenbeeld::testing::ReportWrite;
using ::ketenbeeld::testing::Write;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::Organization WithEndpoints(const std::string& id, v1::OrganizationKind kind = v1::ORGANIZATION_KIND_NURSING_HOME) {
  v1::Organization organization = MakeOrganization(id, kind);
  organization.mutable_contact()->set_name("Crisiscoördinator");
  organization.mutable_contact()->set_phone("071 123 4567");
  v1::ContactEndpoint& webhook = *organization.mutable_contact()->add_endpoints();
  webhook.set_id("alarm");
  webhook.mutable_webhook()->set_url("https://alarm." + id + ".nl/ketenbeeld");
  webhook.mutable_webhook()->set_secret("geheim-geheim-geheim");
  v1::ContactEndpoint& email = *organization.mutable_contact()->add_endpoints();
  email.set_id("mail");
  email.mutable_email()->set_address("crisis@" + id + ".nl");
  return organization;
}

class FollowUpTest : public ::ketenbeeld::testing::CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    MustSubmit(RegisterWrite(WithEndpoints("zc-1")));
    MustSubmit(RegisterWrite(WithEndpoints("zc-2")));
    MustSubmit(RegisterWrite(MakeOrganization("zc-3", v1::ORGANIZATION_KIND_NURSING_HOME)));  // No endpoints.
  }

  // Every record of `kind` in the picture, by name.
  std::vector<v1::Record> All(v1::EntityKind kind) const {
    v1::Filter filter;
    filter.add_kinds(kind);
    std::vector<v1::Record> records;
    for (const state::RecordPtr& record : picture_->Take(domain::CompiledFilter(filter)).records) {
      records.push_back(record->record);
    }
    return records;
  }

  std::vector<std::string> Destinations() const {
    std::vector<std::string> destinations;
    for (const v1::Record& record : All(v1::ENTITY_KIND_NOTIFICATION)) {
      destinations.push_back(record.notification().destination());
    }
    return destinations;
  }

  v1::SendAlertRequest NursingHomeAlert(const std::string& id) {
    v1::SendAlertRequest request;
    v1::Alert& alert = *request.mutable_alert();
    alert.set_id(id);
    alert.set_headline("Hitteplan fase 2");
    alert.set_urgency(v1::URGENCY_EXPECTED);
    alert.set_severity(v1::ALERT_SEVERITY_SEVERE);
    alert.set_certainty(v1::CERTAINTY_LIKELY);
    alert.mutable_audience()->add_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
    *alert.mutable_acknowledge_by() = ToProtoTime(Now() + absl::Minutes(30));
    return request;
  }

  v1::AcknowledgeAlertRequest Ack(const std::string& alert_id, const std::string& organization_id) {
    v1::AcknowledgeAlertRequest request;
    request.set_alert_id(alert_id);
    request.set_organization_id(organization_id);
    return request;
  }
};

TEST_F(FollowUpTest, AnAlertQueuesOneNotificationPerEndpointOfItsAudienceInItsOwnCommitGroup) {
  absl::StatusOr<WriteResult> sent = Submit(NursingHomeAlert("hitte"));
  ASSERT_TRUE(sent.ok()) << sent.status();
  // The write's answer is the alert itself, not one of its follow-ups.
  EXPECT_EQ(sent->record->record.name(), "alerts/hitte");
  EXPECT_THAT(Destinations(), ElementsAre("https://alarm.zc-1.nl/ketenbeeld", "crisis@zc-1.nl",
                                          "https://alarm.zc-2.nl/ketenbeeld", "crisis@zc-2.nl"));
  const std::vector<v1::Record> outbox = All(v1::ENTITY_KIND_NOTIFICATION);
  const v1::Notification& first = outbox[0].notification();
  EXPECT_EQ(outbox[0].name(), domain::NotificationName(domain::FollowUpId(sent->revision, 0)));
  EXPECT_EQ(outbox[0].scope().organization_id(), "zc-1");
  EXPECT_EQ(first.status(), v1::NOTIFICATION_STATUS_QUEUED);
  EXPECT_EQ(first.channel(), v1::NOTIFICATION_CHANNEL_WEBHOOK);
  EXPECT_EQ(first.subject(), v1::NOTIFICATION_SUBJECT_ALERT);
  EXPECT_EQ(first.subject_name(), "alerts/hitte");
  EXPECT_EQ(first.subject_revision(), sent->revision);
  EXPECT_EQ(first.title(), "Alert: Hitteplan fase 2");
  EXPECT_THAT(first.text(), HasSubstr("Acknowledge before"));
  EXPECT_EQ(first.idempotency_key(), "ketenbeeld-VR10-" + first.id());
  EXPECT_EQ(FromProtoTime(first.next_attempt_at()), Now());
  // Never the secret.
  EXPECT_EQ(outbox[0].SerializeAsString().find("geheim"), std::string::npos);
  // One atomic group: the alert and its four notifications.
  const std::vector<v1::Event> log = Log(sent->revision - 1);
  ASSERT_EQ(log.size(), 5u);
  for (const v1::Event& event : log) EXPECT_EQ(event.group_last_revision(), sent->revision + 4);
}

TEST_F(FollowUpTest, APassedDeadlineMakesOneEscalationTaskPerSilentOrganisationExactlyOnceAlsoAcrossARestart) {
  ASSERT_TRUE(Submit(NursingHomeAlert("hitte")).ok());
  ASSERT_TRUE(Submit(Ack("hitte", "zc-2")).ok());
  Advance(absl::Minutes(31));
  ASSERT_TRUE(Tick().ok());
  const std::vector<v1::Record> tasks = All(v1::ENTITY_KIND_ESCALATION_TASK);
  ASSERT_EQ(tasks.size(), 2u);  // zc-1 (with endpoints) and zc-3 (without): both did not answer.
  EXPECT_EQ(tasks[0].escalation_task().organization_id(), "zc-1");
  EXPECT_EQ(tasks[0].escalation_task().reason(), v1::ESCALATION_REASON_ALERT_NOT_ACKNOWLEDGED);
  EXPECT_EQ(tasks[0].escalation_task().status(), v1::ESCALATION_STATUS_OPEN);
  EXPECT_EQ(tasks[0].escalation_task().phone(), "071 123 4567");
  EXPECT_THAT(tasks[0].escalation_task().instruction(), HasSubstr("on 071 123 4567"));
  EXPECT_EQ(tasks[1].escalation_task().organization_id(), "zc-3");
  // zc-1's two endpoints heard of it too; zc-2 acknowledged and hears nothing more.
  int deadline_notifications = 0;
  for (const v1::Record& record : All(v1::ENTITY_KIND_NOTIFICATION)) {
    if (record.notification().subject() != v1::NOTIFICATION_SUBJECT_ALERT_DEADLINE_PASSED) continue;
    EXPECT_EQ(record.notification().organization_id(), "zc-1");
    ++deadline_notifications;
  }
  EXPECT_EQ(deadline_notifications, 2);

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Tick().ok());
  Restart();
  Advance(absl::Hours(1));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(All(v1::ENTITY_KIND_ESCALATION_TASK).size(), 2u);
}

// An exercise never reaches real phones and inboxes, and leaves no task in the real picture: its alert (and the
// deadline that passes unanswered) has no follow-ups, while the same alert for real has.
TEST_F(FollowUpTest, AnExercisesAlertAndItsPassedDeadlineQueueNothingAndMakeNoTask) {
  v1::StartExerciseRequest start;
  start.mutable_exercise()->set_id("hitte-oefening");
  start.mutable_exercise()->set_title("Oefening hitteplan");
  MustSubmit(Write(start));
  v1::SendAlertRequest in_exercise = NursingHomeAlert("hitte");
  in_exercise.set_exercise_id("hitte-oefening");
  absl::StatusOr<WriteResult> sent = Submit(in_exercise);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->record->record.name(), "exercises/hitte-oefening/alerts/hitte");
  Advance(absl::Minutes(31));
  ASSERT_TRUE(Tick().ok());
  EXPECT_THAT(All(v1::ENTITY_KIND_NOTIFICATION), IsEmpty());
  EXPECT_THAT(All(v1::ENTITY_KIND_ESCALATION_TASK), IsEmpty());

  ASSERT_TRUE(Submit(NursingHomeAlert("hitte")).ok());
  EXPECT_EQ(All(v1::ENTITY_KIND_NOTIFICATION).size(), 4u);
}

TEST_F(FollowUpTest, AnOverdueReportNotifiesItsOrganisationAndMakesOneTask) {
  ASSERT_TRUE(Submit(ReportWrite(MakeReport("zc-1"))).ok());
  Advance(absl::Hours(25));
  ASSERT_TRUE(Tick().ok());
  ASSERT_TRUE(Tick().ok());
  const std::vector<v1::Record> tasks = All(v1::ENTITY_KIND_ESCALATION_TASK);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].escalation_task().reason(), v1::ESCALATION_REASON_REPORT_OVERDUE);
  EXPECT_EQ(tasks[0].escalation_task().subject_name(), "organizations/zc-1/status");
  EXPECT_THAT(Destinations(), ElementsAre("https://alarm.zc-1.nl/ketenbeeld", "crisis@zc-1.nl"));
  EXPECT_EQ(All(v1::ENTITY_KIND_NOTIFICATION)[0].notification().subject(), v1::NOTIFICATION_SUBJECT_REPORT_OVERDUE);
}

TEST_F(FollowUpTest, ARequestForHelpNotifiesTheGhorAndAnOfferTheRequester) {
  MustSubmit(RegisterWrite(WithEndpoints("ghor", v1::ORGANIZATION_KIND_GHOR)));
  v1::RequestAssistanceRequest request;
  request.mutable_request()->set_id("diesel");
  request.mutable_request()->set_organization_id("zc-1");
  request.mutable_request()->set_type(v1::ASSISTANCE_TYPE_FUEL);
  request.mutable_request()->set_fuel_type(v1::FUEL_TYPE_DIESEL);
  request.mutable_request()->set_quantity(5000);
  const absl::Status requested = Submit(request).status();
  ASSERT_TRUE(requested.ok()) << requested;
  EXPECT_THAT(Destinations(), ElementsAre("https://alarm.ghor.nl/ketenbeeld", "crisis@ghor.nl"));
  v1::OfferAssistanceRequest offer;
  offer.set_request_id("diesel");
  offer.mutable_offer()->set_organization_id("zc-2");
  offer.mutable_offer()->set_quantity(2000);
  ASSERT_TRUE(Submit(offer).ok());
  const std::vector<v1::Record> outbox = All(v1::ENTITY_KIND_NOTIFICATION);
  ASSERT_EQ(outbox.size(), 4u);
  EXPECT_EQ(outbox[2].notification().subject(), v1::NOTIFICATION_SUBJECT_ASSISTANCE_OFFERED);
  EXPECT_EQ(outbox[2].notification().organization_id(), "zc-1");
  EXPECT_THAT(outbox[2].notification().title(), HasSubstr("zc-2"));
}

TEST_F(FollowUpTest, ATaskIsClosedOnceWithItsNote) {
  ASSERT_TRUE(Submit(ReportWrite(MakeReport("zc-3"))).ok());
  Advance(absl::Hours(25));
  ASSERT_TRUE(Tick().ok());
  const std::string id = All(v1::ENTITY_KIND_ESCALATION_TASK)[0].escalation_task().id();
  v1::CloseEscalationTaskRequest close;
  close.set_task_id(id);
  close.set_note("Gebeld, melding volgt binnen het uur");
  absl::StatusOr<WriteResult> closed = Submit(close);
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->record->record.escalation_task().status(), v1::ESCALATION_STATUS_CLOSED);
  EXPECT_EQ(closed->record->record.escalation_task().note(), "Gebeld, melding volgt binnen het uur");
  EXPECT_EQ(FromProtoTime(closed->record->record.escalation_task().closed_at()), Now());
  EXPECT_EQ(Submit(close).status().code(), absl::StatusCode::kFailedPrecondition);
  close.set_task_id("00000000000000000999-0000");
  EXPECT_EQ(Submit(close).status().code(), absl::StatusCode::kNotFound);
  close.set_task_id("Niet Geldig");
  EXPECT_THAT(std::string(Submit(close).status().message()), HasSubstr("task_id"));
}

TEST_F(FollowUpTest, DeliveryOutcomesMoveAnOutboxRecordAndAStaleOneIsRefused) {
  ASSERT_TRUE(Submit(NursingHomeAlert("hitte")).ok());
  const v1::Notification queued = All(v1::ENTITY_KIND_NOTIFICATION)[0].notification();
  const domain::RetryPolicy policy{
      .max_attempts = 3, .initial_backoff = absl::Seconds(1), .max_backoff = absl::Seconds(4)};
  auto outcome = [&](domain::AttemptResult result, int number) {
    return mutations::DeliveryOutcome{
        .notification_id = queued.id(),
        .attempt = domain::Attempt{.result = result, .number = number, .error = "connection refused"},
        .policy = policy};
  };
  absl::StatusOr<WriteResult> retry = Submit(Write(outcome(domain::AttemptResult::kTransientFailure, 1)));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->record->record.notification().status(), v1::NOTIFICATION_STATUS_QUEUED);
  EXPECT_EQ(retry->record->record.notification().attempts(), 1);
  EXPECT_EQ(FromProtoTime(retry->record->record.notification().next_attempt_at()), Now() + absl::Seconds(1));
  EXPECT_EQ(Submit(Write(outcome(domain::AttemptResult::kDelivered, 1))).status().code(),
            absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<WriteResult> sent = Submit(Write(outcome(domain::AttemptResult::kDelivered, 2)));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->record->record.notification().status(), v1::NOTIFICATION_STATUS_SENT);
  // The idempotency key never changes.
  EXPECT_EQ(sent->record->record.notification().idempotency_key(), queued.idempotency_key());
  // Delivery outcomes make no follow-ups of their own.
  EXPECT_THAT(Log(sent->revision), IsEmpty());
}

TEST_F(FollowUpTest, ARegistrationWithoutTheSecretKeepsTheStoredOne) {
  v1::Organization again = WithEndpoints("zc-1");
  again.mutable_contact()->mutable_endpoints(0)->mutable_webhook()->clear_secret();
  ASSERT_TRUE(Submit(RegisterWrite(again)).ok());
  EXPECT_EQ(Find("organizations/zc-1").organization().contact().endpoints(0).webhook().secret(),
            "geheim-geheim-geheim");
  again.mutable_contact()->mutable_endpoints(0)->mutable_webhook()->set_url("https://elders.nl/hook");
  const absl::Status moved = Submit(RegisterWrite(again)).status();
  EXPECT_EQ(moved.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(moved.message()), HasSubstr("organization.contact.endpoints[0].webhook.secret"));
}

}  // namespace
}  // namespace followup_test
}  // namespace ketenbeeld::pipeline
