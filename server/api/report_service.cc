#include "server/api/report_service.h"

#include <utility>

#include "absl/time/clock.h"
#include "server/api/status.h"
#include "server/pipeline/reports.h"

namespace ketenbeeld::api {
namespace {

// Finishes the call with the query's result: the response on success, the status otherwise.
template <typename Response>
grpc::ServerUnaryReactor* FinishQuery(grpc::CallbackServerContext* context, absl::StatusOr<Response> result,
                                      Response* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Status status = result.status();
  if (status.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* ReportService::PutScenario(grpc::CallbackServerContext* context,
                                                     const ketenbeeld::v1::PutScenarioRequest* request,
                                                     ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_.committer, pipeline::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* ReportService::GetGapReport(grpc::CallbackServerContext* context,
                                                      const ketenbeeld::v1::GetGapReportRequest* request,
                                                      ketenbeeld::v1::GapReport* response) {
  return FinishQuery(context, pipeline::ComputeGapReport(*request, context_.picture, absl::Now()), response);
}

grpc::ServerUnaryReactor* ReportService::GetCapacityOverview(grpc::CallbackServerContext* context,
                                                             const ketenbeeld::v1::GetCapacityOverviewRequest* request,
                                                             ketenbeeld::v1::CapacityOverview* response) {
  return FinishQuery(context, pipeline::ComputeCapacityOverview(*request, context_.picture, absl::Now()), response);
}

grpc::ServerUnaryReactor* ReportService::GetOperationalSummary(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::GetOperationalSummaryRequest* request,
    ketenbeeld::v1::OperationalSummary* response) {
  return FinishQuery(context, pipeline::ComputeOperationalSummary(*request, context_.picture), response);
}

grpc::ServerUnaryReactor* ReportService::FindCapacity(grpc::CallbackServerContext* context,
                                                      const ketenbeeld::v1::FindCapacityRequest* request,
                                                      ketenbeeld::v1::FindCapacityResponse* response) {
  return FinishQuery(context, pipeline::FindCapacity(*request, context_.picture), response);
}

}  // namespace ketenbeeld::api
