#include "server/api/alert_service.h"

#include "server/api/parse_checked.h"

namespace ketenbeeld::api {

AlertService::AlertService(const ServiceContext& context) : context_(context) {
  // Requests that cannot be parsed are answered INVALID_ARGUMENT, not UNIMPLEMENTED: see parse_checked.h.
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AlertService::service_full_name(), "SendAlert"),
                     ParseChecked(this, context_, &AlertService::SendAlert));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AlertService::service_full_name(), "AcknowledgeAlert"),
                     ParseChecked(this, context_, &AlertService::AcknowledgeAlert));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AlertService::service_full_name(), "GetAlertAcknowledgements"),
                     ParseChecked(this, context_, &AlertService::GetAlertAcknowledgements));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AlertService::service_full_name(), "CloseEscalationTask"),
                     ParseChecked(this, context_, &AlertService::CloseEscalationTask));
}

grpc::ServerUnaryReactor* AlertService::SendAlert(grpc::CallbackServerContext* context,
                                                  const ketenbeeld::v1::SendAlertRequest* request,
                                                  ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* AlertService::AcknowledgeAlert(grpc::CallbackServerContext* context,
                                                         const ketenbeeld::v1::AcknowledgeAlertRequest* request,
                                                         ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* AlertService::CloseEscalationTask(grpc::CallbackServerContext* context,
                                                            const ketenbeeld::v1::CloseEscalationTaskRequest* request,
                                                            ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* AlertService::GetAlertAcknowledgements(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::GetAlertAcknowledgementsRequest* request,
    ketenbeeld::v1::AlertAcknowledgements* response) {
  return Serve(context, context_, response, [&](const security::Identity& caller) {
    return Answer(context_.operations.GetAlertAcknowledgements(caller, *request), response);
  });
}

}  // namespace ketenbeeld::api
