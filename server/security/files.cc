#include "server/security/files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace ketenbeeld::security {
namespace {

constexpr size_t kMaxFileBytes = 64 << 20;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

absl::Status CannotRead(const std::string& path, absl::string_view what, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read the ", what, ": ", reason));
}

}  // namespace

absl::StatusOr<std::string> ReadWholeFile(const std::string& path, absl::string_view what) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) return CannotRead(path, what, std::strerror(errno));
  std::string contents;
  char buffer[16384];
  while (true) {
    const size_t read = std::fread(buffer, 1, sizeof(buffer), file.get());
    contents.append(buffer, read);
    if (contents.size() > kMaxFileBytes) return CannotRead(path, what, "larger than 64 MiB");
    if (read < sizeof(buffer)) break;
  }
  // A directory opens fine on Linux and fails only on the first read (EISDIR).
  if (std::ferror(file.get()) != 0) return CannotRead(path, what, std::strerror(errno));
  return contents;
}

absl::StatusOr<FileStamp> StampOf(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    const int error = errno;
    const std::string message = absl::StrCat(path, ": ", std::strerror(error));
    return error == ENOENT ? absl::NotFoundError(message) : absl::InvalidArgumentError(message);
  }
  return FileStamp{.device = static_cast<uint64_t>(info.st_dev),
                   .inode = static_cast<uint64_t>(info.st_ino),
                   .size = static_cast<int64_t>(info.st_size),
                   .modified_seconds = static_cast<int64_t>(info.st_mtim.tv_sec),
                   .modified_nanoseconds = static_cast<int64_t>(info.st_mtim.tv_nsec)};
}

}  // namespace ketenbeeld::security
