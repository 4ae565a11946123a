#include "bench/peers.h"

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "etcd/proto/etcdserverpb/rpc.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "nlohmann/json.hpp"

namespace ketenbeeld::bench {
namespace {

namespace v1 = ::ketenbeeld::v1;

constexpr char kPutMethod[] = "/etcdserverpb.KV/Put";
constexpr char kRangeMethod[] = "/etcdserverpb.KV/Range";
constexpr char kWatchMethod[] = "/etcdserverpb.Watch/Watch";
// Every etcd key of the benchmark is under this prefix; the watch and the snapshot Range cover [kPrefix, kPrefixEnd).
constexpr char kEtcdPrefix[] = "/kb/";
constexpr char kEtcdPrefixEnd[] = "/kb0";  // '/' + 1 == '0'
constexpr absl::Duration kCallTimeout = absl::Seconds(60);

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string EtcdOrganizationKey(int organization) {
  return absl::StrCat(kEtcdPrefix, "organizations/", OrganizationId(organization));
}

// A synchronous unary call with raw bytes over `channel` (used only for readiness probes).
grpc::Status SyncUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                       const std::string& request, absl::Duration timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::ByteBuffer request_buffer = ToByteBuffer(request);
  grpc::ByteBuffer response;
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status result;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response, [&](grpc::Status status) {
    std::lock_guard<std::mutex> lock(mutex);
    result = std::move(status);
    done = true;
    done_cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mutex);
  done_cv.wait(lock, [&] { return done; });  // The call's deadline bounds this wait.
  return result;
}

// One feed over gRPC's generic bidi-streaming callback API. For ketenbeeld it sends the SubscribeRequest and
// half-closes; for etcd it first Ranges the prefix (the snapshot) and then opens a Watch from the revision after it.
std::shared_ptr<grpc::Channel> MakeChannelForKeeper() {
  return grpc::CreateChannel("127.0.0.1:9", grpc::InsecureChannelCredentials());
}

class RawFeed final : public Feed, public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  enum class Protocol { kKetenbeeld, kEtcd };

  RawFeed(grpc::GenericStub* stub, Protocol protocol, FeedObserver* observer)
      : stub_(stub), protocol_(protocol), observer_(observer) {}

  ~RawFeed() override {
    Cancel();
    if (!WaitDone(absl::Seconds(60))) {
      std::fprintf(stderr, "bench: a feed did not finish 60 s after cancellation; aborting\n");
      std::abort();
    }
  }

  void Start() {
    if (protocol_ == Protocol::kKetenbeeld) {
      v1::SubscribeRequest request;  // Whole picture, from a snapshot.
      StartStream(kSubscribeMethod, request.SerializeAsString());
      return;
    }
    etcdserverpb::RangeRequest range;
    range.set_key(kEtcdPrefix);
    range.set_range_end(kEtcdPrefixEnd);
    range_request_ = ToByteBuffer(range.SerializeAsString());
    range_context_.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
    stub_->UnaryCall(&range_context_, kRangeMethod, grpc::StubOptions(), &range_request_, &range_response_,
                     [this](const grpc::Status& status) { OnRangeDone(status); });
  }

  void Cancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    if (stream_started_) {
      stream_context_.TryCancel();
    } else {
      range_context_.TryCancel();
    }
  }

  bool WaitDone(absl::Duration timeout) override {
    std::unique_lock<std::mutex> lock(mutex_);
    return done_cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [this] { return done_; });
  }

  void OnWriteDone(bool ok) override {
    if (ok && protocol_ == Protocol::kKetenbeeld) StartWritesDone();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // The stream ended; OnDone follows.
    const int64_t receive_nanos = NowUnixNanos();
    grpc::Slice slice;
    if (!response_.DumpToSingleSlice(&slice).ok()) return Violation("unreadable message");
    const std::string_view bytes(reinterpret_cast<const char*>(slice.begin()), slice.size());
    bytes_ += static_cast<int64_t>(bytes.size());
    const bool scanned = protocol_ == Protocol::kKetenbeeld ? ScanSubscribeResponse(bytes, &message_)
                                                            : ScanWatchResponse(bytes, &message_);
    if (!scanned) return Violation("malformed message");
    switch (message_.kind) {
      case FeedMessage::Kind::kSnapshot:
        if (synced_) return Violation("snapshot chunk after synced");
        snapshot_records_ += message_.snapshot_records;
        break;
      case FeedMessage::Kind::kSynced:
        if (synced_) return Violation("second synced");
        synced_ = true;
        observer_->OnSynced(message_.revision, snapshot_records_, bytes_);
        break;
      case FeedMessage::Kind::kWatchCreated:
        if (synced_) return Violation("second watch created");
        synced_ = true;
        observer_->OnSynced(snapshot_revision_, snapshot_records_, bytes_);
        break;
      case FeedMessage::Kind::kEvents:
        if (!synced_) return Violation("events before synced");
        observer_->OnEvents(message_.events, receive_nanos);
        break;
      case FeedMessage::Kind::kHeartbeat:
        break;
      case FeedMessage::Kind::kReset:
        return Violation("unexpected reset");
      case FeedMessage::Kind::kWatchCanceled:
        return Violation("watch canceled by the server");
      case FeedMessage::Kind::kUnknown:
        return Violation("unknown message");
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override { Finish(violation_.empty() ? status : ViolationStatus()); }

 private:
  void StartStream(const char* method, const std::string& first_request) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_) {
      done_ = true;  // No stream was started, so no OnDone will come: finish here.
      observer_->OnDone(absl::CancelledError("cancelled before the stream started"));
      done_cv_.notify_all();
      return;
    }
    stream_started_ = true;
    request_ = ToByteBuffer(first_request);
    stub_->PrepareBidiStreamingCall(&stream_context_, method, grpc::StubOptions(), this);
    StartWrite(&request_);
    StartRead(&response_);
    StartCall();
  }

  void OnRangeDone(const grpc::Status& status) {
    if (!status.ok()) return Finish(status);
    grpc::Slice slice;
    if (!range_response_.DumpToSingleSlice(&slice).ok()) {
      return Finish(grpc::Status(grpc::StatusCode::INTERNAL, "unreadable RangeResponse"));
    }
    const std::string_view bytes(reinterpret_cast<const char*>(slice.begin()), slice.size());
    bytes_ += static_cast<int64_t>(bytes.size());
    if (!ScanRangeResponse(bytes, &snapshot_revision_, &snapshot_records_)) {
      return Finish(grpc::Status(grpc::StatusCode::INTERNAL, "malformed RangeResponse"));
    }
    etcdserverpb::WatchRequest watch;
    watch.mutable_create_request()->set_key(kEtcdPrefix);
    watch.mutable_create_request()->set_range_end(kEtcdPrefixEnd);
    watch.mutable_create_request()->set_start_revision(snapshot_revision_ + 1);
    StartStream(kWatchMethod, watch.SerializeAsString());
  }

  void Violation(const std::string& what) {
    violation_ = what;
    stream_context_.TryCancel();
  }
  grpc::Status ViolationStatus() const {
    return grpc::Status(grpc::StatusCode::INTERNAL, absl::StrCat("protocol violation: ", violation_));
  }

  void Finish(const grpc::Status& status) {
    observer_->OnDone(ToAbslStatus(status));
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    done_cv_.notify_all();
  }

  grpc::GenericStub* const stub_;
  const Protocol protocol_;
  FeedObserver* const observer_;

  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool cancelled_ = false;       // Guarded by mutex_.
  bool stream_started_ = false;  // Guarded by mutex_.
  bool done_ = false;            // Guarded by mutex_.

  grpc::ClientContext range_context_;
  grpc::ByteBuffer range_request_;
  grpc::ByteBuffer range_response_;

  // Reaction state: only touched from reactions, which gRPC runs one at a time per stream.
  grpc::ClientContext stream_context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  FeedMessage message_;
  bool synced_ = false;
  int64_t bytes_ = 0;
  int64_t snapshot_records_ = 0;
  int64_t snapshot_revision_ = 0;
  std::string violation_;
};

class KetenbeeldPeer final : public GrpcPeer {
 public:
  using GrpcPeer::GrpcPeer;
  std::string Name() const override { return "ketenbeeld"; }

 protected:
  std::vector<std::string> Argv(const std::string& data_dir, int port) override {
    std::vector<std::string> argv = {options_.binary, "--listen", absl::StrCat("127.0.0.1:", port), "--data_dir",
                                     data_dir};
    argv.insert(argv.end(), options_.server_flags.begin(), options_.server_flags.end());
    return argv;
  }

  // 0: the server picks; its log says which.
  absl::StatusOr<int> ChooseListenPort() override { return options_.listen_port; }

  absl::StatusOr<std::string> AwaitAddress(ChildProcess& process, int port) override {
    absl::StatusOr<std::string> line = process.WaitForLogLine("\"server_started\"", absl::Minutes(5));
    if (!line.ok()) return line.status();
    const nlohmann::json log = nlohmann::json::parse(*line, nullptr, /*allow_exceptions=*/false);
    if (!log.is_object() || !log.contains("address") || !log["address"].is_string()) {
      return absl::InternalError(absl::StrCat("no address in: ", *line));
    }
    return log["address"].get<std::string>();
  }

  bool ProbeRead(const std::shared_ptr<grpc::Channel>& channel) override {
    v1::GetRequest request;
    request.set_name(absl::StrCat("organizations/", OrganizationId(0)));
    const grpc::Status status = SyncUnary(channel, kGetMethod, request.SerializeAsString(), absl::Milliseconds(500));
    // UNAUTHENTICATED: a server with --tokens_file answered the probe, which carries no token: it serves.
    return status.ok() || status.error_code() == grpc::StatusCode::NOT_FOUND ||
           status.error_code() == grpc::StatusCode::UNAUTHENTICATED;
  }

  void RegistrationCall(int organization, std::string* method, std::string* request) override {
    v1::RegisterOrganizationRequest registration;
    *registration.mutable_organization() = options_.payloads.Organization(organization);
    *method = kRegisterMethod;
    *request = registration.SerializeAsString();
  }

  void ReportCall(int organization, int64_t send_unix_nanos, std::string* method, std::string* request) override {
    v1::ReportStatusRequest report;
    *report.mutable_report() = options_.payloads.Report(organization, send_unix_nanos);
    *method = kReportMethod;
    *request = report.SerializeAsString();
  }

  int64_t RevisionOfWriteResponse(std::string_view response) override { return ScanWriteResponseRevision(response); }
  bool SupportsStreamWrites() const override { return true; }

  std::unique_ptr<Feed> OpenFeed(grpc::GenericStub* stub, FeedObserver* observer) override {
    auto feed = std::make_unique<RawFeed>(stub, RawFeed::Protocol::kKetenbeeld, observer);
    feed->Start();
    return feed;
  }
};

class EtcdPeer final : public GrpcPeer {
 public:
  using GrpcPeer::GrpcPeer;
  std::string Name() const override { return "etcd"; }

 protected:
  std::vector<std::string> Argv(const std::string& data_dir, int port) override {
    const std::string client_url = absl::StrCat("http://127.0.0.1:", port);
    const std::string peer_url = absl::StrCat("http://127.0.0.1:", peer_port_);
    // Defaults kept on purpose: fsync on every commit, snapshot-count 100000, no auto-compaction. Only the backend
    // quota is raised (the recovery scenario stores ~1 GB of values; the default quota is 2 GB including history).
    return {options_.binary,
            "--name=bench",
            "--data-dir=" + data_dir,
            "--listen-client-urls=" + client_url,
            "--advertise-client-urls=" + client_url,
            "--listen-peer-urls=" + peer_url,
            "--initial-advertise-peer-urls=" + peer_url,
            "--initial-cluster=bench=" + peer_url,
            "--quota-backend-bytes=17179869184",
            "--logger=zap",
            "--log-outputs=stderr",
            "--log-level=warn"};
  }

  absl::StatusOr<int> ChooseListenPort() override {
    absl::StatusOr<int> peer_port = PickFreeLoopbackPort();
    if (!peer_port.ok()) return peer_port.status();
    peer_port_ = *peer_port;
    return PickFreeLoopbackPort();
  }

  absl::StatusOr<std::string> AwaitAddress(ChildProcess&, int port) override {
    return absl::StrCat("127.0.0.1:", port);
  }

  bool ProbeRead(const std::shared_ptr<grpc::Channel>& channel) override {
    etcdserverpb::RangeRequest request;  // Linearizable (the default): needs a leader and the applied state.
    request.set_key(EtcdOrganizationKey(0));
    return SyncUnary(channel, kRangeMethod, request.SerializeAsString(), absl::Milliseconds(500)).ok();
  }

  void RegistrationCall(int organization, std::string* method, std::string* request) override {
    etcdserverpb::PutRequest put;
    put.set_key(EtcdOrganizationKey(organization));
    put.set_value(options_.payloads.Organization(organization).SerializeAsString());
    *method = kPutMethod;
    *request = put.SerializeAsString();
  }

  void ReportCall(int organization, int64_t send_unix_nanos, std::string* method, std::string* request) override {
    etcdserverpb::PutRequest put;
    put.set_key(absl::StrCat(EtcdOrganizationKey(organization), "/status"));
    put.set_value(options_.payloads.Report(organization, send_unix_nanos).SerializeAsString());
    *method = kPutMethod;
    *request = put.SerializeAsString();
  }

  int64_t RevisionOfWriteResponse(std::string_view response) override { return ScanPutResponseRevision(response); }

  std::unique_ptr<Feed> OpenFeed(grpc::GenericStub* stub, FeedObserver* observer) override {
    auto feed = std::make_unique<RawFeed>(stub, RawFeed::Protocol::kEtcd, observer);
    feed->Start();
    return feed;
  }

 private:
  int peer_port_ = 0;
};

}  // namespace

void KeepGrpcCallbackQueueAlive() {
  // gRPC 1.51 runs client callbacks on a process-wide "callback alternative" completion queue whose nexting threads
  // are torn down when the last channel that used it is destroyed. Between two cases every channel of the previous
  // peer is gone, and that teardown races with the nexting threads (seen here as a SIGSEGV in
  // grpc_completion_queue_next). One channel that made a callback call and is never destroyed keeps the queue alive
  // for the whole run. Port 9 (discard) on loopback: nothing listens, the call fails at once.
  static auto* const kKeeper = new std::shared_ptr<grpc::Channel>(MakeChannelForKeeper());
  SyncUnary(*kKeeper, "/ketenbeeld.bench.Keeper/Keep", std::string(), absl::Milliseconds(200));
}

absl::Status ToAbslStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

GrpcPeer& AsGrpcPeer(Peer& peer) {
  auto* grpc_peer = dynamic_cast<GrpcPeer*>(&peer);
  if (grpc_peer == nullptr) {
    std::fprintf(stderr, "bench: %s is not a gRPC peer; this scenario runs against ketenbeeld only\n",
                 peer.Name().c_str());
    std::abort();
  }
  return *grpc_peer;
}

Peer::~Peer() { Stop(); }

GrpcPeer::~GrpcPeer() { Stop(); }  // Closes the channels (CloseClients) while the server still runs.

std::shared_ptr<grpc::Channel> GrpcPeer::MakeChannel(const std::string& address, int index) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // Own connection per channel (no subchannel sharing), quick reconnects after a restart. Not
  // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: it is also the connect timeout, which a busy (or profiled) server needs.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("ketenbeeld.bench.channel_index", index);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 10);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

void GrpcPeer::CloseClients() {
  publishers_.clear();  // Half-closes the streams (while the server still runs, except after Kill).
  stubs_.clear();
  channels_.clear();
}

void GrpcPeer::OpenClients() {
  CloseClients();
  for (int i = 0; i < options_.channels; ++i) {
    channels_.push_back(MakeChannel(address(), i));
    stubs_.push_back(std::make_unique<grpc::GenericStub>(channels_.back()));
    if (SupportsStreamWrites()) {
      publishers_.push_back(std::make_unique<client::StatusPublisher>(
          channels_.back(), client::PublisherOptions{.omit_records = !options_.stream_records}));
    }
  }
}

absl::Status Peer::Launch(const std::string& data_dir, int port) {
  std::filesystem::create_directories(options_.work_dir);
  const std::string log_path =
      absl::StrCat(options_.work_dir, "/", Name(), "-", std::filesystem::path(data_dir).filename().string(), "-",
                   ++launches_, ".log");
  std::vector<std::string> argv = options_.launcher;
  for (std::string& arg : Argv(data_dir, port)) argv.push_back(std::move(arg));
  return process_.Start(argv, log_path);
}

absl::Status Peer::Start(const std::string& data_dir) {
  data_dir_ = data_dir;
  std::filesystem::create_directories(data_dir);
  absl::StatusOr<int> port = ChooseListenPort();
  if (!port.ok()) return port.status();
  if (absl::Status status = Launch(data_dir, *port); !status.ok()) return status;
  absl::StatusOr<std::string> address = AwaitAddress(process_, *port);
  if (!address.ok()) return address.status();
  address_ = *address;
  port_ = std::stoi(address_.substr(address_.rfind(':') + 1));
  const absl::Time deadline = absl::Now() + absl::Minutes(5);
  while (!ProbeReady(-1)) {
    if (!process_.Running()) return absl::UnavailableError(absl::StrCat(Name(), " exited:\n", process_.LogTail()));
    if (absl::Now() > deadline) return absl::DeadlineExceededError(absl::StrCat(Name(), " never served reads"));
    ::usleep(2000);
  }
  OpenClients();
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> Peer::Restart(absl::Duration timeout) {
  CloseClients();
  process_.Stop(absl::Seconds(60));
  const absl::Time start = absl::Now();
  if (absl::Status status = Launch(data_dir_, port_); !status.ok()) return status;
  int probe = 0;
  while (true) {
    // A fresh connection per probe: a gRPC channel that saw "connection refused" would wait out its reconnect
    // backoff.
    if (ProbeReady(-2 - probe++)) break;
    if (!process_.Running()) return absl::UnavailableError(absl::StrCat(Name(), " exited:\n", process_.LogTail()));
    if (absl::Now() - start > timeout) return absl::DeadlineExceededError(absl::StrCat(Name(), " did not serve"));
    ::usleep(1000);
  }
  const absl::Duration elapsed = absl::Now() - start;
  OpenClients();
  return elapsed;
}

void Peer::Stop() {
  CloseClients();  // While the server still runs.
  process_.Stop(absl::Seconds(30));
}

void Peer::Kill() {
  process_.Kill();
  CloseClients();  // Their streams end at once: the server's sockets are gone.
}

absl::Status GrpcPeer::ConnectAll(absl::Duration timeout) {
  const auto deadline = absl::ToChronoTime(absl::Now() + timeout);
  for (const std::shared_ptr<grpc::Channel>& channel : channels_) {
    if (!channel->WaitForConnected(deadline)) return absl::DeadlineExceededError("a channel did not connect");
  }
  return absl::OkStatus();
}

void GrpcPeer::RawUnary(int channel_hint, const std::string& method, const std::string& request,
                        std::function<void(const grpc::Status&, std::string_view)> done, const std::string& token) {
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    std::function<void(const grpc::Status&, std::string_view)> done;
  };
  auto* call = new Call;
  call->request = ToByteBuffer(request);
  call->done = std::move(done);
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
  if (!token.empty()) call->context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  grpc::GenericStub* stub = stubs_[static_cast<size_t>(channel_hint) % stubs_.size()].get();
  stub->UnaryCall(&call->context, method, grpc::StubOptions(), &call->request, &call->response,
                  [call](const grpc::Status& status) {
                    std::unique_ptr<Call> owned(call);
                    grpc::Slice slice;
                    std::string_view bytes;
                    if (status.ok() && owned->response.DumpToSingleSlice(&slice).ok()) {
                      bytes = std::string_view(reinterpret_cast<const char*>(slice.begin()), slice.size());
                    }
                    owned->done(status, bytes);
                  });
}

void GrpcPeer::WriteReport(int organization, int64_t send_unix_nanos, WriteDone done, int channel_hint) {
  std::string method, request;
  ReportCall(organization, send_unix_nanos, &method, &request);
  RawUnary(channel_hint, method, request,
           [this, done = std::move(done)](const grpc::Status& status, std::string_view response) {
             WriteResult result;
             result.ok = status.ok();
             if (result.ok) {
               result.revision = RevisionOfWriteResponse(response);
             } else {
               result.error = absl::StrCat(static_cast<int>(status.error_code()), ": ", status.error_message());
             }
             done(result);
           });
}

void GrpcPeer::PublishReport(int organization, int64_t send_unix_nanos, WriteDone done, int channel_hint) {
  ketenbeeld::v1::ReportStatusRequest report;
  *report.mutable_report() = options_.payloads.Report(organization, send_unix_nanos);
  publishers_[static_cast<size_t>(channel_hint) % publishers_.size()]->Publish(
      std::move(report), [done = std::move(done)](absl::StatusOr<ketenbeeld::v1::WriteResponse> response) {
        WriteResult result;
        result.ok = response.ok();
        if (result.ok) {
          result.revision = response->revision();
        } else {
          result.error = absl::StrCat(static_cast<int>(response.status().code()), ": ", response.status().message());
        }
        done(result);
      });
}

absl::Status Peer::Register(int count, int concurrency, absl::Duration timeout) {
  std::mutex mutex;
  std::condition_variable cv;
  int next = 0, in_flight = 0, completed = 0;  // Guarded by mutex.
  absl::Status first_error;                    // Guarded by mutex.
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int first = 0, batch = 0;
    {
      std::unique_lock<std::mutex> lock(mutex);
      cv.wait_until(lock, absl::ToChronoTime(deadline),
                    [&] { return completed == count || (next < count && in_flight < concurrency); });
      if (completed == count) return first_error;
      if (absl::Now() > deadline) {
        // The calls' own deadline (60 s) ends those still in flight; wait for them so no callback outlives us.
        cv.wait(lock, [&] { return in_flight == 0; });
        return absl::DeadlineExceededError(absl::StrCat("registered ", completed, " of ", count));
      }
      first = next;
      batch = std::min(concurrency - in_flight, count - next);
      next += batch;
      in_flight += batch;
    }
    // Issued without the lock held: a callback may run inline on this thread.
    for (int organization = first; organization < first + batch; ++organization) {
      RegisterOne(organization, [&](const absl::Status& status) {
        std::lock_guard<std::mutex> lock(mutex);
        --in_flight;
        ++completed;
        if (!status.ok() && first_error.ok()) {
          first_error = absl::InternalError(absl::StrCat("registration failed: ", status.message()));
        }
        cv.notify_all();
      });
    }
  }
}

void GrpcPeer::RegisterOne(int organization, std::function<void(const absl::Status&)> done) {
  std::string method, request;
  RegistrationCall(organization, &method, &request);
  RawUnary(organization, method, request,
           [done = std::move(done)](const grpc::Status& status, std::string_view) { done(ToAbslStatus(status)); });
}

std::unique_ptr<Feed> GrpcPeer::Subscribe(FeedObserver* observer, int channel_hint) {
  return OpenFeed(stubs_[static_cast<size_t>(channel_hint) % stubs_.size()].get(), observer);
}

std::unique_ptr<Peer> MakeKetenbeeldPeer(PeerOptions options) {
  return std::make_unique<KetenbeeldPeer>(std::move(options));
}

std::unique_ptr<Peer> MakeEtcdPeer(PeerOptions options) { return std::make_unique<EtcdPeer>(std::move(options)); }

}  // namespace ketenbeeld::bench
