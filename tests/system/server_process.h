// The real ketenbeeld-server binary as a child process, for the system tests: started on 127.0.0.1 (port 0, or a
// given port for a restart on the same address), ready once its {"event":"server_started"} log line is out.
//
// Thread safety: Start/Kill/Terminate/destructor from one thread; address() and NewStub() from any thread.
#ifndef KETENBEELD_TESTS_SYSTEM_SERVER_PROCESS_H_
#define KETENBEELD_TESTS_SYSTEM_SERVER_PROCESS_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"

namespace ketenbeeld::testing {

// Paths of the binaries under test, from CMake ($<TARGET_FILE:...>).
const char* ServerBinary();
const char* CliBinary();

struct ServerProcessOptions {
  std::string data_dir;
  // "127.0.0.1:0" picks a free port; a restart passes the previous address to keep the port.
  std::string listen = "127.0.0.1:0";
  int heartbeat_ms = 200;
  int shutdown_grace_ms = 2000;
  // Where the server's stderr (its JSON log) goes; appended to.
  std::string log_path;
  // More flags, after the ones above (e.g. {"--backup_dir", DIR}).
  std::vector<std::string> extra_args;
};

class ServerProcess {
 public:
  // Spawns the server and waits up to `timeout` for its server_started line. Errors: whatever Spawn returns, or
  // UNAVAILABLE (with the log in the message) when the server exits or does not start in time.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(const ServerProcessOptions& options,
                                                              absl::Duration timeout = absl::Seconds(20));
  // Start with the defaults, its data in `dir`/db and its log in `dir`/server.log.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartIn(const std::string& dir);

  // The address from the server_started line, e.g. "127.0.0.1:41234".
  const std::string& address() const { return address_; }
  // A fresh channel (its own subchannel, not shared with other channels) and stub.
  std::shared_ptr<grpc::Channel> NewChannel() const;
  std::unique_ptr<v1::PictureService::Stub> NewStub() const;

  // The HTTP gateway's and the metrics endpoint's ports from the server_started line; 0 when off.
  int http_port() const { return http_port_; }
  int metrics_port() const { return metrics_port_; }
  ChildProcess& process() { return *process_; }
  // Everything the server has logged so far (all starts that share the log file).
  std::string log() const { return ReadWholeFile(options_.log_path); }

 private:
  ServerProcess(ServerProcessOptions options, std::unique_ptr<ChildProcess> process, std::string address)
      : options_(std::move(options)), process_(std::move(process)), address_(std::move(address)) {}

  ServerProcessOptions options_;
  std::unique_ptr<ChildProcess> process_;
  std::string address_;
  int http_port_ = 0;
  int metrics_port_ = 0;
};

// The JSON objects among `text`'s lines (one per line); other lines are skipped.
std::vector<nlohmann::json> ParseJsonLines(const std::string& text);

// Polls `path` every 10 ms until `done(content)` holds or `timeout` passes; returns whether it held.
bool WaitForFileContent(const std::string& path, const std::function<bool(const std::string&)>& done,
                        absl::Duration timeout);

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SYSTEM_SERVER_PROCESS_H_
