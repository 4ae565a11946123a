#include "server/queries/evaluation.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "server/domain/geo.h"
#include "server/domain/names.h"
#include "server/domain/validation.h"
#include "server/queries/audience.h"

namespace ketenbeeld::queries {
namespace {

namespace v1 = ::ketenbeeld::v1;

constexpr int kMaxScenarios = 20;
// One ReadLog call reads at most this much; the walk goes on in such steps.
constexpr size_t kReadStepBytes = size_t{4} << 20;

// One organisation's response as the walk finds it.
struct Response {
  std::optional<absl::Time> triggered_at;
  std::string trigger;
  std::optional<absl::Time> first_report_at;
  int reports = 0;
  int overdue = 0;
};

// The available places of one bed type in a report, when given.
using Available = absl::btree_map<int, int64_t>;  // BedType -> available

// The capacity of one scenario need, kept as the walk goes: the total now, and the lowest seen.
struct NeedTotal {
  v1::CapacityRequirement requirement = {};
  std::string safety_region = {};
  int64_t total = 0;
  int contributors = 0;
  std::optional<int64_t> lowest = std::nullopt;
  absl::Time lowest_at = absl::InfinitePast();
};

class Walk {
 public:
  Walk(const v1::GetEvaluationRequest& request, const state::Picture& picture, v1::Evaluation& evaluation)
      : request_(request), evaluation_(evaluation) {
    for (const state::RecordPtr& record : picture.TakePrefix("organizations/", "organizations/", 0).records) {
      if (record->record.has_organization()) registry_.emplace(record->record.organization().id(), record);
    }
  }

  // A record of the view this evaluation reads (the registry, and the incident's exercise or the real picture).
  bool InView(const v1::Record& record) const {
    return record.exercise_id() == request_.exercise_id() || record.kind() == v1::ENTITY_KIND_ORGANIZATION;
  }

  void AddScenario(const v1::Scenario& scenario) {
    for (const v1::CapacityRequirement& requirement : scenario.capacity()) {
      needs_.push_back(NeedTotal{.requirement = requirement, .safety_region = scenario.safety_region()});
    }
  }

  // The status reports as they stood before the incident: where the capacity walk starts.
  void StartFrom(const v1::Record& report) { SetReport(report, /*track_overdue=*/false); }
  void AfterStart(absl::Time at) {
    for (NeedTotal& need : needs_) Observe(need, at);
  }

  void Visit(const v1::Event& event) {
    const v1::Record& record = event.record();
    if (!InView(record)) return;
    const absl::Time at = FromProtoTime(event.commit_time());
    const bool by_server = event.actor().role() == v1::ROLE_SYSTEM;
    if (record.has_incident() && record.incident().id() == request_.incident_id()) {
      VisitIncident(record.incident(), at);
    } else if (record.has_alert() && record.alert().incident_id() == request_.incident_id()) {
      VisitAlert(record.alert(), at);
    } else if (record.has_acknowledgement() && alerts_.contains(record.acknowledgement().alert_id())) {
      const v1::Acknowledgement& acknowledgement = record.acknowledgement();
      acknowledgements_[acknowledgement.alert_id()].try_emplace(acknowledgement.organization_id(), acknowledgement);
    } else if (record.has_assistance_request() && record.assistance_request().incident_id() == request_.incident_id()) {
      requests_[record.assistance_request().id()] = record.assistance_request();
      if (record.assistance_request().status() == v1::ASSISTANCE_STATUS_FULFILLED) {
        fulfilled_at_.try_emplace(record.assistance_request().id(), at);
      }
    } else if (record.has_status_report()) {
      const v1::StatusReport& report = record.status_report();
      if (!by_server) {
        Response& response = responses_[report.organization_id()];
        ++response.reports;
        if (response.triggered_at.has_value() && !response.first_report_at.has_value()) response.first_report_at = at;
      }
      SetReport(event.type() == v1::EVENT_TYPE_DELETE ? v1::Record() : record, /*track_overdue=*/true, record.name());
      for (NeedTotal& need : needs_) Observe(need, at);
    }
  }

  void Finish() {
    int overdue = 0;
    for (auto& [organization_id, response] : responses_) {
      if (!response.triggered_at.has_value()) continue;
      v1::OrganizationResponse& out = *evaluation_.add_organizations();
      out.set_organization_id(organization_id);
      if (auto it = registry_.find(organization_id); it != registry_.end()) {
        out.set_organization_name(it->second->record.organization().name());
      }
      *out.mutable_triggered_at() = ToProtoTime(*response.triggered_at);
      out.set_trigger(response.trigger);
      if (response.first_report_at.has_value()) {
        *out.mutable_first_report_at() = ToProtoTime(*response.first_report_at);
        *out.mutable_time_to_first_report() = ToProtoDuration(*response.first_report_at - *response.triggered_at);
      }
      out.set_reports(response.reports);
      out.set_overdue(response.overdue);
      if (response.overdue > 0) ++overdue;
    }
    evaluation_.set_organizations_triggered(evaluation_.organizations_size());
    evaluation_.set_organizations_overdue(overdue);

    for (const auto& [alert_id, alert] : alerts_) {
      v1::AlertEvaluation& out = *evaluation_.add_alerts();
      out.set_alert_id(alert_id);
      out.set_headline(alert.headline());
      *out.mutable_sent_at() = alert.sent_at();
      if (alert.has_acknowledge_by()) *out.mutable_acknowledge_by() = alert.acknowledge_by();
      const std::vector<std::string> audience = AudienceNow(alert);
      out.set_audience_size(static_cast<int32_t>(audience.size()));
      std::vector<absl::Duration> latencies;
      const auto& acknowledged = acknowledgements_[alert_id];
      for (const auto& [organization_id, acknowledgement] : acknowledged) {
        v1::AcknowledgementLatency& latency = *out.add_acknowledgements();
        latency.set_organization_id(organization_id);
        *latency.mutable_acknowledged_at() = acknowledgement.acknowledged_at();
        const absl::Duration took = FromProtoTime(acknowledgement.acknowledged_at()) - FromProtoTime(alert.sent_at());
        *latency.mutable_latency() = ToProtoDuration(took);
        latency.set_late(acknowledgement.late());
        latencies.push_back(took);
      }
      for (const std::string& organization_id : audience) {
        if (!acknowledged.contains(organization_id)) out.add_never_acknowledged(organization_id);
      }
      if (!latencies.empty()) {
        std::sort(latencies.begin(), latencies.end());
        *out.mutable_median_latency() = ToProtoDuration(latencies[(latencies.size() - 1) / 2]);
        *out.mutable_max_latency() = ToProtoDuration(latencies.back());
      }
    }

    for (const auto& [request_id, request] : requests_) {
      v1::RequestEvaluation& out = *evaluation_.add_requests();
      out.set_request_id(request_id);
      out.set_organization_id(request.organization_id());
      out.set_type(request.type());
      out.set_quantity(request.quantity());
      out.set_status(request.status());
      *out.mutable_requested_at() = request.requested_at();
      const absl::Time requested = FromProtoTime(request.requested_at());
      std::optional<absl::Time> first_offer;
      std::optional<absl::Time> first_acceptance;
      for (const v1::Offer& offer : request.offers()) {
        if (offer.has_offered_at())
          first_offer = std::min(first_offer.value_or(absl::InfiniteFuture()), FromProtoTime(offer.offered_at()));
        if (offer.has_accepted_at())
          first_acceptance =
              std::min(first_acceptance.value_or(absl::InfiniteFuture()), FromProtoTime(offer.accepted_at()));
      }
      if (first_offer.has_value()) *out.mutable_time_to_first_offer() = ToProtoDuration(*first_offer - requested);
      if (first_acceptance.has_value()) {
        *out.mutable_time_to_acceptance() = ToProtoDuration(*first_acceptance - requested);
      }
      if (auto it = fulfilled_at_.find(request_id); it != fulfilled_at_.end()) {
        *out.mutable_time_to_fulfilment() = ToProtoDuration(it->second - requested);
      }
    }
  }

  // The capacity lines of scenario number `index` (in the order AddScenario was called), `count` of them.
  void WriteNeeds(size_t first, size_t count, v1::ScenarioEvaluation& out) const {
    for (size_t i = first; i < first + count; ++i) {
      const NeedTotal& need = needs_[i];
      v1::ScenarioNeedEvaluation& line = *out.add_needs();
      line.set_bed_type(need.requirement.bed_type());
      line.set_sector(need.requirement.sector());
      line.set_required(need.requirement.quantity());
      if (need.lowest.has_value()) {
        line.set_lowest_available(*need.lowest);
        if (need.lowest_at != absl::InfinitePast()) *line.mutable_lowest_at() = ToProtoTime(need.lowest_at);
        line.set_worst_shortfall(std::max<int64_t>(0, need.requirement.quantity() - *need.lowest));
      }
    }
  }

 private:
  // The registered organisations an incident affects: those it names or has inside its area
  // (domain::AffectedOrganizationIds), or every one of its region when there are none.
  std::vector<std::string> Affected(const v1::Incident& incident) const {
    if (std::vector<std::string> affected = domain::AffectedOrganizationIds(incident); !affected.empty()) {
      return affected;
    }
    std::vector<std::string> ids;
    for (const auto& [id, record] : registry_) {
      if (record->record.organization().safety_region() == incident.safety_region()) ids.push_back(id);
    }
    return ids;
  }

  std::vector<std::string> AudienceNow(const v1::Alert& alert) const {
    std::vector<std::string> ids;
    for (const auto& [id, record] : registry_) {
      if (InAudience(alert.audience(), record->record.organization())) ids.push_back(id);
    }
    return ids;
  }

  void Trigger(const std::vector<std::string>& organization_ids, absl::Time at, const std::string& why) {
    for (const std::string& id : organization_ids) {
      Response& response = responses_[id];
      if (response.triggered_at.has_value()) continue;
      response.triggered_at = at;
      response.trigger = why;
    }
  }

  void VisitIncident(const v1::Incident& incident, absl::Time at) {
    if (!incident_seen_) {
      incident_seen_ = true;
      Trigger(Affected(incident), at, absl::StrCat("incident opened (", incident.scale_up_level(), ")"));
    } else if (incident.scale_up_level() != level_ && incident.status() == v1::INCIDENT_STATUS_SCALED_UP) {
      Trigger(Affected(incident), at, absl::StrCat("scaled up to ", incident.scale_up_level()));
    } else {
      Trigger(Affected(incident), at, absl::StrCat("named by the incident (", incident.scale_up_level(), ")"));
    }
    level_ = incident.scale_up_level();
  }

  void VisitAlert(const v1::Alert& alert, absl::Time at) {
    const bool first = !alerts_.contains(alert.id());
    alerts_[alert.id()] = alert;
    if (first && alert.status() != v1::ALERT_STATUS_CANCELLED) {
      Trigger(AudienceNow(alert), at, absl::StrCat("alert ", alert.id()));
    }
  }

  // Replaces the report `name` (empty `record`: deleted) in the capacity walk, and counts a new overdue mark.
  void SetReport(const v1::Record& record, bool track_overdue, const std::string& deleted_name = "") {
    const std::string& name = record.name().empty() ? deleted_name : record.name();
    const v1::StatusReport& report = record.status_report();
    const bool overdue = report.has_overdue_since();
    bool& was_overdue = overdue_[name];
    if (track_overdue && overdue && !was_overdue) ++responses_[report.organization_id()].overdue;
    was_overdue = overdue;

    std::string organization_id = report.organization_id();
    if (record.name().empty()) {
      // A delete: the organisation is the one the report was of.
      auto it = report_owner_.find(name);
      if (it == report_owner_.end()) return;
      organization_id = it->second;
    }
    report_owner_[name] = organization_id;
    const Contribution before = ContributionOf(organization_id);
    Available& available = reports_[organization_id][name];
    available.clear();
    if (record.name().empty()) {
      reports_[organization_id].erase(name);
    } else {
      for (const v1::Capacity& capacity : report.capacity()) {
        if (capacity.has_available()) available[capacity.type()] = capacity.available();
      }
      locations_[name] = !report.location_id().empty();
    }
    const Contribution after = ContributionOf(organization_id);
    auto registered = registry_.find(organization_id);
    if (registered == registry_.end()) return;
    const v1::Organization& organization = registered->second->record.organization();
    for (NeedTotal& need : needs_) {
      if (organization.safety_region() != need.safety_region) continue;
      if (need.requirement.sector() != v1::SECTOR_UNSPECIFIED && need.requirement.sector() != organization.sector()) {
        continue;
      }
      const int bed_type = need.requirement.bed_type();
      if (auto it = before.find(bed_type); it != before.end()) {
        need.total -= it->second;
        --need.contributors;
      }
      if (auto it = after.find(bed_type); it != after.end()) {
        need.total += it->second;
        ++need.contributors;
      }
    }
  }

  // An organisation's available places per bed type by the counting rule of the reports (reports.h): its per-location
  // reports when it has any, else its organisation-level report.
  using Contribution = Available;
  Contribution ContributionOf(const std::string& organization_id) const {
    Contribution sum;
    auto it = reports_.find(organization_id);
    if (it == reports_.end()) return sum;
    bool any_location = false;
    for (const auto& [name, available] : it->second) {
      if (auto located = locations_.find(name); located != locations_.end() && located->second) any_location = true;
    }
    for (const auto& [name, available] : it->second) {
      auto located = locations_.find(name);
      const bool is_location = located != locations_.end() && located->second;
      if (is_location != any_location) continue;
      for (const auto& [bed_type, places] : available) sum[bed_type] += places;
    }
    return sum;
  }

  static void Observe(NeedTotal& need, absl::Time at) {
    if (need.contributors == 0) return;
    if (!need.lowest.has_value() || need.total < *need.lowest) {
      need.lowest = need.total;
      need.lowest_at = at;
    }
  }

  const v1::GetEvaluationRequest& request_;
  v1::Evaluation& evaluation_;
  absl::btree_map<std::string, state::RecordPtr> registry_;
  bool incident_seen_ = false;
  std::string level_;
  absl::btree_map<std::string, Response> responses_;
  absl::btree_map<std::string, v1::Alert> alerts_;
  absl::btree_map<std::string, absl::btree_map<std::string, v1::Acknowledgement>> acknowledgements_;
  absl::btree_map<std::string, v1::AssistanceRequest> requests_;
  absl::btree_map<std::string, absl::Time> fulfilled_at_;
  absl::btree_map<std::string, bool> overdue_;
  absl::btree_map<std::string, std::string> report_owner_;
  absl::btree_map<std::string, absl::btree_map<std::string, Available>> reports_;  // organisation -> report name
  absl::btree_map<std::string, bool> locations_;                                   // report name -> per location
  std::vector<NeedTotal> needs_;
};

}  // namespace

absl::StatusOr<v1::Evaluation> ComputeEvaluation(const v1::GetEvaluationRequest& request, const storage::Store& store,
                                                 const state::Picture& picture) {
  if (absl::Status valid = domain::ValidateId(request.incident_id(), "incident_id"); !valid.ok()) return valid;
  if (request.scenario_ids_size() > kMaxScenarios) {
    return absl::InvalidArgumentError(
        absl::StrCat("scenario_ids: at most ", kMaxScenarios, ", got ", request.scenario_ids_size()));
  }
  std::vector<v1::Scenario> scenarios;
  absl::flat_hash_set<std::string> named;
  for (int i = 0; i < request.scenario_ids_size(); ++i) {
    const std::string field = absl::StrCat("scenario_ids[", i, "]");
    if (absl::Status valid = domain::ValidateId(request.scenario_ids(i), field); !valid.ok()) return valid;
    if (!named.insert(request.scenario_ids(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": \"", request.scenario_ids(i), "\" named twice"));
    }
    state::RecordPtr scenario = picture.Find(domain::ScenarioName(request.scenario_ids(i)));
    if (scenario == nullptr || !scenario->record.has_scenario()) {
      return absl::NotFoundError(absl::StrCat(field, ": scenario \"", request.scenario_ids(i), "\" does not exist"));
    }
    scenarios.push_back(scenario->record.scenario());
  }

  const std::string incident_name =
      domain::InExercise(request.exercise_id(), domain::IncidentName(request.incident_id()));
  const auto [incident, picture_revision] = picture.FindWithRevision(incident_name);
  if (incident == nullptr || !incident->record.has_incident()) {
    return absl::NotFoundError(absl::StrCat("incident_id: incident \"", request.incident_id(), "\" does not exist",
                                            request.exercise_id().empty() ? "" : " in exercise \"",
                                            request.exercise_id(), request.exercise_id().empty() ? "" : "\""));
  }
  v1::Evaluation evaluation;
  *evaluation.mutable_incident() = incident->record.incident();
  evaluation.set_exercise_id(request.exercise_id());
  const int64_t from = incident->record.create_revision();
  // A closed incident never changes again: its closing is its last revision, so the evaluation is final.
  const int64_t to = incident->record.incident().status() == v1::INCIDENT_STATUS_CLOSED
                         ? incident->record.mod_revision()
                         : picture_revision;
  if (const int64_t compacted = store.compacted_revision(); from - 1 < compacted) {
    return absl::FailedPreconditionError(absl::StrCat("incident_id: the history of incident \"", request.incident_id(),
                                                      "\" (from revision ", from,
                                                      ") is no longer retained; the oldest "
                                                      "readable revision is ",
                                                      compacted));
  }
  if (to - from + 1 > kMaxEvaluatedEvents) {
    return absl::ResourceExhaustedError(absl::StrCat("incident_id: the incident spans ", to - from + 1,
                                                     " revisions; an evaluation reads at most ", kMaxEvaluatedEvents));
  }
  evaluation.set_from_revision(from);
  evaluation.set_to_revision(to);

  Walk walk(request, picture, evaluation);
  for (const v1::Scenario& scenario : scenarios) walk.AddScenario(scenario);
  // The reports as they stood when the incident opened: where the capacity totals start.
  const std::string prefix = request.exercise_id().empty()
                                 ? std::string("organizations/")
                                 : absl::StrCat(domain::ExercisePrefix(request.exercise_id()), "organizations/");
  std::vector<int64_t> report_revisions;
  if (absl::Status scanned = store.ForEachNameAt(prefix, "", from - 1,
                                                 [&](std::string_view name, int64_t revision) {
                                                   if (name.ends_with("/status")) {
                                                     report_revisions.push_back(revision);
                                                   }
                                                   return true;
                                                 });
      !scanned.ok()) {
    return scanned;
  }
  for (int64_t revision : report_revisions) {
    absl::StatusOr<std::string> bytes = store.ReadEvent(revision);
    if (!bytes.ok()) return bytes.status();
    v1::Event event;
    if (!event.ParseFromString(*bytes)) return absl::DataLossError(absl::StrCat("log entry ", revision));
    if (event.type() == v1::EVENT_TYPE_PUT && walk.InView(event.record())) walk.StartFrom(event.record());
  }

  for (int64_t next = from; next <= to;) {
    absl::StatusOr<std::vector<storage::StoredEvent>> step = store.ReadLog(next, to, kReadStepBytes);
    if (!step.ok()) return step.status();
    if (step->empty()) return absl::DataLossError(absl::StrCat("the log has no entry at revision ", next));
    for (const storage::StoredEvent& stored : *step) {
      v1::Event event;
      if (!event.ParseFromString(stored.event_bytes)) {
        return absl::DataLossError(absl::StrCat("log entry ", stored.revision, " does not parse"));
      }
      if (stored.revision == from) {
        *evaluation.mutable_from_time() = event.commit_time();
        walk.AfterStart(FromProtoTime(event.commit_time()));
      }
      if (stored.revision == to) *evaluation.mutable_to_time() = event.commit_time();
      walk.Visit(event);
      next = stored.revision + 1;
    }
  }
  walk.Finish();
  size_t first = 0;
  for (const v1::Scenario& scenario : scenarios) {
    v1::ScenarioEvaluation& out = *evaluation.add_scenarios();
    out.set_scenario_id(scenario.id());
    out.set_name(scenario.name());
    walk.WriteNeeds(first, scenario.capacity_size(), out);
    first += scenario.capacity_size();
  }
  return evaluation;
}

}  // namespace ketenbeeld::queries
