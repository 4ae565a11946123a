// ketenbeeld-federator (docs/federation.md): carries the pictures of safety regions to a ROAZ or national Ketenbeeld
// server. Stateless: for each source region it reads the cursor from the downstream server
// (FederationService.GetUpstreamCursors), subscribes to the region's feed after it (client::Feed, which resumes by
// revision), and applies what arrives with ApplyUpstream, which commits the events and the cursor in one commit group
// downstream. So a crash of the federator, of the region or of the downstream server loses and repeats nothing: the
// next run starts from the cursor the downstream server committed.
//
// Per source, in order:
//   - a snapshot (a source never applied: cursor 0) becomes PUT events sorted by revision, applied in batches, the last
//     one ending at the snapshot's revision;
//   - every EventBatch of the feed is applied as it arrives (at most `max_batch_events` events and `max_batch_bytes`
//     per call; a feed message never splits a commit group, so calls only split one larger than that);
//   - a heartbeat past the cursor (events filtered out by the region's policy) moves the cursor with an empty range;
//     otherwise a heartbeat is forwarded at most every `heartbeat_every`, so the downstream server knows the region is
//     alive (staleness);
//   - a call that failed in transit (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ...) is sent again, the same
//     range, after a jittered backoff capped at `backoff.max` (2 s): an exact replay is idempotent downstream.
//     ABORTED (another federator moved the cursor) re-reads the cursor and subscribes again from there. Refusals that
//     retrying cannot mend (FAILED_PRECONDITION: an organisation claimed by two sources; INVALID_ARGUMENT;
//     PERMISSION_DENIED) are logged and retried after `refused_retry`.
//   - an upstream reset (the region no longer holds the log after the cursor: the feed sends `reset`, a fresh
//     snapshot and synced{S}): the snapshot is applied in chunks (ApplyUpstream with `reset`, bounded like batches),
//     then finishing calls delete what the snapshot no longer has and move the cursor to S; the feed goes on after S.
//     Downstream the source is stale until it is finished; a crash anywhere starts it over (docs/federation.md).
//
// Reconnecting after a server restarts (docs/federation.md, "Reconnecting"). gRPC moves a channel's connection attempt
// on only while some thread polls the channel (a call waiting on it, or gRPC's backup poller every 5 s), and a call
// that does not wait for the channel fails at once while it is reconnecting; with the client library's defaults (a
// reconnect backoff growing to 10 s, retries growing to 10 s) a restarted ROAZ server was used again only after
// 10-30 s. So the federator
//   - keeps each channel polled (ChannelKeeper: one thread per channel waits on its state changes), so an attempt
//     completes as soon as the server answers;
//   - caps the channels' reconnect backoff at 1 s (kReconnectBackoff) and its own retries at `backoff.max` (2 s,
//     --max-backoff-ms), both jittered;
//   - sends its calls to the downstream server wait-for-ready, within their deadline (`call_timeout`): a call made
//     while the server is away goes out the moment the channel is connected again.
//
// Links only the client library and the generated stubs, never server code (tests/layering/check_layering.sh).
//
// Thread safety: SourceFederator::Run() runs on one thread; Stop() may be called from any thread. ChannelKeeper is
// used from the thread that made it.
#ifndef KETENBEELD_FEDERATOR_FEDERATOR_H_
#define KETENBEELD_FEDERATOR_FEDERATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/connection.h"
#include "client/feed.h"
#include "ketenbeeld/v1/federation_service.grpc.pb.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"

namespace ketenbeeld::federator {

// The reconnect backoff of the federator's channels (gRPC's GRPC_ARG_MAX_RECONNECT_BACKOFF_MS; the initial one stays
// the client library's 100 ms, growing by 1.6 with 20% jitter): a restarted server is connected to again within about
// a second. A federator has a few channels, each to a server it cannot work without.
inline constexpr absl::Duration kReconnectBackoff = absl::Seconds(1);

// One server: its gRPC target (client::ChannelTarget: one address or a replicated region's members) and how to
// authenticate to it.
struct Endpoint {
  std::string target;
  client::ConnectOptions connect;
};

struct SourceConfig {
  // "VR10": the region as the downstream server's configuration names it (federation.sources).
  std::string region;
  Endpoint endpoint;
};

struct FederatorConfig {
  std::vector<SourceConfig> sources;
  Endpoint downstream;
  // Per ApplyUpstream call: events (1..1000, the server's maximum) and serialized bytes (below the server's 1 MiB).
  int max_batch_events = 500;
  int64_t max_batch_bytes = 512 * 1024;
  // A heartbeat of an idle source is forwarded at most this often (each is one committed event downstream).
  absl::Duration heartbeat_every = absl::Seconds(30);
  // Deadline of each call to the downstream server (and of reading the cursors); a call that timed out is sent again.
  absl::Duration call_timeout = absl::Seconds(30);
  // Between retries of a call that failed in transit, between restarts of a source and between attempts of a source's
  // feed: 100 ms growing to `max` (--max-backoff-ms), each +-20%.
  client::BackoffPolicy backoff = {.initial = absl::Milliseconds(100), .max = absl::Seconds(2)};
  // After a refusal that retrying cannot mend (FAILED_PRECONDITION, PERMISSION_DENIED, INVALID_ARGUMENT, ...): the
  // source starts over this much later (each attempt is logged; an operator has to act).
  absl::Duration refused_retry = absl::Seconds(10);
};

// Parses the command line (see Usage()). INVALID_ARGUMENT naming the flag or key.
absl::StatusOr<FederatorConfig> ParseFlags(const std::vector<std::string>& args);
std::string Usage();

// Statuses of ApplyUpstream after which the same call is sent again.
bool IsTransient(grpc::StatusCode code);

// Keeps a channel connecting while it is not connected: a thread waits on the channel's state changes (which polls the
// channel, so a connection attempt completes as soon as the server answers, not at gRPC's next 5 s backup poll) and
// asks it to connect when it is idle. The destructor stops and joins the thread (within about 250 ms).
class ChannelKeeper {
 public:
  explicit ChannelKeeper(std::shared_ptr<grpc::Channel> channel);
  ~ChannelKeeper();
  ChannelKeeper(const ChannelKeeper&) = delete;
  ChannelKeeper& operator=(const ChannelKeeper&) = delete;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Federates one source region until Stop().
class SourceFederator {
 public:
  // `source` is the region's feed; `downstream` the ROAZ or national server. Both stubs must outlive Run().
  SourceFederator(std::string region, std::shared_ptr<v1::PictureService::StubInterface> source,
                  std::shared_ptr<v1::FederationService::StubInterface> downstream, const FederatorConfig& config);
  SourceFederator(const SourceFederator&) = delete;
  SourceFederator& operator=(const SourceFederator&) = delete;

  // Blocks until Stop(): reads the cursor, follows the feed, applies; starts again after ABORTED and other errors.
  void Run();
  // Ends Run() promptly (the feed is cancelled, waits are cut short). Any thread, any number of times.
  void Stop();

  // The cursor as last applied (or read), for logs and tests.
  int64_t cursor() const;

 private:
  // One subscription: from the cursor until the feed ends. ABORTED when the cursor moved under it.
  absl::Status Follow();
  absl::StatusOr<int64_t> ReadCursor();
  absl::Status OnMessage(const v1::SubscribeResponse& message);
  // Applies pending_ as the range (cursor_, last_seen_]; on success the cursor moves to last_seen_.
  absl::Status Flush();
  // The snapshot gathered so far, as events in revision order, applied in batches ending at `revision`.
  absl::Status ApplySnapshot(int64_t revision);
  // An upstream reset: the snapshot gathered so far replaces the region's records downstream, the cursor moves to
  // `revision`.
  absl::Status ApplyReset(int64_t revision);
  // Sends `request` until it is answered other than transiently, or Stop().
  absl::StatusOr<v1::ApplyUpstreamResponse> Apply(const v1::ApplyUpstreamRequest& request);
  // Waits `delay` or until Stop(); false when stopped.
  bool Sleep(absl::Duration delay);
  bool stopped() const;
  void Log(absl::string_view what, const absl::Status& status) const;

  const std::string region_;
  std::shared_ptr<v1::PictureService::StubInterface> source_;
  std::shared_ptr<v1::FederationService::StubInterface> downstream_;
  const FederatorConfig config_;

  // Run()'s thread only.
  int64_t last_seen_ = 0;
  std::vector<v1::Event> pending_;
  int64_t pending_bytes_ = 0;
  std::vector<v1::Record> snapshot_;
  // The feed announced an upstream reset (or sent a snapshot after the cursor): its synced applies ApplyReset.
  bool resetting_ = false;
  google::protobuf::Timestamp source_time_;
  absl::Time last_sent_ = absl::InfinitePast();

  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  client::Feed* feed_ ABSL_GUARDED_BY(mu_) = nullptr;
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ketenbeeld::federator

#endif  // KETENBEELD_FEDERATOR_FEDERATOR_H_
