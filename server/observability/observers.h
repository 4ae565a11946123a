// Hooks through which the server's modules report what they do, for metrics, without knowing about Prometheus:
// plain interfaces and counters, implemented or read by server/observability/metrics.h.
//
// Thread safety: implementations of the interfaces must be thread safe and must not block (they are called on the
// committer thread and on gRPC's threads). FeedCounters is a set of atomics.
#ifndef KETENBEELD_SERVER_OBSERVABILITY_OBSERVERS_H_
#define KETENBEELD_SERVER_OBSERVABILITY_OBSERVERS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/time/time.h"

namespace ketenbeeld::observability {

// The commit pipeline (pipeline::Committer) reports each commit group.
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  // A commit group was written (`ok`) or refused by storage: `writes` requests, `changes` events, `latency` from
  // the start of the group until it was durable (or failed). Groups that wrote nothing are not reported.
  virtual void OnGroupCommitted(size_t writes, size_t changes, absl::Duration latency, bool ok) = 0;
};

// The RPC interceptor (rpc_interceptor.h) reports each finished call.
class RpcObserver {
 public:
  virtual ~RpcObserver() = default;
  // `method` is the full gRPC method name ("/ketenbeeld.v1.PictureService/Get"), `code` a grpc::StatusCode value.
  virtual void OnRpcFinished(std::string_view method, int code, absl::Duration latency) = 0;
};

// A replicated region's member (server/replication) reports each append of a commit group to the region's log in
// etcd: `latency` from the start of its transaction until the outcome was known (including settling an unknown one).
class ReplicationObserver {
 public:
  virtual ~ReplicationObserver() = default;
  virtual void OnLogAppend(absl::Duration latency, bool ok) = 0;
};

// The outbox's delivery worker (server/notify/) reports each attempt to send a notification.
class DeliveryObserver {
 public:
  virtual ~DeliveryObserver() = default;
  // `channel` "webhook" or "email"; `outcome` "sent", "retry" (failed, will be repeated) or "failed" (given up);
  // `since_queued` from the notification's queued_at to this outcome (for "sent": its delivery latency).
  virtual void OnDeliveryAttempt(std::string_view channel, std::string_view outcome, absl::Duration since_queued) = 0;
};

// The downstream half of federation (service::Operations::ApplyUpstream, docs/federation.md) reports each upstream
// event it applied.
class FederationObserver {
 public:
  virtual ~FederationObserver() = default;
  // `lag`: from the event's commit in `source_region` (its commit time there) until its commit group here was
  // durable (this server's commit time). Two servers' clocks: a skew between them shows in it (may be negative).
  virtual void OnUpstreamApplied(std::string_view source_region, absl::Duration lag) = 0;
};

// Live feeds (feed::FeedSession, over gRPC and Server-Sent Events alike) count what they deliver. Owned by the
// server; read at scrape time.
struct FeedCounters {
  // Feeds open now, over either transport.
  std::atomic<int64_t> live{0};
  // Events written to subscribers (each event once per subscriber that got it).
  std::atomic<int64_t> events_delivered{0};
  // `reset` messages sent: a subscriber's resume point was no longer retained.
  std::atomic<int64_t> resets{0};
  // Feeds whose last batch was read from the log on disk because they had fallen behind the in-memory ring.
  std::atomic<int64_t> lagging{0};
};

}  // namespace ketenbeeld::observability

#endif  // KETENBEELD_SERVER_OBSERVABILITY_OBSERVERS_H_
