// The outbox end to end, with the real server binary: a local webhook receiver and a local SMTP receiver (started by
// the test on loopback, tests/support/notification_receivers.h) get every notification, webhook signatures verify
// with the registered secrets, a receiver that was down gets everything once it is back, a server killed with -9
// while deliveries are in flight sends them again after its restart with the same idempotency keys and loses none,
// and one escalation task is made per organisation that did not acknowledge, also across a restart.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "tests/support/notification_receivers.h"
#include "tests/support/test_server.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace notification_test {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

const std::vector<std::string> kHomes = {"zc-1", "zc-2", "zc-3"};

std::string SecretOf(const std::string& id) { return "geheim-van-" + id + "-0123456789"; }
std::string PathOf(const std::string& id) { return "/hook/" + id; }

std::map<std::string, std::string> Secrets() {
  std::map<std::string, std::string> secrets;
  for (const std::string& id : kHomes) secrets[PathOf(id)] = SecretOf(id);
  return secrets;
}

class NotificationTest : public ::testing::Test {
 protected:
  NotificationTest() : webhooks_(Secrets()) {}

  void SetUp() override {
    ASSERT_TRUE(webhooks_.Start().ok());
    ASSERT_TRUE(smtp_.Start().ok());
  }

  // The server with fast retries: 100 ms doubling up to 400 ms, the outbox checked every 50 ms.
  void StartServer() {
    ServerProcessOptions options;
    options.data_dir = dir_.path() + "/db";
    options.log_path = dir_.path() + "/server.log";
    if (server_ != nullptr) options.listen = server_->address();
    options.extra_args = {"--notifications_smtp_url",        absl::StrCat("smtp://127.0.0.1:", smtp_.port()),
                          "--notifications_smtp_from",       "ghor@veiligheidsregio.nl",
                          "--notifications_initial_backoff", "100ms",
                          "--notifications_max_backoff",     "400ms",
                          "--notifications_max_attempts",    "100",
                          "--notifications_poll_interval",   "50ms",
                          "--notifications_attempt_timeout", "5s"};
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = server_->NewChannel();
    pictures_ = v1::PictureService::NewStub(channel_);
    alerts_ = v1::AlertService::NewStub(channel_);
    reports_ = v1::ReportService::NewStub(channel_);
  }

  void RegisterHomes() {
    for (const std::string& id : kHomes) {
      v1::Organization organization = MakeOrganization(id, v1::ORGANIZATION_KIND_NURSING_HOME);
      organization.mutable_contact()->set_name("Crisiscoördinator " + id);
      v1::ContactEndpoint& webhook = *organization.mutable_contact()->add_endpoints();
      webhook.set_id("alarm");
      webhook.mutable_webhook()->set_url(webhooks_.Url(PathOf(id)));
      webhook.mutable_webhook()->set_secret(SecretOf(id));
      v1::ContactEndpoint& email = *organization.mutable_contact()->add_endpoints();
      email.set_id("mail");
      email.mutable_email()->set_address("crisis@" + id + ".nl");
      v1::WriteResponse response;
      const grpc::Status status = Register(*pictures_, organization, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
      // The answer, like every read, withholds the secret.
      EXPECT_EQ(response.record().organization().contact().endpoints(0).webhook().secret(), "");
      EXPECT_EQ(response.record().SerializeAsString().find(SecretOf(id)), std::string::npos);
    }
  }

  grpc::Status SendAlert(const std::string& id, absl::Duration acknowledge_within = absl::ZeroDuration()) {
    v1::SendAlertRequest request;
    v1::Alert& alert = *request.mutable_alert();
    alert.set_id(id);
    alert.set_headline("Hitteplan fase 2: koel de bewoners");
    alert.set_urgency(v1::URGENCY_EXPECTED);
    alert.set_severity(v1::ALERT_SEVERITY_SEVERE);
    alert.set_certainty(v1::CERTAINTY_LIKELY);
    alert.mutable_audience()->add_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
    if (acknowledge_within > absl::ZeroDuration()) {
      *alert.mutable_acknowledge_by() = ToProtoTime(absl::Now() + acknowledge_within);
    }
    v1::WriteResponse response;
    return alerts_->SendAlert(Deadline().get(), request, &response);
  }

  std::vector<v1::Record> ListKind(v1::EntityKind kind) {
    v1::ListRequest request;
    request.mutable_filter()->add_kinds(kind);
    v1::ListResponse response;
    const grpc::Status status = pictures_->List(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.records().begin(), response.records().end()};
  }

  // Waits (bounded) until every notification in the outbox is SENT; whether it happened.
  bool AllSent(size_t expected, absl::Duration timeout = absl::Seconds(15)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      const std::vector<v1::Record> outbox = ListKind(v1::ENTITY_KIND_NOTIFICATION);
      size_t sent = 0;
      for (const v1::Record& record : outbox) sent += record.notification().status() == v1::NOTIFICATION_STATUS_SENT;
      if (outbox.size() == expected && sent == expected) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  static std::set<std::string> Keys(const std::vector<WebhookReceiver::Request>& requests) {
    std::set<std::string> keys;
    for (const WebhookReceiver::Request& request : requests) keys.insert(request.idempotency_key);
    return keys;
  }

  TempDir dir_;
  WebhookReceiver webhooks_;
  SmtpReceiver smtp_;
  std::unique_ptr<ServerProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::PictureService::Stub> pictures_;
  std::unique_ptr<v1::AlertService::Stub> alerts_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
};

TEST_F(NotificationTest, EveryNotificationArrivesSignedByWebhookAndByEmail) {
  StartServer();
  RegisterHomes();
  ASSERT_TRUE(SendAlert("hitte").ok());
  ASSERT_TRUE(webhooks_.WaitFor([](const auto& requests) { return requests.size() >= 3; }, absl::Seconds(10)));
  ASSERT_TRUE(smtp_.WaitFor([](const auto& mails) { return mails.size() >= 3; }, absl::Seconds(10)));
  ASSERT_TRUE(AllSent(6));

  const std::vector<WebhookReceiver::Request> requests = webhooks_.requests();
  ASSERT_THAT(requests, SizeIs(3));  // Delivered once each: nothing failed, so nothing was repeated.
  std::set<std::string> paths;
  for (const WebhookReceiver::Request& request : requests) {
    EXPECT_TRUE(request.signature_valid) << request.path << " " << request.signature;
    EXPECT_THAT(request.body, HasSubstr("Hitteplan fase 2"));
    EXPECT_THAT(request.idempotency_key, HasSubstr("ketenbeeld-VR10-"));
    paths.insert(request.path);
  }
  EXPECT_EQ(paths, (std::set<std::string>{"/hook/zc-1", "/hook/zc-2", "/hook/zc-3"}));

  const std::vector<SmtpReceiver::Mail> mails = smtp_.mails();
  ASSERT_THAT(mails, SizeIs(3));
  std::set<std::string> recipients;
  for (const SmtpReceiver::Mail& mail : mails) {
    ASSERT_THAT(mail.recipients, SizeIs(1));
    recipients.insert(mail.recipients[0]);
    EXPECT_EQ(mail.mail_from, "<ghor@veiligheidsregio.nl>");
    EXPECT_THAT(mail.data, HasSubstr("Subject: Alert: Hitteplan fase 2"));
    EXPECT_THAT(mail.message_id, HasSubstr("@ketenbeeld>"));
  }
  EXPECT_EQ(recipients, (std::set<std::string>{"<crisis@zc-1.nl>", "<crisis@zc-2.nl>", "<crisis@zc-3.nl>"}));
  // Reads withhold secrets too.
  for (const v1::Record& record : ListKind(v1::ENTITY_KIND_ORGANIZATION)) {
    EXPECT_EQ(record.organization().contact().endpoints(0).webhook().secret(), "") << record.name();
  }
  EXPECT_EQ(server_->log().find("geheim-van-"), std::string::npos) << "a secret was logged";
}

TEST_F(NotificationTest, AReceiverThatIsDownGetsEverythingOnceItIsBack) {
  StartServer();
  RegisterHomes();
  webhooks_.Stop();  // Connections to its port are refused from now on.
  ASSERT_TRUE(SendAlert("hitte").ok());
  // Several attempts fail while it is down: the outbox says so, and nothing is given up.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  bool retried = false;
  while (!retried && absl::Now() < deadline) {
    retried = true;
    int webhooks = 0;
    for (const v1::Record& record : ListKind(v1::ENTITY_KIND_NOTIFICATION)) {
      const v1::Notification& notification = record.notification();
      if (notification.channel() != v1::NOTIFICATION_CHANNEL_WEBHOOK) continue;
      ++webhooks;
      retried = retried && notification.status() == v1::NOTIFICATION_STATUS_QUEUED && notification.attempts() >= 3 &&
                !notification.last_error().empty();
    }
    retried = retried && webhooks == 3;
    if (!retried) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(retried) << "the webhook notifications were not retried while the receiver was down";
  EXPECT_THAT(webhooks_.requests(), SizeIs(0));

  ASSERT_TRUE(webhooks_.Start().ok());  // Back, on the same port.
  ASSERT_TRUE(AllSent(6));
  const std::vector<WebhookReceiver::Request> requests = webhooks_.requests();
  EXPECT_THAT(requests, SizeIs(3));
  EXPECT_THAT(Keys(requests), SizeIs(3));
  for (const WebhookReceiver::Request& request : requests) EXPECT_TRUE(request.signature_valid);
}

TEST_F(NotificationTest, KilledWithNineMidDeliveryItResendsWithTheSameKeysAndLosesNothing) {
  StartServer();
  RegisterHomes();
  webhooks_.Hold();  // Take the requests, answer none: the server has sent but not recorded the outcome.
  ASSERT_TRUE(SendAlert("hitte").ok());
  ASSERT_TRUE(webhooks_.WaitFor([](const auto& requests) { return requests.size() >= 3; }, absl::Seconds(10)));
  const std::vector<WebhookReceiver::Request> before = webhooks_.requests();
  server_->process().Kill();
  webhooks_.Release();
  StartServer();
  ASSERT_TRUE(AllSent(6));
  const std::vector<WebhookReceiver::Request> all = webhooks_.requests();
  ASSERT_THAT(all, SizeIs(6)) << "each notification in flight at the kill is sent once more, no more";
  // The same three keys, each twice, with the same body and a valid signature.
  EXPECT_EQ(Keys(all), Keys(before));
  for (size_t i = 3; i < all.size(); ++i) {
    EXPECT_TRUE(all[i].signature_valid);
    bool same = false;
    for (const WebhookReceiver::Request& earlier : before) {
      same = same || (earlier.idempotency_key == all[i].idempotency_key && earlier.body == all[i].body);
    }
    EXPECT_TRUE(same) << "resent " << all[i].idempotency_key << " with another body";
  }
  EXPECT_THAT(smtp_.mails(), SizeIs(::testing::Ge(3u)));
}

TEST_F(NotificationTest, OneEscalationTaskPerSilentOrganisationAlsoAcrossARestart) {
  StartServer();
  RegisterHomes();
  ASSERT_TRUE(SendAlert("hitte", absl::Seconds(2)).ok());
  v1::AcknowledgeAlertRequest acknowledge;
  acknowledge.set_alert_id("hitte");
  acknowledge.set_organization_id("zc-2");
  v1::WriteResponse written;
  ASSERT_TRUE(alerts_->AcknowledgeAlert(Deadline().get(), acknowledge, &written).ok());

  auto open_tasks = [&] {
    v1::OperationalSummary summary;
    const grpc::Status status =
        reports_->GetOperationalSummary(Deadline().get(), v1::GetOperationalSummaryRequest(), &summary);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> organizations;
    for (const v1::EscalationTask& task : summary.open_escalations()) organizations.push_back(task.organization_id());
    return organizations;
  };
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (open_tasks().size() < 2 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(open_tasks(), (std::vector<std::string>{"zc-1", "zc-3"}));

  server_->process().Kill();
  StartServer();
  absl::SleepFor(absl::Milliseconds(1500));  // Ticks after the restart (one at start-up, then every second).
  const std::vector<v1::Record> tasks = ListKind(v1::ENTITY_KIND_ESCALATION_TASK);
  ASSERT_THAT(tasks, SizeIs(2));
  EXPECT_THAT(tasks[0].escalation_task().instruction(), HasSubstr("+31 72 000 0000"));

  v1::CloseEscalationTaskRequest close;
  close.set_task_id(tasks[0].escalation_task().id());
  close.set_note("Gebeld: bevestiging volgt");
  ASSERT_TRUE(alerts_->CloseEscalationTask(Deadline().get(), close, &written).ok());
  EXPECT_EQ(open_tasks(), (std::vector<std::string>{"zc-3"}));
}

}  // namespace
}  // namespace notification_test
}  // namespace ketenbeeld::testing
