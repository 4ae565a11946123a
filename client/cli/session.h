// What every command of the `ketenbeeld` CLI shares: the global options, one channel with a stub per service, the
// deadline of unary calls, and how a failure is reported (exit codes 0 ok, 1 server or connection, 2 usage).
//
// Thread safety: a Session is used from the CLI's main thread only.
#ifndef KETENBEELD_CLIENT_CLI_SESSION_H_
#define KETENBEELD_CLIENT_CLI_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/connection.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/exercise_service.grpc.pb.h"
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
  // --exercise: the exercise (oefening) every write goes to and every read shows (ketenbeeld/v1/exercise.proto);
  // empty: the real picture.
  std::string exercise_id;
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
  v1::ExerciseService::Stub& exercises() { return *exercises_; }
  const GlobalOptions& options() const { return options_; }

  // A workflow write (any request with `exercise_id`) in the --exercise exercise; unchanged without --exercise. The
  // mode is left to the server, which takes the exercise's own (MODE_EXERCISE or MODE_TEST).
  template <typename Request>
  Request InExercise(Request request) const {
    if (!options_.exercise_id.empty()) request.set_exercise_id(options_.exercise_id);
    return request;
  }
  // The record name `name` has in the --exercise exercise ("exercises/{id}/incidents/x" for "incidents/x"); the
  // registry ("organizations/{id}"), names already of an exercise, and every name without --exercise are unchanged.
  std::string NameInExercise(const std::string& name) const;

  // Sets the --timeout deadline on a unary call.
  void SetDeadline(grpc::ClientContext* context) const;

  // Prints the failure (status_message.h) on stderr and returns kExitServerError.
  int Fail(const grpc::Status& status) const;

  // Prints a write's outcome: the text `message_id` (messages.h, e.g. "write.reported": "reported NAME at revision
  // N") with $0 the record's name, $1 the revision and $2 `party`; the WriteResponse as JSON (--json); or the
  // failure. Returns the exit code.
  int PrintWrite(const grpc::Status& status, const v1::WriteResponse& response, absl::string_view message_id,
                 absl::string_view party = {}) const;

  // Every page of a List, read at one revision (0: the latest; the first page fixes it), of the --exercise view.
  // With `at_time` instead: the picture as it was at that moment (ListRequest.at_time).
  grpc::Status ListAll(const v1::Filter& filter, int64_t revision, v1::ListResponse* all,
                       const google::protobuf::Timestamp* at_time = nullptr);
  // The same pages one at a time, for output written as it is read (`report export`): `page` gets each as it
  // arrives and returns false to stop early. The revision of the first page holds for all of them.
  grpc::Status ForEachListPage(const v1::Filter& filter, int64_t revision, const google::protobuf::Timestamp* at_time,
                               const std::function<bool(const v1::ListResponse&)>& page);
  // Every page of a History from `request` (its filter's exercise set to the --exercise view), one at a time, until
  // the last, or until `page` returns false. Stops too when the server's continuation would not move forward.
  grpc::Status ForEachHistoryPage(v1::HistoryRequest request,
                                  const std::function<bool(const v1::HistoryResponse&)>& page);

  // Get of one record by name at the latest revision (the name in the --exercise exercise, NameInExercise).
  grpc::Status Get(const std::string& name, v1::GetResponse* response);

  // Sets `now` to the server's time (server_clock.h), the time a deadline given as a duration counts from
  // (--ack-within, --needed-within): the machine the CLI runs on may be minutes or hours off the server, which
  // stamps commits and decides when a deadline has passed. One List of at most one record of `kind`, a kind the
  // caller is about to write (every role may List; no status report is read, so nothing goes into the audit
  // trail). A server from before server_time existed: the local clock. The read's transit time (milliseconds) is
  // not corrected for. The List's status on failure, `now` unchanged.
  grpc::Status ReadServerTime(v1::EntityKind kind, absl::Time* now);

 private:
  GlobalOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::PictureService::Stub> picture_;
  std::unique_ptr<v1::IncidentService::Stub> incidents_;
  std::unique_ptr<v1::AlertService::Stub> alerts_;
  std::unique_ptr<v1::AssistanceService::Stub> assistance_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::ExerciseService::Stub> exercises_;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_SESSION_H_
