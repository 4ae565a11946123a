#include "etcd/client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "etcd/proto/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/proto/v3electionpb/v3election.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace ketenbeeld::etcd {

namespace internal {

// One etcd member: its channel and the stubs on it. Immutable after Connect; gRPC stubs are thread-safe.
struct Endpoint {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
  std::unique_ptr<v3electionpb::Election::Stub> election;
};

}  // namespace internal

namespace {

// etcd's messages (etcdserver/api/v3rpc/rpctypes/error.go, concurrency/election.go in etcd 3.4).
constexpr absl::string_view kCompacted = "etcdserver: mvcc: required revision has been compacted";
constexpr absl::string_view kNoSpace = "etcdserver: mvcc: database space exceeded";
constexpr absl::string_view kTooLarge = "etcdserver: request is too large";
constexpr absl::string_view kNoLeader = "etcdserver: no leader";
constexpr absl::string_view kElectionNoLeader = "election: no leader";
constexpr absl::string_view kElectionNotLeader = "election: not leader";
// Go's context errors, which an etcd handler returns as UNKNOWN when the deadline or cancellation the client sent
// along reaches the server before the client's own timer fires.
constexpr absl::string_view kGoDeadlineExceeded = "context deadline exceeded";
constexpr absl::string_view kGoCancelled = "context canceled";
// The status payload that carries a watch's compact revision (CompactRevision()).
constexpr absl::string_view kCompactRevisionPayload = "type.googleapis.com/ketenbeeld.etcd.CompactRevision";
// A failed keep-alive is tried again after at most this long (on the next endpoint).
constexpr absl::Duration kRenewRetry = absl::Milliseconds(200);
// How long a read waits before asking again when every member has answered "no leader" (an election is under way).
constexpr absl::Duration kNoLeaderPause = absl::Milliseconds(100);

// The metadata etcd's interceptors read (rpctypes.MetadataRequireLeaderKey / MetadataHasLeader).
constexpr char kRequireLeaderKey[] = "hasleader";
constexpr char kRequireLeaderValue[] = "true";

// A call whose deadline is further away than this many request timeouts is a long call, watched by a LivenessProbe.
constexpr int kLongCall = 3;

bool Fails(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded;
}

// A gRPC status as an absl::Status naming the endpoint and method; etcd's election errors and Go's context errors,
// which travel as UNKNOWN, get the code that says what they mean.
absl::Status FromGrpc(const grpc::Status& status, absl::string_view endpoint, absl::string_view method) {
  if (status.ok()) return absl::OkStatus();
  auto code = static_cast<absl::StatusCode>(status.error_code());
  if (code == absl::StatusCode::kUnknown) {
    const std::string message = status.error_message();  // error_message() returns a copy: keep it.
    if (message == kElectionNoLeader) {
      code = absl::StatusCode::kNotFound;
    } else if (message == kElectionNotLeader) {
      code = absl::StatusCode::kFailedPrecondition;
    } else if (message == kGoDeadlineExceeded) {
      code = absl::StatusCode::kDeadlineExceeded;
    } else if (message == kGoCancelled) {
      code = absl::StatusCode::kCancelled;
    }
  }
  return absl::Status(code, absl::StrCat("etcd ", endpoint, " ", method, ": ", status.error_message()));
}

// "host:port" with a non-empty host and a port in 1..65535.
bool ValidEndpoint(absl::string_view endpoint) {
  const size_t colon = endpoint.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  int port = 0;
  return absl::SimpleAtoi(endpoint.substr(colon + 1), &port) && port > 0 && port <= 65535;
}

absl::string_view StateName(grpc_connectivity_state state) {
  switch (state) {
    case GRPC_CHANNEL_IDLE:
      return "idle";
    case GRPC_CHANNEL_CONNECTING:
      return "connecting";
    case GRPC_CHANNEL_READY:
      return "ready";
    case GRPC_CHANNEL_TRANSIENT_FAILURE:
      return "transient failure";
    case GRPC_CHANNEL_SHUTDOWN:
      return "shut down";
  }
  return "unknown";
}

int ToMillis(absl::Duration duration) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(duration), 1, INT32_MAX));
}

}  // namespace

namespace internal {

// Registers a context with a token for the life of a scope.
class CancelRegistration {
 public:
  CancelRegistration(CancelToken* token, grpc::ClientContext* context)
      : token_(token), registered_(token == nullptr || token->Register(context)) {}
  ~CancelRegistration() {
    if (token_ != nullptr && registered_) token_->Unregister();
  }
  CancelRegistration(const CancelRegistration&) = delete;
  CancelRegistration& operator=(const CancelRegistration&) = delete;
  // False when the token was already cancelled: do not start the call.
  bool ok() const { return registered_; }

 private:
  CancelToken* const token_;
  const bool registered_;
};

// Watches the etcd member under a call that may block for long (a campaign without deadline, a watch, an observe):
// every `interval` it asks that member for its Status, with `timeout` as the deadline. When the member does not
// answer in time (its machine froze, or a partition drops its packets without a reset), the probe cancels the call at
// once. gRPC's keepalive would notice too, but only after keepalive_time + keepalive_timeout (15 s by default), and
// meanwhile a campaign does not hear that it won and a watch delivers nothing. A member that answers but has no raft
// leader is not the probe's business: `hasleader` already ends those calls.
//
// Thread safety: the probe runs its own thread; Stop() (also run by the destructor) joins it. `call` must outlive the
// probe, so declare the probe after the context and before the stream.
class LivenessProbe {
 public:
  // A zero `interval` starts no thread: the probe never fires.
  LivenessProbe(Endpoint& endpoint, grpc::ClientContext* call, absl::Duration interval, absl::Duration timeout)
      : endpoint_(endpoint), call_(call), interval_(interval), timeout_(timeout) {
    if (interval_ > absl::ZeroDuration()) thread_ = std::thread([this] { Run(); });
  }
  ~LivenessProbe() { Stop(); }
  LivenessProbe(const LivenessProbe&) = delete;
  LivenessProbe& operator=(const LivenessProbe&) = delete;

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

  // Why the probe cancelled the call (UNAVAILABLE naming the member); OK when it did not.
  absl::Status failure() const {
    absl::MutexLock lock(&mu_);
    return failure_;
  }

 private:
  void Run() {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
      }
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
      etcdserverpb::StatusRequest request;
      etcdserverpb::StatusResponse response;
      const grpc::Status status = endpoint_.maintenance->Status(&context, request, &response);
      if (status.ok()) continue;
      absl::MutexLock lock(&mu_);
      if (stopping_) return;  // The call ended on its own; the probe's failure is not why.
      failure_ = absl::UnavailableError(absl::StrCat("etcd ", endpoint_.address, " stopped answering (Status: ",
                                                     status.error_message(), "); the call was cancelled"));
      call_->TryCancel();
      return;
    }
  }

  Endpoint& endpoint_;
  grpc::ClientContext* const call_;
  const absl::Duration interval_;
  const absl::Duration timeout_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace internal

namespace {

absl::Status Cancelled(absl::string_view what) {
  return absl::CancelledError(absl::StrCat("etcd ", what, ": cancelled"));
}

}  // namespace

// --- Free functions ---

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  for (size_t i = end.size(); i > 0; --i) {
    auto byte = static_cast<unsigned char>(end[i - 1]);
    if (byte < 0xff) {
      end[i - 1] = static_cast<char>(byte + 1);
      end.resize(i);
      return end;
    }
  }
  return std::string(1, '\0');
}

bool IsCompacted(const absl::Status& status) {
  return status.code() == absl::StatusCode::kOutOfRange &&
         (absl::StrContains(status.message(), kCompacted) || CompactRevision(status).has_value());
}
bool IsNoSpace(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted && absl::StrContains(status.message(), kNoSpace);
}
bool IsRequestTooLarge(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument && absl::StrContains(status.message(), kTooLarge);
}
bool IsNoLeader(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable && absl::StrContains(status.message(), kNoLeader);
}
bool OutcomeUnknown(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
      return true;
    case absl::StatusCode::kUnavailable:
      return !IsNoLeader(status);
    default:
      return false;
  }
}
std::optional<int64_t> CompactRevision(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kOutOfRange) return std::nullopt;
  absl::optional<absl::Cord> payload = status.GetPayload(kCompactRevisionPayload);
  int64_t revision = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &revision)) return std::nullopt;
  return revision;
}

// --- CancelToken ---

void CancelToken::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}
bool CancelToken::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}
bool CancelToken::Register(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  context_ = context;
  return true;
}
void CancelToken::Unregister() {
  absl::MutexLock lock(&mu_);
  context_ = nullptr;
}

// --- Client: connection and calls ---

Client::Client(ClientOptions options) : options_(std::move(options)) {}
Client::~Client() = default;

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  if (options.endpoints.empty()) return absl::InvalidArgumentError("etcd: endpoints: at least one is needed");
  for (const std::string& endpoint : options.endpoints) {
    if (!ValidEndpoint(endpoint)) {
      return absl::InvalidArgumentError(absl::StrCat("etcd: endpoints: \"", endpoint, "\" is not host:port"));
    }
  }
  if (options.request_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("etcd: request_timeout: must be positive");
  }
  if (options.dial_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("etcd: dial_timeout: must not be negative");
  }

  std::unique_ptr<Client> client(new Client(options));
  grpc::ChannelArguments args;
  // Members come back after a restart within seconds: reconnect quickly instead of gRPC's backoff of up to 120 s.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, the time one connection attempt may take, stays at gRPC's 20 s: a connection
  // attempt only progresses while a thread polls its channel, and a channel in TRANSIENT_FAILURE that no call waits
  // on is polled only by gRPC's backup poller, every 5 s. A shorter attempt would time out between two polls,
  // every time, and a member that came back would never be reconnected to.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, ToMillis(options.keepalive_time));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ToMillis(options.keepalive_timeout));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  // A Range answer is as large as the range; etcd's own client accepts any size too.
  args.SetMaxReceiveMessageSize(-1);
  // Separate connections per endpoint even to one host (the channels would otherwise share subchannels).
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  for (const std::string& address : options.endpoints) {
    auto endpoint = std::make_unique<internal::Endpoint>();
    endpoint->address = address;
    endpoint->channel = grpc::CreateCustomChannel(
        address, options.credentials != nullptr ? options.credentials : grpc::InsecureChannelCredentials(), args);
    endpoint->kv = etcdserverpb::KV::NewStub(endpoint->channel);
    endpoint->watch = etcdserverpb::Watch::NewStub(endpoint->channel);
    endpoint->lease = etcdserverpb::Lease::NewStub(endpoint->channel);
    endpoint->maintenance = etcdserverpb::Maintenance::NewStub(endpoint->channel);
    endpoint->election = v3electionpb::Election::NewStub(endpoint->channel);
    endpoint->channel->GetState(/*try_to_connect=*/true);
    client->endpoint_names_.push_back(address);
    client->endpoints_.push_back(std::move(endpoint));
  }
  if (options.dial_timeout == absl::ZeroDuration()) return client;

  // Wait for the first endpoint to connect. Waiting on a channel's state is also what polls its connection attempt,
  // so the wait goes round the endpoints, at most 20 ms on each, until one is ready or dial_timeout has passed.
  const absl::Time deadline = absl::Now() + options.dial_timeout;
  for (size_t round = 0;; ++round) {
    const size_t i = round % client->endpoints_.size();
    grpc::Channel& channel = *client->endpoints_[i]->channel;
    const grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/true);
    if (state == GRPC_CHANNEL_READY) {
      client->current_ = i;
      return client;
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) break;
    channel.WaitForStateChange(state, absl::ToChronoTime(std::min(deadline, now + absl::Milliseconds(20))));
  }
  std::vector<std::string> states;
  for (const auto& endpoint : client->endpoints_) {
    states.push_back(absl::StrCat(endpoint->address, " (", StateName(endpoint->channel->GetState(false)), ")"));
  }
  return absl::UnavailableError(
      absl::StrCat("etcd: no endpoint connected within ", absl::FormatDuration(options.dial_timeout),
                   options.credentials != nullptr ? " over TLS" : "", ": ", absl::StrJoin(states, ", ")));
}

std::string Client::current_endpoint() const { return endpoint_names_[current_.load() % endpoints_.size()]; }

Client::Pick Client::PickEndpoint() const {
  const size_t count = endpoints_.size();
  const size_t current = current_.load() % count;
  for (size_t step = 0; step < count; ++step) {
    const size_t index = (current + step) % count;
    const grpc_connectivity_state state = endpoints_[index]->channel->GetState(/*try_to_connect=*/true);
    if (state != GRPC_CHANNEL_TRANSIENT_FAILURE && state != GRPC_CHANNEL_SHUTDOWN) return {index, false};
  }
  return {current, true};
}

void Client::MarkFailed(size_t index) {
  size_t expected = index;
  current_.compare_exchange_strong(expected, (index + 1) % endpoints_.size());
}

void Client::PrepareContext(grpc::ClientContext* context, std::optional<absl::Time> deadline, bool wait_for_ready) {
  if (deadline) context->set_deadline(absl::ToChronoTime(*deadline));
  context->AddMetadata(kRequireLeaderKey, kRequireLeaderValue);
  // Every endpoint is failing: rather than fail at once (gRPC's default for a channel in TRANSIENT_FAILURE), wait
  // for this one until the deadline. The waiting call is also what polls the channel's next connection attempt, so a
  // member that comes back is used within milliseconds.
  context->set_wait_for_ready(wait_for_ready);
}

template <typename Response, typename Rpc>
absl::StatusOr<Response> Client::CallOn(Pick pick, absl::string_view method, absl::Time deadline, CancelToken* cancel,
                                        Rpc rpc) {
  const size_t index = pick.index;
  internal::Endpoint& endpoint = *endpoints_[index];
  grpc::ClientContext context;
  PrepareContext(&context, deadline, pick.all_failing);
  internal::CancelRegistration registration(cancel, &context);
  if (!registration.ok()) return Cancelled(method);
  // A call that may wait longer than a few request timeouts (a campaign) is watched by a probe of its member.
  const bool long_call = deadline - absl::Now() > kLongCall * options_.request_timeout;
  internal::LivenessProbe probe(endpoint, &context, long_call ? options_.probe_interval : absl::ZeroDuration(),
                                options_.request_timeout);
  Response response;
  absl::Status status = FromGrpc(rpc(endpoint, &context, &response), endpoint.address, method);
  probe.Stop();
  if (absl::Status failure = probe.failure(); !failure.ok()) status = failure;
  if (!status.ok()) {
    if (Fails(status.code())) MarkFailed(index);
    return status;
  }
  // The member that answered is the one to ask first next time: a read retried on a member that answered "no leader"
  // earlier in the same call may succeed after MarkFailed has moved on past it, even back to a member that is down.
  current_.store(index);
  return response;
}

template <typename Response, typename Rpc>
absl::StatusOr<Response> Client::Call(absl::string_view method, Retry retry, absl::Time deadline, CancelToken* cancel,
                                      Rpc rpc) {
  const size_t attempts = retry == Retry::kOtherEndpoints ? endpoints_.size() : 1;
  // The whole budget of a retried read: one request timeout per endpoint.
  const absl::Time give_up = absl::Now() + static_cast<int64_t>(attempts) * options_.request_timeout;
  // A member that answered "no leader" during this call: it is alive and will serve the read once an election is over.
  std::optional<size_t> answering;
  absl::StatusOr<Response> result;
  for (size_t attempt = 0;; ++attempt) {
    Pick pick = PickEndpoint();
    if (attempt >= attempts) {
      // Every endpoint has been tried. When the leader has just been lost (killed or frozen), the others answer "no
      // leader" once they notice, and until then a linearizable read on them waits for the lost leader and times out.
      // Either way a new leader follows within an election timeout or two: the read asks a member that answered
      // again, within its budget, rather than fail in the middle of a failover, and never returns to one that did
      // not answer (it may be frozen). A member cut off from the majority keeps answering "no leader", and the read
      // fails when the budget is spent.
      if (retry != Retry::kOtherEndpoints || !answering || absl::Now() + kNoLeaderPause >= give_up) break;
      absl::SleepFor(kNoLeaderPause);
      pick = Pick{.index = *answering};
    }
    // A retried read gets a fresh timeout per attempt: the first may have used all of its own on a frozen member.
    const absl::Time attempt_deadline = attempt == 0 ? deadline : absl::Now() + options_.request_timeout;
    result = CallOn<Response>(pick, method, attempt_deadline, cancel, rpc);
    if (result.ok() || !Fails(result.status().code())) break;
    if (IsNoLeader(result.status())) answering = pick.index;
  }
  return result;
}

absl::StatusOr<size_t> Client::EndpointIndex(std::string_view endpoint) const {
  for (size_t i = 0; i < endpoint_names_.size(); ++i) {
    if (endpoint_names_[i] == endpoint) return i;
  }
  return absl::InvalidArgumentError(absl::StrCat("etcd: endpoint \"", std::string(endpoint),
                                                 "\" is not one of the client's (",
                                                 absl::StrJoin(endpoint_names_, ", "), ")"));
}

// --- KV ---

absl::StatusOr<etcdserverpb::RangeResponse> Client::Range(const etcdserverpb::RangeRequest& request) {
  return Call<etcdserverpb::RangeResponse>(
      "KV.Range", Retry::kOtherEndpoints, absl::Now() + options_.request_timeout, nullptr,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.kv->Range(c, request, r); });
}

absl::StatusOr<GetResult> Client::Get(std::string_view key) {
  etcdserverpb::RangeRequest request;
  request.set_key(std::string(key));
  absl::StatusOr<etcdserverpb::RangeResponse> response = Range(request);
  if (!response.ok()) return response.status();
  GetResult result;
  result.revision = response->header().revision();
  if (response->kvs_size() > 0) result.kv = std::move(*response->mutable_kvs(0));
  return result;
}

absl::StatusOr<etcdserverpb::PutResponse> Client::Put(const etcdserverpb::PutRequest& request) {
  return Call<etcdserverpb::PutResponse>(
      "KV.Put", Retry::kNo, absl::Now() + options_.request_timeout, nullptr,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.kv->Put(c, request, r); });
}

absl::StatusOr<etcdserverpb::PutResponse> Client::Put(std::string_view key, std::string_view value, int64_t lease_id) {
  etcdserverpb::PutRequest request;
  request.set_key(std::string(key));
  request.set_value(std::string(value));
  request.set_lease(lease_id);
  return Put(request);
}

absl::StatusOr<etcdserverpb::DeleteRangeResponse> Client::DeleteRange(const etcdserverpb::DeleteRangeRequest& request) {
  return Call<etcdserverpb::DeleteRangeResponse>(
      "KV.DeleteRange", Retry::kNo, absl::Now() + options_.request_timeout, nullptr,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.kv->DeleteRange(c, request, r); });
}

absl::StatusOr<etcdserverpb::TxnResponse> Client::Txn(const etcdserverpb::TxnRequest& request) {
  return Txn(request, options_.request_timeout);
}

absl::StatusOr<etcdserverpb::TxnResponse> Client::Txn(const etcdserverpb::TxnRequest& request, absl::Duration timeout) {
  return Call<etcdserverpb::TxnResponse>(
      "KV.Txn", Retry::kNo, absl::Now() + timeout, nullptr,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.kv->Txn(c, request, r); });
}

absl::StatusOr<etcdserverpb::CompactionResponse> Client::Compact(int64_t revision, bool physical) {
  etcdserverpb::CompactionRequest request;
  request.set_revision(revision);
  request.set_physical(physical);
  return Call<etcdserverpb::CompactionResponse>(
      "KV.Compact", Retry::kNo, absl::Now() + options_.request_timeout, nullptr,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.kv->Compact(c, request, r); });
}

// --- Leases ---

absl::StatusOr<Lease> Client::Grant(absl::Duration ttl) {
  if (ttl < absl::Seconds(1)) {
    return absl::InvalidArgumentError(absl::StrCat("etcd: ttl: ", absl::FormatDuration(ttl), " is below 1 s"));
  }
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(absl::ToInt64Seconds(absl::Ceil(ttl, absl::Seconds(1))));
  const absl::Time sent = absl::Now();
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> response = Call<etcdserverpb::LeaseGrantResponse>(
      "Lease.LeaseGrant", Retry::kNo, sent + options_.request_timeout, nullptr,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.lease->LeaseGrant(c, request, r); });
  if (!response.ok()) return response.status();
  if (!response->error().empty())
    return absl::InternalError(absl::StrCat("etcd Lease.LeaseGrant: ", response->error()));
  const absl::Duration granted = absl::Seconds(response->ttl());
  return Lease{.id = response->id(), .ttl = granted, .deadline = sent + granted};
}

absl::Status Client::Revoke(int64_t lease_id) {
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(lease_id);
  return Call<etcdserverpb::LeaseRevokeResponse>("Lease.LeaseRevoke", Retry::kNo,
                                                 absl::Now() + options_.request_timeout, nullptr,
                                                 [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) {
                                                   return e.lease->LeaseRevoke(c, request, r);
                                                 })
      .status();
}

absl::StatusOr<etcdserverpb::LeaseTimeToLiveResponse> Client::TimeToLive(int64_t lease_id, bool keys) {
  etcdserverpb::LeaseTimeToLiveRequest request;
  request.set_id(lease_id);
  request.set_keys(keys);
  return Call<etcdserverpb::LeaseTimeToLiveResponse>(
      "Lease.LeaseTimeToLive", Retry::kOtherEndpoints, absl::Now() + options_.request_timeout, nullptr,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.lease->LeaseTimeToLive(c, request, r); });
}

std::unique_ptr<LeaseKeeper> Client::KeepAlive(const Lease& lease, std::function<void(absl::Status)> on_lost,
                                               bool revoke_on_destroy) {
  return std::unique_ptr<LeaseKeeper>(new LeaseKeeper(this, lease, std::move(on_lost), revoke_on_destroy));
}

// --- Watch and Observe ---

std::unique_ptr<Watcher> Client::Watch(WatchOptions options,
                                       std::function<void(const etcdserverpb::WatchResponse&)> on_response,
                                       std::function<void(absl::Status)> on_error) {
  return std::unique_ptr<Watcher>(new Watcher(this, std::move(options), std::move(on_response), std::move(on_error)));
}

std::unique_ptr<Observer> Client::Observe(std::string_view name,
                                          std::function<void(const v3electionpb::LeaderResponse&)> on_leader,
                                          std::function<void(absl::Status)> on_error) {
  return std::unique_ptr<Observer>(new Observer(this, std::string(name), std::move(on_leader), std::move(on_error)));
}

// --- Election ---

absl::StatusOr<v3electionpb::LeaderKey> Client::Campaign(std::string_view name, int64_t lease_id,
                                                         std::string_view value, absl::Time deadline,
                                                         CancelToken* cancel) {
  v3electionpb::CampaignRequest request;
  request.set_name(std::string(name));
  request.set_lease(lease_id);
  request.set_value(std::string(value));
  absl::StatusOr<v3electionpb::CampaignResponse> response = Call<v3electionpb::CampaignResponse>(
      "Election.Campaign", Retry::kNo, deadline, cancel,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.election->Campaign(c, request, r); });
  if (!response.ok()) return response.status();
  return response->leader();
}

absl::Status Client::Proclaim(const v3electionpb::LeaderKey& leader, std::string_view value) {
  v3electionpb::ProclaimRequest request;
  *request.mutable_leader() = leader;
  request.set_value(std::string(value));
  return Call<v3electionpb::ProclaimResponse>("Election.Proclaim", Retry::kNo, absl::Now() + options_.request_timeout,
                                              nullptr,
                                              [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) {
                                                return e.election->Proclaim(c, request, r);
                                              })
      .status();
}

absl::StatusOr<mvccpb::KeyValue> Client::Leader(std::string_view name) {
  v3electionpb::LeaderRequest request;
  request.set_name(std::string(name));
  absl::StatusOr<v3electionpb::LeaderResponse> response = Call<v3electionpb::LeaderResponse>(
      "Election.Leader", Retry::kOtherEndpoints, absl::Now() + options_.request_timeout, nullptr,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.election->Leader(c, request, r); });
  if (!response.ok()) return response.status();
  return response->kv();
}

absl::Status Client::Resign(const v3electionpb::LeaderKey& leader) {
  v3electionpb::ResignRequest request;
  *request.mutable_leader() = leader;
  return Call<v3electionpb::ResignResponse>(
             "Election.Resign", Retry::kNo, absl::Now() + options_.request_timeout, nullptr,
             [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.election->Resign(c, request, r); })
      .status();
}

// --- Maintenance ---

absl::StatusOr<etcdserverpb::StatusResponse> Client::Status(std::string_view endpoint) {
  absl::StatusOr<size_t> index = EndpointIndex(endpoint);
  if (!index.ok()) return index.status();
  etcdserverpb::StatusRequest request;
  return CallOn<etcdserverpb::StatusResponse>(
      {*index, false}, "Maintenance.Status", absl::Now() + options_.request_timeout, nullptr,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.maintenance->Status(c, request, r); });
}

absl::Status Client::Defragment(std::string_view endpoint, absl::Duration timeout) {
  absl::StatusOr<size_t> index = EndpointIndex(endpoint);
  if (!index.ok()) return index.status();
  etcdserverpb::DefragmentRequest request;
  return CallOn<etcdserverpb::DefragmentResponse>({*index, false}, "Maintenance.Defragment", absl::Now() + timeout,
                                                  nullptr,
                                                  [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) {
                                                    return e.maintenance->Defragment(c, request, r);
                                                  })
      .status();
}

absl::StatusOr<std::vector<etcdserverpb::AlarmMember>> Client::AlarmList() {
  etcdserverpb::AlarmRequest request;
  request.set_action(etcdserverpb::AlarmRequest::GET);
  absl::StatusOr<etcdserverpb::AlarmResponse> response = Call<etcdserverpb::AlarmResponse>(
      "Maintenance.Alarm", Retry::kOtherEndpoints, absl::Now() + options_.request_timeout, nullptr,
      [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) { return e.maintenance->Alarm(c, request, r); });
  if (!response.ok()) return response.status();
  return std::vector<etcdserverpb::AlarmMember>(response->alarms().begin(), response->alarms().end());
}

absl::Status Client::AlarmDisarm(const etcdserverpb::AlarmMember& alarm) {
  etcdserverpb::AlarmRequest request;
  request.set_action(etcdserverpb::AlarmRequest::DEACTIVATE);
  request.set_memberid(alarm.memberid());
  request.set_alarm(alarm.alarm());
  return Call<etcdserverpb::AlarmResponse>("Maintenance.Alarm", Retry::kOtherEndpoints,
                                           absl::Now() + options_.request_timeout, nullptr,
                                           [&](internal::Endpoint& e, grpc::ClientContext* c, auto* r) {
                                             return e.maintenance->Alarm(c, request, r);
                                           })
      .status();
}

// --- LeaseKeeper ---

LeaseKeeper::LeaseKeeper(Client* client, const Lease& lease, std::function<void(absl::Status)> on_lost,
                         bool revoke_on_destroy)
    : client_(client),
      lease_id_(lease.id),
      ttl_(lease.ttl),
      on_lost_(std::move(on_lost)),
      revoke_on_destroy_(revoke_on_destroy),
      deadline_(lease.deadline),
      thread_([this] { Run(); }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  cancel_.Cancel();
  thread_.join();
  if (revoke_on_destroy_ && !lost()) (void)client_->Revoke(lease_id_);
}

absl::Time LeaseKeeper::deadline() const {
  absl::MutexLock lock(&mu_);
  return deadline_;
}

bool LeaseKeeper::lost() const {
  absl::MutexLock lock(&mu_);
  return lost_;
}

absl::StatusOr<int64_t> LeaseKeeper::RenewOnce(absl::Time deadline) {
  const Client::Pick pick = client_->PickEndpoint();
  const size_t index = pick.index;
  internal::Endpoint& endpoint = *client_->endpoints_[index];
  grpc::ClientContext context;
  Client::PrepareContext(&context, deadline, pick.all_failing);
  internal::CancelRegistration registration(&cancel_, &context);
  if (!registration.ok()) return Cancelled("Lease.LeaseKeepAlive");
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>>
      stream = endpoint.lease->LeaseKeepAlive(&context);
  etcdserverpb::LeaseKeepAliveRequest request;
  request.set_id(lease_id_);
  etcdserverpb::LeaseKeepAliveResponse response;
  const bool answered = stream->Write(request) && stream->Read(&response);
  // etcd answers each request before it reads the next, so closing our side now ends the stream with OK.
  if (answered) stream->WritesDone();
  absl::Status status = FromGrpc(stream->Finish(), endpoint.address, "Lease.LeaseKeepAlive");
  if (!answered && status.ok()) {
    status = absl::UnavailableError(absl::StrCat("etcd ", endpoint.address, " Lease.LeaseKeepAlive: no answer"));
  }
  if (!answered) {
    if (Fails(status.code())) client_->MarkFailed(index);
    return status;
  }
  return response.ttl();
}

void LeaseKeeper::Run() {
  const absl::Duration interval = std::max(ttl_ / 3, absl::Milliseconds(100));
  absl::Time next = absl::Now();  // renew at once: confirms the lease exists
  absl::Status lost_status;
  while (true) {
    absl::Time deadline;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(&stopping_), std::min(next, deadline_));
      if (stopping_) return;
      deadline = deadline_;
    }
    const absl::Time sent = absl::Now();
    if (sent >= deadline) {
      lost_status = absl::DeadlineExceededError(absl::StrFormat(
          "etcd lease %x: no renewal succeeded before its deadline %s", lease_id_, absl::FormatTime(deadline)));
      break;
    }
    absl::StatusOr<int64_t> ttl = RenewOnce(std::min(deadline, sent + client_->options_.request_timeout));
    if (ttl.ok() && *ttl <= 0) {
      lost_status = absl::NotFoundError(absl::StrFormat("etcd lease %x: expired or revoked (TTL %d)", lease_id_, *ttl));
      break;
    }
    if (ttl.ok()) {
      absl::MutexLock lock(&mu_);
      deadline_ = std::max(deadline_, sent + absl::Seconds(*ttl));
      next = sent + interval;
    } else {
      next = absl::Now() + std::min(interval, kRenewRetry);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    lost_ = true;
  }
  if (on_lost_) on_lost_(std::move(lost_status));
}

// --- Watcher ---

Watcher::Watcher(Client* client, WatchOptions options,
                 std::function<void(const etcdserverpb::WatchResponse&)> on_response,
                 std::function<void(absl::Status)> on_error)
    : client_(client),
      options_(std::move(options)),
      on_response_(std::move(on_response)),
      on_error_(std::move(on_error)),
      thread_([this] { Run(); }) {}

Watcher::~Watcher() {
  cancel_.Cancel();
  thread_.join();
}

bool Watcher::WaitUntilCreated(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto settled = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return created_ || ended_; };
  mu_.AwaitWithTimeout(absl::Condition(&settled), timeout);
  return created_;
}

absl::Status Watcher::ReadStream(size_t index) {
  internal::Endpoint& endpoint = *client_->endpoints_[index];
  grpc::ClientContext context;
  Client::PrepareContext(&context, std::nullopt, /*wait_for_ready=*/false);
  internal::CancelRegistration registration(&cancel_, &context);
  if (!registration.ok()) return Cancelled("Watch.Watch");
  internal::LivenessProbe probe(endpoint, &context, client_->options_.probe_interval,
                                client_->options_.request_timeout);
  auto stream = endpoint.watch->Watch(&context);
  etcdserverpb::WatchRequest request;
  etcdserverpb::WatchCreateRequest& create = *request.mutable_create_request();
  create.set_key(options_.key);
  create.set_range_end(options_.range_end);
  create.set_start_revision(options_.start_revision);
  create.set_prev_kv(options_.prev_kv);
  create.set_progress_notify(options_.progress_notify);

  // The status that ends the watch by our decision (compaction, cancellation by etcd); unset while the stream runs.
  absl::Status ended;
  etcdserverpb::WatchResponse response;
  if (stream->Write(request)) {
    while (stream->Read(&response)) {
      if (response.compact_revision() != 0) {
        ended = absl::OutOfRangeError(absl::StrCat("etcd ", endpoint.address, " Watch.Watch: ", kCompacted,
                                                   " (the first revision available is ", response.compact_revision(),
                                                   ", the watch started at ", options_.start_revision, ")"));
        ended.SetPayload(kCompactRevisionPayload, absl::Cord(absl::StrCat(response.compact_revision())));
        break;
      }
      if (response.canceled()) {
        ended = absl::AbortedError(
            absl::StrCat("etcd ", endpoint.address, " Watch.Watch: cancelled by etcd: ", response.cancel_reason()));
        break;
      }
      if (response.created()) {
        absl::MutexLock lock(&mu_);
        created_ = true;
        if (response.events_size() == 0) continue;
      }
      if (on_response_) on_response_(response);
    }
  }
  if (!ended.ok()) {
    // Our side ends the stream: cancel it, and drain what is still in flight so Finish returns.
    context.TryCancel();
    while (stream->Read(&response)) {
    }
  }
  absl::Status status = FromGrpc(stream->Finish(), endpoint.address, "Watch.Watch");
  probe.Stop();
  if (!ended.ok()) return ended;
  if (absl::Status failure = probe.failure(); !failure.ok()) status = failure;
  if (status.ok()) status = absl::UnavailableError(absl::StrCat("etcd ", endpoint.address, " Watch.Watch: ended"));
  if (Fails(status.code())) client_->MarkFailed(index);
  return status;
}

void Watcher::Run() {
  absl::Status status = ReadStream(client_->PickEndpoint().index);
  {
    absl::MutexLock lock(&mu_);
    ended_ = true;
  }
  if (!cancel_.cancelled() && on_error_) on_error_(std::move(status));
}

// --- Observer ---

Observer::Observer(Client* client, std::string name, std::function<void(const v3electionpb::LeaderResponse&)> on_leader,
                   std::function<void(absl::Status)> on_error)
    : client_(client),
      name_(std::move(name)),
      on_leader_(std::move(on_leader)),
      on_error_(std::move(on_error)),
      thread_([this] { Run(); }) {}

Observer::~Observer() {
  cancel_.Cancel();
  thread_.join();
}

void Observer::Run() {
  const size_t index = client_->PickEndpoint().index;
  internal::Endpoint& endpoint = *client_->endpoints_[index];
  absl::Status status;
  {
    grpc::ClientContext context;
    Client::PrepareContext(&context, std::nullopt, /*wait_for_ready=*/false);
    internal::CancelRegistration registration(&cancel_, &context);
    if (!registration.ok()) return;
    internal::LivenessProbe probe(endpoint, &context, client_->options_.probe_interval,
                                  client_->options_.request_timeout);
    v3electionpb::LeaderRequest request;
    request.set_name(name_);
    auto stream = endpoint.election->Observe(&context, request);
    v3electionpb::LeaderResponse response;
    while (stream->Read(&response)) {
      if (on_leader_) on_leader_(response);
    }
    status = FromGrpc(stream->Finish(), endpoint.address, "Election.Observe");
    probe.Stop();
    if (absl::Status failure = probe.failure(); !failure.ok()) status = failure;
  }
  if (status.ok()) status = absl::UnavailableError(absl::StrCat("etcd ", endpoint.address, " Election.Observe: ended"));
  if (Fails(status.code())) client_->MarkFailed(index);
  if (!cancel_.cancelled() && on_error_) on_error_(std::move(status));
}

}  // namespace ketenbeeld::etcd
