// Receivers of the server's notifications for the system tests, on loopback, started and stopped by the test:
//  * WebhookReceiver: an HTTP server (cpp-httplib) that records every POST, checks its HMAC-SHA256 signature against
//    the secret registered for its path (computed here with OpenSSL, not with the server's code), can be down (not
//    listening) and come back on the same port, and can hold its answers (record, then answer only when released) so
//    that a test can kill the sender while deliveries are in flight;
//  * SmtpReceiver: a minimal SMTP server over a socket (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that records
//    every message with its Message-ID.
// Every wait is bounded; the destructors stop the threads.
//
// Thread safety: all methods may be called from any thread.
#ifndef KETENBEELD_TESTS_SUPPORT_NOTIFICATION_RECEIVERS_H_
#define KETENBEELD_TESTS_SUPPORT_NOTIFICATION_RECEIVERS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}

namespace ketenbeeld::testing {

class WebhookReceiver {
 public:
  struct Request {
    std::string path;
    std::string idempotency_key;
    std::string notification_id;
    std::string signature;
    std::string body;
    // The signature is HMAC-SHA256(secret of `path`, body).
    bool signature_valid = false;
  };

  // `secrets`: path ("/hook/zc-1") -> the secret registered for the webhook at that path.
  explicit WebhookReceiver(std::map<std::string, std::string> secrets);
  ~WebhookReceiver();  // Stop(), releasing held answers.

  // Listens on 127.0.0.1:`port` (0: a free port, kept for later Starts). INTERNAL when it cannot bind.
  absl::Status Start(int port = 0);
  // Stops listening (connections are refused) until the next Start.
  void Stop();
  int port() const;
  // "http://127.0.0.1:{port}{path}".
  std::string Url(const std::string& path) const;

  // While held, requests are recorded and their answers wait until Release() (at most 30 s). Then they get 200.
  void Hold();
  void Release();

  std::vector<Request> requests() const;
  // Waits until `done(requests())` holds, at most `timeout`; whether it held.
  bool WaitFor(const std::function<bool(const std::vector<Request>&)>& done, absl::Duration timeout) const;

 private:
  const std::map<std::string, std::string> secrets_;
  mutable absl::Mutex mu_;
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

class SmtpReceiver {
 public:
  struct Mail {
    std::string mail_from;
    std::vector<std::string> recipients;
    std::string data;  // The message as received (dot-stuffing undone), headers and body.
    std::string message_id;
  };

  SmtpReceiver() = default;
  ~SmtpReceiver();  // Stop().

  // Listens on 127.0.0.1 on a free port. INTERNAL when it cannot.
  absl::Status Start();
  void Stop();
  int port() const { return port_; }

  std::vector<Mail> mails() const;
  bool WaitFor(const std::function<bool(const std::vector<Mail>&)>& done, absl::Duration timeout) const;

 private:
  void Serve();
  void Converse(int connection);

  int listener_ = -1;
  int port_ = 0;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Mail> mails_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// HMAC-SHA256(secret, body) as "sha256=<hex>", with OpenSSL.
std::string ExpectedSignature(const std::string& secret, const std::string& body);

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_NOTIFICATION_RECEIVERS_H_
