// ketenbeeld-bench: the load generator and side-by-side harness (ketenbeeld-server against etcd 3.4 and Redis 7).
//
// It starts each server itself on 127.0.0.1 (data dirs under --work_dir), runs the chosen scenarios, prints a
// table per scenario and a summary against the targets, and writes results/<scenario>.json. Exit status: 0 when
// every check passed (every write acknowledged, every subscriber got every event, ...), 1 when one failed, 2 on a
// usage error. bench/run.sh is the usual entry point; docs/benchmarks.md explains the numbers.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/peers.h"
#include "bench/redis_peer.h"
#include "bench/scenarios.h"
#include "nlohmann/json.hpp"

namespace {

using ketenbeeld::bench::BenchConfig;
using ketenbeeld::bench::ScenarioOutcome;

// Tiny parameters: every scenario, every peer, about a minute (the ctest smoke test; the replicated scenarios, which
// start three etcd members and three servers per region, take half of it).
void ApplySmoke(BenchConfig* config) {
  config->publishers = {1, 8};
  config->write_warmup = absl::Milliseconds(200);
  config->write_duration = absl::Seconds(1);
  config->fanout_subscribers = {20};
  config->fanout_rates = {100};
  config->fanout_duration = absl::Seconds(1);
  config->fanout_organizations = 10;
  config->fanout_drain_timeout = absl::Seconds(20);
  config->snapshot_organizations = 200;
  config->snapshot_repeats = 2;
  config->recovery_events = 2000;
  config->recovery_organizations = 50;
  config->recovery_restarts = 1;
  config->recovery_publishers = 32;
  config->idle_subscribers = 50;
  config->idle_organizations = 10;
  config->channels = 4;
  config->sse_feeds = {20};
  config->sse_rates = {100};
  config->region_organizations = 300;
  config->phase_duration = absl::Seconds(1);
  config->replicated_publishers = {8};
  config->lease_ttl = absl::Seconds(2);
  config->failover_cycles = 1;
  config->failover_steady = absl::Seconds(1);
  config->federation_rates = {50};
  config->federation_duration = absl::Seconds(1);
  config->federation_organizations = 10;
  config->growth_organizations = {200, 2000};
  config->growth_history = {20000};
  config->growth_history_organizations = 100;
  config->growth_feeds = 10;
  config->growth_load_publishers = 256;
  config->growth_warmup = absl::Milliseconds(100);
  config->growth_duration = absl::Milliseconds(200);
}

// Smaller than the full run but the same shape: a few minutes in all.
void ApplyQuick(BenchConfig* config) {
  config->publishers = {1, 16, 64, 256};
  config->write_warmup = absl::Seconds(1);
  config->write_duration = absl::Seconds(3);
  config->fanout_subscribers = {100, 1000};
  config->fanout_rates = {200};
  config->fanout_duration = absl::Seconds(3);
  config->snapshot_organizations = 10000;
  config->snapshot_repeats = 3;
  config->recovery_events = 50000;
  config->recovery_restarts = 2;
  config->idle_subscribers = 500;
  config->region_organizations = 10000;
  config->phase_duration = absl::Seconds(3);
  config->replicated_publishers = {1, 64, 256};
  config->failover_cycles = 3;
  config->failover_steady = absl::Seconds(2);
  config->federation_duration = absl::Seconds(5);
  config->growth_organizations = {1000, 10000};
  config->growth_history = {100000, 500000};
  config->growth_duration = absl::Seconds(2);
}

int Run(int argc, char** argv) {
  CLI::App app{"ketenbeeld-bench: load generator, ketenbeeld-server side by side with etcd 3.4"};
  BenchConfig config;
  std::string results_dir = "bench/results";
  std::string scenarios_flag =
      "writes,fanout,sse_fanout,snapshot,recovery,memory,scan_interference,unread_client,replicated_writes,"
      "replicated_failover,federation_lag,growth";
  std::string peers_flag = "ketenbeeld,etcd,redis";
  bool quick = false, smoke = false;
  double write_seconds = 0, fanout_seconds = 0;
  std::vector<int> publishers, fanout_subscribers, fanout_rates;
  int64_t recovery_events = 0;
  int snapshot_organizations = 0, idle_subscribers = 0;
  app.add_option("--server_bin", config.server_binary, "Path of ketenbeeld-server")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--etcd_bin", config.etcd_binary, "Path of etcd 3.4 (skipped with a message when missing)")
      ->default_val("/usr/bin/etcd");
  app.add_option("--redis_bin", config.redis_binary,
                 "Path of redis-server 7 (skipped with a message when missing or when built without hiredis)")
      ->default_val("/usr/bin/redis-server");
  app.add_option("--work_dir", config.work_dir, "Data dirs and server logs (same disk as the results)")->required();
  app.add_option("--federator_bin", config.federator_binary,
                 "Path of ketenbeeld-federator (federation_lag; skipped with a message when missing)");
  std::vector<int> federation_rates;
  double federation_seconds = 0;
  app.add_option("--federation_rates", federation_rates, "federation_lag: the region's writes per second")
      ->delimiter(',');
  app.add_option("--federation_seconds", federation_seconds, "federation_lag: seconds of writing per rate");
  app.add_option("--results_dir", results_dir, "Where <scenario>.json are written")->default_val(results_dir);
  app.add_option("--scenarios", scenarios_flag,
                 "Comma-separated: writes,fanout,sse_fanout,snapshot,recovery,memory,scan_interference,unread_client,"
                 "replicated_writes,replicated_failover,federation_lag,growth")
      ->default_val(scenarios_flag);
  app.add_option("--peers", peers_flag, "Comma-separated: ketenbeeld,etcd,redis")->default_val(peers_flag);
  app.add_flag("--quick", quick, "Smaller parameters, same shape (a few minutes)");
  app.add_flag("--smoke", smoke, "Tiny parameters (about a minute): for ctest");
  app.add_flag("--keep_data", config.keep_data, "Keep the servers' data dirs");
  std::string launcher;
  app.add_option("--server_launcher", launcher,
                 "Command prefix for ketenbeeld-server, space-separated (e.g. a profiler: "
                 "'/usr/bin/valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p')");
  app.add_option("--channels", config.channels, "Client connections per server")->check(CLI::Range(1, 256));
  app.add_option("--report_bytes", config.report_bytes, "Serialized size of a status report")
      ->check(CLI::Range(600, 4000));
  app.add_option("--publishers", publishers, "durable_writes: publisher counts")->delimiter(',');
  app.add_option("--write_seconds", write_seconds, "durable_writes: measured seconds per case");
  std::vector<std::string> write_apis;
  app.add_option("--write_api", write_apis,
                 "durable_writes: unary (a ReportStatus call per write), stream (PublishStatus); etcd is always unary")
      ->delimiter(',')
      ->check(CLI::IsMember({"unary", "stream"}));
  app.add_flag("--stream_records", config.stream_records,
               "durable_writes, stream: acknowledgements carry the stored record (default: the revision only, as "
               "etcd's Put)");
  app.add_option("--fanout_subscribers", fanout_subscribers, "fanout: subscriber counts")->delimiter(',');
  app.add_option("--fanout_rates", fanout_rates, "fanout: writes per second")->delimiter(',');
  app.add_option("--fanout_seconds", fanout_seconds, "fanout: seconds of writing per case");
  app.add_option("--snapshot_organizations", snapshot_organizations, "snapshot: organisations in the picture");
  app.add_option("--recovery_events", recovery_events, "recovery: events in the log");
  app.add_option("--idle_subscribers", idle_subscribers, "memory: idle feeds to open");
  std::vector<int> sse_feeds, sse_rates;
  double phase_seconds = 0;
  app.add_option("--sse_feeds", sse_feeds, "sse_fanout: Server-Sent Events feed counts")->delimiter(',');
  app.add_option("--sse_rates", sse_rates, "sse_fanout: writes per second")->delimiter(',');
  app.add_option("--sse_loops", config.sse_loops, "sse_fanout: the bench's epoll threads reading the feeds")
      ->check(CLI::Range(1, 16));
  app.add_option("--region_organizations", config.region_organizations,
                 "scan_interference, unread_client: organisations in the region")
      ->check(CLI::Range(10, 1000000));
  app.add_option("--phase_seconds", phase_seconds,
                 "scan_interference, unread_client: seconds of each phase (alone, under load)");
  app.add_option("--ghor_get_rate", config.ghor_get_rate,
                 "scan_interference, unread_client: the GHOR's Gets per second")
      ->check(CLI::Range(1, 10000));
  app.add_option("--scan_rate", config.scan_rate, "scan_interference: expensive reads started per second")
      ->check(CLI::Range(1, 100000));
  app.add_option("--scans_in_flight", config.scans_in_flight, "scan_interference: at most this many unanswered")
      ->check(CLI::Range(1, 1024));
  app.add_option("--unread_rate", config.unread_rate, "unread_client: unread calls started per second")
      ->check(CLI::Range(1, 100000));
  app.add_option("--unread_connections", config.unread_connections, "unread_client: its HTTP/2 connections")
      ->check(CLI::Range(1, 64));
  std::vector<int> replicated_publishers;
  double lease_ttl_seconds = 0;
  int failover_cycles = 0;
  app.add_option("--replicated_publishers", replicated_publishers, "replicated_writes: publisher counts")
      ->delimiter(',');
  app.add_option("--lease_ttl", lease_ttl_seconds,
                 "replicated_writes, replicated_failover: the members' lease TTL in seconds (default 5, the server's)")
      ->check(CLI::Range(1.0, 60.0));
  app.add_option("--failover_cycles", failover_cycles, "replicated_failover: kill -9 cycles of the leader")
      ->check(CLI::Range(1, 100));
  app.add_option("--failover_write_rate", config.failover_write_rate,
                 "replicated_failover: unary writes per second during the cycles")
      ->check(CLI::Range(1, 10000));
  std::vector<int> growth_organizations;
  std::vector<int64_t> growth_history;
  double growth_seconds = 0;
  app.add_option("--growth_organizations", growth_organizations,
                 "growth: organisations in the picture, one point each (a fresh server each)")
      ->delimiter(',')
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--growth_history", growth_history,
                 "growth: events in the log, one point each (one server, grown from one to the next)")
      ->delimiter(',')
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000'000}));
  app.add_option("--growth_history_organizations", config.growth_history_organizations,
                 "growth: the fixed registry of the history points")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--growth_seconds", growth_seconds,
                 "growth: seconds of the fan-out writer and of the measured durable writes at each point");
  app.add_option("--growth_feeds", config.growth_feeds, "growth: fan-out feeds at each point")
      ->check(CLI::Range(1, 10000));
  app.add_option("--growth_rate", config.growth_rate, "growth: fan-out reports per second")
      ->check(CLI::Range(1, 100000));
  app.add_option("--growth_publishers", config.growth_publishers,
                 "growth: closed-loop stream publishers of the durable-writes column")
      ->check(CLI::Range(1, 4096));
  app.add_option("--growth_load_publishers", config.growth_load_publishers,
                 "growth: closed-loop stream publishers that write the log")
      ->check(CLI::Range(1, 65536));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  }
  for (absl::string_view part : absl::StrSplit(launcher, ' ', absl::SkipEmpty())) {
    config.server_launcher.emplace_back(part);
  }
  if (smoke) ApplySmoke(&config);
  if (quick) ApplyQuick(&config);
  if (!publishers.empty()) config.publishers = publishers;
  if (write_seconds > 0) config.write_duration = absl::Seconds(write_seconds);
  if (!write_apis.empty()) config.write_apis = write_apis;
  if (!fanout_subscribers.empty()) config.fanout_subscribers = fanout_subscribers;
  if (!fanout_rates.empty()) config.fanout_rates = fanout_rates;
  if (fanout_seconds > 0) config.fanout_duration = absl::Seconds(fanout_seconds);
  if (snapshot_organizations > 0) config.snapshot_organizations = snapshot_organizations;
  if (recovery_events > 0) config.recovery_events = recovery_events;
  if (idle_subscribers > 0) config.idle_subscribers = idle_subscribers;
  if (!sse_feeds.empty()) config.sse_feeds = sse_feeds;
  if (!sse_rates.empty()) config.sse_rates = sse_rates;
  if (phase_seconds > 0) config.phase_duration = absl::Seconds(phase_seconds);
  if (!replicated_publishers.empty()) config.replicated_publishers = replicated_publishers;
  if (lease_ttl_seconds > 0) config.lease_ttl = absl::Seconds(lease_ttl_seconds);
  if (failover_cycles > 0) config.failover_cycles = failover_cycles;
  if (!federation_rates.empty()) config.federation_rates = federation_rates;
  if (federation_seconds > 0) config.federation_duration = absl::Seconds(federation_seconds);
  if (!growth_organizations.empty()) config.growth_organizations = growth_organizations;
  if (!growth_history.empty()) config.growth_history = growth_history;
  if (growth_seconds > 0) config.growth_duration = absl::Seconds(growth_seconds);

  config.peers.clear();
  for (absl::string_view peer : absl::StrSplit(peers_flag, ',', absl::SkipEmpty())) {
    if (peer != "ketenbeeld" && peer != "etcd" && peer != "redis") {
      std::fprintf(stderr, "unknown peer '%.*s'\n", static_cast<int>(peer.size()), peer.data());
      return 2;
    }
    if (peer == "etcd" && ::access(config.etcd_binary.c_str(), X_OK) != 0) {
      std::printf(
          "etcd: %s not found or not executable: SKIPPING the etcd side (install it with "
          "`apt-get install -y etcd-server`); ketenbeeld is still measured.\n",
          config.etcd_binary.c_str());
      continue;
    }
    if (peer == "redis" && !ketenbeeld::bench::RedisPeerBuilt()) {
      std::printf(
          "redis: this ketenbeeld-bench was built without hiredis and libevent: SKIPPING the redis side (install "
          "them with `make bench-deps`, then configure and build again).\n");
      continue;
    }
    if (peer == "redis" && ::access(config.redis_binary.c_str(), X_OK) != 0) {
      std::printf(
          "redis: %s not found or not executable: SKIPPING the redis side (install it with `make bench-deps` or "
          "`apt-get install -y redis-server`).\n",
          config.redis_binary.c_str());
      continue;
    }
    config.peers.emplace_back(peer);
  }
  if (config.peers.empty()) {
    std::fprintf(stderr, "no peer to run\n");
    return 2;
  }
  config.work_dir = std::filesystem::absolute(config.work_dir).string();
  std::filesystem::create_directories(config.work_dir);
  std::filesystem::create_directories(results_dir);

  ketenbeeld::bench::KeepGrpcCallbackQueueAlive();
  std::vector<nlohmann::json> results;
  std::vector<std::string> failures, notes;
  for (absl::string_view scenario : absl::StrSplit(scenarios_flag, ',', absl::SkipEmpty())) {
    ScenarioOutcome outcome;
    if (scenario == "writes") {
      outcome = ketenbeeld::bench::RunDurableWrites(config);
    } else if (scenario == "fanout") {
      outcome = ketenbeeld::bench::RunFanout(config);
    } else if (scenario == "snapshot") {
      outcome = ketenbeeld::bench::RunSnapshot(config);
    } else if (scenario == "recovery") {
      outcome = ketenbeeld::bench::RunRecovery(config);
    } else if (scenario == "memory") {
      outcome = ketenbeeld::bench::RunMemory(config);
    } else if (scenario == "sse_fanout") {
      outcome = ketenbeeld::bench::RunSseFanout(config);
    } else if (scenario == "scan_interference") {
      outcome = ketenbeeld::bench::RunScanInterference(config);
    } else if (scenario == "unread_client") {
      outcome = ketenbeeld::bench::RunUnreadClient(config);
    } else if (scenario == "replicated_writes") {
      outcome = ketenbeeld::bench::RunReplicatedWrites(config);
    } else if (scenario == "replicated_failover") {
      outcome = ketenbeeld::bench::RunReplicatedFailover(config);
    } else if (scenario == "federation_lag") {
      outcome = ketenbeeld::bench::RunFederationLag(config);
    } else if (scenario == "growth") {
      outcome = ketenbeeld::bench::RunGrowth(config);
    } else {
      std::fprintf(stderr, "unknown scenario '%.*s'\n", static_cast<int>(scenario.size()), scenario.data());
      return 2;
    }
    outcome.json["peers"] = config.peers;
    outcome.json["mode"] = smoke ? "smoke" : (quick ? "quick" : "full");
    outcome.json["finished_at"] = absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone());
    outcome.json["failures"] = outcome.failures;
    outcome.json["peer_notes"] = outcome.notes;
    notes.insert(notes.end(), outcome.notes.begin(), outcome.notes.end());
    std::ofstream(absl::StrCat(results_dir, "/", outcome.json["scenario"].get<std::string>(), ".json"))
        << outcome.json.dump(2) << "\n";
    failures.insert(failures.end(), outcome.failures.begin(), outcome.failures.end());
    results.push_back(std::move(outcome.json));
  }
  ketenbeeld::bench::PrintSummary(results);
  {
    std::ofstream markdown(absl::StrCat(results_dir, "/tables.md"));
    for (const nlohmann::json& result : results) {
      markdown << "### " << result["scenario"].get<std::string>() << "\n\n"
               << ketenbeeld::bench::MarkdownTable(result) << "\n";
    }
  }
  if (!notes.empty()) {
    std::printf("\nPeer (etcd, redis) checks that failed, reported as measurements (%zu):\n  %s\n", notes.size(),
                absl::StrJoin(notes, "\n  ").c_str());
  }
  if (!failures.empty()) {
    std::printf("\nFAILED CHECKS (%zu):\n  %s\n", failures.size(), absl::StrJoin(failures, "\n  ").c_str());
    return 1;
  }
  std::printf("\nAll checks of ketenbeeld passed (peers run: %s).\n", absl::StrJoin(config.peers, ", ").c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The JSON and CLI libraries report misuse with exceptions; none is expected, but one must not end the run
  // without a word. Unwinding stops and reaps the servers (Peer's destructor).
  try {
    return Run(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "ketenbeeld-bench: %s\n", error.what());
    return 1;
  }
}
