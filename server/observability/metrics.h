// Prometheus metrics of a running server, served as text on an HTTP port (GET /metrics).
//
// Two kinds of figures:
//  - events, recorded as they happen through the hooks of observers.h: commit groups (count, size, latency) and
//    RPCs (count and latency by method and status code);
//  - state, read at scrape time from a ServerFigures snapshot that the server assembles (revision, feeds, hub,
//    storage health, RocksDB stalls and compactions). Nothing is polled in between.
// Prometheus types stay inside metrics.cc; the rest of the server sees only observers.h and this class.
//
// Thread safety: all methods are thread safe. The figures function is called on the exposer's HTTP threads.
#ifndef KETENBEELD_SERVER_OBSERVABILITY_METRICS_H_
#define KETENBEELD_SERVER_OBSERVABILITY_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/observability/observers.h"

namespace ketenbeeld::observability {

// The server's state at scrape time, as plain numbers. Counters only ever grow (within one process).
struct ServerFigures {
  int64_t revision = 0;
  int64_t compacted_revision = 0;
  // Live feeds (gRPC Subscribe streams), those parked at the head (caught up), those behind the ring (reading the
  // log on disk).
  int64_t feeds_live = 0;
  int64_t feeds_caught_up = 0;
  int64_t feeds_lagging = 0;
  int64_t feed_events_delivered = 0;  // counter
  int64_t feed_resets = 0;            // counter
  int64_t hub_ring_events = 0;
  int64_t hub_log_reads = 0;  // counter
  // 1 while writes are refused because storage failed.
  int64_t storage_failed = 0;
  int64_t storage_recoveries = 0;  // counter
  int64_t log_compactions = 0;     // counter: retention runs and admin CompactLog calls that removed history
  // Replicated mode (docs/replication.md); all 0 on a single node (replicated = 0).
  int64_t replicated = 0;
  int64_t replication_leader = 0;  // 1 while this member leads
  // Revisions of the region's log this member has seen but not applied yet (a follower's lag).
  int64_t replication_lag = 0;
  int64_t replication_leaderships = 0;  // counter: times this member became the leader
  // The etcd member this one talks to, as its last Status said (refreshed every few seconds): the size of its
  // database file and the part in use (the rest is freed by defragmentation), and the alarms raised in the cluster
  // (NOSPACE, CORRUPT). -1 while not known yet.
  int64_t replication_etcd_db_bytes = -1;
  int64_t replication_etcd_db_in_use_bytes = -1;
  int64_t replication_etcd_alarms = -1;
  // The first revision the region's log in etcd still holds (older groups are trimmed); 0 while not known.
  int64_t replication_log_first_revision = 0;
  // Seconds since this member last heard from the region's log in etcd (0 on the leader; a follower reads it every
  // second); -1 while it never has.
  int64_t replication_log_contact_age_seconds = 0;
  // RocksDB (storage::StoreProperties).
  int64_t rocksdb_write_stopped = 0;
  int64_t rocksdb_delayed_write_rate = 0;
  int64_t rocksdb_stall_micros = 0;  // counter
  int64_t rocksdb_running_compactions = 0;
  int64_t rocksdb_running_flushes = 0;
  int64_t rocksdb_pending_compaction_bytes = 0;
  int64_t rocksdb_compaction_read_bytes = 0;     // counter
  int64_t rocksdb_compaction_written_bytes = 0;  // counter
  int64_t rocksdb_live_sst_bytes = 0;
  int64_t rocksdb_memtable_bytes = 0;
  int64_t rocksdb_background_errors = 0;
  // The outbox (notification.proto), as the delivery worker last saw it: notifications waiting to be delivered, and
  // those given up. -1: no worker runs (a follower, or no worker at all): not exported.
  int64_t notifications_queued = -1;
  int64_t notifications_failed = -1;
};

class Metrics : public CommitObserver,
                public RpcObserver,
                public ReplicationObserver,
                public DeliveryObserver,
                public FederationObserver {
 public:
  // Metrics without an HTTP endpoint (Render() only); for tests and for a server without metrics_listen.
  explicit Metrics(std::function<ServerFigures()> figures);
  // Metrics served on `listen_address` (host:port; port 0 picks a free one, see port()). Errors: INVALID_ARGUMENT
  // for an address that is not host:port, UNAVAILABLE when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<Metrics>> Serve(const std::string& listen_address,
                                                        std::function<ServerFigures()> figures);
  ~Metrics() override;  // Stops the HTTP endpoint (in-flight scrapes finish first).
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The port of the HTTP endpoint; 0 without one.
  int port() const;

  // Everything in the Prometheus text exposition format, as GET /metrics returns it.
  std::string Render() const;

  void OnGroupCommitted(size_t writes, size_t changes, absl::Duration latency, bool ok) override;
  void OnRpcFinished(std::string_view method, int code, absl::Duration latency) override;
  void OnLogAppend(absl::Duration latency, bool ok) override;
  void OnDeliveryAttempt(std::string_view channel, std::string_view outcome, absl::Duration since_queued) override;
  void OnUpstreamApplied(std::string_view source_region, absl::Duration lag) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketenbeeld::observability

#endif  // KETENBEELD_SERVER_OBSERVABILITY_METRICS_H_
