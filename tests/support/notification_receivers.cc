#include "tests/support/notification_receivers.h"

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace ketenbeeld::testing {

std::string ExpectedSignature(const std::string& secret, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  return absl::StrCat("sha256=",
                      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length)));
}

// --- WebhookReceiver ---

WebhookReceiver::WebhookReceiver(std::map<std::string, std::string> secrets) : secrets_(std::move(secrets)) {}

WebhookReceiver::~WebhookReceiver() {
  Release();
  Stop();
}

absl::Status WebhookReceiver::Start(int port) {
  Stop();
  server_ = std::make_unique<httplib::Server>();
  server_->Post(R"(/.*)", [this](const httplib::Request& request, httplib::Response& response) {
    Request recorded{.path = request.path,
                     .idempotency_key = request.get_header_value("Idempotency-Key"),
                     .notification_id = request.get_header_value("X-Ketenbeeld-Notification"),
                     .signature = request.get_header_value("X-Ketenbeeld-Signature"),
                     .body = request.body,
                     .signature_valid = false};
    const auto secret = secrets_.find(request.path);
    recorded.signature_valid =
        secret != secrets_.end() && recorded.signature == ExpectedSignature(secret->second, request.body);
    absl::MutexLock lock(&mu_);
    requests_.push_back(std::move(recorded));
    // Held: answer only when released (bounded, so a forgotten Release cannot hang the test).
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](bool* held) { return !*held; }, &held_),
                         absl::Seconds(30));
    response.status = 200;
    response.set_content("{}", "application/json");
  });
  int wanted = port;
  {
    absl::MutexLock lock(&mu_);
    if (wanted == 0) wanted = port_;
  }
  int bound = 0;
  if (wanted == 0) {
    bound = server_->bind_to_any_port("127.0.0.1");
  } else {
    bound = server_->bind_to_port("127.0.0.1", wanted) ? wanted : -1;
  }
  if (bound <= 0) return absl::InternalError(absl::StrCat("webhook receiver: cannot bind 127.0.0.1:", wanted));
  {
    absl::MutexLock lock(&mu_);
    port_ = bound;
  }
  thread_ = std::thread([server = server_.get()] { server->listen_after_bind(); });
  // The socket listens already (bind_to_port); wait (bounded) until the accept loop runs, so that Stop() finds it.
  for (int i = 0; i < 500 && !server_->is_running(); ++i) absl::SleepFor(absl::Milliseconds(2));
  return absl::OkStatus();
}

void WebhookReceiver::Stop() {
  if (server_ == nullptr) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

int WebhookReceiver::port() const {
  absl::MutexLock lock(&mu_);
  return port_;
}

std::string WebhookReceiver::Url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", port(), path);
}

void WebhookReceiver::Hold() {
  absl::MutexLock lock(&mu_);
  held_ = true;
}

void WebhookReceiver::Release() {
  absl::MutexLock lock(&mu_);
  held_ = false;
}

std::vector<WebhookReceiver::Request> WebhookReceiver::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

bool WebhookReceiver::WaitFor(const std::function<bool(const std::vector<Request>&)>& done,
                              absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (done(requests())) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

// --- SmtpReceiver ---

namespace {

bool SendAll(int socket, absl::string_view text) {
  while (!text.empty()) {
    const ssize_t sent = ::send(socket, text.data(), text.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    text.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

// Reads one CRLF-terminated line (without it) into `line`, keeping what follows in `buffer`. False on EOF, error or
// the socket's receive timeout.
bool ReadLine(int socket, std::string& buffer, std::string& line) {
  while (true) {
    const size_t end = buffer.find("\r\n");
    if (end != std::string::npos) {
      line = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      return true;
    }
    if (buffer.size() > (size_t{1} << 20)) return false;
    char chunk[4096];
    const ssize_t n = ::recv(socket, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

std::string MessageIdOf(const std::string& data) {
  for (absl::string_view line : absl::StrSplit(data, "\r\n")) {
    if (absl::StartsWithIgnoreCase(line, "Message-ID:")) {
      return std::string(absl::StripAsciiWhitespace(line.substr(11)));
    }
    if (line.empty()) break;  // End of the headers.
  }
  return "";
}

}  // namespace

SmtpReceiver::~SmtpReceiver() { Stop(); }

absl::Status SmtpReceiver::Start() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener_ < 0) return absl::InternalError("smtp receiver: socket");
  const int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listener_);
    listener_ = -1;
    return absl::InternalError("smtp receiver: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { Serve(); });
  return absl::OkStatus();
}

void SmtpReceiver::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  if (listener_ >= 0) ::close(listener_);
  listener_ = -1;
}

void SmtpReceiver::Serve() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    pollfd waiting{.fd = listener_, .events = POLLIN, .revents = 0};
    if (::poll(&waiting, 1, 100) <= 0) continue;
    const int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) continue;
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    Converse(connection);
    ::close(connection);
  }
}

void SmtpReceiver::Converse(int connection) {
  std::string buffer;
  std::string line;
  Mail mail;
  if (!SendAll(connection, "220 ketenbeeld-test ESMTP\r\n")) return;
  while (ReadLine(connection, buffer, line)) {
    const std::string verb = absl::AsciiStrToUpper(line.substr(0, 4));
    if (verb == "EHLO" || verb == "HELO") {
      SendAll(connection, "250 ketenbeeld-test\r\n");
    } else if (verb == "MAIL") {
      mail = Mail{};
      mail.mail_from = line.substr(line.find(':') + 1);
      SendAll(connection, "250 OK\r\n");
    } else if (verb == "RCPT") {
      mail.recipients.push_back(line.substr(line.find(':') + 1));
      SendAll(connection, "250 OK\r\n");
    } else if (verb == "DATA") {
      SendAll(connection, "354 End data with <CR><LF>.<CR><LF>\r\n");
      std::string data;
      bool ended = false;
      while (ReadLine(connection, buffer, line)) {
        if (line == ".") {
          ended = true;
          break;
        }
        if (absl::StartsWith(line, "..")) line.erase(0, 1);
        absl::StrAppend(&data, line, "\r\n");
      }
      if (!ended) return;
      mail.data = std::move(data);
      mail.message_id = MessageIdOf(mail.data);
      {
        absl::MutexLock lock(&mu_);
        mails_.push_back(mail);
      }
      SendAll(connection, "250 OK queued\r\n");
    } else if (verb == "RSET" || verb == "NOOP") {
      SendAll(connection, "250 OK\r\n");
    } else if (verb == "QUIT") {
      SendAll(connection, "221 Bye\r\n");
      return;
    } else {
      SendAll(connection, "502 Command not implemented\r\n");
    }
  }
}

std::vector<SmtpReceiver::Mail> SmtpReceiver::mails() const {
  absl::MutexLock lock(&mu_);
  return mails_;
}

bool SmtpReceiver::WaitFor(const std::function<bool(const std::vector<Mail>&)>& done, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (done(mails())) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

}  // namespace ketenbeeld::testing
