// Planners of the registry (organisations) and of status reports.
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/domain/endpoints.h"
#include "server/domain/entities.h"
#include "server/domain/filter.h"
#include "server/domain/identifiers.h"
#include "server/domain/indicator_validation.h"
#include "server/domain/names.h"
#include "server/domain/status_update.h"
#include "server/domain/validation.h"
#include "server/mutations/mutations.h"

namespace ketenbeeld::mutations {
namespace {

// ALREADY_EXISTS naming the field when another organisation holds one of `organization`'s standard identifiers, in
// the picture as the earlier writes of this group leave it. An identifier names one care provider in a national
// register, so two organisations holding it would make every join with that register ambiguous.
//
// Registrations are rare (the registry changes by hand, a few times a day), so this scans: the committed picture
// through the filter that List uses for the same question, then the group's earlier changes. A committed holder is
// checked again as the group leaves it (an earlier write of the group may have registered it without the value);
// a holder the group itself created or changed is among the earlier changes.
absl::Status CheckIdentifiersUnique(const ketenbeeld::v1::Organization& organization, absl::string_view name,
                                    const PlanContext& context) {
  if (!domain::HasIdentifiers(organization.identifiers())) return absl::OkStatus();
  ketenbeeld::v1::Filter holders;
  holders.add_kinds(ketenbeeld::v1::ENTITY_KIND_ORGANIZATION);
  *holders.mutable_identifiers() = organization.identifiers();
  const domain::CompiledFilter filter(holders);
  std::vector<state::RecordPtr> candidates = context.picture.Take(filter).records;
  for (const state::Change& change : context.earlier_changes) {
    if (change.record != nullptr && filter.Matches(change.record->record)) candidates.push_back(change.record);
  }
  for (const state::RecordPtr& candidate : candidates) {
    if (candidate->record.name() == name) continue;  // Its own earlier registration: replaced by this one.
    const state::RecordPtr current = context.lookup(candidate->record.name());
    if (current == nullptr || !current->record.has_organization()) continue;
    const domain::IdentifierScheme* shared =
        domain::SharedIdentifier(organization.identifiers(), current->record.organization().identifiers());
    if (shared == nullptr) continue;
    return absl::AlreadyExistsError(absl::StrCat(
        "organization.identifiers.", shared->field, ": ", shared->label, " \"",
        (organization.identifiers().*shared->value)(), "\" is already held by organisation \"",
        current->record.organization().id(),
        "\"; an identifier belongs to one organisation of the region (register that one without it first)"));
  }
  return absl::OkStatus();
}

}  // namespace

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
  if (absl::Status status = CheckIdentifiersUnique(organization, record.name(), context); !status.ok()) return status;
  // Reads never return a webhook's secret, so a registration read back and sent again carries none: keep the stored.
  if (absl::Status status = domain::KeepSecrets(
          previous != nullptr && previous->record.has_organization() ? &previous->record.organization() : nullptr,
          organization);
      !status.ok()) {
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
  // Answers to indicators: each for an indicator that is defined (in this picture or exercise), not retired, asks this
  // organisation, and of its type. Checked on the answers this report gives, not on those kept from before: an
  // indicator retired since then does not make the organisation's next report fail.
  const domain::checks::FieldPath report_path("report");
  const domain::checks::FieldPath values_path = report_path.Field("indicator_values");
  for (int i = 0; i < report.indicator_values_size(); ++i) {
    const ketenbeeld::v1::IndicatorValue& value = report.indicator_values(i);
    const state::RecordPtr indicator = context.lookup(domain::IndicatorName(value.indicator_id()));
    const ketenbeeld::v1::Indicator* definition =
        indicator != nullptr && indicator->record.has_indicator() ? &indicator->record.indicator() : nullptr;
    if (absl::Status fits = domain::IndicatorValueFits(definition, value, organization, values_path.Index(i));
        !fits.ok()) {
      return fits;
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
  const bool whole = domain::ReplacesWholeReport(request.update_mask());
  // Moved, not copied: `report` (a view of it) is not used below.
  stored = domain::ApplyStatusUpdate(whole || previous == nullptr ? nullptr : &previous->record.status_report(),
                                     std::move(*request.mutable_report()), request.update_mask(), context.commit_time);
  if (!whole) {
    if (stored.overall_status() == ketenbeeld::v1::OVERALL_STATUS_UNSPECIFIED) {
      return absl::FailedPreconditionError(
          absl::StrCat("report.overall_status: ", record.name(),
                       " has no report yet, so this first one must state the overall status (name "
                       "\"overall_status\" in update_mask, or send the whole report)"));
    }
    // Each part was valid; together they may not be (a merged disruption ending before it began).
    if (absl::Status merged = domain::ValidateStatusReport(stored); !merged.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(merged.message(), " (in the report as merged with revision ",
                                                     previous == nullptr ? 0 : previous->record.mod_revision(), ")"));
    }
  }
  // Ambulance figures from a nursing home would be summed with the region's ambulances: refused, not stored. Checked
  // on the merged report, so a part kept from before the organisation changed kind is refused too.
  if (absl::Status fits = domain::ValidateStatusReportFitsKind(stored, organization.kind(), "report"); !fits.ok()) {
    return fits;
  }
  stored.clear_overdue_since();  // A new report is on time by definition.
  domain::NormalizeStatusReport(context.commit_time, ReportingInterval(organization, context), stored);
  return Put(std::move(record), std::move(previous));
}

}  // namespace ketenbeeld::mutations
