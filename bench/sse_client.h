// Live feeds over the HTTP gateway (GET /api/ketenbeeld.v1.PictureService/Subscribe, Server-Sent Events; see
// server/http/event_stream.h) for the sse_fanout scenario: what a crisis room full of browsers costs the server.
//
// A thousand feeds must not cost the load generator a thousand threads (nor the curl processes of bench/sse_feeds.sh):
// an SseFeedPool serves every feed from a few epoll loops over plain non-blocking sockets (HTTP/1.1 on 127.0.0.1,
// chunked transfer decoding, the `event:`/`id:`/`data:` lines of each message). Each feed reports to a FeedObserver
// (peers.h) exactly as a gRPC feed does: OnSynced at `synced`, OnEvents with the revision, Event.commit_time and the
// report's send stamp of every event (scanned from the JSON, not parsed into messages), OnDone once at the end. So
// the fan-out scenario's checks and latency histograms apply to both transports unchanged.
//
// Thread safety: Open and a feed's Cancel/WaitDone/destructor from any thread. Observer calls for one feed come from
// its loop thread, one at a time. Every feed ends: cancelled, ended by the server (`end` frame or close: UNAVAILABLE
// with the reason), a protocol violation (INTERNAL), or the pool's destructor (CANCELLED).
#ifndef KETENBEELD_BENCH_SSE_CLIENT_H_
#define KETENBEELD_BENCH_SSE_CLIENT_H_

#include <atomic>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/peers.h"

namespace ketenbeeld::bench {

class SseFeedPool {
 public:
  // Feeds to the gateway on 127.0.0.1:`port`, served by `loops` threads (at least 1).
  SseFeedPool(int port, int loops);
  // Ends every feed still open (OnDone CANCELLED) and joins the loops. Feeds handed out must be destroyed first.
  ~SseFeedPool();
  SseFeedPool(const SseFeedPool&) = delete;
  SseFeedPool& operator=(const SseFeedPool&) = delete;

  // Connects and asks for the whole picture from a snapshot. A connection that fails ends the feed at once
  // (OnDone UNAVAILABLE). `observer` must outlive the feed.
  std::unique_ptr<Feed> Open(FeedObserver* observer);

  struct Connection;

 private:
  struct Loop;
  void Run(Loop* loop);

  const int port_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> next_loop_{0};
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<std::thread> threads_;
};

// The port of the HTTP gateway of a ketenbeeld-server started with --http_listen 127.0.0.1:0, from its
// `http_gateway_started` log line.
absl::StatusOr<int> HttpGatewayPort(Peer& peer);

// Scans the data of an SSE `events` message ({"events":[{"revision":"N","commit_time":"...",...},...]}) into
// `events` (cleared first): revision, commit time and the send stamp at the start of a status report's free_text.
// False when an event has no readable revision or commit time.
bool ScanSseEvents(std::string_view data, std::vector<FeedEvent>* events);

// An RFC 3339 UTC time as protobuf's JSON mapping writes it ("2026-12-02T19:38:28.924747Z", 0 to 9 fractional
// digits) in nanoseconds since the Unix epoch; 0 when malformed.
int64_t ParseRfc3339Nanos(std::string_view text);

}  // namespace ketenbeeld::bench

#endif  // KETENBEELD_BENCH_SSE_CLIENT_H_
