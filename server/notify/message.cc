#include "server/notify/message.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "google/protobuf/util/json_util.h"

namespace ketenbeeld::notify {
namespace {

bool IsAscii(absl::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Header values must not break lines: a title is one line already, but be strict.
std::string OneLine(absl::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return line;
}

}  // namespace

std::string WebhookBody(const ketenbeeld::v1::Notification& notification) {
  ketenbeeld::v1::Notification message = notification;
  message.clear_status();
  message.clear_attempts();
  message.clear_next_attempt_at();
  message.clear_finished_at();
  message.clear_last_error();
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;  // As the HTTP gateway's JSON API.
  // Cannot fail for a message without Any fields.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

std::string MessageId(const ketenbeeld::v1::Notification& notification) {
  return absl::StrCat("<", notification.idempotency_key(), "@ketenbeeld>");
}

std::string EmailMessage(const ketenbeeld::v1::Notification& notification, absl::string_view from) {
  const std::string title = OneLine(notification.title());
  const std::string subject = IsAscii(title) ? title : absl::StrCat("=?UTF-8?B?", absl::Base64Escape(title), "?=");
  std::string body_base64 = absl::Base64Escape(notification.text());
  std::string body;
  for (size_t i = 0; i < body_base64.size(); i += 76) absl::StrAppend(&body, body_base64.substr(i, 76), "\r\n");
  return absl::StrCat(
      "From: <", OneLine(from), ">\r\n", "To: <", OneLine(notification.destination()), ">\r\n", "Subject: ", subject,
      "\r\n", "Date: ",
      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", FromProtoTime(notification.queued_at()), absl::UTCTimeZone()),
      "\r\n", "Message-ID: ", MessageId(notification), "\r\n", "X-Ketenbeeld-Notification: ", notification.id(), "\r\n",
      "MIME-Version: 1.0\r\n", "Content-Type: text/plain; charset=UTF-8\r\n", "Content-Transfer-Encoding: base64\r\n",
      "\r\n", body);
}

}  // namespace ketenbeeld::notify
