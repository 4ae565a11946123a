#include "server/api/assistance_service.h"

#include "server/api/parse_checked.h"

namespace ketenbeeld::api {

AssistanceService::AssistanceService(const ServiceContext& context) : context_(context) {
  // Requests that cannot be parsed are answered INVALID_ARGUMENT, not UNIMPLEMENTED: see parse_checked.h.
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AssistanceService::service_full_name(), "RequestAssistance"),
                     ParseChecked(this, context_, &AssistanceService::RequestAssistance));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AssistanceService::service_full_name(), "OfferAssistance"),
                     ParseChecked(this, context_, &AssistanceService::OfferAssistance));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AssistanceService::service_full_name(), "AcceptOffer"),
                     ParseChecked(this, context_, &AssistanceService::AcceptOffer));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AssistanceService::service_full_name(), "FulfillRequest"),
                     ParseChecked(this, context_, &AssistanceService::FulfillRequest));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AssistanceService::service_full_name(), "CancelRequest"),
                     ParseChecked(this, context_, &AssistanceService::CancelRequest));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AssistanceService::service_full_name(), "ReserveBed"),
                     ParseChecked(this, context_, &AssistanceService::ReserveBed));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AssistanceService::service_full_name(), "ConfirmReservation"),
                     ParseChecked(this, context_, &AssistanceService::ConfirmReservation));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::AssistanceService::service_full_name(), "ReleaseReservation"),
                     ParseChecked(this, context_, &AssistanceService::ReleaseReservation));
}

grpc::ServerUnaryReactor* AssistanceService::RequestAssistance(grpc::CallbackServerContext* context,
                                                               const ketenbeeld::v1::RequestAssistanceRequest* request,
                                                               ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::OfferAssistance(grpc::CallbackServerContext* context,
                                                             const ketenbeeld::v1::OfferAssistanceRequest* request,
                                                             ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::AcceptOffer(grpc::CallbackServerContext* context,
                                                         const ketenbeeld::v1::AcceptOfferRequest* request,
                                                         ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::FulfillRequest(grpc::CallbackServerContext* context,
                                                            const ketenbeeld::v1::FulfillRequestRequest* request,
                                                            ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::CancelRequest(grpc::CallbackServerContext* context,
                                                           const ketenbeeld::v1::CancelRequestRequest* request,
                                                           ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::ReserveBed(grpc::CallbackServerContext* context,
                                                        const ketenbeeld::v1::ReserveBedRequest* request,
                                                        ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::ConfirmReservation(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::ConfirmReservationRequest* request,
    ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* AssistanceService::ReleaseReservation(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::ReleaseReservationRequest* request,
    ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

}  // namespace ketenbeeld::api
