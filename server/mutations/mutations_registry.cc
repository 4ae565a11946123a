// Planners of the registry (organisations) and of status reports.
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/domain/entities.h"
#include "server/domain/names.h"
#include "server/domain/validation.h"
#include "server/mutations/mutations.h"

namespace ketenbeeld::mutations {

absl::StatusOr<PlannedChange> PlanRegisterOrganization(const ketenbeeld::v1::RegisterOrganizationRequest& request,
                                                       const PlanContext& context) {
  ketenbeeld::v1::Organization organization = request.organization();
  domain::NormalizeOrganization(organization);
  if (absl::Status status = CheckOwnRegion(organization.safety_region(), "organization.safety_region", context.region);
      !status.ok()) {
    return status;
  }
  ketenbeeld::v1::Record record;
  record.set_name(domain::OrganizationName(organization.id()));
  state::RecordPtr previous = context.lookup(record.name());
  if (absl::Status status = CheckExpectedRevision(ExpectedRevision(request), previous, record.name()); !status.ok()) {
    return status;
  }
  record.set_kind(ketenbeeld::v1::ENTITY_KIND_ORGANIZATION);
  ketenbeeld::v1::Scope& scope = *record.mutable_scope();
  scope.set_organization_id(organization.id());
  scope.set_safety_region(organization.safety_region());
  scope.set_sector(organization.sector());
  scope.set_organization_kind(organization.kind());
  *record.mutable_organization() = std::move(organization);
  return Put(std::move(record), std::move(previous));
}

absl::StatusOr<PlannedChange> PlanReportStatus(ketenbeeld::v1::ReportStatusRequest request,
                                               const PlanContext& context) {
  const ketenbeeld::v1::StatusReport& report = request.report();
  const state::RecordPtr organization_record = context.lookup(domain::OrganizationName(report.organization_id()));
  if (organization_record == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("report.organization_id: organisation \"", report.organization_id(),
                                                   "\" is not registered; register it first"));
  }
  const ketenbeeld::v1::Organization& organization = organization_record->record.organization();
  // Ambulance figures from a nursing home would be summed with the region's ambulances: refused, not stored.
  if (absl::Status fits = domain::ValidateStatusReportFitsKind(report, organization.kind(), "report"); !fits.ok()) {
    return fits;
  }
  if (!report.location_id().empty()) {
    bool known = false;
    for (const ketenbeeld::v1::Location& location : organization.locations()) {
      known = known || location.id() == report.location_id();
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("report.location_id: organisation \"", organization.id(),
                                                     "\" has no location \"", report.location_id(), "\""));
    }
  }
  ketenbeeld::v1::Record record;
  record.set_name(domain::StatusReportName(report.organization_id(), report.location_id()));
  state::RecordPtr previous = context.lookup(record.name());
  if (absl::Status status = CheckExpectedRevision(ExpectedRevision(request), previous, record.name()); !status.ok()) {
    return status;
  }
  record.set_kind(ketenbeeld::v1::ENTITY_KIND_STATUS_REPORT);
  *record.mutable_scope() = organization_record->record.scope();
  ketenbeeld::v1::StatusReport& stored = *record.mutable_status_report();
  stored = std::move(*request.mutable_report());  // Moved, not copied; `report` (a view of it) is not used below.
  stored.clear_overdue_since();                   // A new report is on time by definition.
  domain::NormalizeStatusReport(context.commit_time, ReportingInterval(organization, context), stored);
  return Put(std::move(record), std::move(previous));
}

}  // namespace ketenbeeld::mutations
