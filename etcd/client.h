// A client of etcd 3.4's gRPC API: KV (with transactions), leases with keep-alive, watches, the election service and
// maintenance. Ketenbeeld's replicated mode (../shared/SCALE-OUT.md, section 1) runs on it; Debian ships no C++ etcd
// client, so this speaks etcd's protocol directly (etcd/proto/, docs/dependencies.md).
//
// The API exposes etcd's own protobuf messages (etcdserverpb, mvccpb, v3electionpb), as Go's clientv3 does: a
// transaction is an etcdserverpb::TxnRequest built by the caller. Only the frequent cases have shortcuts (Get, Put).
//
// Endpoints and failover. The client keeps one gRPC channel per endpoint and sends each call to a *current* endpoint.
// When a call fails with UNAVAILABLE or DEADLINE_EXCEEDED (which includes etcd's "etcdserver: no leader"), the client
// moves its current endpoint on to the next one, so the *next* call goes elsewhere. Whether the failed call itself is
// tried again depends on the call:
//   - Reads (Range, Get, TimeToLive, Leader, AlarmList) and AlarmDisarm are idempotent: they are tried on each
//     endpoint once, each attempt with its own timeout. When every endpoint has answered "etcdserver: no leader" (an
//     election is under way), the read asks again every 100 ms until it succeeds or its budget of
//     endpoints().size() request timeouts is spent.
//   - Status and Defragment go to the endpoint they name, and nowhere else.
//   - Writes (Put, DeleteRange, Txn, Compact, Grant, Revoke, Campaign, Proclaim, Resign) are NEVER retried. A write
//     that fails with UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED or UNKNOWN may or may not have been applied by etcd:
//     the caller must resolve that (OutcomeUnknown() below; the replication log does it with a compare-and-set on
//     its head key). Retrying blindly could apply a transaction twice or apply one the caller has given up on.
// A member that stops answering without closing its connections (a frozen machine) would hold a blocking call until
// gRPC's keepalive gives up; watches, observes and long campaigns are therefore watched by a probe of their member
// (ClientOptions::probe_interval) and end with UNAVAILABLE within about three seconds.
// Every call and stream carries the metadata `hasleader: true`: a member cut off from the majority refuses at once
// with UNAVAILABLE "etcdserver: no leader" (and ends such a stream) instead of stalling until the deadline.
//
// Errors. gRPC errors become an absl::Status with the same code and a message that names the endpoint and the method
// ("etcd 127.0.0.1:2379 KV.Txn: etcdserver: mvcc: database space exceeded"). etcd's errors the caller should know:
//   OUT_OF_RANGE        "etcdserver: mvcc: required revision has been compacted": a Range or Watch below the
//                       compaction (IsCompacted(); a Watcher reports the compact revision, CompactRevision()).
//   RESOURCE_EXHAUSTED  "etcdserver: mvcc: database space exceeded": the backend reached --quota-backend-bytes and the
//                       NOSPACE alarm is raised; every write fails until compaction, Defragment() on every member and
//                       AlarmDisarm() (IsNoSpace()).
//   INVALID_ARGUMENT    "etcdserver: request is too large": a request above --max-request-bytes (1.5 MiB by
//                       default) (IsRequestTooLarge()). Far above it (+512 KiB) gRPC itself refuses the message
//                       with RESOURCE_EXHAUSTED.
//   UNAVAILABLE         "etcdserver: no leader": the member has no raft leader (IsNoLeader()); also every connection
//                       failure.
//   NOT_FOUND           "etcdserver: requested lease not found" (Revoke of an unknown or expired lease), and
//                       Leader() of an election nobody leads (etcd's "election: no leader", which gRPC carries as
//                       UNKNOWN, is mapped to NOT_FOUND).
//   FAILED_PRECONDITION Proclaim() by a leader key that no longer leads (etcd's "election: not leader").
//   DEADLINE_EXCEEDED and CANCELLED also when etcd itself answers with Go's "context deadline exceeded" or
//                       "context canceled" (as UNKNOWN): the deadline a call carries can reach etcd's handler before
//                       the client's own timer fires.
//
// Thread safety: Client is thread-safe; share one per process. LeaseKeeper, Watcher and Observer each run their own
// thread; their public methods are thread-safe. A Client must outlive every LeaseKeeper, Watcher and Observer it
// made. Callbacks run on the keeper's, watcher's or observer's own thread; a callback must not destroy the object
// that runs it (its destructor joins that thread).
#ifndef KETENBEELD_ETCD_CLIENT_H_
#define KETENBEELD_ETCD_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "etcd/proto/etcdserverpb/rpc.pb.h"
#include "etcd/proto/mvccpb/kv.pb.h"
#include "etcd/proto/v3electionpb/v3election.pb.h"

namespace grpc {
class ChannelCredentials;
class ClientContext;
}  // namespace grpc

namespace ketenbeeld::etcd {

namespace internal {
struct Endpoint;
class CancelRegistration;
}  // namespace internal

// etcd's range_end for every key that starts with `prefix`: the prefix with its last byte below 0xff incremented and
// what follows dropped ("a/" -> "a0", "a\xff" -> "b"); "\0" (every key >= the prefix) when there is no such byte,
// which includes the empty prefix.
std::string PrefixEnd(std::string_view prefix);

// Recognise etcd's errors (see the file comment). Each checks the code and etcd's message.
bool IsCompacted(const absl::Status& status);
bool IsNoSpace(const absl::Status& status);
bool IsRequestTooLarge(const absl::Status& status);
bool IsNoLeader(const absl::Status& status);
// Whether a failed write may nevertheless have been applied: DEADLINE_EXCEEDED, UNAVAILABLE, CANCELLED, UNKNOWN and
// INTERNAL, except "etcdserver: no leader", which etcd returns before it looks at the request.
bool OutcomeUnknown(const absl::Status& status);
// The first revision still available, for the OUT_OF_RANGE status a Watcher reports when it started (or fell)
// below the compaction; nullopt for any other status.
std::optional<int64_t> CompactRevision(const absl::Status& status);

struct ClientOptions {
  // "host:port" of each etcd member's client URL, e.g. {"127.0.0.1:2379"}. At least one.
  std::vector<std::string> endpoints{};
  // Connect() waits this long for any endpoint to be connected, and fails with UNAVAILABLE if none is. Zero: do not
  // wait (channels connect on the first call).
  absl::Duration dial_timeout = absl::Seconds(5);
  // The deadline of each call (each attempt, for retried reads) unless the method takes its own.
  absl::Duration request_timeout = absl::Seconds(2);
  // HTTP/2 keepalive pings while a call or stream is open, so a watch on a member that vanished (machine frozen,
  // cable pulled) ends within keepalive_time + keepalive_timeout. etcd refuses pings more often than every 5 s
  // (--grpc-keepalive-min-time) and any without an open call.
  absl::Duration keepalive_time = absl::Seconds(10);
  absl::Duration keepalive_timeout = absl::Seconds(5);
  // How often a call that may block for long — a watch, an observe, a campaign whose deadline is more than three
  // request timeouts away — checks that its member still answers: a Status call with request_timeout as its deadline.
  // When that fails, the call ends with UNAVAILABLE ("etcd <member> stopped answering") and the client moves on to
  // the next member, within probe_interval + request_timeout instead of keepalive's 15 s. Zero: no probe.
  absl::Duration probe_interval = absl::Seconds(1);
  // How every channel connects: null for plaintext gRPC (etcd's http:// client URLs), else TLS credentials for its
  // https:// URLs, e.g. grpc::SslCredentials with the CA of etcd's server certificates and, for etcd's
  // --client-cert-auth, this client's certificate and key. A handshake that fails (a certificate from another CA)
  // shows as UNAVAILABLE, and Connect's message then says the connection is TLS.
  std::shared_ptr<grpc::ChannelCredentials> credentials{};
};

// What Client::Get returns.
struct GetResult {
  std::optional<mvccpb::KeyValue> kv;  // nullopt: no such key at `revision`
  int64_t revision = 0;                // the store's revision the read was served at (header.revision)
};

// A lease granted by Client::Grant.
struct Lease {
  int64_t id = 0;
  // The TTL etcd granted (whole seconds; etcd raises a TTL below its minimum).
  absl::Duration ttl = absl::ZeroDuration();
  // The lease is alive at least until this time: the moment the grant was sent plus `ttl`. (etcd starts the TTL
  // when it applies the grant, which is later.)
  absl::Time deadline = absl::InfinitePast();
};

// Cancels a blocking call (Campaign, or any method that takes one) from another thread: a server shutting down must
// stop campaigning. Once cancelled, stays cancelled: the call in progress ends with CANCELLED and every later call
// given this token fails with CANCELLED at once. Thread-safe; must outlive the calls it is given to.
class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void Cancel();
  bool cancelled() const;

 private:
  friend class internal::CancelRegistration;
  // Makes Cancel() cancel `context` from now on. False (and nothing registered) when already cancelled.
  bool Register(grpc::ClientContext* context);
  // After this returns, Cancel() no longer touches the registered context.
  void Unregister();

  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
};

class LeaseKeeper;
class Watcher;
class Observer;

// What to watch (Client::Watch).
struct WatchOptions {
  std::string key{};
  // Empty: only `key`; PrefixEnd(prefix) for every key under a prefix (see etcdserverpb::RangeRequest.range_end).
  std::string range_end{};
  // The first revision to deliver (inclusive); 0: from now.
  int64_t start_revision = 0;
  // Events carry the key-value before the change.
  bool prev_kv = false;
  // etcd sends an empty WatchResponse with the current revision every ~10 minutes when nothing changes.
  bool progress_notify = false;
};

class Client {
 public:
  // Checks the options (INVALID_ARGUMENT naming the field: no endpoint, an endpoint that is not "host:port", a
  // non-positive request_timeout), creates one channel per endpoint and waits up to dial_timeout for one of them to
  // connect (UNAVAILABLE naming every endpoint when none does). The first connected endpoint becomes current.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(ClientOptions options);

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  const std::vector<std::string>& endpoints() const { return endpoint_names_; }
  // The endpoint the next call goes to first.
  std::string current_endpoint() const;

  // --- KV ---

  // Reads a key or range (linearizable unless request.serializable()). Retried on the other endpoints.
  absl::StatusOr<etcdserverpb::RangeResponse> Range(const etcdserverpb::RangeRequest& request);
  // A linearizable read of one key.
  absl::StatusOr<GetResult> Get(std::string_view key);
  // Writes one key (never retried).
  absl::StatusOr<etcdserverpb::PutResponse> Put(const etcdserverpb::PutRequest& request);
  absl::StatusOr<etcdserverpb::PutResponse> Put(std::string_view key, std::string_view value, int64_t lease_id = 0);
  // Deletes a key or range (never retried).
  absl::StatusOr<etcdserverpb::DeleteRangeResponse> DeleteRange(const etcdserverpb::DeleteRangeRequest& request);
  // Runs a transaction with request_timeout, or with `timeout` (never retried). A Compare that does not hold is not
  // an error: the response says succeeded = false and carries the failure branch's responses. On
  // OutcomeUnknown(status) the transaction may or may not have been applied.
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& request);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& request, absl::Duration timeout);
  // Discards the history before `revision`; `physical`: answer once the member's backend has dropped it. OUT_OF_RANGE
  // when `revision` is already compacted or in the future. Never retried.
  absl::StatusOr<etcdserverpb::CompactionResponse> Compact(int64_t revision, bool physical);

  // --- Leases ---

  // Grants a lease of `ttl` (rounded up to whole seconds; INVALID_ARGUMENT below 1 s). Never retried.
  absl::StatusOr<Lease> Grant(absl::Duration ttl);
  // Ends a lease and deletes its keys. NOT_FOUND when it does not exist (expired, revoked). Never retried.
  absl::Status Revoke(int64_t lease_id);
  // The lease's remaining TTL (response.TTL() == -1: the lease does not exist); `keys`: also its keys.
  absl::StatusOr<etcdserverpb::LeaseTimeToLiveResponse> TimeToLive(int64_t lease_id, bool keys = false);
  // Keeps `lease` alive until the returned keeper is destroyed (see LeaseKeeper). `on_lost` is called once, on the
  // keeper's thread, if the lease is lost first. Never fails: a lease that is already gone is reported through
  // `on_lost`.
  std::unique_ptr<LeaseKeeper> KeepAlive(const Lease& lease, std::function<void(absl::Status)> on_lost,
                                         bool revoke_on_destroy = false);

  // --- Watch ---

  // Starts a watch (see Watcher). `on_response` gets every WatchResponse with events (and, with progress_notify, the
  // empty progress ones), in revision order; `on_error` is called at most once, when the watch ends by itself.
  std::unique_ptr<Watcher> Watch(WatchOptions options,
                                 std::function<void(const etcdserverpb::WatchResponse&)> on_response,
                                 std::function<void(absl::Status)> on_error);

  // --- Election (etcd's v3electionpb.Election service) ---

  // Blocks until the caller leads election `name` with the key under `lease_id` (which the caller keeps alive), and
  // returns the leader key: its create revision `rev` is the fence for transactions
  // (Compare CREATE of leader.key() == leader.rev()). Ends with DEADLINE_EXCEEDED at `deadline` and CANCELLED when
  // `cancel` is cancelled; then etcd deletes the campaign's key when it sees the cancellation (best effort: a lost
  // connection leaves the key until the lease ends). Never retried.
  absl::StatusOr<v3electionpb::LeaderKey> Campaign(std::string_view name, int64_t lease_id, std::string_view value,
                                                   absl::Time deadline, CancelToken* cancel = nullptr);
  // Replaces the leader's value. FAILED_PRECONDITION when `leader` no longer leads. Never retried.
  absl::Status Proclaim(const v3electionpb::LeaderKey& leader, std::string_view value);
  // The current leader's key-value (key: the leader key, value: its proclaimed value, create_revision: its rev).
  // NOT_FOUND when nobody leads.
  absl::StatusOr<mvccpb::KeyValue> Leader(std::string_view name);
  // Deletes the leader key, so the next campaigner wins. OK also when the key is already gone. Never retried.
  absl::Status Resign(const v3electionpb::LeaderKey& leader);
  // Streams the election's leaders' values as they are proclaimed (see Observer).
  std::unique_ptr<Observer> Observe(std::string_view name,
                                    std::function<void(const v3electionpb::LeaderResponse&)> on_leader,
                                    std::function<void(absl::Status)> on_error);

  // --- Maintenance ---

  // The status of the member at `endpoint` (one of endpoints(), else INVALID_ARGUMENT): dbSize, dbSizeInUse,
  // leader, raftTerm, raftIndex, errors (alarms as text). Not sent elsewhere.
  absl::StatusOr<etcdserverpb::StatusResponse> Status(std::string_view endpoint);
  // Rewrites the member's backend to give back what compaction freed; blocks that member while it runs, so do one
  // member at a time. Not sent elsewhere.
  absl::Status Defragment(std::string_view endpoint, absl::Duration timeout = absl::Seconds(30));
  // The cluster's raised alarms.
  absl::StatusOr<std::vector<etcdserverpb::AlarmMember>> AlarmList();
  // Clears one raised alarm (as listed by AlarmList). Clearing NOSPACE only helps once space was freed.
  absl::Status AlarmDisarm(const etcdserverpb::AlarmMember& alarm);

 private:
  friend class LeaseKeeper;
  friend class Watcher;
  friend class Observer;

  enum class Retry { kNo, kOtherEndpoints };

  explicit Client(ClientOptions options);

  struct Pick {
    size_t index = 0;
    bool all_failing = false;  // every endpoint's channel is in TRANSIENT_FAILURE
  };
  // The endpoint a call should go to: the current one, or the next one not known to be failing.
  Pick PickEndpoint() const;
  // Moves the current endpoint past `index` after a failure there (no effect if another call already did).
  void MarkFailed(size_t index);
  // Sets the deadline, the `hasleader` metadata, and wait_for_ready (see client.cc).
  static void PrepareContext(grpc::ClientContext* context, std::optional<absl::Time> deadline, bool wait_for_ready);
  // One unary call: `rpc(endpoint, context, response)` on the picked endpoint, with failover as `retry` allows.
  template <typename Response, typename Rpc>
  absl::StatusOr<Response> Call(absl::string_view method, Retry retry, absl::Time deadline, CancelToken* cancel,
                                Rpc rpc);
  // As Call, on one given endpoint.
  template <typename Response, typename Rpc>
  absl::StatusOr<Response> CallOn(Pick pick, absl::string_view method, absl::Time deadline, CancelToken* cancel,
                                  Rpc rpc);
  absl::StatusOr<size_t> EndpointIndex(std::string_view endpoint) const;

  const ClientOptions options_;
  std::vector<std::string> endpoint_names_;
  std::vector<std::unique_ptr<internal::Endpoint>> endpoints_;  // immutable after Connect
  std::atomic<size_t> current_{0};
};

// Keeps a lease alive: renews it every ttl/3 on its own thread, each renewal a short LeaseKeepAlive stream with its
// own deadline (so a member that stopped answering cannot hold the keeper past the lease's deadline), on the
// client's current endpoint; a failed renewal moves on to the next endpoint and is tried again after at most 200 ms.
//
// `on_lost` is called exactly once, on the keeper's thread, when the lease is lost: NOT_FOUND when etcd answers that
// the lease no longer exists (TTL 0: expired or revoked), DEADLINE_EXCEEDED when no renewal succeeded before the
// lease's deadline (computed from the send time of the last successful renewal). Then the keeper stops. It is not
// called when the keeper is destroyed first. The destructor stops the thread promptly (it cancels the renewal in
// flight; no waiting for the next tick) and then, with revoke_on_destroy, revokes the lease (bounded by
// request_timeout; errors ignored). Thread-safe.
class LeaseKeeper {
 public:
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;
  ~LeaseKeeper();

  int64_t lease_id() const { return lease_id_; }
  // The lease is alive at least until then (as of the last successful renewal).
  absl::Time deadline() const;
  // Whether on_lost was called (or is being called).
  bool lost() const;

 private:
  friend class Client;
  LeaseKeeper(Client* client, const Lease& lease, std::function<void(absl::Status)> on_lost, bool revoke_on_destroy);
  void Run();
  // One renewal on the picked endpoint: the TTL etcd answered (seconds; <= 0: the lease is gone).
  absl::StatusOr<int64_t> RenewOnce(absl::Time deadline);

  Client* const client_;
  const int64_t lease_id_;
  const absl::Duration ttl_;
  const std::function<void(absl::Status)> on_lost_;
  const bool revoke_on_destroy_;
  CancelToken cancel_;  // cancels the renewal in flight when stopping
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool lost_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time deadline_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: started once everything above is set
};

// One watch on its own bidirectional Watch stream and thread, on the client's current endpoint when it starts.
// Delivers each WatchResponse with events to `on_response` in revision order, on the watcher's thread (the next
// response is not read before the callback returns). The watch ends by itself, calling `on_error` exactly once and
// then nothing more, when:
//   - the start revision is below the compaction (or the watch fell behind it): OUT_OF_RANGE with the first revision
//     still available (CompactRevision(status));
//   - etcd cancels the watch: ABORTED with etcd's reason;
//   - the stream fails: its gRPC status (UNAVAILABLE when the member is gone or lost its leader).
// It does not reconnect: the caller starts a new Watcher from the revision after the last one it received, on
// whatever endpoint is current then. The destructor cancels the stream (ClientContext::TryCancel) and joins the
// thread; on_error is not called for that. Thread-safe.
class Watcher {
 public:
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;
  ~Watcher();

  // Waits until etcd has confirmed the watch (true) or it ended, or `timeout` passed (false). Events of revisions
  // after the confirmation are certain to be delivered, whatever the start revision.
  bool WaitUntilCreated(absl::Duration timeout);

 private:
  friend class Client;
  Watcher(Client* client, WatchOptions options, std::function<void(const etcdserverpb::WatchResponse&)> on_response,
          std::function<void(absl::Status)> on_error);
  void Run();
  absl::Status ReadStream(size_t endpoint);

  Client* const client_;
  const WatchOptions options_;
  const std::function<void(const etcdserverpb::WatchResponse&)> on_response_;
  const std::function<void(absl::Status)> on_error_;
  CancelToken cancel_;
  absl::Mutex mu_;
  bool created_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last
};

// Election.Observe on its own stream and thread: `on_leader` gets the current leader's key-value (once there is a
// leader) and then each new leader's and each Proclaim's, in order. Ends as a Watcher does (on_error exactly once
// with the stream's status, unless destroyed first; the destructor cancels promptly). Thread-safe.
class Observer {
 public:
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;
  ~Observer();

 private:
  friend class Client;
  Observer(Client* client, std::string name, std::function<void(const v3electionpb::LeaderResponse&)> on_leader,
           std::function<void(absl::Status)> on_error);
  void Run();

  Client* const client_;
  const std::string name_;
  const std::function<void(const v3electionpb::LeaderResponse&)> on_leader_;
  const std::function<void(absl::Status)> on_error_;
  CancelToken cancel_;
  std::thread thread_;  // last
};

}  // namespace ketenbeeld::etcd

#endif  // KETENBEELD_ETCD_CLIENT_H_
