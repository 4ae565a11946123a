// The JSON API of the HTTP gateway: every unary RPC of the gRPC services, called with its request message in
// protobuf's JSON mapping and answered with its response message in the same mapping. There is no second data model:
// requests are parsed into the generated ketenbeeld.v1 messages (JsonStringToMessage) and handed to the same
// service layer the gRPC handlers call (server/service/operations.h), on behalf of the same kind of identity, so
// access rules, redaction, validation, status codes and messages are identical on both transports.
//
// Methods are named like gRPC's: "ketenbeeld.v1.PictureService/ReportStatus". Output uses the proto field names
// (`overall_status`, `surge_24h`), the same names that INVALID_ARGUMENT messages start with
// ("report.capacity[2].available: ..."); input accepts both proto and lowerCamelCase names. int64 values are JSON
// strings and enums their names, as the mapping prescribes. Fields that are not set (proto3 `optional` counts that
// are not reported, empty strings) are left out: not reported is never printed as zero.
//
// Errors: INVALID_ARGUMENT for JSON that does not parse into the request message (message starts with "request:"),
// and whatever the service layer returns. Call() blocks the calling thread until a write is durable or refused.
//
// Thread safety: Call() may be called concurrently from any thread.
#ifndef KETENBEELD_SERVER_HTTP_JSON_API_H_
#define KETENBEELD_SERVER_HTTP_JSON_API_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/message.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "server/security/identity.h"
#include "server/service/operations.h"

namespace ketenbeeld::http {

class JsonApi {
 public:
  // `operations` must outlive the API.
  explicit JsonApi(service::Operations& operations);

  // Calls `method` ("ketenbeeld.v1.AlertService/AcknowledgeAlert") with the JSON request `body` on behalf of
  // `caller`; returns the response as JSON. NOT_FOUND (message starting "method:") for a method the API does not
  // have; otherwise see the file comment.
  absl::StatusOr<std::string> Call(absl::string_view method, absl::string_view body,
                                   const security::Identity& caller) const;
  // The same with `regions`, the gateway's `region` query parameters (POST /api/...?region=VR10&region=VR11): added
  // to the request's `safety_regions` before the call, for a method whose request has that field (the capacity
  // overview, the gap report, FindCapacity, the continuity timeline: a link can carry a region filter). For any other
  // method they are INVALID_ARGUMENT naming `region`; empty `regions` is the call above.
  absl::StatusOr<std::string> Call(absl::string_view method, absl::string_view body, const security::Identity& caller,
                                   absl::Span<const std::string> regions) const;

  // Every method, sorted.
  std::vector<std::string> Methods() const;

 private:
  using Handler = std::function<absl::StatusOr<std::string>(absl::string_view body, const security::Identity& caller)>;
  absl::flat_hash_map<std::string, Handler> handlers_;
};

// The JSON of `message` as the API prints it (proto field names, single line).
std::string ToJson(const google::protobuf::Message& message);
// Parses `json` into `message` (proto or lowerCamelCase names; unknown fields are an error). An empty body is the
// empty message. INVALID_ARGUMENT "request: ..." when it does not parse.
absl::Status FromJson(absl::string_view json, google::protobuf::Message& message);

// An error as the gateway answers it.
struct HttpError {
  int http_status = 500;
  // {"code":"INVALID_ARGUMENT","message":"report.capacity[2].available: ...","field":"report.capacity[2].available"}
  // `field` only for INVALID_ARGUMENT and ALREADY_EXISTS messages that start with a field path.
  std::string body;
};
// The HTTP status follows google.rpc.Code's documented mapping (INVALID_ARGUMENT 400, NOT_FOUND 404, ABORTED 409,
// ALREADY_EXISTS 409, FAILED_PRECONDITION 400, OUT_OF_RANGE 400, RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, ...).
HttpError ToHttpError(const absl::Status& status);
int HttpStatusOf(absl::StatusCode code);
// The field path an INVALID_ARGUMENT message starts with ("report.capacity[2].available"), or "" when it names none.
std::string FieldPathOf(absl::string_view message);

}  // namespace ketenbeeld::http

#endif  // KETENBEELD_SERVER_HTTP_JSON_API_H_
