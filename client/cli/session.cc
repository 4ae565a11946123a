#include "client/cli/session.h"

#include <chrono>
#include <iostream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "client/cli/format.h"
#include "client/cli/messages.h"
#include "client/cli/server_clock.h"
#include "client/cli/status_message.h"
#include "client/connection.h"

namespace ketenbeeld::cli {

int UsageError(const absl::Status& status) {
  std::cerr << "ketenbeeld: " << status.message() << "\n";
  return kExitUsage;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectToServer(const GlobalOptions& options) {
  client::ConnectOptions connect;
  connect.ca_file = options.ca_file;
  connect.cert_file = options.cert_file;
  connect.key_file = options.key_file;
  connect.token = options.token;
  connect.server_name = options.server_name;
  return client::ConnectChecked(options.server, connect);
}

Session::Session(const GlobalOptions& options, std::shared_ptr<grpc::Channel> channel)
    : options_(options),
      channel_(std::move(channel)),
      picture_(v1::PictureService::NewStub(channel_)),
      incidents_(v1::IncidentService::NewStub(channel_)),
      alerts_(v1::AlertService::NewStub(channel_)),
      assistance_(v1::AssistanceService::NewStub(channel_)),
      reports_(v1::ReportService::NewStub(channel_)),
      exercises_(v1::ExerciseService::NewStub(channel_)) {}

std::string Session::NameInExercise(const std::string& name) const {
  if (options_.exercise_id.empty() || absl::StartsWith(name, "exercises/")) return name;
  // The registry record "organizations/{id}" is shared by the real picture and every exercise.
  if (absl::StartsWith(name, "organizations/") && name.find('/', 14) == std::string::npos) return name;
  return absl::StrCat("exercises/", options_.exercise_id, "/", name);
}

void Session::SetDeadline(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(options_.timeout_seconds * 1000)));
}

int Session::Fail(const grpc::Status& status) const {
  std::cerr << "ketenbeeld: " << UserMessage(status, options_.server) << "\n";
  return kExitServerError;
}

int Session::PrintWrite(const grpc::Status& status, const v1::WriteResponse& response, absl::string_view message_id,
                        absl::string_view party) const {
  if (!status.ok()) return Fail(status);
  if (options_.json) {
    std::cout << ToJson(response, true) << "\n";
  } else {
    std::cout << absl::Substitute(Text(message_id), response.record().name(), response.revision(), party) << "\n";
  }
  return kExitOk;
}

grpc::Status Session::ListAll(const v1::Filter& filter, int64_t revision, v1::ListResponse* all,
                              const google::protobuf::Timestamp* at_time) {
  return ForEachListPage(filter, revision, at_time, [all](const v1::ListResponse& page) {
    for (const v1::Record& record : page.records()) *all->add_records() = record;
    all->set_revision(page.revision());
    *all->mutable_server_time() = page.server_time();  // Ages are measured against the latest page's.
    return true;
  });
}

grpc::Status Session::ForEachListPage(const v1::Filter& filter, int64_t revision,
                                      const google::protobuf::Timestamp* at_time,
                                      const std::function<bool(const v1::ListResponse&)>& page) {
  v1::ListRequest request;
  if (at_time != nullptr) *request.mutable_at_time() = *at_time;
  *request.mutable_filter() = filter;
  request.mutable_filter()->set_exercise_id(options_.exercise_id);
  request.set_revision(revision);
  while (true) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ListResponse response;
    grpc::Status status = picture_->List(&context, request, &response);
    if (!status.ok()) return status;
    if (!page(response) || response.next_page_token().empty()) return grpc::Status::OK;
    // The token carries the revision of the first page: the whole list is one consistent picture.
    request.set_page_token(response.next_page_token());
  }
}

grpc::Status Session::ForEachHistoryPage(v1::HistoryRequest request,
                                         const std::function<bool(const v1::HistoryResponse&)>& page) {
  request.mutable_filter()->set_exercise_id(options_.exercise_id);
  while (true) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::HistoryResponse response;
    grpc::Status status = picture_->History(&context, request, &response);
    if (!status.ok()) return status;
    if (!page(response)) return grpc::Status::OK;
    // Stop when done, and also if a page would not move forward (never loop on a confused server).
    if (response.next_from_revision() == 0 || response.next_from_revision() <= request.from_revision()) {
      return grpc::Status::OK;
    }
    request.set_from_revision(response.next_from_revision());
  }
}

grpc::Status Session::Get(const std::string& name, v1::GetResponse* response) {
  v1::GetRequest request;
  request.set_name(NameInExercise(name));
  grpc::ClientContext context;
  SetDeadline(&context);
  return picture_->Get(&context, request, response);
}

grpc::Status Session::ReadServerTime(v1::EntityKind kind, absl::Time* now) {
  v1::ListRequest request;
  request.mutable_filter()->add_kinds(kind);
  request.set_page_size(1);
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::ListResponse response;
  grpc::Status status = picture_->List(&context, request, &response);
  if (status.ok()) *now = ServerNow(response);
  return status;
}

}  // namespace ketenbeeld::cli
