#include "server/api/alert_service.h"

namespace ketenbeeld::api {

grpc::ServerUnaryReactor* AlertService::SendAlert(grpc::CallbackServerContext* context,
                                                  const ketenbeeld::v1::SendAlertRequest* request,
                                                  ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* AlertService::AcknowledgeAlert(grpc::CallbackServerContext* context,
                                                         const ketenbeeld::v1::AcknowledgeAlertRequest* request,
                                                         ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* AlertService::GetAlertAcknowledgements(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::GetAlertAcknowledgementsRequest* request,
    ketenbeeld::v1::AlertAcknowledgements* response) {
  return Serve(context, context_, [&](const security::Identity& caller) {
    return Answer(context_.operations.GetAlertAcknowledgements(caller, *request), response);
  });
}

}  // namespace ketenbeeld::api
