// The audit trail of reads of detailed capacity by anyone but the owning organisation (the GHOR, dispatch).
// Writes need no separate trail: every event in the log carries its actor.
//
// Entries are appended to a file in the data directory (length-delimited ketenbeeld.v1.AuditEntry messages, written
// with one write(2) each, so a crash of the server process loses none; the OS writes them back to disk), and the
// newest kMaxEntriesInMemory are kept in memory for ListAuditEntries. The file is rotated at kMaxFileBytes (one
// previous file, ".1", is kept), so the trail cannot fill the disk.
//
// Thread safety: all methods are thread safe.
#ifndef KETENBEELD_SERVER_POLICY_AUDIT_H_
#define KETENBEELD_SERVER_POLICY_AUDIT_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/admin_service.pb.h"
#include "server/security/identity.h"

namespace ketenbeeld::policy {

class AuditLog {
 public:
  static constexpr size_t kMaxEntriesInMemory = 100'000;
  static constexpr int64_t kMaxFileBytes = int64_t{64} << 20;
  static constexpr int kMaxOrganizationsPerEntry = 100;

  // Opens (creating) the trail at `path` and loads its newest entries. UNAVAILABLE when the file cannot be opened,
  // DATA_LOSS naming the file when it holds something else than audit entries (a torn last entry is ignored).
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Records that `reader` was given the detailed figures of `organization_ids` by `method` at `revision`; empty:
  // of every organisation (a live feed without an organisation filter; AuditEntry.all_organizations). Never
  // fails the read it records: a write error is logged and the entry kept in memory.
  void Record(const security::Identity& reader, absl::string_view method, std::vector<std::string> organization_ids,
              int64_t revision, absl::Time now = absl::Now());

  // Copies the trail (and its previous file, when there is one) into `dir` under the same file names, synced, so
  // that `dir` used as a data directory has the trail as it was (taken with Store::Backup). Entries recorded while
  // it copies wait. UNAVAILABLE naming the file on an I/O error.
  absl::Status CopyTo(const std::string& dir) const;

  // Newest first. INVALID_ARGUMENT naming `limit` when it is out of range.
  absl::Status List(const ketenbeeld::v1::ListAuditEntriesRequest& request,
                    ketenbeeld::v1::ListAuditEntriesResponse& response) const;

 private:
  AuditLog(std::string path, int fd, int64_t file_bytes, std::deque<ketenbeeld::v1::AuditEntry> entries);
  void Append(const ketenbeeld::v1::AuditEntry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_);
  int64_t file_bytes_ ABSL_GUARDED_BY(mu_);
  std::deque<ketenbeeld::v1::AuditEntry> entries_ ABSL_GUARDED_BY(mu_);
  int64_t next_sequence_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ketenbeeld::policy

#endif  // KETENBEELD_SERVER_POLICY_AUDIT_H_
