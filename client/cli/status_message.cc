#include "client/cli/status_message.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "client/cli/messages.h"

namespace ketenbeeld::cli {
namespace {

// " (server: <message>)" or nothing.
std::string ServerSays(absl::string_view message) {
  if (message.empty()) return "";
  return absl::Substitute(Text("error.server_says"), message);
}

// The server's message, or the text of `fallback` when it sent none.
absl::string_view OrDefault(const std::string& message, absl::string_view fallback) {
  return message.empty() ? Text(fallback) : absl::string_view(message);
}

}  // namespace

std::string UserMessage(const grpc::Status& status, absl::string_view target) {
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return Tr("error.ok");
    case grpc::StatusCode::UNAVAILABLE:
      return absl::Substitute(Text("error.unavailable"), target, OrDefault(message, "error.unavailable.default"));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::StrCat(absl::Substitute(Text("error.deadline"), target), ServerSays(message));
    case grpc::StatusCode::INVALID_ARGUMENT:
      return absl::Substitute(Text("error.invalid_argument"), OrDefault(message, "error.invalid_argument.default"));
    case grpc::StatusCode::ABORTED:
      return absl::StrCat(Text("error.aborted"), ServerSays(message));
    case grpc::StatusCode::ALREADY_EXISTS:
      // The server's message names the field and who holds the value ("organization.identifiers.agb: AGB ... is
      // already held by organisation ..."): lead with it, repeating cannot help.
      return absl::Substitute(Text("error.already_exists"), OrDefault(message, "error.already_exists.default"));
    case grpc::StatusCode::NOT_FOUND:
      return absl::StrCat(Text("error.not_found"), message.empty() ? "" : ": ", message);
    case grpc::StatusCode::OUT_OF_RANGE:
      return absl::StrCat(Text("error.out_of_range"), ServerSays(message));
    case grpc::StatusCode::FAILED_PRECONDITION:
      // The server's message says which state forbids it ("incident \"x\" is INCIDENT_STATUS_CLOSED; ...",
      // "revision 3 is no longer retained; ..."): lead with it.
      return absl::Substitute(Text("error.failed_precondition"),
                              OrDefault(message, "error.failed_precondition.default"));
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return absl::StrCat(Text("error.resource_exhausted"), ServerSays(message));
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::StrCat(Text("error.permission_denied"), ServerSays(message));
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::StrCat(Text("error.unauthenticated"), ServerSays(message));
    case grpc::StatusCode::UNIMPLEMENTED:
      return absl::StrCat(absl::Substitute(Text("error.unimplemented"), target), ServerSays(message));
    case grpc::StatusCode::CANCELLED:
      return absl::StrCat(Text("error.cancelled"), message.empty() ? "" : ": ", message);
    default:
      return absl::StrCat(absl::Substitute(Text("error.other"), static_cast<int>(status.error_code())),
                          message.empty() ? "" : ": ", message);
  }
}

std::string UserMessage(const absl::Status& status, absl::string_view target) {
  return UserMessage(grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message())), target);
}

}  // namespace ketenbeeld::cli
