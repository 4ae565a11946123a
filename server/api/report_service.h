// The gRPC ReportService: scenarios of the care risk profile (a write through the commit pipeline) and the reports
// for GHOR, the administration (bestuur) and dispatch. The reports are thin handlers over the plain C++ queries of
// server/queries/reports.h, each computed from one consistent snapshot of the picture and carrying its revision.
//
// Thread safety: handlers may run concurrently; the service holds no mutable state.
#ifndef KETENBEELD_SERVER_API_REPORT_SERVICE_H_
#define KETENBEELD_SERVER_API_REPORT_SERVICE_H_

#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "server/api/service_context.h"

namespace ketenbeeld::api {

class ReportService final : public ketenbeeld::v1::ReportService::CallbackService {
 public:
  // Everything `context` refers to must outlive the service.
  explicit ReportService(const ServiceContext& context);

  // Creates or replaces a scenario. INVALID_ARGUMENT for a field; ABORTED when expected_revision does not match.
  grpc::ServerUnaryReactor* PutScenario(grpc::CallbackServerContext* context,
                                        const ketenbeeld::v1::PutScenarioRequest* request,
                                        ketenbeeld::v1::WriteResponse* response) override;
  // NOT_FOUND for an unknown scenario; INVALID_ARGUMENT for a malformed scenario_id.
  grpc::ServerUnaryReactor* GetGapReport(grpc::CallbackServerContext* context,
                                         const ketenbeeld::v1::GetGapReportRequest* request,
                                         ketenbeeld::v1::GapReport* response) override;
  // Questionnaires: writes through the commit pipeline (INVALID_ARGUMENT for a field, ABORTED for expected_revision,
  // FAILED_PRECONDITION for a retired indicator, NOT_FOUND retiring one that does not exist) and the aggregate
  // (INVALID_ARGUMENT for a malformed selection, NOT_FOUND for an unknown indicator or incident).
  grpc::ServerUnaryReactor* DefineIndicator(grpc::CallbackServerContext* context,
                                            const ketenbeeld::v1::DefineIndicatorRequest* request,
                                            ketenbeeld::v1::WriteResponse* response) override;
  grpc::ServerUnaryReactor* RetireIndicator(grpc::CallbackServerContext* context,
                                            const ketenbeeld::v1::RetireIndicatorRequest* request,
                                            ketenbeeld::v1::WriteResponse* response) override;
  grpc::ServerUnaryReactor* GetIndicatorOverview(grpc::CallbackServerContext* context,
                                                 const ketenbeeld::v1::GetIndicatorOverviewRequest* request,
                                                 ketenbeeld::v1::IndicatorOverview* response) override;
  // INVALID_ARGUMENT for an unknown region, sector or bed type in the selection.
  grpc::ServerUnaryReactor* GetCapacityOverview(grpc::CallbackServerContext* context,
                                                const ketenbeeld::v1::GetCapacityOverviewRequest* request,
                                                ketenbeeld::v1::CapacityOverview* response) override;
  grpc::ServerUnaryReactor* GetOperationalSummary(grpc::CallbackServerContext* context,
                                                  const ketenbeeld::v1::GetOperationalSummaryRequest* request,
                                                  ketenbeeld::v1::OperationalSummary* response) override;
  // INVALID_ARGUMENT naming the field (near, radius_km, bed_type, min_available, limit).
  grpc::ServerUnaryReactor* FindCapacity(grpc::CallbackServerContext* context,
                                         const ketenbeeld::v1::FindCapacityRequest* request,
                                         ketenbeeld::v1::FindCapacityResponse* response) override;
  grpc::ServerUnaryReactor* GetContinuityTimeline(grpc::CallbackServerContext* context,
                                                  const ketenbeeld::v1::GetContinuityTimelineRequest* request,
                                                  ketenbeeld::v1::ContinuityTimeline* response) override;
  // Reads the incident's log: on the pool of store scans (ServeScan), off gRPC's threads.
  grpc::ServerUnaryReactor* GetEvaluation(grpc::CallbackServerContext* context,
                                          const ketenbeeld::v1::GetEvaluationRequest* request,
                                          ketenbeeld::v1::Evaluation* response) override;
  // Reads the picture at two revisions from the store: on the pool of store scans (ServeScan) as well.
  grpc::ServerUnaryReactor* GetSituationReport(grpc::CallbackServerContext* context,
                                               const ketenbeeld::v1::GetSituationReportRequest* request,
                                               ketenbeeld::v1::SituationReport* response) override;

 private:
  const ServiceContext context_;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_REPORT_SERVICE_H_
