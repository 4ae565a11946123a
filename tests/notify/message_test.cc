// The webhook body and the e-mail: the same bytes on every attempt, the idempotency key in both, no delivery state.
#include "server/notify/message.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld::notify {
namespace message_test {
namespace {

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;
using ::testing::Not;

v1::Notification Example() {
  v1::Notification notification;
  notification.set_id("00000000000000000042-0001");
  notification.set_organization_id("zc-3");
  notification.set_endpoint_id("mail");
  notification.set_channel(v1::NOTIFICATION_CHANNEL_EMAIL);
  notification.set_destination("crisis@zc-3.nl");
  notification.set_subject(v1::NOTIFICATION_SUBJECT_ALERT);
  notification.set_title("Alert: Hitteplan fase 2");
  notification.set_text("Koel de bewoners.\n\nAcknowledge before 2024-01-01 12:00 UTC.");
  notification.set_idempotency_key("ketenbeeld-VR10-00000000000000000042-0001");
  notification.set_status(v1::NOTIFICATION_STATUS_QUEUED);
  *notification.mutable_queued_at() = ToProtoTime(absl::FromUnixSeconds(1704067200));
  return notification;
}

TEST(MessageTest, TheWebhookBodyIsTheSameOnEveryAttemptAndHoldsNoDeliveryState) {
  v1::Notification first = Example();
  v1::Notification later = Example();
  later.set_attempts(3);
  later.set_last_error("HTTP 503");
  *later.mutable_next_attempt_at() = ToProtoTime(absl::FromUnixSeconds(1704067300));
  EXPECT_EQ(WebhookBody(first), WebhookBody(later));
  const std::string body = WebhookBody(later);
  EXPECT_THAT(body, HasSubstr(R"("idempotency_key":"ketenbeeld-VR10-00000000000000000042-0001")"));
  EXPECT_THAT(body, HasSubstr(R"("subject":"NOTIFICATION_SUBJECT_ALERT")"));
  EXPECT_THAT(body, Not(HasSubstr("HTTP 503")));
  EXPECT_THAT(body, Not(HasSubstr("attempts")));
}

TEST(MessageTest, TheEmailCarriesTheKeyAsMessageIdAndTheTextAsBase64) {
  const std::string mail = EmailMessage(Example(), "ghor@vr10.nl");
  EXPECT_THAT(mail, HasSubstr("From: <ghor@vr10.nl>\r\n"));
  EXPECT_THAT(mail, HasSubstr("To: <crisis@zc-3.nl>\r\n"));
  EXPECT_THAT(mail, HasSubstr("Subject: Alert: Hitteplan fase 2\r\n"));
  EXPECT_THAT(mail, HasSubstr("Message-ID: <ketenbeeld-VR10-00000000000000000042-0001@ketenbeeld>\r\n"));
  EXPECT_THAT(mail, HasSubstr("Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n"));
  const size_t body = mail.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  std::string encoded = mail.substr(body + 4);
  encoded.erase(std::remove(encoded.begin(), encoded.end(), '\r'), encoded.end());
  encoded.erase(std::remove(encoded.begin(), encoded.end(), '\n'), encoded.end());
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape(encoded, &decoded));
  EXPECT_EQ(decoded, Example().text());
}

TEST(MessageTest, ANonAsciiSubjectIsEncodedAndNoHeaderCanBeInjected) {
  v1::Notification notification = Example();
  notification.set_title("Crisiscoördinatie\r\nBcc: iedereen@example.nl");
  const std::string mail = EmailMessage(notification, "ghor@vr10.nl");
  EXPECT_THAT(mail, HasSubstr("Subject: =?UTF-8?B?"));
  EXPECT_THAT(mail, Not(HasSubstr("\r\nBcc:")));
}

}  // namespace
}  // namespace message_test
}  // namespace ketenbeeld::notify
