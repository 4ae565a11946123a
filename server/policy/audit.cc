#include "server/policy/audit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/time_util.h"
#include "server/observability/log.h"

namespace ketenbeeld::policy {
namespace {

using ketenbeeld::v1::AuditEntry;

absl::Status TrailUnavailable(absl::string_view what, const std::string& path, int error = errno) {
  return absl::UnavailableError(absl::StrCat("audit trail ", path, ": ", what, ": ", std::strerror(error)));
}

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Calls `visit(entry, offset, end)` for every whole entry of the open file `fd` from byte `start` (an entry's
// beginning) up to byte `end` (-1: the end of the file), with the entry's own byte range, until it returns false.
// Returns the offset where the whole entries read end. DATA_LOSS naming `path` when the first entry is not an audit
// entry; a torn or unreadable entry after whole ones ends the read (the process died mid-write).
absl::StatusOr<int64_t> Scan(int fd, int64_t start, int64_t end, const std::string& path,
                             const std::function<bool(AuditEntry&, int64_t, int64_t)>& visit) {
  if (::lseek(fd, start, SEEK_SET) != start) return TrailUnavailable("seek", path);
  google::protobuf::io::FileInputStream file(fd);
  std::optional<google::protobuf::io::LimitingInputStream> limited;
  google::protobuf::io::ZeroCopyInputStream* input = &file;
  if (end >= 0) input = &limited.emplace(&file, end - start);
  int64_t whole_bytes = start;
  for (int read = 0;; ++read) {
    AuditEntry entry;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&entry, input, &clean_eof)) {
      if (clean_eof) break;
      if (file.GetErrno() != 0) return TrailUnavailable("read", path, file.GetErrno());
      if (read == 0 && start == 0) {
        return absl::DataLossError(absl::StrCat("audit trail ", path, ": not an audit trail"));
      }
      observability::LogWarning("audit_torn_entry", {{"path", path}, {"kept_bytes", whole_bytes}});
      break;
    }
    const int64_t offset = whole_bytes;
    whole_bytes = start + input->ByteCount();
    if (!visit(entry, offset, whole_bytes)) break;
  }
  return whole_bytes;
}

absl::StatusOr<Fd> OpenForReading(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return TrailUnavailable("open", path);
  return fd;
}

// The sequence of the first entry of `path` (0: empty) and, when `last` is given, of its last one.
absl::Status Sequences(const std::string& path, int64_t& first, int64_t* last) {
  absl::StatusOr<Fd> fd = OpenForReading(path);
  if (!fd.ok()) return fd.status();
  first = 0;
  absl::StatusOr<int64_t> read = Scan(fd->get(), 0, -1, path, [&](AuditEntry& entry, int64_t, int64_t) {
    if (first == 0) first = entry.sequence();
    if (last != nullptr) *last = entry.sequence();
    return last != nullptr;
  });
  return read.status();
}

// Copies the first `length` bytes (-1: all) of the open file `from` to the new file `to`, mode 0600, and syncs it.
absl::Status CopySynced(int from, int64_t length, const std::string& to) {
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) return TrailUnavailable("create the copy", to);
  std::string buffer(1 << 20, '\0');
  int64_t offset = 0;
  while (length < 0 || offset < length) {
    const size_t want = length < 0 ? buffer.size() : std::min<int64_t>(buffer.size(), length - offset);
    const ssize_t got = ::pread(from, buffer.data(), want, offset);
    if (got < 0) return TrailUnavailable("read for the copy", to);
    if (got == 0) break;
    for (ssize_t done = 0; done < got;) {
      const ssize_t put = ::write(out.get(), buffer.data() + done, got - done);
      if (put < 0) return TrailUnavailable("write the copy", to);
      done += put;
    }
    offset += got;
  }
  if (::fsync(out.get()) != 0) return TrailUnavailable("sync the copy", to);
  return absl::OkStatus();
}

}  // namespace

struct AuditLog::Snapshot {
  struct Open {
    std::string path;
    Fd fd;
    std::shared_ptr<FileIndex> index;
    // Bytes of whole entries: of the file appended to as it was at the snapshot, else the whole file.
    int64_t length = 0;
  };
  // Newest first; current_bytes applies to files[0] when it is the current file.
  std::vector<Open> files;
  bool first_is_current = false;
  int64_t current_bytes = 0;
  // The sequence the next entry will get.
  int64_t next_sequence = 1;
};

void AuditLog::FileIndex::Add(int64_t offset, int64_t end, int64_t sequence, int64_t interval) {
  if (offset != indexed_bytes) return;
  if (points.empty() || offset - points.back().offset >= interval) {
    points.push_back(Point{.offset = offset, .sequence = sequence});
  }
  indexed_bytes = end;
  last_sequence = sequence;
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path, AuditOptions options) {
  if (options.max_file_bytes < 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("audit.max_file_bytes: must be at least 4096, got ", options.max_file_bytes));
  }
  if (options.max_files < 1 || options.max_files > 10000) {
    return absl::InvalidArgumentError(absl::StrCat("audit.max_files: must be 1..10000, got ", options.max_files));
  }
  if (options.list_scan_bytes < 1 || options.index_interval_bytes < 1) {
    return absl::InvalidArgumentError("audit: list_scan_bytes and index_interval_bytes must be positive");
  }
  // The current file: cut off a torn last entry, so the next one starts where the whole ones end.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return TrailUnavailable("open", path);
  std::vector<File> files{File{.path = path, .number = 0, .index = std::make_shared<FileIndex>()}};
  int64_t last_sequence = 0;
  absl::StatusOr<int64_t> whole_bytes = Scan(fd, 0, -1, path, [&](AuditEntry& entry, int64_t offset, int64_t end) {
    if (files[0].first_sequence == 0) files[0].first_sequence = entry.sequence();
    last_sequence = entry.sequence();
    absl::MutexLock lock(&files[0].index->mu);
    files[0].index->Add(offset, end, entry.sequence(), options.index_interval_bytes);
    return true;
  });
  if (!whole_bytes.ok() || ::ftruncate(fd, *whole_bytes) != 0) {
    const absl::Status error = whole_bytes.ok() ? TrailUnavailable("truncate", path) : whole_bytes.status();
    ::close(fd);
    return error;
  }
  // The rotated files, newest first (a failed rotation may have left a gap in the numbers).
  for (int number = 1; number <= options.max_files; ++number) {
    const std::string numbered = absl::StrCat(path, ".", number);
    std::error_code error;
    if (!std::filesystem::exists(numbered, error)) continue;
    // Indexed when a listing first needs it (reading every retained file here would delay start-up).
    File file{.path = numbered, .number = number, .index = std::make_shared<FileIndex>()};
    // The sequence to continue from is in the newest file that has entries.
    absl::Status read = Sequences(numbered, file.first_sequence, last_sequence == 0 ? &last_sequence : nullptr);
    if (!read.ok()) {
      ::close(fd);
      return read;
    }
    files.push_back(std::move(file));
  }
  return std::unique_ptr<AuditLog>(
      new AuditLog(path, std::move(options), fd, *whole_bytes, std::move(files), last_sequence + 1));
}

AuditLog::AuditLog(std::string path, AuditOptions options, int fd, int64_t file_bytes, std::vector<File> files,
                   int64_t next_sequence)
    : path_(std::move(path)),
      options_(std::move(options)),
      fd_(fd),
      file_bytes_(file_bytes),
      files_(std::move(files)),
      next_sequence_(next_sequence) {}

AuditLog::~AuditLog() {
  absl::MutexLock lock(&mu_);
  if (fd_ >= 0) ::close(fd_);
}

std::string AuditLog::NumberedPath(int number) const { return absl::StrCat(path_, ".", number); }

std::vector<std::string> AuditLog::Files() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> paths;
  for (const File& file : files_) paths.push_back(file.path);
  return paths;
}

absl::Status AuditLog::Record(const security::Identity& reader, absl::string_view method,
                              std::vector<std::string> organization_ids, int64_t revision, absl::Time now) {
  AuditEntry entry;
  *entry.mutable_time() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  *entry.mutable_actor() = reader.ToActor();
  entry.set_method(std::string(method));
  std::sort(organization_ids.begin(), organization_ids.end());
  organization_ids.erase(std::unique(organization_ids.begin(), organization_ids.end()), organization_ids.end());
  entry.set_organization_count(static_cast<int32_t>(organization_ids.size()));
  entry.set_all_organizations(organization_ids.empty());
  // Every id: ListAuditEntries by organisation must find every read of that organisation's figures. The size of an
  // entry is bounded by the read it records (a page of List or History).
  for (std::string& id : organization_ids) entry.add_organization_ids(std::move(id));
  entry.set_revision(revision);
  absl::MutexLock lock(&mu_);
  entry.set_sequence(next_sequence_);
  if (absl::Status appended = Append(entry); !appended.ok()) {
    observability::LogError("audit_write_failed", {{"path", path_},
                                                   {"sequence", entry.sequence()},
                                                   {"method", entry.method()},
                                                   {"reader", reader.organization_id},
                                                   {"error", appended.ToString()}});
    return absl::UnavailableError(absl::StrCat(
        "the audit trail could not record this read, so it is not answered (nothing was disclosed; retry later): ",
        appended.message()));
  }
  ++next_sequence_;
  return absl::OkStatus();
}

absl::Status AuditLog::Append(const AuditEntry& entry) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::util::SerializeDelimitedToZeroCopyStream(entry, &output);
  }
  // A failed write may have left part of an entry behind: cut it off before anything follows it.
  if (cut_back_) {
    if (::ftruncate(fd_, file_bytes_) != 0) return TrailUnavailable("cut off a partly written entry", path_);
    cut_back_ = false;
  }
  if (file_bytes_ > 0 && file_bytes_ + static_cast<int64_t>(bytes.size()) > options_.max_file_bytes) {
    // A failed rotation loses nothing: the entry goes into the current file, which grows past its size until a
    // later rotation succeeds.
    if (absl::Status rotated = Rotate(); !rotated.ok()) {
      observability::LogError("audit_rotate_failed", {{"path", path_}, {"error", rotated.ToString()}});
    }
  }
  if (options_.fault_injector != nullptr) {
    const storage::Fault fault = options_.fault_injector->Check(storage::FileOperation::kAppend, path_);
    if (fault != storage::Fault::kNone) {
      return TrailUnavailable("write", path_, fault == storage::Fault::kNoSpace ? ENOSPC : EIO);
    }
  }
  // One write(2) per entry: O_APPEND keeps entries whole and in order.
  const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
  if (written != static_cast<ssize_t>(bytes.size())) {
    const int error = written < 0 ? errno : ENOSPC;  // A short write: the disk filled up.
    if (written > 0) cut_back_ = ::ftruncate(fd_, file_bytes_) != 0;
    return TrailUnavailable("write", path_, error);
  }
  if (file_bytes_ == 0) files_[0].first_sequence = entry.sequence();
  {
    absl::MutexLock lock(&files_[0].index->mu);
    files_[0].index->Add(file_bytes_, file_bytes_ + written, entry.sequence(), options_.index_interval_bytes);
  }
  file_bytes_ += written;
  return absl::OkStatus();
}

absl::Status AuditLog::RenameFile(const std::string& from, const std::string& to) const {
  if (options_.fault_injector != nullptr) {
    const storage::Fault fault = options_.fault_injector->Check(storage::FileOperation::kRename, from);
    if (fault != storage::Fault::kNone) {
      return TrailUnavailable(absl::StrCat("rename to ", to), from, fault == storage::Fault::kNoSpace ? ENOSPC : EIO);
    }
  }
  if (::rename(from.c_str(), to.c_str()) != 0) return TrailUnavailable(absl::StrCat("rename to ", to), from);
  return absl::OkStatus();
}

absl::Status AuditLog::Rotate() {
  // The full file goes to disk before it is renamed; its entries were written without a sync.
  if (::fsync(fd_) != 0) return TrailUnavailable("sync before rotating", path_);
  // The new file is made first, so that a failure leaves the trail as it was.
  const std::string fresh_path = absl::StrCat(path_, ".new");
  Fd fresh(::open(fresh_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600));
  if (fresh.get() < 0) return TrailUnavailable("create", fresh_path);
  auto give_up = [&](absl::Status error) {
    ::unlink(fresh_path.c_str());
    return error;
  };
  // files_[0] (the file appended to) goes to ".1": it is the current file, or already ".1" when an earlier rotation
  // failed at its last step. Room is made by moving up only the run of files numbered 1, 2, ... up to the first gap,
  // oldest first. A rotation that fails half-way leaves such a gap (the files moved so far keep their new numbers;
  // files_ follows every rename as it succeeds), and its retry, at the next entry, fills the gap instead of moving
  // every file up once more: failed attempts never push a file past max_files before its time, and no file is ever
  // renamed onto another.
  if (files_[0].number != 1) {
    size_t run = 0;  // files_[1..run] are numbered 1..run.
    while (run + 1 < files_.size() && files_[run + 1].number == static_cast<int>(run) + 1) ++run;
    for (size_t i = run; i >= 1; --i) {
      File& file = files_[i];
      if (file.number + 1 > options_.max_files) {  // The oldest retained file, only when every number is taken.
        if (::unlink(file.path.c_str()) != 0 && errno != ENOENT) return give_up(TrailUnavailable("remove", file.path));
        // Said in the log with the entries it held, so that the loss is never silent.
        observability::LogWarning("audit_file_removed", {{"path", file.path},
                                                         {"first_sequence", file.first_sequence},
                                                         {"last_sequence", files_[i - 1].first_sequence - 1},
                                                         {"max_files", options_.max_files}});
        files_.erase(files_.begin() + static_cast<ptrdiff_t>(i));
        continue;
      }
      const std::string next = NumberedPath(file.number + 1);
      if (absl::Status renamed = RenameFile(file.path, next); !renamed.ok()) return give_up(renamed);
      file.path = next;
      ++file.number;
    }
    const std::string first = NumberedPath(1);
    if (absl::Status renamed = RenameFile(files_[0].path, first); !renamed.ok()) return give_up(renamed);
    files_[0].path = first;
    files_[0].number = 1;
  }
  if (absl::Status renamed = RenameFile(fresh_path, path_); !renamed.ok()) {
    // Entries keep going to the file now called ".1" (fd_ still names it, files_[0] says so): nothing is lost, and
    // the next rotation only has to put a new current file in place.
    return give_up(renamed);
  }
  ::close(fd_);
  fd_ = fresh.release();
  file_bytes_ = 0;
  files_.insert(files_.begin(), File{.path = path_, .number = 0, .index = std::make_shared<FileIndex>()});
  observability::LogInfo("audit_rotated", {{"path", path_}, {"files", static_cast<int64_t>(files_.size())}});
  return absl::OkStatus();
}

absl::StatusOr<AuditLog::Snapshot> AuditLog::TakeSnapshot(int64_t before_sequence) const {
  Snapshot snapshot;
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < files_.size(); ++i) {
    const File& file = files_[i];
    if (i > 0 && file.first_sequence == 0) continue;  // An empty rotated file.
    // Files whose first entry is not before `before_sequence` hold nothing of interest (older files are older).
    if (before_sequence != 0 && file.first_sequence >= before_sequence) continue;
    absl::StatusOr<Fd> fd = OpenForReading(file.path);
    if (!fd.ok()) return fd.status();
    int64_t length = file_bytes_;
    if (i == 0) {
      snapshot.first_is_current = true;
      snapshot.current_bytes = file_bytes_;
    } else {
      struct stat info {};
      if (::fstat(fd->get(), &info) != 0) return TrailUnavailable("stat", file.path);
      length = info.st_size;
    }
    snapshot.files.push_back(
        Snapshot::Open{.path = file.path, .fd = *std::move(fd), .index = file.index, .length = length});
  }
  snapshot.next_sequence = next_sequence_;
  return snapshot;
}

absl::Status AuditLog::CopyTo(const std::string& dir) const {
  absl::StatusOr<Snapshot> snapshot = TakeSnapshot(0);
  if (!snapshot.ok()) return snapshot.status();
  // Names as in the data directory; rotated files are never written again, the current one only appended to.
  for (size_t i = 0; i < snapshot->files.size(); ++i) {
    const Snapshot::Open& file = snapshot->files[i];
    const std::string name = std::filesystem::path(file.path).filename().string();
    const int64_t length = i == 0 && snapshot->first_is_current ? snapshot->current_bytes : -1;
    if (absl::Status copied = CopySynced(file.fd.get(), length, absl::StrCat(dir, "/", name)); !copied.ok()) {
      return copied;
    }
  }
  return absl::OkStatus();
}

absl::Status AuditLog::List(const ketenbeeld::v1::ListAuditEntriesRequest& request,
                            ketenbeeld::v1::ListAuditEntriesResponse& response, int64_t* scanned_bytes) const {
  if (request.limit() < 0 || request.limit() > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("limit: must be 0..1000, got ", request.limit()));
  }
  if (request.before_sequence() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("before_sequence: must not be negative, got ", request.before_sequence()));
  }
  const size_t limit = request.limit() == 0 ? 100 : request.limit();
  absl::StatusOr<Snapshot> snapshot = TakeSnapshot(request.before_sequence());
  if (!snapshot.ok()) return snapshot.status();
  auto matches = [&](const AuditEntry& entry) {
    return request.organization_id().empty() || entry.all_organizations() ||
           std::binary_search(entry.organization_ids().begin(), entry.organization_ids().end(),
                              request.organization_id());
  };
  // Every entry from `below` up has been looked at; the page goes on below it. One more than the page is collected,
  // to know whether there is a next page. `scanned`: bytes read, at most options_.list_scan_bytes but always at
  // least one step, so that following the continuation always gets further.
  int64_t below = request.before_sequence() != 0 ? request.before_sequence() : snapshot->next_sequence;
  int64_t scanned = 0;
  std::vector<AuditEntry> newest_first;
  auto over_budget = [&](int64_t more) { return scanned > 0 && scanned + more > options_.list_scan_bytes; };
  bool stopped = false;
  for (size_t i = 0; i < snapshot->files.size() && newest_first.size() <= limit && !stopped; ++i) {
    const Snapshot::Open& file = snapshot->files[i];
    // 1. The file's index must reach the entries below `below`: a retained file from before the server started is
    //    indexed by the listings that need it, a bounded stretch per call.
    std::vector<FileIndex::Point> points;
    {
      absl::MutexLock lock(&file.index->mu);
      if (file.index->indexed_bytes < file.length && file.index->last_sequence < below - 1) {
        bool ended_early = false;
        absl::StatusOr<int64_t> read =
            Scan(file.fd.get(), file.index->indexed_bytes, file.length, file.path,
                 [&](AuditEntry& entry, int64_t offset, int64_t end) {
                   file.index->mu.AssertHeld();
                   file.index->Add(offset, end, entry.sequence(), options_.index_interval_bytes);
                   scanned += end - offset;
                   ended_early = entry.sequence() >= below - 1 || scanned >= options_.list_scan_bytes;
                   return !ended_early;
                 });
        if (!read.ok()) return read.status();
        // Read to the end: what did not parse after the last whole entry is a torn tail (the process died mid-write
        // before a restart), with nothing to index.
        if (!ended_early) file.index->indexed_bytes = file.length;
        if (file.index->indexed_bytes < file.length && file.index->last_sequence < below - 1) {
          stopped = true;  // Out of budget before the index got there: the next call goes on from here.
          break;
        }
      }
      points = file.index->points;
    }
    // 2. Newest stretch first, each read from an indexed entry: only the stretches holding entries below `below`.
    for (size_t k = points.size(); k-- > 0 && newest_first.size() <= limit;) {
      if (points[k].sequence >= below) continue;
      const int64_t end = k + 1 < points.size() ? std::min(points[k + 1].offset, file.length) : file.length;
      if (over_budget(end - points[k].offset)) {
        stopped = true;
        break;
      }
      std::vector<AuditEntry> stretch;  // Oldest first.
      absl::StatusOr<int64_t> read =
          Scan(file.fd.get(), points[k].offset, end, file.path, [&](AuditEntry& entry, int64_t offset, int64_t to) {
            scanned += to - offset;
            if (entry.sequence() >= below) return false;
            if (matches(entry)) stretch.push_back(std::move(entry));
            return true;
          });
      if (!read.ok()) return read.status();
      for (auto it = stretch.rbegin(); it != stretch.rend() && newest_first.size() <= limit; ++it) {
        newest_first.push_back(std::move(*it));
      }
      below = points[k].sequence;
    }
  }
  if (scanned_bytes != nullptr) *scanned_bytes = scanned;
  for (AuditEntry& entry : newest_first) {
    if (static_cast<size_t>(response.entries_size()) == limit) {
      response.set_next_before_sequence(response.entries(limit - 1).sequence());
      return absl::OkStatus();
    }
    *response.add_entries() = std::move(entry);
  }
  // Out of budget: the page ends early (possibly empty) and goes on below what was looked at.
  if (stopped && below > 1) response.set_next_before_sequence(below);
  return absl::OkStatus();
}

}  // namespace ketenbeeld::policy
