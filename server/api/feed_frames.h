// Event batches framed once per audience and shared by every feed that sends the same batch.
//
// When a commit group is published, the caught-up feeds are woken together and most of them send the very same
// message: the same events, each in the same form. Framing it per feed copied every event's bytes twice per
// subscriber (docs/benchmarks.md, Issue 6). FeedFrames frames such a batch once and hands each feed a copy of the
// same grpc::ByteBuffer, which shares the bytes (a slice refcount, no byte copy).
//
// What is shared, and with whom: a batch message (feed_messages.h) is nothing but the sequence of the wires of its
// events, each the one policy::WireFor chooses for the reader (the full wire, or the event's redacted wire). Nothing
// in it is per subscriber (no cursor, no marker). The cache key is therefore exactly that sequence of wires, computed
// from each reader's own Viewer: two feeds get the same buffer only when their own framing would produce the same
// bytes. The audience is never "whoever framed it first": an institution never receives figures its own Viewer would
// withhold, whatever another feed asked for before. A feed whose filter dropped some events, or whose cursor is
// elsewhere, has another sequence and gets (and, if others share it, shares) its own message.
//
// The key holds the events it names (so the addresses of their wires cannot be reused by other events while the
// entry lives) and is compared in full, not only by hash.
//
// Bounded: at most kMaxEntries batches and about kMaxBytes of framed bytes are kept, oldest first out; a batch larger
// than kMaxFrameBytes is framed per feed as before. Feeds hold their own ByteBuffer copies, so eviction never
// invalidates a write in flight: the bytes are freed with the last copy.
//
// Thread safety: thread safe. The hub wakes feeds on several threads at once: the first feed needing a batch frames
// it (outside the cache's lock, under the entry's once flag); a feed that finds it still being framed frames its own
// copy rather than wait, because on a saturated machine the framing thread may be preempted and every other wake
// thread would stall behind it (measured: waiting made the commit->delivery tail worse in 5 of 5 runs).
#ifndef KETENBEELD_SERVER_API_FEED_FRAMES_H_
#define KETENBEELD_SERVER_API_FEED_FRAMES_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/pipeline/records.h"
#include "server/policy/visibility.h"

namespace ketenbeeld::api {

class FeedFrames {
 public:
  // A wake round needs a handful of distinct batches (one per distinct cursor and audience); a few rounds' worth.
  static constexpr size_t kMaxEntries = 64;
  static constexpr size_t kMaxBytes = size_t{16} << 20;
  static constexpr size_t kMaxFrameBytes = size_t{4} << 20;

  FeedFrames() = default;
  FeedFrames(const FeedFrames&) = delete;
  FeedFrames& operator=(const FeedFrames&) = delete;

  // The same bytes as EventBatchMessage(events, viewer), shared with every other caller whose batch has the same
  // wires.
  grpc::ByteBuffer EventBatch(std::span<const pipeline::EventPtr> events, const policy::Viewer& viewer);

  // For tests and metrics.
  struct Stats {
    size_t entries = 0;
    size_t bytes = 0;    // Estimated framed bytes held.
    int64_t built = 0;   // Batches framed through the cache.
    int64_t shared = 0;  // Calls that found their batch in the cache (framed or still being framed).
  };
  Stats stats() const;

 private:
  struct Entry {
    uint64_t hash = 0;
    std::vector<const std::string*> wires;   // The key: the wire chosen for each event, in order.
    std::vector<pipeline::EventPtr> events;  // Keeps the wires above alive (and their addresses unique).
    size_t bytes = 0;
    absl::once_flag framed;
    std::atomic<bool> ready{false};  // `frame` is set: copying it needs no wait.
    grpc::ByteBuffer frame;          // Written once under `framed`, then only copied.
  };

  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);  // Oldest first.
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t built_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t shared_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_FEED_FRAMES_H_
