// The delivery worker over a real committer with a fake sender: every queued notification is sent and its outcome
// committed; a failed one waits for its backoff and keeps its idempotency key; a permanent failure is final; an
// endpoint removed meanwhile fails the notification; nothing is sent while the member does not lead.
#include "server/notify/worker.h"

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/names.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::notify {
namespace worker_test {
namespace {

namespace v1 = ::ketenbeeld::v1;
using ::ketenbeeld::testing::MakeOrganization;
using ::ketenbeeld::testing::RegisterWrite;
using ::testing::ElementsAre;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

class FakeSender : public Sender {
 public:
  struct Sent {
    std::string key;
    std::string destination;
  };

  SendResult Send(const v1::Notification& notification, const v1::ContactEndpoint& endpoint) override {
    absl::MutexLock lock(&mu_);
    sent_.push_back(
        Sent{.key = notification.idempotency_key(),
             .destination = endpoint.has_webhook() ? endpoint.webhook().url() : endpoint.email().address()});
    return next_;
  }
  bool email_enabled() const override { return email_; }

  void Answer(domain::AttemptResult result, std::string error = "") {
    absl::MutexLock lock(&mu_);
    next_ = SendResult{.result = result, .error = std::move(error)};
  }
  std::vector<Sent> sent() const {
    absl::MutexLock lock(&mu_);
    return sent_;
  }

  bool email_ = true;

 private:
  mutable absl::Mutex mu_;
  std::vector<Sent> sent_ ABSL_GUARDED_BY(mu_);
  SendResult next_ ABSL_GUARDED_BY(mu_) = {.result = domain::AttemptResult::kDelivered, .error = ""};
};

// A replicated log that only says whether this member leads (appends succeed while it does).
class FakeLog : public pipeline::ReplicatedLog {
 public:
  absl::Status Append(int64_t, int64_t, absl::Time, const std::vector<std::string_view>&) override {
    return leading_ ? absl::OkStatus() : absl::UnavailableError("not the leader");
  }
  bool leading() const override { return leading_; }
  std::atomic<bool> leading_{true};
};

class WorkerTest : public ::ketenbeeld::testing::CommitterFixture {
 protected:
  WorkerTest() { committer_options_.replicated_log = &log_; }

  void SetUp() override {
    CommitterFixture::SetUp();
    v1::Organization home = MakeOrganization("zc-1", v1::ORGANIZATION_KIND_NURSING_HOME);
    v1::ContactEndpoint& webhook = *home.mutable_contact()->add_endpoints();
    webhook.set_id("alarm");
    webhook.mutable_webhook()->set_url("https://alarm.zc-1.nl/hook");
    webhook.mutable_webhook()->set_secret("geheim-geheim-geheim");
    v1::ContactEndpoint& email = *home.mutable_contact()->add_endpoints();
    email.set_id("mail");
    email.mutable_email()->set_address("crisis@zc-1.nl");
    MustSubmit(RegisterWrite(home));
    WorkerOptions options;
    options.retry =
        domain::RetryPolicy{.max_attempts = 3, .initial_backoff = absl::Seconds(10), .max_backoff = absl::Seconds(40)};
    options.poll_interval = absl::Hours(1);  // Only RunOnce() drives it.
    options.clock = [this] { return Now(); };
    worker_ = std::make_unique<DeliveryWorker>(*committer_, *picture_, sender_, options);
  }

  void TearDown() override {
    worker_.reset();
    CommitterFixture::TearDown();
  }

  void SendAlert() {
    v1::SendAlertRequest request;
    request.mutable_alert()->set_id("hitte");
    request.mutable_alert()->set_headline("Hitteplan fase 2");
    request.mutable_alert()->set_urgency(v1::URGENCY_EXPECTED);
    request.mutable_alert()->set_severity(v1::ALERT_SEVERITY_SEVERE);
    request.mutable_alert()->set_certainty(v1::CERTAINTY_LIKELY);
    ASSERT_TRUE(Submit(request).ok());
  }

  std::vector<v1::Notification> Outbox() const {
    std::vector<v1::Notification> outbox;
    for (const state::RecordPtr& record :
         picture_->TakePrefix(ToAbsl(domain::kNotificationsPrefix), ToAbsl(domain::kNotificationsPrefix), 0).records) {
      outbox.push_back(record->record.notification());
    }
    return outbox;
  }

  FakeLog log_;
  FakeSender sender_;
  std::unique_ptr<DeliveryWorker> worker_;
};

TEST_F(WorkerTest, SendsEveryQueuedNotificationOnceAndRecordsItSent) {
  SendAlert();
  worker_->RunOnce();
  const std::vector<FakeSender::Sent> sent = sender_.sent();
  // The worker sends concurrently: in any order, each once.
  std::vector<std::string> destinations;
  for (const FakeSender::Sent& one : sent) destinations.push_back(one.destination);
  EXPECT_THAT(destinations, UnorderedElementsAre("https://alarm.zc-1.nl/hook", "crisis@zc-1.nl"));
  for (const v1::Notification& notification : Outbox()) {
    EXPECT_EQ(notification.status(), v1::NOTIFICATION_STATUS_SENT);
    EXPECT_EQ(notification.attempts(), 1);
  }
  worker_->RunOnce();
  EXPECT_THAT(sender_.sent(), SizeIs(2));  // Nothing twice.
  EXPECT_EQ(worker_->stats().sent, 2);
  EXPECT_EQ(worker_->stats().queued, 0);
}

TEST_F(WorkerTest, AFailedAttemptWaitsForItsBackoffAndKeepsItsKey) {
  SendAlert();
  sender_.Answer(domain::AttemptResult::kTransientFailure, "connection refused");
  worker_->RunOnce();
  EXPECT_THAT(sender_.sent(), SizeIs(2));
  worker_->RunOnce();  // Not due before its backoff.
  EXPECT_THAT(sender_.sent(), SizeIs(2));
  EXPECT_EQ(worker_->stats().queued, 2);
  Advance(absl::Seconds(10));
  sender_.Answer(domain::AttemptResult::kDelivered);
  worker_->RunOnce();
  const std::vector<FakeSender::Sent> sent = sender_.sent();
  ASSERT_THAT(sent, SizeIs(4));
  // The retries go out in the order their (jittered) backoffs end: match them by destination.
  std::map<std::string, std::vector<std::string>> keys_by_destination;
  for (const FakeSender::Sent& one : sent) keys_by_destination[one.destination].push_back(one.key);
  ASSERT_THAT(keys_by_destination, SizeIs(2));
  for (const auto& [destination, keys] : keys_by_destination) {
    ASSERT_THAT(keys, SizeIs(2)) << destination;
    EXPECT_EQ(keys[0], keys[1]) << destination;
  }
  EXPECT_NE(keys_by_destination.begin()->second[0], keys_by_destination.rbegin()->second[0]);
  for (const v1::Notification& notification : Outbox()) {
    EXPECT_EQ(notification.status(), v1::NOTIFICATION_STATUS_SENT);
    EXPECT_EQ(notification.attempts(), 2);
  }
}

TEST_F(WorkerTest, APermanentFailureOrARemovedEndpointIsFinal) {
  SendAlert();
  // The e-mail endpoint goes; the webhook's receiver refuses for good.
  v1::Organization home = Find("organizations/zc-1").organization();
  home.mutable_contact()->mutable_endpoints()->RemoveLast();
  MustSubmit(RegisterWrite(home));
  sender_.Answer(domain::AttemptResult::kPermanentFailure, "HTTP 410");
  worker_->RunOnce();
  EXPECT_THAT(sender_.sent(), SizeIs(1));  // The removed endpoint is not even tried.
  const std::vector<v1::Notification> outbox = Outbox();
  ASSERT_THAT(outbox, SizeIs(2));
  EXPECT_EQ(outbox[0].status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(outbox[0].last_error(), "HTTP 410");
  EXPECT_EQ(outbox[1].status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(outbox[1].last_error(), "the endpoint is no longer registered");
  Advance(absl::Hours(1));
  worker_->RunOnce();
  EXPECT_THAT(sender_.sent(), SizeIs(1));
  EXPECT_EQ(worker_->stats().failed, 2);
}

TEST_F(WorkerTest, AttemptsRunOutAfterMaxAttempts) {
  SendAlert();
  sender_.email_ = false;  // Only the webhook moves; the e-mail waits for an SMTP server.
  sender_.Answer(domain::AttemptResult::kTransientFailure, "HTTP 503");
  for (int i = 0; i < 5; ++i) {
    worker_->RunOnce();
    Advance(absl::Minutes(1));
  }
  EXPECT_THAT(sender_.sent(), SizeIs(3));
  const std::vector<v1::Notification> outbox = Outbox();
  EXPECT_EQ(outbox[0].status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(outbox[0].attempts(), 3);
  EXPECT_EQ(outbox[1].status(), v1::NOTIFICATION_STATUS_QUEUED);
  EXPECT_EQ(outbox[1].attempts(), 0);
}

TEST_F(WorkerTest, NothingIsSentWhileThisMemberDoesNotLead) {
  SendAlert();
  log_.leading_ = false;
  worker_->RunOnce();
  EXPECT_THAT(sender_.sent(), SizeIs(0));
  EXPECT_EQ(worker_->stats().queued, -1);
  log_.leading_ = true;
  worker_->RunOnce();
  EXPECT_THAT(sender_.sent(), SizeIs(2));
}

}  // namespace
}  // namespace worker_test
}  // namespace ketenbeeld::notify
