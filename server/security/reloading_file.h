// A value loaded from a file and re-loaded when the file changes on disk: the CRL and the tokens file, so that
// revoking a certificate or deleting a token line takes effect without a restart.
//
// The file is stat'ed at most once per `check_interval` (on the first Current() after it passed), so a call costs a
// clock read and a shared_ptr copy under a mutex. A change is seen by inode, size or nanosecond mtime (files.h).
// When a changed file cannot be loaded (being written right now, or a mistake), the last good value stays in force,
// the error is logged once per distinct message, and the load is retried at the next check: one typo must not lock
// every organisation out during a crisis, and a half-written file is picked up once it is complete. A file that is
// gone (deleted, not replaced) is different: with a `when_missing` value that value applies until the file is back
// (a deleted tokens file means no valid tokens); without one, the last good value stays (a deleted CRL must not
// un-revoke anything).
//
// Thread safety: Current() may be called from any thread.
#ifndef KETENBEELD_SERVER_SECURITY_RELOADING_FILE_H_
#define KETENBEELD_SERVER_SECURITY_RELOADING_FILE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/observability/log.h"
#include "server/security/files.h"

namespace ketenbeeld::security {

template <typename T>
class ReloadingFile {
 public:
  using Loader = std::function<absl::StatusOr<T>(const std::string& path)>;

  // Loads `path` now. The loader's error (INVALID_ARGUMENT naming the file) when the first load fails: the server
  // must not start on a bad CRL or tokens file. `what` names the file in log lines ("client_crl", "tokens_file").
  static absl::StatusOr<std::unique_ptr<ReloadingFile>> Create(std::string path, std::string what, Loader loader,
                                                               absl::Duration check_interval = absl::Seconds(1),
                                                               std::optional<T> when_missing = std::nullopt) {
    // Stamp first: a change between the stat and the read is then seen at the next check (at worst one extra load).
    absl::StatusOr<FileStamp> stamp = StampOf(path);
    if (!stamp.ok()) return stamp.status();
    absl::StatusOr<T> value = loader(path);
    if (!value.ok()) return value.status();
    return std::unique_ptr<ReloadingFile>(new ReloadingFile(std::move(path), std::move(what), std::move(loader),
                                                            check_interval, *stamp, std::move(*value),
                                                            std::move(when_missing)));
  }

  // The value of the newest loadable version of the file (re-checking the file first when the interval passed).
  std::shared_ptr<const T> Current() const ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    const absl::Time now = absl::Now();
    if (now >= next_check_) {
      next_check_ = now + check_interval_;
      ReloadIfChanged();
    }
    return value_;
  }

  const std::string& path() const { return path_; }

 private:
  ReloadingFile(std::string path, std::string what, Loader loader, absl::Duration check_interval, FileStamp stamp,
                T value, std::optional<T> when_missing)
      : path_(std::move(path)),
        what_(std::move(what)),
        loader_(std::move(loader)),
        check_interval_(check_interval),
        when_missing_(when_missing.has_value() ? std::make_shared<const T>(std::move(*when_missing)) : nullptr),
        next_check_(absl::Now() + check_interval),
        loaded_stamp_(stamp),
        value_(std::make_shared<const T>(std::move(value))) {}

  void ReloadIfChanged() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    absl::StatusOr<FileStamp> stamp = StampOf(path_);
    if (absl::IsNotFound(stamp.status()) && when_missing_ != nullptr) {
      if (value_ != when_missing_) {
        value_ = when_missing_;
        loaded_stamp_ = FileStamp{};  // Whatever appears at the path next is a change.
        observability::LogWarning("credentials_file_missing",
                                  {{"file", what_}, {"path", path_}, {"note", "treated as empty until it is back"}});
      }
      return;
    }
    if (!stamp.ok()) {
      ReportFailure(stamp.status());
      return;
    }
    if (*stamp == loaded_stamp_) return;
    absl::StatusOr<T> value = loader_(path_);
    if (!value.ok()) {
      ReportFailure(value.status());  // loaded_stamp_ stays: the next check tries again.
      return;
    }
    loaded_stamp_ = *stamp;
    value_ = std::make_shared<const T>(std::move(*value));
    last_error_.clear();
    observability::LogInfo("credentials_reloaded", {{"file", what_}, {"path", path_}});
  }

  void ReportFailure(const absl::Status& status) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (status.message() == last_error_) return;
    last_error_ = std::string(status.message());
    observability::LogError(
        "credentials_reload_failed",
        {{"file", what_}, {"path", path_}, {"error", last_error_}, {"keeping", "previous version"}});
  }

  const std::string path_;
  const std::string what_;
  const Loader loader_;
  const absl::Duration check_interval_;
  const std::shared_ptr<const T> when_missing_;  // Null: keep the last good value when the file is gone.

  mutable absl::Mutex mutex_;
  mutable absl::Time next_check_ ABSL_GUARDED_BY(mutex_);
  mutable FileStamp loaded_stamp_ ABSL_GUARDED_BY(mutex_);
  mutable std::shared_ptr<const T> value_ ABSL_GUARDED_BY(mutex_);
  mutable std::string last_error_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ketenbeeld::security

#endif  // KETENBEELD_SERVER_SECURITY_RELOADING_FILE_H_
