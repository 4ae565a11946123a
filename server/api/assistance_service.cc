#include "server/api/assistance_service.h"

namespace ketenbeeld::api {

grpc::ServerUnaryReactor* AssistanceService::RequestAssistance(grpc::CallbackServerContext* context,
                                                               const ketenbeeld::v1::RequestAssistanceRequest* request,
                                                               ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::OfferAssistance(grpc::CallbackServerContext* context,
                                                             const ketenbeeld::v1::OfferAssistanceRequest* request,
                                                             ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::AcceptOffer(grpc::CallbackServerContext* context,
                                                         const ketenbeeld::v1::AcceptOfferRequest* request,
                                                         ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::FulfillRequest(grpc::CallbackServerContext* context,
                                                            const ketenbeeld::v1::FulfillRequestRequest* request,
                                                            ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::CancelRequest(grpc::CallbackServerContext* context,
                                                           const ketenbeeld::v1::CancelRequestRequest* request,
                                                           ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = *request, .actor = {}}, response);
}

}  // namespace ketenbeeld::api
