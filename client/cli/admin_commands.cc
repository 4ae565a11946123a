#include "client/cli/admin_commands.h"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "client/cli/format.h"
#include "client/cli/messages.h"
#include "client/connection.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/admin_service.grpc.pb.h"

namespace ketenbeeld::cli {
namespace {

// A backup flushes and links every file of the store: give it longer than an ordinary call.
constexpr double kMinBackupTimeoutSeconds = 300;

void PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (google::protobuf::util::MessageToJsonString(message, &json, options).ok()) std::cout << json << "\n";
}

}  // namespace

AdminCommands::AdminCommands(CLI::App& app) {
  CLI::App* admin = app.add_subcommand("admin", Tr("help.admin"));
  admin->require_subcommand(1);
  backup_ = admin->add_subcommand("backup", Tr("help.admin.backup"));
  backup_->add_option("DIR", backup_directory_, Tr("help.admin.backup.dir"))->required();
  compact_ = admin->add_subcommand("compact", Tr("help.admin.compact"));
  compact_->add_option("REVISION", compact_revision_, Tr("help.admin.compact.revision"))
      ->required()
      ->check(CLI::NonNegativeNumber);
  audit_ = admin->add_subcommand("audit", Tr("help.admin.audit"));
  audit_->add_option("--organization", audit_organization_, Tr("help.admin.audit.organization"));
  audit_->add_option("--limit", audit_limit_, Tr("help.admin.audit.limit"))->check(CLI::Range(1, 1000));
  audit_->add_option("--before", audit_before_, Tr("help.admin.audit.before"))->check(CLI::NonNegativeNumber);
}

int AdminCommands::ListAudit(Session& session, v1::AdminService::Stub& admin, grpc::ClientContext& context) const {
  v1::ListAuditEntriesRequest request;
  request.set_organization_id(audit_organization_);
  request.set_limit(audit_limit_);
  request.set_before_sequence(audit_before_);
  v1::ListAuditEntriesResponse response;
  grpc::Status status = admin.ListAuditEntries(&context, request, &response);
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    PrintJson(response);
    return kExitOk;
  }
  // One call reads a bounded part of the trail: an empty page with a continuation means "none in this part".
  if (response.entries().empty()) {
    std::cout << (response.next_before_sequence() != 0 ? "no matching reads in the part of the trail searched\n"
                                                       : "no reads of detailed figures recorded\n");
  }
  for (const v1::AuditEntry& entry : response.entries()) {
    std::cout << "#" << entry.sequence() << "  "
              << absl::FormatTime("%Y-%m-%d %H:%M:%S", FromProtoTime(entry.time()), absl::LocalTimeZone()) << "  "
              << entry.actor().subject() << " (" << entry.actor().organization_id() << ")  "
              << entry.method().substr(entry.method().rfind('/') + 1) << " at revision " << entry.revision() << ": ";
    if (entry.organization_count() == 0) {
      std::cout << "every organisation (live feed)";
    } else {
      std::cout << absl::StrJoin(entry.organization_ids(), ", ");
      if (entry.organization_count() > entry.organization_ids_size()) {
        std::cout << " and " << entry.organization_count() - entry.organization_ids_size() << " more";
      }
    }
    std::cout << "\n";
  }
  if (response.next_before_sequence() != 0) {
    std::cout << "older entries: --before " << response.next_before_sequence() << "\n";
  }
  return kExitOk;
}

std::optional<int> AdminCommands::Run(Session& session) {
  if (!backup_->parsed() && !compact_->parsed() && !audit_->parsed()) return std::nullopt;
  std::unique_ptr<v1::AdminService::Stub> admin = v1::AdminService::NewStub(session.channel());
  grpc::ClientContext context;
  if (backup_->parsed()) {
    const double timeout = std::max(session.options().timeout_seconds, kMinBackupTimeoutSeconds);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000)));
    v1::BackupRequest request;
    request.set_directory(backup_directory_);
    v1::BackupResponse response;
    grpc::Status status = admin->Backup(&context, request, &response);
    if (!status.ok()) return session.Fail(status);
    if (session.options().json) {
      PrintJson(response);
    } else {
      std::cout << "backup of revision " << response.revision() << " written to " << response.directory() << " in "
                << response.duration_ms() << " ms";
      if (response.compacted_revision() > 0) {
        std::cout << " (history up to revision " << response.compacted_revision() << " had been compacted)";
      }
      std::cout << "\n";
    }
    return kExitOk;
  }
  session.SetDeadline(&context);
  if (audit_->parsed()) return ListAudit(session, *admin, context);
  v1::CompactLogRequest request;
  request.set_revision(compact_revision_);
  v1::CompactLogResponse response;
  grpc::Status status = admin->CompactLog(&context, request, &response);
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    PrintJson(response);
  } else {
    std::cout << "event log compacted: history up to revision " << response.compacted_revision() << " removed\n";
  }
  return kExitOk;
}

}  // namespace ketenbeeld::cli
