// Assembles a running Ketenbeeld server: store -> picture -> hub -> committer -> gRPC services (PictureService,
// grpc.health.v1, server reflection). Used by the ketenbeeld-server binary and by the integration tests.
//
// Thread safety: Shutdown() and the accessors may be called from any thread.
#ifndef KETENBEELD_SERVER_API_SERVER_H_
#define KETENBEELD_SERVER_API_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/api/subscription.h"
#include "server/pipeline/committer.h"
#include "server/pipeline/hub.h"

namespace ketenbeeld::api {

struct ServerOptions {
  // host:port; port 0 picks a free port (see KetenbeeldServer::port()). Without TLS only loopback addresses
  // (127.0.0.0/8, [::1], localhost) are accepted.
  std::string listen_address = "127.0.0.1:50051";
  // RocksDB directory; created when missing.
  std::string data_dir = "ketenbeeld-data";
  // fsync every commit. Only tests of non-durability concerns turn this off.
  bool sync = true;
  // Largest request accepted, in bytes (RESOURCE_EXHAUSTED beyond).
  int max_receive_message_bytes = 1 << 20;
  pipeline::Committer::Options committer;
  pipeline::Hub::Options hub;
  FeedOptions feed;
};

class KetenbeeldServer {
 public:
  // Opens the store, loads the picture and starts serving. Errors: INVALID_ARGUMENT (bad listen address or a
  // non-loopback address without TLS), UNAVAILABLE (the port could not be bound), storage errors from Store::Open.
  static absl::StatusOr<std::unique_ptr<KetenbeeldServer>> Start(const ServerOptions& options);

  ~KetenbeeldServer();  // Shutdown() with a short grace period.

  // The port actually bound.
  int port() const;
  // "127.0.0.1:<port>" etc.: the address clients should dial.
  std::string address() const;
  // The revision of the picture.
  int64_t revision() const;

  // Removes the event history up to and including `revision` (see storage::Store::CompactLog). Feeds that resume
  // from before it get `reset`. FAILED_PRECONDITION when `revision` is ahead of the picture.
  absl::Status CompactLog(int64_t revision);

  // Graceful shutdown: health NOT_SERVING, live feeds end with UNAVAILABLE (clients resume elsewhere/later), new
  // writes are refused, in-flight RPCs get up to `grace` to finish, queued writes are committed, the store is closed.
  // Idempotent.
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

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_SERVER_H_
