#include "server/api/server.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "server/api/picture_service.h"
#include "server/observability/log.h"
#include "server/pipeline/picture.h"
#include "server/pipeline/reader.h"
#include "storage/store.h"

namespace ketenbeeld::api {
namespace {

constexpr char kServiceName[] = "ketenbeeld.v1.PictureService";

// "host:port" -> host, without brackets.
std::string HostOf(const std::string& listen_address) {
  absl::string_view address = listen_address;
  const size_t colon = address.rfind(':');
  absl::string_view host = colon == absl::string_view::npos ? address : address.substr(0, colon);
  absl::ConsumePrefix(&host, "[");
  absl::ConsumeSuffix(&host, "]");
  return std::string(host);
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
  std::unique_ptr<pipeline::Picture> picture;
  std::unique_ptr<pipeline::Hub> hub;
  std::unique_ptr<pipeline::Committer> committer;
  std::unique_ptr<pipeline::Reader> reader;
  std::unique_ptr<PictureService> service;
  std::unique_ptr<grpc::Server> server;

  absl::Mutex shutdown_mu;
  bool shutdown_started ABSL_GUARDED_BY(shutdown_mu) = false;
  absl::Notification shutdown_done;
};

absl::StatusOr<std::unique_ptr<KetenbeeldServer>> KetenbeeldServer::Start(const ServerOptions& options) {
  if (options.listen_address.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("listen: expected host:port, got \"", options.listen_address, "\""));
  }
  if (!IsLoopbackAddress(options.listen_address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen: ", options.listen_address,
        " is not a loopback address; this build serves plaintext only on loopback (127.0.0.1, [::1], localhost)"));
  }

  auto state = std::make_unique<State>();
  state->options = options;
  absl::StatusOr<std::unique_ptr<storage::Store>> store =
      storage::Store::Open(storage::StoreOptions{.path = options.data_dir, .sync = options.sync});
  if (!store.ok()) return store.status();
  state->store = *std::move(store);
  absl::StatusOr<std::unique_ptr<pipeline::Picture>> picture = pipeline::Picture::Load(*state->store);
  if (!picture.ok()) return picture.status();
  state->picture = *std::move(picture);
  state->hub = std::make_unique<pipeline::Hub>(*state->store, state->store->last_revision(), options.hub);
  state->committer =
      std::make_unique<pipeline::Committer>(*state->store, *state->picture, *state->hub, options.committer);
  state->reader = std::make_unique<pipeline::Reader>(*state->store, *state->picture);
  state->service = std::make_unique<PictureService>(
      PictureService::Dependencies{.committer = *state->committer,
                                   .reader = *state->reader,
                                   .feed = {.hub = *state->hub, .picture = *state->picture, .store = *state->store}},
      options.feed);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(), &state->port);
  builder.RegisterService(state->service.get());
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
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

  auto server = std::unique_ptr<KetenbeeldServer>(new KetenbeeldServer(std::move(state)));
  observability::LogInfo("server_started", {{"address", server->address()},
                                            {"data_dir", options.data_dir},
                                            {"revision", server->revision()},
                                            {"records", server->state_->picture->size()},
                                            {"transport", "plaintext (loopback only)"}});
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

absl::Status KetenbeeldServer::CompactLog(int64_t revision) {
  if (revision > state_->picture->revision()) {
    return absl::FailedPreconditionError(
        absl::StrCat("revision ", revision, " is ahead of the picture at ", state_->picture->revision()));
  }
  absl::Status status = state_->store->CompactLog(revision);
  if (status.ok()) observability::LogInfo("log_compacted", {{"revision", revision}});
  return status;
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
  state_->service->EndAllFeeds();
  state_->server->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  state_->server->Wait();
  // In-flight RPCs are done; commit what is queued, then close the store.
  state_->committer->Stop();
  const int64_t revision = state_->picture->revision();
  state_->committer.reset();
  state_->hub.reset();
  state_->store.reset();
  observability::LogInfo("server_stopped", {{"revision", revision}});
  state_->shutdown_done.Notify();
}

void KetenbeeldServer::Wait() { state_->shutdown_done.WaitForNotification(); }

}  // namespace ketenbeeld::api
