#include "server/queries/brief.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "base/time.h"
#include "server/domain/filter.h"
#include "server/domain/names.h"
#include "server/domain/validation.h"
#include "server/queries/reports.h"

namespace ketenbeeld::queries {
namespace {

namespace v1 = ::ketenbeeld::v1;

constexpr absl::Duration kMaxHorizon = absl::Hours(24 * 7);
constexpr absl::Duration kMinHorizon = absl::Hours(1);

bool English(const v1::SituationReport& report) { return report.language() == "en"; }

// ---- Reading the picture -------------------------------------------------------------------------------------------

// An organisation's status reports in one picture: the organisation-level one and those per location.
struct Reports {
  state::RecordPtr organization_report;
  std::vector<state::RecordPtr> location_reports;
  // The reports whose figures count (reports.h, "Which reports count for capacity").
  std::vector<state::RecordPtr> Counted() const {
    if (!location_reports.empty()) return location_reports;
    if (organization_report != nullptr) return {organization_report};
    return {};
  }
};

// One picture of the brief's view (the registry, and the exercise's records or the real picture's), indexed.
struct View {
  // `given`: the figures to report instead of the picture's own (published ones), or null. `withheld`: no figures at
  // all (AvailableIn answers withheld, and there are no cells).
  View(const state::Picture& picture, const std::string& exercise_id, const FigureTable* given = nullptr,
       bool withheld = false)
      : own_figures(given != nullptr || withheld ? FigureTable{} : TabulateFigures(picture, exercise_id)),
        figures(given != nullptr && !withheld ? *given : own_figures),
        published(given != nullptr && !withheld),
        figures_withheld(withheld) {
    v1::Filter filter;
    for (v1::EntityKind kind :
         {v1::ENTITY_KIND_ORGANIZATION, v1::ENTITY_KIND_STATUS_REPORT, v1::ENTITY_KIND_INCIDENT,
          v1::ENTITY_KIND_SITUATION_ENTRY, v1::ENTITY_KIND_ASSISTANCE_REQUEST, v1::ENTITY_KIND_SCENARIO}) {
      filter.add_kinds(kind);
    }
    filter.set_exercise_id(exercise_id);
    snapshot = picture.Take(domain::CompiledFilter(filter));
    for (const state::RecordPtr& stored : snapshot.records) {
      if (stored->record.has_organization()) organizations.emplace(stored->record.organization().id(), stored);
    }
    for (const state::RecordPtr& stored : snapshot.records) {
      if (!stored->record.has_status_report()) continue;
      const v1::StatusReport& report = stored->record.status_report();
      Reports& of = reports[report.organization_id()];
      if (report.location_id().empty()) {
        of.organization_report = stored;
      } else {
        of.location_reports.push_back(stored);
      }
    }
  }

  std::string NameOf(const std::string& organization_id) const {
    auto it = organizations.find(organization_id);
    return it == organizations.end() ? "" : it->second->record.organization().name();
  }

  // Declared before `figures`, which may refer to it.
  const FigureTable own_figures;
  const FigureTable& figures;
  const bool published;
  const bool figures_withheld;
  state::Picture::Snapshot snapshot;
  absl::btree_map<std::string, state::RecordPtr> organizations;
  absl::btree_map<std::string, Reports> reports;
};

std::string ReportedBy(const v1::Record& record) {
  const v1::Actor& actor = record.updated_by();
  if (!actor.subject().empty()) return actor.subject();
  if (!actor.organization_id().empty()) return actor.organization_id();
  return absl::AsciiStrToLower(absl::StripPrefix(v1::Role_Name(actor.role()), "ROLE_"));
}

v1::Provenance ProvenanceOf(const v1::Record& record, const google::protobuf::Timestamp* reported_at = nullptr) {
  v1::Provenance provenance;
  provenance.set_record(record.name());
  provenance.set_revision(record.mod_revision());
  *provenance.mutable_reported_at() =
      reported_at != nullptr && (reported_at->seconds() != 0 || reported_at->nanos() != 0) ? *reported_at
                                                                                           : record.update_time();
  provenance.set_reported_by(ReportedBy(record));
  if (record.has_status_report()) {
    provenance.set_stale(IsStale(record.status_report(), FromProtoTime(provenance.reported_at())));
  }
  return provenance;
}

// The available places of `bed_type` in `sectors` (empty: every sector) of `region` in `view`, stale figures
// included or not, with a provenance per counted report that gives it. Withheld for min_group > 0 when a summed cell
// has fewer contributors (a sum over cells would otherwise reveal a small one by subtraction, as in the gap report).
v1::BriefFigure AvailableIn(const View& view, const std::string& region, std::optional<v1::Sector> sector,
                            v1::BedType bed_type, bool with_stale, int min_group) {
  v1::BriefFigure figure;
  if (view.figures_withheld) {
    figure.set_withheld(true);
    return figure;
  }
  int64_t sum = 0;
  bool any = false;
  absl::btree_set<std::string> contributors;
  // Published figures may trail the picture: their provenance is the publication's (the status report, the
  // publication's revision, the newest time the figure was reported), not the live report's.
  std::vector<v1::Provenance> published_provenance;
  for (const auto& [cell, values] : view.figures.capacity) {
    if (cell.safety_region != region || cell.bed_type != bed_type || cell.figure != v1::CAPACITY_FIGURE_AVAILABLE ||
        (sector.has_value() && cell.sector != *sector) || (cell.stale && !with_stale)) {
      continue;
    }
    if (min_group > 0 && static_cast<int>(values.size()) < min_group) {
      figure.set_withheld(true);
      return figure;
    }
    for (const auto& [organization_id, value] : values) {
      sum += value.value;
      any = true;
      contributors.insert(organization_id);
      if (view.published) {
        v1::Provenance& provenance = published_provenance.emplace_back();
        provenance.set_record(domain::StatusReportName(organization_id, ""));
        provenance.set_revision(view.figures.revision);
        *provenance.mutable_reported_at() = ToProtoTime(value.newest);
        provenance.set_stale(cell.stale);
      }
    }
  }
  if (!any) return figure;
  figure.set_value(sum);
  if (view.published) {
    std::sort(published_provenance.begin(), published_provenance.end(),
              [](const v1::Provenance& a, const v1::Provenance& b) { return a.record() < b.record(); });
    for (v1::Provenance& provenance : published_provenance) *figure.add_provenance() = std::move(provenance);
    return figure;
  }
  for (const std::string& organization_id : contributors) {
    auto reports = view.reports.find(organization_id);
    if (reports == view.reports.end()) continue;
    for (const state::RecordPtr& stored : reports->second.Counted()) {
      for (const v1::Capacity& capacity : stored->record.status_report().capacity()) {
        if (capacity.type() != bed_type || !capacity.has_available()) continue;
        v1::Provenance provenance = ProvenanceOf(stored->record, &capacity.reported_at());
        if (provenance.stale() && !with_stale) continue;
        *figure.add_provenance() = std::move(provenance);
      }
    }
  }
  return figure;
}

// ---- Words ---------------------------------------------------------------------------------------------------------

template <typename Enum>
struct WordPair {
  Enum value;
  absl::string_view nl;
  absl::string_view en;
};

// The word for `value` in the report's language from `table`, else the enum name without `prefix`, lower case.
template <typename Enum, size_t N>
std::string WordOf(const WordPair<Enum> (&table)[N], Enum value, const std::string& name, absl::string_view prefix,
                   bool english) {
  for (const WordPair<Enum>& pair : table) {
    if (pair.value == value) return std::string(english ? pair.en : pair.nl);
  }
  return absl::StrReplaceAll(absl::AsciiStrToLower(absl::StripPrefix(name, prefix)), {{"_", " "}});
}

constexpr WordPair<v1::Sector> kSectors[] = {
    {v1::SECTOR_ACUTE_CARE, "acute zorg", "acute care"},
    {v1::SECTOR_LONG_TERM_CARE, "langdurige zorg", "long-term care"},
    {v1::SECTOR_OTHER, "overige partners", "other partners"},
    {v1::SECTOR_UNSPECIFIED, "alle sectoren", "all sectors"},
};
constexpr WordPair<v1::BedType> kBedTypes[] = {
    {v1::BED_TYPE_IC_ADULT, "IC volwassenen", "adult IC"},
    {v1::BED_TYPE_IC_PAEDIATRIC, "IC kinderen", "paediatric IC"},
    {v1::BED_TYPE_IC_NEONATAL, "IC neonatologie", "neonatal IC"},
    {v1::BED_TYPE_EMERGENCY_DEPARTMENT, "SEH-plaatsen", "emergency department places"},
    {v1::BED_TYPE_MEDIUM_CARE, "medium care", "medium care"},
    {v1::BED_TYPE_CARDIAC_CARE, "hartbewaking (CCU)", "cardiac care (CCU)"},
    {v1::BED_TYPE_GENERAL_WARD, "verpleegafdeling", "general ward"},
    {v1::BED_TYPE_PAEDIATRIC_WARD, "kinderafdeling", "paediatric ward"},
    {v1::BED_TYPE_MATERNITY, "kraamafdeling", "maternity"},
    {v1::BED_TYPE_BURNS, "brandwondenzorg", "burns"},
    {v1::BED_TYPE_ISOLATION, "isolatie", "isolation"},
    {v1::BED_TYPE_PSYCHIATRIC, "psychiatrie", "psychiatric"},
    {v1::BED_TYPE_GGZ_CRISIS, "GGZ-crisisplaatsen", "mental-health crisis places"},
    {v1::BED_TYPE_NURSING_HOME, "verpleeghuisplaatsen", "nursing-home places"},
    {v1::BED_TYPE_SHORT_STAY, "eerstelijnsverblijf", "short-stay care"},
    {v1::BED_TYPE_DISABILITY_CARE, "gehandicaptenzorg", "disability care"},
};
constexpr WordPair<v1::SupplyType> kSupplies[] = {
    {v1::SUPPLY_TYPE_POWER_GRID, "netstroom", "mains power"},
    {v1::SUPPLY_TYPE_GENERATOR, "noodstroom", "emergency power"},
    {v1::SUPPLY_TYPE_WATER, "drinkwater", "drinking water"},
    {v1::SUPPLY_TYPE_OXYGEN, "medische zuurstof", "medical oxygen"},
    {v1::SUPPLY_TYPE_MEDICATION, "medicatie", "medication"},
    {v1::SUPPLY_TYPE_PPE, "beschermingsmiddelen", "protective equipment"},
    {v1::SUPPLY_TYPE_IT, "ICT", "IT"},
    {v1::SUPPLY_TYPE_FUEL, "brandstof", "fuel"},
    {v1::SUPPLY_TYPE_FOOD, "voedsel", "food"},
};
constexpr WordPair<v1::OverallStatus> kOverall[] = {
    {v1::OVERALL_STATUS_NORMAL, "normaal", "normal"},     {v1::OVERALL_STATUS_STRAINED, "onder druk", "strained"},
    {v1::OVERALL_STATUS_CRITICAL, "kritiek", "critical"}, {v1::OVERALL_STATUS_CLOSED, "gesloten", "closed"},
    {v1::OVERALL_STATUS_UNKNOWN, "onbekend", "unknown"},
};
constexpr WordPair<v1::SituationLayer> kLayers[] = {
    {v1::SITUATION_LAYER_PICTURE, "beeld", "picture (beeld)"},
    {v1::SITUATION_LAYER_ASSESSMENT, "oordeel", "assessment (oordeel)"},
    {v1::SITUATION_LAYER_DECISION, "besluit", "decision (besluit)"},
};
constexpr WordPair<v1::IncidentStatus> kIncidentStatus[] = {
    {v1::INCIDENT_STATUS_OPEN, "open", "open"},
    {v1::INCIDENT_STATUS_SCALED_UP, "opgeschaald", "scaled up"},
    {v1::INCIDENT_STATUS_SCALED_DOWN, "afgeschaald", "scaled down"},
    {v1::INCIDENT_STATUS_CLOSED, "gesloten", "closed"},
};
constexpr WordPair<v1::AssistanceStatus> kRequestStatus[] = {
    {v1::ASSISTANCE_STATUS_OPEN, "open", "open"},
    {v1::ASSISTANCE_STATUS_OFFERED, "aangeboden", "offered"},
    {v1::ASSISTANCE_STATUS_ACCEPTED, "geaccepteerd", "accepted"},
};

std::string Sector(v1::Sector v, bool en) { return WordOf(kSectors, v, v1::Sector_Name(v), "SECTOR_", en); }
std::string Bed(v1::BedType v, bool en) { return WordOf(kBedTypes, v, v1::BedType_Name(v), "BED_TYPE_", en); }
std::string Supply(v1::SupplyType v, bool en) {
  return WordOf(kSupplies, v, v1::SupplyType_Name(v), "SUPPLY_TYPE_", en);
}
std::string Overall(v1::OverallStatus v, bool en) {
  return WordOf(kOverall, v, v1::OverallStatus_Name(v), "OVERALL_STATUS_", en);
}
std::string Layer(v1::SituationLayer v, bool en) {
  return WordOf(kLayers, v, v1::SituationLayer_Name(v), "SITUATION_LAYER_", en);
}
std::string IncidentStatus(v1::IncidentStatus v, bool en) {
  return WordOf(kIncidentStatus, v, v1::IncidentStatus_Name(v), "INCIDENT_STATUS_", en);
}
std::string RequestStatus(v1::AssistanceStatus v, bool en) {
  return WordOf(kRequestStatus, v, v1::AssistanceStatus_Name(v), "ASSISTANCE_STATUS_", en);
}
std::string RequestType(v1::AssistanceType v) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(absl::StripPrefix(v1::AssistanceType_Name(v), "ASSISTANCE_TYPE_")),
                             {{"_", " "}});
}

std::string Time(const google::protobuf::Timestamp& at) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", FromProtoTime(at), absl::UTCTimeZone());
}
std::string HoursOf(absl::Duration d) { return absl::StrCat(absl::ToInt64Hours(d)); }

// ---- Decisions -----------------------------------------------------------------------------------------------------

void AskDecisions(v1::SituationReport& report) {
  const bool en = English(report);
  const bool roaz = report.audience() == v1::BRIEF_AUDIENCE_ROAZ;
  auto ask = [&](std::string question, std::vector<v1::Provenance> provenance) {
    v1::BriefDecision& decision = *report.add_decisions();
    decision.set_question(std::move(question));
    for (v1::Provenance& p : provenance) *decision.add_provenance() = std::move(p);
  };
  for (const v1::BriefOrganization& organization : report.critical_organizations()) {
    const std::string who =
        organization.organization_name().empty() ? organization.organization_id() : organization.organization_name();
    ask(en ? absl::Substitute("Continuity of care at $0 is threatened (status critical): $1 support or relocation of "
                              "its clients?",
                              who, roaz ? "which partners take on" : "does the bestuur decide on")
           : absl::Substitute("De continuïteit van zorg bij $0 is bedreigd (status kritiek): $1 ondersteuning of "
                              "verplaatsing van cliënten?",
                              who, roaz ? "welke partners nemen" : "besluit het bestuur over"),
        {organization.provenance()});
  }
  for (const v1::BriefScenarioGap& gap : report.scenario_gaps()) {
    if (!gap.has_shortfall()) continue;
    std::vector<v1::Provenance> provenance(gap.available().provenance().begin(), gap.available().provenance().end());
    provenance.insert(provenance.begin(), gap.scenario());
    ask(en ? absl::Substitute("Scenario \"$0\" needs $1 more $2 places than the region has: $3?", gap.scenario_name(),
                              gap.shortfall(), Bed(gap.bed_type(), true),
                              roaz ? "spread patients over the ROAZ region" : "scale up or ask neighbouring regions")
           : absl::Substitute("Scenario \"$0\" vraagt $1 plaatsen $2 meer dan de regio heeft: $3?", gap.scenario_name(),
                              gap.shortfall(), Bed(gap.bed_type(), false),
                              roaz ? "spreiding van patiënten over de ROAZ-regio" : "opschalen of buurregio's vragen"),
        std::move(provenance));
  }
  for (const v1::BriefSupply& supply : report.supplies()) {
    if (!supply.organizations_running_out().has_value()) continue;
    ask(en ? absl::Substitute("$0 organisation(s) run out of $1 within $2 h: priority for resupply?",
                              supply.organizations_running_out().value(), Supply(supply.type(), true),
                              HoursOf(FromProtoDuration(report.horizon())))
           : absl::Substitute("$0 organisatie(s) hebben binnen $2 uur geen $1 meer: voorrang bij bevoorrading?",
                              supply.organizations_running_out().value(), Supply(supply.type(), false),
                              HoursOf(FromProtoDuration(report.horizon()))),
        {supply.organizations_running_out().provenance().begin(),
         supply.organizations_running_out().provenance().end()});
  }
  for (const v1::BriefRequest& request : report.late_requests()) {
    ask(en ? absl::Substitute("Request for help \"$0\" of $1 is late and not covered ($2 of $3): deploy means?",
                              request.request_id(), request.organization_id(), request.accepted_quantity(),
                              request.quantity())
           : absl::Substitute("Hulpvraag \"$0\" van $1 is te laat en niet gedekt ($2 van $3): middelen inzetten?",
                              request.request_id(), request.organization_id(), request.accepted_quantity(),
                              request.quantity()),
        {request.provenance()});
  }
}

}  // namespace

std::vector<std::string> BriefPrefixes(const std::string& exercise_id) {
  // Exercises share the registry ("organizations/{id}") with the real picture; the rest of theirs is under one prefix.
  if (!exercise_id.empty()) return {"organizations/", domain::ExercisePrefix(exercise_id)};
  return {"organizations/", "incidents/", "assistance-requests/", "scenarios/"};
}

std::vector<std::string> BriefTrendPrefixes(const std::string& exercise_id) {
  if (!exercise_id.empty()) {
    return {"organizations/", absl::StrCat(domain::ExercisePrefix(exercise_id), "organizations/")};
  }
  return {"organizations/"};
}

absl::Status ValidateSituationReportRequest(const v1::GetSituationReportRequest& request) {
  if (absl::Status status = domain::ValidateId(request.incident_id(), "incident_id"); !status.ok()) return status;
  if (!request.exercise_id().empty()) {
    if (absl::Status status = domain::ValidateId(request.exercise_id(), "exercise_id"); !status.ok()) return status;
  }
  if (!request.language().empty() && request.language() != "nl" && request.language() != "en") {
    return absl::InvalidArgumentError(
        absl::StrCat("language: \"", absl::CHexEscape(request.language()), "\" is not nl or en"));
  }
  if (request.has_horizon()) {
    const absl::Duration horizon = FromProtoDuration(request.horizon());
    if (horizon < kMinHorizon || horizon > kMaxHorizon) {
      return absl::InvalidArgumentError("horizon: must be between 1 hour and 7 days");
    }
  }
  if (request.audience() != v1::BRIEF_AUDIENCE_UNSPECIFIED && request.audience() != v1::BRIEF_AUDIENCE_BESTUUR &&
      request.audience() != v1::BRIEF_AUDIENCE_ROAZ) {
    return absl::InvalidArgumentError(absl::StrCat("audience: ", request.audience(), " is not a known audience"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::SituationReport> ComputeSituationReport(const v1::GetSituationReportRequest& request,
                                                           const BriefInputs& inputs) {
  if (absl::Status valid = ValidateSituationReportRequest(request); !valid.ok()) return valid;
  // A reader without detail sees the real picture's figures as published, never two moments' (BriefInputs). An
  // exercise's figures are no organisation's real capacity: they are summed live, small sums withheld as always.
  const bool published_only = inputs.min_group > 0 && request.exercise_id().empty();
  const View at(inputs.at, request.exercise_id(), published_only ? inputs.published : nullptr,
                published_only && inputs.published == nullptr);
  const std::string incident_name =
      domain::InExercise(request.exercise_id(), domain::IncidentName(request.incident_id()));
  const auto incident_record =
      std::find_if(at.snapshot.records.begin(), at.snapshot.records.end(),
                   [&](const state::RecordPtr& stored) { return stored->record.name() == incident_name; });
  if (incident_record == at.snapshot.records.end()) {
    return absl::NotFoundError(absl::StrCat("incident_id: incident \"", request.incident_id(),
                                            "\" does not exist at revision ", at.snapshot.revision));
  }
  const v1::Incident& incident = (*incident_record)->record.incident();
  const std::string& region = incident.safety_region();
  const int min_group = inputs.min_group;

  v1::SituationReport report;
  *report.mutable_incident() = incident;
  *report.mutable_incident_provenance() = ProvenanceOf((*incident_record)->record);
  report.set_exercise_id(request.exercise_id());
  report.set_audience(request.audience() == v1::BRIEF_AUDIENCE_ROAZ ? v1::BRIEF_AUDIENCE_ROAZ
                                                                    : v1::BRIEF_AUDIENCE_BESTUUR);
  report.set_language(request.language() == "en" ? "en" : "nl");
  report.set_revision(at.snapshot.revision);
  *report.mutable_at_time() = ToProtoTime(inputs.moment);
  *report.mutable_horizon() = request.has_horizon() ? request.horizon() : ToProtoDuration(kDefaultBriefHorizon);
  report.set_detail_withheld(min_group > 0);
  report.set_trend_withheld(published_only);
  report.set_figures_withheld(at.figures_withheld);
  std::optional<View> before;
  if (inputs.before != nullptr && !published_only) {
    before.emplace(*inputs.before, request.exercise_id());
    report.set_before_revision(before->snapshot.revision);
    *report.mutable_before_time() = ToProtoTime(inputs.before_moment);
  }

  // The situation log: entry names sort in sequence order.
  for (const state::RecordPtr& stored : at.snapshot.records) {
    if (!stored->record.has_situation_entry() ||
        stored->record.situation_entry().incident_id() != request.incident_id())
      continue;
    const v1::SituationEntry& entry = stored->record.situation_entry();
    v1::BriefSituationEntry& out = *report.add_entries();
    out.set_layer(entry.layer());
    out.set_text(entry.text());
    out.set_author(entry.author());
    *out.mutable_provenance() = ProvenanceOf(stored->record);
    out.mutable_provenance()->set_reported_by(entry.author());
  }

  // Capacity by sector and bed type: every (sector, bed type) of the region either picture has a figure of.
  absl::btree_set<std::pair<int, int>> lines;
  auto collect = [&](const View& view) {
    for (const auto& [cell, values] : view.figures.capacity) {
      if (cell.safety_region == region && cell.figure == v1::CAPACITY_FIGURE_AVAILABLE) {
        lines.emplace(cell.sector, cell.bed_type);
      }
    }
  };
  collect(at);
  if (before.has_value()) collect(*before);
  for (const auto& [sector, bed_type] : lines) {
    v1::BriefCapacityLine& line = *report.add_capacity();
    line.set_sector(static_cast<v1::Sector>(sector));
    line.set_bed_type(static_cast<v1::BedType>(bed_type));
    *line.mutable_available() = AvailableIn(at, region, line.sector(), line.bed_type(), /*with_stale=*/true, min_group);
    if (before.has_value()) {
      *line.mutable_available_before() =
          AvailableIn(*before, region, line.sector(), line.bed_type(), /*with_stale=*/true, min_group);
    }
    if (line.available().has_value() && line.available_before().has_value()) {
      line.set_change(line.available().value() - line.available_before().value());
    }
  }

  // Critical organisations and those not heard from, of the region, in id order.
  for (const auto& [organization_id, stored] : at.organizations) {
    const v1::Organization& organization = stored->record.organization();
    if (organization.safety_region() != region) continue;
    auto reports = at.reports.find(organization_id);
    if (reports == at.reports.end()) {
      v1::BriefOrganization& silent = *report.add_not_heard_from();
      silent.set_organization_id(organization_id);
      silent.set_organization_name(organization.name());
      *silent.mutable_provenance() = ProvenanceOf(stored->record);
      continue;
    }
    std::vector<state::RecordPtr> all = reports->second.location_reports;
    if (reports->second.organization_report != nullptr) all.insert(all.begin(), reports->second.organization_report);
    for (const state::RecordPtr& report_record : all) {
      const v1::StatusReport& status = report_record->record.status_report();
      if (status.overall_status() == v1::OVERALL_STATUS_CRITICAL) {
        v1::BriefOrganization& critical = *report.add_critical_organizations();
        critical.set_organization_id(organization_id);
        critical.set_organization_name(organization.name());
        critical.set_overall_status(status.overall_status());
        *critical.mutable_provenance() = ProvenanceOf(report_record->record);
      }
    }
    if (const state::RecordPtr& own = reports->second.organization_report;
        own != nullptr && own->record.status_report().has_overdue_since()) {
      v1::BriefOrganization& silent = *report.add_not_heard_from();
      silent.set_organization_id(organization_id);
      silent.set_organization_name(organization.name());
      silent.set_overall_status(own->record.status_report().overall_status());
      *silent.mutable_overdue_since() = own->record.status_report().overdue_since();
      *silent.mutable_provenance() = ProvenanceOf(own->record);
    }
  }

  // Supplies of the region that run out within the horizon.
  const absl::Time horizon_end = inputs.moment + FromProtoDuration(report.horizon());
  for (const auto& [cell, organizations] : at.figures.supplies) {
    if (cell.safety_region != region) continue;
    v1::BriefSupply supply;
    supply.set_type(cell.type);
    if (min_group > 0 && static_cast<int>(organizations.size()) < min_group) {
      supply.mutable_organizations_running_out()->set_withheld(true);
      *report.add_supplies() = std::move(supply);
      continue;
    }
    absl::Time earliest = absl::InfiniteFuture();
    int64_t running_out = 0;
    for (const auto& [organization_id, runs_out_at] : organizations) {
      if (runs_out_at > horizon_end) continue;
      ++running_out;
      earliest = std::min(earliest, runs_out_at);
      // Which organisations run out is detail, and so is the provenance that would name them.
      if (min_group > 0) continue;
      supply.add_organization_ids(organization_id);
      auto reports = at.reports.find(organization_id);
      if (reports == at.reports.end()) continue;
      for (const state::RecordPtr& stored : reports->second.Counted()) {
        for (const v1::Supply& entry : stored->record.status_report().supplies()) {
          if (entry.type() == cell.type && entry.has_runs_out_at() &&
              FromProtoTime(entry.runs_out_at()) <= horizon_end) {
            *supply.mutable_organizations_running_out()->add_provenance() =
                ProvenanceOf(stored->record, &entry.reported_at());
          }
        }
      }
    }
    if (running_out == 0) continue;
    supply.mutable_organizations_running_out()->set_value(running_out);
    *supply.mutable_earliest_runs_out_at() = ToProtoTime(earliest);
    *report.add_supplies() = std::move(supply);
  }

  // Requests for help of the region still open after they were needed.
  for (const state::RecordPtr& stored : at.snapshot.records) {
    if (!stored->record.has_assistance_request()) continue;
    const v1::AssistanceRequest& request_record = stored->record.assistance_request();
    const bool open = request_record.status() == v1::ASSISTANCE_STATUS_OPEN ||
                      request_record.status() == v1::ASSISTANCE_STATUS_OFFERED ||
                      request_record.status() == v1::ASSISTANCE_STATUS_ACCEPTED;
    const bool in_region =
        stored->record.scope().safety_region() == region || request_record.incident_id() == request.incident_id();
    if (!open || !in_region || !request_record.has_needed_by() ||
        FromProtoTime(request_record.needed_by()) > inputs.moment) {
      continue;
    }
    v1::BriefRequest& late = *report.add_late_requests();
    late.set_request_id(request_record.id());
    late.set_organization_id(request_record.organization_id());
    late.set_type(request_record.type());
    late.set_quantity(request_record.quantity());
    late.set_accepted_quantity(request_record.accepted_quantity());
    late.set_status(request_record.status());
    *late.mutable_needed_by() = request_record.needed_by();
    *late.mutable_provenance() = ProvenanceOf(stored->record);
  }

  // Scenario needs of the region that the fresh figures do not cover (stale figures are not counted, as in the gap
  // report); a need nobody reported is a gap of knowledge and listed too.
  for (const state::RecordPtr& stored : at.snapshot.records) {
    if (!stored->record.has_scenario() || stored->record.scenario().safety_region() != region) continue;
    const v1::Scenario& scenario = stored->record.scenario();
    for (const v1::CapacityRequirement& need : scenario.capacity()) {
      v1::BriefFigure available = AvailableIn(
          at, region, need.sector() == v1::SECTOR_UNSPECIFIED ? std::nullopt : std::optional<v1::Sector>(need.sector()),
          need.bed_type(), /*with_stale=*/false, min_group);
      std::optional<int64_t> shortfall;
      if (available.has_value()) {
        if (available.value() >= need.quantity()) continue;
        shortfall = need.quantity() - available.value();
      }
      v1::BriefScenarioGap& gap = *report.add_scenario_gaps();
      gap.set_scenario_id(scenario.id());
      gap.set_scenario_name(scenario.name());
      gap.set_sector(need.sector());
      gap.set_bed_type(need.bed_type());
      gap.set_required(need.quantity());
      *gap.mutable_available() = std::move(available);
      if (shortfall.has_value()) gap.set_shortfall(*shortfall);
      *gap.mutable_scenario() = ProvenanceOf(stored->record);
    }
  }

  AskDecisions(report);
  report.set_markdown(RenderSituationReportMarkdown(report));
  return report;
}

// ---- Markdown ------------------------------------------------------------------------------------------------------

namespace {

// Footnotes in order of first use.
class Footnotes {
 public:
  explicit Footnotes(bool english) : english_(english) {}

  // " [^n]" for `provenance`, or "" when there is none.
  std::string Cite(const google::protobuf::RepeatedPtrField<v1::Provenance>& provenance) {
    if (provenance.empty()) return "";
    std::vector<std::string> parts;
    for (const v1::Provenance& p : provenance) {
      parts.push_back(absl::StrCat("`", p.record(), "`", english_ ? ", revision " : ", revisie ", p.revision(),
                                   english_ ? ", reported " : ", gemeld ", Time(p.reported_at()),
                                   english_ ? " by " : " door ", Escape(p.reported_by()),
                                   p.stale() ? (english_ ? " (stale)" : " (verouderd)") : ""));
    }
    notes_.push_back(absl::StrJoin(parts, "; "));
    return absl::StrCat("[^", notes_.size(), "]");
  }
  std::string Cite(const v1::Provenance& provenance) {
    google::protobuf::RepeatedPtrField<v1::Provenance> one;
    *one.Add() = provenance;
    return Cite(one);
  }

  std::string Render() const {
    std::string out;
    for (size_t i = 0; i < notes_.size(); ++i) absl::StrAppend(&out, "[^", i + 1, "]: ", notes_[i], ".\n");
    return out;
  }

  // Text in a table cell or footnote: no line breaks, no cell separators.
  static std::string Escape(absl::string_view text) {
    return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\r\n", " "}, {"\n", " "}, {"\r", " "}});
  }

 private:
  bool english_;
  std::vector<std::string> notes_;
};

constexpr absl::string_view kDash = "—";

}  // namespace

std::string RenderSituationReportMarkdown(const v1::SituationReport& report) {
  const bool en = English(report);
  const bool roaz = report.audience() == v1::BRIEF_AUDIENCE_ROAZ;
  Footnotes notes(en);
  auto esc = &Footnotes::Escape;
  auto figure = [&](const v1::BriefFigure& f) -> std::string {
    if (f.withheld()) return en ? "withheld" : "afgeschermd";
    if (!f.has_value()) return std::string(kDash);
    const std::string cite = notes.Cite(f.provenance());
    return cite.empty() ? absl::StrCat(f.value()) : absl::StrCat(f.value(), " ", cite);
  };
  const v1::Incident& incident = report.incident();
  std::string out;
  absl::StrAppend(&out, "# ",
                  en ? (roaz ? "Situation report for the ROAZ" : "Situation report for the bestuur")
                     : (roaz ? "Situatierapport voor het ROAZ" : "Situatierapport voor het bestuur"),
                  ": ", esc(incident.title()), "\n\n");
  if (!report.exercise_id().empty()) {
    absl::StrAppend(&out, en ? "**EXERCISE** " : "**OEFENING** ", "`", report.exercise_id(), "`\n\n");
  }
  absl::StrAppend(&out, en ? "Incident " : "Incident ", "`", incident.id(), "` · ", esc(incident.type()), " · ",
                  esc(incident.scale_up_level()), " · ", IncidentStatus(incident.status(), en), " · ",
                  en ? "safety region " : "veiligheidsregio ", incident.safety_region(), " ",
                  notes.Cite(report.incident_provenance()), "\n\n");
  absl::StrAppend(&out, en ? "Moment: " : "Moment: ", Time(report.at_time()), en ? " (revision " : " (revisie ",
                  report.revision(), "). ");
  if (report.before_revision() > 0) {
    absl::StrAppend(&out, en ? "Trend against " : "Trend ten opzichte van ", Time(report.before_time()),
                    en ? " (revision " : " (revisie ", report.before_revision(), ").\n\n");
  } else if (report.trend_withheld()) {
    absl::StrAppend(&out, en ? "No trend for this reader: sums of two moments could be subtracted (graduated "
                               "visibility).\n\n"
                             : "Geen trend voor deze lezer: sommen van twee momenten zouden van elkaar afgetrokken "
                               "kunnen worden (getrapte zichtbaarheid).\n\n");
  } else {
    absl::StrAppend(
        &out, en ? "No picture 24 hours earlier: no trend.\n\n" : "Geen beeld van 24 uur eerder: geen trend.\n\n");
  }
  if (report.figures_withheld()) {
    absl::StrAppend(&out, en ? "Capacity and supply figures of a past moment are withheld for this reader (graduated "
                               "visibility): ask for the brief of now.\n\n"
                             : "Capaciteits- en voorraadcijfers van een eerder moment zijn afgeschermd voor deze "
                               "lezer (getrapte zichtbaarheid): vraag het rapport van nu.\n\n");
  } else if (report.detail_withheld()) {
    absl::StrAppend(&out, en ? "Sums of fewer organisations than the minimum group are withheld (graduated "
                               "visibility).\n\n"
                             : "Sommen van minder organisaties dan de minimale groep zijn afgeschermd (getrapte "
                               "zichtbaarheid).\n\n");
  }

  absl::StrAppend(&out, en ? "## Picture, assessment and decisions\n\n" : "## Beeld, oordeel en besluiten\n\n");
  if (report.entries().empty()) {
    absl::StrAppend(&out, en ? "The situation log is empty.\n\n" : "Het situatielog is leeg.\n\n");
  } else {
    absl::StrAppend(&out, en ? "| Layer | Text | Author | Source |\n" : "| Laag | Tekst | Auteur | Bron |\n",
                    "|---|---|---|---|\n");
    for (const v1::BriefSituationEntry& entry : report.entries()) {
      absl::StrAppend(&out, "| ", Layer(entry.layer(), en), " | ", esc(entry.text()), " | ", esc(entry.author()), " | ",
                      notes.Cite(entry.provenance()), " |\n");
    }
    absl::StrAppend(&out, "\n");
  }

  absl::StrAppend(&out, en ? "## Capacity by sector and bed type (available)\n\n"
                           : "## Capaciteit per sector en beddensoort (beschikbaar)\n\n");
  if (report.capacity().empty()) {
    absl::StrAppend(&out, en ? "No capacity reported in the region.\n\n" : "Geen capaciteit gemeld in de regio.\n\n");
  } else {
    absl::StrAppend(&out,
                    en ? "| Sector | Bed type | Now | 24 h earlier | Change |\n"
                       : "| Sector | Beddensoort | Nu | 24 uur eerder | Verschil |\n",
                    "|---|---|---:|---:|---:|\n");
    for (const v1::BriefCapacityLine& line : report.capacity()) {
      absl::StrAppend(
          &out, "| ", Sector(line.sector(), en), " | ", Bed(line.bed_type(), en), " | ", figure(line.available()),
          " | ", report.before_revision() > 0 ? figure(line.available_before()) : std::string(kDash), " | ",
          line.has_change() ? absl::StrCat(line.change() > 0 ? "+" : "", line.change()) : std::string(kDash), " |\n");
    }
    absl::StrAppend(&out, "\n");
  }

  absl::StrAppend(&out, en ? "## Bottlenecks (knelpunten)\n\n" : "## Knelpunten\n\n");
  auto organizations = [&](const google::protobuf::RepeatedPtrField<v1::BriefOrganization>& list, bool overdue) {
    if (list.empty()) {
      absl::StrAppend(&out, en ? "None.\n\n" : "Geen.\n\n");
      return;
    }
    absl::StrAppend(&out,
                    overdue ? (en ? "| Organisation | Overdue since | Source |\n"
                                  : "| Organisatie | Achterstallig sinds | Bron |\n")
                            : (en ? "| Organisation | Status | Source |\n" : "| Organisatie | Status | Bron |\n"),
                    "|---|---|---|\n");
    for (const v1::BriefOrganization& o : list) {
      std::string state = overdue ? (o.has_overdue_since() ? Time(o.overdue_since())
                                                           : std::string(en ? "never reported" : "nooit gemeld"))
                                  : Overall(o.overall_status(), en);
      absl::StrAppend(&out, "| ", esc(o.organization_name()), " (`", o.organization_id(), "`) | ", state, " | ",
                      notes.Cite(o.provenance()), " |\n");
    }
    absl::StrAppend(&out, "\n");
  };
  absl::StrAppend(&out, en ? "### Critical organisations\n\n" : "### Kritieke organisaties\n\n");
  organizations(report.critical_organizations(), false);

  absl::StrAppend(&out, en ? "### Supplies running out within " : "### Voorraden die opraken binnen ",
                  HoursOf(FromProtoDuration(report.horizon())), en ? " hours\n\n" : " uur\n\n");
  if (report.supplies().empty()) {
    absl::StrAppend(&out, en ? "None.\n\n" : "Geen.\n\n");
  } else {
    absl::StrAppend(&out,
                    en ? "| Supply | Organisations | First runs out | Which |\n"
                       : "| Voorraad | Organisaties | Eerste tekort | Welke |\n",
                    "|---|---:|---|---|\n");
    for (const v1::BriefSupply& supply : report.supplies()) {
      absl::StrAppend(
          &out, "| ", Supply(supply.type(), en), " | ", figure(supply.organizations_running_out()), " | ",
          supply.has_earliest_runs_out_at() ? Time(supply.earliest_runs_out_at()) : std::string(kDash), " | ",
          supply.organization_ids().empty() ? std::string(kDash) : absl::StrJoin(supply.organization_ids(), ", "),
          " |\n");
    }
    absl::StrAppend(&out, "\n");
  }

  absl::StrAppend(&out, en ? "### Late requests for help\n\n" : "### Te late hulpvragen\n\n");
  if (report.late_requests().empty()) {
    absl::StrAppend(&out, en ? "None.\n\n" : "Geen.\n\n");
  } else {
    absl::StrAppend(&out,
                    en ? "| Request | Organisation | Type | Covered | Needed by | Status | Source |\n"
                       : "| Hulpvraag | Organisatie | Soort | Gedekt | Nodig voor | Status | Bron |\n",
                    "|---|---|---|---:|---|---|---|\n");
    for (const v1::BriefRequest& request : report.late_requests()) {
      absl::StrAppend(&out, "| `", request.request_id(), "` | `", request.organization_id(), "` | ",
                      RequestType(request.type()), " | ", request.accepted_quantity(), " / ", request.quantity(), " | ",
                      Time(request.needed_by()), " | ", RequestStatus(request.status(), en), " | ",
                      notes.Cite(request.provenance()), " |\n");
    }
    absl::StrAppend(&out, "\n");
  }

  absl::StrAppend(&out, en ? "### Scenario gaps\n\n" : "### Scenariotekorten\n\n");
  if (report.scenario_gaps().empty()) {
    absl::StrAppend(&out, en ? "None.\n\n" : "Geen.\n\n");
  } else {
    absl::StrAppend(&out,
                    en ? "| Scenario | Sector | Bed type | Needed | Available | Shortfall |\n"
                       : "| Scenario | Sector | Beddensoort | Nodig | Beschikbaar | Tekort |\n",
                    "|---|---|---|---:|---:|---:|\n");
    for (const v1::BriefScenarioGap& gap : report.scenario_gaps()) {
      absl::StrAppend(&out, "| ", esc(gap.scenario_name()), " ", notes.Cite(gap.scenario()), " | ",
                      Sector(gap.sector(), en), " | ", Bed(gap.bed_type(), en), " | ", gap.required(), " | ",
                      figure(gap.available()), " | ",
                      gap.has_shortfall() ? absl::StrCat(gap.shortfall()) : std::string(kDash), " |\n");
    }
    absl::StrAppend(&out, "\n");
  }

  absl::StrAppend(&out, en ? "### Not heard from\n\n" : "### Niet gehoord\n\n");
  organizations(report.not_heard_from(), true);

  absl::StrAppend(&out, en ? (roaz ? "## Asked of the ROAZ\n\n" : "## Decisions asked of the bestuur\n\n")
                           : (roaz ? "## Gevraagd van het ROAZ\n\n" : "## Gevraagde besluiten van het bestuur\n\n"));
  if (report.decisions().empty()) {
    absl::StrAppend(&out, en ? "None.\n\n" : "Geen.\n\n");
  } else {
    int n = 0;
    for (const v1::BriefDecision& decision : report.decisions()) {
      absl::StrAppend(&out, ++n, ". ", esc(decision.question()), " ", notes.Cite(decision.provenance()), "\n");
    }
    absl::StrAppend(&out, "\n");
  }
  const std::string footnotes = notes.Render();
  if (!footnotes.empty()) absl::StrAppend(&out, "---\n\n", footnotes);
  return out;
}

}  // namespace ketenbeeld::queries
