// The gRPC AlertService: alerts, acknowledgements, and who has (not) acknowledged. Writes go through the commit
// pipeline (validation in server/domain/incident_validation.h, rules in server/mutations/mutations_alert.cc); the
// acknowledgement view is read from one snapshot of the picture.
//
// Thread safety: handlers may run concurrently; the service holds no mutable state.
#ifndef KETENBEELD_SERVER_API_ALERT_SERVICE_H_
#define KETENBEELD_SERVER_API_ALERT_SERVICE_H_

#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "server/api/service_context.h"

namespace ketenbeeld::api {

class AlertService final : public ketenbeeld::v1::AlertService::CallbackService {
 public:
  // Everything `context` refers to must outlive the service.
  explicit AlertService(const ServiceContext& context);

  // OK with the revision and the alert record. INVALID_ARGUMENT (a field, a deadline not in the future, an unknown
  // incident or named organisation); NOT_FOUND when cancelling an unknown alert; FAILED_PRECONDITION when the alert
  // is cancelled; ABORTED when expected_revision does not match.
  grpc::ServerUnaryReactor* SendAlert(grpc::CallbackServerContext* context,
                                      const ketenbeeld::v1::SendAlertRequest* request,
                                      ketenbeeld::v1::WriteResponse* response) override;
  // OK with the acknowledgement record. NOT_FOUND for an unknown alert; INVALID_ARGUMENT for an unregistered
  // organisation; FAILED_PRECONDITION when the alert is cancelled or the organisation is not in its audience.
  grpc::ServerUnaryReactor* AcknowledgeAlert(grpc::CallbackServerContext* context,
                                             const ketenbeeld::v1::AcknowledgeAlertRequest* request,
                                             ketenbeeld::v1::WriteResponse* response) override;
  // The alert, its acknowledgements and the organisations of its audience without one, all at one revision.
  // INVALID_ARGUMENT for a malformed id; NOT_FOUND for an unknown alert.
  grpc::ServerUnaryReactor* GetAlertAcknowledgements(grpc::CallbackServerContext* context,
                                                     const ketenbeeld::v1::GetAlertAcknowledgementsRequest* request,
                                                     ketenbeeld::v1::AlertAcknowledgements* response) override;
  // OK with the closed task. INVALID_ARGUMENT (task_id, note); NOT_FOUND for an unknown task; FAILED_PRECONDITION
  // when it is closed already; PERMISSION_DENIED for any role but the GHOR.
  grpc::ServerUnaryReactor* CloseEscalationTask(grpc::CallbackServerContext* context,
                                                const ketenbeeld::v1::CloseEscalationTaskRequest* request,
                                                ketenbeeld::v1::WriteResponse* response) override;

 private:
  const ServiceContext context_;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_ALERT_SERVICE_H_
