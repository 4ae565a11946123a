// What travels: the webhook's JSON body and the e-mail's RFC 5322 message for a notification.
//
// Both are the same on every attempt (they hold nothing of the delivery state: attempts, errors, next attempt), so
// a resend after a crash is byte for byte the message sent before, with the same idempotency key.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_SERVER_NOTIFY_MESSAGE_H_
#define KETENBEELD_SERVER_NOTIFY_MESSAGE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/notification.pb.h"

namespace ketenbeeld::notify {

// The Notification in proto3 JSON with the proto's field names (as the HTTP gateway's JSON API) without its delivery
// state (status, attempts, next_attempt_at, finished_at, last_error): {"id": ..., "organization_id": ..., "subject":
// "NOTIFICATION_SUBJECT_ALERT", "subject_name": "alerts/heat-1", "title": ..., "text": ..., "idempotency_key": ...,
// "queued_at": ...}.
std::string WebhookBody(const ketenbeeld::v1::Notification& notification);

// The e-mail: From `from`, To the notification's destination, Subject its title (RFC 2047 when not ASCII),
// Message-ID "<{idempotency_key}@ketenbeeld>", Date its queued_at, and its text as a base64 text/plain UTF-8 body.
// Lines end in CRLF. `from` and the destination are checked addresses (no line breaks).
std::string EmailMessage(const ketenbeeld::v1::Notification& notification, absl::string_view from);

// "<{idempotency_key}@ketenbeeld>".
std::string MessageId(const ketenbeeld::v1::Notification& notification);

}  // namespace ketenbeeld::notify

#endif  // KETENBEELD_SERVER_NOTIFY_MESSAGE_H_
