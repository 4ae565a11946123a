#include "server/domain/endpoints.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/domain/field_checks.h"

namespace ketenbeeld::domain {
namespace {

namespace v1 = ::ketenbeeld::v1;

absl::Status Bad(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

}  // namespace

bool IsLoopbackHost(absl::string_view host) {
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::StatusOr<ParsedUrl> ParseHttpUrl(absl::string_view url) {
  ParsedUrl parsed;
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "https://")) {
    parsed.scheme = "https";
  } else if (absl::ConsumePrefix(&rest, "http://")) {
    parsed.scheme = "http";
  } else {
    return absl::InvalidArgumentError("must start with https://");
  }
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return absl::InvalidArgumentError("must not contain spaces or control characters");
    }
  }
  const size_t end = rest.find_first_of("/?#");
  const absl::string_view authority = rest.substr(0, end);
  if (absl::StrContains(authority, '@')) {
    return absl::InvalidArgumentError("must not contain a user name or password (use the endpoint's secret)");
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return absl::InvalidArgumentError("has an unterminated [IPv6] host");
    host = authority.substr(1, close - 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!absl::ConsumePrefix(&after, ":") || after.empty()) return absl::InvalidArgumentError("has a bad port");
      port = after;
    }
  } else if (const size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return absl::InvalidArgumentError("has an empty port");
  }
  if (host.empty()) return absl::InvalidArgumentError("has no host");
  if (!port.empty()) {
    int number = 0;
    if (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535) {
      return absl::InvalidArgumentError("has a port outside 1..65535");
    }
  }
  parsed.host = absl::AsciiStrToLower(host);
  parsed.loopback = IsLoopbackHost(parsed.host);
  return parsed;
}

absl::Status CheckWebhookUrl(absl::string_view url, absl::string_view field) {
  if (url.empty()) return Bad(field, "required");
  if (url.size() > kMaxUrlLength) return Bad(field, absl::StrCat("at most ", kMaxUrlLength, " characters"));
  absl::StatusOr<ParsedUrl> parsed = ParseHttpUrl(url);
  if (!parsed.ok()) return Bad(field, absl::StrCat(checks::Quote(url), " ", parsed.status().message()));
  if (parsed->scheme == "http" && !parsed->loopback) {
    return Bad(field, absl::StrCat(checks::Quote(url),
                                   " must be https:// (plain http:// only to a loopback host, for development)"));
  }
  return absl::OkStatus();
}

absl::Status CheckEmailAddress(absl::string_view address, absl::string_view field) {
  if (address.empty()) return Bad(field, "required");
  if (address.size() > kMaxNameLength) return Bad(field, absl::StrCat("at most ", kMaxNameLength, " characters"));
  for (const char c : address) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' || c == '\\') {
      return Bad(field, absl::StrCat(checks::Quote(address),
                                     " is not an e-mail address (no spaces, control characters, <>,;\" or \\)"));
    }
  }
  const size_t at = address.rfind('@');
  if (at == absl::string_view::npos || at == 0 || at + 1 == address.size() || address.find('@') != at ||
      !absl::StrContains(address.substr(at + 1), '.') || absl::EndsWith(address, ".")) {
    return Bad(field, absl::StrCat(checks::Quote(address), " is not an e-mail address (local@domain.tld)"));
  }
  return absl::OkStatus();
}

absl::Status CheckEndpoints(const v1::Contact& contact, absl::string_view path) {
  const std::string list = absl::StrCat(path, ".endpoints");
  if (contact.endpoints_size() > kMaxEndpoints) {
    return Bad(list, absl::StrCat("at most ", kMaxEndpoints, " endpoints allowed, got ", contact.endpoints_size()));
  }
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < contact.endpoints_size(); ++i) {
    const v1::ContactEndpoint& endpoint = contact.endpoints(i);
    const std::string field = absl::StrCat(list, "[", i, "]");
    if (absl::Status status = ValidateId(endpoint.id(), absl::StrCat(field, ".id")); !status.ok()) return status;
    if (!ids.insert(endpoint.id()).second) {
      return Bad(absl::StrCat(field, ".id"), absl::StrCat("duplicate endpoint id \"", endpoint.id(), "\""));
    }
    switch (endpoint.target_case()) {
      case v1::ContactEndpoint::kWebhook: {
        const v1::WebhookEndpoint& webhook = endpoint.webhook();
        KETENBEELD_RETURN_IF_ERROR(CheckWebhookUrl(webhook.url(), absl::StrCat(field, ".webhook.url")));
        const size_t length = webhook.secret().size();
        if (length != 0 && (length < kMinSecretLength || length > kMaxSecretLength)) {
          // The length only: the secret itself is never quoted.
          return Bad(absl::StrCat(field, ".webhook.secret"),
                     absl::StrCat("must be ", kMinSecretLength, "..", kMaxSecretLength, " characters, got ", length));
        }
        for (const char c : webhook.secret()) {
          if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) {
            return Bad(absl::StrCat(field, ".webhook.secret"), "must not contain control characters");
          }
        }
        break;
      }
      case v1::ContactEndpoint::kEmail:
        KETENBEELD_RETURN_IF_ERROR(
            CheckEmailAddress(endpoint.email().address(), absl::StrCat(field, ".email.address")));
        break;
      case v1::ContactEndpoint::TARGET_NOT_SET:
        return Bad(field, "needs a webhook or an email target");
    }
  }
  return absl::OkStatus();
}

absl::Status KeepSecrets(const v1::Organization* previous, v1::Organization& organization) {
  if (!organization.has_contact()) return absl::OkStatus();
  for (int i = 0; i < organization.contact().endpoints_size(); ++i) {
    v1::ContactEndpoint& endpoint = *organization.mutable_contact()->mutable_endpoints(i);
    if (!endpoint.has_webhook() || !endpoint.webhook().secret().empty()) continue;
    if (previous != nullptr) {
      for (const v1::ContactEndpoint& stored : previous->contact().endpoints()) {
        if (stored.id() == endpoint.id() && stored.has_webhook() &&
            stored.webhook().url() == endpoint.webhook().url()) {
          endpoint.mutable_webhook()->set_secret(stored.webhook().secret());
        }
      }
    }
    if (endpoint.webhook().secret().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("organization.contact.endpoints[", i,
                       "].webhook.secret: required for a new webhook endpoint or a changed "
                       "URL (",
                       kMinSecretLength, "..", kMaxSecretLength,
                       " characters); empty keeps the stored secret only for the same id and URL"));
    }
  }
  return absl::OkStatus();
}

bool HoldsSecrets(const v1::Record& record) {
  if (!record.has_organization()) return false;
  for (const v1::ContactEndpoint& endpoint : record.organization().contact().endpoints()) {
    if (endpoint.has_webhook() && !endpoint.webhook().secret().empty()) return true;
  }
  return false;
}

void StripSecrets(v1::Record& record) {
  if (!record.has_organization() || !record.organization().has_contact()) return;
  for (v1::ContactEndpoint& endpoint : *record.mutable_organization()->mutable_contact()->mutable_endpoints()) {
    if (endpoint.has_webhook()) endpoint.mutable_webhook()->clear_secret();
  }
}

}  // namespace ketenbeeld::domain
