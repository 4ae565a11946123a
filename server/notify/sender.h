// The seam between the delivery worker and the wire: one attempt to deliver one notification to one endpoint.
// CurlSender (curl_sender.h) is the real one; tests of the worker can use their own.
#ifndef KETENBEELD_SERVER_NOTIFY_SENDER_H_
#define KETENBEELD_SERVER_NOTIFY_SENDER_H_

#include <string>

#include "ketenbeeld/v1/notification.pb.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "server/domain/outbox.h"

namespace ketenbeeld::notify {

struct SendResult {
  domain::AttemptResult result = domain::AttemptResult::kTransientFailure;
  // One line, no secret: "HTTP 503", "connection refused (127.0.0.1:8443)", "SMTP 550".
  std::string error;
};

class Sender {
 public:
  virtual ~Sender() = default;
  // Makes one attempt to deliver `notification` to `endpoint` (its current registration, secret included) and says
  // what it came to. Blocks for at most the sender's attempt timeout. Thread safe: the worker sends several at once.
  virtual SendResult Send(const ketenbeeld::v1::Notification& notification,
                          const ketenbeeld::v1::ContactEndpoint& endpoint) = 0;
  // Whether e-mail can be sent at all (an SMTP server is configured). While not, e-mail notifications stay queued.
  virtual bool email_enabled() const = 0;
};

}  // namespace ketenbeeld::notify

#endif  // KETENBEELD_SERVER_NOTIFY_SENDER_H_
