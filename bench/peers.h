// The servers under test ("peers"): ketenbeeld-server, etcd and (bench/redis_peer.h) Redis, behind one interface so
// every scenario drives them the same way: the same payload sizes, the same number of connections, publishers and
// subscribers. ketenbeeld and etcd share one client code path (gRPC's generic callback API with raw bytes and the
// wire scanners of wire.h: GrpcPeer); Redis has its own (hiredis).
//
// A Peer owns its server process (started on 127.0.0.1 with a data dir the harness chooses; always reaped) and a
// pool of client connections to it. Writes and feeds are asynchronous: their callbacks run on the client's threads.
//
// Thread safety: Start/Stop/Restart/Register from one (the scenario's) thread; WriteReport, PublishReport and
// Subscribe from any thread, also from inside callbacks.
#ifndef KETENBEELD_BENCH_PEERS_H_
#define KETENBEELD_BENCH_PEERS_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/process.h"
#include "bench/wire.h"
#include "client/publisher.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace ketenbeeld::bench {

// The methods of ketenbeeld-server the harness calls by name (gRPC's generic API, raw bytes).
inline constexpr char kRegisterMethod[] = "/ketenbeeld.v1.PictureService/RegisterOrganization";
inline constexpr char kReportMethod[] = "/ketenbeeld.v1.PictureService/ReportStatus";
inline constexpr char kPublishStatusMethod[] = "/ketenbeeld.v1.PictureService/PublishStatus";
inline constexpr char kGetMethod[] = "/ketenbeeld.v1.PictureService/Get";
inline constexpr char kListMethod[] = "/ketenbeeld.v1.PictureService/List";
inline constexpr char kHistoryMethod[] = "/ketenbeeld.v1.PictureService/History";
inline constexpr char kSubscribeMethod[] = "/ketenbeeld.v1.PictureService/Subscribe";

struct WriteResult {
  bool ok = false;
  int64_t revision = 0;  // The revision the write was committed at (etcd: header.revision).
  std::string error;     // When !ok: the peer's error ("<code>: <message>" for gRPC peers).
};
using WriteDone = std::function<void(const WriteResult&)>;

// Receives one feed's messages. Calls for one feed never overlap; calls for different feeds may run concurrently.
class FeedObserver {
 public:
  virtual ~FeedObserver() = default;
  // The snapshot is complete at `revision` (ketenbeeld: `synced`; etcd: the prefix Range answered at `revision`
  // and the watch from revision + 1 is created). `bytes`: everything received for the snapshot.
  virtual void OnSynced(int64_t revision, int64_t snapshot_records, int64_t bytes) = 0;
  // Live events in the order received; `receive_unix_nanos` was read once when the message arrived.
  virtual void OnEvents(const std::vector<FeedEvent>& events, int64_t receive_unix_nanos) = 0;
  // The feed ended: CANCELLED when cancelled by the harness; otherwise ended by the server or a protocol violation
  // (the message says). gRPC peers pass gRPC's status code and message (the codes are absl's numbers).
  virtual void OnDone(const absl::Status& status) = 0;
};

// A live subscription. Destroying it cancels the stream and waits (bounded) for the peer's client to finish with it.
class Feed {
 public:
  virtual ~Feed() = default;
  virtual void Cancel() = 0;
  // True once OnDone ran.
  virtual bool WaitDone(absl::Duration timeout) = 0;
};

struct PeerOptions {
  std::string binary;                 // ketenbeeld-server, etcd or redis-server
  std::vector<std::string> launcher;  // Command prefix (a profiler), empty for none.
  std::string work_dir;               // Where logs go; data dirs are passed to Start.
  int channels = 16;                  // Client connections (HTTP/2, or Redis connections) to spread writes over.
  PayloadFactory payloads;            // Report size.
  bool stream_records = false;        // PublishStatus acknowledgements carry the stored record.
  // More flags for ketenbeeld-server (e.g. --http_listen, --tokens_file); the other peers ignore them.
  std::vector<std::string> server_flags;
  // ketenbeeld-server: listen on this port of 127.0.0.1 (0: the server picks one and logs it). A member of a
  // replicated region needs its address before it starts, for --advertise.
  int listen_port = 0;
};

// A server under test, whatever its protocol: its process (start, restart, stop, kill) and the operations the
// scenarios drive (register, write a report, subscribe, connect). The protocol lives in the subclasses: GrpcPeer
// (ketenbeeld, etcd) and RedisPeer (bench/redis_peer.h).
class Peer {
 public:
  explicit Peer(PeerOptions options) : options_(std::move(options)) {}
  // Stops the server. A subclass with client connections calls Stop() in its own destructor, so they are closed
  // (by its CloseClients) while the server still runs.
  virtual ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  virtual std::string Name() const = 0;

  // Starts the server on `data_dir` (created when missing) and returns once a read succeeds. An error carries the
  // server's log tail.
  absl::Status Start(const std::string& data_dir);
  // Stops gracefully (SIGTERM), then starts on the same data dir and port and returns the time from exec to the
  // first successful read. The client connections are re-created.
  absl::StatusOr<absl::Duration> Restart(absl::Duration timeout);
  // SIGTERM and reap (bounded; SIGKILL after 30 s).
  void Stop();
  // SIGKILL and reap (kill -9: a machine that dies). The client connections are dropped; Restart starts the server
  // again on its data dir and port.
  void Kill();
  // The log (stdout and stderr) of the server's current or last launch.
  const std::string& log_path() const { return process_.log_path(); }
  pid_t Pid() const { return process_.pid(); }
  // Replaces PeerOptions::server_flags from the next Restart on (e.g. to start with tokens on data loaded before).
  void SetServerFlags(std::vector<std::string> flags) { options_.server_flags = std::move(flags); }
  // A line of the running server's log containing `needle` (ChildProcess::WaitForLogLine), e.g. where its HTTP
  // gateway listens.
  absl::StatusOr<std::string> WaitForLogLine(const std::string& needle, absl::Duration timeout) {
    return process_.WaitForLogLine(needle, timeout);
  }
  // "127.0.0.1:<port>" once started.
  const std::string& address() const { return address_; }

  // Registers organisations [0, count) (etcd: puts the same registration bytes under its key), `concurrency` in
  // flight. Returns the first error, if any, after all completed.
  absl::Status Register(int count, int concurrency, absl::Duration timeout);
  // Writes the status report of organisation `organization` stamped with `send_unix_nanos`; `done` runs once, on the
  // peer client's thread, when the write was acknowledged (durable) or failed.
  virtual void WriteReport(int organization, int64_t send_unix_nanos, WriteDone done, int channel_hint) = 0;
  // Whether the peer has a streaming write API (ketenbeeld: PictureService.PublishStatus; etcd has none).
  virtual bool SupportsStreamWrites() const { return false; }
  // WriteReport over the streaming API; only when SupportsStreamWrites() (this default is WriteReport).
  virtual void PublishReport(int organization, int64_t send_unix_nanos, WriteDone done, int channel_hint) {
    WriteReport(organization, send_unix_nanos, std::move(done), channel_hint);
  }
  // Opens a feed of the whole picture: snapshot, then live events. `observer` must outlive the feed.
  virtual std::unique_ptr<Feed> Subscribe(FeedObserver* observer, int channel_hint) = 0;

  // Connects every client connection (bounded); used before measuring memory so connections are not counted per
  // feed.
  virtual absl::Status ConnectAll(absl::Duration timeout) = 0;
  const PayloadFactory& payloads() const { return options_.payloads; }

 protected:
  // The server's command line for `data_dir` listening on `port` (0: the server picks, ketenbeeld only).
  virtual std::vector<std::string> Argv(const std::string& data_dir, int port) = 0;
  // The port for a first start; 0 lets the server pick (ketenbeeld).
  virtual absl::StatusOr<int> ChooseListenPort() = 0;
  // Called after exec of a first start: returns the address the server listens on.
  virtual absl::StatusOr<std::string> AwaitAddress(ChildProcess& process, int port) = 0;
  // One readiness probe over a fresh connection to address(): true when a read succeeded (or cleanly answered
  // NOT_FOUND). `probe`: -1 on a first start, -2, -3, ... for the probes of a restart.
  virtual bool ProbeReady(int probe) = 0;
  // Makes the client connections once the server serves (Start, Restart); closes them (Stop, Kill, Restart).
  // CloseClients runs before the server stops, except after Kill.
  virtual void OpenClients() = 0;
  virtual void CloseClients() {}
  // Writes the registration of `organization`; `done` runs once with the outcome.
  virtual void RegisterOne(int organization, std::function<void(const absl::Status&)> done) = 0;

  PeerOptions options_;

 private:
  absl::Status Launch(const std::string& data_dir, int port);

  ChildProcess process_;
  std::string data_dir_;
  std::string address_;
  int port_ = 0;
  int launches_ = 0;
};

// A peer spoken to over gRPC: a pool of channels, the generic stub with raw bytes and the wire scanners of wire.h.
// Writes and feeds are asynchronous: their callbacks run on gRPC's threads.
class GrpcPeer : public Peer {
 public:
  using Peer::Peer;
  ~GrpcPeer() override;

  void WriteReport(int organization, int64_t send_unix_nanos, WriteDone done, int channel_hint) override;
  // WriteReport over the streaming API: one PublishStatus stream per channel (client::StatusPublisher, shared by
  // every caller of that channel, coalescing what they queue while the previous message is in flight). Only when
  // SupportsStreamWrites(). Unlike WriteReport's raw bytes, this is the typed client library: the client parses
  // each acknowledgement (with its record), which the unary path's wire scanner skips.
  void PublishReport(int organization, int64_t send_unix_nanos, WriteDone done, int channel_hint) override;
  // A unary call of `method` with raw bytes (60 s deadline); `done` gets the status and the response bytes. `token`:
  // sent as "authorization: Bearer <token>" (a server started with --tokens_file); empty: none (development mode).
  void RawUnary(int channel_hint, const std::string& method, const std::string& request,
                std::function<void(const grpc::Status&, std::string_view)> done, const std::string& token = "");
  std::unique_ptr<Feed> Subscribe(FeedObserver* observer, int channel_hint) override;
  absl::Status ConnectAll(absl::Duration timeout) override;
  int channel_count() const { return static_cast<int>(stubs_.size()); }

 protected:
  // One readiness probe over a fresh channel: true when a read succeeded (or cleanly answered NOT_FOUND).
  virtual bool ProbeRead(const std::shared_ptr<grpc::Channel>& channel) = 0;
  // Serializes the write of a registration / a report; returns the method path and request bytes.
  virtual void RegistrationCall(int organization, std::string* method, std::string* request) = 0;
  virtual void ReportCall(int organization, int64_t send_unix_nanos, std::string* method, std::string* request) = 0;
  // Reads the committed revision from a write response.
  virtual int64_t RevisionOfWriteResponse(std::string_view response) = 0;
  virtual std::unique_ptr<Feed> OpenFeed(grpc::GenericStub* stub, FeedObserver* observer) = 0;

  bool ProbeReady(int probe) override { return ProbeRead(MakeChannel(address(), probe)); }
  void OpenClients() override;
  void CloseClients() override;
  void RegisterOne(int organization, std::function<void(const absl::Status&)> done) override;

  static std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, int index);

 private:
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  // One per channel when SupportsStreamWrites(); destroyed (streams half-closed) before the channels.
  std::vector<std::unique_ptr<client::StatusPublisher>> publishers_;
};

// The gRPC peer `peer` is, for the scenarios that only run against ketenbeeld (raw calls with tokens); aborts with a
// message when it is not one.
GrpcPeer& AsGrpcPeer(Peer& peer);

// gRPC's status as absl's (the same code numbers).
absl::Status ToAbslStatus(const grpc::Status& status);

// Call once before the first Peer: keeps gRPC's callback machinery alive for the whole process (see peers.cc).
void KeepGrpcCallbackQueueAlive();

// ketenbeeld-server: `--listen 127.0.0.1:0 --data_dir DIR`, address from its `server_started` log line.
std::unique_ptr<Peer> MakeKetenbeeldPeer(PeerOptions options);
// etcd 3.4 as a single member on 127.0.0.1 with its default durability (fsync of WAL and backend on every commit).
std::unique_ptr<Peer> MakeEtcdPeer(PeerOptions options);

}  // namespace ketenbeeld::bench

#endif  // KETENBEELD_BENCH_PEERS_H_
