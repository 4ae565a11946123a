#include "server/http/json_api.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "ketenbeeld/v1/interop_service.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "nlohmann/json.hpp"

namespace ketenbeeld::http {
namespace {

namespace v1 = ketenbeeld::v1;

// A write: parsed, then handed to the service layer exactly as api::SubmitWrite does for gRPC; blocks until the
// change is durable or refused.
template <typename Request>
absl::StatusOr<std::string> Write(service::Operations& operations, absl::string_view body,
                                  const security::Identity& caller) {
  Request request;
  if (absl::Status parsed = FromJson(body, request); !parsed.ok()) return parsed;
  // Shared with the callback rather than on this stack: the completion thread may still be inside Notify() (unlocking
  // the notification's mutex) when this thread has woken and moved on, and TSan, which cannot see into Debian's
  // Abseil, then saw this frame's reuse race with that unlock.
  struct Outcome {
    absl::Notification done;
    absl::StatusOr<pipeline::WriteResult> result;
  };
  auto outcome = std::make_shared<Outcome>();
  operations.Write(caller, mutations::WriteRequest{.body = std::move(request), .actor = {}},
                   [outcome](absl::StatusOr<pipeline::WriteResult> written) {
                     outcome->result = std::move(written);
                     outcome->done.Notify();
                   });
  outcome->done.WaitForNotification();
  const absl::StatusOr<pipeline::WriteResult>& result = outcome->result;
  if (!result.ok()) return result.status();
  v1::WriteResponse response;
  response.set_revision(result->revision);
  response.set_replayed(result->replayed);
  if (result->record != nullptr) *response.mutable_record() = result->record->record;
  return ToJson(response);
}

// An import (Operations::ImportAlertCap, ImportStatusHave): like Write, blocks until the write it became is durable
// or refused.
template <typename Import>
absl::StatusOr<std::string> RunImport(service::Operations& operations, absl::string_view body,
                                      const security::Identity& caller, Import run) {
  v1::ImportXmlRequest request;
  if (absl::Status parsed = FromJson(body, request); !parsed.ok()) return parsed;
  struct Outcome {  // Shared with the callback, as in Write().
    absl::Notification done;
    absl::StatusOr<v1::ImportXmlResponse> result;
  };
  auto outcome = std::make_shared<Outcome>();
  (operations.*run)(caller, request, [outcome](absl::StatusOr<v1::ImportXmlResponse> imported) {
    outcome->result = std::move(imported);
    outcome->done.Notify();
  });
  outcome->done.WaitForNotification();
  if (!outcome->result.ok()) return outcome->result.status();
  return ToJson(*outcome->result);
}

// A read of the form `absl::Status read(const Request&, Response&)` (Get, List, History).
template <typename Request, typename Response, typename Read>
absl::StatusOr<std::string> ReadInto(absl::string_view body, Read read) {
  Request request;
  if (absl::Status parsed = FromJson(body, request); !parsed.ok()) return parsed;
  Response response;
  if (absl::Status status = read(request, response); !status.ok()) return status;
  return ToJson(response);
}

// A read of the form `absl::StatusOr<Response> read(const Request&)` (the reports).
template <typename Request, typename Read>
absl::StatusOr<std::string> Compute(absl::string_view body, Read read) {
  Request request;
  if (absl::Status parsed = FromJson(body, request); !parsed.ok()) return parsed;
  auto response = read(request);
  if (!response.ok()) return response.status();
  return ToJson(*response);
}

// The request type of an Operations query `absl::StatusOr<Response> (Operations::*)(const Identity&, const Request&)`.
template <typename Query>
struct QueryTraits;
template <typename Response, typename RequestType>
struct QueryTraits<absl::StatusOr<Response> (service::Operations::*)(const security::Identity&, const RequestType&)> {
  using Request = RequestType;
};

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a valid message cannot fail (only unresolvable Any types can, and the API has none).
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

absl::Status FromJson(absl::string_view json, google::protobuf::Message& message) {
  if (absl::StripAsciiWhitespace(json).empty()) {
    message.Clear();
    return absl::OkStatus();
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("request: not a valid ", message.GetDescriptor()->full_name(),
                                                   " in JSON: ", std::string(status.message())));
  }
  return absl::OkStatus();
}

JsonApi::JsonApi(service::Operations& operations) {
  // The handlers keep a pointer to the service layer, which outlives the API.
  service::Operations* const ops = &operations;
  using security::Identity;
  auto write = [this, ops](const std::string& method, auto request_type) {
    using Request = decltype(request_type);
    handlers_[method] = [ops](absl::string_view body, const Identity& caller) {
      return Write<Request>(*ops, body, caller);
    };
  };
  // A report: `query` is the Operations member that answers it.
  auto compute = [this, ops](const std::string& method, auto query) {
    handlers_[method] = [ops, query](absl::string_view body, const Identity& caller) {
      using Request = typename QueryTraits<decltype(query)>::Request;
      return Compute<Request>(body, [&](const Request& request) { return (ops->*query)(caller, request); });
    };
  };
  // PictureService (Subscribe is the gateway's event stream, not a call).
  write("ketenbeeld.v1.PictureService/RegisterOrganization", v1::RegisterOrganizationRequest{});
  write("ketenbeeld.v1.PictureService/ReportStatus", v1::ReportStatusRequest{});
  handlers_["ketenbeeld.v1.PictureService/Get"] = [ops](absl::string_view body, const Identity& caller) {
    return ReadInto<v1::GetRequest, v1::GetResponse>(body,
                                                     [&](const auto& q, auto& r) { return ops->Get(caller, q, r); });
  };
  handlers_["ketenbeeld.v1.PictureService/List"] = [ops](absl::string_view body, const Identity& caller) {
    return ReadInto<v1::ListRequest, v1::ListResponse>(body,
                                                       [&](const auto& q, auto& r) { return ops->List(caller, q, r); });
  };
  handlers_["ketenbeeld.v1.PictureService/History"] = [ops](absl::string_view body, const Identity& caller) {
    return ReadInto<v1::HistoryRequest, v1::HistoryResponse>(
        body, [&](const auto& q, auto& r) { return ops->History(caller, q, r); });
  };
  // IncidentService.
  write("ketenbeeld.v1.IncidentService/OpenIncident", v1::OpenIncidentRequest{});
  write("ketenbeeld.v1.IncidentService/UpdateIncident", v1::UpdateIncidentRequest{});
  write("ketenbeeld.v1.IncidentService/AddSituationEntry", v1::AddSituationEntryRequest{});
  // AlertService.
  write("ketenbeeld.v1.AlertService/SendAlert", v1::SendAlertRequest{});
  write("ketenbeeld.v1.AlertService/AcknowledgeAlert", v1::AcknowledgeAlertRequest{});
  compute("ketenbeeld.v1.AlertService/GetAlertAcknowledgements", &service::Operations::GetAlertAcknowledgements);
  write("ketenbeeld.v1.AlertService/CloseEscalationTask", v1::CloseEscalationTaskRequest{});
  // AssistanceService.
  write("ketenbeeld.v1.AssistanceService/RequestAssistance", v1::RequestAssistanceRequest{});
  write("ketenbeeld.v1.AssistanceService/OfferAssistance", v1::OfferAssistanceRequest{});
  write("ketenbeeld.v1.AssistanceService/AcceptOffer", v1::AcceptOfferRequest{});
  write("ketenbeeld.v1.AssistanceService/FulfillRequest", v1::FulfillRequestRequest{});
  write("ketenbeeld.v1.AssistanceService/CancelRequest", v1::CancelRequestRequest{});
  write("ketenbeeld.v1.AssistanceService/ReserveBed", v1::ReserveBedRequest{});
  write("ketenbeeld.v1.AssistanceService/ConfirmReservation", v1::ConfirmReservationRequest{});
  write("ketenbeeld.v1.AssistanceService/ReleaseReservation", v1::ReleaseReservationRequest{});
  // ReportService.
  write("ketenbeeld.v1.ReportService/PutScenario", v1::PutScenarioRequest{});
  compute("ketenbeeld.v1.ReportService/GetGapReport", &service::Operations::GetGapReport);
  write("ketenbeeld.v1.ReportService/DefineIndicator", v1::DefineIndicatorRequest{});
  write("ketenbeeld.v1.ReportService/RetireIndicator", v1::RetireIndicatorRequest{});
  compute("ketenbeeld.v1.ReportService/GetIndicatorOverview", &service::Operations::GetIndicatorOverview);
  compute("ketenbeeld.v1.ReportService/GetCapacityOverview", &service::Operations::GetCapacityOverview);
  compute("ketenbeeld.v1.ReportService/GetOperationalSummary", &service::Operations::GetOperationalSummary);
  compute("ketenbeeld.v1.ReportService/FindCapacity", &service::Operations::FindCapacity);
  compute("ketenbeeld.v1.ReportService/GetContinuityTimeline", &service::Operations::GetContinuityTimeline);
  // InteropService: CAP and EDXL-HAVE documents travel as strings in the JSON messages.
  compute("ketenbeeld.v1.InteropService/ExportAlertCap", &service::Operations::ExportAlertCap);
  compute("ketenbeeld.v1.InteropService/ExportStatusHave", &service::Operations::ExportStatusHave);
  compute("ketenbeeld.v1.InteropService/ExportFhir", &service::Operations::ExportFhir);
  auto import_document = [this, ops](const std::string& method, auto operation) {
    handlers_[method] = [ops, operation](absl::string_view body, const Identity& caller) {
      return RunImport(*ops, body, caller, operation);
    };
  };
  import_document("ketenbeeld.v1.InteropService/ImportAlertCap", &service::Operations::ImportAlertCap);
  import_document("ketenbeeld.v1.InteropService/ImportStatusHave", &service::Operations::ImportStatusHave);
  compute("ketenbeeld.v1.ReportService/GetEvaluation", &service::Operations::GetEvaluation);
  compute("ketenbeeld.v1.ReportService/GetSituationReport", &service::Operations::GetSituationReport);
}

absl::StatusOr<std::string> JsonApi::Call(absl::string_view method, absl::string_view body,
                                          const security::Identity& caller) const {
  const auto handler = handlers_.find(method);
  if (handler == handlers_.end()) {
    return absl::NotFoundError(
        absl::StrCat("method: \"", method, "\" is not a method of the API (GET /api lists them)"));
  }
  return handler->second(body, caller);
}

absl::StatusOr<std::string> JsonApi::Call(absl::string_view method, absl::string_view body,
                                          const security::Identity& caller,
                                          absl::Span<const std::string> regions) const {
  if (regions.empty()) return Call(method, body, caller);
  if (!handlers_.contains(method)) return Call(method, body, caller);  // NOT_FOUND naming the method.
  // "ketenbeeld.v1.ReportService/FindCapacity" -> the method's request type, from the generated descriptors.
  std::string full_name(method);
  std::replace(full_name.begin(), full_name.end(), '/', '.');
  const google::protobuf::MethodDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name);
  const google::protobuf::FieldDescriptor* field =
      descriptor == nullptr ? nullptr : descriptor->input_type()->FindFieldByName("safety_regions");
  if (field == nullptr || !field->is_repeated() || field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return absl::InvalidArgumentError(
        absl::StrCat("region: ", method, " takes no region filter (its request has no safety_regions)"));
  }
  std::unique_ptr<google::protobuf::Message> request(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor->input_type())->New());
  if (absl::Status parsed = FromJson(body, *request); !parsed.ok()) return parsed;
  for (const std::string& region : regions) request->GetReflection()->AddString(request.get(), field, region);
  return Call(method, ToJson(*request), caller);
}

std::vector<std::string> JsonApi::Methods() const {
  std::vector<std::string> methods;
  methods.reserve(handlers_.size());
  for (const auto& [method, handler] : handlers_) methods.push_back(method);
  std::sort(methods.begin(), methods.end());
  return methods;
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::string FieldPathOf(absl::string_view message) {
  // A path is identifiers joined by '.', each optionally indexed: report.capacity[2].available, filter.kinds[0].
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0) return "";
  const absl::string_view path = message.substr(0, colon);
  for (const char c : path) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_' && c != '.' && c != '[' && c != ']') return "";
  }
  if (path == "request" || path == "method") return "";  // Not a field of the message: the body or the route.
  return std::string(path);
}

HttpError ToHttpError(const absl::Status& status) {
  nlohmann::json body = {{"code", absl::StatusCodeToString(status.code())}, {"message", std::string(status.message())}};
  // ALREADY_EXISTS names the field too ("organization.identifiers.agb: ... is already held by ..."): a form can mark
  // the input that clashes, as it does for INVALID_ARGUMENT.
  if (status.code() == absl::StatusCode::kInvalidArgument || status.code() == absl::StatusCode::kAlreadyExists) {
    if (std::string field = FieldPathOf(status.message()); !field.empty()) body["field"] = std::move(field);
  }
  return HttpError{.http_status = HttpStatusOf(status.code()),
                   .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace ketenbeeld::http
