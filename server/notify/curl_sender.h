// Delivery over the wire with libcurl: webhooks as HTTPS POSTs, e-mail over SMTP (STARTTLS or SMTPS).
//
// Webhook: POST of WebhookBody (message.h) with Content-Type application/json, `Idempotency-Key`, the signature
// header (signing.h) and `X-Ketenbeeld-Notification: {id}`. 2xx: delivered. 408, 429, 5xx, and every failure to
// connect or to get an answer in time: transient (repeated with backoff). Other answers (3xx: redirects are not
// followed, so that a signed body never goes where it was not registered; 4xx): permanent. Plain http only to a
// loopback host (domain::CheckWebhookUrl), checked again at each attempt.
//
// E-mail: one message (EmailMessage) per notification to the SMTP server of Options::smtp_url, envelope sender
// Options::from, one recipient. The server's 2xx: delivered; 5xx: permanent; anything else: transient. TLS is
// required (STARTTLS) unless the SMTP host is a loopback address or the URL is smtps:// (TLS from the start).
//
// Certificates are verified (peer and host name) against the system's CA bundle or Options::ca_file.
//
// Thread safety: Send may be called from several threads at once (one curl handle per attempt).
#ifndef KETENBEELD_SERVER_NOTIFY_CURL_SENDER_H_
#define KETENBEELD_SERVER_NOTIFY_CURL_SENDER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/notify/sender.h"

namespace ketenbeeld::notify {

class CurlSender : public Sender {
 public:
  struct Options {
    // "smtp://host[:port]" or "smtps://host[:port]"; empty: no e-mail.
    std::string smtp_url;
    // The sender address of e-mails; required with smtp_url (there is no good default: mail servers refuse or
    // junk a sender domain they cannot resolve).
    std::string from;
    // Deadline of one attempt, connecting included.
    absl::Duration attempt_timeout = absl::Seconds(10);
    // PEM CA bundle; empty: the system's.
    std::string ca_file;
  };

  // INVALID_ARGUMENT naming `notifications.smtp_url` / `notifications.smtp_from` when they are malformed, or when
  // smtp_url is set without a sender address.
  static absl::Status CheckOptions(const Options& options);

  explicit CurlSender(Options options);

  SendResult Send(const ketenbeeld::v1::Notification& notification,
                  const ketenbeeld::v1::ContactEndpoint& endpoint) override;
  bool email_enabled() const override { return !options_.smtp_url.empty(); }

 private:
  SendResult PostWebhook(const ketenbeeld::v1::Notification& notification,
                         const ketenbeeld::v1::WebhookEndpoint& webhook) const;
  SendResult SendEmail(const ketenbeeld::v1::Notification& notification,
                       const ketenbeeld::v1::EmailEndpoint& email) const;

  const Options options_;
};

}  // namespace ketenbeeld::notify

#endif  // KETENBEELD_SERVER_NOTIFY_CURL_SENDER_H_
