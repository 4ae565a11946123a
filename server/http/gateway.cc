#include "server/http/gateway.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <thread>
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
#include "absl/time/clock.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "server/domain/validation.h"
#include "server/http/assets.h"
#include "server/http/enums.h"
#include "server/http/identity.h"
#include "server/http/json_api.h"
#include "server/observability/log.h"

namespace ketenbeeld::http {
namespace {

constexpr char kJson[] = "application/json";

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

void SetError(httplib::Response& res, const absl::Status& status) {
  const HttpError error = ToHttpError(status);
  res.status = error.http_status;
  res.set_content(error.body, kJson);
}

// `query_token`: whether the `access_token` query parameter counts (the live feed only: EventSource cannot set
// headers). Elsewhere a token belongs in the Authorization header; in a URL it ends up in proxy and access logs.
CallerInfo CallerOf(const httplib::Request& req, bool query_token) {
  CallerInfo caller{.remote_address = req.remote_addr,
                    .remote_port = req.remote_port,
                    .headers = {},
                    .access_token = query_token ? req.get_param_value("access_token") : std::string()};
  for (const auto& [name, value] : req.headers) caller.headers.emplace(absl::AsciiStrToLower(name), value);
  return caller;
}

// Only SO_REUSEADDR (a restarted server can bind at once); not cpp-httplib's default SO_REUSEPORT, which would let a
// second server bind the same port without an error.
void SocketOptions(socket_t socket) {
  int yes = 1;
  setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&yes), sizeof(yes));
}

}  // namespace

struct Gateway::Impl {
  Impl(const GatewayOptions& gateway_options, GatewayDependencies dependencies)
      : options(gateway_options), deps(dependencies), api(deps.operations) {}

  void Routes();
  // The checks every request passes before routing; false (and `res` set) when refused.
  bool Admit(const httplib::Request& req, httplib::Response& res);
  void HandleCall(const httplib::Request& req, httplib::Response& res);
  void HandleSubscribe(const httplib::Request& req, httplib::Response& res);
  // Registers a live feed of `identity` (its limit key; empty in development mode): UNAVAILABLE when all slots are
  // taken or the gateway is stopping, RESOURCE_EXHAUSTED when this identity holds its share.
  absl::Status AddStream(const std::shared_ptr<EventStream>& stream, const std::string& identity);
  void RemoveStream(const EventStream* stream);

  const GatewayOptions options;
  const GatewayDependencies deps;
  const JsonApi api;
  EventJsonCache json_cache;
  httplib::Server server;
  std::string host;
  int port = 0;
  std::thread listen_thread;

  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::vector<std::shared_ptr<EventStream>> streams ABSL_GUARDED_BY(mu);
  // The limit key of each stream's identity ("" in development mode), and how many streams each key holds.
  absl::flat_hash_map<const EventStream*, std::string> stream_identities ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, int> streams_per_identity ABSL_GUARDED_BY(mu);
};

bool Gateway::Impl::Admit(const httplib::Request& req, httplib::Response& res) {
  const std::string host_header = req.get_header_value("Host");
  if (!IsLoopbackHost(HostOfHeader(host_header))) {
    SetError(res, absl::PermissionDeniedError(absl::StrCat("host: \"", host_header,
                                                           "\" is not a loopback name; this gateway serves loopback "
                                                           "only (use 127.0.0.1, [::1] or localhost)")));
    return false;
  }
  if (req.method == "POST") {
    if (!absl::StartsWith(req.get_header_value("Content-Type"), kJson)) {
      SetError(res, absl::InvalidArgumentError("request: send the body as Content-Type: application/json"));
      res.status = 415;
      return false;
    }
    if (req.has_header("Origin") && req.get_header_value("Origin") != absl::StrCat("http://", host_header)) {
      SetError(res, absl::PermissionDeniedError(
                        absl::StrCat("origin: \"", req.get_header_value("Origin"), "\" may not call this gateway")));
      return false;
    }
  }
  return true;
}

void Gateway::Impl::Routes() {
  // On every answer: no framing by another site (clickjacking of the form), no type sniffing, no referrer leaving
  // with a token in the URL. The pages also get a content security policy: scripts only from the gateway itself, so
  // text that slipped past escaping still cannot run. Inline style attributes stay allowed (the form uses them).
  server.set_default_headers({{"X-Frame-Options", "DENY"},
                              {"X-Content-Type-Options", "nosniff"},
                              {"Referrer-Policy", "no-referrer"},
                              {"Content-Security-Policy",
                               "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'"}});
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return Admit(req, res) ? httplib::Server::HandlerResponse::Unhandled : httplib::Server::HandlerResponse::Handled;
  });
  server.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    bool serving = false;
    {
      absl::MutexLock lock(&mu);
      serving = !stopping;
    }
    res.status = serving ? 200 : 503;
    // Unauthenticated: with authentication the revision is left out (it counts every write, a measure of who is
    // active when); only a development-mode server, which has no secrets, says it.
    nlohmann::json body = {{"status", serving ? "SERVING" : "NOT_SERVING"}};
    if (deps.authenticator.development_mode()) body["revision"] = absl::StrCat(deps.picture.revision());
    res.set_content(body.dump(), kJson);
  });
  server.Get("/api", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json methods = api.Methods();
    methods.push_back("ketenbeeld.v1.PictureService/Subscribe");
    res.set_content(nlohmann::json({{"methods", methods}}).dump(), kJson);
  });
  server.Get("/api/enums", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(EnumsJson(), kJson);
  });
  server.Get(R"(/api/ketenbeeld\.v1\.PictureService/Subscribe)",
             [this](const httplib::Request& req, httplib::Response& res) { HandleSubscribe(req, res); });
  server.Post(R"(/api/([A-Za-z0-9_.]+/[A-Za-z0-9_]+))",
              [this](const httplib::Request& req, httplib::Response& res) { HandleCall(req, res); });
  server.Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    std::optional<Asset> asset = FindAsset(req.path, options.assets_dir);
    if (!asset.has_value()) {
      SetError(res, absl::NotFoundError(absl::StrCat("path: no such page: ", req.path)));
      return;
    }
    // Always revalidate: a new server version must never run with yesterday's script.
    res.set_header("Cache-Control", "no-cache");
    res.set_content(std::move(asset->content), asset->content_type);
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // Ours, with a JSON error already.
    const absl::Status status =
        res.status == 413   ? absl::ResourceExhaustedError("request: the body is larger than the gateway accepts")
        : res.status == 404 ? absl::NotFoundError(absl::StrCat("path: nothing here: ", req.method, " ", req.path))
                            : absl::UnknownError(absl::StrCat("http status ", res.status));
    const int http_status = res.status;
    SetError(res, status);
    res.status = http_status;
  });
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    observability::LogError("http_handler_exception", {{"path", req.path}});
    SetError(res, absl::InternalError("the gateway failed to handle this request"));
  });
}

void Gateway::Impl::HandleCall(const httplib::Request& req, httplib::Response& res) {
  if (req.has_param("access_token")) {
    SetError(res,
             absl::InvalidArgumentError("access_token: send the token as \"Authorization: Bearer <token>\"; in a "
                                        "URL it ends up in proxy and access logs (the live feed is the exception)"));
    return;
  }
  absl::StatusOr<security::Identity> caller =
      IdentifyCaller(deps.authenticator, deps.rate, CallerOf(req, /*query_token=*/false));
  if (!caller.ok()) {
    SetError(res, caller.status());
    return;
  }
  absl::StatusOr<std::string> response = api.Call(req.matches[1].str(), req.body, *caller);
  if (!response.ok()) {
    SetError(res, response.status());
    return;
  }
  res.set_header("Cache-Control", "no-store");
  res.set_content(*std::move(response), kJson);
}

void Gateway::Impl::HandleSubscribe(const httplib::Request& req, httplib::Response& res) {
  absl::StatusOr<security::Identity> caller =
      IdentifyCaller(deps.authenticator, deps.rate, CallerOf(req, /*query_token=*/true));
  if (!caller.ok()) {
    SetError(res, caller.status());
    return;
  }
  ketenbeeld::v1::Filter filter;
  if (req.has_param("filter")) {
    absl::Status parsed = FromJson(req.get_param_value("filter"), filter);
    if (parsed.ok()) parsed = domain::ValidateFilter(filter, "filter");
    if (!parsed.ok()) {
      SetError(res, parsed);
      return;
    }
  }
  // A reconnecting EventSource sends the id of the last message it got: the revision to resume after.
  int64_t from_revision = 0;
  const bool resuming = req.has_header("Last-Event-ID");
  const std::string from = resuming ? req.get_header_value("Last-Event-ID") : req.get_param_value("from_revision");
  if (!from.empty() && !absl::SimpleAtoi(from, &from_revision)) {
    SetError(res, absl::InvalidArgumentError(
                      absl::StrCat(resuming ? "Last-Event-ID" : "from_revision", ": not a revision: \"", from, "\"")));
    return;
  }
  ketenbeeld::v1::SubscribeRequest subscribe;
  *subscribe.mutable_filter() = filter;
  subscribe.set_from_revision(from_revision);
  absl::StatusOr<service::Operations::FeedGrant> grant = deps.operations.Subscribe(*caller, subscribe);
  if (!grant.ok()) {
    SetError(res, grant.status());
    return;
  }
  std::shared_ptr<EventStream> stream = EventStream::Start(
      StreamDependencies{.hub = deps.hub, .picture = deps.picture, .store = deps.store, .json_cache = json_cache},
      options.feed, options.reconnect_delay, domain::CompiledFilter(filter), from_revision, *std::move(grant));
  if (absl::Status added = AddStream(stream, caller->development() ? std::string() : caller->LimitKey()); !added.ok()) {
    SetError(res, added);
    res.set_header("Retry-After", "2");
    return;
  }
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");  // Proxies must not hold frames back.
  res.set_chunked_content_provider(
      "text/event-stream",
      [stream](size_t /*offset*/, httplib::DataSink& sink) {
        std::optional<std::string> frame = stream->NextFrame();
        if (!frame.has_value()) {
          sink.done();
          return true;
        }
        return sink.write(frame->data(), frame->size());  // false: the client is gone, and the stream ends.
      },
      [this, stream](bool /*success*/) {
        stream->Close();
        RemoveStream(stream.get());
      });
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

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(const GatewayOptions& options,
                                                        GatewayDependencies dependencies) {
  if (absl::Status valid = CheckListenAddress(options.listen_address); !valid.ok()) return valid;
  auto impl = std::make_unique<Impl>(options, dependencies);
  SplitHostPort(options.listen_address, impl->host, impl->port);
  const int threads = options.max_streams + options.call_threads;
  impl->server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  impl->server.set_socket_options(SocketOptions);
  impl->server.set_payload_max_length(options.max_request_bytes);
  // Idle keep-alive connections hold a pool thread, and Stop() waits for them: keep them short.
  impl->server.set_keep_alive_timeout(2);
  impl->server.set_read_timeout(10);
  // A feed whose client stops reading fails its write after this long and ends (the client resumes later).
  impl->server.set_write_timeout(10);
  impl->Routes();
  if (impl->port == 0) {
    impl->port = impl->server.bind_to_any_port(impl->host);
  } else if (!impl->server.bind_to_port(impl->host, impl->port)) {
    impl->port = -1;
  }
  if (impl->port <= 0) {
    return absl::UnavailableError(absl::StrCat("http_listen: could not bind ", options.listen_address,
                                               " (in use, or not an address of this machine)"));
  }
  Impl* raw = impl.get();
  impl->listen_thread = std::thread([raw] { raw->server.listen_after_bind(); });
  // Stop() is a no-op for cpp-httplib until the accept loop runs: wait for it, so a Stop() right after Start() ends.
  for (int i = 0; i < 5000 && !impl->server.is_running(); ++i) absl::SleepFor(absl::Milliseconds(1));
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
  {
    // Let each feed send its `end` frame and finish its response properly: once the server stops, cpp-httplib no
    // longer asks a stream for its next frame. A client that does not read is not waited for long.
    absl::MutexLock lock(&impl_->mu);
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl_->mu) { return impl_->streams.empty(); };
    impl_->mu.AwaitWithTimeout(absl::Condition(&drained), absl::Seconds(2));
  }
  impl_->server.stop();
  if (impl_->listen_thread.joinable()) impl_->listen_thread.join();
  observability::LogInfo("http_gateway_stopped", {{"live_feeds_ended", live.size()}});
}

}  // namespace ketenbeeld::http
