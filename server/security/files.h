// Small file helpers of the security module: reading a whole (small) file with a message that names it, and noticing
// that a file changed on disk so that the CRL and the tokens file can be re-read without a restart.
#ifndef KETENBEELD_SERVER_SECURITY_FILES_H_
#define KETENBEELD_SERVER_SECURITY_FILES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ketenbeeld::security {

// The contents of `path`. INVALID_ARGUMENT "PATH: cannot read the WHAT: <reason>" when it cannot be opened or read
// (missing, permission, a directory) or is larger than 64 MiB (no credential file is).
absl::StatusOr<std::string> ReadWholeFile(const std::string& path, absl::string_view what);

// What identifies one version of a file on disk: replacing it (rename) changes the inode, rewriting it in place
// changes the modification time (nanoseconds) or the size.
struct FileStamp {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size = -1;
  int64_t modified_seconds = 0;
  int64_t modified_nanoseconds = 0;

  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

// The stamp of `path`, or an error naming it when it cannot be stat'ed: NOT_FOUND when it does not exist,
// INVALID_ARGUMENT otherwise.
absl::StatusOr<FileStamp> StampOf(const std::string& path);

}  // namespace ketenbeeld::security

#endif  // KETENBEELD_SERVER_SECURITY_FILES_H_
