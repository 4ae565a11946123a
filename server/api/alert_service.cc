#include "server/api/alert_service.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/api/status.h"
#include "server/domain/filter.h"
#include "server/domain/names.h"
#include "server/domain/validation.h"
#include "server/pipeline/audience.h"

namespace ketenbeeld::api {

grpc::ServerUnaryReactor* AlertService::SendAlert(grpc::CallbackServerContext* context,
                                                  const ketenbeeld::v1::SendAlertRequest* request,
                                                  ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_.committer, pipeline::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* AlertService::AcknowledgeAlert(grpc::CallbackServerContext* context,
                                                         const ketenbeeld::v1::AcknowledgeAlertRequest* request,
                                                         ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, context_.committer, pipeline::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* AlertService::GetAlertAcknowledgements(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::GetAlertAcknowledgementsRequest* request,
    ketenbeeld::v1::AlertAcknowledgements* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(ReadAcknowledgements(*request, *response)));
  return reactor;
}

absl::Status AlertService::ReadAcknowledgements(const ketenbeeld::v1::GetAlertAcknowledgementsRequest& request,
                                                ketenbeeld::v1::AlertAcknowledgements& response) const {
  if (absl::Status status = domain::ValidateId(request.alert_id(), "alert_id"); !status.ok()) return status;
  static const domain::CompiledFilter* const kAlertsOrganizationsAcknowledgements = [] {
    ketenbeeld::v1::Filter filter;
    filter.add_kinds(ketenbeeld::v1::ENTITY_KIND_ALERT);
    filter.add_kinds(ketenbeeld::v1::ENTITY_KIND_ORGANIZATION);
    filter.add_kinds(ketenbeeld::v1::ENTITY_KIND_ACKNOWLEDGEMENT);
    return new domain::CompiledFilter(filter);
  }();
  // One snapshot for the alert, the audience and the acknowledgements, so the answer holds at `revision`. Every
  // alert name sorts before every organisation name, so the scan starts just before the alert's own name.
  const std::string alert_name = domain::AlertName(request.alert_id());
  const pipeline::Picture::Snapshot snapshot =
      context_.picture.Take(*kAlertsOrganizationsAcknowledgements, domain::AlertName(""));
  const auto alert =
      std::find_if(snapshot.records.begin(), snapshot.records.end(),
                   [&](const pipeline::RecordPtr& record) { return record->record.name() == alert_name; });
  if (alert == snapshot.records.end()) {
    return absl::NotFoundError(absl::StrCat("alert \"", request.alert_id(), "\" does not exist"));
  }
  const pipeline::AcknowledgementState state =
      pipeline::AcknowledgementStateIn((*alert)->record.alert(), snapshot.records);
  *response.mutable_alert() = (*alert)->record.alert();
  for (const ketenbeeld::v1::Acknowledgement& acknowledgement : state.acknowledgements) {
    *response.add_acknowledgements() = acknowledgement;
  }
  for (const std::string& id : state.unacknowledged_organization_ids) response.add_unacknowledged_organization_ids(id);
  response.set_audience_size(state.audience_size);
  response.set_revision(snapshot.revision);
  return absl::OkStatus();
}

}  // namespace ketenbeeld::api
