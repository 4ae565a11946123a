#include "server/api/interop_service.h"

#include <utility>

#include "server/api/parse_checked.h"

namespace ketenbeeld::api {
namespace {

namespace v1 = ketenbeeld::v1;

// Admits the caller and runs an import (Operations::ImportAlertCap or ImportStatusHave); finishes the call when its
// write is durable or refused. The handler returns the reactor at once.
template <typename Import>
grpc::ServerUnaryReactor* SubmitImport(grpc::CallbackServerContext* context, const ServiceContext& services,
                                       const v1::ImportXmlRequest& request, v1::ImportXmlResponse* response,
                                       Import run) {
  absl::StatusOr<CallerGate::AdmittedCall> admitted = services.gate.AdmitCall(*context);
  if (!admitted.ok()) return RefuseCall(context, admitted.status());
  auto* reactor = new BudgetedReactor(std::move(admitted->lease));
  (services.operations.*run)(admitted->identity, request,
                             [reactor, response](absl::StatusOr<v1::ImportXmlResponse> result) {
                               if (result.ok()) *response = *std::move(result);
                               reactor->FinishWith(result.status(), response);
                             });
  return reactor;
}

}  // namespace

InteropService::InteropService(const ServiceContext& context) : context_(context) {
  // Requests that cannot be parsed are answered INVALID_ARGUMENT, not UNIMPLEMENTED: see parse_checked.h.
  const std::string service = v1::InteropService::service_full_name();
  MarkMethodCallback(MethodIndex(service, "ExportAlertCap"),
                     ParseChecked(this, context_, &InteropService::ExportAlertCap));
  MarkMethodCallback(MethodIndex(service, "ImportAlertCap"),
                     ParseChecked(this, context_, &InteropService::ImportAlertCap));
  MarkMethodCallback(MethodIndex(service, "ExportStatusHave"),
                     ParseChecked(this, context_, &InteropService::ExportStatusHave));
  MarkMethodCallback(MethodIndex(service, "ImportStatusHave"),
                     ParseChecked(this, context_, &InteropService::ImportStatusHave));
  MarkMethodCallback(MethodIndex(service, "ExportFhir"), ParseChecked(this, context_, &InteropService::ExportFhir));
}

grpc::ServerUnaryReactor* InteropService::ExportAlertCap(grpc::CallbackServerContext* context,
                                                         const v1::ExportAlertCapRequest* request,
                                                         v1::XmlExport* response) {
  return Serve(context, context_, response, [&](const security::Identity& caller) {
    return Answer(context_.operations.ExportAlertCap(caller, *request), response);
  });
}

grpc::ServerUnaryReactor* InteropService::ImportAlertCap(grpc::CallbackServerContext* context,
                                                         const v1::ImportXmlRequest* request,
                                                         v1::ImportXmlResponse* response) {
  return SubmitImport(context, context_, *request, response, &service::Operations::ImportAlertCap);
}

grpc::ServerUnaryReactor* InteropService::ExportStatusHave(grpc::CallbackServerContext* context,
                                                           const v1::ExportStatusHaveRequest* request,
                                                           v1::XmlExport* response) {
  return ServeScan(context, context_, response,
                   [operations = &context_.operations, request, response](const security::Identity& caller) {
                     return Answer(operations->ExportStatusHave(caller, *request), response);
                   });
}

grpc::ServerUnaryReactor* InteropService::ImportStatusHave(grpc::CallbackServerContext* context,
                                                           const v1::ImportXmlRequest* request,
                                                           v1::ImportXmlResponse* response) {
  return SubmitImport(context, context_, *request, response, &service::Operations::ImportStatusHave);
}

grpc::ServerUnaryReactor* InteropService::ExportFhir(grpc::CallbackServerContext* context,
                                                     const v1::ExportFhirRequest* request, v1::FhirExport* response) {
  return ServeScan(context, context_, response,
                   [operations = &context_.operations, request, response](const security::Identity& caller) {
                     return Answer(operations->ExportFhir(caller, *request), response);
                   });
}

}  // namespace ketenbeeld::api
