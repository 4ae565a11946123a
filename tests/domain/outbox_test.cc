// The outbox's rules: backoff, and the state transitions of a notification after each attempt.
#include "server/domain/outbox.h"

#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld::domain {
namespace outbox_test {
namespace {

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1704067200);

RetryPolicy Policy() {
  return RetryPolicy{.max_attempts = 4, .initial_backoff = absl::Seconds(5), .max_backoff = absl::Seconds(15)};
}

v1::Notification Queued() {
  v1::Notification notification;
  notification.set_id("00000000000000000007-0000");
  notification.set_status(v1::NOTIFICATION_STATUS_QUEUED);
  *notification.mutable_queued_at() = ToProtoTime(kNow);
  *notification.mutable_next_attempt_at() = ToProtoTime(kNow);
  return notification;
}

Attempt Failed(int number, AttemptResult result = AttemptResult::kTransientFailure) {
  return Attempt{.result = result, .number = number, .error = "HTTP 503"};
}

TEST(BackoffTest, DoublesFromTheInitialWaitAndStopsAtTheMaximum) {
  const RetryPolicy policy = Policy();
  EXPECT_EQ(Backoff(1, policy), absl::Seconds(5));
  EXPECT_EQ(Backoff(2, policy), absl::Seconds(10));
  EXPECT_EQ(Backoff(3, policy), absl::Seconds(15));
  EXPECT_EQ(Backoff(50, policy), absl::Seconds(15));  // No overflow however many attempts.
}

TEST(BackoffTest, TheDefaultsReachTenMinutesAfterAboutEightAttempts) {
  const RetryPolicy defaults;
  EXPECT_EQ(Backoff(1, defaults), absl::Seconds(5));
  EXPECT_EQ(Backoff(7, defaults), absl::Seconds(320));
  EXPECT_EQ(Backoff(8, defaults), absl::Minutes(10));
}

TEST(ApplyAttemptTest, ADeliveredAttemptMakesItSentAndFinal) {
  v1::Notification notification = Queued();
  ASSERT_TRUE(ApplyAttempt(Attempt{.result = AttemptResult::kDelivered, .number = 1, .error = ""},
                           kNow + absl::Seconds(1), Policy(), notification)
                  .ok());
  EXPECT_EQ(notification.status(), v1::NOTIFICATION_STATUS_SENT);
  EXPECT_EQ(notification.attempts(), 1);
  EXPECT_EQ(FromProtoTime(notification.finished_at()), kNow + absl::Seconds(1));
  EXPECT_FALSE(notification.has_next_attempt_at());
  // Final: a late outcome of a second sender changes nothing.
  const absl::Status again = ApplyAttempt(Attempt{.result = AttemptResult::kDelivered, .number = 2, .error = ""}, kNow,
                                          Policy(), notification);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.message()), HasSubstr("NOTIFICATION_STATUS_SENT"));
}

TEST(ApplyAttemptTest, ATransientFailureStaysQueuedWithBackoffUntilTheAttemptsRunOut) {
  v1::Notification notification = Queued();
  absl::Time now = kNow;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_TRUE(ApplyAttempt(Failed(attempt), now, Policy(), notification).ok());
    EXPECT_EQ(notification.status(), v1::NOTIFICATION_STATUS_QUEUED);
    EXPECT_EQ(notification.attempts(), attempt);
    EXPECT_EQ(notification.last_error(), "HTTP 503");
    EXPECT_EQ(FromProtoTime(notification.next_attempt_at()), now + Backoff(attempt, Policy()));
    now += absl::Seconds(20);
  }
  ASSERT_TRUE(ApplyAttempt(Failed(4), now, Policy(), notification).ok());
  EXPECT_EQ(notification.status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(notification.attempts(), 4);
  EXPECT_EQ(FromProtoTime(notification.finished_at()), now);
}

TEST(ApplyAttemptTest, APermanentFailureIsFailedAtOnce) {
  v1::Notification notification = Queued();
  ASSERT_TRUE(ApplyAttempt(Failed(1, AttemptResult::kPermanentFailure), kNow, Policy(), notification).ok());
  EXPECT_EQ(notification.status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(notification.attempts(), 1);
}

TEST(ApplyAttemptTest, AStaleOutcomeChangesNothing) {
  v1::Notification notification = Queued();
  ASSERT_TRUE(ApplyAttempt(Failed(1), kNow, Policy(), notification).ok());
  const v1::Notification before = notification;
  // Attempt 1 again (a worker before a restart reporting late) and attempt 3 (skipping one) are both refused.
  EXPECT_EQ(ApplyAttempt(Failed(1), kNow, Policy(), notification).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ApplyAttempt(Failed(3), kNow, Policy(), notification).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(notification.SerializeAsString(), before.SerializeAsString());
}

}  // namespace
}  // namespace outbox_test
}  // namespace ketenbeeld::domain
