#include "server/api/incident_service.h"

#include "server/api/parse_checked.h"

namespace ketenbeeld::api {

IncidentService::IncidentService(const ServiceContext& context) : context_(context) {
  // Requests that cannot be parsed are answered INVALID_ARGUMENT, not UNIMPLEMENTED: see parse_checked.h.
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::IncidentService::service_full_name(), "OpenIncident"),
                     ParseChecked(this, context_, &IncidentService::OpenIncident));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::IncidentService::service_full_name(), "UpdateIncident"),
                     ParseChecked(this, context_, &IncidentService::UpdateIncident));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::IncidentService::service_full_name(), "AddSituationEntry"),
                     ParseChecked(this, context_, &IncidentService::AddSituationEntry));
}

grpc::ServerUnaryReactor* IncidentService::OpenIncident(grpc::CallbackServerContext* context,
                                                        const ketenbeeld::v1::OpenIncidentRequest* request,
                                                        ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* IncidentService::UpdateIncident(grpc::CallbackServerContext* context,
                                                          const ketenbeeld::v1::UpdateIncidentRequest* request,
                                                          ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* IncidentService::AddSituationEntry(grpc::CallbackServerContext* context,
                                                             const ketenbeeld::v1::AddSituationEntryRequest* request,
                                                             ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

}  // namespace ketenbeeld::api
