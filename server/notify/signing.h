// The signature of a webhook's body: HMAC-SHA256 keyed with the endpoint's secret, sent as
// `X-Ketenbeeld-Signature: sha256=<64 lowercase hex digits>` (the form GitHub's and many other webhooks use, so
// receivers have code for it). The receiver computes the same over the raw body it got and compares in constant
// time; a body changed on the way, or sent by anyone without the secret, does not verify.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_SERVER_NOTIFY_SIGNING_H_
#define KETENBEELD_SERVER_NOTIFY_SIGNING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace ketenbeeld::notify {

inline constexpr absl::string_view kSignatureHeader = "X-Ketenbeeld-Signature";

// HMAC-SHA256(secret, body) as 64 lowercase hex digits.
std::string HmacSha256Hex(absl::string_view secret, absl::string_view body);

// The header's value: "sha256=" + HmacSha256Hex(secret, body).
std::string SignatureHeaderValue(absl::string_view secret, absl::string_view body);

// Whether `header_value` is the signature of `body` under `secret`; compares in constant time.
bool VerifySignature(absl::string_view secret, absl::string_view body, absl::string_view header_value);

}  // namespace ketenbeeld::notify

#endif  // KETENBEELD_SERVER_NOTIFY_SIGNING_H_
