// ketenbeeld-server: serves the shared picture of one safety region. Thin over app::KetenbeeldServer.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/text_format.h"
#include "server/app/server.h"
#include "server/config/config_loader.h"
#include "server/observability/log.h"
#include "server/pipeline/picture_clock.h"

#ifdef KETENBEELD_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace {

// Blocks SIGINT and SIGTERM in every thread (call before any thread starts) and waits for one of them.
// The exit code of a replicated member that must restart to re-seed (EX_TEMPFAIL: "try again").
constexpr int kExitRestartToReseed = 75;

int WaitForTerminationSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal = 0;
  sigwait(&signals, &signal);
  return signal;
}

void BlockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

// The malloc this process runs on, for the start-up log: the write path's cost depends on it (docs/benchmarks.md,
// "Allocator, moves, memtable hints, revision-only acknowledgements"), so a profile or benchmark must say which.
std::string AllocatorName() {
#ifdef KETENBEELD_JEMALLOC
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) == 0 && version != nullptr) {
    return std::string("jemalloc ") + version;
  }
  return "jemalloc";
#else
  return "glibc";
#endif
}

}  // namespace

int main(int argc, char** argv) {
  // Everything the server creates (the database, the audit trail, backups) holds the region's picture, with other
  // organisations' figures: readable by the server's user only, whatever umask the shell that started it had.
  ::umask(0077);
#ifdef NDEBUG
  // Debian's Abseil otherwise keeps a lock graph on every lock (1% of all instructions per write, docs/benchmarks.md).
  // Debug builds and the tests keep the detection.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  CLI::App app{"Ketenbeeld server: the shared, live picture of the care chain of one safety region."};
  // --config FILE and one flag per ServerConfig field (server/config/config_loader.h); flags override the file.
  ketenbeeld::config::ConfigFlags config_flags(app);
  std::string http_assets_dir;
  app.add_option("--http_assets_dir", http_assets_dir,
                 "Serve the dashboard from this directory (web/static) instead of the built-in copy (development)")
      ->check(CLI::ExistingDirectory);
  std::string clock_offset_file;
  app.add_option("--clock_offset_file", clock_offset_file,
                 "Development only, refused with TLS or tokens: picture time is the wall clock plus the duration in "
                 "this file (\"0s\", \"12h\", \"90m\"), re-read when it changes, only ever moving forward; for "
                 "system tests (docs/operations.md)");
  std::string log_level = "info";
  app.add_option("--log_level", log_level, "Lowest level logged: debug (includes every RPC), info, warning, error")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
      ->capture_default_str();
  bool check_config = false;
  app.add_flag("--check_config", check_config, "Validate the configuration (file and flags), print it and exit");
  CLI11_PARSE(app, argc, argv);

  // Before any thread uses protobuf: its own error lines (one per request with invalid UTF-8 in a string field) go
  // through our log, rate-limited, instead of unthrottled to stderr.
  ketenbeeld::observability::RouteProtobufLog();
  using ketenbeeld::observability::LogLevel;
  ketenbeeld::observability::SetMinLogLevel(log_level == "debug"     ? LogLevel::kDebug
                                            : log_level == "warning" ? LogLevel::kWarning
                                            : log_level == "error"   ? LogLevel::kError
                                                                     : LogLevel::kInfo);
  absl::StatusOr<ketenbeeld::config::ResolvedConfig> config = config_flags.Load();
  if (!config.ok()) {
    std::fprintf(stderr, "ketenbeeld-server: invalid configuration: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  config->server.clock_offset_file = clock_offset_file;
  // What start-up would refuse without touching files or ports (listen addresses, a test-driven clock with
  // authentication): refused here too, also by --check_config, with the same exit code.
  if (absl::Status valid = ketenbeeld::app::CheckServerOptions(config->server); !valid.ok()) {
    std::fprintf(stderr, "ketenbeeld-server: invalid configuration: %s\n", std::string(valid.message()).c_str());
    return 2;
  }
  std::string clock_note;
  if (!clock_offset_file.empty()) {
    absl::StatusOr<absl::Duration> offset = ketenbeeld::pipeline::ReadClockOffsetFile(clock_offset_file);
    if (!offset.ok()) {
      std::fprintf(stderr, "ketenbeeld-server: invalid configuration: %s\n",
                   std::string(offset.status().message()).c_str());
      return 2;
    }
    clock_note = absl::StrCat("# development: picture clock = wall clock + ", absl::FormatDuration(*offset), " (",
                              clock_offset_file, ")\n");
  }
  if (check_config) {
    absl::StatusOr<ketenbeeld::server::v1::ServerConfig> merged = config_flags.Merged();
    std::string text;
    if (merged.ok()) google::protobuf::TextFormat::PrintToString(*merged, &text);
    std::printf("# configuration is valid\n%s%s", clock_note.c_str(), text.c_str());
    return 0;
  }
  ketenbeeld::app::ServerOptions options = config->server;
  options.http_assets_dir = http_assets_dir;
  // A replicated member that fell behind the trimmed log cannot follow any more: it shuts down gracefully and exits
  // with kExitRestartToReseed, so that its supervisor (systemd's Restart=on-failure, compose's restart policy)
  // starts it again, and the start re-seeds it from a peer's checkpoint.
  static std::atomic<int> exit_code{0};
  if (options.replication.has_value()) {
    options.replication->on_behind_log = [](const absl::Status&) {
      exit_code = kExitRestartToReseed;
      ::kill(::getpid(), SIGTERM);
    };
  }

  ketenbeeld::observability::LogInfo("allocator", {{"malloc", AllocatorName()}});
  BlockTerminationSignals();  // Before gRPC and RocksDB start their threads, so only sigwait sees the signals.
  absl::StatusOr<std::unique_ptr<ketenbeeld::app::KetenbeeldServer>> server =
      ketenbeeld::app::KetenbeeldServer::Start(options);
  if (!server.ok()) {
    ketenbeeld::observability::LogError("start_failed", {{"error", server.status().ToString()}});
    std::fprintf(stderr, "ketenbeeld-server: %s\n", std::string(server.status().message()).c_str());
    // INVALID_ARGUMENT: the configuration names something unusable (a certificate, CRL or tokens file): exit 2 like
    // any invalid configuration. Anything else (port in use, data directory locked or unreadable): 1.
    return server.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  const int signal = WaitForTerminationSignal();
  ketenbeeld::observability::LogInfo("signal_received", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*server)->Shutdown(config->shutdown_grace);
  return exit_code.load();
}
