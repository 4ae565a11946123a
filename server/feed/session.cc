#include "server/feed/session.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/policy/federation.h"

namespace ketenbeeld::feed {
namespace {

// The feed's filter with the reader's policy: the federation role never gets a snapshot record or an event of what
// does not cross upward (policy/federation.h); a heartbeat moves its cursor past them as past any unmatched event.
domain::CompiledFilter AdmittedFor(const policy::Viewer& viewer, domain::CompiledFilter filter) {
  if (viewer.federation()) filter.set_admission(&policy::FederationAdmits);
  return filter;
}

}  // namespace

FeedSession::FeedSession(Dependencies dependencies, const FeedOptions& options, domain::CompiledFilter filter,
                         policy::Viewer viewer, int64_t from_revision, std::function<absl::Status()> revalidate)
    : deps_(dependencies),
      options_(options),
      filter_(AdmittedFor(viewer, std::move(filter))),
      viewer_(std::move(viewer)),
      revalidate_(std::move(revalidate)),
      next_revalidation_(absl::Now() + options_.revalidate_interval),
      last_frame_time_(absl::Now()) {
  if (options_.counters != nullptr) options_.counters->live.fetch_add(1, std::memory_order_relaxed);
  const int64_t head = deps_.hub.head();
  const int64_t compacted = deps_.store.compacted_revision();
  if (from_revision < 0) {
    start_error_ = absl::InvalidArgumentError(absl::StrCat("from_revision: must be >= 0, got ", from_revision));
  } else if (from_revision > head && options_.resume_ahead_wait > absl::ZeroDuration()) {
    // Events up to from_revision are the subscriber's already; the hub delivers those after it once they arrive.
    cursor_ = from_revision;
    phase_ = Phase::kSynced;
    ahead_deadline_ = absl::Now() + options_.resume_ahead_wait;
  } else if (from_revision > head) {
    start_error_ = absl::OutOfRangeError(
        absl::StrCat("from_revision: ", from_revision, " is ahead of the server's latest revision ", head));
  } else if (from_revision == 0) {
    BeginSnapshot();
  } else if (from_revision < compacted) {
    // Events after the resume point are gone: say so explicitly, then start over with a snapshot.
    reset_revision_ = compacted;
    BeginSnapshot();
  } else {
    cursor_ = from_revision;
    phase_ = Phase::kSynced;
  }
}

FeedSession::~FeedSession() {
  SetBehind(false);
  if (options_.counters != nullptr) options_.counters->live.fetch_sub(1, std::memory_order_relaxed);
}

void FeedSession::BeginSnapshot() {
  // Taken under the picture's lock together with its revision: everything after it is in the ring or the log.
  state::Picture::Snapshot snapshot = deps_.picture.Take(filter_);
  snapshot_ = std::move(snapshot.records);
  snapshot_sent_ = 0;
  snapshot_chunk_sent_ = false;
  cursor_ = snapshot.revision;
  phase_ = Phase::kSnapshot;
}

void FeedSession::SetBehind(bool behind) {
  if (behind == behind_ || options_.counters == nullptr) return;
  behind_ = behind;
  options_.counters->lagging.fetch_add(behind ? 1 : -1, std::memory_order_relaxed);
}

FeedFrame FeedSession::Yield(FeedFrame frame) {
  last_frame_time_ = absl::Now();
  return frame;
}

FeedFrame FeedSession::HeartbeatNow() { return Yield(Heartbeat{.revision = cursor_, .server_time = options_.clock()}); }

std::optional<FeedFrame> FeedSession::Next(const std::shared_ptr<pipeline::Listener>& listener) {
  if (phase_ == Phase::kEnded) return std::nullopt;
  if (revalidate_ != nullptr && absl::Now() >= next_revalidation_) {
    next_revalidation_ = absl::Now() + options_.revalidate_interval;
    if (absl::Status valid = revalidate_(); !valid.ok()) {
      // The credential was revoked since the feed began: nothing more for this subscriber, whatever the phase.
      phase_ = Phase::kEnded;
      SetBehind(false);
      return Yield(End{.status = std::move(valid)});
    }
  }
  if (start_error_.has_value()) {
    phase_ = Phase::kEnded;
    return Yield(End{.status = *std::move(start_error_)});
  }
  if (reset_revision_ >= 0) {
    const int64_t compacted = reset_revision_;
    reset_revision_ = -1;
    if (options_.counters != nullptr) options_.counters->resets.fetch_add(1, std::memory_order_relaxed);
    return Yield(Reset{.compacted_revision = compacted});
  }
  switch (phase_) {
    case Phase::kSnapshot: {
      if (snapshot_sent_ < snapshot_.size() || !snapshot_chunk_sent_) {
        // As many records as fit in one message (at least one).
        size_t end = snapshot_sent_;
        size_t bytes = 0;
        while (end < snapshot_.size() &&
               (end == snapshot_sent_ || bytes + snapshot_[end]->wire.size() <= options_.max_message_bytes)) {
          bytes += snapshot_[end]->wire.size() + 8;  // Plus the field header, generously.
          ++end;
        }
        const std::span<const state::RecordPtr> records(snapshot_.data() + snapshot_sent_, end - snapshot_sent_);
        snapshot_sent_ = end;
        snapshot_chunk_sent_ = true;
        return Yield(SnapshotChunk{.revision = cursor_, .records = records});
      }
      snapshot_.clear();
      snapshot_.shrink_to_fit();
      [[fallthrough]];
    }
    case Phase::kSynced:
      phase_ = Phase::kLive;
      return Yield(Synced{.revision = cursor_, .server_time = options_.clock()});
    case Phase::kLive:
      return NextLive(listener);
    case Phase::kEnded:
      break;
  }
  return std::nullopt;
}

std::optional<FeedFrame> FeedSession::NextLive(const std::shared_ptr<pipeline::Listener>& listener) {
  if (ahead_deadline_.has_value()) {
    if (deps_.hub.head() >= cursor_) {
      ahead_deadline_.reset();
    } else if (absl::Now() >= *ahead_deadline_) {
      phase_ = Phase::kEnded;
      return Yield(End{
          .status = absl::UnavailableError(absl::StrCat("this member has not reached revision ", cursor_, " within ",
                                                        absl::FormatDuration(options_.resume_ahead_wait), " (it is at ",
                                                        deps_.hub.head(), "): resume on another member"))});
    }
  }
  for (int round = 0; round < options_.max_scan_rounds; ++round) {
    absl::StatusOr<pipeline::Hub::Batch> batch = deps_.hub.Next(cursor_, filter_, options_.max_message_bytes, listener);
    if (!batch.ok()) {
      if (absl::IsFailedPrecondition(batch.status())) {
        // This subscriber fell behind the retained log: reset and start over from a snapshot.
        reset_revision_ = deps_.store.compacted_revision();
        BeginSnapshot();
        return Next(listener);
      }
      phase_ = Phase::kEnded;
      SetBehind(false);
      return Yield(End{.status = batch.status()});
    }
    SetBehind(batch->from_log);
    if (!batch->events.empty()) {
      cursor_ = batch->last_revision;
      if (options_.counters != nullptr) {
        options_.counters->events_delivered.fetch_add(static_cast<int64_t>(batch->events.size()),
                                                      std::memory_order_relaxed);
      }
      return Yield(Events{.revision = cursor_, .events = std::move(batch->events)});
    }
    if (batch->last_revision == cursor_) {
      // Caught up (and parked in the hub until the next publish or wake interval).
      if (absl::Now() >= heartbeat_due()) return HeartbeatNow();
      return std::nullopt;
    }
    cursor_ = batch->last_revision;  // Nothing matched; move on.
  }
  // Scanned a lot without a match: report progress (a bookmark) so the reaction stays short.
  return HeartbeatNow();
}

}  // namespace ketenbeeld::feed
