#include "server/app/server.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "base/periodic_task.h"
#include "base/work_pool.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "server/api/admin_service.h"
#include "server/api/alert_service.h"
#include "server/api/assistance_service.h"
#include "server/api/caller_gate.h"
#include "server/api/exercise_service.h"
#include "server/api/federation_service.h"
#include "server/api/incident_service.h"
#include "server/api/interop_service.h"
#include "server/api/picture_service.h"
#include "server/api/region_forwarder.h"
#include "server/api/report_service.h"
#include "server/http/gateway.h"
#include "server/observability/log.h"
#include "server/observability/metrics.h"
#include "server/observability/rpc_interceptor.h"
#include "server/pipeline/picture_clock.h"
#include "server/pipeline/scheduler.h"
#include "server/policy/audit.h"
#include "server/policy/limits.h"
#include "server/queries/reader.h"
#include "server/replication/forwarding.h"
#include "server/replication/reseed.h"
#include "server/security/files.h"
#include "server/state/picture.h"
#include "storage/store.h"

namespace ketenbeeld::app {
namespace {

constexpr char kServiceName[] = "ketenbeeld.v1.PictureService";

// The CAP <sender> of the region's exported alerts: "ketenbeeld:VR10" (no spaces or commas, as CAP asks).
std::string CapSender(const pipeline::Committer::Options& committer) {
  const std::string& region = committer.region.safety_region();
  return region.empty() ? std::string("ketenbeeld") : absl::StrCat("ketenbeeld:", region);
}
// The audit trail of reads of detail, in the data directory (policy::AuditLog).
constexpr char kAuditTrailFile[] = "audit-trail";
// The capacity figures as last published to readers without detailed visibility (policy::PublishedFigures).
constexpr char kPublishedFiguresFile[] = "published-figures";

// A data directory that other users may read or enter (made by hand, or by an older version under umask 022) holds
// every organisation's figures: say so at start-up. Not refused, so that an operator's choice (a group of
// administrators) keeps working; the server's own files are private since ketenbeeld-server sets umask 077.
void WarnIfOthersCanRead(const std::string& data_dir) {
  struct stat info {};
  if (::stat(data_dir.c_str(), &info) != 0 || (info.st_mode & 0077) == 0) return;
  observability::LogWarning("data_dir_permissions",
                            {{"data_dir", data_dir},
                             {"mode", absl::StrFormat("%04o", info.st_mode & 07777)},
                             {"advice", "chmod 700: the directory holds every organisation's figures"}});
}

// How callers connect and prove who they are, for the start-up log line.
std::string TransportOf(const ServerOptions& options) {
  if (options.tls.enabled()) {
    return options.tokens_file.empty() ? "mTLS (client certificates)" : "TLS (client certificates or bearer tokens)";
  }
  return options.tokens_file.empty() ? "plaintext, loopback only, development mode (no authentication)"
                                     : "plaintext, loopback only, bearer tokens";
}

// "host:port" -> host, without brackets.
std::string HostOf(const std::string& listen_address) {
  absl::string_view address = listen_address;
  const size_t colon = address.rfind(':');
  absl::string_view host = colon == absl::string_view::npos ? address : address.substr(0, colon);
  absl::ConsumePrefix(&host, "[");
  absl::ConsumeSuffix(&host, "]");
  return std::string(host);
}

// Whole seconds since the member last heard from the region's log (0 on the leader); -1 when it never has.
int64_t LogContactAgeSeconds(const replication::Member::Status& status, absl::Time now) {
  if (status.log_contact == absl::InfinitePast()) return -1;
  return std::max<int64_t>(0, absl::ToInt64Seconds(now - status.log_contact));
}

}  // namespace

bool IsLoopbackAddress(const std::string& listen_address) {
  const std::string host = HostOf(listen_address);
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

struct KetenbeeldServer::State {
  ServerOptions options;
  int port = 0;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<state::Picture> picture;
  std::unique_ptr<pipeline::Hub> hub;
  // Picture time with a test-driven offset (options.clock_offset_file); null: options.committer.clock. Before the
  // committer, the services and the feeds that call it, so it outlives them.
  std::unique_ptr<pipeline::PictureClock> clock;
  // Replicated mode only: the region's log in etcd, leadership and the follower loop. Before the committer, which
  // appends through it; stopped before the committer stops.
  std::unique_ptr<replication::Member> member;
  std::unique_ptr<replication::MemberServiceImpl> member_service;  // With `member`: forwarded writes, on the leader.
  std::unique_ptr<pipeline::Committer> committer;
  std::unique_ptr<queries::Reader> reader;
  std::unique_ptr<pipeline::Scheduler> scheduler;
  // The outbox's delivery: sends the queued notifications (on the leader only) and commits the outcomes.
  std::unique_ptr<notify::CurlSender> notification_sender;
  std::unique_ptr<notify::DeliveryWorker> delivery;
  // Who is calling and what they may do; everything the services below refer to.
  std::unique_ptr<security::Authenticator> authenticator;
  std::unique_ptr<policy::RateLimiter> rate_limiter;
  std::unique_ptr<policy::WriteVolumeLimiter> write_volume;
  std::unique_ptr<policy::SubscriptionLimiter> subscription_limiter;
  std::unique_ptr<policy::SubscriptionLimiter> publish_stream_limiter;
  std::unique_ptr<policy::CallBudget> call_budget;
  // Reads that scan the store (List at a past revision, History), off gRPC's callback threads.
  std::unique_ptr<WorkPool> scans;
  std::unique_ptr<policy::AuditLog> audit;  // Null when options.audit is off.
  // Forwards reservations of federated organisations to their region's server; null without region endpoints.
  // Before the operations, which call it.
  std::unique_ptr<api::RegionForwarder> region_forwarder;
  std::unique_ptr<service::Operations> operations;
  std::unique_ptr<api::CallerGate> gate;
  std::unique_ptr<api::PictureService> service;
  std::unique_ptr<api::IncidentService> incident_service;
  std::unique_ptr<api::AlertService> alert_service;
  std::unique_ptr<api::AssistanceService> assistance_service;
  std::unique_ptr<api::ReportService> report_service;
  std::unique_ptr<api::InteropService> interop_service;
  std::unique_ptr<api::ExerciseService> exercise_service;
  std::unique_ptr<api::FederationService> federation_service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<http::Gateway> http_gateway;  // Null when http_listen_address is empty.
  std::unique_ptr<api::AdminService> admin_service;
  observability::FeedCounters feed_counters;
  std::atomic<int64_t> log_compactions{0};
  std::unique_ptr<observability::Metrics> metrics;  // Null when metrics_listen_address is empty.
  std::unique_ptr<storage::RetentionRunner> retention;
  // Ends publish streams whose certificate or token was revoked while they sent nothing (feeds check themselves).
  std::unique_ptr<PeriodicTask> revocation_sweep;

  // KetenbeeldServer::CompactLog, also used by the AdminService and retention.
  absl::Status CompactLog(int64_t revision);
  // What the metrics endpoint reports at scrape time.
  observability::ServerFigures Figures();
  // /healthz's role and lag of a replicated member; null on a single node.
  std::function<http::ReplicationHealth()> ReplicationHealthOrNull();

  absl::Mutex shutdown_mu;
  bool shutdown_started ABSL_GUARDED_BY(shutdown_mu) = false;
  absl::Notification shutdown_done;
};

absl::Status CheckServerOptions(const ServerOptions& options) {
  if (options.listen_address.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("listen: expected host:port, got \"", options.listen_address, "\""));
  }
  if (!options.tls.enabled() && !IsLoopbackAddress(options.listen_address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen: ", options.listen_address,
        " is not a loopback address; without TLS (tls.server_certificate) the server serves plaintext only on "
        "loopback (127.0.0.1, [::1], localhost)"));
  }
  if (!options.clock_offset_file.empty() && (options.tls.enabled() || !options.tokens_file.empty())) {
    return absl::InvalidArgumentError(absl::StrCat(
        pipeline::kClockOffsetFlag,
        ": a test-driven clock is for development only and is refused when TLS (tls.server_certificate) or "
        "tokens_file is configured: a production server's clock is never driven from outside"));
  }
  if (!options.http_listen_address.empty()) return http::CheckListenAddress(options.http_listen_address);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<KetenbeeldServer>> KetenbeeldServer::Start(const ServerOptions& options) {
  if (absl::Status valid = CheckServerOptions(options); !valid.ok()) return valid;
  const security::AuthenticatorOptions authentication{.tls = options.tls, .tokens_file = options.tokens_file};
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      security::MakeServerCredentials(authentication);
  if (!credentials.ok()) return credentials.status();
  absl::StatusOr<std::unique_ptr<security::Authenticator>> authenticator =
      security::Authenticator::Create(authentication);
  if (!authenticator.ok()) return authenticator.status();

  auto state = std::make_unique<State>();
  state->options = options;
  if (!options.clock_offset_file.empty()) {
    absl::StatusOr<std::unique_ptr<pipeline::PictureClock>> clock =
        pipeline::PictureClock::FromOffsetFile(options.clock_offset_file);
    if (!clock.ok()) return clock.status();
    state->clock = *std::move(clock);
  }
  std::optional<replication::MemberOptions> member_options = options.replication;
  if (member_options.has_value()) {
    if (options.tls.enabled()) {
      // Members reach each other over TLS with their server certificate, verified against the region's CA.
      absl::StatusOr<std::string> ca = security::ReadWholeFile(options.tls.client_ca, "tls.client_ca");
      absl::StatusOr<std::string> certificate =
          security::ReadWholeFile(options.tls.server_certificate, "tls.server_certificate");
      absl::StatusOr<std::string> key =
          security::ReadWholeFile(options.tls.server_private_key, "tls.server_private_key");
      for (const absl::StatusOr<std::string>* file : {&ca, &certificate, &key}) {
        if (!file->ok()) return file->status();
      }
      absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> member_credentials =
          replication::MemberCredentials(*ca, *certificate, *key);
      if (!member_credentials.ok()) return member_credentials.status();
      member_options->member_credentials = *std::move(member_credentials);
    }
    // A member whose store ends before the region's log (trimmed) takes a peer's checkpoint first.
    absl::StatusOr<replication::ReseedOutcome> reseeded =
        replication::ReseedIfBehind(*member_options, options.data_dir);
    if (!reseeded.ok()) {
      return absl::Status(reseeded.status().code(), absl::StrCat("re-seeding this member from the region's leader: ",
                                                                 reseeded.status().message()));
    }
  }
  absl::StatusOr<std::unique_ptr<storage::Store>> store =
      storage::Store::Open(storage::StoreOptions{.path = options.data_dir, .sync = options.sync});
  if (!store.ok()) return store.status();
  state->store = *std::move(store);
  WarnIfOthersCanRead(options.data_dir);
  absl::StatusOr<std::unique_ptr<state::Picture>> picture = state::Picture::Load(*state->store);
  if (!picture.ok()) return picture.status();
  state->picture = *std::move(picture);
  state->hub = std::make_unique<pipeline::Hub>(*state->store, state->store->last_revision(), options.hub);
  if (!options.metrics_listen_address.empty()) {
    absl::StatusOr<std::unique_ptr<observability::Metrics>> metrics =
        observability::Metrics::Serve(options.metrics_listen_address, [raw = state.get()] { return raw->Figures(); });
    if (!metrics.ok()) return metrics.status();
    state->metrics = *std::move(metrics);
  }
  pipeline::Committer::Options committer_options = options.committer;
  committer_options.observer = state->metrics.get();
  // The sector aggregates the committer derives withhold below the same minimum group size as the published figures.
  committer_options.region.set_min_aggregate_group(options.min_aggregate_group);
  if (member_options.has_value()) {
    member_options->observer = state->metrics.get();
    absl::StatusOr<std::unique_ptr<replication::Member>> member =
        replication::Member::Connect(*std::move(member_options), state->store->last_revision());
    if (!member.ok()) return member.status();
    state->member = *std::move(member);
    committer_options.replicated_log = state->member->log();
    committer_options.forwarder = state->member->forwarder();
    // A subscriber moving over from a member further along may resume a little ahead of this one.
    state->options.feed.resume_ahead_wait = absl::Seconds(10);
  }
  if (state->clock != nullptr) committer_options.clock = [clock = state->clock.get()] { return clock->Now(); };
  // One picture clock for commit times, the reports' `now` and the heartbeats' server_time.
  state->options.feed.clock = committer_options.clock;
  state->committer =
      std::make_unique<pipeline::Committer>(*state->store, *state->picture, *state->hub, committer_options);
  if (state->member != nullptr) state->member->Start(*state->committer);
  state->options.feed.counters = &state->feed_counters;
  state->reader = std::make_unique<queries::Reader>(*state->store, *state->picture, options.scan_limits);
  state->authenticator = *std::move(authenticator);
  state->rate_limiter = std::make_unique<policy::RateLimiter>(options.identity_limits.max_requests_per_second);
  state->write_volume = std::make_unique<policy::WriteVolumeLimiter>(options.identity_limits.max_write_bytes_per_second,
                                                                     options.identity_limits.max_write_burst_bytes);
  state->subscription_limiter =
      std::make_unique<policy::SubscriptionLimiter>(options.identity_limits.max_subscriptions);
  state->publish_stream_limiter = std::make_unique<policy::SubscriptionLimiter>(
      options.identity_limits.max_publish_streams, policy::SubscriptionLimiter::PublishStreams());
  state->call_budget = std::make_unique<policy::CallBudget>(
      policy::CallBudget::Options{.max_calls = options.identity_limits.max_calls_in_flight,
                                  .max_unsent_answers = options.identity_limits.max_unsent_answers,
                                  .max_response_bytes = options.identity_limits.max_response_bytes_held});
  state->scans = std::make_unique<WorkPool>(WorkPool::Options{.threads = options.scan_threads,
                                                              .queue = options.scan_queue,
                                                              .per_caller = options.scans_per_identity,
                                                              .limit = "scans",
                                                              .tasks = "reads of past revisions or history"});
  if (options.audit) {
    absl::StatusOr<std::unique_ptr<policy::AuditLog>> audit =
        policy::AuditLog::Open(absl::StrCat(options.data_dir, "/", kAuditTrailFile), options.audit_options);
    if (!audit.ok()) return audit.status();
    state->audit = *std::move(audit);
  }
  if (!options.region_endpoints.empty()) {
    absl::StatusOr<std::unique_ptr<api::RegionForwarder>> forwarder =
        api::RegionForwarder::Create(options.region_endpoints);
    if (!forwarder.ok()) return forwarder.status();
    state->region_forwarder = *std::move(forwarder);
  }
  // Kept across restarts, so that totals cannot be differenced across one (docs/security.md).
  const std::string published_figures = absl::StrCat(options.data_dir, "/", kPublishedFiguresFile);
  state->operations = std::make_unique<service::Operations>(
      service::Dependencies{.committer = *state->committer,
                            .reader = *state->reader,
                            .picture = *state->picture,
                            .audit = state->audit.get(),
                            .subscriptions = *state->subscription_limiter,
                            .write_volume = state->write_volume.get(),
                            .revalidator = state->authenticator.get(),
                            .min_aggregate_group = options.min_aggregate_group,
                            .published_figures_path = published_figures,
                            .clock = committer_options.clock,
                            .cap_sender = CapSender(committer_options),
                            .upstream_sources = options.upstream_sources,
                            .upstream_stale_after = options.upstream_stale_after,
                            .federation_observer = state->metrics.get(),
                            .safety_region = options.committer.region.safety_region(),
                            .reservation_forwarder = state->region_forwarder.get(),
                            .reservation_forwarders = options.reservation_forwarders});
  state->gate = std::make_unique<api::CallerGate>(
      *state->authenticator, api::CallerGate::Limits{.rate = *state->rate_limiter,
                                                     .calls = *state->call_budget,
                                                     .publish_streams = *state->publish_stream_limiter});
  const api::ServiceContext context{
      .operations = *state->operations, .gate = *state->gate, .scans = state->scans.get()};
  state->service = std::make_unique<api::PictureService>(
      api::PictureService::Dependencies{
          .services = context,
          .feed = {.hub = *state->hub, .picture = *state->picture, .store = *state->store},
          .rpc_observer = state->metrics.get()},
      state->options.feed);
  state->admin_service = std::make_unique<api::AdminService>(api::AdminService::Dependencies{
      .services = context,
      .store = *state->store,
      .audit = state->audit.get(),
      .backup_dir = options.backup_dir,
      .compact_log = [raw = state.get()](int64_t revision) { return raw->CompactLog(revision); }});
  state->incident_service = std::make_unique<api::IncidentService>(context);
  state->alert_service = std::make_unique<api::AlertService>(context);
  state->assistance_service = std::make_unique<api::AssistanceService>(context);
  state->report_service = std::make_unique<api::ReportService>(context);
  state->interop_service = std::make_unique<api::InteropService>(context);
  state->exercise_service = std::make_unique<api::ExerciseService>(context);
  state->federation_service = std::make_unique<api::FederationService>(context);

  if (!options.http_listen_address.empty()) {
    http::GatewayOptions http_options;
    http_options.listen_address = options.http_listen_address;
    http_options.assets_dir = options.http_assets_dir;
    http_options.public_origin = options.http_public_origin;
    http_options.map_tile_url = options.map_tile_url;
    http_options.map_attribution = options.map_attribution;
    http_options.max_streams = options.http_max_streams;
    http_options.max_connections = options.http_max_connections;
    http_options.idle_timeout = options.http_idle_timeout;
    http_options.header_timeout = options.http_header_timeout;
    http_options.feed = state->options.feed;  // One feed implementation: same options, same counters.
    absl::StatusOr<std::unique_ptr<http::Gateway>> gateway = http::Gateway::Start(
        http_options, http::GatewayDependencies{.operations = *state->operations,
                                                .authenticator = *state->authenticator,
                                                .rate = *state->rate_limiter,
                                                .call_budget = *state->call_budget,
                                                .picture = *state->picture,
                                                .store = *state->store,
                                                .hub = *state->hub,
                                                .replication_health = state->ReplicationHealthOrNull()});
    if (!gateway.ok()) return gateway.status();
    state->http_gateway = *std::move(gateway);
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, *credentials, &state->port);
  builder.RegisterService(state->service.get());
  builder.RegisterService(state->incident_service.get());
  builder.RegisterService(state->alert_service.get());
  builder.RegisterService(state->assistance_service.get());
  builder.RegisterService(state->report_service.get());
  builder.RegisterService(state->interop_service.get());
  builder.RegisterService(state->exercise_service.get());
  builder.RegisterService(state->federation_service.get());
  builder.RegisterService(state->admin_service.get());
  if (state->member != nullptr) {
    state->member_service = std::make_unique<replication::MemberServiceImpl>(
        *state->committer, *state->member->log(), *state->store, replication::CheckpointStagingPrefix(options.data_dir),
        state->member->options().member_token,
        [member = state->member.get()](int64_t revision) { member->HoldTrimForCheckpoint(revision); });
    builder.RegisterService(state->member_service.get());
  }
  // Request ids, the per-call log line and RPC metrics.
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<observability::RpcInterceptorFactory>(state->metrics.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  // One bound on what gRPC may hold for all callers together; the per-identity budgets (CallerGate) keep one caller
  // from taking it all.
  grpc::ResourceQuota quota("ketenbeeld-server");
  quota.Resize(
      static_cast<size_t>(options.memory_quota_bytes > 0 ? options.memory_quota_bytes : kDefaultMemoryQuotaBytes));
  builder.SetResourceQuota(quota);
  // Notice dead clients within seconds, and let clients keep idle feeds alive with their own pings.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  state->server = builder.BuildAndStart();
  if (state->server == nullptr || state->port == 0) {
    return absl::UnavailableError(absl::StrCat("listen: could not bind ", options.listen_address,
                                               " (in use, or not an address of this machine)"));
  }
  state->server->GetHealthCheckService()->SetServingStatus(kServiceName, true);
  state->server->GetHealthCheckService()->SetServingStatus(true);
  state->scheduler = std::make_unique<pipeline::Scheduler>(*state->committer, options.tick_interval);
  state->notification_sender = std::make_unique<notify::CurlSender>(options.notification_sender);
  notify::WorkerOptions worker_options = options.notification_worker;
  worker_options.clock = committer_options.clock;
  worker_options.observer = state->metrics.get();
  state->delivery = std::make_unique<notify::DeliveryWorker>(*state->committer, *state->picture,
                                                             *state->notification_sender, worker_options);
  state->retention = std::make_unique<storage::RetentionRunner>(
      *state->store, options.retention,
      storage::RetentionRunner::Callbacks{
          .head = [raw = state.get()] { return raw->picture->revision(); },
          .compact = [raw = state.get()](int64_t revision) { return raw->CompactLog(revision); },
          .on_error =
              [](const absl::Status& error) {
                observability::LogError("retention_failed", {{"error", error.ToString()}});
              }});

  state->revocation_sweep =
      std::make_unique<PeriodicTask>(options.feed.revalidate_interval, PeriodicTask::FirstRun::kAfterInterval,
                                     [raw = state.get()] { raw->service->EndRevokedPublishStreams(); });

  auto server = std::unique_ptr<KetenbeeldServer>(new KetenbeeldServer(std::move(state)));
  observability::LogInfo("server_started", {{"address", server->address()},
                                            {"data_dir", options.data_dir},
                                            {"revision", server->revision()},
                                            {"records", server->state_->picture->size()},
                                            {"safety_region", options.committer.region.safety_region()},
                                            {"metrics_port", server->metrics_port()},
                                            {"http_port", server->http_port()},
                                            {"transport", TransportOf(options)}});
  if (server->state_->authenticator->development_mode()) {
    observability::LogWarning(
        "development_mode",
        {{"message",
          "NO AUTHENTICATION: plaintext on loopback without tokens, every local caller may read and change "
          "everything. For production configure tls (mTLS) or tokens_file; see docs/security.md."}});
  }
  return server;
}

KetenbeeldServer::KetenbeeldServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

KetenbeeldServer::~KetenbeeldServer() { Shutdown(absl::Seconds(2)); }

int KetenbeeldServer::port() const { return state_->port; }

std::string KetenbeeldServer::address() const {
  const std::string host = HostOf(state_->options.listen_address);
  return absl::StrCat(absl::StrContains(host, ':') ? absl::StrCat("[", host, "]") : host, ":", state_->port);
}

int64_t KetenbeeldServer::revision() const { return state_->picture->revision(); }

int KetenbeeldServer::http_port() const { return state_->http_gateway ? state_->http_gateway->port() : 0; }

int KetenbeeldServer::metrics_port() const { return state_->metrics ? state_->metrics->port() : 0; }

absl::Status KetenbeeldServer::TickNow() { return state_->scheduler->TickNow(); }

absl::Status KetenbeeldServer::CompactLog(int64_t revision) { return state_->CompactLog(revision); }

absl::Status KetenbeeldServer::State::CompactLog(int64_t revision) {
  if (revision > picture->revision()) {
    return absl::FailedPreconditionError(
        absl::StrCat("revision ", revision, " is ahead of the picture at ", picture->revision()));
  }
  const int64_t before = store->compacted_revision();
  absl::Status status = store->CompactLog(revision);
  if (status.ok() && store->compacted_revision() > before) {
    log_compactions.fetch_add(1);
    observability::LogInfo("log_compacted", {{"revision", revision}});
  }
  return status;
}

observability::ServerFigures KetenbeeldServer::State::Figures() {
  observability::ServerFigures f;
  f.revision = picture->revision();
  f.compacted_revision = store->compacted_revision();
  const pipeline::Hub::Stats hub_stats = hub->stats();
  f.feeds_live = feed_counters.live.load();  // gRPC and SSE feeds alike.
  f.feeds_caught_up = static_cast<int64_t>(hub_stats.parked);
  f.feeds_lagging = feed_counters.lagging.load();
  f.feed_events_delivered = feed_counters.events_delivered.load();
  f.feed_resets = feed_counters.resets.load();
  f.hub_ring_events = static_cast<int64_t>(hub_stats.ring_events);
  f.hub_log_reads = hub_stats.log_reads;
  const pipeline::Committer::Stats committer_stats = committer->stats();
  f.storage_failed = committer_stats.storage_failed ? 1 : 0;
  f.storage_recoveries = committer_stats.recoveries;
  f.log_compactions = log_compactions.load();
  if (member != nullptr) {
    const replication::Member::Status replication = member->status();
    f.replicated = 1;
    f.replication_leader = replication.role == replication::Role::kLeader ? 1 : 0;
    f.replication_lag = std::max<int64_t>(0, replication.log_revision - committer->applied_revision());
    f.replication_leaderships = replication.leaderships;
    f.replication_etcd_db_bytes = replication.etcd_db_bytes;
    f.replication_etcd_db_in_use_bytes = replication.etcd_db_in_use_bytes;
    f.replication_etcd_alarms = replication.etcd_alarms;
    f.replication_log_first_revision = replication.log_first_revision;
    f.replication_log_contact_age_seconds = LogContactAgeSeconds(replication, absl::Now());
  }
  if (delivery != nullptr) {
    const notify::DeliveryWorker::Stats outbox = delivery->stats();
    f.notifications_queued = outbox.queued;
    f.notifications_failed = outbox.failed;
  }
  const storage::StoreProperties rocksdb = store->Properties();
  f.rocksdb_write_stopped = rocksdb.write_stopped;
  f.rocksdb_delayed_write_rate = rocksdb.delayed_write_rate;
  f.rocksdb_stall_micros = rocksdb.stall_micros;
  f.rocksdb_running_compactions = rocksdb.running_compactions;
  f.rocksdb_running_flushes = rocksdb.running_flushes;
  f.rocksdb_pending_compaction_bytes = rocksdb.pending_compaction_bytes;
  f.rocksdb_compaction_read_bytes = rocksdb.compaction_read_bytes;
  f.rocksdb_compaction_written_bytes = rocksdb.compaction_write_bytes;
  f.rocksdb_live_sst_bytes = rocksdb.live_sst_bytes;
  f.rocksdb_memtable_bytes = rocksdb.memtable_bytes;
  f.rocksdb_background_errors = rocksdb.background_errors;
  return f;
}

std::function<http::ReplicationHealth()> KetenbeeldServer::State::ReplicationHealthOrNull() {
  if (member == nullptr) return nullptr;
  return [this] {
    const replication::Member::Status status = member->status();
    const absl::Time now = absl::Now();
    return http::ReplicationHealth{
        .leader = status.role == replication::Role::kLeader,
        .lag_revisions = std::max<int64_t>(0, status.log_revision - committer->applied_revision()),
        .log_reachable = status.LogReachable(now),
        .log_contact_age_seconds = LogContactAgeSeconds(status, now)};
  };
}

void KetenbeeldServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&state_->shutdown_mu);
    if (state_->shutdown_started) {
      state_->shutdown_done.WaitForNotification();
      return;
    }
    state_->shutdown_started = true;
  }
  observability::LogInfo("server_stopping", {{"live_feeds", state_->service->live_feeds()}});
  state_->server->GetHealthCheckService()->SetServingStatus(false);
  state_->revocation_sweep->Stop();
  // New calls are answered UNAVAILABLE by us while gRPC still matches them to handlers (see ServerOptions).
  state_->gate->StartDraining();
  state_->service->EndAllFeeds();
  // Open PublishStatus streams end once their reports in flight are answered (the committer still runs), so they
  // do not keep the server waiting for the grace period.
  state_->service->EndAllPublishStreams();
  // Before the committer stops: the gateway's writes in flight complete like gRPC's.
  if (state_->http_gateway) state_->http_gateway->Stop();
  absl::SleepFor(std::min(state_->options.shutdown_drain, grace));
  state_->server->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  state_->server->Wait();
  // Every call is done, the forwarded ones too (each was answered before its call finished).
  if (state_->region_forwarder != nullptr) state_->region_forwarder->Stop();
  state_->admin_service.reset();  // Finishes a backup still running before the store goes.
  state_->scans->Stop();          // Every call is done, so nothing is queued; joins the threads before the store goes.
  // In-flight RPCs are done; stop deriving facts and sending the outbox (a notification sent but not yet recorded is
  // sent again after the restart, with the same idempotency key), commit what is queued, then close the store.
  state_->delivery->Stop();
  state_->scheduler->Stop();
  state_->retention->Stop();
  // Hands the region over (a leader resigns, so another member takes over at once) before the last writes are
  // committed: those are then refused, as nothing more may be appended by this member.
  if (state_->member != nullptr) state_->member->Stop();
  state_->committer->Stop();
  // The metrics endpoint reads the parts below: stop it before they go.
  state_->metrics.reset();
  const int64_t revision = state_->picture->revision();
  state_->committer.reset();
  state_->hub.reset();
  state_->store.reset();
  observability::LogInfo("server_stopped", {{"revision", revision}});
  state_->shutdown_done.Notify();
}

void KetenbeeldServer::Wait() { state_->shutdown_done.WaitForNotification(); }

}  // namespace ketenbeeld::app
