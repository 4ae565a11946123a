// What every command of the `ketenbeeld` CLI shares: the global options, one channel with a stub per service, the
// deadline of unary calls, and how a failure is reported (exit codes 0 ok, 1 server or connection, 2 usage).
//
// Thread safety: a Session is used from the CLI's main thread only.
#ifndef KETENBEELD_CLIENT_CLI_SESSION_H_
#define KETENBEELD_CLIENT_CLI_SESSION_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/connection.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"

namespace ketenbeeld::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitServerError = 1;
inline constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::string server = "127.0.0.1:50051";
  bool json = false;
  double timeout_seconds = 10;
  bool verbose = false;
  // Transport security (client/connection.h): --ca, --cert, --key, --token, --server-name.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string token;
  std::string server_name;
};

// The channel to options.server with the options' TLS and token settings. INVALID_ARGUMENT naming the file or flag
// that is wrong (ConnectChecked()).
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectToServer(const GlobalOptions& options);

// Prints "ketenbeeld: MESSAGE" on stderr and returns kExitUsage.
int UsageError(const absl::Status& status);

class Session {
 public:
  // `channel`: from ConnectToServer(options).
  Session(const GlobalOptions& options, std::shared_ptr<grpc::Channel> channel);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  v1::PictureService::Stub& stub() { return *picture_; }
  v1::IncidentService::Stub& incidents() { return *incidents_; }
  v1::AlertService::Stub& alerts() { return *alerts_; }
  v1::AssistanceService::Stub& assistance() { return *assistance_; }
  v1::ReportService::Stub& reports() { return *reports_; }
  const GlobalOptions& options() const { return options_; }

  // Sets the --timeout deadline on a unary call.
  void SetDeadline(grpc::ClientContext* context) const;

  // Prints the failure (status_message.h) on stderr and returns kExitServerError.
  int Fail(const grpc::Status& status) const;

  // Prints a write's outcome: "VERB NAME at revision N", the WriteResponse as JSON (--json), or the failure.
  // Returns the exit code.
  int PrintWrite(const grpc::Status& status, const v1::WriteResponse& response, const std::string& verb) const;

  // Every page of a List, read at one revision (0: the latest; the first page fixes it).
  grpc::Status ListAll(const v1::Filter& filter, int64_t revision, v1::ListResponse* all);

  // Get of one record by name at the latest revision.
  grpc::Status Get(const std::string& name, v1::GetResponse* response);

 private:
  GlobalOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::PictureService::Stub> picture_;
  std::unique_ptr<v1::IncidentService::Stub> incidents_;
  std::unique_ptr<v1::AlertService::Stub> alerts_;
  std::unique_ptr<v1::AssistanceService::Stub> assistance_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_SESSION_H_
