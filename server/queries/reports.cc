#include "server/queries/reports.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "server/domain/field_checks.h"
#include "server/domain/indicator_validation.h"
#include "server/queries/audience.h"
#include "server/queries/beds.h"

namespace ketenbeeld::queries {
namespace {

namespace v1 = ::ketenbeeld::v1;
using namespace domain::checks;  // NOLINT(google-build-using-namespace): the field checkers validate the requests.
using google::protobuf::util::TimeUtil;

constexpr double kEarthRadiusKm = 6371.0088;
constexpr double kDefaultRadiusKm = 50;
constexpr double kMaxRadiusKm = 500;
constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 1000;

// A registered organisation and its latest reports, as one snapshot holds them.
using OrganizationView = OrganizationReports;

// One consistent snapshot of the records a report needs, with the organisations indexed by id (in id order).
class PictureView {
 public:
  // `exercise_id`: the view of that exercise (its records and the registry); empty: the real picture.
  PictureView(const state::Picture& picture, absl::Span<const v1::EntityKind> kinds,
              const std::string& exercise_id = "") {
    v1::Filter filter;
    for (v1::EntityKind kind : kinds) filter.add_kinds(kind);
    filter.set_exercise_id(exercise_id);
    snapshot_ = picture.Take(domain::CompiledFilter(filter));
    for (const state::RecordPtr& stored : snapshot_.records) {
      if (stored->record.has_organization()) {
        OrganizationView& view = organizations_[stored->record.organization().id()];
        view.organization = &stored->record.organization();
        if (stored->record.has_provenance()) view.provenance = &stored->record.provenance();
      }
    }
    for (const state::RecordPtr& stored : snapshot_.records) {
      if (stored->record.has_bed_reservation()) reservations_.Add(stored->record.bed_reservation());
      if (!stored->record.has_status_report()) continue;
      const v1::StatusReport& report = stored->record.status_report();
      auto it = organizations_.find(report.organization_id());
      if (it == organizations_.end()) continue;  // Reports are accepted only from registered organisations.
      if (report.location_id().empty()) {
        it->second.organization_report = &report;
      } else {
        it->second.location_reports.push_back(&report);
      }
    }
  }

  int64_t revision() const { return snapshot_.revision; }
  const std::vector<state::RecordPtr>& records() const { return snapshot_.records; }
  const absl::btree_map<std::string, OrganizationView>& organizations() const { return organizations_; }
  // The reservations that may hold beds (when the view was made with ENTITY_KIND_BED_RESERVATION).
  const ReservationIndex& reservations() const { return reservations_; }

 private:
  state::Picture::Snapshot snapshot_;
  absl::btree_map<std::string, OrganizationView> organizations_;
  ReservationIndex reservations_;
};

// The kinds of record the capacity figures are made of: organisations, their reports, the reservations that hold
// beds (beds.h), and the sector aggregates source regions sent (federation).
constexpr std::array<v1::EntityKind, 4> kCapacityKinds = {v1::ENTITY_KIND_ORGANIZATION, v1::ENTITY_KIND_STATUS_REPORT,
                                                          v1::ENTITY_KIND_BED_RESERVATION,
                                                          v1::ENTITY_KIND_SECTOR_AGGREGATE};

// An optional figure summed over the reports that give it.
void AddFigure(std::optional<int64_t>& sum, bool present, int64_t value) {
  if (present) sum = sum.value_or(0) + value;
}

// An organisation's (or a group's) figures of one bed type; each absent until some report gives it.
struct Figures {
  std::optional<int64_t> available, occupied, baseline, surge_24h, surge_72h;
  absl::Time newest = absl::InfinitePast();
  absl::Time oldest = absl::InfiniteFuture();
  bool stale = false;  // Some of the reports summed gave a stale figure: the sum is stale.

  void Add(const v1::Capacity& capacity, absl::Time reported_at, bool stale_figure) {
    stale = stale || stale_figure;
    AddFigure(available, capacity.has_available(), capacity.available());
    AddFigure(occupied, capacity.has_occupied(), capacity.occupied());
    AddFigure(baseline, capacity.has_baseline(), capacity.baseline());
    AddFigure(surge_24h, capacity.has_surge_24h(), capacity.surge_24h());
    AddFigure(surge_72h, capacity.has_surge_72h(), capacity.surge_72h());
    newest = std::max(newest, reported_at);
    oldest = std::min(oldest, reported_at);
  }
};

const v1::Capacity* CapacityIn(const v1::StatusReport& report, int bed_type) {
  for (const v1::Capacity& capacity : report.capacity()) {
    if (capacity.type() == bed_type) return &capacity;
  }
  return nullptr;
}

// The organisation's figures per bed type it reported (in its counted reports), `available` after the beds its
// reservations hold (beds.h: BedCount::effective).
absl::flat_hash_map<int, Figures> CapacityByType(const std::string& organization_id, const OrganizationView& view,
                                                 const ReservationIndex& reservations) {
  absl::flat_hash_map<int, Figures> by_type;
  for (const v1::StatusReport* report : view.Counted()) {
    for (const v1::Capacity& capacity : report->capacity()) {
      const absl::Time reported_at =
          FromProtoTime(capacity.has_reported_at() ? capacity.reported_at() : report->commit_time());
      by_type[capacity.type()].Add(capacity, reported_at, IsStale(*report, reported_at));
    }
  }
  if (reservations.empty()) return by_type;
  for (auto& [bed_type, figures] : by_type) {
    const BedCount count{.reported = figures.available,
                         .reported_at = figures.newest,
                         .reserved = reservations.Reserved(organization_id, bed_type, figures.newest)};
    figures.available = count.effective();
  }
  return by_type;
}

// Where each ChainFigure comes from in a report: its value, or nullopt when the report does not give it.
struct ChainFigureSource {
  v1::ChainFigure figure;
  std::optional<int32_t> (*value)(const v1::StatusReport& report);
};

std::optional<int32_t> Given(bool present, int32_t value) {
  return present ? std::optional<int32_t>(value) : std::nullopt;
}

constexpr ChainFigureSource kChainFigures[] = {
    {v1::CHAIN_FIGURE_AMBULANCES_AVAILABLE,
     [](const v1::StatusReport& r) {
       return Given(r.ambulance().has_ambulances_available(), r.ambulance().ambulances_available());
     }},
    {v1::CHAIN_FIGURE_AMBULANCES_DEPLOYED,
     [](const v1::StatusReport& r) {
       return Given(r.ambulance().has_ambulances_deployed(), r.ambulance().ambulances_deployed());
     }},
    {v1::CHAIN_FIGURE_GP_CONSULTATIONS_PER_HOUR,
     [](const v1::StatusReport& r) {
       return Given(r.gp_post().has_consultations_per_hour(), r.gp_post().consultations_per_hour());
     }},
    {v1::CHAIN_FIGURE_GP_SLOTS_AVAILABLE,
     [](const v1::StatusReport& r) { return Given(r.gp_post().has_slots_available(), r.gp_post().slots_available()); }},
    {v1::CHAIN_FIGURE_HOME_CARE_CLIENTS,
     [](const v1::StatusReport& r) {
       return Given(r.home_care().has_clients_in_care(), r.home_care().clients_in_care());
     }},
    {v1::CHAIN_FIGURE_CLIENTS_ON_POWERED_DEVICES,
     [](const v1::StatusReport& r) {
       return Given(r.home_care().has_clients_on_powered_devices(), r.home_care().clients_on_powered_devices());
     }},
    {v1::CHAIN_FIGURE_CLIENTS_ON_HOME_VENTILATION,
     [](const v1::StatusReport& r) {
       return Given(r.home_care().has_clients_on_home_ventilation(), r.home_care().clients_on_home_ventilation());
     }},
    {v1::CHAIN_FIGURE_INFECTION_CONTROL_TEAMS,
     [](const v1::StatusReport& r) {
       return Given(r.public_health().has_infection_control_teams_available(),
                    r.public_health().infection_control_teams_available());
     }},
    {v1::CHAIN_FIGURE_VACCINATION_TEAMS,
     [](const v1::StatusReport& r) {
       return Given(r.public_health().has_vaccination_teams_available(),
                    r.public_health().vaccination_teams_available());
     }},
    {v1::CHAIN_FIGURE_PSYCHOSOCIAL_TEAMS,
     [](const v1::StatusReport& r) {
       return Given(r.public_health().has_psychosocial_teams_available(),
                    r.public_health().psychosocial_teams_available());
     }},
};

// Adds an organisation's counted report to its values of the capacity that is not beds (see FigureTable::ChainCell).
// `stale` collects the figures given by a stale report (IsStale: the report is overdue).
void AddChainFigures(const v1::StatusReport& report, absl::Time reported_at,
                     absl::flat_hash_map<int, FigureTable::CapacityValue>& values, absl::flat_hash_set<int>& stale) {
  const bool stale_report = IsStale(report, reported_at);
  auto add = [&](v1::ChainFigure figure, int64_t value, bool sum) {
    if (stale_report && figure != v1::CHAIN_FIGURE_UNSPECIFIED) stale.insert(figure);
    auto [it, inserted] = values.try_emplace(
        figure, FigureTable::CapacityValue{.value = 0, .newest = reported_at, .oldest = reported_at});
    FigureTable::CapacityValue& entry = it->second;
    entry.value = sum ? entry.value + value : std::max(entry.value, value);
    entry.newest = std::max(entry.newest, reported_at);
    entry.oldest = std::min(entry.oldest, reported_at);
  };
  // An intake stop at one site is an intake stop of the organisation: the highest, not the sum.
  if (report.has_intake_stop()) {
    add(v1::CHAIN_FIGURE_UNSPECIFIED, report.intake_stop().state() == v1::INTAKE_STOP_STATE_ACTIVE ? 1 : 0, false);
  }
  for (const ChainFigureSource& source : kChainFigures) {
    if (const std::optional<int32_t> value = source.value(report); value.has_value()) {
      add(source.figure, *value, true);
    }
  }
}

template <typename Values, typename Value>
bool SelectedBy(const Values& selection, const Value& value) {
  return selection.empty() || std::find(selection.begin(), selection.end(), value) != selection.end();
}

// The region filter of a report request (`safety_regions`): at most kMaxFilterValues codes "VR01".."VR25".
absl::Status ValidateRegions(const google::protobuf::RepeatedPtrField<std::string>& safety_regions) {
  const FieldPath regions("safety_regions");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(safety_regions, domain::kMaxFilterValues, regions));
  for (int i = 0; i < safety_regions.size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(CheckSafetyRegion(safety_regions.Get(i), regions.Index(i), Presence::kListElement));
  }
  return absl::OkStatus();
}

absl::Status ValidateOverviewRequest(const v1::GetCapacityOverviewRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(ValidateRegions(request.safety_regions()));
  KETENBEELD_RETURN_IF_ERROR(CheckEnumList<v1::Sector>(request.sectors(), FieldPath("sectors")));
  return CheckEnumList<v1::BedType>(request.bed_types(), FieldPath("bed_types"));
}

absl::Status ValidateFindCapacityRequest(const v1::FindCapacityRequest& request) {
  const FieldPath near("near");
  if (!request.has_near()) return Invalid(near, "required");
  KETENBEELD_RETURN_IF_ERROR(CheckInRange(request.near().latitude(), -90, 90, near.Field("latitude")));
  KETENBEELD_RETURN_IF_ERROR(CheckInRange(request.near().longitude(), -180, 180, near.Field("longitude")));
  const double radius = request.radius_km();
  if (!std::isfinite(radius) || radius < 0 || radius > kMaxRadiusKm) {
    return Invalid(FieldPath("radius_km"), "must be in (0, ", kMaxRadiusKm, "] or 0 for ", kDefaultRadiusKm, ", got ",
                   radius);
  }
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::BedType>(request.bed_type(), FieldPath("bed_type"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(CheckCount(true, request.min_available(), FieldPath("min_available")));
  if (request.limit() < 0 || request.limit() > kMaxLimit) {
    return Invalid(FieldPath("limit"), "must be between 1 and ", kMaxLimit, " or 0 for ", kDefaultLimit, ", got ",
                   request.limit());
  }
  const google::protobuf::Duration& max_age = request.max_age();
  if (max_age.seconds() < 0 || max_age.nanos() < 0 || max_age.nanos() > 999'999'999 ||
      max_age.seconds() > 7 * 24 * 3600) {
    return Invalid(FieldPath("max_age"), "must be between 0 (any age) and 7 days, got ", max_age.seconds(), " s");
  }
  return ValidateRegions(request.safety_regions());
}

// The location of `organization` nearest to `near` among those `eligible` accepts, with its distance.
template <typename Eligible>
std::optional<std::pair<const v1::Location*, double>> NearestLocation(const v1::Organization& organization,
                                                                      const v1::Coordinates& near, Eligible eligible) {
  std::optional<std::pair<const v1::Location*, double>> nearest;
  for (const v1::Location& location : organization.locations()) {
    if (!location.has_coordinates() || !eligible(location)) continue;
    const double distance = DistanceKm(near, location.coordinates());
    if (!nearest.has_value() || distance < nearest->second) nearest.emplace(&location, distance);
  }
  return nearest;
}

// Whether the sum of a cell of `contributors` organisations is withheld from a reader with minimum group `min_group`
// (0: a reader who sees every organisation's figures). A published table may hold a cell without contributors: some
// organisation gives the figure, but not enough for a publication yet; withheld too. A figure nobody gives has no
// cell: absent, "not reported".
bool Withheld(size_t contributors, int min_group) { return static_cast<int64_t>(contributors) < min_group; }

void SetFigure(v1::CapacityTotal& line, v1::CapacityFigure figure, int64_t sum) {
  switch (figure) {
    case v1::CAPACITY_FIGURE_AVAILABLE:
      line.set_available(sum);
      break;
    case v1::CAPACITY_FIGURE_OCCUPIED:
      line.set_occupied(sum);
      break;
    case v1::CAPACITY_FIGURE_BASELINE:
      line.set_baseline(sum);
      break;
    case v1::CAPACITY_FIGURE_SURGE_24H:
      line.set_surge_24h(sum);
      break;
    case v1::CAPACITY_FIGURE_SURGE_72H:
      line.set_surge_72h(sum);
      break;
    default:
      break;
  }
}

// The figures of `view`'s latest reports (see FigureTable).
FigureTable Tabulate(const PictureView& view) {
  FigureTable table;
  table.revision = view.revision();
  for (const state::RecordPtr& stored : view.records()) {
    // A source region's aggregate; this server's own aggregates sum organisations the table holds one by one.
    if (!stored->record.has_sector_aggregate() || !stored->record.has_provenance()) continue;
    table.aggregates.push_back(
        {.safety_region = stored->record.provenance().source_region(), .aggregate = stored->record.sector_aggregate()});
  }
  for (const auto& [organization_id, organization] : view.organizations()) {
    // A named copy: clang 14 cannot capture a structured binding in the lambda below.
    const std::string& id = organization_id;
    const v1::Organization& registration = *organization.organization;
    table.organizations[id] = {.safety_region = registration.safety_region(), .sector = registration.sector()};
    auto cell = [&](int bed_type, v1::CapacityFigure figure, bool stale) -> FigureTable::CapacityValue& {
      return table.capacity[{.safety_region = registration.safety_region(),
                             .sector = registration.sector(),
                             .bed_type = static_cast<v1::BedType>(bed_type),
                             .figure = figure,
                             .stale = stale}][id];
    };
    for (const auto& [bed_type, figures] : CapacityByType(id, organization, view.reservations())) {
      const std::pair<v1::CapacityFigure, const std::optional<int64_t>*> given[] = {
          {v1::CAPACITY_FIGURE_UNSPECIFIED, nullptr},          {v1::CAPACITY_FIGURE_AVAILABLE, &figures.available},
          {v1::CAPACITY_FIGURE_OCCUPIED, &figures.occupied},   {v1::CAPACITY_FIGURE_BASELINE, &figures.baseline},
          {v1::CAPACITY_FIGURE_SURGE_24H, &figures.surge_24h}, {v1::CAPACITY_FIGURE_SURGE_72H, &figures.surge_72h}};
      for (const auto& [figure, sum] : given) {
        if (sum != nullptr && !sum->has_value()) continue;
        cell(bed_type, figure, figures.stale) = {
            .value = sum == nullptr ? 0 : **sum, .newest = figures.newest, .oldest = figures.oldest};
      }
    }
    absl::flat_hash_map<int, FigureTable::CapacityValue> chain;
    absl::flat_hash_set<int> stale_chain;  // A figure summed over several sites is stale when any of them is.
    for (const v1::StatusReport* report : organization.Counted()) {
      AddChainFigures(*report, FromProtoTime(report->commit_time()), chain, stale_chain);
    }
    for (const auto& [figure, value] : chain) {
      table.chain[{.safety_region = registration.safety_region(),
                   .sector = registration.sector(),
                   .figure = static_cast<v1::ChainFigure>(figure),
                   .stale = stale_chain.contains(figure)}][id] = value;
    }
    // Indicator answers: the newest of each indicator among all the organisation's reports (a question is answered
    // once per organisation, whichever report carried it).
    std::vector<const v1::StatusReport*> all_reports = organization.location_reports;
    if (organization.organization_report != nullptr) all_reports.push_back(organization.organization_report);
    for (const v1::StatusReport* report : all_reports) {
      for (const v1::IndicatorValue& value : report->indicator_values()) {
        if (value.value_case() == v1::IndicatorValue::kText ||
            value.value_case() == v1::IndicatorValue::VALUE_NOT_SET) {
          continue;
        }
        FigureTable::IndicatorAnswer answer;
        answer.reported_at = FromProtoTime(value.has_reported_at() ? value.reported_at() : report->commit_time());
        if (value.has_count()) answer.number = static_cast<double>(value.count());
        if (value.has_number()) answer.number = value.number();
        if (value.has_yes_no()) answer.number = value.yes_no() ? 1 : 0;
        if (value.has_choice()) answer.choice = value.choice();
        auto& answers = table.indicators[{.indicator_id = value.indicator_id()}];
        auto [it, inserted] = answers.try_emplace(id, answer);
        if (!inserted && it->second.reported_at < answer.reported_at) it->second = std::move(answer);
      }
    }
    for (const v1::StatusReport* report : organization.Counted()) {
      for (const v1::Supply& supply : report->supplies()) {
        if (!supply.has_runs_out_at()) continue;
        const absl::Time runs_out_at = FromProtoTime(supply.runs_out_at());
        auto [it, inserted] =
            table.supplies[{.safety_region = registration.safety_region(), .type = supply.type()}].try_emplace(
                id, runs_out_at);
        if (!inserted) it->second = std::min(it->second, runs_out_at);
      }
    }
  }
  return table;
}

absl::StatusOr<const v1::Scenario*> ScenarioIn(const PictureView& view, const std::string& id) {
  for (const state::RecordPtr& stored : view.records()) {
    if (stored->record.has_scenario() && stored->record.scenario().id() == id) return &stored->record.scenario();
  }
  return absl::NotFoundError(absl::StrCat("scenario_id: scenario ", Quote(id), " does not exist"));
}

// The gap report of `scenario` against `figures` (see ComputeGapReport in reports.h for `min_group`), counting the
// organisations of `request`'s regions (or, when it names none, of every region the picture holds and the
// scenario's).
v1::GapReport GapReportOf(const v1::GetGapReportRequest& request, const v1::Scenario& scenario,
                          const FigureTable& figures, int64_t revision, absl::Time now, int min_group,
                          const SourceFreshness& sources) {
  v1::GapReport report;
  report.set_scenario_id(scenario.id());
  report.set_safety_region(scenario.safety_region());
  report.set_revision(revision);
  *report.mutable_computed_at() = ToProtoTime(now);
  absl::btree_set<std::string> regions(request.safety_regions().begin(), request.safety_regions().end());
  if (regions.empty()) {
    // Every region, as the capacity overview and FindCapacity read an empty filter: on a ROAZ or national server the
    // regions it holds organisations of; on a region's own server (which registers only its own region, the
    // scenario's) that is the scenario's region, as before.
    regions.insert(scenario.safety_region());
    for (const auto& [id, registration] : figures.organizations) {
      if (!registration.safety_region.empty()) regions.insert(registration.safety_region);
    }
  }
  for (const std::string& region : regions) {
    report.add_safety_regions(region);
    if (sources.RegionStale(region)) report.add_stale_regions(region);
  }

  auto in_scope = [&](const FigureTable::Registration& registration, v1::Sector sector) {
    return regions.contains(registration.safety_region) &&
           (sector == v1::SECTOR_UNSPECIFIED || registration.sector == sector);
  };
  for (const v1::CapacityRequirement& requirement : scenario.capacity()) {
    v1::CapacityGap& gap = *report.add_capacity();
    gap.set_bed_type(requirement.bed_type());
    gap.set_sector(requirement.sector());
    gap.set_required(requirement.quantity());
    int scope = 0;
    for (const auto& [id, registration] : figures.organizations) scope += in_scope(registration, requirement.sector());
    int64_t available = 0;
    int64_t surge = 0;
    int64_t stale_available = 0;
    bool available_withheld = false;
    bool surge_withheld = false;
    for (const auto& [cell, values] : figures.capacity) {
      if (cell.bed_type != requirement.bed_type() ||
          !in_scope({.safety_region = cell.safety_region, .sector = cell.sector}, requirement.sector())) {
        continue;
      }
      int64_t sum = 0;
      for (const auto& [id, value] : values) sum += value.value;
      if (cell.stale) {
        // Not counted against the requirement: shown apart, as what may still be there.
        if (cell.figure == v1::CAPACITY_FIGURE_AVAILABLE) {
          stale_available += sum;
          gap.set_organizations_stale(gap.organizations_stale() + static_cast<int32_t>(values.size()));
          available_withheld |= Withheld(values.size(), min_group);
        }
        continue;
      }
      if (cell.figure == v1::CAPACITY_FIGURE_AVAILABLE) {
        available += sum;
        gap.set_organizations_reported(gap.organizations_reported() + static_cast<int32_t>(values.size()));
        available_withheld |= Withheld(values.size(), min_group);
      } else if (cell.figure == v1::CAPACITY_FIGURE_SURGE_24H) {
        // Surge counts wherever it was reported, even without an `available` figure: it can be added.
        surge += sum;
        surge_withheld |= Withheld(values.size(), min_group);
      }
    }
    // A source region's sector aggregate in scope: its organisations count as a group, as reported when the region
    // sent the sum of this type (below its minimum group the sum never leaves the region: not reported here).
    for (const FigureTable::FederatedAggregate& federated : figures.aggregates) {
      const v1::SectorAggregate& aggregate = federated.aggregate;
      if (!in_scope({.safety_region = federated.safety_region, .sector = aggregate.sector()}, requirement.sector())) {
        continue;
      }
      scope += aggregate.organizations_reporting();
      gap.set_organizations_in_aggregates(gap.organizations_in_aggregates() + aggregate.organizations_reporting());
      for (const v1::AggregateBeds& beds : aggregate.beds()) {
        if (beds.type() != requirement.bed_type() || !beds.has_available()) continue;
        available += beds.available();
        gap.set_organizations_reported(gap.organizations_reported() + beds.organizations_reporting());
      }
    }
    gap.set_organizations_not_reported(scope - gap.organizations_reported() - gap.organizations_stale());
    if (available_withheld) gap.add_withheld_figures(v1::CAPACITY_FIGURE_AVAILABLE);
    if (surge_withheld) gap.add_withheld_figures(v1::CAPACITY_FIGURE_SURGE_24H);
    if (!available_withheld) {
      gap.set_available(available);
      gap.set_stale_available(stale_available);
      gap.set_shortfall(std::max<int64_t>(0, requirement.quantity() - available));
    }
    if (!surge_withheld) gap.set_surge_24h(surge);
    if (!available_withheld && !surge_withheld) {
      gap.set_shortfall_after_surge(std::max<int64_t>(0, requirement.quantity() - available - surge));
    }
  }

  for (const v1::SupplyRequirement& requirement : scenario.supplies()) {
    v1::SupplyGap& gap = *report.add_supplies();
    gap.set_type(requirement.type());
    gap.set_min_days_of_supply(requirement.min_days_of_supply());
    int scope = 0;
    for (const auto& [id, registration] : figures.organizations)
      scope += in_scope(registration, v1::SECTOR_UNSPECIFIED);
    // One cell per region in scope. Withheld when any of them has fewer than the minimum group: a count over
    // several regions would otherwise reveal a small one's by subtracting the others.
    std::vector<const FigureTable::ByOrganization<absl::Time>*> cells;
    size_t reported = 0;
    bool withheld = false;
    for (const std::string& region : regions) {
      const auto cell = figures.supplies.find({.safety_region = region, .type = requirement.type()});
      if (cell == figures.supplies.end()) continue;
      cells.push_back(&cell->second);
      reported += cell->second.size();
      withheld |= Withheld(cell->second.size(), min_group);
    }
    gap.set_organizations_reported(static_cast<int32_t>(reported));
    gap.set_organizations_not_reported(scope - static_cast<int32_t>(reported));
    if (withheld) {
      gap.set_figures_withheld(true);
      continue;
    }
    // Short: runs out within the minimum from now. Measured from now, not from the report: a generator reported at
    // 18 hours has 6 left 12 hours later.
    const absl::Time enough_until = now + absl::Hours(24) * requirement.min_days_of_supply();
    absl::btree_set<std::string> short_ids;  // Sorted over all regions.
    for (const FigureTable::ByOrganization<absl::Time>* cell : cells) {
      for (const auto& [id, runs_out_at] : *cell) {
        if (runs_out_at < enough_until) short_ids.insert(id);
      }
    }
    gap.set_organizations_short(static_cast<int32_t>(short_ids.size()));
    if (min_group == 0) {
      for (const std::string& id : short_ids) gap.add_short_organization_ids(id);
    }
  }
  return report;
}

// The federated sector aggregates of `figures` the request selects, as lines of their own (CapacityTotal.aggregate),
// each after the line of the same (region, sector, bed type) if there is one.
void AddAggregateLines(const v1::GetCapacityOverviewRequest& request, const FigureTable& figures,
                       const SourceFreshness& sources, v1::CapacityOverview& overview) {
  bool added = false;
  for (const FigureTable::FederatedAggregate& federated : figures.aggregates) {
    const v1::SectorAggregate& aggregate = federated.aggregate;
    if (!SelectedBy(request.safety_regions(), federated.safety_region) ||
        !SelectedBy(request.sectors(), static_cast<int>(aggregate.sector()))) {
      continue;
    }
    for (const v1::AggregateBeds& beds : aggregate.beds()) {
      if (!SelectedBy(request.bed_types(), static_cast<int>(beds.type()))) continue;
      v1::CapacityTotal& line = *overview.add_totals();
      line.set_safety_region(federated.safety_region);
      line.set_sector(aggregate.sector());
      line.set_bed_type(beds.type());
      line.set_aggregate(true);
      line.set_source_stale(sources.RegionStale(federated.safety_region));
      line.set_organizations_reported(beds.organizations_reporting());
      if (beds.has_available()) line.set_available(beds.available());
      if (beds.has_available() && beds.has_total()) line.set_occupied(beds.total() - beds.available());
      // A sum the source withheld (fewer than its minimum group gave it) stays withheld here.
      if (!beds.has_available()) {
        line.set_figures_withheld(true);
        line.add_withheld_figures(v1::CAPACITY_FIGURE_AVAILABLE);
      }
      added = true;
    }
  }
  if (!added) return;
  // Sorted by (region, sector, bed type) like the other lines; stable, so an aggregate line follows its namesake.
  std::stable_sort(overview.mutable_totals()->pointer_begin(), overview.mutable_totals()->pointer_end(),
                   [](const v1::CapacityTotal* a, const v1::CapacityTotal* b) {
                     return std::forward_as_tuple(a->safety_region(), a->sector(), a->bed_type()) <
                            std::forward_as_tuple(b->safety_region(), b->sector(), b->bed_type());
                   });
}

}  // namespace

double DistanceKm(const v1::Coordinates& from, const v1::Coordinates& to) {
  constexpr double kRadiansPerDegree = M_PI / 180;
  const double lat1 = from.latitude() * kRadiansPerDegree;
  const double lat2 = to.latitude() * kRadiansPerDegree;
  const double half_dlat = (lat2 - lat1) / 2;
  const double half_dlon = (to.longitude() - from.longitude()) * kRadiansPerDegree / 2;
  const double h = std::sin(half_dlat) * std::sin(half_dlat) +
                   std::cos(lat1) * std::cos(lat2) * std::sin(half_dlon) * std::sin(half_dlon);
  // Clamp against rounding just above 1 for antipodal points.
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(std::min(1.0, h)));
}

absl::StatusOr<v1::GapReport> ComputeGapReport(const v1::GetGapReportRequest& request, const state::Picture& picture,
                                               absl::Time now, const SourceFreshness& sources) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.scenario_id(), FieldPath("scenario_id")));
  KETENBEELD_RETURN_IF_ERROR(ValidateRegions(request.safety_regions()));
  // One snapshot for the scenario and the figures: the report is exactly as of its revision.
  const PictureView view(picture,
                         {v1::ENTITY_KIND_SCENARIO, v1::ENTITY_KIND_ORGANIZATION, v1::ENTITY_KIND_STATUS_REPORT,
                          v1::ENTITY_KIND_BED_RESERVATION, v1::ENTITY_KIND_SECTOR_AGGREGATE});
  absl::StatusOr<const v1::Scenario*> scenario = ScenarioIn(view, request.scenario_id());
  if (!scenario.ok()) return scenario.status();
  return GapReportOf(request, **scenario, Tabulate(view), view.revision(), now, /*min_group=*/0, sources);
}

absl::StatusOr<v1::GapReport> ComputeGapReport(const v1::GetGapReportRequest& request, const state::Picture& picture,
                                               const FigureTable& figures, absl::Time now, int min_group,
                                               const SourceFreshness& sources) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.scenario_id(), FieldPath("scenario_id")));
  KETENBEELD_RETURN_IF_ERROR(ValidateRegions(request.safety_regions()));
  const PictureView view(picture, {v1::ENTITY_KIND_SCENARIO});
  absl::StatusOr<const v1::Scenario*> scenario = ScenarioIn(view, request.scenario_id());
  if (!scenario.ok()) return scenario.status();
  return GapReportOf(request, **scenario, figures, view.revision(), now, min_group, sources);
}

bool IsStale(const v1::StatusReport& report, absl::Time reported_at) {
  if (report.has_overdue_since()) return true;
  if (!report.has_commit_time() || !report.has_next_report_due()) return false;
  const absl::Time committed = FromProtoTime(report.commit_time());
  return reported_at + (FromProtoTime(report.next_report_due()) - committed) < committed;
}

FigureTable TabulateFigures(const state::Picture& picture, const std::string& exercise_id) {
  return Tabulate(PictureView(picture, kCapacityKinds, exercise_id));
}

absl::StatusOr<v1::CapacityOverview> ComputeCapacityOverview(const v1::GetCapacityOverviewRequest& request,
                                                             const state::Picture& picture, absl::Time now,
                                                             const SourceFreshness& sources) {
  KETENBEELD_RETURN_IF_ERROR(ValidateOverviewRequest(request));
  return ComputeCapacityOverview(request, TabulateFigures(picture), now, /*min_group=*/0, sources);
}

absl::StatusOr<v1::CapacityOverview> ComputeCapacityOverview(const v1::GetCapacityOverviewRequest& request,
                                                             const FigureTable& figures, absl::Time now, int min_group,
                                                             const SourceFreshness& sources) {
  KETENBEELD_RETURN_IF_ERROR(ValidateOverviewRequest(request));
  // The lines: every (region, sector, bed type) with a cell, in that order (cells are sorted by it, figure last).
  using Line = std::tuple<std::string, v1::Sector, v1::BedType>;
  absl::btree_map<Line, std::vector<std::pair<const FigureTable::CapacityCell*,
                                              const FigureTable::ByOrganization<FigureTable::CapacityValue>*>>>
      lines;
  for (const auto& [cell, values] : figures.capacity) {
    if (!SelectedBy(request.safety_regions(), cell.safety_region) ||
        !SelectedBy(request.sectors(), static_cast<int>(cell.sector)) ||
        !SelectedBy(request.bed_types(), static_cast<int>(cell.bed_type))) {
      continue;
    }
    lines[{cell.safety_region, cell.sector, cell.bed_type}].emplace_back(&cell, &values);
  }

  v1::CapacityOverview overview;
  overview.set_revision(figures.revision);
  *overview.mutable_computed_at() = ToProtoTime(now);
  for (const auto& [key, cells] : lines) {
    v1::CapacityTotal& line = *overview.add_totals();
    line.set_safety_region(std::get<0>(key));
    line.set_sector(std::get<1>(key));
    line.set_bed_type(std::get<2>(key));
    line.set_source_stale(sources.RegionStale(line.safety_region()));
    absl::Time newest = absl::InfinitePast();
    absl::Time oldest = absl::InfiniteFuture();
    auto span = [&](const FigureTable::ByOrganization<FigureTable::CapacityValue>& values) {
      for (const auto& [id, value] : values) {
        newest = std::max(newest, value.newest);
        oldest = std::min(oldest, value.oldest);
      }
    };
    for (const auto& [cell, values] : cells) {
      const v1::CapacityFigure figure = cell->figure;
      if (cell->stale) {
        // Apart from the sums: how many organisations' figures are stale, and the places they may still have.
        if (figure == v1::CAPACITY_FIGURE_UNSPECIFIED) {
          line.set_organizations_stale(static_cast<int32_t>(values->size()));
        } else if (figure == v1::CAPACITY_FIGURE_AVAILABLE && !Withheld(values->size(), min_group)) {
          int64_t sum = 0;
          for (const auto& [id, value] : *values) sum += value.value;
          line.set_stale_available(sum);
        }
        continue;
      }
      if (figure == v1::CAPACITY_FIGURE_UNSPECIFIED) {
        line.set_organizations_reported(static_cast<int32_t>(values->size()));
        if (min_group == 0) span(*values);  // Every report that includes the bed type.
        continue;
      }
      if (Withheld(values->size(), min_group)) {
        line.set_figures_withheld(true);
        line.add_withheld_figures(figure);
        continue;
      }
      if (min_group != 0) span(*values);  // Only the reports whose figures are shown.
      int64_t sum = 0;
      for (const auto& [id, value] : *values) sum += value.value;
      SetFigure(line, figure, sum);
    }
    if (newest != absl::InfinitePast()) {
      *line.mutable_newest_report() = ToProtoTime(newest);
      *line.mutable_oldest_report() = ToProtoTime(oldest);
    }
  }

  // Capacity that is not beds: cells are sorted by region, sector, figure, so each (region, sector) is one run, and
  // CHAIN_FIGURE_UNSPECIFIED (the intake stops) comes first in it.
  v1::ChainTotal* chain_line = nullptr;
  for (const auto& [cell, values] : figures.chain) {
    if (!SelectedBy(request.safety_regions(), cell.safety_region) ||
        !SelectedBy(request.sectors(), static_cast<int>(cell.sector))) {
      continue;
    }
    if (chain_line == nullptr || chain_line->safety_region() != cell.safety_region ||
        chain_line->sector() != cell.sector) {
      chain_line = overview.add_chain_totals();
      chain_line->set_safety_region(cell.safety_region);
      chain_line->set_sector(cell.sector);
      chain_line->set_source_stale(sources.RegionStale(cell.safety_region));
    }
    if (cell.figure == v1::CHAIN_FIGURE_UNSPECIFIED) {
      // Never withheld: every reader sees the intake stops on the reports (policy/visibility.h).
      chain_line->set_organizations_reporting_intake(static_cast<int32_t>(values.size()));
      int32_t stopped = 0;
      for (const auto& [id, value] : values) stopped += value.value > 0 ? 1 : 0;
      chain_line->set_organizations_with_intake_stop(stopped);
      continue;
    }
    // A figure's stale cell sorts right after its fresh one (if any): both fill one ChainFigureTotal.
    const bool same_figure = !chain_line->figures().empty() && chain_line->figures().rbegin()->figure() == cell.figure;
    v1::ChainFigureTotal& total = same_figure ? *chain_line->mutable_figures()->rbegin() : *chain_line->add_figures();
    total.set_figure(cell.figure);
    const bool withheld = Withheld(values.size(), min_group);
    int64_t sum = 0;
    for (const auto& [id, value] : values) sum += value.value;
    if (cell.stale) {
      total.set_organizations_stale(static_cast<int32_t>(values.size()));
      if (!withheld) total.set_stale_sum(sum);
      continue;
    }
    total.set_organizations_reported(static_cast<int32_t>(values.size()));
    if (withheld) {
      total.set_withheld(true);
      continue;
    }
    total.set_sum(sum);
  }
  AddAggregateLines(request, figures, sources, overview);
  return overview;
}

absl::StatusOr<v1::OperationalSummary> ComputeOperationalSummary(const v1::GetOperationalSummaryRequest& request,
                                                                 const state::Picture& picture) {
  const PictureView view(picture,
                         {v1::ENTITY_KIND_ORGANIZATION, v1::ENTITY_KIND_STATUS_REPORT,
                          v1::ENTITY_KIND_ASSISTANCE_REQUEST, v1::ENTITY_KIND_ALERT, v1::ENTITY_KIND_ACKNOWLEDGEMENT,
                          v1::ENTITY_KIND_ESCALATION_TASK, v1::ENTITY_KIND_NOTIFICATION},
                         request.exercise_id());
  v1::OperationalSummary summary;
  summary.set_revision(view.revision());
  // What AcknowledgementStateIn reads (organisations and acknowledgements), picked out once for every alert.
  std::vector<state::RecordPtr> audience_records;
  std::vector<const v1::Alert*> active_alerts;
  for (const state::RecordPtr& stored : view.records()) {
    const v1::Record& record = stored->record;
    if (record.has_organization() || record.has_acknowledgement()) {
      audience_records.push_back(stored);
    } else if (record.has_alert() && record.alert().status() == v1::ALERT_STATUS_ACTIVE) {
      active_alerts.push_back(&record.alert());
    } else if (record.has_escalation_task()) {
      // Names sort in commit order ("escalations/{revision}-{index}"): oldest first, as the proto says.
      if (record.escalation_task().status() == v1::ESCALATION_STATUS_OPEN) {
        *summary.add_open_escalations() = record.escalation_task();
      }
    } else if (record.has_notification()) {
      if (record.notification().status() == v1::NOTIFICATION_STATUS_QUEUED) {
        summary.set_notifications_queued(summary.notifications_queued() + 1);
      } else if (record.notification().status() == v1::NOTIFICATION_STATUS_FAILED) {
        summary.set_notifications_failed(summary.notifications_failed() + 1);
      }
    } else if (record.has_assistance_request()) {
      const v1::AssistanceRequest& request = record.assistance_request();
      if (request.status() == v1::ASSISTANCE_STATUS_OPEN || request.status() == v1::ASSISTANCE_STATUS_OFFERED ||
          request.status() == v1::ASSISTANCE_STATUS_ACCEPTED) {
        *summary.add_open_requests() = request;
      }
    }
  }
  // Most urgent first, so the summary reads as a work list; within a priority the picture's order (by name, so by
  // id). Requests stored before priorities existed have none and rank as NORMAL, as assistance.proto says.
  const auto rank = [](const v1::AssistanceRequest& request) {
    return request.priority() == v1::ASSISTANCE_PRIORITY_UNSPECIFIED ? v1::ASSISTANCE_PRIORITY_NORMAL
                                                                     : request.priority();
  };
  std::stable_sort(summary.mutable_open_requests()->pointer_begin(), summary.mutable_open_requests()->pointer_end(),
                   [&](const v1::AssistanceRequest* a, const v1::AssistanceRequest* b) { return rank(*a) > rank(*b); });
  for (const v1::Alert* alert : active_alerts) {
    AcknowledgementState state = AcknowledgementStateIn(*alert, audience_records);
    if (state.unacknowledged_organization_ids.empty()) continue;
    v1::UnacknowledgedAlert& line = *summary.add_unacknowledged_alerts();
    *line.mutable_alert() = *alert;
    for (std::string& id : state.unacknowledged_organization_ids) {
      line.add_unacknowledged_organization_ids(std::move(id));
    }
    line.set_audience_size(state.audience_size);
  }
  for (const auto& [id, organization] : view.organizations()) {
    const v1::StatusReport* report = organization.organization_report;
    const bool never_reported = report == nullptr && organization.location_reports.empty();
    if (!never_reported && (report == nullptr || !report->has_overdue_since())) continue;
    v1::OverdueOrganization& line = *summary.add_overdue_organizations();
    line.set_organization_id(id);
    line.set_name(organization.organization->name());
    if (report != nullptr) {
      *line.mutable_report_due() = report->overdue_since();
      *line.mutable_last_report() = report->commit_time();
    }
  }
  return summary;
}

absl::StatusOr<v1::FindCapacityResponse> FindCapacity(const v1::FindCapacityRequest& request,
                                                      const state::Picture& picture, absl::Time now,
                                                      const SourceFreshness& sources) {
  KETENBEELD_RETURN_IF_ERROR(ValidateFindCapacityRequest(request));
  const double radius = request.radius_km() == 0 ? kDefaultRadiusKm : request.radius_km();
  const int min_available = request.min_available() == 0 ? 1 : request.min_available();
  const int limit = request.limit() == 0 ? kDefaultLimit : request.limit();
  const PictureView view(picture, kCapacityKinds);

  const absl::Duration max_age = FromProtoDuration(request.max_age());
  // When the report's figure of the bed type was reported, if it gives `available` and is young enough.
  auto reported_at = [&](const v1::StatusReport& report) -> std::optional<absl::Time> {
    const v1::Capacity* capacity = CapacityIn(report, request.bed_type());
    if (capacity == nullptr || !capacity->has_available()) return std::nullopt;
    const absl::Time at = FromProtoTime(capacity->has_reported_at() ? capacity->reported_at() : report.commit_time());
    if (max_age > absl::ZeroDuration() && now - at > max_age) return std::nullopt;
    return at;
  };
  auto available_in = [&](const v1::StatusReport& report) -> std::optional<int32_t> {
    if (!reported_at(report).has_value()) return std::nullopt;
    return CapacityIn(report, request.bed_type())->available();
  };

  std::vector<v1::CapacityMatch> matches;
  for (const auto& [id, organization] : view.organizations()) {
    const v1::Organization& registration = *organization.organization;
    if (!SelectedBy(request.safety_regions(), registration.safety_region())) continue;
    // Beds its reservations hold are not available (beds.h). A reservation names the organisation, not a site, so a
    // site offers at most what the organisation has left: min(the site's figure, the organisation's effective total).
    std::optional<int64_t> left;
    if (!view.reservations().empty()) {
      std::vector<const v1::StatusReport*> counted = organization.Counted();
      BedCount count = CountBeds(counted, {}, id, request.bed_type());
      count.reserved = view.reservations().Reserved(id, request.bed_type(), count.reported_at);
      if (count.reserved > 0) left = count.effective();
    }
    auto after_reservations = [&](std::optional<int32_t> places) -> std::optional<int32_t> {
      if (!places.has_value() || !left.has_value()) return places;
      return static_cast<int32_t>(std::min<int64_t>(*places, *left));
    };
    // The report a match is based on, the places it gives, and the nearest location it covers.
    const v1::StatusReport* source = nullptr;
    int64_t available = 0;
    std::optional<std::pair<const v1::Location*, double>> nearest;
    if (!organization.location_reports.empty()) {
      for (const v1::StatusReport* report : organization.location_reports) {
        const std::optional<int32_t> places = after_reservations(available_in(*report));
        if (!places.has_value() || *places < min_available) continue;
        auto site = NearestLocation(registration, request.near(), [&](const v1::Location& location) {
          return location.id() == report->location_id();
        });
        if (site.has_value() && (!nearest.has_value() || site->second < nearest->second)) {
          nearest = site;
          source = report;
          available = *places;
        }
      }
    } else if (organization.organization_report != nullptr) {
      const std::optional<int32_t> places = after_reservations(available_in(*organization.organization_report));
      if (places.has_value() && *places >= min_available) {
        nearest = NearestLocation(registration, request.near(), [](const v1::Location&) { return true; });
        source = organization.organization_report;
        available = *places;
      }
    }
    if (source == nullptr || !nearest.has_value() || nearest->second > radius) continue;
    v1::CapacityMatch& match = matches.emplace_back();
    match.set_organization_id(id);
    match.set_organization_name(registration.name());
    match.set_location_id(nearest->first->id());
    match.set_distance_km(nearest->second);
    match.set_available(static_cast<int32_t>(available));
    match.set_emergency_department(source->emergency_department().state());
    match.set_overall_status(source->overall_status());
    const absl::Time figure_time = *reported_at(*source);
    *match.mutable_reported_at() = ToProtoTime(figure_time);
    match.set_stale(IsStale(*source, figure_time));
    match.set_safety_region(registration.safety_region());
    if (organization.provenance != nullptr) {
      match.set_source_stale(sources.Stale(organization.provenance));
      const auto known = sources.sources.find(organization.provenance->source_region());
      if (known != sources.sources.end() && known->second.last_heard != absl::InfinitePast()) {
        *match.mutable_source_last_heard() = ToProtoTime(known->second.last_heard);
      }
    }
  }
  // Organisations come in id order, so a stable sort breaks distance ties by id.
  std::stable_sort(matches.begin(), matches.end(), [](const v1::CapacityMatch& a, const v1::CapacityMatch& b) {
    return a.distance_km() < b.distance_km();
  });
  if (matches.size() > static_cast<size_t>(limit)) matches.resize(limit);

  v1::FindCapacityResponse response;
  response.set_revision(view.revision());
  *response.mutable_computed_at() = ToProtoTime(now);
  for (v1::CapacityMatch& match : matches) *response.add_matches() = std::move(match);
  return response;
}

namespace {

// The aggregate of one indicator's cell into `aggregate` (see IndicatorAggregate).
void AggregateAnswers(const v1::Indicator& indicator,
                      const FigureTable::ByOrganization<FigureTable::IndicatorAnswer>& answers,
                      v1::IndicatorAggregate& aggregate) {
  aggregate.set_organizations_answered(static_cast<int32_t>(answers.size()));
  if (answers.empty()) return;
  absl::Time newest = absl::InfinitePast();
  absl::Time oldest = absl::InfiniteFuture();
  double sum = 0;
  double low = answers.begin()->second.number;
  double high = low;
  int32_t yes = 0;
  absl::btree_map<std::string, int32_t> chosen;
  for (const auto& [organization_id, answer] : answers) {
    newest = std::max(newest, answer.reported_at);
    oldest = std::min(oldest, answer.reported_at);
    sum += answer.number;
    low = std::min(low, answer.number);
    high = std::max(high, answer.number);
    yes += answer.number > 0 ? 1 : 0;
    ++chosen[answer.choice];
  }
  *aggregate.mutable_newest_answer() = ToProtoTime(newest);
  *aggregate.mutable_oldest_answer() = ToProtoTime(oldest);
  switch (indicator.type()) {
    case v1::INDICATOR_TYPE_COUNT:
    case v1::INDICATOR_TYPE_NUMBER:
      aggregate.set_sum(sum);
      aggregate.set_mean(sum / static_cast<double>(answers.size()));
      aggregate.set_min(low);
      aggregate.set_max(high);
      break;
    case v1::INDICATOR_TYPE_YES_NO:
      aggregate.set_yes(yes);
      aggregate.set_no(static_cast<int32_t>(answers.size()) - yes);
      break;
    case v1::INDICATOR_TYPE_CHOICE:
      // Every choice of the definition, in its order; then any answered choice the definition no longer has.
      for (const std::string& choice : indicator.choices()) {
        v1::ChoiceCount& count = *aggregate.add_choices();
        count.set_choice(choice);
        const auto it = chosen.find(choice);
        count.set_organizations(it == chosen.end() ? 0 : it->second);
      }
      for (const auto& [choice, organizations] : chosen) {
        if (std::find(indicator.choices().begin(), indicator.choices().end(), choice) != indicator.choices().end()) {
          continue;
        }
        v1::ChoiceCount& count = *aggregate.add_choices();
        count.set_choice(choice);
        count.set_organizations(organizations);
      }
      break;
    default:
      break;
  }
}

}  // namespace

absl::StatusOr<v1::IndicatorOverview> ComputeIndicatorOverview(
    const v1::GetIndicatorOverviewRequest& request, const state::Picture& picture, const FigureTable& figures,
    absl::Time now, int min_group, absl::FunctionRef<bool(absl::string_view organization_id)> sees_text_of) {
  KETENBEELD_RETURN_IF_ERROR(domain::ValidateGetIndicatorOverviewRequest(request));
  const PictureView view(picture, {v1::ENTITY_KIND_INDICATOR, v1::ENTITY_KIND_ORGANIZATION,
                                   v1::ENTITY_KIND_STATUS_REPORT, v1::ENTITY_KIND_INCIDENT});
  absl::flat_hash_map<std::string, const v1::Indicator*> defined;
  bool incident_found = request.incident_id().empty();
  for (const state::RecordPtr& stored : view.records()) {
    if (stored->record.has_indicator()) defined[stored->record.indicator().id()] = &stored->record.indicator();
    if (stored->record.has_incident() && stored->record.incident().id() == request.incident_id()) {
      incident_found = true;
    }
  }
  if (!incident_found) {
    return absl::NotFoundError(absl::StrCat("incident_id: incident ", Quote(request.incident_id()), " does not exist"));
  }
  std::vector<const v1::Indicator*> selected;
  for (int i = 0; i < request.indicator_ids_size(); ++i) {
    const auto it = defined.find(request.indicator_ids(i));
    if (it == defined.end()) {
      return absl::NotFoundError(
          absl::StrCat("indicator_ids[", i, "]: indicator ", Quote(request.indicator_ids(i)), " does not exist"));
    }
    if (request.incident_id().empty() || it->second->incident_id() == request.incident_id()) {
      selected.push_back(it->second);
    }
  }
  if (request.indicator_ids().empty()) {
    for (const state::RecordPtr& stored : view.records()) {  // In name order, so by id.
      if (!stored->record.has_indicator()) continue;
      const v1::Indicator& indicator = stored->record.indicator();
      if (indicator.retired()) continue;
      if (!request.incident_id().empty() && indicator.incident_id() != request.incident_id()) continue;
      selected.push_back(&indicator);
    }
  }

  v1::IndicatorOverview overview;
  overview.set_revision(view.revision());
  *overview.mutable_computed_at() = ToProtoTime(now);
  for (const v1::Indicator* indicator : selected) {
    v1::IndicatorAggregate& aggregate = *overview.add_indicators();
    *aggregate.mutable_indicator() = *indicator;
    int32_t applicable = 0;
    for (const auto& [organization_id, organization] : view.organizations()) {
      applicable += domain::IndicatorAppliesTo(*indicator, *organization.organization) ? 1 : 0;
    }
    aggregate.set_organizations_applicable(applicable);
    if (indicator->type() == v1::INDICATOR_TYPE_TEXT) {
      // Never aggregated: each answer as it is, only to a reader who may see that organisation's report.
      for (const auto& [organization_id, organization] : view.organizations()) {
        if (!sees_text_of(organization_id)) continue;
        const v1::IndicatorValue* newest = nullptr;
        std::vector<const v1::StatusReport*> reports = organization.location_reports;
        if (organization.organization_report != nullptr) reports.push_back(organization.organization_report);
        for (const v1::StatusReport* report : reports) {
          for (const v1::IndicatorValue& value : report->indicator_values()) {
            if (value.indicator_id() != indicator->id() || !value.has_text()) continue;
            if (newest == nullptr || FromProtoTime(newest->reported_at()) < FromProtoTime(value.reported_at())) {
              newest = &value;
            }
          }
        }
        if (newest == nullptr) continue;
        v1::TextAnswer& answer = *aggregate.add_text_answers();
        answer.set_organization_id(organization_id);
        answer.set_text(newest->text());
        *answer.mutable_reported_at() = newest->reported_at();
      }
      aggregate.set_organizations_answered(aggregate.text_answers_size());
      continue;
    }
    const auto cell = figures.indicators.find(FigureTable::IndicatorCell{.indicator_id = indicator->id()});
    if (cell == figures.indicators.end()) continue;  // Nobody answered: nothing to withhold, nothing to show.
    if (Withheld(cell->second.size(), min_group)) {
      aggregate.set_organizations_answered(static_cast<int32_t>(cell->second.size()));
      aggregate.set_withheld(true);
      continue;
    }
    AggregateAnswers(*indicator, cell->second, aggregate);
  }
  return overview;
}

}  // namespace ketenbeeld::queries
