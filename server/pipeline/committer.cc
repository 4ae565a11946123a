#include "server/pipeline/committer.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "server/domain/entities.h"
#include "server/observability/log.h"

namespace ketenbeeld::pipeline {
namespace {

google::protobuf::Timestamp ToProto(absl::Time time) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

}  // namespace

Committer::Committer(storage::Store& store, Picture& picture, Hub& hub, Options options)
    : store_(store),
      picture_(picture),
      hub_(hub),
      options_(std::move(options)),
      next_revision_(store.last_revision() + 1) {
  thread_ = std::thread([this] { Loop(); });
}

Committer::~Committer() { Stop(); }

void Committer::Submit(WriteRequest request, Callback done) {
  if (absl::Status status = ValidateWrite(request); !status.ok()) {
    std::move(done)(status);
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
  }
  if (thread_.joinable()) thread_.join();
}

Committer::Stats Committer::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void Committer::Loop() {
  while (true) {
    std::deque<Pending> group;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Committer* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) { return !c->queue_.empty() || c->stopping_; },
          this));
      if (queue_.empty()) return;  // Stopping, and everything queued has been committed.
      // Everything that queued up while the previous group was being synced goes into this one (group commit).
      const size_t n = std::min(queue_.size(), options_.max_group_size);
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitGroup(group);
  }
}

void Committer::CommitGroup(std::deque<Pending>& group) {
  // Commit times never go backwards, even when the wall clock does.
  const absl::Time commit_time = std::max(options_.clock(), last_commit_time_);
  const PlanContext context{.commit_time = commit_time, .report_interval = options_.report_interval};

  // Plan every write against the picture as the earlier writes of this group leave it.
  absl::flat_hash_map<std::string, RecordPtr> overlay;
  auto lookup = [&](absl::string_view name) -> RecordPtr {
    if (auto it = overlay.find(name); it != overlay.end()) return it->second;
    return picture_.Find(name);
  };
  std::vector<absl::StatusOr<PlannedChange>> plans;
  std::vector<RecordPtr> records(group.size());  // The record each accepted write leaves.
  plans.reserve(group.size());
  int64_t revision = next_revision_;
  for (const Pending& pending : group) {
    absl::StatusOr<PlannedChange> plan = PlanWrite(pending.request, lookup, context);
    if (plan.ok()) {
      ketenbeeld::v1::Record& record = plan->record;
      record.set_create_revision(plan->previous == nullptr ? revision : plan->previous->record.create_revision());
      record.set_mod_revision(revision);
      *record.mutable_update_time() = ToProto(commit_time);
      *record.mutable_updated_by() = pending.request.actor;
      records[plans.size()] = MakeRecord(record);
      overlay[record.name()] = records[plans.size()];  // Later writes of the group see this one.
      ++revision;
    }
    plans.push_back(std::move(plan));
  }
  const int64_t group_last_revision = revision - 1;

  // Build the events and records, each serialized once, and the batch for the store.
  std::vector<Change> changes;
  std::vector<storage::LogEntry> entries;
  changes.reserve(group.size());
  entries.reserve(group.size());
  for (size_t i = 0; i < group.size(); ++i) {
    if (!plans[i].ok()) continue;
    PlannedChange& plan = *plans[i];
    ketenbeeld::v1::Event event;
    event.set_revision(plan.record.mod_revision());
    *event.mutable_commit_time() = plan.record.update_time();
    *event.mutable_actor() = group[i].request.actor;
    event.set_type(plan.type);
    event.set_group_last_revision(group_last_revision);
    if (plan.previous != nullptr && plan.previous->record.has_status_report()) {
      *event.mutable_previous_disruptions() = domain::DisruptionSummary(plan.previous->record.status_report());
    }
    Change change;
    if (plan.type != ketenbeeld::v1::EVENT_TYPE_DELETE) change.record = std::move(records[i]);
    *event.mutable_record() = std::move(plan.record);
    change.event = MakeEvent(std::move(event));
    entries.push_back(storage::LogEntry{
        .revision = change.event->revision(),
        .name = change.event->event.record().name(),
        .is_delete = change.record == nullptr,
        .event_bytes = change.event->wire,
        .record_bytes = change.record == nullptr ? std::string_view() : std::string_view(change.record->wire)});
    changes.push_back(std::move(change));
  }

  absl::Status written = entries.empty() ? absl::OkStatus() : store_.Commit(entries);
  if (written.ok() && !changes.empty()) {
    next_revision_ = group_last_revision + 1;
    last_commit_time_ = commit_time;
    picture_.Apply(changes);
    std::vector<EventPtr> events;
    events.reserve(changes.size());
    for (const Change& change : changes) events.push_back(change.event);
    hub_.Publish(std::move(events));
  } else if (!written.ok()) {
    observability::LogError("commit_failed", {{"revisions", absl::StrCat(next_revision_, "..", group_last_revision)},
                                              {"error", written.ToString()}});
    written = absl::UnavailableError(
        absl::StrCat("storage refused the write; nothing was written, retry later (", written.message(), ")"));
  }
  {
    absl::MutexLock lock(&mu_);
    ++stats_.groups;
    stats_.writes += static_cast<int64_t>(changes.size());
    if (!written.ok()) ++stats_.failed_groups;
  }

  // Complete the callers only now that the outcome is durable (or certainly not made).
  size_t next_change = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    if (!plans[i].ok()) {
      std::move(group[i].done)(plans[i].status());
    } else if (!written.ok()) {
      std::move(group[i].done)(written);
    } else {
      const Change& change = changes[next_change++];
      std::move(group[i].done)(WriteResult{.revision = change.event->revision(), .record = change.record});
    }
  }
}

}  // namespace ketenbeeld::pipeline
