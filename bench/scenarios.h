// The benchmark scenarios. Each runs every case against every peer in turn (never both at once, so they do not
// compete for the two cores or the disk), on a fresh data dir per case, prints a side-by-side table and returns
// its results as JSON (written to results/<scenario>.json by main).
//
// Scenarios:
//   durable_writes  P closed-loop publishers of ~1 KB status reports: acknowledged (fsynced) writes/s, latency;
//                   once per write API (unary calls, and the PublishStatus stream).
//   fanout          S live subscribers while R reports/s are written: commit-to-delivery and send-to-delivery
//                   latency at every subscriber, and proof that every subscriber got every event exactly once.
//   snapshot        time for a new subscriber to be synced with N organisations (+ their reports) in the picture.
//   recovery        time from exec to the first successful read with E events in the log.
//   memory          server RSS per idle subscriber.
//   sse_fanout      fanout over the HTTP gateway's Server-Sent Events feeds (the browser path; ketenbeeld only),
//                   with the server's threads, memory and CPU per feed (fanout reports them too).
//   scan_interference  the GHOR's Get latency, alone and while another identity runs expensive reads (History with
//                   a filter matching nothing, List at a past revision), under the default per-identity limits.
//   unread_client   server memory and the GHOR's Get while another identity starts calls and streams on HTTP/2
//                   connections whose answers it never reads (receive window 0).
//   replicated_writes  durable_writes against a replicated region (three etcd members, three servers on loopback),
//                   sent to the leader and to a follower (which forwards), beside a single node in the same run.
//   replicated_failover  kill -9 of the leader under a steady load of unary writes from a client that knows every
//                   member: time until writes succeed again, and until another member leads, per cycle.
//   federation_lag  a region server, a ROAZ server and ketenbeeld-federator (issue 20): status reports written to the
//                   region at a fixed rate, the time from their commit at the region to their arrival in the ROAZ
//                   server's feed (ketenbeeld only; skipped without --federator_bin).
//   growth          how cost grows (issue 21, item 5; ketenbeeld only): at several sizes of the picture (N
//                   organisations, each with a status report) and of the history (a fixed registry, E events), the
//                   server's RSS, its data dir on disk, the snapshot time, durable stream writes/s, fan-out latency
//                   and the time from a kill -9 to serving again; one table, a row per size.
// The replicated scenarios need etcd (--etcd_bin); without it they are skipped with a message. Redis (--redis_bin,
// bench/redis_peer.h) runs in durable_writes, fanout, snapshot, recovery and memory; the other scenarios print
// "redis: n/a" with the reason.
//
// Every loop is bounded in count and time; servers are children of this process and are always reaped.
#ifndef KETENBEELD_BENCH_SCENARIOS_H_
#define KETENBEELD_BENCH_SCENARIOS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace ketenbeeld::bench {

struct BenchConfig {
  std::string server_binary;
  std::string etcd_binary;
  std::string redis_binary;  // redis-server (Debian's 7.0)
  // Prefix of ketenbeeld-server's command line, e.g. {"valgrind", "--tool=callgrind"} for a profile.
  std::vector<std::string> server_launcher;
  std::vector<std::string> peers = {"ketenbeeld", "etcd", "redis"};
  std::string work_dir;
  bool keep_data = false;
  int report_bytes = 1000;
  int channels = 16;

  std::vector<int> publishers = {1, 16, 64, 256};
  // durable_writes: "unary" (one ReportStatus call per write) and/or "stream" (PublishStatus, one stream per
  // channel); each its own case. etcd has no streaming put: its stream case is its unary Put.
  std::vector<std::string> write_apis = {"unary", "stream"};
  // durable_writes, stream: whether each acknowledgement carries the stored record (PublishStatusRequest.
  // omit_records unset). Off by default: etcd's Put answers with the revision only, and so does ours then.
  bool stream_records = false;
  absl::Duration write_warmup = absl::Seconds(2);
  absl::Duration write_duration = absl::Seconds(10);

  std::vector<int> fanout_subscribers = {100, 1000, 5000};
  std::vector<int> fanout_rates = {200, 1000};
  absl::Duration fanout_duration = absl::Seconds(5);
  int fanout_organizations = 100;
  absl::Duration fanout_drain_timeout = absl::Seconds(180);

  int snapshot_organizations = 10000;
  int snapshot_repeats = 5;

  int64_t recovery_events = 1'000'000;
  int recovery_organizations = 1000;
  int recovery_restarts = 3;
  int recovery_publishers = 256;
  absl::Duration recovery_load_timeout = absl::Minutes(30);

  int idle_subscribers = 1000;
  int idle_organizations = 100;

  // More flags for ketenbeeld-server (scenarios set them per case, e.g. the HTTP gateway for sse_fanout).
  std::vector<std::string> server_flags;

  // sse_fanout: feed counts and write rates (fanout_duration and fanout_organizations as fanout), and the epoll loops
  // the bench reads the feeds with.
  std::vector<int> sse_feeds = {100, 1000};
  std::vector<int> sse_rates = {200};
  int sse_loops = 2;

  // scan_interference and unread_client: organisations in the region (each with a status report), the length of
  // each phase (alone, then under the other identity's load), and the GHOR's steady rate of Gets.
  int region_organizations = 30000;
  absl::Duration phase_duration = absl::Seconds(10);
  int ghor_get_rate = 50;
  // scan_interference: scans started per second, at most this many unanswered (issue 14: 8 in flight).
  int scan_rate = 400;
  int scans_in_flight = 8;
  // unread_client: calls (and every tenth a PublishStatus stream) started per second, under the identity's request
  // rate of 200/s as in issue 14, over this many connections.
  int unread_rate = 150;
  int unread_connections = 4;

  // replicated_writes: publisher counts (the write APIs, warm-up and duration are durable_writes'). Both replicated
  // scenarios: the members' --lease_ttl (the server's default).
  std::vector<int> replicated_publishers = {1, 16, 64, 256};
  absl::Duration lease_ttl = absl::Seconds(5);
  // replicated_failover: kill -9 cycles, the steady load (unary reports per second, open loop), and how long writes
  // flow before each kill.
  int failover_cycles = 5;
  int failover_write_rate = 200;
  absl::Duration failover_steady = absl::Seconds(3);

  // federation_lag: ketenbeeld-federator (empty or missing: the scenario is skipped with a message), the region's
  // write rates (one case each, on fresh servers), how long each is written, and the region's organisations.
  std::string federator_binary;
  std::vector<int> federation_rates = {50, 200};
  absl::Duration federation_duration = absl::Seconds(10);
  int federation_organizations = 100;

  // growth: the sizes of the picture (organisations, each registered with one status report; a fresh server each),
  // then the sizes of the history (events in the log, counted by revision) on one server with a fixed registry of
  // growth_history_organizations, grown by status reports from one size to the next. At each size: the snapshot
  // read growth_snapshot_reads times, a kill -9 and restart, growth_feeds feeds at growth_rate reports/s for
  // growth_duration, and growth_publishers closed-loop stream publishers (growth_warmup, then growth_duration).
  // The log is written over the PublishStatus streams by growth_load_publishers closed loops.
  std::vector<int> growth_organizations = {1000, 10000, 100000};
  std::vector<int64_t> growth_history = {1'000'000, 10'000'000};
  int growth_history_organizations = 1000;
  int growth_snapshot_reads = 3;
  int growth_feeds = 100;
  int growth_rate = 200;
  int growth_publishers = 64;
  int growth_load_publishers = 1024;
  absl::Duration growth_warmup = absl::Seconds(1);
  absl::Duration growth_duration = absl::Seconds(3);
};

// The outcome of one scenario: its JSON, the checks of ketenbeeld that failed (empty when all passed), and the
// checks of the peer (etcd) that failed, which are reported but do not fail the run.
struct ScenarioOutcome {
  nlohmann::json json;
  std::vector<std::string> failures;
  std::vector<std::string> notes;
};

ScenarioOutcome RunDurableWrites(const BenchConfig& config);
ScenarioOutcome RunFanout(const BenchConfig& config);
ScenarioOutcome RunSnapshot(const BenchConfig& config);
ScenarioOutcome RunRecovery(const BenchConfig& config);
ScenarioOutcome RunMemory(const BenchConfig& config);
ScenarioOutcome RunSseFanout(const BenchConfig& config);
ScenarioOutcome RunScanInterference(const BenchConfig& config);
ScenarioOutcome RunUnreadClient(const BenchConfig& config);
ScenarioOutcome RunReplicatedWrites(const BenchConfig& config);
ScenarioOutcome RunReplicatedFailover(const BenchConfig& config);
ScenarioOutcome RunFederationLag(const BenchConfig& config);
ScenarioOutcome RunGrowth(const BenchConfig& config);

// The scenario's table (its "table" rows, under its "columns" when it names them) in Markdown, for
// docs/benchmarks.md; for a skipped scenario, why.
std::string MarkdownTable(const nlohmann::json& scenario);

// Prints the one-table summary of every scenario run so far (targets and ratios), from their JSON.
void PrintSummary(const std::vector<nlohmann::json>& scenarios);

}  // namespace ketenbeeld::bench

#endif  // KETENBEELD_BENCH_SCENARIOS_H_
