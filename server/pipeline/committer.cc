#include "server/pipeline/committer.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "server/domain/entities.h"
#include "server/observability/log.h"

namespace ketenbeeld::pipeline {
namespace {

// The store's entry for a change (views into the change's wires).
storage::LogEntry LogEntryOf(const state::Change& change) {
  return storage::LogEntry{
      .revision = change.event->revision(),
      .name = change.event->event.record().name(),
      .is_delete = change.record == nullptr,
      .event_bytes = change.event->wire,
      .record_bytes = change.record == nullptr ? std::string_view() : std::string_view(change.record->wire)};
}

}  // namespace

Committer::Committer(storage::Store& store, state::Picture& picture, Hub& hub, Options options)
    : store_(store),
      picture_(picture),
      hub_(hub),
      options_(std::move(options)),
      next_revision_(store.last_revision() + 1) {
  {
    absl::MutexLock lock(&mu_);
    applied_revision_ = next_revision_ - 1;
  }
  completion_thread_ = std::thread([this] { CompletionLoop(); });
  thread_ = std::thread([this] { Loop(); });
  if (options_.forwarder != nullptr) wait_bound_thread_ = std::thread([this] { WaitBoundLoop(); });
}

Committer::~Committer() { Stop(); }

void Committer::Submit(mutations::WriteRequest request, Callback done) {
  if (absl::Status status = mutations::ValidateWrite(request); !status.ok()) {
    std::move(done)(status);
    return;
  }
  const bool following = options_.replicated_log != nullptr && !options_.replicated_log->leading();
  if (following && std::holds_alternative<mutations::SystemTick>(request.body)) {
    // Time-driven facts are the leader's to commit: a follower's tick changes nothing (and is not even planned).
    std::move(done)(WriteResult{.revision = applied_revision(), .record = nullptr});
    return;
  }
  if (following && std::holds_alternative<mutations::DeliveryOutcome>(request.body)) {
    // The outbox is the leader's to deliver; a member that stopped leading mid-attempt drops the outcome, and the
    // new leader sends the notification again with the same idempotency key (at least once).
    std::move(done)(absl::UnavailableError("this member does not lead the region; the outcome was not recorded"));
    return;
  }
  if (following && options_.forwarder != nullptr) {
    const absl::Time deadline = request.deadline;
    options_.forwarder->Forward(
        std::move(request), [this, deadline, done = std::move(done)](absl::StatusOr<WriteResult> result) mutable {
          if (!result.ok()) {
            std::move(done)(std::move(result));
            return;
          }
          // The leader made the write durable. Wait for this member to apply it, but answer before the caller's
          // deadline: a follower cut off from the log would otherwise hold the answer until the cut heals.
          const absl::Time now = absl::Now();
          const absl::Duration margin = std::min((deadline - now) / 4, absl::Milliseconds(250));
          CompleteWhenApplied(*std::move(result), std::min(now + options_.forwarded_apply_wait, deadline - margin),
                              std::move(done));
        });
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(Pending{.request = std::move(request), .done = std::move(done)});
      return;
    }
  }
  std::move(done)(absl::UnavailableError("the server is shutting down; the write was not made"));
}

void Committer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wait_bound_cv_.Signal();
  }
  if (thread_.joinable()) thread_.join();
  {
    absl::MutexLock lock(&completion_mu_);
    completion_done_ = true;
  }
  if (completion_thread_.joinable()) completion_thread_.join();  // After every queued group is completed.
  if (wait_bound_thread_.joinable()) wait_bound_thread_.join();
  // Forwarded writes the leader made durable but this member will not apply any more: they succeeded.
  std::multimap<int64_t, AwaitingApply> awaiting;
  {
    absl::MutexLock lock(&mu_);
    awaiting.swap(awaiting_apply_);
  }
  for (auto& [revision, waiting] : awaiting) {
    waiting.result.not_applied_here = true;
    std::move(waiting.done)(std::move(waiting.result));
  }
}

void Committer::SubmitReplicated(ReplicatedGroup group, absl::AnyInvocable<void(absl::Status) &&> done) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      replicated_queue_.push_back(PendingReplicated{.group = std::move(group), .done = std::move(done)});
      return;
    }
  }
  std::move(done)(absl::UnavailableError("the server is shutting down; the replicated group was not applied"));
}

void Committer::CompleteWhenApplied(WriteResult result, absl::Time give_up_at, Callback done) {
  {
    absl::MutexLock lock(&mu_);
    if (result.revision > applied_revision_) {
      if (!stopping_ && give_up_at > absl::Now()) {
        const int64_t revision = result.revision;
        awaiting_apply_.emplace(
            revision, AwaitingApply{.result = std::move(result), .done = std::move(done), .give_up_at = give_up_at});
        if (give_up_at < wait_bound_wakes_at_) wait_bound_cv_.Signal();  // Earlier than WaitBoundLoop will wake.
        return;
      }
      result.not_applied_here = true;  // Stopping, or no time left: the leader has made it durable.
    }
  }
  std::move(done)(std::move(result));
}

void Committer::WaitBoundLoop() {
  while (true) {
    std::vector<AwaitingApply> expired;
    {
      absl::MutexLock lock(&mu_);
      absl::Time earliest = absl::InfiniteFuture();
      for (const auto& [revision, waiting] : awaiting_apply_) earliest = std::min(earliest, waiting.give_up_at);
      // A condition variable, not mu_.Await: a Condition would be evaluated at every release of mu_, the committer's
      // own lock, by every thread. Spurious wake-ups only make the loop look again.
      if (!stopping_) {
        wait_bound_wakes_at_ = earliest;
        wait_bound_cv_.WaitWithDeadline(&mu_, earliest);
        wait_bound_wakes_at_ = absl::InfinitePast();
      }
      if (stopping_) return;  // Stop completes what still waits.
      const absl::Time now = absl::Now();
      for (auto it = awaiting_apply_.begin(); it != awaiting_apply_.end();) {
        if (it->second.give_up_at <= now) {
          expired.push_back(std::move(it->second));
          it = awaiting_apply_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (AwaitingApply& waiting : expired) {
      waiting.result.not_applied_here = true;
      std::move(waiting.done)(std::move(waiting.result));
    }
  }
}

void Committer::SetApplied(int64_t revision) {
  std::vector<AwaitingApply> applied;
  {
    absl::MutexLock lock(&mu_);
    applied_revision_ = revision;
    auto end = awaiting_apply_.upper_bound(revision);
    for (auto it = awaiting_apply_.begin(); it != end; ++it) applied.push_back(std::move(it->second));
    awaiting_apply_.erase(awaiting_apply_.begin(), end);
  }
  for (AwaitingApply& waiting : applied) std::move(waiting.done)(std::move(waiting.result));
}

int64_t Committer::applied_revision() const {
  absl::MutexLock lock(&mu_);
  return applied_revision_;
}

Committer::Stats Committer::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void Committer::Loop() {
  while (true) {
    std::deque<Pending> group;
    std::deque<PendingReplicated> replicated;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Committer* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) {
            return !c->queue_.empty() || !c->replicated_queue_.empty() || c->stopping_;
          },
          this));
      if (queue_.empty() && replicated_queue_.empty()) return;  // Stopping, and everything queued is done.
      replicated.swap(replicated_queue_);
      // Everything that queued up while the previous group was being synced goes into this one (group commit).
      const size_t n = std::min(queue_.size(), options_.max_group_size);
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    for (PendingReplicated& pending : replicated) std::move(pending.done)(ApplyReplicated(pending.group));
    if (!group.empty()) CommitGroup(std::move(group));
  }
}

void Committer::CompletionLoop() {
  while (true) {
    std::deque<Completed> batch;
    {
      absl::MutexLock lock(&completion_mu_);
      completion_mu_.Await(absl::Condition(
          +[](Committer* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->completion_mu_) {
            return !c->completions_.empty() || c->completion_done_;
          },
          this));
      if (completions_.empty()) return;  // The committer thread has ended and everything is completed.
      batch.swap(completions_);
    }
    for (Completed& completed : batch) {
      for (size_t i = 0; i < completed.group.size(); ++i) {
        std::move(completed.group[i].done)(std::move(completed.results[i]));
      }
    }
    // `batch` (requests, changes, results) is freed here, on this thread.
  }
}

void Committer::CommitGroup(std::deque<Pending> group) {
  const absl::Time group_start = absl::Now();
  // After a storage fault every group (ticks too) gives the store a chance to recover, rate-limited.
  if (storage_failed_) TryRecoverStorage().IgnoreError();
  // Commit times never go backwards, even when the wall clock does.
  // Commit times are kept in microseconds (the resolution of the stored records and of every time derived from them).
  const absl::Time commit_time =
      std::max(absl::FromUnixMicros(absl::ToUnixMicros(options_.clock())), last_commit_time_);

  // Plan every write against the picture as the earlier writes of this group leave it.
  absl::flat_hash_map<std::string, state::RecordPtr> overlay;
  auto lookup = [&](absl::string_view name) -> state::RecordPtr {
    if (auto it = overlay.find(name); it != overlay.end()) return it->second;
    return picture_.Find(name);
  };
  struct Planned {
    absl::Status status;
    size_t first_change = 0;  // Index into `changes` of this write's first change.
    size_t change_count = 0;
    // Of the write's changes, how many are its own (the rest are follow-ups: mutations::PlannedChange::follow_up).
    size_t own_count = 0;
    // The write was made before (mutations::WritePlan::already_done): answered with this record, nothing committed.
    state::RecordPtr already_done;
  };
  std::vector<Planned> planned(group.size());
  std::vector<state::Change> changes;
  std::vector<mutations::PlannedChange> plans;  // Parallel to `changes` until the events are built.
  int64_t revision = next_revision_;
  for (size_t i = 0; i < group.size(); ++i) {
    const mutations::PlanContext context{.commit_time = commit_time,
                                         .region = options_.region,
                                         .lookup = lookup,
                                         .picture = picture_,
                                         .next_revision = revision,
                                         .earlier_changes = changes,
                                         .actor = &group[i].request.actor};
    // Planning consumes the request body (a report moves into its record); only the actor is read afterwards.
    absl::StatusOr<mutations::WritePlan> plan = mutations::PlanWrite(std::move(group[i].request.body), context);
    planned[i].first_change = plans.size();
    if (!plan.ok()) {
      planned[i].status = plan.status();
      continue;
    }
    planned[i].already_done = std::move(plan->already_done);
    std::vector<mutations::PlannedChange>* planned_changes = &plan->changes;
    planned[i].change_count = planned_changes->size();
    for (const mutations::PlannedChange& plan : *planned_changes) planned[i].own_count += plan.follow_up ? 0 : 1;
    for (mutations::PlannedChange& plan : *planned_changes) {
      ketenbeeld::v1::Record& record = plan.record;
      record.set_create_revision(plan.previous == nullptr ? revision : plan.previous->record.create_revision());
      record.set_mod_revision(revision);
      *record.mutable_update_time() = ToProtoTime(commit_time);
      *record.mutable_updated_by() = group[i].request.actor;
      state::Change change;
      if (plan.type == ketenbeeld::v1::EVENT_TYPE_DELETE) {
        overlay[record.name()] = nullptr;
      } else {
        change.record = state::MakeRecord(record);
        overlay[record.name()] = change.record;  // Later writes of the group see this one.
      }
      changes.push_back(std::move(change));
      plans.push_back(std::move(plan));
      ++revision;
    }
  }
  const int64_t group_last_revision = revision - 1;

  // Build the events, each serialized once, and the batch for the store.
  std::vector<storage::LogEntry> entries;
  entries.reserve(changes.size());
  for (size_t i = 0; i < group.size(); ++i) {
    for (size_t c = planned[i].first_change; c < planned[i].first_change + planned[i].change_count; ++c) {
      mutations::PlannedChange& plan = plans[c];
      ketenbeeld::v1::Event event;
      event.set_revision(plan.record.mod_revision());
      *event.mutable_commit_time() = plan.record.update_time();
      *event.mutable_actor() = group[i].request.actor;
      event.set_type(plan.type);
      event.set_group_last_revision(group_last_revision);
      if (plan.previous != nullptr && plan.previous->record.has_status_report()) {
        *event.mutable_previous_disruptions() = domain::DisruptionSummary(plan.previous->record.status_report());
      }
      *event.mutable_record() = std::move(plan.record);
      state::Change& change = changes[c];
      change.event = state::MakeEvent(std::move(event));
      entries.push_back(LogEntryOf(change));
    }
  }

  absl::Status written = absl::OkStatus();
  const bool attempted = !entries.empty() && !storage_failed_;
  if (!entries.empty() && storage_failed_) {
    written = absl::UnavailableError(
        absl::StrCat("storage is failing and has not recovered yet; nothing was written, retry later (",
                     storage_error_.message(), ")"));
  } else if (attempted) {
    if (options_.replicated_log != nullptr) {
      // The replicated log first: nothing is written, applied, published or acknowledged before it is durable there.
      std::vector<std::string_view> event_wires;
      event_wires.reserve(changes.size());
      for (const state::Change& change : changes) event_wires.push_back(change.event->wire);
      written = options_.replicated_log->Append(next_revision_, group_last_revision, commit_time, event_wires);
    }
    if (written.ok()) written = WriteAndApply(entries, changes, group_last_revision, commit_time);
  }
  if (attempted && options_.observer != nullptr) {
    options_.observer->OnGroupCommitted(group.size(), changes.size(), absl::Now() - group_start, written.ok());
  }
  CountGroup(changes.size(), written.ok());

  // The callers are completed only now that the outcome is durable (or certainly not made).
  Completed completed{.group = std::move(group), .results = {}, .changes = std::move(changes)};
  completed.results.reserve(completed.group.size());
  for (const Planned& write : planned) {
    if (!write.status.ok()) {
      completed.results.emplace_back(write.status);
    } else if (!written.ok()) {
      completed.results.emplace_back(written);
    } else if (write.already_done != nullptr) {
      completed.results.emplace_back(WriteResult{
          .revision = write.already_done->record.create_revision(), .record = write.already_done, .replayed = true});
    } else if (write.own_count == 0) {
      completed.results.emplace_back(WriteResult{.revision = next_revision_ - 1, .record = nullptr});
    } else {
      // The write's last own change (follow-ups come after the write's own changes).
      const state::Change& last = completed.changes[write.first_change + write.own_count - 1];
      completed.results.emplace_back(WriteResult{.revision = last.event->revision(), .record = last.record});
    }
  }
  absl::MutexLock lock(&completion_mu_);
  completions_.push_back(std::move(completed));
}

void Committer::ApplyAndPublish(const std::vector<state::Change>& changes, int64_t last_revision,
                                absl::Time commit_time) {
  next_revision_ = last_revision + 1;
  last_commit_time_ = std::max(last_commit_time_, commit_time);
  picture_.Apply(changes);
  std::vector<state::EventPtr> events;
  events.reserve(changes.size());
  for (const state::Change& change : changes) events.push_back(change.event);
  hub_.Publish(std::move(events));
  SetApplied(last_revision);
}

void Committer::CountGroup(size_t writes, bool ok) {
  absl::MutexLock lock(&mu_);
  ++stats_.groups;
  stats_.writes += static_cast<int64_t>(writes);
  if (!ok) ++stats_.failed_groups;
}

absl::Status Committer::WriteAndApply(const std::vector<storage::LogEntry>& entries,
                                      std::vector<state::Change>& changes, int64_t last_revision,
                                      absl::Time commit_time) {
  absl::Status written = store_.Commit(entries);
  if (written.ok()) {
    ApplyAndPublish(changes, last_revision, commit_time);
    return absl::OkStatus();
  }
  observability::LogError("commit_failed", {{"revisions", absl::StrCat(next_revision_, "..", last_revision)},
                                            {"error", written.ToString()}});
  const std::string cause(written.message());
  if (!store_.needs_recovery()) {
    return absl::UnavailableError(
        absl::StrCat("storage refused the write; nothing was written, retry later (", cause, ")"));
  }
  // The group may or may not be on disk. Reopen the store now: a transient fault is resolved at once.
  SetStorageFailed(true);
  storage_error_ = written;
  unresolved_ = UnresolvedGroup{.changes = changes, .last_revision = last_revision, .commit_time = commit_time};
  next_recovery_attempt_ = absl::InfinitePast();
  const int64_t revision_before = next_revision_;
  const absl::Status recovered = TryRecoverStorage();
  if (recovered.ok() && next_revision_ > revision_before) {
    return absl::OkStatus();  // Durable after all, and now applied and published: the callers get success.
  }
  if (recovered.ok()) {
    return absl::UnavailableError(
        absl::StrCat("storage refused the write; nothing was written, retry later (", cause, ")"));
  }
  return absl::UnavailableError(absl::StrCat(
      "storage failed while writing and has not recovered: whether this write is durable is known only once "
      "it has (the server retries by itself). Check with Get before repeating it, or repeat it with "
      "expected_revision (",
      cause, ")"));
}

absl::Status Committer::ApplyReplicated(const ReplicatedGroup& group) {
  if (group.last_revision < next_revision_) return absl::OkStatus();  // Already applied.
  if (group.first_revision != next_revision_) {
    return absl::FailedPreconditionError(absl::StrCat("replicated group ", group.first_revision, "..",
                                                      group.last_revision, " does not follow revision ",
                                                      next_revision_ - 1, "; read the log again from there"));
  }
  if (group.last_revision - group.first_revision + 1 != static_cast<int64_t>(group.events.size())) {
    return absl::DataLossError(absl::StrCat("replicated group ", group.first_revision, "..", group.last_revision,
                                            " holds ", group.events.size(), " events"));
  }
  if (storage_failed_) {
    if (absl::Status recovered = TryRecoverStorage(); !recovered.ok()) {
      return absl::UnavailableError(absl::StrCat("storage is failing and has not recovered yet (", recovered.message(),
                                                 "); read the log again later"));
    }
    if (group.first_revision != next_revision_) return ApplyReplicated(group);  // Recovery applied a group.
  }
  std::vector<state::Change> changes;
  changes.reserve(group.events.size());
  std::vector<storage::LogEntry> entries;
  entries.reserve(group.events.size());
  for (size_t i = 0; i < group.events.size(); ++i) {
    const int64_t revision = group.first_revision + static_cast<int64_t>(i);
    absl::StatusOr<state::EventPtr> event =
        state::ParseEvent(group.events[i], absl::StrCat("replicated event ", revision));
    if (!event.ok()) return event.status();
    if ((*event)->revision() != revision || (*event)->event.group_last_revision() != group.last_revision) {
      return absl::DataLossError(absl::StrCat("replicated group ", group.first_revision, "..", group.last_revision,
                                              " holds event ", (*event)->revision(), " of group ending at ",
                                              (*event)->event.group_last_revision(), " at position ", i));
    }
    state::Change change{.event = *std::move(event), .record = nullptr};
    if (change.event->event.type() != ketenbeeld::v1::EVENT_TYPE_DELETE) {
      change.record = state::MakeRecord(change.event->event.record());
    }
    changes.push_back(std::move(change));
  }
  for (const state::Change& change : changes) entries.push_back(LogEntryOf(change));
  const absl::Status written = WriteAndApply(entries, changes, group.last_revision, group.commit_time);
  CountGroup(changes.size(), written.ok());
  return written;
}

void Committer::SetStorageFailed(bool failed) {
  storage_failed_ = failed;
  absl::MutexLock lock(&mu_);
  stats_.storage_failed = failed;
}

absl::Status Committer::TryRecoverStorage() {
  if (!storage_failed_) return absl::OkStatus();
  const absl::Time now = options_.clock();
  if (now < next_recovery_attempt_) return storage_error_;
  next_recovery_attempt_ = now + options_.recovery_interval;
  absl::StatusOr<int64_t> reopened = store_.Recover();
  if (!reopened.ok()) {
    storage_error_ = reopened.status();
    // The first failure, then about once a minute: the operator must act, but the log must not flood.
    if (recovery_failures_logged_++ % 60 == 0) {
      observability::LogError(
          "storage_unavailable",
          {{"error", storage_error_.ToString()},
           {"attempts", recovery_failures_logged_},
           {"action",
            "writes are refused until storage works again; free disk space or repair the disk under the "
            "data directory. Writing resumes by itself; reads and live feeds keep working"}});
    }
    return storage_error_;
  }
  const int64_t picture_revision = next_revision_ - 1;
  std::string outcome = "no write was pending";
  if (unresolved_.has_value() && *reopened == unresolved_->last_revision && *reopened > picture_revision) {
    // The failed group is durable after all (its fsync failed, yet the data reached the disk). It is real now:
    // apply and publish it like any committed group, so picture, feeds and log agree.
    ApplyAndPublish(unresolved_->changes, *reopened, unresolved_->commit_time);
    outcome = "the failed write turned out durable: applied and published";
  } else if (*reopened == picture_revision) {
    if (unresolved_.has_value()) outcome = "the failed write was not durable: dropped";
  } else {
    storage_error_ = absl::DataLossError(absl::StrCat(
        "after reopening, the store is at revision ", *reopened, " but the server's picture is at ", picture_revision,
        "; writes stay refused: restart the server (it reloads the picture from the store)"));
    observability::LogError("storage_inconsistent", {{"error", storage_error_.ToString()}});
    next_recovery_attempt_ = absl::InfiniteFuture();  // Reopening again cannot change this.
    return storage_error_;
  }
  unresolved_.reset();
  storage_error_ = absl::OkStatus();
  recovery_failures_logged_ = 0;
  SetStorageFailed(false);
  {
    absl::MutexLock lock(&mu_);
    ++stats_.recoveries;
  }
  observability::LogInfo("storage_recovered", {{"revision", *reopened}, {"outcome", outcome}});
  return absl::OkStatus();
}

}  // namespace ketenbeeld::pipeline
