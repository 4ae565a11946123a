#include "server/notify/worker.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "base/strings.h"
#include "base/time.h"
#include "server/domain/names.h"
#include "server/observability/log.h"

namespace ketenbeeld::notify {
namespace {

namespace v1 = ::ketenbeeld::v1;

std::string_view ChannelLabel(v1::NotificationChannel channel) {
  return channel == v1::NOTIFICATION_CHANNEL_EMAIL ? "email" : "webhook";
}

// The endpoint `notification` goes to, as registered now; nullopt when it is gone.
std::optional<v1::ContactEndpoint> CurrentEndpoint(const v1::Notification& notification,
                                                   const state::Picture& picture) {
  const state::RecordPtr organization = picture.Find(domain::OrganizationName(notification.organization_id()));
  if (organization == nullptr || !organization->record.has_organization()) return std::nullopt;
  for (const v1::ContactEndpoint& endpoint : organization->record.organization().contact().endpoints()) {
    if (endpoint.id() == notification.endpoint_id()) return endpoint;
  }
  return std::nullopt;
}

struct Job {
  state::RecordPtr record;  // Keeps `notification` alive.
  const v1::Notification* notification = nullptr;
  std::optional<v1::ContactEndpoint> endpoint;
  SendResult result;
};

}  // namespace

DeliveryWorker::DeliveryWorker(pipeline::Committer& committer, const state::Picture& picture, Sender& sender,
                               WorkerOptions options)
    : committer_(committer), picture_(picture), sender_(sender), options_(std::move(options)) {
  thread_ = std::thread([this] { Loop(); });
}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

DeliveryWorker::Stats DeliveryWorker::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void DeliveryWorker::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      // Wakes at once on Stop().
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.poll_interval);
      if (stopping_) return;
    }
    RunOnce();
  }
}

void DeliveryWorker::RunOnce() {
  absl::MutexLock run(&run_mu_);
  if (!committer_.leading()) {
    absl::MutexLock lock(&mu_);
    stats_.queued = -1;
    stats_.failed = -1;
    return;
  }
  const absl::Time now = options_.clock();
  const state::Picture::Snapshot outbox =
      picture_.TakePrefix(ToAbsl(domain::kNotificationsPrefix), ToAbsl(domain::kNotificationsPrefix), 0);
  int64_t queued = 0;
  int64_t failed = 0;
  std::vector<Job> due;
  bool email_skipped = false;
  for (const state::RecordPtr& record : outbox.records) {
    if (!record->record.has_notification()) continue;
    const v1::Notification& notification = record->record.notification();
    if (notification.status() == v1::NOTIFICATION_STATUS_FAILED) ++failed;
    if (notification.status() != v1::NOTIFICATION_STATUS_QUEUED) continue;
    ++queued;
    if (FromProtoTime(notification.next_attempt_at()) > now) continue;
    if (notification.channel() == v1::NOTIFICATION_CHANNEL_EMAIL && !sender_.email_enabled()) {
      email_skipped = true;
      continue;
    }
    if (static_cast<int>(due.size()) < options_.parallel_sends) {
      due.push_back(Job{.record = record, .notification = &notification, .endpoint = std::nullopt, .result = {}});
    }
  }
  {
    absl::MutexLock lock(&mu_);
    stats_.queued = queued;
    stats_.failed = failed;
  }
  if (email_skipped && !email_skip_logged_) {
    observability::LogWarning("notifications_email_waiting",
                              {{"message",
                                "e-mail notifications stay queued: no SMTP server is configured "
                                "(notifications.smtp_url)"}});
  }
  email_skip_logged_ = email_skip_logged_ || email_skipped;
  if (due.empty()) return;

  // Send at once, one thread each (each bounded by the sender's attempt timeout).
  std::vector<std::thread> senders;
  senders.reserve(due.size());
  for (Job& job : due) {
    job.endpoint = CurrentEndpoint(*job.notification, picture_);
    if (!job.endpoint.has_value()) {
      job.result = SendResult{.result = domain::AttemptResult::kPermanentFailure,
                              .error = "the endpoint is no longer registered"};
      continue;
    }
    senders.emplace_back([this, &job] { job.result = sender_.Send(*job.notification, *job.endpoint); });
  }
  for (std::thread& sender : senders) sender.join();

  // Commit the outcomes and wait until they are applied: the next scan must see them.
  struct Outcomes {
    explicit Outcomes(int n) : pending(n) {}
    absl::BlockingCounter pending;
  };
  auto outcomes = std::make_shared<Outcomes>(static_cast<int>(due.size()));
  v1::Actor system;
  system.set_role(v1::ROLE_SYSTEM);
  system.set_subject("ketenbeeld-server/outbox");
  for (Job& job : due) {
    const v1::Notification& notification = *job.notification;
    mutations::DeliveryOutcome outcome{.notification_id = notification.id(),
                                       .attempt = domain::Attempt{.result = job.result.result,
                                                                  .number = notification.attempts() + 1,
                                                                  .error = job.result.error},
                                       .policy = options_.retry};
    const std::string_view channel = ChannelLabel(notification.channel());
    const absl::Time queued_at = FromProtoTime(notification.queued_at());
    committer_.Submit(
        mutations::WriteRequest{.body = std::move(outcome), .actor = system},
        [this, outcomes, channel, queued_at, id = notification.id()](absl::StatusOr<pipeline::WriteResult> result) {
          if (result.ok() && result->record != nullptr && result->record->record.has_notification()) {
            const v1::Notification& after = result->record->record.notification();
            const std::string_view label = after.status() == v1::NOTIFICATION_STATUS_SENT     ? "sent"
                                           : after.status() == v1::NOTIFICATION_STATUS_FAILED ? "failed"
                                                                                              : "retry";
            {
              absl::MutexLock lock(&mu_);
              (label == "sent" ? stats_.sent : label == "failed" ? stats_.given_up : stats_.retried) += 1;
            }
            if (options_.observer != nullptr) {
              options_.observer->OnDeliveryAttempt(channel, label,
                                                   FromProtoTime(result->record->record.update_time()) - queued_at);
            }
            if (label != "sent") {
              observability::LogWarning("notification_attempt_failed", {{"notification", id},
                                                                        {"outcome", std::string(label)},
                                                                        {"attempts", after.attempts()},
                                                                        {"error", after.last_error()}});
            }
          } else if (!result.ok() && !absl::IsUnavailable(result.status()) &&
                     !absl::IsFailedPrecondition(result.status())) {
            observability::LogError("notification_outcome_not_recorded",
                                    {{"notification", id}, {"error", result.status().ToString()}});
          }
          outcomes->pending.DecrementCount();
        });
  }
  outcomes->pending.Wait();
}

}  // namespace ketenbeeld::notify
