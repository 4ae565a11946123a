// The gRPC AdminService: backups (a verified RocksDB checkpoint taken while serving), compaction of the event log and
// the audit trail.
// Backups run on the service's own worker thread, so a slow disk never blocks gRPC's callback threads; one backup at
// a time, in the order requested.
//
// Authorization: admins only (server/policy/rules.h). The directory is on the server's machine and the server writes
// it with its own rights, so it must lie inside the configured backup directory (INVALID_ARGUMENT naming `directory`
// otherwise, also for a symbolic link that leads out of it): an operator credential must not be a way to write the
// region's figures anywhere the server may write. The backup is made private (0700, files 0600).
//
// Thread safety: handlers may run concurrently. The service must be destroyed after the gRPC server has shut down
// (the worker finishes the backup in progress first).
#ifndef KETENBEELD_SERVER_API_ADMIN_SERVICE_H_
#define KETENBEELD_SERVER_API_ADMIN_SERVICE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "ketenbeeld/v1/admin_service.grpc.pb.h"
#include "server/api/service_context.h"
#include "server/policy/audit.h"
#include "storage/store.h"

namespace ketenbeeld::api {

class AdminService final : public ketenbeeld::v1::AdminService::CallbackService {
 public:
  struct Dependencies {
    ServiceContext services;
    storage::Store& store;
    // The audit trail, copied into every backup; null when the server records none (development mode).
    const policy::AuditLog* audit = nullptr;
    // Backups are written only into new directories inside this one (absolute); empty: backups are refused.
    std::string backup_dir;
    // Compacts the log up to a revision (KetenbeeldServer::CompactLog: checks it against the picture, logs it).
    std::function<absl::Status(int64_t revision)> compact_log;
  };

  explicit AdminService(Dependencies dependencies);
  ~AdminService() override;  // Finishes queued backups, then joins the worker.
  AdminService(const AdminService&) = delete;
  AdminService& operator=(const AdminService&) = delete;

  grpc::ServerUnaryReactor* Backup(grpc::CallbackServerContext* context, const ketenbeeld::v1::BackupRequest* request,
                                   ketenbeeld::v1::BackupResponse* response) override;
  grpc::ServerUnaryReactor* CompactLog(grpc::CallbackServerContext* context,
                                       const ketenbeeld::v1::CompactLogRequest* request,
                                       ketenbeeld::v1::CompactLogResponse* response) override;
  grpc::ServerUnaryReactor* ListAuditEntries(grpc::CallbackServerContext* context,
                                             const ketenbeeld::v1::ListAuditEntriesRequest* request,
                                             ketenbeeld::v1::ListAuditEntriesResponse* response) override;

 private:
  void WorkerLoop();
  // UNAUTHENTICATED / RESOURCE_EXHAUSTED / PERMISSION_DENIED unless the caller is an admin (or in development mode).
  absl::Status AdmitAdmin(const grpc::CallbackServerContext& context, absl::string_view method) const;

  const Dependencies deps_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_ADMIN_SERVICE_H_
