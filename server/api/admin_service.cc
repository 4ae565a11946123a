#include "server/api/admin_service.h"

#include <filesystem>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/api/parse_checked.h"
#include "server/api/status.h"
#include "server/observability/log.h"
#include "server/observability/rpc_interceptor.h"
#include "server/policy/rules.h"

namespace ketenbeeld::api {
namespace {

// Whether `path` is `base` itself or inside it (both absolute and normalized).
bool IsInside(const std::filesystem::path& path, const std::filesystem::path& base) {
  const std::filesystem::path relative = path.lexically_relative(base);
  return !relative.empty() && *relative.begin() != "..";
}

// INVALID_ARGUMENT / FAILED_PRECONDITION naming the field when the directory cannot be a new backup: it must be a new
// directory inside `backup_dir` (also after following symbolic links), whose parent exists.
absl::Status CheckBackupDirectory(const std::string& directory, const std::string& backup_dir) {
  namespace fs = std::filesystem;
  if (directory.empty()) return absl::InvalidArgumentError("directory: required");
  const fs::path path(directory);
  if (!path.is_absolute()) {
    return absl::InvalidArgumentError(
        absl::StrCat("directory: must be an absolute path on the server's machine, got \"", directory, "\""));
  }
  if (backup_dir.empty()) {
    return absl::FailedPreconditionError(
        "directory: backups are off: the server's configuration names no backup_dir to write them into");
  }
  const fs::path normal = path.lexically_normal();
  const fs::path base = fs::path(backup_dir).lexically_normal();
  std::error_code error;
  const fs::path real_base = fs::weakly_canonical(base, error);
  const fs::path parent = normal.has_filename() ? normal.parent_path() : normal.parent_path().parent_path();
  const fs::path real_parent = fs::weakly_canonical(parent, error);
  if (normal == base || !IsInside(normal, base) || error || !IsInside(real_parent, real_base)) {
    return absl::InvalidArgumentError(absl::StrCat("directory: must be a new directory inside the backup directory ",
                                                   backup_dir, " (backup_dir in the server's configuration), got \"",
                                                   directory, "\""));
  }
  if (fs::exists(path, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("directory: ", directory, " already exists; a backup never overwrites anything"));
  }
  if (!fs::is_directory(parent, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("directory: the parent directory ", parent.string(), " does not exist"));
  }
  return absl::OkStatus();
}

// A backup holds every organisation's figures: readable by the server's user only (0700, files 0600), whatever the
// umask. Hard-linked files are the data directory's own, which are 0600 already.
absl::Status RestrictToOwner(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::permissions(directory, fs::perms::owner_all, fs::perm_options::replace, error);
  for (fs::recursive_directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    const fs::perms mode =
        it->is_directory(error) ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write;
    fs::permissions(it->path(), mode, fs::perm_options::replace, error);
  }
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("the backup in ", directory, " could not be made private to the server: ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace

AdminService::AdminService(Dependencies dependencies) : deps_(std::move(dependencies)) {
  // Requests that cannot be parsed are answered INVALID_ARGUMENT, not UNIMPLEMENTED: see parse_checked.h.
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AdminService::service_full_name(), "Backup"),
                     ParseChecked(this, deps_.services, &AdminService::Backup));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AdminService::service_full_name(), "CompactLog"),
                     ParseChecked(this, deps_.services, &AdminService::CompactLog));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AdminService::service_full_name(), "ListAuditEntries"),
                     ParseChecked(this, deps_.services, &AdminService::ListAuditEntries));
  worker_ = std::thread([this] { WorkerLoop(); });
}

AdminService::~AdminService() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  worker_.join();
}

void AdminService::WorkerLoop() {
  while (true) {
    absl::AnyInvocable<void() &&> job;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !jobs_.empty() || stopping_; };
      mu_.Await(absl::Condition(&ready));
      if (jobs_.empty()) return;  // Stopping, and nothing is left to do.
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    std::move(job)();
  }
}

grpc::ServerUnaryReactor* AdminService::Backup(grpc::CallbackServerContext* context,
                                               const ketenbeeld::v1::BackupRequest* request,
                                               ketenbeeld::v1::BackupResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status checked = AdmitAdmin(*context, policy::method::kBackup); !checked.ok()) {
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  if (absl::Status checked = CheckBackupDirectory(request->directory(), deps_.backup_dir); !checked.ok()) {
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  std::string request_id = observability::RequestIdOf(*context);
  auto job = [this, reactor, request, response, request_id = std::move(request_id)]() {
    const absl::Time start = absl::Now();
    absl::StatusOr<storage::BackupInfo> backup = deps_.store.Backup(request->directory());
    if (backup.ok() && deps_.audit != nullptr) {
      if (absl::Status copied = deps_.audit->CopyTo(request->directory()); !copied.ok()) {
        backup =
            absl::UnavailableError(absl::StrCat("the store's backup is complete but the audit trail could not "
                                                "be copied into it, so the backup is incomplete: ",
                                                copied.message()));
      }
    }
    if (backup.ok()) {
      if (absl::Status restricted = RestrictToOwner(request->directory()); !restricted.ok()) backup = restricted;
    }
    const int64_t duration_ms = absl::ToInt64Milliseconds(absl::Now() - start);
    if (!backup.ok()) {
      observability::LogError(
          "backup_failed",
          {{"request_id", request_id}, {"directory", request->directory()}, {"error", backup.status().ToString()}});
      reactor->Finish(ToGrpcStatus(backup.status()));
      return;
    }
    response->set_directory(request->directory());
    response->set_revision(backup->revision);
    response->set_compacted_revision(backup->compacted_revision);
    response->set_duration_ms(duration_ms);
    observability::LogInfo("backup_created", {{"request_id", request_id},
                                              {"directory", request->directory()},
                                              {"revision", backup->revision},
                                              {"duration_ms", duration_ms}});
    reactor->Finish(grpc::Status::OK);
  };
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      jobs_.push_back(std::move(job));
      return reactor;
    }
  }
  reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::CompactLog(grpc::CallbackServerContext* context,
                                                   const ketenbeeld::v1::CompactLogRequest* request,
                                                   ketenbeeld::v1::CompactLogResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status checked = AdmitAdmin(*context, policy::method::kCompactLog); !checked.ok()) {
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  if (request->revision() < 0) {
    reactor->Finish(
        ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat("revision: must be >= 0, got ", request->revision()))));
    return reactor;
  }
  // Compaction scans the key index: quick at crisis volumes (milliseconds), so it runs on the calling thread.
  absl::Status status = deps_.compact_log(request->revision());
  if (status.ok()) response->set_compacted_revision(deps_.store.compacted_revision());
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::ListAuditEntries(grpc::CallbackServerContext* context,
                                                         const ketenbeeld::v1::ListAuditEntriesRequest* request,
                                                         ketenbeeld::v1::ListAuditEntriesResponse* response) {
  // Walks the audit trail newest first, which can be long (and on disk once it rotates): off gRPC's callback threads
  // like the store scans.
  return ServeScan(context, deps_.services, response, [this, request, response](const security::Identity& caller) {
    return Answer(deps_.services.operations.ListAuditEntries(caller, *request), response);
  });
}

absl::Status AdminService::AdmitAdmin(const grpc::CallbackServerContext& context, absl::string_view method) const {
  absl::StatusOr<security::Identity> caller = deps_.services.gate.Admit(context);
  if (!caller.ok()) return caller.status();
  return policy::AuthorizeCall(*caller, method);
}

}  // namespace ketenbeeld::api
