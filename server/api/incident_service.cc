#include "server/api/incident_service.h"

namespace ketenbeeld::api {

grpc::ServerUnaryReactor* IncidentService::OpenIncident(grpc::CallbackServerContext* context,
                                                        const ketenbeeld::v1::OpenIncidentRequest* request,
                                                        ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* IncidentService::UpdateIncident(grpc::CallbackServerContext* context,
                                                          const ketenbeeld::v1::UpdateIncidentRequest* request,
                                                          ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* IncidentService::AddSituationEntry(grpc::CallbackServerContext* context,
                                                             const ketenbeeld::v1::AddSituationEntryRequest* request,
                                                             ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = *request, .actor = {}}, response);
}

}  // namespace ketenbeeld::api
