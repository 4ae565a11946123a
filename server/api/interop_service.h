// The gRPC InteropService: alerts as CAP 1.2 and status reports as EDXL-HAVE 2.0, out and in
// (interop_service.proto). Thin: admit the caller, call the service layer (server/service/interop_operations.cc),
// finish the call.
//
// Thread safety: handlers may run concurrently; the service holds no mutable state.
#ifndef KETENBEELD_SERVER_API_INTEROP_SERVICE_H_
#define KETENBEELD_SERVER_API_INTEROP_SERVICE_H_

#include "ketenbeeld/v1/interop_service.grpc.pb.h"
#include "server/api/service_context.h"

namespace ketenbeeld::api {

class InteropService final : public ketenbeeld::v1::InteropService::CallbackService {
 public:
  // Everything `context` refers to must outlive the service.
  explicit InteropService(const ServiceContext& context);

  // OK with the CAP message. INVALID_ARGUMENT for a malformed id; NOT_FOUND for an unknown alert.
  grpc::ServerUnaryReactor* ExportAlertCap(grpc::CallbackServerContext* context,
                                           const ketenbeeld::v1::ExportAlertCapRequest* request,
                                           ketenbeeld::v1::XmlExport* response) override;
  // OK with the alert record as committed and what was not imported. INVALID_ARGUMENT naming the element for a
  // document refused; PERMISSION_DENIED for a role other than the GHOR; then SendAlert's codes.
  grpc::ServerUnaryReactor* ImportAlertCap(grpc::CallbackServerContext* context,
                                           const ketenbeeld::v1::ImportXmlRequest* request,
                                           ketenbeeld::v1::ImportXmlResponse* response) override;
  // OK with the HAVE document; runs on the scan executor (a region's export lists the region). INVALID_ARGUMENT for
  // a malformed id or region; NOT_FOUND for an unknown organisation, or one (a region) without a status report.
  grpc::ServerUnaryReactor* ExportStatusHave(grpc::CallbackServerContext* context,
                                             const ketenbeeld::v1::ExportStatusHaveRequest* request,
                                             ketenbeeld::v1::XmlExport* response) override;
  // OK with the status record as committed and what was not imported. INVALID_ARGUMENT naming the element for a
  // document refused; PERMISSION_DENIED for another organisation's status (but for the GHOR); then ReportStatus's.
  grpc::ServerUnaryReactor* ImportStatusHave(grpc::CallbackServerContext* context,
                                             const ketenbeeld::v1::ImportXmlRequest* request,
                                             ketenbeeld::v1::ImportXmlResponse* response) override;
  // OK with the FHIR resource; runs on the scan executor (a region's MeasureReport computes the capacity overview).
  // INVALID_ARGUMENT for a missing type or scope, a malformed id or region; NOT_FOUND for an unknown organisation or
  // site, or an organisation without a status report; PERMISSION_DENIED for a region's report to a role that may not
  // read the capacity overview.
  grpc::ServerUnaryReactor* ExportFhir(grpc::CallbackServerContext* context,
                                       const ketenbeeld::v1::ExportFhirRequest* request,
                                       ketenbeeld::v1::FhirExport* response) override;

 private:
  const ServiceContext context_;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_INTEROP_SERVICE_H_
