// The HTTP gateway of the server, on its own port: what a plain browser needs, with nothing to install.
//
//   POST /api/ketenbeeld.v1.<Service>/<Method>   a unary RPC, request and response in protobuf's JSON mapping
//                                                (see json_api.h); errors as {"code","message","field"} with the
//                                                HTTP status of the code
//   GET  /api/ketenbeeld.v1.PictureService/Subscribe?filter=<Filter JSON>&from_revision=N
//                                                the live feed as Server-Sent Events (see event_stream.h);
//                                                Last-Event-ID, when sent, takes precedence over from_revision
//   GET  /api/fhir/<type>/<id>                   a FHIR R4 resource (InteropService.ExportFhir) as
//                                                application/fhir+json: MeasureReport/<org id> or /<"VR10">,
//                                                Organization/<org id>, Location/<org id>.<location id>; errors as
//                                                an OperationOutcome (docs/interoperability.md, "FHIR R4")
//   GET  /api                                    the list of methods
//   GET  /api/map                                {"tile_url","attribution"}: the dashboard map's background
//                                                (GatewayOptions::map_tile_url; "" = no tiles)
//   GET  /healthz                                {"status":"SERVING","revision":"N"} (503 while stopping); a
//                                                replicated member adds "role" ("leader" or "follower"),
//                                                "lag_revisions" (how far it is behind the region's log) and
//                                                "log_reachable" (false, with "log_contact_age_seconds", while it
//                                                is cut off from the log: its picture may be old)
//   GET  /, /form.html, /js/..., /css/...        the crisis-room dashboard and the coordinator's form (assets.h)
//
// Security: the gateway listens on loopback only (put a TLS-terminating proxy in front to serve it further). Callers
// are authenticated by bearer token like gRPC integrations (identity.h), and every call and feed goes through the
// same service layer and access policy as gRPC. In development mode (no TLS, no tokens) there are no identities and
// the peer address is recorded as the actor. Because a browser may
// be tricked into talking to a loopback port by any web page, the gateway also refuses requests whose Host header
// is not a loopback name (DNS rebinding), POSTs that are not `Content-Type: application/json` (those need a CORS
// preflight, which the gateway never grants, so another origin cannot send them), and POSTs whose Origin, when
// sent, is neither the gateway's own nor the configured public origin (GatewayOptions::public_origin).
//
// Threading: GNU libmicrohttpd serves every connection from a few event-loop threads (`loop_threads`, epoll). Nothing
// on a loop thread waits: a live feed that is caught up suspends its connection until the hub wakes it
// (event_stream.h), so an open feed costs a socket and its buffers, not a thread; static files, /healthz and /api are
// answered from memory; a call (which may wait until a write is durable) suspends its connection and runs on a
// bounded pool of `call_threads`, beyond whose queue the gateway answers 503 at once. A client that sends its request
// slowly, or reads its answers slowly, holds only its connection: at most `max_connections` are open at once (new
// ones wait beyond), one that makes no progress for `idle_timeout` is closed, and one whose request headers are not
// complete within `header_timeout` in all is closed too, however steadily it drips them (header_deadline.h). The hub's
// fan-out thread is never blocked by a feed.
#ifndef KETENBEELD_SERVER_HTTP_GATEWAY_H_
#define KETENBEELD_SERVER_HTTP_GATEWAY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/http/event_stream.h"
#include "server/pipeline/hub.h"
#include "server/policy/limits.h"
#include "server/security/authenticator.h"
#include "server/service/operations.h"
#include "server/state/picture.h"
#include "storage/store.h"

namespace ketenbeeld::http {

// The dashboard map's background by default: PDOK's BRT-Achtergrondkaart, the Dutch government's base map (Kadaster),
// in Web Mercator tiles, free to use with its attribution.
inline constexpr char kDefaultMapTileUrl[] =
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png";
inline constexpr char kDefaultMapAttribution[] = "Kaartgegevens \u00a9 Kadaster";

struct GatewayOptions {
  // host:port; port 0 picks a free port (see Gateway::port()). Loopback only (127.0.0.0/8, [::1], localhost).
  std::string listen_address = "127.0.0.1:8080";
  // Serve the dashboard from this directory (web/static of a checkout) instead of the embedded copy: for development.
  std::string assets_dir;
  // "https://ketenbeeld.example.nl": where browsers reach the gateway through the TLS-terminating proxy in front of
  // it. POSTs whose Origin is this one are accepted besides the gateway's own loopback origin. Empty: none.
  std::string public_origin;
  // The dashboard map's tile URL template (checked by MapTileSource; empty: no tiles, the map draws on a plain
  // background) and its attribution (plain text, CheckMapAttribution). The pages' Content-Security-Policy allows
  // images from the template's origin, and from nowhere else outside the gateway.
  std::string map_tile_url = kDefaultMapTileUrl;
  std::string map_attribution = kDefaultMapAttribution;
  // Live feeds served at once (503 beyond). Each costs a connection and its buffers, no thread.
  int max_streams = 256;
  // Of those, at most this many for one identity (policy's limit key: the credential), so that one identity (a
  // screen that reconnects in a loop, a script) cannot take every slot from the GHOR's dashboards: RESOURCE_EXHAUSTED
  // (429) beyond. Development mode has no identities and is not limited.
  int max_streams_per_identity = 8;
  // Connections open at once, feeds included: the gateway accepts no more beyond this until one closes.
  int max_connections = 512;
  // Event-loop threads that read requests and write answers and feeds.
  int loop_threads = 2;
  // Threads that run calls (a write waits on one until it is durable), and calls that may wait for one (503 beyond).
  // Identities take turns on them; one identity has at most `calls_per_identity` calls waiting or running (429
  // beyond), besides its budget of calls in flight and answer bytes over both transports (policy::CallBudget).
  int call_threads = 8;
  int max_queued_calls = 64;
  int calls_per_identity = 8;
  // A connection that makes no progress this long (no request byte read, no answer byte written: a slow or stalled
  // client, an idle keep-alive connection) is closed. Longer than feed.heartbeat_interval, so caught-up feeds live.
  absl::Duration idle_timeout = absl::Seconds(15);
  // A connection must deliver the complete headers of a request within this long of its start (or of its previous
  // answer, on keep-alive), however steadily it sends: a client that drips one header line every few seconds never
  // goes idle, and would otherwise hold its connection, one of `max_connections`, as long as it likes (slowloris).
  // It is then closed without an answer. Shorter than `idle_timeout`, so it also closes an idle keep-alive connection
  // first. Zero: no deadline (only `idle_timeout`).
  absl::Duration header_timeout = absl::Seconds(10);
  // Largest request body accepted, in bytes (413 beyond).
  size_t max_request_bytes = size_t{1} << 20;
  // The live feed: the same options as gRPC's Subscribe (ServerOptions::feed), counters included.
  ketenbeeld::feed::FeedOptions feed;
  // Sent as the SSE `retry:` field: how long a disconnected EventSource waits before it reconnects.
  absl::Duration reconnect_delay = absl::Seconds(1);
};

// What /healthz says about a replicated member (docs/replication.md).
struct ReplicationHealth {
  bool leader = false;
  // Revisions of the region's log this member has seen but not applied yet.
  int64_t lag_revisions = 0;
  // False while the member cannot reach the region's log (cut off from etcd): its picture may be older than the
  // region's, by more than lag_revisions says, and log_contact_age_seconds says since when.
  bool log_reachable = true;
  int64_t log_contact_age_seconds = 0;
};

struct GatewayDependencies {
  // Every call goes through the service layer, on behalf of the identity the authenticator establishes.
  service::Operations& operations;
  const security::Authenticator& authenticator;
  policy::RateLimiter& rate;
  // Calls in flight and bytes of answers not yet sent, per identity: shared with gRPC's unary calls.
  policy::CallBudget& call_budget;
  const state::Picture& picture;
  const storage::Store& store;
  pipeline::Hub& hub;
  // A replicated member's role and lag for /healthz; null on a single node. Must not block.
  std::function<ReplicationHealth()> replication_health = nullptr;
};

// INVALID_ARGUMENT naming http_listen unless `listen_address` is host:port on a loopback interface (the gateway
// serves plaintext only). Gateway::Start checks this first; the configuration check uses it too.
absl::Status CheckListenAddress(const std::string& listen_address);
// INVALID_ARGUMENT naming http_public_origin unless `origin` is an origin as browsers send it: "https://" or "http://",
// a host, an optional port, and nothing else (no path, no trailing slash).
absl::Status CheckPublicOrigin(const std::string& origin);
// The Content-Security-Policy source that allows the tiles of the URL template `url`: its origin
// ("https://service.pdok.nl", "http://127.0.0.1:8081"), "https://*.tile.example.org" for a "{s}." subdomain label;
// "" for an empty url (no tiles). INVALID_ARGUMENT naming map.tile_url unless `url` is at most 2000 characters of
// "https://host[:port]/path" (http:// only to a loopback host), without user name, whitespace, quotes or
// backslashes, whose path has {z}, {x} and {y} (or {-y}) and no other placeholders than those, {s} and {r}: what the
// dashboard's map library can fill in, and nothing that could break out of the policy header.
absl::StatusOr<std::string> MapTileSource(const std::string& url);
// INVALID_ARGUMENT naming map.attribution unless `attribution` is valid UTF-8 of at most 300 characters without
// control characters (the dashboard shows it as text, never as markup).
absl::Status CheckMapAttribution(const std::string& attribution);

class Gateway {
 public:
  // Binds the address and starts serving. Everything in `dependencies` must outlive the gateway (or its Stop()).
  // INVALID_ARGUMENT for a malformed or non-loopback address; UNAVAILABLE when the port cannot be bound.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(const GatewayOptions& options,
                                                        GatewayDependencies dependencies);
  ~Gateway();  // Stop().

  // The port actually bound.
  int port() const;
  // "http://127.0.0.1:8080/": where the dashboard is.
  std::string url() const;

  // Refuses new requests, ends every live feed with an `end` frame (UNAVAILABLE: resume from your last revision),
  // lets calls in flight finish (a write waits until it is durable or refused: call this before the committer
  // stops), closes the port and joins every thread. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketenbeeld::http

#endif  // KETENBEELD_SERVER_HTTP_GATEWAY_H_
