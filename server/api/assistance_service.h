// The gRPC AssistanceService: requests for help (hulpvraag) and offers. Thin handlers: every call is a write through
// the commit pipeline (validation in server/domain/assistance_validation.h, lifecycle rules in
// server/mutations/mutations_assistance.cc), answered once it is durable or refused.
//
// Lifecycle: OPEN -> OFFERED -> ACCEPTED -> FULFILLED; OPEN / OFFERED / ACCEPTED -> CANCELLED. Every other transition
// is FAILED_PRECONDITION, with the request's current state in the message.
//
// Thread safety: handlers may run concurrently; the service holds no mutable state.
#ifndef KETENBEELD_SERVER_API_ASSISTANCE_SERVICE_H_
#define KETENBEELD_SERVER_API_ASSISTANCE_SERVICE_H_

#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "server/api/service_context.h"

namespace ketenbeeld::api {

class AssistanceService final : public ketenbeeld::v1::AssistanceService::CallbackService {
 public:
  // Everything `context` refers to must outlive the service.
  explicit AssistanceService(const ServiceContext& context);

  // OK with the revision and the request record (status OPEN); INVALID_ARGUMENT for a field, an unregistered
  // requester or an unknown incident; FAILED_PRECONDITION when the id exists already.
  grpc::ServerUnaryReactor* RequestAssistance(grpc::CallbackServerContext* context,
                                              const ketenbeeld::v1::RequestAssistanceRequest* request,
                                              ketenbeeld::v1::WriteResponse* response) override;
  // NOT_FOUND for an unknown request; INVALID_ARGUMENT for an unregistered offerer or the requester itself;
  // FAILED_PRECONDITION unless the request is OPEN or OFFERED, or when it already has 100 other offers.
  grpc::ServerUnaryReactor* OfferAssistance(grpc::CallbackServerContext* context,
                                            const ketenbeeld::v1::OfferAssistanceRequest* request,
                                            ketenbeeld::v1::WriteResponse* response) override;
  // NOT_FOUND for an unknown request; FAILED_PRECONDITION unless it is OFFERED; INVALID_ARGUMENT when the
  // organisation made no offer.
  grpc::ServerUnaryReactor* AcceptOffer(grpc::CallbackServerContext* context,
                                        const ketenbeeld::v1::AcceptOfferRequest* request,
                                        ketenbeeld::v1::WriteResponse* response) override;
  // NOT_FOUND for an unknown request; FAILED_PRECONDITION unless it is ACCEPTED.
  grpc::ServerUnaryReactor* FulfillRequest(grpc::CallbackServerContext* context,
                                           const ketenbeeld::v1::FulfillRequestRequest* request,
                                           ketenbeeld::v1::WriteResponse* response) override;
  // NOT_FOUND for an unknown request; FAILED_PRECONDITION when it is FULFILLED or CANCELLED.
  grpc::ServerUnaryReactor* CancelRequest(grpc::CallbackServerContext* context,
                                          const ketenbeeld::v1::CancelRequestRequest* request,
                                          ketenbeeld::v1::WriteResponse* response) override;

  // Bed reservations (reservation.proto): every call a write through the commit pipeline (validation in
  // server/domain/reservation_validation.h, the lifecycle and the count of free beds in
  // server/mutations/mutations_reservation.cc). ReserveBed: OK with the revision and the reservation (HELD);
  // FAILED_PRECONDITION when no bed of the type is available; INVALID_ARGUMENT naming the field.
  grpc::ServerUnaryReactor* ReserveBed(grpc::CallbackServerContext* context,
                                       const ketenbeeld::v1::ReserveBedRequest* request,
                                       ketenbeeld::v1::WriteResponse* response) override;
  // NOT_FOUND for an unknown reservation; FAILED_PRECONDITION naming the state unless it is HELD.
  grpc::ServerUnaryReactor* ConfirmReservation(grpc::CallbackServerContext* context,
                                               const ketenbeeld::v1::ConfirmReservationRequest* request,
                                               ketenbeeld::v1::WriteResponse* response) override;
  grpc::ServerUnaryReactor* ReleaseReservation(grpc::CallbackServerContext* context,
                                               const ketenbeeld::v1::ReleaseReservationRequest* request,
                                               ketenbeeld::v1::WriteResponse* response) override;

 private:
  const ServiceContext context_;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_ASSISTANCE_SERVICE_H_
