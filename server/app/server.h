// Assembles a running Ketenbeeld server: store -> picture -> hub -> committer (+ scheduler) -> gRPC services
// (PictureService, IncidentService, AlertService, AssistanceService, ReportService, grpc.health.v1, reflection). Used
// by the ketenbeeld-server binary and by the integration tests.
//
// Thread safety: Shutdown() and the accessors may be called from any thread.
#ifndef KETENBEELD_SERVER_APP_SERVER_H_
#define KETENBEELD_SERVER_APP_SERVER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/api/region_forwarder.h"
#include "server/feed/session.h"
#include "server/http/gateway.h"
#include "server/notify/curl_sender.h"
#include "server/notify/worker.h"
#include "server/pipeline/committer.h"
#include "server/pipeline/hub.h"
#include "server/policy/audit.h"
#include "server/policy/rules.h"
#include "server/policy/visibility.h"
#include "server/queries/reader.h"
#include "server/replication/member.h"
#include "server/security/authenticator.h"
#include "storage/retention.h"

namespace ketenbeeld::app {

// Per-identity limits (ketenbeeld.server.v1.LimitsConfig), enforced by the policy layer; 0: its default
// (server/policy/limits.h).
struct IdentityLimits {
  int max_subscriptions = 0;
  int max_requests_per_second = 0;
  // PublishStatus streams open at a time.
  int max_publish_streams = 0;
  // Unary calls admitted and not yet answered; answered calls whose answers have not gone out yet, and their bytes
  // (policy::CallBudget).
  int max_calls_in_flight = 0;
  int max_unsent_answers = 0;
  int64_t max_response_bytes_held = 0;
  // Bytes written per organisation per second, sustained, and the burst (0: policy::kWriteBurstSeconds of the rate).
  int64_t max_write_bytes_per_second = 0;
  int64_t max_write_burst_bytes = 0;
};

// The server's memory for gRPC as a whole (grpc::ResourceQuota): under pressure gRPC shrinks its read buffers and
// HTTP/2 flow-control windows. It is a backstop: what refuses one identity's calls is its call budget.
inline constexpr int64_t kDefaultMemoryQuotaBytes = int64_t{1} << 30;

struct ServerOptions {
  // host:port; port 0 picks a free port (see KetenbeeldServer::port()). Without TLS only loopback addresses
  // (127.0.0.0/8, [::1], localhost) are accepted: plaintext never leaves the machine.
  std::string listen_address = "127.0.0.1:50051";
  // RocksDB directory; created when missing.
  std::string data_dir = "ketenbeeld-data";
  // fsync every commit. Only tests of non-durability concerns turn this off.
  bool sync = true;
  // Largest request accepted, in bytes (RESOURCE_EXHAUSTED beyond).
  int max_receive_message_bytes = 1 << 20;
  // Region rules (scale-up levels, reporting cadence) live in committer.region.
  pipeline::Committer::Options committer;
  // How often time-driven facts (deadlines passed, reports overdue) are checked.
  absl::Duration tick_interval = absl::Seconds(1);
  pipeline::Hub::Options hub;
  feed::FeedOptions feed;
  // host:port of the HTTP gateway (JSON API, live feed as Server-Sent Events, the crisis-room dashboard; see
  // server/http/gateway.h); empty: no gateway. Loopback only, like listen_address; port 0 picks a free port.
  std::string http_listen_address;
  // Serve the dashboard from this directory (web/static) instead of the copy built into the binary; for development.
  std::string http_assets_dir;
  // The origin browsers reach the gateway at through a TLS proxy (http::GatewayOptions::public_origin); empty: none.
  std::string http_public_origin;
  // The dashboard map's tile URL template ("" = no tiles) and its attribution (http::GatewayOptions::map_tile_url).
  std::string map_tile_url = http::kDefaultMapTileUrl;
  std::string map_attribution = http::kDefaultMapAttribution;
  // The gateway's caps on live feeds and connections, idle timeout and request-header deadline (http::GatewayOptions).
  int http_max_streams = http::GatewayOptions{}.max_streams;
  int http_max_connections = http::GatewayOptions{}.max_connections;
  absl::Duration http_idle_timeout = http::GatewayOptions{}.idle_timeout;
  absl::Duration http_header_timeout = http::GatewayOptions{}.header_timeout;
  // mTLS (docs/security.md). Without it: plaintext on loopback, with bearer tokens when tokens_file is set, else
  // development mode (no identities, everything allowed; the server warns at start-up).
  security::TlsOptions tls;
  // Bearer tokens for integrations that cannot hold a certificate; empty: none.
  std::string tokens_file;
  IdentityLimits identity_limits;
  // gRPC's memory quota (see kDefaultMemoryQuotaBytes); 0: the default.
  int64_t memory_quota_bytes = 0;
  // What one List at a past revision or one History may scan before it answers with a continuation point.
  queries::ScanLimits scan_limits;
  // The pool those scans run on, off gRPC's callback threads, callers taking turns (base/work_pool.h): its threads,
  // the scans waiting of all callers together, and the scans of one identity waiting or running.
  int scan_threads = 2;
  int scan_queue = 64;
  int scans_per_identity = 8;
  // Capacity totals are shown to readers who may not see individual figures only where at least this many
  // organisations contribute.
  int min_aggregate_group = policy::kDefaultMinAggregateGroup;
  // Record reads of detailed figures by anyone but their owner (<data_dir>/audit-trail, docs/security.md).
  bool audit = true;
  // Rotation and retention of the audit trail's files (policy::AuditOptions; the fault injector is for tests).
  policy::AuditOptions audit_options;
  // Backups (AdminService.Backup) are written only into new directories inside this absolute directory; empty:
  // backups are refused.
  std::string backup_dir;
  // host:port of the Prometheus endpoint (GET /metrics); empty: none. Port 0 picks a free port (metrics_port()).
  std::string metrics_listen_address;
  // Retention of the event log (default: keep everything), applied every retention.check_interval.
  storage::RetentionPolicy retention;
  // At shutdown, how long the server keeps accepting calls only to answer them UNAVAILABLE before gRPC stops
  // (capped by the grace period). Calls that reach gRPC after it stops but before they are matched to a handler are
  // failed by gRPC itself with CANCELLED (a known gRPC core behaviour, grpc/grpc#41785); the drain lets clients see
  // UNAVAILABLE for their writes in flight instead. Zero: no drain (in-process tests).
  absl::Duration shutdown_drain = absl::Milliseconds(300);
  // Replicated mode (docs/replication.md): this server is one member of a region whose commit log is in etcd. Unset:
  // a single node (embedded RocksDB only, no other service).
  std::optional<replication::MemberOptions> replication;
  // The outbox's delivery (docs/operations.md, "Notifications"): how notifications are sent (SMTP server, timeout,
  // CA bundle) and retried. Notifications are queued in the log whatever this says. worker.clock and worker.observer
  // are set by the server (picture time, metrics).
  notify::CurlSender::Options notification_sender;
  notify::WorkerOptions notification_worker;
  // Development only: picture time is the wall clock plus the offset in this file (pipeline::PictureClock), so that
  // system tests can move the server's clock forward. Refused with TLS or tokens_file (CheckServerOptions). Empty: the
  // wall clock. committer.clock is then ignored: the picture clock feeds the committer, the reports and the feeds.
  std::string clock_offset_file;
  // Federation (docs/federation.md): on a ROAZ or national server, the identity (organisation of the certificate CN
  // or token) that may apply each source region's log (ApplyUpstream); empty on a region's own server. Reads flag a
  // source's records as stale when it was last heard from longer ago than upstream_stale_after.
  policy::UpstreamIdentities upstream_sources;
  absl::Duration upstream_stale_after = absl::Minutes(5);
  // ROAZ/national: the own server of each source region that has one configured (federation.sources[].endpoint), to
  // which ReserveBed of its organisations and ConfirmReservation/ReleaseReservation of its reservations are forwarded
  // (docs/reservations.md, "Across regions"). A region without one: those calls are refused naming it.
  std::map<std::string, api::RegionEndpoint> region_endpoints;
  // Region: the servers (identity -> their own region) that may forward reservations here on behalf of their callers
  // (federation.reservation_forwarders); empty: nobody may.
  policy::ReservationForwarders reservation_forwarders;
};

class KetenbeeldServer {
 public:
  // Opens the store, loads the picture and starts serving. Errors: INVALID_ARGUMENT (bad listen address, a
  // non-loopback address without TLS, unreadable or invalid certificates, CRL or tokens file), UNAVAILABLE (the port
  // could not be bound), storage errors from Store::Open.
  static absl::StatusOr<std::unique_ptr<KetenbeeldServer>> Start(const ServerOptions& options);

  ~KetenbeeldServer();  // Shutdown() with a short grace period.

  // The port actually bound.
  int port() const;
  // "127.0.0.1:<port>" etc.: the address clients should dial.
  std::string address() const;
  // The revision of the picture.
  int64_t revision() const;
  // The port of the HTTP gateway, 0 when it is off.
  int http_port() const;
  // The port of the metrics endpoint, 0 when it is off.
  int metrics_port() const;

  // Removes the event history up to and including `revision` (see storage::Store::CompactLog). Feeds that resume
  // from before it get `reset`. FAILED_PRECONDITION when `revision` is ahead of the picture.
  absl::Status CompactLog(int64_t revision);

  // Runs one scheduler tick now and waits until it is committed (pipeline::Scheduler::TickNow): the facts that
  // follow from time alone (deadlines passed, reports overdue) that are due now are then committed. For tests and
  // operators' tools; the interval's ticks go on regardless.
  absl::Status TickNow();

  // Graceful shutdown: health NOT_SERVING, live feeds end with UNAVAILABLE (clients resume elsewhere/later), new
  // calls are answered UNAVAILABLE for options.shutdown_drain, in-flight RPCs get up to `grace` to finish, queued
  // writes are committed, the store is closed. Idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(5));

  // Blocks until Shutdown() has completed.
  void Wait();

 private:
  struct State;
  explicit KetenbeeldServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Whether `listen_address` (host:port) names a loopback interface.
bool IsLoopbackAddress(const std::string& listen_address);

// The checks of `options` that need no files, ports or store: the listen addresses (host:port; without TLS only
// loopback; the HTTP gateway only on loopback), and no clock_offset_file when TLS or tokens are configured.
// INVALID_ARGUMENT naming the field or flag. KetenbeeldServer::Start checks
// this first, and `ketenbeeld-server --check_config` too, so that it refuses exactly what start-up would.
absl::Status CheckServerOptions(const ServerOptions& options);

}  // namespace ketenbeeld::app

#endif  // KETENBEELD_SERVER_APP_SERVER_H_
