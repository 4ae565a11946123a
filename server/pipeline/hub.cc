#include "server/pipeline/hub.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ketenbeeld::pipeline {

Hub::Hub(const storage::Store& store, int64_t head, Options options) : store_(store), options_(options), head_(head) {
  fan_out_thread_ = std::thread([this] { FanOutLoop(); });
}

Hub::~Hub() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  fan_out_thread_.join();
}

void Hub::Publish(std::vector<EventPtr> group) {
  if (group.empty()) return;
  Group entry{.first_revision = group.front()->revision(),
              .last_revision = group.back()->revision(),
              .bytes = 0,
              .events = std::move(group)};
  for (const EventPtr& event : entry.events) entry.bytes += event->wire.size();

  absl::MutexLock lock(&mu_);
  head_ = entry.last_revision;
  ring_events_ += entry.events.size();
  ring_bytes_ += entry.bytes;
  ring_.push_back(std::move(entry));
  // Evict the oldest groups beyond the bounds, always keeping the newest group.
  while (ring_.size() > 1 && (ring_events_ > options_.ring_max_events || ring_bytes_ > options_.ring_max_bytes)) {
    ring_events_ -= ring_.front().events.size();
    ring_bytes_ -= ring_.front().bytes;
    ring_.pop_front();
  }
  if (!parked_.empty()) wake_pending_ = true;
}

int64_t Hub::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

absl::StatusOr<Hub::Batch> Hub::Next(int64_t cursor, const domain::CompiledFilter& filter, size_t max_bytes,
                                     const std::shared_ptr<Listener>& listener) {
  int64_t log_up_to = 0;
  {
    absl::MutexLock lock(&mu_);
    if (cursor >= head_) {
      if (listener != nullptr) parked_.insert(listener);
      return Batch{.events = {}, .last_revision = cursor, .from_log = false};
    }
    if (ring_.empty() || cursor + 1 < ring_.front().first_revision) {
      log_up_to = ring_.empty() ? head_ : ring_.front().first_revision - 1;
      ++log_reads_;
    } else {
      // The first group that holds revisions after the cursor.
      auto group = std::partition_point(ring_.begin(), ring_.end(),
                                        [cursor](const Group& g) { return g.last_revision <= cursor; });
      Batch batch;
      size_t bytes = 0;
      for (; group != ring_.end() && bytes < max_bytes; ++group) {
        for (const EventPtr& event : group->events) {
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
      absl::StatusOr<EventPtr> event =
          ParseEvent(std::move(entry.event_bytes), absl::StrCat("log entry ", entry.revision));
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
  absl::MutexLock lock(&mu_);
  parked_.erase(listener);
}

Hub::Stats Hub::stats() const {
  absl::MutexLock lock(&mu_);
  return Stats{.ring_first_revision = ring_.empty() ? 0 : ring_.front().first_revision,
               .ring_events = ring_events_,
               .ring_bytes = ring_bytes_,
               .parked = parked_.size(),
               .log_reads = log_reads_};
}

void Hub::FanOutLoop() {
  while (true) {
    absl::flat_hash_set<std::shared_ptr<Listener>> to_wake;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](Hub* hub) ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub->mu_) { return hub->wake_pending_ || hub->stopping_; },
              this),
          options_.wake_interval);
      if (stopping_) return;
      // Woken by a publish, or by the interval (heartbeats): either way every parked subscriber gets a turn.
      wake_pending_ = false;
      to_wake.swap(parked_);
    }
    for (const std::shared_ptr<Listener>& listener : to_wake) listener->Wake();
  }
}

}  // namespace ketenbeeld::pipeline
