// The gRPC IncidentService: incidents and their situation logs. Thin handlers: every call is a write through the
// commit pipeline (validation in server/domain/incident_validation.h, rules in server/mutations/mutations_incident.cc),
// answered once it is durable or refused.
//
// Thread safety: handlers may run concurrently; the service holds no mutable state.
#ifndef KETENBEELD_SERVER_API_INCIDENT_SERVICE_H_
#define KETENBEELD_SERVER_API_INCIDENT_SERVICE_H_

#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "server/api/service_context.h"

namespace ketenbeeld::api {

class IncidentService final : public ketenbeeld::v1::IncidentService::CallbackService {
 public:
  // Everything `context` refers to must outlive the service.
  explicit IncidentService(const ServiceContext& context);

  // OK with the revision and the incident record; INVALID_ARGUMENT (a field, an unknown scale-up level, an
  // unregistered affected organisation); FAILED_PRECONDITION when the id exists already.
  grpc::ServerUnaryReactor* OpenIncident(grpc::CallbackServerContext* context,
                                         const ketenbeeld::v1::OpenIncidentRequest* request,
                                         ketenbeeld::v1::WriteResponse* response) override;
  // NOT_FOUND for an unknown incident; FAILED_PRECONDITION when it is closed; ABORTED when expected_revision does
  // not match; INVALID_ARGUMENT as for OpenIncident.
  grpc::ServerUnaryReactor* UpdateIncident(grpc::CallbackServerContext* context,
                                           const ketenbeeld::v1::UpdateIncidentRequest* request,
                                           ketenbeeld::v1::WriteResponse* response) override;
  // INVALID_ARGUMENT for a field or an unknown incident; FAILED_PRECONDITION when the incident is closed.
  grpc::ServerUnaryReactor* AddSituationEntry(grpc::CallbackServerContext* context,
                                              const ketenbeeld::v1::AddSituationEntryRequest* request,
                                              ketenbeeld::v1::WriteResponse* response) override;

 private:
  const ServiceContext context_;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_INCIDENT_SERVICE_H_
