#include "server/api/feed_frames.h"

#include <utility>

#include "absl/hash/hash.h"
#include "server/api/feed_messages.h"

namespace ketenbeeld::api {
namespace {

// Per event, beyond its wire: the field key and length of the batch's repeated field, generously.
constexpr size_t kFramingPerEvent = 8;

}  // namespace

grpc::ByteBuffer FeedFrames::EventBatch(std::span<const pipeline::EventPtr> events, const policy::Viewer& viewer) {
  // The reader's own view of each event: the key, and what its own framing would copy.
  std::vector<const std::string*> wires;
  wires.reserve(events.size());
  size_t bytes = 0;
  for (const pipeline::EventPtr& event : events) {
    const std::string& wire = policy::WireFor(viewer, *event);
    wires.push_back(&wire);
    bytes += wire.size() + kFramingPerEvent;
  }
  if (bytes > kMaxFrameBytes) return EventBatchMessage(events, viewer);
  const uint64_t hash = absl::HashOf(wires);

  std::shared_ptr<Entry> entry;
  bool created = false;
  {
    absl::MutexLock lock(&mu_);
    // Newest first: the batch of the round in progress is at the back.
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
      if ((*it)->hash == hash && (*it)->wires == wires) {
        entry = *it;
        ++shared_;
        break;
      }
    }
    if (entry == nullptr) {
      entry = std::make_shared<Entry>();
      created = true;
      entry->hash = hash;
      entry->wires = std::move(wires);
      entry->events.assign(events.begin(), events.end());
      entry->bytes = bytes;
      entries_.push_back(entry);
      bytes_ += bytes;
      ++built_;
      while (entries_.size() > 1 && (entries_.size() > kMaxEntries || bytes_ > kMaxBytes)) {
        bytes_ -= entries_.front()->bytes;
        entries_.pop_front();  // A caller still framing or copying it holds its own reference.
      }
    }
  }
  // Framed outside the lock (other batches need not wait) by the caller that created the entry; see the header for
  // why the others do not wait for it.
  if (!created && !entry->ready.load(std::memory_order_acquire)) return EventBatchMessage(events, viewer);
  absl::call_once(entry->framed, [&] {
    entry->frame = EventBatchMessage(events, viewer);
    entry->ready.store(true, std::memory_order_release);
  });
  return entry->frame;  // Shares the slices.
}

FeedFrames::Stats FeedFrames::stats() const {
  absl::MutexLock lock(&mu_);
  return Stats{.entries = entries_.size(), .bytes = bytes_, .built = built_, .shared = shared_};
}

}  // namespace ketenbeeld::api
