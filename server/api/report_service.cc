#include "server/api/report_service.h"

#include "server/api/parse_checked.h"

namespace ketenbeeld::api {

ReportService::ReportService(const ServiceContext& context) : context_(context) {
  // Requests that cannot be parsed are answered INVALID_ARGUMENT, not UNIMPLEMENTED: see parse_checked.h.
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "PutScenario"),
                     ParseChecked(this, context_, &ReportService::PutScenario));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "GetGapReport"),
                     ParseChecked(this, context_, &ReportService::GetGapReport));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "DefineIndicator"),
                     ParseChecked(this, context_, &ReportService::DefineIndicator));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "RetireIndicator"),
                     ParseChecked(this, context_, &ReportService::RetireIndicator));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "GetIndicatorOverview"),
                     ParseChecked(this, context_, &ReportService::GetIndicatorOverview));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "GetCapacityOverview"),
                     ParseChecked(this, context_, &ReportService::GetCapacityOverview));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "GetOperationalSummary"),
                     ParseChecked(this, context_, &ReportService::GetOperationalSummary));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "FindCapacity"),
                     ParseChecked(this, context_, &ReportService::FindCapacity));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "GetContinuityTimeline"),
                     ParseChecked(this, context_, &ReportService::GetContinuityTimeline));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "GetEvaluation"),
                     ParseChecked(this, context_, &ReportService::GetEvaluation));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::ReportService::service_full_name(), "GetSituationReport"),
                     ParseChecked(this, context_, &ReportService::GetSituationReport));
}

grpc::ServerUnaryReactor* ReportService::PutScenario(grpc::CallbackServerContext* context,
                                                     const ketenbeeld::v1::PutScenarioRequest* request,
                                                     ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* ReportService::GetGapReport(grpc::CallbackServerContext* context,
                                                      const ketenbeeld::v1::GetGapReportRequest* request,
                                                      ketenbeeld::v1::GapReport* response) {
  return Serve(context, context_, response, [&](const security::Identity& caller) {
    return Answer(context_.operations.GetGapReport(caller, *request), response);
  });
}

grpc::ServerUnaryReactor* ReportService::DefineIndicator(grpc::CallbackServerContext* context,
                                                         const ketenbeeld::v1::DefineIndicatorRequest* request,
                                                         ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* ReportService::RetireIndicator(grpc::CallbackServerContext* context,
                                                         const ketenbeeld::v1::RetireIndicatorRequest* request,
                                                         ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_, mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* ReportService::GetIndicatorOverview(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::GetIndicatorOverviewRequest* request,
    ketenbeeld::v1::IndicatorOverview* response) {
  return Serve(context, context_, response, [&](const security::Identity& caller) {
    return Answer(context_.operations.GetIndicatorOverview(caller, *request), response);
  });
}

grpc::ServerUnaryReactor* ReportService::GetCapacityOverview(grpc::CallbackServerContext* context,
                                                             const ketenbeeld::v1::GetCapacityOverviewRequest* request,
                                                             ketenbeeld::v1::CapacityOverview* response) {
  return Serve(context, context_, response, [&](const security::Identity& caller) {
    return Answer(context_.operations.GetCapacityOverview(caller, *request), response);
  });
}

grpc::ServerUnaryReactor* ReportService::GetOperationalSummary(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::GetOperationalSummaryRequest* request,
    ketenbeeld::v1::OperationalSummary* response) {
  return Serve(context, context_, response, [&](const security::Identity& caller) {
    return Answer(context_.operations.GetOperationalSummary(caller, *request), response);
  });
}

grpc::ServerUnaryReactor* ReportService::FindCapacity(grpc::CallbackServerContext* context,
                                                      const ketenbeeld::v1::FindCapacityRequest* request,
                                                      ketenbeeld::v1::FindCapacityResponse* response) {
  return Serve(context, context_, response, [&](const security::Identity& caller) {
    return Answer(context_.operations.FindCapacity(caller, *request), response);
  });
}

grpc::ServerUnaryReactor* ReportService::GetContinuityTimeline(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::GetContinuityTimelineRequest* request,
    ketenbeeld::v1::ContinuityTimeline* response) {
  return Serve(context, context_, response, [&](const security::Identity& caller) {
    return Answer(context_.operations.GetContinuityTimeline(caller, *request), response);
  });
}

grpc::ServerUnaryReactor* ReportService::GetEvaluation(grpc::CallbackServerContext* context,
                                                       const ketenbeeld::v1::GetEvaluationRequest* request,
                                                       ketenbeeld::v1::Evaluation* response) {
  return ServeScan(context, context_, response, [this, request, response](const security::Identity& caller) {
    return Answer(context_.operations.GetEvaluation(caller, *request), response);
  });
}

grpc::ServerUnaryReactor* ReportService::GetSituationReport(grpc::CallbackServerContext* context,
                                                            const ketenbeeld::v1::GetSituationReportRequest* request,
                                                            ketenbeeld::v1::SituationReport* response) {
  return ServeScan(context, context_, response, [this, request, response](const security::Identity& caller) {
    return Answer(context_.operations.GetSituationReport(caller, *request), response);
  });
}

}  // namespace ketenbeeld::api
