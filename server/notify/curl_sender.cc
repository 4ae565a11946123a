#include "server/notify/curl_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/base/call_once.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/domain/endpoints.h"
#include "server/notify/message.h"
#include "server/notify/signing.h"

namespace ketenbeeld::notify {
namespace {

namespace v1 = ::ketenbeeld::v1;

void GlobalInit() {
  static absl::once_flag once;
  absl::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using ListPtr = std::unique_ptr<curl_slist, ListDeleter>;

// Answers are not read: at most this much is taken from a receiver before the transfer is cut off.
constexpr size_t kMaxAnswerBytes = 64 * 1024;

size_t Discard(char*, size_t size, size_t count, void* taken) {
  size_t& total = *static_cast<size_t*>(taken);
  total += size * count;
  return total > kMaxAnswerBytes ? 0 : size * count;
}

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  Upload& upload = *static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload.data->size() - upload.offset);
  std::memcpy(buffer, upload.data->data() + upload.offset, n);
  upload.offset += n;
  return n;
}

// The host of "scheme://host[:port][/...]", lowercase, without brackets.
std::string HostOf(absl::string_view url) {
  const size_t scheme = url.find("://");
  absl::string_view rest = scheme == absl::string_view::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (absl::ConsumePrefix(&rest, "[")) return absl::AsciiStrToLower(rest.substr(0, rest.find(']')));
  return absl::AsciiStrToLower(rest.substr(0, rest.rfind(':')));
}

SendResult Transient(std::string error) {
  return SendResult{.result = domain::AttemptResult::kTransientFailure, .error = std::move(error)};
}
SendResult Permanent(std::string error) {
  return SendResult{.result = domain::AttemptResult::kPermanentFailure, .error = std::move(error)};
}

void CommonOptions(CURL* handle, const CurlSender::Options& options, char* error_buffer) {
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // Several threads send at once.
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(options.attempt_timeout)));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options.attempt_timeout)));
  // No proxy from the environment: a notification goes to the registered address only.
  curl_easy_setopt(handle, CURLOPT_PROXY, "");
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options.ca_file.c_str());
}

std::string CurlError(CURLcode code, const char* error_buffer) {
  return error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(code));
}

}  // namespace

absl::Status CurlSender::CheckOptions(const Options& options) {
  if (!options.smtp_url.empty()) {
    if (!absl::StartsWith(options.smtp_url, "smtp://") && !absl::StartsWith(options.smtp_url, "smtps://")) {
      return absl::InvalidArgumentError(
          absl::StrCat("notifications.smtp_url: must start with smtp:// or smtps://, got \"", options.smtp_url, "\""));
    }
    if (HostOf(options.smtp_url).empty()) {
      return absl::InvalidArgumentError("notifications.smtp_url: has no host");
    }
    if (options.from.empty()) {
      return absl::InvalidArgumentError("notifications.smtp_from: required when notifications.smtp_url is set");
    }
  }
  if (options.from.empty()) return absl::OkStatus();
  return domain::CheckEmailAddress(options.from, "notifications.smtp_from");
}

CurlSender::CurlSender(Options options) : options_(std::move(options)) { GlobalInit(); }

SendResult CurlSender::Send(const v1::Notification& notification, const v1::ContactEndpoint& endpoint) {
  switch (endpoint.target_case()) {
    case v1::ContactEndpoint::kWebhook:
      return PostWebhook(notification, endpoint.webhook());
    case v1::ContactEndpoint::kEmail:
      return SendEmail(notification, endpoint.email());
    case v1::ContactEndpoint::TARGET_NOT_SET:
      break;
  }
  return Permanent("the endpoint has no target");
}

SendResult CurlSender::PostWebhook(const v1::Notification& notification, const v1::WebhookEndpoint& webhook) const {
  if (absl::Status url = domain::CheckWebhookUrl(webhook.url(), "url"); !url.ok()) {
    return Permanent(std::string(url.message()));
  }
  CurlPtr handle(curl_easy_init());
  if (handle == nullptr) return Transient("curl_easy_init failed");
  char error_buffer[CURL_ERROR_SIZE] = {};
  CommonOptions(handle.get(), options_, error_buffer);
  const std::string body = WebhookBody(notification);
  curl_slist* raw = nullptr;
  for (const std::string& header :
       {std::string("Content-Type: application/json"),
        absl::StrCat("Idempotency-Key: ", notification.idempotency_key()),
        absl::StrCat(kSignatureHeader, ": ", SignatureHeaderValue(webhook.secret(), body)),
        absl::StrCat("X-Ketenbeeld-Notification: ", notification.id()), std::string("Expect:")}) {
    raw = curl_slist_append(raw, header.c_str());
  }
  ListPtr headers(raw);
  size_t taken = 0;
  curl_easy_setopt(handle.get(), CURLOPT_URL, webhook.url().c_str());
  curl_easy_setopt(handle.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle.get(), CURLOPT_USERAGENT, "ketenbeeld-server");
  curl_easy_setopt(handle.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(handle.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(handle.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(handle.get(), CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(handle.get(), CURLOPT_WRITEDATA, &taken);
  const CURLcode code = curl_easy_perform(handle.get());
  long status = 0;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &status);
  if (code != CURLE_OK && status == 0) return Transient(CurlError(code, error_buffer));
  if (status >= 200 && status < 300) return SendResult{.result = domain::AttemptResult::kDelivered, .error = ""};
  const std::string error = absl::StrCat("HTTP ", status);
  if (status == 408 || status == 429 || status >= 500) return Transient(error);
  if (status >= 300 && status < 400) return Permanent(absl::StrCat(error, ": redirects are not followed"));
  return Permanent(error);
}

SendResult CurlSender::SendEmail(const v1::Notification& notification, const v1::EmailEndpoint& email) const {
  if (options_.smtp_url.empty()) return Transient("no SMTP server configured (notifications.smtp_url)");
  if (absl::Status address = domain::CheckEmailAddress(email.address(), "address"); !address.ok()) {
    return Permanent(std::string(address.message()));
  }
  CurlPtr handle(curl_easy_init());
  if (handle == nullptr) return Transient("curl_easy_init failed");
  char error_buffer[CURL_ERROR_SIZE] = {};
  CommonOptions(handle.get(), options_, error_buffer);
  v1::Notification addressed = notification;
  addressed.set_destination(email.address());
  const std::string message = EmailMessage(addressed, options_.from);
  Upload upload{.data = &message, .offset = 0};
  ListPtr recipients(curl_slist_append(nullptr, absl::StrCat("<", email.address(), ">").c_str()));
  const std::string from = absl::StrCat("<", options_.from, ">");
  const bool smtps = absl::StartsWith(options_.smtp_url, "smtps://");
  curl_easy_setopt(handle.get(), CURLOPT_URL, options_.smtp_url.c_str());
  curl_easy_setopt(handle.get(), CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // TLS always, but to a relay on this machine (which nothing on the network sees) STARTTLS is taken when offered.
  curl_easy_setopt(
      handle.get(), CURLOPT_USE_SSL,
      static_cast<long>(!smtps && domain::IsLoopbackHost(HostOf(options_.smtp_url)) ? CURLUSESSL_TRY : CURLUSESSL_ALL));
  curl_easy_setopt(handle.get(), CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(handle.get(), CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(handle.get(), CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(handle.get(), CURLOPT_READDATA, &upload);
  curl_easy_setopt(handle.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(handle.get(), CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  const CURLcode code = curl_easy_perform(handle.get());
  long status = 0;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &status);
  if (code == CURLE_OK) return SendResult{.result = domain::AttemptResult::kDelivered, .error = ""};
  const std::string error =
      status != 0 ? absl::StrCat("SMTP ", status, ": ", CurlError(code, error_buffer)) : CurlError(code, error_buffer);
  if (status >= 500 && status < 600) return Permanent(error);
  return Transient(error);
}

}  // namespace ketenbeeld::notify
