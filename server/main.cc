// ketenbeeld-server: serves the shared picture of one safety region. Thin over api::KetenbeeldServer.
#include <csignal>
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "server/api/server.h"
#include "server/observability/log.h"

namespace {

// Blocks SIGINT and SIGTERM in every thread (call before any thread starts) and waits for one of them.
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

}  // namespace

int main(int argc, char** argv) {
  ketenbeeld::api::ServerOptions options;
  int heartbeat_ms = 5000;
  int shutdown_grace_ms = 5000;
  int report_interval_minutes = 24 * 60;

  CLI::App app{"Ketenbeeld server: the shared, live picture of the care chain of one safety region."};
  app.add_option("--listen", options.listen_address, "Address to listen on, host:port (loopback only for now)")
      ->capture_default_str();
  app.add_option("--data_dir", options.data_dir, "RocksDB data directory (created when missing)")
      ->capture_default_str();
  app.add_option("--heartbeat_ms", heartbeat_ms, "Heartbeat interval of live feeds, in milliseconds")
      ->check(CLI::Range(10, 600'000))
      ->capture_default_str();
  app.add_option("--report_interval_minutes", report_interval_minutes,
                 "Default reporting cadence: next_report_due = commit time + this")
      ->check(CLI::Range(1, 7 * 24 * 60))
      ->capture_default_str();
  app.add_option("--shutdown_grace_ms", shutdown_grace_ms, "How long in-flight calls may take at shutdown")
      ->check(CLI::Range(0, 600'000))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  options.feed.heartbeat_interval = absl::Milliseconds(heartbeat_ms);
  options.hub.wake_interval = std::min(absl::Seconds(1), options.feed.heartbeat_interval / 2);
  options.committer.report_interval = absl::Minutes(report_interval_minutes);

  BlockTerminationSignals();  // Before gRPC and RocksDB start their threads, so only sigwait sees the signals.
  absl::StatusOr<std::unique_ptr<ketenbeeld::api::KetenbeeldServer>> server =
      ketenbeeld::api::KetenbeeldServer::Start(options);
  if (!server.ok()) {
    ketenbeeld::observability::LogError("start_failed", {{"error", server.status().ToString()}});
    std::fprintf(stderr, "ketenbeeld-server: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  const int signal = WaitForTerminationSignal();
  ketenbeeld::observability::LogInfo("signal_received", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*server)->Shutdown(absl::Milliseconds(shutdown_grace_ms));
  return 0;
}
