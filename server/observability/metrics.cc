#include "server/observability/metrics.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace ketenbeeld::observability {
namespace {

// gRPC status codes by number (grpc::StatusCode), as Prometheus label values. Kept here so that this module does
// not need gRPC's headers.
std::string_view StatusCodeName(int code) {
  static constexpr std::string_view kNames[] = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  if (code < 0 || code >= static_cast<int>(std::size(kNames))) return "UNKNOWN";
  return kNames[code];
}

// Latency buckets in seconds: 0.5 ms (an uncontended in-memory read) up to 10 s (a deadline).
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

// Writes per commit group: powers of two up to the committer's maximum group (1024).
const prometheus::Histogram::BucketBoundaries& GroupSizeBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  return *buckets;
}

// At most this many (method, code) series: a client calling made-up method names must not grow memory unbounded.
constexpr size_t kMaxRpcSeries = 512;

// The state figures, built at scrape time from the server's ServerFigures.
class FiguresCollectable : public prometheus::Collectable {
 public:
  explicit FiguresCollectable(std::function<ServerFigures()> figures) : figures_(std::move(figures)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    const ServerFigures f = figures_ ? figures_() : ServerFigures{};
    std::vector<prometheus::MetricFamily> families;
    auto add = [&](const char* name, const char* help, prometheus::MetricType type, double value) {
      prometheus::MetricFamily family;
      family.name = name;
      family.help = help;
      family.type = type;
      prometheus::ClientMetric metric;
      if (type == prometheus::MetricType::Counter) {
        metric.counter.value = value;
      } else {
        metric.gauge.value = value;
      }
      family.metric.push_back(std::move(metric));
      families.push_back(std::move(family));
    };
    using T = prometheus::MetricType;
    auto d = [](int64_t value) { return static_cast<double>(value); };
    add("ketenbeeld_revision", "The revision of the picture (the newest committed event)", T::Gauge, d(f.revision));
    add("ketenbeeld_compacted_revision", "Events up to this revision have been removed from the log", T::Gauge,
        d(f.compacted_revision));
    add("ketenbeeld_feeds_live", "Live feeds (Subscribe over gRPC and Server-Sent Events)", T::Gauge, d(f.feeds_live));
    add("ketenbeeld_feeds_caught_up", "Live feeds waiting at the newest revision", T::Gauge, d(f.feeds_caught_up));
    add("ketenbeeld_feeds_lagging", "Live feeds behind the in-memory ring, catching up from the log on disk", T::Gauge,
        d(f.feeds_lagging));
    add("ketenbeeld_feed_events_delivered_total", "Events written to feed subscribers", T::Counter,
        d(f.feed_events_delivered));
    add("ketenbeeld_feed_resets_total", "Feeds told to reset: their resume point was no longer retained", T::Counter,
        d(f.feed_resets));
    add("ketenbeeld_hub_ring_events", "Events held in the fan-out ring", T::Gauge, d(f.hub_ring_events));
    add("ketenbeeld_hub_log_reads_total", "Feed batches served from the log on disk", T::Counter, d(f.hub_log_reads));
    add("ketenbeeld_storage_failed", "1 while writes are refused because storage failed and has not recovered",
        T::Gauge, d(f.storage_failed));
    add("ketenbeeld_storage_recoveries_total", "Reopens of the store after a storage fault", T::Counter,
        d(f.storage_recoveries));
    if (f.replicated != 0) {
      add("ketenbeeld_replication_leader", "1 while this member leads the region (replicated mode)", T::Gauge,
          d(f.replication_leader));
      add("ketenbeeld_replication_lag_revisions",
          "Revisions of the region's log this member has seen but not applied yet", T::Gauge, d(f.replication_lag));
      add("ketenbeeld_replication_leaderships_total", "Times this member became the region's leader", T::Counter,
          d(f.replication_leaderships));
      if (f.replication_etcd_db_bytes >= 0) {
        add("ketenbeeld_replication_etcd_db_bytes", "Size of the etcd member's database file (defragment to shrink)",
            T::Gauge, d(f.replication_etcd_db_bytes));
        add("ketenbeeld_replication_etcd_db_in_use_bytes", "Part of the etcd member's database file in use", T::Gauge,
            d(f.replication_etcd_db_in_use_bytes));
      }
      if (f.replication_etcd_alarms >= 0) {
        add("ketenbeeld_replication_etcd_alarms", "Alarms raised in the etcd cluster (NOSPACE refuses every write)",
            T::Gauge, d(f.replication_etcd_alarms));
      }
      add("ketenbeeld_replication_log_first_revision",
          "First revision the region's log in etcd still holds (0: not known yet); older groups are trimmed", T::Gauge,
          d(f.replication_log_first_revision));
      add("ketenbeeld_replication_log_contact_age_seconds",
          "Seconds since this member last heard from the region's log in etcd (a follower cut off from etcd serves an "
          "older picture; -1: never)",
          T::Gauge, d(f.replication_log_contact_age_seconds));
    }
    add("ketenbeeld_log_compactions_total", "Compactions of the event log (retention and admin)", T::Counter,
        d(f.log_compactions));
    add("ketenbeeld_rocksdb_write_stopped", "1 while RocksDB stops writes (write stall)", T::Gauge,
        d(f.rocksdb_write_stopped));
    add("ketenbeeld_rocksdb_delayed_write_rate_bytes", "Write rate RocksDB allows while delaying writes; 0: none",
        T::Gauge, d(f.rocksdb_delayed_write_rate));
    add("ketenbeeld_rocksdb_stall_seconds_total", "Time writes waited in RocksDB write stalls", T::Counter,
        d(f.rocksdb_stall_micros) / 1e6);
    add("ketenbeeld_rocksdb_running_compactions", "RocksDB compactions running", T::Gauge,
        d(f.rocksdb_running_compactions));
    add("ketenbeeld_rocksdb_running_flushes", "RocksDB flushes running", T::Gauge, d(f.rocksdb_running_flushes));
    add("ketenbeeld_rocksdb_pending_compaction_bytes", "Bytes RocksDB compaction still has to rewrite", T::Gauge,
        d(f.rocksdb_pending_compaction_bytes));
    add("ketenbeeld_rocksdb_compaction_read_bytes_total", "Bytes read by RocksDB compactions", T::Counter,
        d(f.rocksdb_compaction_read_bytes));
    add("ketenbeeld_rocksdb_compaction_written_bytes_total", "Bytes written by RocksDB compactions", T::Counter,
        d(f.rocksdb_compaction_written_bytes));
    add("ketenbeeld_rocksdb_live_sst_bytes", "Size of the live SST files", T::Gauge, d(f.rocksdb_live_sst_bytes));
    add("ketenbeeld_rocksdb_memtable_bytes", "Size of all memtables", T::Gauge, d(f.rocksdb_memtable_bytes));
    add("ketenbeeld_rocksdb_background_errors", "RocksDB background errors since the store was (re)opened", T::Gauge,
        d(f.rocksdb_background_errors));
    if (f.notifications_queued >= 0) {
      add("ketenbeeld_notifications_queued", "Notifications of the outbox waiting to be delivered", T::Gauge,
          d(f.notifications_queued));
      add("ketenbeeld_notifications_failed", "Notifications of the outbox given up (FAILED)", T::Gauge,
          d(f.notifications_failed));
    }
    return families;
  }

 private:
  const std::function<ServerFigures()> figures_;
};

// The host to connect to in order to reach a listener bound to `host`: the loopback address of the same family for
// a wildcard bind, the host itself otherwise (brackets of an IPv6 literal removed).
std::string ReachableHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "0.0.0.0" || host.empty()) return "127.0.0.1";
  if (host == "::") return "::1";
  return std::string(host);
}

// Opens and closes one TCP connection to host:port; failures are ignored (the listener may already be closed).
void ConnectOnce(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addresses) != 0) return;
  for (const addrinfo* address = addresses; address != nullptr; address = address->ai_next) {
    const int fd = socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
    if (fd < 0) continue;
    const bool connected = connect(fd, address->ai_addr, address->ai_addrlen) == 0;
    close(fd);
    if (connected) break;
  }
  freeaddrinfo(addresses);
}

}  // namespace

struct Metrics::Impl {
  explicit Impl(std::function<ServerFigures()> figures)
      : registry(std::make_shared<prometheus::Registry>()),
        figures_collectable(std::make_shared<FiguresCollectable>(std::move(figures))),
        commit_groups(prometheus::BuildCounter()
                          .Name("ketenbeeld_commit_groups_total")
                          .Help("Commit groups written to storage (ok) or refused by it (failed)")
                          .Register(*registry)),
        commit_groups_ok(commit_groups.Add({{"result", "ok"}})),
        commit_groups_failed(commit_groups.Add({{"result", "failed"}})),
        committed_events(prometheus::BuildCounter()
                             .Name("ketenbeeld_committed_events_total")
                             .Help("Events (revisions) made durable")
                             .Register(*registry)
                             .Add({})),
        group_size(prometheus::BuildHistogram()
                       .Name("ketenbeeld_commit_group_writes")
                       .Help("Writes per commit group (group commit: one fsync for all of them)")
                       .Register(*registry)
                       .Add({}, GroupSizeBuckets())),
        commit_latency(prometheus::BuildHistogram()
                           .Name("ketenbeeld_commit_latency_seconds")
                           .Help("Time from the start of a commit group until it was durable")
                           .Register(*registry)
                           .Add({}, LatencyBuckets())),
        log_appends(prometheus::BuildCounter()
                        .Name("ketenbeeld_replication_appends_total")
                        .Help("Commit groups appended to the region's log in etcd (ok) or refused (failed); "
                              "replicated mode")
                        .Register(*registry)),
        log_appends_ok(log_appends.Add({{"result", "ok"}})),
        log_appends_failed(log_appends.Add({{"result", "failed"}})),
        append_latency(prometheus::BuildHistogram()
                           .Name("ketenbeeld_replication_append_seconds")
                           .Help("Time of a commit group's transaction in etcd, until its outcome was known; "
                                 "replicated mode")
                           .Register(*registry)
                           .Add({}, LatencyBuckets())),
        rpcs(prometheus::BuildCounter()
                 .Name("ketenbeeld_rpc_total")
                 .Help("Finished gRPC calls by method and status code")
                 .Register(*registry)),
        rpc_latency(prometheus::BuildHistogram()
                        .Name("ketenbeeld_rpc_duration_seconds")
                        .Help("Duration of gRPC calls by method and status code (streams: their whole life)")
                        .Register(*registry)),
        delivery_attempts(prometheus::BuildCounter()
                              .Name("ketenbeeld_notification_attempts_total")
                              .Help("Delivery attempts of notifications by channel and outcome (sent, retry, failed)")
                              .Register(*registry)),
        delivery_latency(prometheus::BuildHistogram()
                             .Name("ketenbeeld_notification_delivery_seconds")
                             .Help("Time from queueing a notification to its delivery, by channel")
                             .Register(*registry)),
        federation_lag(prometheus::BuildHistogram()
                           .Name("ketenbeeld_federation_lag_seconds")
                           .Help("Federation: time from an upstream event's commit in its source region to its "
                                 "commit here, by source region (two servers' clocks)")
                           .Register(*registry)) {}

  std::vector<prometheus::MetricFamily> CollectAll() const {
    std::vector<prometheus::MetricFamily> families = registry->Collect();
    std::vector<prometheus::MetricFamily> figures = figures_collectable->Collect();
    families.insert(families.end(), std::make_move_iterator(figures.begin()), std::make_move_iterator(figures.end()));
    return families;
  }

  std::shared_ptr<prometheus::Registry> registry;
  std::shared_ptr<FiguresCollectable> figures_collectable;
  prometheus::Family<prometheus::Counter>& commit_groups;
  prometheus::Counter& commit_groups_ok;
  prometheus::Counter& commit_groups_failed;
  prometheus::Counter& committed_events;
  prometheus::Histogram& group_size;
  prometheus::Histogram& commit_latency;
  prometheus::Family<prometheus::Counter>& log_appends;
  prometheus::Counter& log_appends_ok;
  prometheus::Counter& log_appends_failed;
  prometheus::Histogram& append_latency;
  prometheus::Family<prometheus::Counter>& rpcs;
  prometheus::Family<prometheus::Histogram>& rpc_latency;
  prometheus::Family<prometheus::Counter>& delivery_attempts;
  prometheus::Family<prometheus::Histogram>& delivery_latency;
  prometheus::Family<prometheus::Histogram>& federation_lag;

  // The series of each (method, code) seen, so a call costs one hash lookup instead of Family::Add's label work.
  struct RpcSeries {
    prometheus::Counter* count;
    prometheus::Histogram* latency;
  };
  absl::Mutex rpc_mu;
  absl::flat_hash_map<std::pair<std::string, int>, RpcSeries> rpc_series ABSL_GUARDED_BY(rpc_mu);

  // Declared last: destroyed first, so no scrape runs while the rest is torn down.
  std::unique_ptr<prometheus::Exposer> exposer;
  // The host part of the listen address, for StopExposer().
  std::string listen_host;

  // Stops the HTTP endpoint without civetweb's idle wait: mg_stop() sets a stop flag and joins civetweb's master
  // thread, which only sees the flag when its poll() of the listening sockets returns, after up to 2 s without a
  // connection (SOCKET_TIMEOUT_QUANTUM). Every server shutdown, and every test that serves metrics, paid those 2 s
  // (about 30 tests per build tree). A connection ends the poll at once; one connection is not enough, as it may
  // arrive before the flag is set, so a short-lived thread connects every 10 ms until mg_stop() has returned.
  void StopExposer() {
    if (exposer == nullptr) return;
    const std::vector<int> ports = exposer->GetListeningPorts();
    const std::string host = ReachableHost(listen_host);
    std::atomic<bool> stopped{false};
    std::thread waker([&] {
      while (!stopped.load(std::memory_order_acquire)) {
        for (int port : ports) ConnectOnce(host, port);
        absl::SleepFor(absl::Milliseconds(10));
      }
    });
    exposer.reset();
    stopped.store(true, std::memory_order_release);
    waker.join();
  }
};

Metrics::Metrics(std::function<ServerFigures()> figures) : impl_(std::make_unique<Impl>(std::move(figures))) {}

Metrics::~Metrics() { impl_->StopExposer(); }

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Serve(const std::string& listen_address,
                                                        std::function<ServerFigures()> figures) {
  const size_t colon = listen_address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen_address.size()) {
    return absl::InvalidArgumentError(absl::StrCat("metrics_listen: expected host:port, got \"", listen_address, "\""));
  }
  auto metrics = std::make_unique<Metrics>(std::move(figures));
  // prometheus-cpp (civetweb) reports a failed bind by throwing; no exception leaves this module.
  try {
    metrics->impl_->exposer = std::make_unique<prometheus::Exposer>(listen_address, /*num_threads=*/2);
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("metrics_listen: could not serve metrics on ", listen_address, ": ", error.what()));
  }
  metrics->impl_->listen_host = listen_address.substr(0, colon);
  metrics->impl_->exposer->RegisterCollectable(metrics->impl_->registry);
  metrics->impl_->exposer->RegisterCollectable(metrics->impl_->figures_collectable);
  return metrics;
}

int Metrics::port() const {
  if (impl_->exposer == nullptr) return 0;
  const std::vector<int> ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

std::string Metrics::Render() const { return prometheus::TextSerializer().Serialize(impl_->CollectAll()); }

void Metrics::OnGroupCommitted(size_t writes, size_t changes, absl::Duration latency, bool ok) {
  (ok ? impl_->commit_groups_ok : impl_->commit_groups_failed).Increment();
  if (!ok) return;
  impl_->committed_events.Increment(static_cast<double>(changes));
  impl_->group_size.Observe(static_cast<double>(writes));
  impl_->commit_latency.Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::OnLogAppend(absl::Duration latency, bool ok) {
  (ok ? impl_->log_appends_ok : impl_->log_appends_failed).Increment();
  impl_->append_latency.Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::OnRpcFinished(std::string_view method, int code, absl::Duration latency) {
  Impl::RpcSeries series{};
  {
    absl::MutexLock lock(&impl_->rpc_mu);
    auto key = std::make_pair(std::string(method), code);
    auto it = impl_->rpc_series.find(key);
    if (it == impl_->rpc_series.end()) {
      if (impl_->rpc_series.size() >= kMaxRpcSeries) key.first = "other";
      it = impl_->rpc_series.find(key);
      if (it == impl_->rpc_series.end()) {
        const prometheus::Labels labels = {{"method", key.first}, {"code", std::string(StatusCodeName(code))}};
        it = impl_->rpc_series
                 .emplace(key,
                          Impl::RpcSeries{&impl_->rpcs.Add(labels), &impl_->rpc_latency.Add(labels, LatencyBuckets())})
                 .first;
      }
    }
    series = it->second;
  }
  series.count->Increment();
  series.latency->Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::OnDeliveryAttempt(std::string_view channel, std::string_view outcome, absl::Duration since_queued) {
  // Few series (2 channels x 3 outcomes): Family::Add finds an existing one by its labels.
  const std::string channel_label(channel);
  impl_->delivery_attempts.Add({{"channel", channel_label}, {"outcome", std::string(outcome)}}).Increment();
  if (outcome != "sent") return;
  static const auto* buckets =
      new prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
  impl_->delivery_latency.Add({{"channel", channel_label}}, *buckets).Observe(absl::ToDoubleSeconds(since_queued));
}

void Metrics::OnUpstreamApplied(std::string_view source_region, absl::Duration lag) {
  // Few series (at most 25 sources): Family::Add finds an existing one by its labels. A negative lag (clock skew)
  // falls in the first bucket.
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,   2.5,
                                                                           5,    10,    30,   60,  300,  900, 3600};
  impl_->federation_lag.Add({{"source_region", std::string(source_region)}}, *buckets)
      .Observe(absl::ToDoubleSeconds(lag));
}

}  // namespace ketenbeeld::observability
