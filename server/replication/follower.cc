#include "server/replication/follower.h"

#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "base/time.h"
#include "ketenbeeld/server/v1/replication.pb.h"
#include "server/observability/log.h"

namespace ketenbeeld::replication {

Follower::Follower(etcd::Client& client, Keyspace keys, pipeline::Committer& committer, Options options)
    : client_(client), keys_(std::move(keys)), committer_(committer), options_(options) {}

Follower::~Follower() { Stop(); }

void Follower::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Follower::Stop() {
  std::thread thread;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    thread.swap(thread_);
  }
  if (thread.joinable()) thread.join();
}

Follower::Status Follower::status() const {
  absl::MutexLock lock(&mu_);
  return Status{.running = thread_.joinable() && !stopping_,
                .log_revision = log_revision_,
                .error = error_,
                .last_contact = last_contact_};
}

void Follower::Contact() {
  absl::MutexLock lock(&mu_);
  last_contact_ = absl::Now();
}

bool Follower::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void Follower::Run() {
  while (!stopping()) {
    const absl::Status ended = FollowOnce();
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      if (!ended.ok() && ended.ToString() != error_.ToString()) {
        observability::LogError("follower_error",
                                {{"error", ended.ToString()}, {"applied_revision", committer_.applied_revision()}});
      }
      error_ = ended;
      // Wait before reading the log again, waking early on Stop.
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.retry_interval);
    }
  }
}

absl::StatusOr<pipeline::ReplicatedGroup> ReadLogGroup(etcd::Client& client, const Keyspace& keys, std::string_view key,
                                                       std::string_view value) {
  server::v1::LogGroup entry;
  if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat("the region's log entry ", std::string(key), " does not parse"));
  }
  pipeline::ReplicatedGroup group{.first_revision = entry.first_revision(),
                                  .last_revision = entry.last_revision(),
                                  .commit_time = FromProtoTime(entry.commit_time()),
                                  .events = {}};
  group.events.reserve(entry.events_size());
  for (std::string& event : *entry.mutable_events()) group.events.push_back(std::move(event));
  if (entry.parts() > 0) {
    const std::string prefix = keys.PartsPrefix(entry.first_revision(), entry.leader_term());
    etcdserverpb::RangeRequest range;
    range.set_key(prefix);
    range.set_range_end(etcd::PrefixEnd(prefix));
    absl::StatusOr<etcdserverpb::RangeResponse> parts = client.Range(range);
    if (!parts.ok()) return parts.status();
    if (parts->kvs_size() != entry.parts()) {
      return absl::DataLossError(absl::StrCat("the region's log entry ", std::string(key), " has ", entry.parts(),
                                              " parts, etcd holds ", parts->kvs_size(), " under ", prefix));
    }
    for (const mvccpb::KeyValue& kv : parts->kvs()) {
      server::v1::LogGroup part;
      if (!part.ParseFromString(kv.value())) {
        return absl::DataLossError(absl::StrCat("the region's log part ", kv.key(), " does not parse"));
      }
      for (std::string& event : *part.mutable_events()) group.events.push_back(std::move(event));
    }
  }
  if (static_cast<int64_t>(group.events.size()) != group.last_revision - group.first_revision + 1) {
    return absl::DataLossError(absl::StrCat("the region's log entry ", std::string(key), " holds ", group.events.size(),
                                            " events for revisions ", group.first_revision, "..", group.last_revision));
  }
  return group;
}

absl::Status Follower::Apply(std::string_view key, std::string_view value) {
  absl::StatusOr<pipeline::ReplicatedGroup> read = ReadLogGroup(client_, keys_, key, value);
  if (!read.ok()) return read.status();
  pipeline::ReplicatedGroup group = *std::move(read);
  {
    absl::MutexLock lock(&mu_);
    log_revision_ = std::max(log_revision_, group.last_revision);
  }
  // Shared with the callback: Notify() may still be running on the committer thread when the wait returns.
  struct Outcome {
    absl::Status status;
    absl::Notification applied;
  };
  auto outcome = std::make_shared<Outcome>();
  committer_.SubmitReplicated(std::move(group), [outcome](absl::Status status) {
    outcome->status = std::move(status);
    outcome->applied.Notify();
  });
  outcome->applied.WaitForNotification();
  return outcome->status;
}

absl::Status Follower::FollowOnce() {
  // Catch up: every group from the applied revision + 1, in key (= revision) order.
  int64_t read_at = 0;
  while (true) {
    if (stopping()) return absl::OkStatus();
    const int64_t from = committer_.applied_revision() + 1;
    etcdserverpb::RangeRequest range;
    range.set_key(keys_.LogKey(from));
    range.set_range_end(etcd::PrefixEnd(keys_.log_prefix()));
    range.set_limit(options_.range_limit);
    if (read_at != 0) range.set_revision(read_at);  // Every page at one etcd revision: the watch starts after it.
    absl::StatusOr<etcdserverpb::RangeResponse> response = client_.Range(range);
    if (!response.ok()) return response.status();
    Contact();
    if (read_at == 0) read_at = response->header().revision();
    for (const mvccpb::KeyValue& kv : response->kvs()) {
      const std::optional<int64_t> first = keys_.LogKeyRevision(kv.key());
      if (!first.has_value()) continue;
      if (*first > committer_.applied_revision() + 1) {
        return absl::OutOfRangeError(absl::StrCat("the region's log no longer holds revision ",
                                                  committer_.applied_revision() + 1, " (trimmed; it starts at ", *first,
                                                  "): this member must be re-seeded from a peer's backup"));
      }
      if (absl::Status applied = Apply(kv.key(), kv.value()); !applied.ok()) return applied;
    }
    if (!response->more()) break;
  }
  {
    absl::MutexLock lock(&mu_);
    error_ = absl::OkStatus();
    watch_ended_ = false;
  }

  // Then watch for new groups from just after the catch-up's revision.
  etcd::WatchOptions watch{.key = keys_.log_prefix(),
                           .range_end = etcd::PrefixEnd(keys_.log_prefix()),
                           .start_revision = read_at + 1,
                           .prev_kv = false,
                           .progress_notify = false};
  auto end_watch = [this](absl::Status status) {
    absl::MutexLock lock(&mu_);
    if (!watch_ended_) watch_error_ = std::move(status);
    watch_ended_ = true;
  };
  std::unique_ptr<etcd::Watcher> watcher = client_.Watch(
      std::move(watch),
      [this, end_watch](const etcdserverpb::WatchResponse& response) {
        {
          absl::MutexLock lock(&mu_);
          if (watch_ended_) return;  // After an error, until the loop starts over.
          last_contact_ = absl::Now();
        }
        for (const mvccpb::Event& event : response.events()) {
          if (event.type() != mvccpb::Event::PUT || stopping()) continue;  // Deletes: trimming.
          if (absl::Status applied = Apply(event.kv().key(), event.kv().value()); !applied.ok()) {
            end_watch(applied);
            return;
          }
        }
      },
      end_watch);
  absl::Status ended;
  // The head read at the previous check (-1: none yet).
  int64_t head_at_last_check = -1;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(
              absl::Condition(
                  +[](Follower* f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(f->mu_) { return f->stopping_ || f->watch_ended_; },
                  this),
              options_.stall_check_interval)) {
        ended = stopping_ ? absl::OkStatus() : watch_error_;
        break;
      }
    }
    // A watch on an etcd member that froze (a hung machine) keeps its stream open and delivers nothing until gRPC's
    // keepalive gives up, some 15 s; meanwhile this member serves an old picture and the writes it forwarded wait
    // for it. So check that the watch delivers: what the log held at the previous check must be applied by now. The
    // head read also moves the client off an etcd member that does not answer, so the next watch goes elsewhere.
    absl::StatusOr<etcd::GetResult> head = client_.Get(keys_.head());
    if (!head.ok()) continue;  // No etcd member answers: there is nothing to follow elsewhere either.
    Contact();
    int64_t head_revision = 0;
    if (head->kv.has_value() && !absl::SimpleAtoi(head->kv->value(), &head_revision)) continue;
    const int64_t applied = committer_.applied_revision();
    if (head_at_last_check >= 0 && applied < head_at_last_check) {
      ended = absl::UnavailableError(absl::StrCat("the watch on the region's log delivered nothing for ",
                                                  absl::FormatDuration(options_.stall_check_interval),
                                                  " while the log was at revision ", head_at_last_check,
                                                  " and this member at ", applied, ": reading the log again"));
      absl::MutexLock lock(&mu_);
      watch_ended_ = true;  // The watch's callback applies nothing more.
      break;
    }
    head_at_last_check = head_revision;
  }
  watcher.reset();  // Joins the watch's thread: no callback runs after this.
  return ended;
}

}  // namespace ketenbeeld::replication
