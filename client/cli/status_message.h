// Turning a failed call into a message a crisis coordinator (or an operator at 3 a.m.) can act on.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_CLIENT_CLI_STATUS_MESSAGE_H_
#define KETENBEELD_CLIENT_CLI_STATUS_MESSAGE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace ketenbeeld::cli {

// A one-line explanation of `status` for a call to the server at `target`, e.g.
//   UNAVAILABLE:       cannot reach the server at 127.0.0.1:50051: failed to connect — is ketenbeeld-server running?
//   INVALID_ARGUMENT:  the server rejected the request: report.capacity[2].available: must be 0..100000
//   ABORTED:           someone else changed this record first (compare-and-set): reread and retry (...)
//   FAILED_PRECONDITION: not possible in the current state: incident "x" is INCIDENT_STATUS_CLOSED; ...
// The server's own message is always kept: it names the field or the revision. In the CLI's language (messages.h);
// the server's message stays as the server sent it.
std::string UserMessage(const grpc::Status& status, absl::string_view target);

// The same for a status already converted to absl::Status (same codes).
std::string UserMessage(const absl::Status& status, absl::string_view target);

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_STATUS_MESSAGE_H_
