#include "client/cli/status_message.h"

#include "absl/strings/str_cat.h"

namespace ketenbeeld::cli {
namespace {

// " (server: <message>)" or nothing.
std::string ServerSays(absl::string_view message) {
  if (message.empty()) return "";
  return absl::StrCat(" (server: ", message, ")");
}

}  // namespace

std::string UserMessage(const grpc::Status& status, absl::string_view target) {
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return "ok";
    case grpc::StatusCode::UNAVAILABLE:
      return absl::StrCat("cannot reach the server at ", target, ": ", message.empty() ? "unavailable" : message,
                          " — is ketenbeeld-server running?");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::StrCat("the server at ", target,
                          " did not answer in time (see --timeout); a write may or may not have been applied: "
                          "check with `ketenbeeld get` before retrying",
                          ServerSays(message));
    case grpc::StatusCode::INVALID_ARGUMENT:
      return absl::StrCat("the server rejected the request: ", message.empty() ? "invalid argument" : message);
    case grpc::StatusCode::ABORTED:
      return absl::StrCat("someone else changed this record first (compare-and-set): reread and retry",
                          ServerSays(message));
    case grpc::StatusCode::ALREADY_EXISTS:
      // The server's message names the field and who holds the value ("organization.identifiers.agb: AGB ... is
      // already held by organisation ..."): lead with it, repeating cannot help.
      return absl::StrCat("already taken: ", message.empty() ? "already exists" : message);
    case grpc::StatusCode::NOT_FOUND:
      return absl::StrCat("not found", message.empty() ? "" : ": ", message);
    case grpc::StatusCode::OUT_OF_RANGE:
      return absl::StrCat("revision out of range: the server is not that far yet", ServerSays(message));
    case grpc::StatusCode::FAILED_PRECONDITION:
      // The server's message says which state forbids it ("incident \"x\" is INCIDENT_STATUS_CLOSED; ...",
      // "revision 3 is no longer retained; ..."): lead with it.
      return absl::StrCat("not possible in the current state: ", message.empty() ? "failed precondition" : message);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return absl::StrCat("too large or too much: the request or answer is over the server's limit",
                          ServerSays(message));
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::StrCat("permission denied: your organisation or role may not do this", ServerSays(message));
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::StrCat("not authenticated: check your client certificate or token", ServerSays(message));
    case grpc::StatusCode::UNIMPLEMENTED:
      return absl::StrCat("the server at ", target, " does not offer this call (is it a ketenbeeld server of ",
                          "a matching version?)", ServerSays(message));
    case grpc::StatusCode::CANCELLED:
      return absl::StrCat("cancelled", message.empty() ? "" : ": ", message);
    default:
      return absl::StrCat("server error (code ", static_cast<int>(status.error_code()), ")",
                          message.empty() ? "" : ": ", message);
  }
}

std::string UserMessage(const absl::Status& status, absl::string_view target) {
  return UserMessage(grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message())), target);
}

}  // namespace ketenbeeld::cli
