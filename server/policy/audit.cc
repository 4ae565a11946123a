#include "server/policy/audit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/time_util.h"
#include "server/observability/log.h"

namespace ketenbeeld::policy {
namespace {

using ketenbeeld::v1::AuditEntry;

absl::Status Unavailable(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat("audit trail ", path, ": ", what, ": ", std::strerror(errno)));
}

// Reads every whole entry of `path` into `entries` (keeping the newest kMaxEntriesInMemory) and returns the length
// of the whole entries. A torn last entry (the process died mid-write) ends the read; Open cuts it off.
absl::StatusOr<int64_t> Load(const std::string& path, std::deque<AuditEntry>& entries) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    return Unavailable("open", path);
  }
  google::protobuf::io::FileInputStream input(fd);
  input.SetCloseOnDelete(true);
  int64_t whole_bytes = 0;
  for (int read = 0;; ++read) {
    AuditEntry entry;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&entry, &input, &clean_eof)) {
      if (clean_eof) break;
      if (read == 0) return absl::DataLossError(absl::StrCat("audit trail ", path, ": not an audit trail"));
      observability::LogWarning("audit_torn_entry", {{"path", path}, {"kept_bytes", whole_bytes}});
      break;
    }
    whole_bytes = input.ByteCount();
    entries.push_back(std::move(entry));
    if (entries.size() > AuditLog::kMaxEntriesInMemory) entries.pop_front();
  }
  return whole_bytes;
}

// Copies `from` to `to` (which must not exist) and syncs it. A missing `from` is nothing to copy.
absl::Status CopySynced(const std::string& from, const std::string& to) {
  std::error_code error;
  if (!std::filesystem::exists(from, error)) return absl::OkStatus();
  if (!std::filesystem::copy_file(from, to, error)) {
    return absl::UnavailableError(absl::StrCat("audit trail ", from, ": copy to ", to, ": ", error.message()));
  }
  const int fd = ::open(to.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable("open the copy", to);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return Unavailable("sync the copy", to);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  std::deque<AuditEntry> entries;
  if (absl::StatusOr<int64_t> loaded = Load(path + ".1", entries); !loaded.ok()) return loaded.status();
  absl::StatusOr<int64_t> whole_bytes = Load(path, entries);
  if (!whole_bytes.ok()) return whole_bytes.status();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("open", path);
  // Cut off a torn last entry, so the next one starts where the whole ones end.
  if (::ftruncate(fd, *whole_bytes) != 0) {
    ::close(fd);
    return Unavailable("truncate", path);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return Unavailable("stat", path);
  }
  return std::unique_ptr<AuditLog>(new AuditLog(path, fd, info.st_size, std::move(entries)));
}

AuditLog::AuditLog(std::string path, int fd, int64_t file_bytes, std::deque<AuditEntry> entries)
    : path_(std::move(path)),
      fd_(fd),
      file_bytes_(file_bytes),
      entries_(std::move(entries)),
      next_sequence_(entries_.empty() ? 1 : entries_.back().sequence() + 1) {}

AuditLog::~AuditLog() {
  absl::MutexLock lock(&mu_);
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::Record(const security::Identity& reader, absl::string_view method,
                      std::vector<std::string> organization_ids, int64_t revision, absl::Time now) {
  AuditEntry entry;
  *entry.mutable_time() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  *entry.mutable_actor() = reader.ToActor();
  entry.set_method(std::string(method));
  std::sort(organization_ids.begin(), organization_ids.end());
  organization_ids.erase(std::unique(organization_ids.begin(), organization_ids.end()), organization_ids.end());
  entry.set_organization_count(static_cast<int32_t>(organization_ids.size()));
  entry.set_all_organizations(organization_ids.empty());
  for (size_t i = 0; i < organization_ids.size() && i < kMaxOrganizationsPerEntry; ++i) {
    entry.add_organization_ids(std::move(organization_ids[i]));
  }
  entry.set_revision(revision);
  absl::MutexLock lock(&mu_);
  entry.set_sequence(next_sequence_++);
  Append(entry);
  entries_.push_back(std::move(entry));
  if (entries_.size() > kMaxEntriesInMemory) entries_.pop_front();
}

void AuditLog::Append(const AuditEntry& entry) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::util::SerializeDelimitedToZeroCopyStream(entry, &output);
  }
  if (file_bytes_ + static_cast<int64_t>(bytes.size()) > kMaxFileBytes) {
    // Rotate: the current file becomes ".1" (replacing the older one) and a new file starts.
    const std::string previous = path_ + ".1";
    const int fresh = ::rename(path_.c_str(), previous.c_str()) == 0
                          ? ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)
                          : -1;
    if (fresh >= 0) {
      ::close(fd_);
      fd_ = fresh;
      file_bytes_ = 0;
    } else {
      observability::LogError("audit_rotate_failed", {{"path", path_}, {"error", std::strerror(errno)}});
    }
  }
  // One write(2) per entry: O_APPEND keeps entries whole and in order.
  const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
  if (written != static_cast<ssize_t>(bytes.size())) {
    observability::LogError("audit_write_failed",
                            {{"path", path_}, {"sequence", entry.sequence()}, {"error", std::strerror(errno)}});
    return;
  }
  file_bytes_ += written;
}

absl::Status AuditLog::CopyTo(const std::string& dir) const {
  const std::string name = std::filesystem::path(path_).filename().string();
  absl::MutexLock lock(&mu_);  // No entry is appended and the file is not rotated while it is copied.
  if (absl::Status copied = CopySynced(path_ + ".1", absl::StrCat(dir, "/", name, ".1")); !copied.ok()) return copied;
  return CopySynced(path_, absl::StrCat(dir, "/", name));
}

absl::Status AuditLog::List(const ketenbeeld::v1::ListAuditEntriesRequest& request,
                            ketenbeeld::v1::ListAuditEntriesResponse& response) const {
  if (request.limit() < 0 || request.limit() > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("limit: must be 0..1000, got ", request.limit()));
  }
  if (request.before_sequence() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("before_sequence: must not be negative, got ", request.before_sequence()));
  }
  const int limit = request.limit() == 0 ? 100 : request.limit();
  absl::MutexLock lock(&mu_);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (request.before_sequence() != 0 && it->sequence() >= request.before_sequence()) continue;
    if (!request.organization_id().empty() && !it->all_organizations() &&
        std::find(it->organization_ids().begin(), it->organization_ids().end(), request.organization_id()) ==
            it->organization_ids().end()) {
      continue;
    }
    if (response.entries_size() == limit) {
      response.set_next_before_sequence(response.entries(limit - 1).sequence());
      break;
    }
    *response.add_entries() = *it;
  }
  return absl::OkStatus();
}

}  // namespace ketenbeeld::policy
