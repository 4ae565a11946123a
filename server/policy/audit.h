// The audit trail of reads of detailed capacity by anyone but the owning organisation (the GHOR, dispatch).
// Writes need no separate trail: every event in the log carries its actor.
//
// Entries are appended to a file in the data directory (length-delimited ketenbeeld.v1.AuditEntry messages, written
// with one write(2) each, so a crash of the server process loses none; the OS writes them back to disk). When the
// file would grow past AuditOptions::max_file_bytes it is rotated into numbered files: the current file becomes
// "<path>.1", "<path>.1" becomes "<path>.2", and so on; AuditOptions::max_files of them are kept, the oldest beyond
// that is deleted (logged as audit_file_removed with the sequences it held, never silently). The disk the trail can
// take is therefore bounded by (max_files + 1) * max_file_bytes; the defaults keep 32 files of 64 MiB (about 2 GiB).
//
// Entries are never only in memory: ListAuditEntries reads the retained files, and a backup copies every one of them.
// An entry that cannot be written is not half-kept: Record answers UNAVAILABLE, the sequence number is not used, and
// the caller must not hand out what it was recording (docs/security.md, "Audit").
//
// Thread safety: all methods are thread safe. List and CopyTo read the files without holding up Record.
#ifndef KETENBEELD_SERVER_POLICY_AUDIT_H_
#define KETENBEELD_SERVER_POLICY_AUDIT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/admin_service.pb.h"
#include "server/security/identity.h"
#include "storage/fault_injector.h"

namespace ketenbeeld::policy {

struct AuditOptions {
  static constexpr int64_t kDefaultMaxFileBytes = int64_t{64} << 20;
  static constexpr int kDefaultMaxFiles = 32;

  // A file is rotated before an entry would take it past this size (an entry larger than this gets a file of its
  // own). At least 4096.
  int64_t max_file_bytes = kDefaultMaxFileBytes;
  // How many rotated files are kept besides the current one; at least 1.
  int max_files = kDefaultMaxFiles;
  // What one List call reads of the files at most (always at least one stretch between two index points, so that
  // following its continuation gets further): a filter that matches rarely would otherwise read every retained file
  // (about 2 GiB with the defaults) in one call. The page then ends early, possibly empty, with its continuation.
  int64_t list_scan_bytes = int64_t{4} << 20;
  // How far apart the index points are that List starts reading from (kept in memory, about 16 bytes per point:
  // about 0.5 MiB for a full trail with the defaults). Tests make it small.
  int64_t index_interval_bytes = int64_t{64} << 10;
  // Tests only: asked before every append (storage::FileOperation::kAppend) and every rename of a rotation (kRename,
  // with the file's path before the rename), so a test can make the trail's disk fail. Null in production.
  std::shared_ptr<storage::FaultInjector> fault_injector;
};

class AuditLog {
 public:
  // Opens (creating, mode 0600) the trail at `path` and finds the retained files "<path>.1".."<path>.<max_files>".
  // INVALID_ARGUMENT for options out of range, UNAVAILABLE when a file cannot be opened, DATA_LOSS naming the file
  // when it holds something else than audit entries (a torn last entry of the current file is cut off).
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path, AuditOptions options = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Records that `reader` was given the detailed figures of `organization_ids` by `method` at `revision`; empty:
  // of every organisation (a live feed without an organisation filter; AuditEntry.all_organizations). Every id is
  // kept (sorted, without duplicates). OK once the entry is in the file; UNAVAILABLE when it could not be written
  // (disk full, I/O error): nothing of it is kept and the caller must fail the read it records.
  absl::Status Record(const security::Identity& reader, absl::string_view method,
                      std::vector<std::string> organization_ids, int64_t revision, absl::Time now = absl::Now());

  // Copies every retained file of the trail into `dir` (which must exist) under the same file names, mode 0600,
  // synced, so that `dir` used as a data directory has the trail as it was when the copy started (taken with
  // Store::Backup). Entries recorded meanwhile are not held up and not copied. UNAVAILABLE naming the file on an I/O
  // error.
  absl::Status CopyTo(const std::string& dir) const;

  // Newest first, across every retained file, reading at most about AuditOptions::list_scan_bytes: a page that
  // reached that bound before it was full ends early (possibly empty) with next_before_sequence set, and following
  // it goes on where this call stopped. INVALID_ARGUMENT naming `limit` or `before_sequence` when out of range;
  // UNAVAILABLE / DATA_LOSS when a file cannot be read.
  // `scanned_bytes`, when given, is set to the bytes this call read of the files (for tests).
  absl::Status List(const ketenbeeld::v1::ListAuditEntriesRequest& request,
                    ketenbeeld::v1::ListAuditEntriesResponse& response, int64_t* scanned_bytes = nullptr) const;

  // The files of the trail, current first ("<path>", "<path>.1", ...): what a backup must carry.
  std::vector<std::string> Files() const;

 private:
  // A file of the trail: its path, its number (0: the current file, k: "<path>.k") and the sequence of its first
  // entry (0: empty).
  // Where entries begin in one file, about every index_interval_bytes: List reads the stretch of a file that holds
  // the entries it wants instead of reading the file from its start. Built as entries are appended (the current
  // file) or, for a file retained from before the server started, by the listings that need it.
  struct FileIndex {
    struct Point {
      int64_t offset = 0;
      int64_t sequence = 0;
    };
    // An entry at `offset`..`end` with `sequence` was appended (or read) after the ones indexed so far; ignored
    // when it is indexed already.
    void Add(int64_t offset, int64_t end, int64_t sequence, int64_t interval) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

    absl::Mutex mu;
    std::vector<Point> points ABSL_GUARDED_BY(mu);  // The first is the file's first entry.
    int64_t indexed_bytes ABSL_GUARDED_BY(mu) = 0;  // The entries that begin below this are indexed.
    int64_t last_sequence ABSL_GUARDED_BY(mu) = 0;  // Of the last entry indexed.
  };
  struct File {
    std::string path;
    int number = 0;
    int64_t first_sequence = 0;
    std::shared_ptr<FileIndex> index;  // Moves with the file when it is renamed.
  };
  // A read-only view of the trail at one moment: open descriptors of its files (newest first) and how many bytes of
  // the current one hold whole entries.
  struct Snapshot;

  AuditLog(std::string path, AuditOptions options, int fd, int64_t file_bytes, std::vector<File> files,
           int64_t next_sequence);
  absl::Status Append(const ketenbeeld::v1::AuditEntry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Rotate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // rename(2), asking the fault injector first (tests).
  absl::Status RenameFile(const std::string& from, const std::string& to) const;
  std::string NumberedPath(int number) const;
  absl::StatusOr<Snapshot> TakeSnapshot(int64_t before_sequence) const;

  const std::string path_;
  const AuditOptions options_;
  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_);
  // Bytes of whole entries in the current file; a failed write's partial bytes are cut back to this.
  int64_t file_bytes_ ABSL_GUARDED_BY(mu_);
  bool cut_back_ ABSL_GUARDED_BY(mu_) = false;
  // Newest first: files_[0] is the file fd_ appends to (normally the current file), then the rotated ones.
  std::vector<File> files_ ABSL_GUARDED_BY(mu_);
  int64_t next_sequence_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ketenbeeld::policy

#endif  // KETENBEELD_SERVER_POLICY_AUDIT_H_
