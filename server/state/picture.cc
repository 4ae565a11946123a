#include "server/state/picture.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ketenbeeld::state {

absl::StatusOr<std::unique_ptr<Picture>> Picture::Load(const storage::Store& store) {
  absl::btree_map<std::string, RecordPtr, std::less<>> records;
  absl::Status status = store.ForEachRecord([&](std::string_view name, std::string_view bytes) -> absl::Status {
    std::string key(name);
    absl::StatusOr<RecordPtr> record = ParseRecord(std::string(bytes), absl::StrCat("state of ", key));
    if (!record.ok()) return record.status();
    records.emplace(std::move(key), *std::move(record));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  auto picture = std::make_unique<Picture>();
  absl::MutexLock lock(&picture->mu_);
  picture->records_ = std::move(records);
  picture->revision_ = store.last_revision();
  return picture;
}

RecordPtr Picture::Find(absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : it->second;
}

std::pair<RecordPtr, int64_t> Picture::FindWithRevision(absl::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = records_.find(name);
  return {it == records_.end() ? nullptr : it->second, revision_};
}

int64_t Picture::revision() const {
  absl::ReaderMutexLock lock(&mu_);
  return revision_;
}

size_t Picture::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return records_.size();
}

Picture::Snapshot Picture::Take(const domain::CompiledFilter& filter, absl::string_view start_after,
                                size_t limit) const {
  Snapshot snapshot;
  absl::ReaderMutexLock lock(&mu_);
  snapshot.revision = revision_;
  auto it = start_after.empty() ? records_.begin() : records_.upper_bound(start_after);
  for (; it != records_.end(); ++it) {
    if (!filter.Matches(it->second->record)) continue;
    snapshot.records.push_back(it->second);
    if (limit != 0 && snapshot.records.size() >= limit) break;
  }
  return snapshot;
}

Picture::Snapshot Picture::TakePrefix(absl::string_view prefix, absl::string_view start_after, size_t limit) const {
  Snapshot snapshot;
  absl::ReaderMutexLock lock(&mu_);
  snapshot.revision = revision_;
  auto it = start_after < prefix ? records_.lower_bound(prefix) : records_.upper_bound(start_after);
  for (; it != records_.end() && absl::StartsWith(it->first, prefix); ++it) {
    snapshot.records.push_back(it->second);
    if (limit != 0 && snapshot.records.size() >= limit) break;
  }
  return snapshot;
}

std::unique_ptr<Picture> Picture::FromRecords(const std::vector<RecordPtr>& records, int64_t revision) {
  auto picture = std::make_unique<Picture>();
  absl::MutexLock lock(&picture->mu_);
  for (const RecordPtr& record : records) picture->records_.insert_or_assign(record->record.name(), record);
  picture->revision_ = revision;
  return picture;
}

void Picture::Apply(const std::vector<Change>& group) {
  if (group.empty()) return;
  absl::MutexLock lock(&mu_);
  for (const Change& change : group) {
    const std::string& name = change.event->event.record().name();
    if (change.record == nullptr) {
      records_.erase(name);
    } else {
      records_.insert_or_assign(name, change.record);
    }
  }
  revision_ = group.back().event->revision();
}

}  // namespace ketenbeeld::state
