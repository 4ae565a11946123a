// Operations: the exchange formats (interop_service.proto). The conversions are server/interop's; what is decided here
// is who may export and import, what an export may show (the same reads as Get and List), and that an import is an
// ordinary write.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "server/domain/field_checks.h"
#include "server/domain/names.h"
#include "server/interop/cap.h"
#include "server/interop/fhir.h"
#include "server/interop/have.h"
#include "server/policy/rules.h"
#include "server/queries/beds.h"
#include "server/queries/reports.h"
#include "server/service/operations.h"

namespace ketenbeeld::service {
namespace {

namespace v1 = ketenbeeld::v1;
using security::Identity;

// Pages of a region's records read for one HAVE export at most (1000 records each): a region has a few hundred
// organisations, so this bound is never reached in practice, and keeps the loop finite.
constexpr int kMaxHavePages = 100;

interop::CapStatus CapStatusOf(v1::CapMessageStatus status) {
  switch (status) {
    case v1::CAP_MESSAGE_STATUS_EXERCISE:
      return interop::CapStatus::kExercise;
    case v1::CAP_MESSAGE_STATUS_TEST:
      return interop::CapStatus::kTest;
    default:
      return interop::CapStatus::kActual;
  }
}

constexpr absl::string_view kWithheldNote =
    ": capacity, staffing and free text withheld (graduated visibility, docs/security.md); the facility carries its "
    "states only";

}  // namespace

absl::StatusOr<v1::XmlExport> Operations::ExportAlertCap(const Identity& caller,
                                                         const v1::ExportAlertCapRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kExportAlertCap); !allowed.ok()) {
    return allowed;
  }
  if (absl::Status id = domain::checks::CheckId(request.alert_id(), domain::checks::FieldPath("alert_id")); !id.ok())
    return id;
  if (absl::Status known = CheckExercise(request.exercise_id(), "exercise_id"); !known.ok()) return known;
  const std::string& exercise_id = request.exercise_id();
  v1::CapMessageStatus status = request.status();
  if (!exercise_id.empty()) {
    // An exercise's alert is never sent out as a real one.
    if (status == v1::CAP_MESSAGE_STATUS_ACTUAL) {
      return absl::InvalidArgumentError(absl::StrCat("status: the alert of exercise \"", exercise_id,
                                                     "\" cannot be exported as Actual (use Exercise or Test)"));
    }
    if (status == v1::CAP_MESSAGE_STATUS_UNSPECIFIED) {
      const state::RecordPtr exercise = deps_.picture.Find(domain::ExerciseName(exercise_id));
      status = exercise != nullptr && exercise->record.exercise().mode() == v1::MODE_TEST
                   ? v1::CAP_MESSAGE_STATUS_TEST
                   : v1::CAP_MESSAGE_STATUS_EXERCISE;
    }
  }
  v1::GetRequest get;
  get.set_name(domain::InExercise(exercise_id, domain::AlertName(request.alert_id())));
  v1::GetResponse alert;
  if (absl::Status read = Get(caller, get, alert); !read.ok()) return read;
  interop::CapExportOptions options{.sender = deps_.cap_sender,
                                    .sent = FromProtoTime(alert.record().update_time()),
                                    .status = CapStatusOf(status),
                                    .incident_area = nullptr};
  // The alert's own area; else the incident's, when the alert has one and the incident still exists (same view).
  v1::GetResponse incident;
  if (alert.record().alert().audience().has_area()) {
    options.incident_area = &alert.record().alert().audience().area();
  } else if (!alert.record().alert().incident_id().empty()) {
    v1::GetRequest get_incident;
    get_incident.set_name(domain::InExercise(exercise_id, domain::IncidentName(alert.record().alert().incident_id())));
    if (Get(caller, get_incident, incident).ok() && incident.record().incident().has_area()) {
      options.incident_area = &incident.record().incident().area();
    }
  }
  absl::StatusOr<std::string> xml = interop::AlertToCap(alert.record().alert(), options);
  if (!xml.ok()) return xml.status();
  v1::XmlExport response;
  response.set_xml(*std::move(xml));
  response.set_revision(alert.revision());
  return response;
}

absl::StatusOr<v1::XmlExport> Operations::ExportStatusHave(const Identity& caller,
                                                           const v1::ExportStatusHaveRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kExportStatusHave); !allowed.ok()) {
    return allowed;
  }
  std::vector<v1::Record> organizations;
  absl::flat_hash_map<std::string, v1::Record> reports;  // By organisation id; organisation-level reports only.
  int64_t revision = 0;
  if (request.scope_case() == v1::ExportStatusHaveRequest::kOrganizationId) {
    const std::string& id = request.organization_id();
    if (absl::Status valid = domain::checks::CheckId(id, domain::checks::FieldPath("organization_id")); !valid.ok())
      return valid;
    v1::GetRequest get;
    get.set_name(domain::OrganizationName(id));
    v1::GetResponse organization;
    if (absl::Status read = Get(caller, get, organization); !read.ok()) return read;
    get.set_name(domain::StatusReportName(id, ""));
    get.set_revision(organization.revision());  // Both at one revision.
    v1::GetResponse report;
    if (absl::Status read = Get(caller, get, report); !read.ok()) return read;
    revision = organization.revision();
    organizations.push_back(organization.record());
    reports[id] = report.record();
  } else if (request.scope_case() == v1::ExportStatusHaveRequest::kSafetyRegion) {
    if (absl::Status valid = domain::checks::CheckSafetyRegion(
            request.safety_region(), domain::checks::FieldPath("safety_region"), domain::checks::Presence::kRequired);
        !valid.ok()) {
      return valid;
    }
    v1::ListRequest list;
    list.mutable_filter()->add_kinds(v1::ENTITY_KIND_ORGANIZATION);
    list.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
    list.mutable_filter()->add_safety_regions(request.safety_region());
    for (int page = 0; page < kMaxHavePages; ++page) {
      v1::ListResponse records;
      if (absl::Status read = List(caller, list, records); !read.ok()) return read;
      revision = records.revision();
      list.set_revision(records.revision());  // Every page at the first page's revision.
      for (v1::Record& record : *records.mutable_records()) {
        if (record.has_organization()) {
          organizations.push_back(std::move(record));
        } else if (record.has_status_report() && record.status_report().location_id().empty()) {
          reports[record.status_report().organization_id()] = std::move(record);
        }
      }
      if (records.next_page_token().empty()) break;
      list.set_page_token(records.next_page_token());
    }
  } else {
    return absl::InvalidArgumentError("scope: name organization_id or safety_region");
  }
  std::sort(organizations.begin(), organizations.end(),
            [](const v1::Record& a, const v1::Record& b) { return a.organization().id() < b.organization().id(); });
  std::vector<interop::HaveFacility> facilities;
  v1::XmlExport response;
  for (const v1::Record& organization : organizations) {
    const auto report = reports.find(organization.organization().id());
    if (report == reports.end()) continue;  // No report yet: nothing to say in HAVE (its status is required).
    facilities.push_back({.organization = &organization.organization(), .report = &report->second.status_report()});
    if (report->second.status_report().detail_withheld()) {
      response.add_notes(absl::StrCat(organization.organization().id(), kWithheldNote));
    }
  }
  if (facilities.empty()) {
    return absl::NotFoundError(
        absl::StrCat("safety_region: no organisation of ", request.safety_region(), " has reported its status"));
  }
  absl::StatusOr<std::string> xml = interop::StatusToHave(facilities);
  if (!xml.ok()) return xml.status();
  response.set_xml(*std::move(xml));
  response.set_revision(revision);
  response.add_notes(
      "not in HAVE: disruptions, supplies, occupied beds, the staffing shortage count, the emergency department's "
      "expected end, reporter, location-level reports and the capacity that is not beds (docs/interoperability.md)");
  return response;
}

absl::StatusOr<v1::StatusReport> Operations::CountedReport(const Identity& caller, const std::string& organization_id,
                                                           int64_t revision) {
  // The organisation's status reports and reservations at the revision of its registration, read as this reader may
  // (redacted and audited as a List); bounded: at most 100 pages.
  v1::ListRequest list;
  list.set_revision(revision);
  list.set_page_size(1000);
  list.mutable_filter()->add_organization_ids(organization_id);
  list.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  list.mutable_filter()->add_kinds(v1::ENTITY_KIND_BED_RESERVATION);
  std::vector<v1::Record> records;
  for (int page = 0; page < 100; ++page) {
    v1::ListResponse listed;
    if (absl::Status read = List(caller, list, listed); !read.ok()) return read;
    for (v1::Record& record : *listed.mutable_records()) records.push_back(std::move(record));
    if (listed.next_page_token().empty()) break;
    list.set_page_token(listed.next_page_token());
  }
  queries::OrganizationReports reports;
  std::vector<const v1::BedReservation*> reservations;
  bool withheld = false;
  for (const v1::Record& record : records) {
    if (record.has_bed_reservation()) reservations.push_back(&record.bed_reservation());
    if (!record.has_status_report() || record.status_report().organization_id() != organization_id) continue;
    const v1::StatusReport& report = record.status_report();
    withheld |= report.detail_withheld();
    if (report.location_id().empty()) {
      reports.organization_report = &report;
    } else {
      reports.location_reports.push_back(&report);
    }
  }
  const std::vector<const v1::StatusReport*> counted = reports.Counted();
  if (counted.empty()) {
    return absl::NotFoundError(absl::StrCat("organization_id: organisation \"", organization_id,
                                            "\" has no status report at revision ", revision));
  }
  // The organisation-level report's other parts (supplies, reporter) as they are; its beds as the capacity overview
  // counts them: the sites' reports summed when there are any, the beds that reservations hold taken off
  // (queries/beds.h). Committed when the newest report counted was.
  v1::StatusReport report;
  if (reports.organization_report != nullptr) report = *reports.organization_report;
  report.set_organization_id(organization_id);
  report.clear_location_id();
  if (withheld) {
    // Which bed types, no figure: what the redacted reports themselves show.
    report.set_detail_withheld(true);
    report.clear_capacity();
    absl::btree_set<int> types;
    for (const v1::StatusReport* counted_report : counted) {
      for (const v1::Capacity& capacity : counted_report->capacity()) types.insert(capacity.type());
    }
    for (const int type : types) report.add_capacity()->set_type(static_cast<v1::BedType>(type));
  } else {
    report.clear_capacity();
    for (v1::Capacity& capacity : queries::CountedCapacity(counted, reservations, organization_id)) {
      *report.add_capacity() = std::move(capacity);
    }
  }
  for (const v1::StatusReport* counted_report : counted) {
    if (!report.has_commit_time() ||
        FromProtoTime(counted_report->commit_time()) > FromProtoTime(report.commit_time())) {
      *report.mutable_commit_time() = counted_report->commit_time();
    }
  }
  return report;
}

absl::StatusOr<v1::FhirExport> Operations::ExportFhir(const Identity& caller, const v1::ExportFhirRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kExportFhir); !allowed.ok()) return allowed;
  const v1::FhirResourceType type = request.resource_type();
  if (type != v1::FHIR_RESOURCE_TYPE_MEASURE_REPORT && type != v1::FHIR_RESOURCE_TYPE_ORGANIZATION &&
      type != v1::FHIR_RESOURCE_TYPE_LOCATION) {
    return absl::InvalidArgumentError("resource_type: name MEASURE_REPORT, ORGANIZATION or LOCATION");
  }
  if (type != v1::FHIR_RESOURCE_TYPE_LOCATION && !request.location_id().empty()) {
    return absl::InvalidArgumentError("location_id: names the site of a LOCATION only");
  }
  v1::FhirExport response;
  if (request.scope_case() == v1::ExportFhirRequest::kSafetyRegion) {
    if (type != v1::FHIR_RESOURCE_TYPE_MEASURE_REPORT) {
      return absl::InvalidArgumentError(
          "safety_region: only a MEASURE_REPORT is a region's; an ORGANIZATION or LOCATION names organization_id");
    }
    const std::string& region = request.safety_region();
    if (absl::Status valid = domain::checks::CheckSafetyRegion(region, domain::checks::FieldPath("safety_region"),
                                                               domain::checks::Presence::kRequired);
        !valid.ok()) {
      return valid;
    }
    // The capacity overview itself, with its rule, its visibility and its minimum group size: nothing is counted here.
    v1::GetCapacityOverviewRequest totals;
    totals.add_safety_regions(region);
    absl::StatusOr<v1::CapacityOverview> overview = GetCapacityOverview(caller, totals);
    if (!overview.ok()) return overview.status();
    absl::StatusOr<std::string> json = interop::RegionMeasureReport(region, *overview);
    if (!json.ok()) return json.status();
    response.set_json(*std::move(json));
    response.set_revision(overview->revision());
    for (const v1::CapacityTotal& total : overview->totals()) {
      if (!total.figures_withheld()) continue;
      response.add_notes(
          absl::StrCat(v1::Sector_Name(total.sector()), " ", v1::BedType_Name(total.bed_type()),
                       ": sums of fewer organisations than the minimum group withheld (data-absent-reason "
                       "masked, docs/security.md)"));
    }
    response.add_notes(
        "not in a region's MeasureReport: supplies (the capacity overview has none), the capacity that is not beds "
        "(ambulances, GP posts, home care, public health, intake stops) (docs/interoperability.md)");
    return response;
  }
  if (request.scope_case() != v1::ExportFhirRequest::kOrganizationId) {
    return absl::InvalidArgumentError("scope: name organization_id or safety_region");
  }
  const std::string& id = request.organization_id();
  if (absl::Status valid = domain::checks::CheckId(id, domain::checks::FieldPath("organization_id")); !valid.ok())
    return valid;
  if (type == v1::FHIR_RESOURCE_TYPE_LOCATION) {
    if (absl::Status valid = domain::checks::CheckId(request.location_id(), domain::checks::FieldPath("location_id"));
        !valid.ok()) {
      return valid;
    }
  }
  v1::GetRequest get;
  get.set_name(domain::OrganizationName(id));
  v1::GetResponse organization;
  if (absl::Status read = Get(caller, get, organization); !read.ok()) return read;
  absl::StatusOr<std::string> json;
  if (type == v1::FHIR_RESOURCE_TYPE_ORGANIZATION) {
    json = interop::OrganizationToFhir(organization.record().organization());
  } else if (type == v1::FHIR_RESOURCE_TYPE_LOCATION) {
    json = interop::LocationToFhir(organization.record().organization(), request.location_id());
  } else {
    absl::StatusOr<v1::StatusReport> report = CountedReport(caller, id, organization.revision());
    if (!report.ok()) return report.status();
    json = interop::OrganizationMeasureReport(organization.record().organization(), *report);
    if (report->detail_withheld()) {
      response.add_notes(absl::StrCat(id,
                                      ": beds and supplies withheld (graduated visibility, docs/security.md); "
                                      "every figure is absent with data-absent-reason masked"));
    }
    response.add_notes(
        "not in a MeasureReport: disruptions, staffing, the emergency department, the crisis plan, free text, the "
        "reporter, the sites' reports one by one (their beds are summed) and their supplies, a supply's stock, "
        "consumption, run-out time and resupply, and the capacity that is not beds (docs/interoperability.md)");
  }
  if (!json.ok()) return json.status();
  response.set_json(*std::move(json));
  response.set_revision(organization.revision());
  return response;
}

void Operations::WriteImport(const Identity& caller, mutations::WriteRequest::Body body,
                             std::vector<std::string> not_imported, ImportCallback done) {
  Write(caller, mutations::WriteRequest{.body = std::move(body), .actor = {}},
        [not_imported = std::move(not_imported),
         done = std::move(done)](absl::StatusOr<pipeline::WriteResult> written) mutable {
          if (!written.ok()) {
            done(written.status());
            return;
          }
          v1::ImportXmlResponse response;
          response.mutable_written()->set_revision(written->revision);
          if (written->record != nullptr) *response.mutable_written()->mutable_record() = written->record->record;
          for (std::string& line : not_imported) response.add_not_imported(std::move(line));
          done(std::move(response));
        });
}

void Operations::ImportAlertCap(const Identity& caller, const v1::ImportXmlRequest& request, ImportCallback done) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kImportAlertCap); !allowed.ok()) {
    done(allowed);
    return;
  }
  absl::StatusOr<interop::CapImport> imported = interop::CapToAlert(request.xml(), request.exercise_id());
  if (!imported.ok()) {
    done(imported.status());
    return;
  }
  WriteImport(caller, std::move(imported->request), std::move(imported->not_imported), std::move(done));
}

void Operations::ImportStatusHave(const Identity& caller, const v1::ImportXmlRequest& request, ImportCallback done) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kImportStatusHave); !allowed.ok()) {
    done(allowed);
    return;
  }
  absl::StatusOr<interop::HaveImport> imported = interop::HaveToStatus(request.xml());
  if (!imported.ok()) {
    done(imported.status());
    return;
  }
  // HAVE has no exercise status: the caller says whose report it is, the committer checks the exercise.
  imported->request.set_exercise_id(request.exercise_id());
  WriteImport(caller, std::move(imported->request), std::move(imported->not_imported), std::move(done));
}

}  // namespace ketenbeeld::service
