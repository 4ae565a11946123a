#include "server/pipeline/hub.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ketenbeeld::pipeline {
namespace {

// Listeners woken per claim of a round: large enough that claiming (one lock) is cheap beside the wakes, small enough
// that the threads of a round finish close together.
constexpr size_t kWakeChunk = 16;
// Helper threads besides the fan-out thread. A wake is CPU work (building a message), so more threads than cores
// only add switching; a few suffice to keep the cores busy.
constexpr unsigned kMaxWakeHelpers = 3;

unsigned WakeHelperCount() {
  const unsigned cores = std::thread::hardware_concurrency();  // 0 when unknown.
  return cores <= 1 ? 0 : std::min(cores - 1, kMaxWakeHelpers);
}

}  // namespace

Hub::Hub(const storage::Store& store, int64_t head, Options options) : store_(store), options_(options), head_(head) {
  const unsigned helpers = WakeHelperCount();
  wake_helpers_.reserve(helpers);
  for (unsigned i = 0; i < helpers; ++i) wake_helpers_.emplace_back([this] { WakeHelperLoop(); });
  fan_out_thread_ = std::thread([this] { FanOutLoop(); });
}

Hub::~Hub() {
  {
    absl::MutexLock lock(&parked_mu_);
    stopping_ = true;
  }
  fan_out_thread_.join();  // Returns between rounds, so no helper is busy after this.
  {
    absl::MutexLock lock(&wake_mu_);
    wake_stopping_ = true;
  }
  for (std::thread& helper : wake_helpers_) helper.join();
}

void Hub::Publish(std::vector<state::EventPtr> group) {
  if (group.empty()) return;
  Group entry{.first_revision = group.front()->revision(),
              .last_revision = group.back()->revision(),
              .bytes = 0,
              .events = std::move(group)};
  for (const state::EventPtr& event : entry.events) entry.bytes += event->wire.size();

  // Evicted groups are freed after the lock is released: they often hold the last references to their events,
  // and freeing a ~1 KB record is a tree of heap objects that subscribers' Next() should not wait behind.
  std::vector<Group> evicted;
  {
    absl::MutexLock lock(&mu_);
    head_ = entry.last_revision;
    ring_events_ += entry.events.size();
    ring_bytes_ += entry.bytes;
    ring_.push_back(std::move(entry));
    // Evict the oldest groups beyond the bounds, always keeping the newest group.
    while (ring_.size() > 1 && (ring_events_ > options_.ring_max_events || ring_bytes_ > options_.ring_max_bytes)) {
      ring_events_ -= ring_.front().events.size();
      ring_bytes_ -= ring_.front().bytes;
      evicted.push_back(std::move(ring_.front()));
      ring_.pop_front();
    }
  }
  // A listener parked before the update above is in parked_ now; one that checks head_ after it sees the new head
  // and does not park. Either way no publish is missed.
  absl::MutexLock lock(&parked_mu_);
  if (!parked_.empty()) wake_pending_ = true;
}

int64_t Hub::head() const {
  absl::ReaderMutexLock lock(&mu_);
  return head_;
}

absl::StatusOr<Hub::Batch> Hub::Next(int64_t cursor, const domain::CompiledFilter& filter, size_t max_bytes,
                                     const std::shared_ptr<Listener>& listener) {
  int64_t log_up_to = 0;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (cursor >= head_) {
      if (listener != nullptr) {
        absl::MutexLock parked_lock(&parked_mu_);
        parked_.insert(listener);
      }
      return Batch{.events = {}, .last_revision = cursor, .from_log = false};
    }
    if (ring_.empty() || cursor + 1 < ring_.front().first_revision) {
      log_up_to = ring_.empty() ? head_ : ring_.front().first_revision - 1;
      log_reads_.fetch_add(1, std::memory_order_relaxed);
    } else {
      // The first group that holds revisions after the cursor.
      auto group = std::partition_point(ring_.begin(), ring_.end(),
                                        [cursor](const Group& g) { return g.last_revision <= cursor; });
      Batch batch;
      size_t bytes = 0;
      for (; group != ring_.end() && bytes < max_bytes; ++group) {
        for (const state::EventPtr& event : group->events) {
          if (event->revision() <= cursor || !filter.Matches(event->event)) continue;
          bytes += event->wire.size();
          batch.events.push_back(event);
        }
        batch.last_revision = group->last_revision;
      }
      return batch;
    }
  }
  return ReadFromLog(cursor, log_up_to, filter, max_bytes);
}

absl::StatusOr<Hub::Batch> Hub::ReadFromLog(int64_t cursor, int64_t up_to, const domain::CompiledFilter& filter,
                                            size_t max_bytes) {
  if (cursor < store_.compacted_revision()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "revision ", cursor + 1, " is no longer retained (compacted up to ", store_.compacted_revision(), ")"));
  }
  Batch batch{.events = {}, .last_revision = cursor, .from_log = true};
  size_t bytes = 0;
  int64_t group_end = cursor;  // Read on until the commit group of the last event read is complete.
  while (batch.last_revision < up_to && (bytes < max_bytes || batch.last_revision < group_end)) {
    const int64_t to = bytes < max_bytes ? up_to : std::min(up_to, group_end);
    absl::StatusOr<std::vector<storage::StoredEvent>> stored =
        store_.ReadLog(batch.last_revision + 1, to, max_bytes > bytes ? max_bytes - bytes : 1);
    if (!stored.ok()) return stored.status();
    if (stored->empty()) {
      return absl::DataLossError(
          absl::StrCat("the log has no entries from revision ", batch.last_revision + 1, " to ", to));
    }
    for (storage::StoredEvent& entry : *stored) {
      const size_t size = entry.event_bytes.size();
      absl::StatusOr<state::EventPtr> event =
          state::ParseEvent(std::move(entry.event_bytes), absl::StrCat("log entry ", entry.revision));
      if (!event.ok()) return event.status();
      if (entry.revision != batch.last_revision + 1) {
        return absl::DataLossError(
            absl::StrCat("the log skips from revision ", batch.last_revision, " to ", entry.revision));
      }
      batch.last_revision = entry.revision;
      group_end = std::max(group_end, (*event)->event.group_last_revision());
      bytes += size;
      if (filter.Matches((*event)->event)) batch.events.push_back(*std::move(event));
    }
  }
  return batch;
}

void Hub::Unpark(const std::shared_ptr<Listener>& listener) {
  absl::MutexLock lock(&parked_mu_);
  parked_.erase(listener);
}

Hub::Stats Hub::stats() const {
  Stats stats;
  {
    absl::ReaderMutexLock lock(&mu_);
    stats.ring_first_revision = ring_.empty() ? 0 : ring_.front().first_revision;
    stats.ring_events = ring_events_;
    stats.ring_bytes = ring_bytes_;
  }
  {
    absl::MutexLock lock(&parked_mu_);
    stats.parked = parked_.size();
  }
  stats.log_reads = log_reads_.load(std::memory_order_relaxed);
  return stats;
}

void Hub::FanOutLoop() {
  std::vector<Listener*> round;
  while (true) {
    absl::flat_hash_set<std::shared_ptr<Listener>> to_wake;  // Keeps the listeners alive during the round.
    {
      absl::MutexLock lock(&parked_mu_);
      parked_mu_.AwaitWithTimeout(absl::Condition(
                                      +[](Hub* hub) ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub->parked_mu_) {
                                        return hub->wake_pending_ || hub->stopping_;
                                      },
                                      this),
                                  options_.wake_interval);
      if (stopping_) return;
      // Woken by a publish, or by the interval (heartbeats): either way every parked subscriber gets a turn.
      wake_pending_ = false;
      waking_ = true;
      to_wake.swap(parked_);
    }
    round.clear();
    round.reserve(to_wake.size());
    for (const std::shared_ptr<Listener>& listener : to_wake) round.push_back(listener.get());
    WakeAll(round);
    absl::MutexLock lock(&parked_mu_);
    waking_ = false;
  }
}

void Hub::WaitForPendingWakes() {
  absl::MutexLock lock(&parked_mu_);
  parked_mu_.Await(absl::Condition(
      +[](Hub* hub) ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub->parked_mu_) {
        return (!hub->wake_pending_ && !hub->waking_) || hub->stopping_;
      },
      this));
}

void Hub::WakeAll(const std::vector<Listener*>& listeners) {
  if (listeners.size() <= kWakeChunk || wake_helpers_.empty()) {
    for (Listener* listener : listeners) listener->Wake();
    return;
  }
  {
    absl::MutexLock lock(&wake_mu_);
    wake_round_ = &listeners;
    wake_next_ = 0;
  }
  WakeChunksOfRound();
  // Every chunk is claimed; wait for the helpers still waking theirs, so the round (and its listeners) can end.
  absl::MutexLock lock(&wake_mu_);
  wake_mu_.Await(absl::Condition(
      +[](Hub* hub) ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub->wake_mu_) { return hub->wake_busy_ == 0; }, this));
  wake_round_ = nullptr;
}

size_t Hub::WakeChunksOfRound() {
  size_t woken = 0;
  while (true) {
    const std::vector<Listener*>* round;
    size_t begin;
    size_t end;
    {
      absl::MutexLock lock(&wake_mu_);
      if (wake_round_ == nullptr || wake_next_ >= wake_round_->size()) return woken;
      round = wake_round_;
      begin = wake_next_;
      end = std::min(begin + kWakeChunk, round->size());
      wake_next_ = end;
    }
    for (size_t i = begin; i < end; ++i) (*round)[i]->Wake();
    woken += end - begin;
  }
}

void Hub::WakeHelperLoop() {
  while (true) {
    {
      absl::MutexLock lock(&wake_mu_);
      wake_mu_.Await(absl::Condition(
          +[](Hub* hub) ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub->wake_mu_) {
            return hub->wake_stopping_ || (hub->wake_round_ != nullptr && hub->wake_next_ < hub->wake_round_->size());
          },
          this));
      if (wake_stopping_) return;
      ++wake_busy_;
    }
    WakeChunksOfRound();
    absl::MutexLock lock(&wake_mu_);
    --wake_busy_;
  }
}

}  // namespace ketenbeeld::pipeline
