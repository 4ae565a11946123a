#include "server/http/gateway.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "base/work_pool.h"
#include "ketenbeeld/v1/interop_service.pb.h"
#include "nlohmann/json.hpp"
#include "server/domain/field_checks.h"
#include "server/domain/validation.h"
#include "server/http/assets.h"
#include "server/http/enums.h"
#include "server/http/header_deadline.h"
#include "server/http/identity.h"
#include "server/http/json_api.h"
#include "server/observability/log.h"

namespace ketenbeeld::http {
namespace {

constexpr char kJson[] = "application/json";
constexpr char kSubscribePath[] = "/api/ketenbeeld.v1.PictureService/Subscribe";
// FHIR R4 reads: GET /api/fhir/<type>/<id> (InteropService.ExportFhir), answered as application/fhir+json.
constexpr char kFhirPrefix[] = "/api/fhir/";
constexpr char kFhirJson[] = "application/fhir+json";
// Bytes the event loop asks a feed for at a time; a larger frame is written in several turns.
constexpr size_t kFeedBlockBytes = 64 * 1024;

// On every answer: no framing by another site (clickjacking of the form), no type sniffing, no referrer leaving with a
// token in the URL. The pages also get a content security policy (ContentSecurityPolicy).
constexpr std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"X-Frame-Options", "DENY"}, {"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "no-referrer"}};

// Scripts, styles and connections only from the gateway itself, so text that slipped past escaping still cannot run.
// Inline style attributes stay allowed (the form and the map library use them). Images also from the map's tile
// server, `tile_source` (MapTileSource; "" for none), and from nowhere else.
std::string ContentSecurityPolicy(absl::string_view tile_source) {
  return absl::StrCat("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
                      tile_source.empty() ? "" : " ", tile_source,
                      "; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                      "frame-ancestors 'none'");
}

// "host:port" -> {host without brackets, port}; false when malformed.
bool SplitHostPort(absl::string_view address, std::string& host, int& port) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return false;
  }
  absl::string_view host_part = address.substr(0, colon);
  absl::ConsumePrefix(&host_part, "[");
  absl::ConsumeSuffix(&host_part, "]");
  host = std::string(host_part);
  return !host.empty();
}

// Exactly the loopback names: "localhost", "::1", or an IPv4 address in 127.0.0.0/8 written out in full. Not any name
// that begins with "127." ("127.evil.example" resolves wherever its owner wants: DNS rebinding).
bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr address{};
  return ::inet_pton(AF_INET, std::string(host).c_str(), &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

// The host of a Host header ("127.0.0.1:8080", "[::1]:8080", "localhost"), without port and brackets.
std::string HostOfHeader(absl::string_view header) {
  if (absl::ConsumePrefix(&header, "[")) return std::string(header.substr(0, header.find(']')));
  return std::string(header.substr(0, header.find(':')));
}

// A listening TCP socket on `host`:`port` (a loopback address; "localhost" is 127.0.0.1), with SO_REUSEADDR only (a
// restarted server can bind at once) and not SO_REUSEPORT (a second server must not bind the same port without an
// error). -1 when it cannot be bound.
int Listen(const std::string& host, int port) {
  sockaddr_storage address{};
  socklen_t length = 0;
  if (host == "::1") {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    v6->sin6_addr = in6addr_loopback;
    length = sizeof(sockaddr_in6);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &v4->sin_addr) != 1) return -1;
    length = sizeof(sockaddr_in);
  }
  const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return -1;
  return address.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port)
                                       : ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

// An answer, before it is handed to the server library.
struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = kJson;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

Reply MakeReply(int status, std::string body, Headers headers = {}, std::string content_type = kJson) {
  return Reply{.status = status,
               .body = std::move(body),
               .content_type = std::move(content_type),
               .headers = std::move(headers)};
}

Reply ErrorReply(const absl::Status& status) {
  HttpError error = ToHttpError(status);
  return MakeReply(error.http_status, std::move(error.body));
}

// A refusal of a FHIR read as FHIR's OperationOutcome, with the HTTP status the JSON API gives the same code.
Reply FhirErrorReply(const absl::Status& status) {
  const char* issue = "exception";
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      issue = "not-found";
      break;
    case absl::StatusCode::kInvalidArgument:
      issue = "invalid";
      break;
    case absl::StatusCode::kPermissionDenied:
      issue = "forbidden";
      break;
    case absl::StatusCode::kUnauthenticated:
      issue = "login";
      break;
    case absl::StatusCode::kResourceExhausted:
      issue = "throttled";
      break;
    default:
      break;
  }
  nlohmann::ordered_json outcome = {
      {"resourceType", "OperationOutcome"},
      {"issue", nlohmann::ordered_json::array({nlohmann::ordered_json{
                    {"severity", "error"}, {"code", issue}, {"diagnostics", std::string(status.message())}}})}};
  return MakeReply(ToHttpError(status).http_status,
                   outcome.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n", {}, kFhirJson);
}

// The ExportFhir request of a FHIR read path "<type>/<id>" (after /api/fhir/): MeasureReport/<organisation id> or
// MeasureReport/<region code "VR10">, Organization/<organisation id>, Location/<organisation id>.<location id>.
// NOT_FOUND for a path that names nothing we serve (the ids themselves are checked by the service).
absl::StatusOr<ketenbeeld::v1::ExportFhirRequest> FhirReadOf(absl::string_view path) {
  const size_t slash = path.find('/');
  if (slash == absl::string_view::npos || slash + 1 == path.size()) {
    return absl::NotFoundError(absl::StrCat("path: a FHIR read is /api/fhir/<type>/<id>, not /api/fhir/", path));
  }
  const absl::string_view type = path.substr(0, slash);
  const absl::string_view id = path.substr(slash + 1);
  ketenbeeld::v1::ExportFhirRequest request;
  if (type == "MeasureReport") {
    request.set_resource_type(ketenbeeld::v1::FHIR_RESOURCE_TYPE_MEASURE_REPORT);
    // Organisation ids are lower case; region codes ("VR10") are not.
    if (absl::StartsWith(id, "VR")) {
      request.set_safety_region(std::string(id));
    } else {
      request.set_organization_id(std::string(id));
    }
  } else if (type == "Organization") {
    request.set_resource_type(ketenbeeld::v1::FHIR_RESOURCE_TYPE_ORGANIZATION);
    request.set_organization_id(std::string(id));
  } else if (type == "Location") {
    request.set_resource_type(ketenbeeld::v1::FHIR_RESOURCE_TYPE_LOCATION);
    const size_t dot = id.find('.');
    if (dot == absl::string_view::npos) {
      return absl::NotFoundError(
          absl::StrCat("path: a Location id is <organisation id>.<location id>, not \"", id, "\""));
    }
    request.set_organization_id(std::string(id.substr(0, dot)));
    request.set_location_id(std::string(id.substr(dot + 1)));
  } else {
    return absl::NotFoundError(
        absl::StrCat("path: FHIR resource type \"", type, "\" is not served (MeasureReport, Organization, Location)"));
  }
  return request;
}

void AddSecurityHeaders(MHD_Response* response, const std::string& content_security_policy) {
  for (const auto& [name, value] : kSecurityHeaders) MHD_add_response_header(response, name, value);
  MHD_add_response_header(response, "Content-Security-Policy", content_security_policy.c_str());
}

MHD_Result SendWithPolicy(MHD_Connection* connection, const Reply& reply, const std::string& content_security_policy) {
  MHD_Response* response =
      MHD_create_response_from_buffer(reply.body.size(), const_cast<char*>(reply.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;  // Out of memory: the connection is closed.
  AddSecurityHeaders(response, content_security_policy);
  MHD_add_response_header(response, "Content-Type", reply.content_type.c_str());
  for (const auto& [name, value] : reply.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
  const MHD_Result queued = MHD_queue_response(connection, static_cast<unsigned int>(reply.status), response);
  MHD_destroy_response(response);
  return queued;
}

// A header or query parameter; nullopt when absent.
std::optional<std::string> Lookup(MHD_Connection* connection, MHD_ValueKind kind, const char* name) {
  const char* value = MHD_lookup_connection_value(connection, kind, name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string HeaderOr(MHD_Connection* connection, const char* name) {
  return Lookup(connection, MHD_HEADER_KIND, name).value_or("");
}

// `query_token`: whether the `access_token` query parameter counts (the live feed only: EventSource cannot set
// headers). Elsewhere a token belongs in the Authorization header; in a URL it ends up in proxy and access logs.
CallerInfo CallerOf(MHD_Connection* connection, bool query_token) {
  CallerInfo caller;
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info != nullptr && info->client_addr != nullptr) {
    char text[INET6_ADDRSTRLEN] = {};
    if (info->client_addr->sa_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(info->client_addr);
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
      caller.remote_port = ntohs(v6->sin6_port);
    } else {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(info->client_addr);
      ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
      caller.remote_port = ntohs(v4->sin_port);
    }
    caller.remote_address = text;
  }
  MHD_get_connection_values(
      connection, MHD_HEADER_KIND,
      +[](void* headers, MHD_ValueKind, const char* name, const char* value) {
        static_cast<decltype(CallerInfo::headers)*>(headers)->emplace(absl::AsciiStrToLower(name),
                                                                      value == nullptr ? "" : value);
        return MHD_YES;
      },
      &caller.headers);
  if (query_token) caller.access_token = Lookup(connection, MHD_GET_ARGUMENT_KIND, "access_token").value_or("");
  return caller;
}

}  // namespace

struct Gateway::Impl {
  // One request, from its first header to its completion (MHD's per-request context).
  struct Request {
    std::string body;
    bool too_large = false;
    bool call_submitted = false;
    // The call's place in its identity's budget, from admission until the answer has gone out (OnCompleted).
    std::unique_ptr<policy::CallBudget::Lease> lease;
    absl::Mutex mu;
    std::optional<Reply> reply ABSL_GUARDED_BY(mu);  // A call's answer, set on a call thread.

    // Sets the suspended call's answer and resumes its connection, whose handler then sends it (OnRequest). From
    // here the answer counts in its identity's budget as unsent, until it has gone out.
    void Answer(MHD_Connection* connection, Reply answer) {
      if (lease != nullptr) lease->Answered(answer.body.size());
      {
        absl::MutexLock lock(&mu);
        reply = std::move(answer);
      }
      MHD_resume_connection(connection);
    }
  };
  // A live feed's answer: the stream and the frame being written.
  struct Feed {
    Impl* impl;
    MHD_Connection* connection;
    std::shared_ptr<EventStream> stream;
    std::string frame;
    size_t written = 0;
  };

  Impl(const GatewayOptions& gateway_options, GatewayDependencies dependencies)
      : options(gateway_options),
        deps(dependencies),
        api(deps.operations),
        calls(WorkPool::Options{.threads = options.call_threads,
                                .queue = options.max_queued_calls,
                                .per_caller = options.calls_per_identity,
                                .limit = "gateway calls",
                                .tasks = "calls"}),
        header_deadlines(options.header_timeout) {}

  // MHD callbacks.
  static MHD_Result OnRequest(void* impl, MHD_Connection* connection, const char* url, const char* method,
                              const char* version, const char* upload_data, size_t* upload_data_size, void** request);
  static void OnCompleted(void* impl, MHD_Connection* connection, void** request, MHD_RequestTerminationCode code);
  static void OnConnection(void* impl, MHD_Connection* connection, void** socket_context,
                           MHD_ConnectionNotificationCode code);
  static ssize_t ReadFeed(void* feed, uint64_t position, char* buffer, size_t max);
  static void FreeFeed(void* feed);

  // Queues `reply` with the security headers.
  MHD_Result Send(MHD_Connection* connection, const Reply& reply) const {
    return SendWithPolicy(connection, reply, content_security_policy);
  }
  // The request is complete (headers, and the body of a POST): answer it.
  MHD_Result Route(MHD_Connection* connection, absl::string_view url, absl::string_view method, Request& request);
  // The checks every request passes before routing; the refusal when it does not.
  std::optional<Reply> Admit(MHD_Connection* connection, absl::string_view method);
  Reply Health();
  MHD_Result StartCall(MHD_Connection* connection, absl::string_view url, Request& request);
  // Admits the caller (bearer token; not in the URL) and runs `answer` for it on the call pool, with the connection
  // suspended until the reply is set. `refuse` turns a refusal before that into the reply (JSON API or FHIR).
  MHD_Result Submit(MHD_Connection* connection, Request& request, Reply (*refuse)(const absl::Status&),
                    std::function<Reply(const security::Identity&)> answer);
  MHD_Result StartFeed(MHD_Connection* connection);
  // Registers a live feed of `identity` (its limit key; empty in development mode): UNAVAILABLE when all slots are
  // taken or the gateway is stopping, RESOURCE_EXHAUSTED when this identity holds its share.
  absl::Status AddStream(const std::shared_ptr<EventStream>& stream, const std::string& identity);
  void RemoveStream(const EventStream* stream);

  const GatewayOptions options;
  const GatewayDependencies deps;
  const JsonApi api;
  EventJsonCache json_cache;
  WorkPool calls;
  // Cuts off connections whose request headers take longer than options.header_timeout in all (slowloris).
  HeaderDeadlines header_deadlines;
  MHD_Daemon* daemon = nullptr;
  // Set in Start, before the first request: the pages' policy (with the tile server) and GET /api/map's answer.
  std::string content_security_policy;
  std::string map_json;
  std::string host;
  int port = 0;

  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  int calls_in_flight ABSL_GUARDED_BY(mu) = 0;  // Submitted and not yet completed.
  std::vector<std::shared_ptr<EventStream>> streams ABSL_GUARDED_BY(mu);
  // The limit key of each stream's identity ("" in development mode), and how many streams each key holds.
  absl::flat_hash_map<const EventStream*, std::string> stream_identities ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, int> streams_per_identity ABSL_GUARDED_BY(mu);
};

MHD_Result Gateway::Impl::OnRequest(void* impl_pointer, MHD_Connection* connection, const char* url, const char* method,
                                    const char* /*version*/, const char* upload_data, size_t* upload_data_size,
                                    void** request_pointer) {
  Impl& impl = *static_cast<Impl*>(impl_pointer);
  auto* request = static_cast<Request*>(*request_pointer);
  if (request == nullptr) {  // The headers are in; a body may follow.
    impl.header_deadlines.Disarm(connection);
    request = new Request();
    *request_pointer = request;
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    // Read to the end and refuse it then: answering in the middle of a body leaves the client writing into a closed
    // connection, where it sees a reset instead of the 413.
    if (request->body.size() + *upload_data_size > impl.options.max_request_bytes) {
      request->too_large = true;
      request->body.clear();
    } else if (!request->too_large) {
      request->body.append(upload_data, *upload_data_size);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (request->call_submitted) {  // Resumed: the call thread has set the reply.
    std::optional<Reply> reply;
    {
      absl::MutexLock lock(&request->mu);
      reply = std::move(request->reply);
    }
    return impl.Send(connection, reply.value_or(ErrorReply(absl::InternalError("the call ended without an answer"))));
  }
  return impl.Route(connection, url, method, *request);
}

void Gateway::Impl::OnCompleted(void* impl_pointer, MHD_Connection* connection, void** request_pointer,
                                MHD_RequestTerminationCode /*code*/) {
  Impl& impl = *static_cast<Impl*>(impl_pointer);
  // On a keep-alive connection the next request's headers are due within the header timeout from now.
  impl.header_deadlines.Arm(connection);
  auto* request = static_cast<Request*>(*request_pointer);
  if (request == nullptr) return;
  if (request->call_submitted) {
    absl::MutexLock lock(&impl.mu);
    --impl.calls_in_flight;
  }
  delete request;
  *request_pointer = nullptr;
}

void Gateway::Impl::OnConnection(void* impl_pointer, MHD_Connection* connection, void** /*socket_context*/,
                                 MHD_ConnectionNotificationCode code) {
  Impl& impl = *static_cast<Impl*>(impl_pointer);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info != nullptr) impl.header_deadlines.Track(connection, info->connect_fd);
  } else {
    // libmicrohttpd closes the socket after this notification, so the watch never touches a closed descriptor.
    impl.header_deadlines.Forget(connection);
  }
}

std::optional<Reply> Gateway::Impl::Admit(MHD_Connection* connection, absl::string_view method) {
  const std::string host_header = HeaderOr(connection, "Host");
  if (!IsLoopbackHost(HostOfHeader(host_header))) {
    return ErrorReply(absl::PermissionDeniedError(absl::StrCat("host: \"", host_header,
                                                               "\" is not a loopback name; this gateway serves "
                                                               "loopback only (use 127.0.0.1, [::1] or localhost)")));
  }
  if (method == "POST") {
    if (!absl::StartsWith(HeaderOr(connection, "Content-Type"), kJson)) {
      Reply refused =
          ErrorReply(absl::InvalidArgumentError("request: send the body as Content-Type: application/json"));
      refused.status = 415;
      return refused;
    }
    std::optional<std::string> origin = Lookup(connection, MHD_HEADER_KIND, "Origin");
    if (origin.has_value() && *origin != absl::StrCat("http://", host_header) &&
        (options.public_origin.empty() || *origin != options.public_origin)) {
      return ErrorReply(
          absl::PermissionDeniedError(absl::StrCat("origin: \"", *origin, "\" may not call this gateway")));
    }
  }
  return std::nullopt;
}

Reply Gateway::Impl::Health() {
  bool serving = false;
  {
    absl::MutexLock lock(&mu);
    serving = !stopping;
  }
  // Unauthenticated: with authentication the revision is left out (it counts every write, a measure of who is active
  // when); only a development-mode server, which has no secrets, says it.
  nlohmann::json body = {{"status", serving ? "SERVING" : "NOT_SERVING"}};
  if (deps.authenticator.development_mode()) body["revision"] = absl::StrCat(deps.picture.revision());
  // The role is what a load balancer or an operator needs to find the leader; the lag says whether a follower's
  // picture is current. Neither tells who writes what.
  if (deps.replication_health) {
    const ReplicationHealth replication = deps.replication_health();
    body["role"] = replication.leader ? "leader" : "follower";
    body["lag_revisions"] = absl::StrCat(replication.lag_revisions);
    body["log_reachable"] = replication.log_reachable;
    if (!replication.log_reachable) {
      body["log_contact_age_seconds"] = absl::StrCat(replication.log_contact_age_seconds);
    }
  }
  return MakeReply(serving ? 200 : 503, body.dump());
}

MHD_Result Gateway::Impl::Route(MHD_Connection* connection, absl::string_view url, absl::string_view method,
                                Request& request) {
  if (std::optional<Reply> refused = Admit(connection, method); refused.has_value()) return Send(connection, *refused);
  if (method == "POST") {
    if (request.too_large) {
      Reply refused = ErrorReply(absl::ResourceExhaustedError("request: the body is larger than the gateway accepts"));
      refused.status = 413;
      return Send(connection, refused);
    }
    return StartCall(connection, url, request);
  }
  if (method != "GET" && method != "HEAD") {
    Reply refused = ErrorReply(absl::NotFoundError(absl::StrCat("path: nothing here: ", method, " ", url)));
    refused.status = 405;
    refused.headers.emplace_back("Allow", "GET, HEAD, POST");
    return Send(connection, refused);
  }
  if (url == "/healthz") return Send(connection, Health());
  if (url == "/api") {
    nlohmann::json methods = api.Methods();
    methods.push_back("ketenbeeld.v1.PictureService/Subscribe");
    return Send(connection, MakeReply(200, nlohmann::json({{"methods", methods}}).dump()));
  }
  if (url == "/api/enums") return Send(connection, MakeReply(200, EnumsJson(), {{"Cache-Control", "no-cache"}}));
  // Unauthenticated like the pages: the tile URL is no secret (every browser that shows the map fetches from it).
  if (url == "/api/map") return Send(connection, MakeReply(200, map_json, {{"Cache-Control", "no-cache"}}));
  if (url == kSubscribePath) return StartFeed(connection);
  if (absl::string_view path = url; absl::ConsumePrefix(&path, kFhirPrefix)) {
    absl::StatusOr<ketenbeeld::v1::ExportFhirRequest> read = FhirReadOf(path);
    if (!read.ok()) return Send(connection, FhirErrorReply(read.status()));
    return Submit(
        connection, request, FhirErrorReply, [this, read = *std::move(read)](const security::Identity& identity) {
          absl::StatusOr<ketenbeeld::v1::FhirExport> exported = deps.operations.ExportFhir(identity, read);
          if (!exported.ok()) return FhirErrorReply(exported.status());
          return MakeReply(200, std::move(*exported->mutable_json()), {{"Cache-Control", "no-store"}}, kFhirJson);
        });
  }
  std::optional<Asset> asset = FindAsset(std::string(url), options.assets_dir);
  if (!asset.has_value())
    return Send(connection, ErrorReply(absl::NotFoundError(absl::StrCat("path: no such page: ", url))));
  // Always revalidate: a new server version must never run with yesterday's script.
  return Send(connection, MakeReply(200, std::move(asset->content), {{"Cache-Control", "no-cache"}},
                                    std::move(asset->content_type)));
}

MHD_Result Gateway::Impl::StartCall(MHD_Connection* connection, absl::string_view url, Request& request) {
  absl::string_view method = url;
  const bool named = absl::ConsumePrefix(&method, "/api/") && !method.empty() &&
                     std::count(method.begin(), method.end(), '/') == 1 && method.front() != '/' &&
                     method.back() != '/' && std::all_of(method.begin(), method.end(), [](char c) {
                       return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/';
                     });
  if (!named) return Send(connection, ErrorReply(absl::NotFoundError(absl::StrCat("path: nothing here: POST ", url))));
  // `region` query parameters (?region=VR10&region=VR11): the request's safety_regions (JsonApi::Call).
  std::vector<std::string> regions;
  MHD_get_connection_values(
      connection, MHD_GET_ARGUMENT_KIND,
      +[](void* out, MHD_ValueKind, const char* name, const char* value) {
        if (name != nullptr && absl::string_view(name) == "region") {
          static_cast<std::vector<std::string>*>(out)->emplace_back(value == nullptr ? "" : value);
        }
        return MHD_YES;
      },
      &regions);
  return Submit(
      connection, request, ErrorReply,
      [this, &request, method = std::string(method), regions = std::move(regions)](const security::Identity& identity) {
        absl::StatusOr<std::string> response = api.Call(method, request.body, identity, regions);
        if (!response.ok()) return ErrorReply(response.status());
        return MakeReply(200, *std::move(response), {{"Cache-Control", "no-store"}});
      });
}

MHD_Result Gateway::Impl::Submit(MHD_Connection* connection, Request& request, Reply (*refuse)(const absl::Status&),
                                 std::function<Reply(const security::Identity&)> answer) {
  if (Lookup(connection, MHD_GET_ARGUMENT_KIND, "access_token").has_value()) {
    return Send(connection, refuse(absl::InvalidArgumentError(
                                "access_token: send the token as \"Authorization: Bearer <token>\"; in a URL it ends "
                                "up in proxy and access logs (the live feed is the exception)")));
  }
  absl::StatusOr<security::Identity> identity =
      IdentifyCaller(deps.authenticator, deps.rate, CallerOf(connection, /*query_token=*/false));
  if (!identity.ok()) return Send(connection, refuse(identity.status()));
  absl::StatusOr<std::unique_ptr<policy::CallBudget::Lease>> lease = deps.call_budget.Acquire(*identity);
  if (!lease.ok()) return Send(connection, refuse(lease.status()));
  request.lease = *std::move(lease);
  {
    absl::MutexLock lock(&mu);
    if (stopping) {
      return Send(connection, refuse(absl::UnavailableError("the server is shutting down; retry later")));
    }
    ++calls_in_flight;
  }
  request.call_submitted = true;  // From here, OnCompleted counts the call out.
  // The call may wait until a write is durable: off the event loop, with the connection suspended until it is done.
  MHD_suspend_connection(connection);
  const std::string caller_key = identity->development() ? std::string() : identity->LimitKey();
  const absl::Status submitted =
      calls.Submit(caller_key, [connection, &request, identity = *std::move(identity), answer = std::move(answer)] {
        Reply reply = answer(identity);
        request.Answer(connection, std::move(reply));
      });
  if (!submitted.ok()) {  // The pool's queue, or this identity's share of it, is full; or the gateway is stopping.
    Reply busy = refuse(submitted);
    busy.headers.emplace_back("Retry-After", "1");
    request.Answer(connection, std::move(busy));
  }
  return MHD_YES;
}

MHD_Result Gateway::Impl::StartFeed(MHD_Connection* connection) {
  absl::StatusOr<security::Identity> caller =
      IdentifyCaller(deps.authenticator, deps.rate, CallerOf(connection, /*query_token=*/true));
  if (!caller.ok()) return Send(connection, ErrorReply(caller.status()));
  ketenbeeld::v1::Filter filter;
  if (std::optional<std::string> filter_json = Lookup(connection, MHD_GET_ARGUMENT_KIND, "filter");
      filter_json.has_value()) {
    absl::Status parsed = FromJson(*filter_json, filter);
    if (parsed.ok()) parsed = domain::ValidateFilter(filter, "filter");
    if (!parsed.ok()) return Send(connection, ErrorReply(parsed));
  }
  // A reconnecting EventSource sends the id of the last message it got: the revision to resume after.
  int64_t from_revision = 0;
  std::optional<std::string> last_event_id = Lookup(connection, MHD_HEADER_KIND, "Last-Event-ID");
  const bool resuming = last_event_id.has_value();
  const std::string from =
      resuming ? *last_event_id : Lookup(connection, MHD_GET_ARGUMENT_KIND, "from_revision").value_or("");
  if (!from.empty() && !absl::SimpleAtoi(from, &from_revision)) {
    return Send(connection, ErrorReply(absl::InvalidArgumentError(absl::StrCat(
                                resuming ? "Last-Event-ID" : "from_revision", ": not a revision: \"", from, "\""))));
  }
  ketenbeeld::v1::SubscribeRequest subscribe;
  *subscribe.mutable_filter() = filter;
  subscribe.set_from_revision(from_revision);
  absl::StatusOr<service::Operations::FeedGrant> grant = deps.operations.Subscribe(*caller, subscribe);
  if (!grant.ok()) return Send(connection, ErrorReply(grant.status()));
  std::shared_ptr<EventStream> stream = EventStream::Start(
      StreamDependencies{.hub = deps.hub, .picture = deps.picture, .store = deps.store, .json_cache = json_cache},
      options.feed, options.reconnect_delay, domain::CompiledFilter(filter), from_revision, *std::move(grant),
      [connection] { MHD_resume_connection(connection); });
  if (absl::Status added = AddStream(stream, caller->development() ? std::string() : caller->LimitKey()); !added.ok()) {
    Reply refused = ErrorReply(added);
    refused.headers.emplace_back("Retry-After", "2");
    return Send(connection, refused);
  }
  auto* feed = new Feed{.impl = this, .connection = connection, .stream = stream, .frame = {}, .written = 0};
  MHD_Response* response =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, kFeedBlockBytes, &ReadFeed, feed, &FreeFeed);
  if (response == nullptr) {
    FreeFeed(feed);
    return MHD_NO;
  }
  AddSecurityHeaders(response, content_security_policy);
  MHD_add_response_header(response, "Content-Type", "text/event-stream");
  MHD_add_response_header(response, "Cache-Control", "no-store");
  MHD_add_response_header(response, "X-Accel-Buffering", "no");  // Proxies must not hold frames back.
  const MHD_Result queued = MHD_queue_response(connection, MHD_HTTP_OK, response);
  MHD_destroy_response(response);  // The connection holds it; FreeFeed runs when the connection is done with it.
  return queued;
}

ssize_t Gateway::Impl::ReadFeed(void* feed_pointer, uint64_t /*position*/, char* buffer, size_t max) {
  Feed& feed = *static_cast<Feed*>(feed_pointer);
  // Bounded: a wake that comes between NextFrame() and SuspendUnlessWoken() costs one more round, and wakes come from
  // one hub round at a time.
  for (int round = 0; feed.written == feed.frame.size(); ++round) {
    if (std::optional<std::string> frame = feed.stream->NextFrame(); frame.has_value()) {
      feed.frame = *std::move(frame);
      feed.written = 0;
      break;
    }
    if (feed.stream->ended()) return MHD_CONTENT_READER_END_OF_STREAM;
    if (round >= 8 || feed.stream->SuspendUnlessWoken([&feed] {
          // Safe: the stream runs only on this connection's event-loop thread, which is here.
          MHD_suspend_connection(feed.connection);
        })) {
      return 0;
    }
  }
  const size_t n = std::min(max, feed.frame.size() - feed.written);
  std::memcpy(buffer, feed.frame.data() + feed.written, n);
  feed.written += n;
  return static_cast<ssize_t>(n);
}

void Gateway::Impl::FreeFeed(void* feed_pointer) {
  auto* feed = static_cast<Feed*>(feed_pointer);
  feed->stream->Close();
  feed->impl->RemoveStream(feed->stream.get());
  delete feed;
}

absl::Status Gateway::Impl::AddStream(const std::shared_ptr<EventStream>& stream, const std::string& identity) {
  absl::MutexLock lock(&mu);
  if (stopping || streams.size() >= static_cast<size_t>(options.max_streams)) {
    return absl::UnavailableError("too many live feeds, or the server is shutting down; retry later");
  }
  if (!identity.empty()) {
    int& held = streams_per_identity[identity];
    if (held >= options.max_streams_per_identity) {
      return absl::ResourceExhaustedError(absl::StrCat("this identity already holds ", held, " of the gateway's ",
                                                       options.max_streams, " live-feed slots; close one first"));
    }
    ++held;
  }
  streams.push_back(stream);
  stream_identities[stream.get()] = identity;
  return absl::OkStatus();
}

void Gateway::Impl::RemoveStream(const EventStream* stream) {
  absl::MutexLock lock(&mu);
  std::erase_if(streams, [stream](const std::shared_ptr<EventStream>& s) { return s.get() == stream; });
  auto identity = stream_identities.find(stream);
  if (identity == stream_identities.end()) return;
  if (!identity->second.empty() && --streams_per_identity[identity->second] <= 0) {
    streams_per_identity.erase(identity->second);
  }
  stream_identities.erase(identity);
}

absl::Status CheckListenAddress(const std::string& listen_address) {
  std::string host;
  int port = 0;
  if (!SplitHostPort(listen_address, host, port)) {
    return absl::InvalidArgumentError(absl::StrCat("http_listen: expected host:port, got \"", listen_address, "\""));
  }
  if (!IsLoopbackHost(host)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "http_listen: ", listen_address,
        " is not a loopback address; the gateway serves plaintext only on loopback (127.0.0.1, [::1], localhost)"));
  }
  return absl::OkStatus();
}

absl::Status CheckPublicOrigin(const std::string& origin) {
  absl::string_view rest = origin;
  const bool scheme = absl::ConsumePrefix(&rest, "https://") || absl::ConsumePrefix(&rest, "http://");
  const bool host_and_port = !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' ||
           c == ']';
  });
  if (!scheme || !host_and_port) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_public_origin: expected an origin like "
                     "\"https://ketenbeeld.example.nl\" (scheme, host, optional port; "
                     "no path), got \"",
                     origin, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MapTileSource(const std::string& url) {
  if (url.empty()) return std::string();
  auto invalid = [&url](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("map.tile_url: ", why, ", got ", domain::checks::Quote(url)));
  };
  constexpr absl::string_view kExpected = "expected https://host[:port]/path with {z}, {x} and {y}";
  if (url.size() > 2000) return invalid("must be at most 2000 characters");
  // Nothing that could end the policy header's source list or the page's attribute: no space, quote or ';' is
  // needed in a URL that is not percent-encoded anyway.
  for (const char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '"' || c == '\'' || c == '\\' || c == '<' || c == '>' || c == '`' ||
        c == ';' || c == ',') {
      return invalid(
          "must be printable ASCII without spaces, quotes, backslashes, angle brackets, ';' or ',' "
          "(percent-encode them)");
    }
  }
  absl::string_view rest = url;
  std::string scheme;
  if (absl::ConsumePrefix(&rest, "https://")) {
    scheme = "https";
  } else if (absl::ConsumePrefix(&rest, "http://")) {
    scheme = "http";
  } else {
    return invalid(kExpected);
  }
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) return invalid(kExpected);
  absl::string_view authority = rest.substr(0, slash);
  const absl::string_view path = rest.substr(slash);
  if (absl::StrContains(authority, '@')) return invalid("must not hold a user name or password");
  if (absl::StartsWith(authority, "[")) return invalid("must name its host or IPv4 address (no IPv6 literal)");
  std::string port;
  if (const size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    int number = 0;
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &number) || number < 1 || number > 65535 ||
        !std::all_of(authority.begin() + colon + 1, authority.end(), absl::ascii_isdigit)) {
      return invalid("has no valid port (1..65535)");
    }
    port = std::string(authority.substr(colon));
    authority = authority.substr(0, colon);
  }
  // Leaflet's {s} fills in a subdomain: allowed as the host's first label only, which the policy can express.
  const bool subdomains = absl::ConsumePrefix(&authority, "{s}.");
  const bool host_ok = !authority.empty() && authority.front() != '.' && authority.back() != '.' &&
                       !absl::StrContains(authority, "..") &&
                       std::all_of(authority.begin(), authority.end(), [](char c) {
                         return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
                       });
  if (!host_ok) return invalid("has no valid host name");
  if (scheme == "http" && (subdomains || !IsLoopbackHost(authority))) {
    return invalid("must use https:// (http:// only to a loopback host)");
  }
  // Placeholders: what the map library fills in, and each of {z}, {x} and {y} (or TMS' {-y}) present.
  bool z = false;
  bool x = false;
  bool y = false;
  for (size_t open = path.find('{'); open != absl::string_view::npos; open = path.find('{', open + 1)) {
    const size_t close = path.find('}', open);
    if (close == absl::string_view::npos) return invalid("has a '{' without '}'");
    const absl::string_view name = path.substr(open + 1, close - open - 1);
    if (name == "z") {
      z = true;
    } else if (name == "x") {
      x = true;
    } else if (name == "y" || name == "-y") {
      y = true;
    } else if (name != "s" && name != "r") {
      return invalid(absl::StrCat("has an unknown placeholder {", name, "} (known: {z} {x} {y} {-y} {s} {r})"));
    }
  }
  if (std::count(path.begin(), path.end(), '{') != std::count(path.begin(), path.end(), '}')) {
    return invalid("has a '}' without '{'");
  }
  if (!z || !x || !y) return invalid("must hold {z}, {x} and {y} (or {-y})");
  return absl::StrCat(scheme, "://", subdomains ? "*." : "", authority, port);
}

absl::Status CheckMapAttribution(const std::string& attribution) {
  return domain::checks::CheckText(attribution, domain::checks::FieldPath("map.attribution"),
                                   domain::checks::TextRule{0, 300, false});
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(const GatewayOptions& options,
                                                        GatewayDependencies dependencies) {
  if (absl::Status valid = CheckListenAddress(options.listen_address); !valid.ok()) return valid;
  if (!options.public_origin.empty()) {
    if (absl::Status valid = CheckPublicOrigin(options.public_origin); !valid.ok()) return valid;
  }
  absl::StatusOr<std::string> tile_source = MapTileSource(options.map_tile_url);
  if (!tile_source.ok()) return tile_source.status();
  if (absl::Status valid = CheckMapAttribution(options.map_attribution); !valid.ok()) return valid;
  auto impl = std::make_unique<Impl>(options, dependencies);
  impl->content_security_policy = ContentSecurityPolicy(*tile_source);
  impl->map_json =
      nlohmann::json({{"tile_url", options.map_tile_url}, {"attribution", options.map_attribution}}).dump();
  SplitHostPort(options.listen_address, impl->host, impl->port);
  const int fd = Listen(impl->host, impl->port);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("http_listen: could not bind ", options.listen_address,
                                               " (in use, or not an address of this machine)"));
  }
  impl->port = BoundPort(fd);
  const auto idle_seconds = static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(options.idle_timeout)));
  // Epoll event loops (MHD_USE_AUTO picks it on Linux), each serving its share of the connections; suspend/resume
  // for feeds and calls. No MHD_USE_ERROR_LOG: what it would print (a client that went away) is not an error of ours.
  impl->daemon =
      MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME, 0, nullptr, nullptr, &Impl::OnRequest,
                       impl.get(), MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE,
                       static_cast<unsigned int>(std::max(1, options.loop_threads)), MHD_OPTION_CONNECTION_LIMIT,
                       static_cast<unsigned int>(std::max(1, options.max_connections)), MHD_OPTION_CONNECTION_TIMEOUT,
                       idle_seconds, MHD_OPTION_NOTIFY_COMPLETED, &Impl::OnCompleted, impl.get(),
                       MHD_OPTION_NOTIFY_CONNECTION, &Impl::OnConnection, impl.get(), MHD_OPTION_END);
  if (impl->daemon == nullptr) {
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("http_listen: could not start serving ", options.listen_address));
  }
  auto gateway = std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
  observability::LogInfo(
      "http_gateway_started",
      {{"url", gateway->url()}, {"assets", options.assets_dir.empty() ? std::string("embedded") : options.assets_dir}});
  return gateway;
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() { Stop(); }

int Gateway::port() const { return impl_->port; }

std::string Gateway::url() const {
  const bool ipv6 = absl::StrContains(impl_->host, ':');
  return absl::StrCat("http://", ipv6 ? absl::StrCat("[", impl_->host, "]") : impl_->host, ":", impl_->port, "/");
}

void Gateway::Stop() {
  std::vector<std::shared_ptr<EventStream>> live;
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
    live = impl_->streams;
  }
  for (const std::shared_ptr<EventStream>& stream : live) {
    stream->End(absl::UnavailableError("the server is shutting down; resume from your last revision"));
  }
  // Calls in flight run to the end (a write waits until it is durable or refused); the pool refuses new ones.
  impl_->calls.Stop();
  {
    // Let each feed send its `end` frame, and each call its answer, before the connections close. A client that
    // does not read is not waited for long.
    absl::MutexLock lock(&impl_->mu);
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl_->mu) {
      return impl_->streams.empty() && impl_->calls_in_flight == 0;
    };
    impl_->mu.AwaitWithTimeout(absl::Condition(&drained), absl::Seconds(2));
  }
  // Closes the port and every connection (none is suspended: feeds were resumed by End(), calls by their thread) and
  // joins the event loops.
  MHD_stop_daemon(impl_->daemon);
  observability::LogInfo("http_gateway_stopped", {{"live_feeds_ended", live.size()}});
}

}  // namespace ketenbeeld::http
