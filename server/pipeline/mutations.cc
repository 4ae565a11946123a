#include "server/pipeline/mutations.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/domain/entities.h"
#include "server/domain/names.h"
#include "server/domain/validation.h"

namespace ketenbeeld::pipeline {
namespace {

using ketenbeeld::v1::EntityKind;
using ketenbeeld::v1::RegisterOrganizationRequest;
using ketenbeeld::v1::ReportStatusRequest;

// Compare-and-set: `expected` is the record's mod_revision, or 0 for "must not exist".
absl::Status CheckExpectedRevision(std::optional<int64_t> expected, const RecordPtr& current, absl::string_view name) {
  if (!expected.has_value()) return absl::OkStatus();
  const int64_t actual = current == nullptr ? 0 : current->record.mod_revision();
  if (*expected == actual) return absl::OkStatus();
  if (actual == 0) {
    return absl::AbortedError(
        absl::StrCat("expected_revision: ", name, " does not exist, expected it at revision ", *expected));
  }
  return absl::AbortedError(absl::StrCat("expected_revision: ", name, " is at revision ", actual, ", expected ",
                                         *expected == 0 ? "it not to exist" : absl::StrCat(*expected)));
}

std::optional<int64_t> ExpectedRevision(const auto& request) {
  if (!request.has_expected_revision()) return std::nullopt;
  return request.expected_revision();
}

absl::StatusOr<PlannedChange> PlanRegister(const RegisterOrganizationRequest& request, RecordLookup lookup) {
  PlannedChange change;
  ketenbeeld::v1::Organization organization = request.organization();
  domain::NormalizeOrganization(organization);
  change.record.set_name(domain::OrganizationName(organization.id()));
  change.previous = lookup(change.record.name());
  if (absl::Status status = CheckExpectedRevision(ExpectedRevision(request), change.previous, change.record.name());
      !status.ok()) {
    return status;
  }
  change.record.set_kind(ketenbeeld::v1::ENTITY_KIND_ORGANIZATION);
  ketenbeeld::v1::Scope& scope = *change.record.mutable_scope();
  scope.set_organization_id(organization.id());
  scope.set_safety_region(organization.safety_region());
  scope.set_sector(organization.sector());
  scope.set_organization_kind(organization.kind());
  *change.record.mutable_organization() = std::move(organization);
  return change;
}

absl::StatusOr<PlannedChange> PlanReportStatus(const ReportStatusRequest& request, RecordLookup lookup,
                                               const PlanContext& context) {
  const ketenbeeld::v1::StatusReport& report = request.report();
  const RecordPtr organization_record = lookup(domain::OrganizationName(report.organization_id()));
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
  PlannedChange change;
  change.record.set_name(domain::StatusReportName(report.organization_id(), report.location_id()));
  change.previous = lookup(change.record.name());
  if (absl::Status status = CheckExpectedRevision(ExpectedRevision(request), change.previous, change.record.name());
      !status.ok()) {
    return status;
  }
  change.record.set_kind(ketenbeeld::v1::ENTITY_KIND_STATUS_REPORT);
  *change.record.mutable_scope() = organization_record->record.scope();
  ketenbeeld::v1::StatusReport& stored = *change.record.mutable_status_report();
  stored = report;
  domain::NormalizeStatusReport(context.commit_time, context.report_interval, stored);
  return change;
}

}  // namespace

absl::Status ValidateWrite(const WriteRequest& request) {
  struct Validator {
    absl::Status operator()(const RegisterOrganizationRequest& r) const {
      return domain::ValidateOrganization(r.organization(), "organization");
    }
    absl::Status operator()(const ReportStatusRequest& r) const {
      return domain::ValidateStatusReport(r.report(), "report");
    }
  };
  absl::Status status = std::visit(Validator{}, request.body);
  if (!status.ok()) return status;
  const int64_t expected = std::visit([](const auto& r) { return r.expected_revision(); }, request.body);
  if (expected < 0) {
    return absl::InvalidArgumentError(absl::StrCat("expected_revision: must be >= 0, got ", expected));
  }
  return absl::OkStatus();
}

absl::StatusOr<PlannedChange> PlanWrite(const WriteRequest& request, RecordLookup lookup, const PlanContext& context) {
  if (const auto* r = std::get_if<RegisterOrganizationRequest>(&request.body)) return PlanRegister(*r, lookup);
  return PlanReportStatus(std::get<ReportStatusRequest>(request.body), lookup, context);
}

}  // namespace ketenbeeld::pipeline
