// The reports of ReportService, computed from the picture as plain C++ (the gRPC handlers only call these): the gap
// report of a scenario, the capacity overview, the operational summary, and dispatch's search for capacity nearby.
//
// Each query reads one consistent snapshot of the picture (one Picture::Take) and reports its revision: every figure
// of a report is as of that revision.
//
// Which reports count for capacity (per-location reports). An organisation may report as a whole
// ("organizations/{id}/status"), per site ("organizations/{id}/locations/{location}/status"), or both. To avoid
// counting the same beds twice:
//   * an organisation with at least one per-location report is counted by its per-location reports, summed; its
//     organisation-level report's capacity is then ignored (it would usually be the total of the same beds);
//   * an organisation without per-location reports is counted by its organisation-level report.
// A figure (available, occupied, ...) of an organisation is the sum over the counted reports that give it, and is
// absent when none gives it: not reported is never zero. The same rule picks the reports for critical supplies;
// there an organisation's supply runs out when the first of its counted reports' does (a shortage at one site is a
// shortage).
// FindCapacity applies it per site: for an organisation counted by per-location reports, each location is matched
// on its own report's figure (dispatch needs the site that has the beds); otherwise the organisation-level figure
// applies to all of its locations and the nearest one is returned.
//
// Views across regions (a ROAZ or national server, docs/federation.md): the picture holds organisations of several
// safety regions, each organisation's region is its registration's (Organization.safety_region: a federated
// organisation's source region, the server's own region for its own registry). The capacity overview, the gap report
// and FindCapacity select regions (`safety_regions`, empty: every region) and flag the figures of a region whose
// source is stale (SourceFreshness) without leaving them out. A source region's sector aggregates (aggregates/{group}
// with provenance) are lines of the overview of their own (`aggregate`): the organisations they sum are never in this
// picture one by one.
//
// Errors: INVALID_ARGUMENT naming the request field that is malformed; NOT_FOUND for a scenario that does not exist.
// Thread safety: pure functions of their arguments; Picture is internally synchronised.
#ifndef KETENBEELD_SERVER_QUERIES_REPORTS_H_
#define KETENBEELD_SERVER_QUERIES_REPORTS_H_

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/aggregate.pb.h"
#include "ketenbeeld/v1/indicator.pb.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/scenario.pb.h"
#include "ketenbeeld/v1/status.pb.h"
#include "ketenbeeld/v1/upstream.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/state/picture.h"

namespace ketenbeeld::queries {

// A registered organisation and its latest reports (pointers into records the caller keeps alive), and the rule
// above: which of them count.
struct OrganizationReports {
  const ketenbeeld::v1::Organization* organization = nullptr;
  const ketenbeeld::v1::StatusReport* organization_report = nullptr;
  std::vector<const ketenbeeld::v1::StatusReport*> location_reports;
  // Federation: the registration's provenance (Record.provenance) when it came from a source region; nullptr for the
  // server's own registry.
  const ketenbeeld::v1::SourceProvenance* provenance = nullptr;

  // The reports whose figures count: the per-location reports when there are any, else the organisation-level one.
  std::vector<const ketenbeeld::v1::StatusReport*> Counted() const {
    if (!location_reports.empty()) return location_reports;
    if (organization_report != nullptr) return {organization_report};
    return {};
  }
};

// Federation (a ROAZ or national server): how fresh each source region is at the moment of reading, as the service
// layer judges it from the upstream/{region} records and federation.stale_after. Empty on a region's own server.
struct SourceFreshness {
  struct Source {
    bool stale = false;
    // When the source was last heard from; absl::InfinitePast() when never.
    absl::Time last_heard = absl::InfinitePast();
  };
  // By safety region.
  absl::flat_hash_map<std::string, Source> sources;

  // Whether the figures of `region` come from a stale source (false for a region that is no source: the server's
  // own).
  bool RegionStale(absl::string_view region) const {
    const auto it = sources.find(region);
    return it != sources.end() && it->second.stale;
  }
  // The source of a federated record, by its provenance: stale when the source is, or when it is unknown here (as
  // reads flag SourceProvenance.stale). nullptr (the server's own record): never stale.
  bool Stale(const ketenbeeld::v1::SourceProvenance* provenance) const {
    if (provenance == nullptr) return false;
    const auto it = sources.find(provenance->source_region());
    return it == sources.end() || it->second.stale;
  }
};

// The figures the capacity reports sum, organisation by organisation, as one snapshot of the picture gives them
// (counted by the rule above). The overview and the gap report are computed from such a table: the live one for
// readers who see every organisation's figures, a published copy (policy::PublishedFigures) for everyone else.
struct FigureTable {
  // One figure of one bed type in one safety region and sector: what a sum is made of. An organisation belongs to
  // exactly one region and sector, so two cells never share a contributor. CAPACITY_FIGURE_UNSPECIFIED is the
  // cell of the organisations whose counted reports include the bed type at all (value 0).
  struct CapacityCell {
    std::string safety_region;
    ketenbeeld::v1::Sector sector = ketenbeeld::v1::SECTOR_UNSPECIFIED;
    ketenbeeld::v1::BedType bed_type = ketenbeeld::v1::BED_TYPE_UNSPECIFIED;
    ketenbeeld::v1::CapacityFigure figure = ketenbeeld::v1::CAPACITY_FIGURE_UNSPECIFIED;
    // The figures of organisations whose figure is stale (IsStale below) are cells of their own: counted apart, never
    // in the sums of the fresh ones, so an organisation that stopped reporting does not look current.
    bool stale = false;
    auto operator<=>(const CapacityCell&) const = default;
  };
  // An organisation's figure: the sum over its counted reports that give it, and the newest and oldest time the
  // entries of the bed type were reported (Capacity.reported_at, or the report's commit time).
  struct CapacityValue {
    int64_t value = 0;
    absl::Time newest;
    absl::Time oldest;
    bool operator==(const CapacityValue&) const = default;
  };
  // One critical supply in one safety region; the value is when an organisation's supply runs out first (the
  // earliest Supply.runs_out_at of its counted reports): a time, so the table need not change as time passes.
  struct SupplyCell {
    std::string safety_region;
    ketenbeeld::v1::SupplyType type = ketenbeeld::v1::SUPPLY_TYPE_UNSPECIFIED;
    auto operator<=>(const SupplyCell&) const = default;
  };
  // One count of the capacity that is not beds in one safety region and sector; the value is an organisation's sum
  // over its counted reports that give it (CapacityValue, as for beds). CHAIN_FIGURE_UNSPECIFIED is the cell of the
  // organisations whose counted reports state their intake (value 1: an intake stop in at least one, else 0): no
  // figure, since every reader sees intake stops on the reports themselves.
  struct ChainCell {
    std::string safety_region;
    ketenbeeld::v1::Sector sector = ketenbeeld::v1::SECTOR_UNSPECIFIED;
    ketenbeeld::v1::ChainFigure figure = ketenbeeld::v1::CHAIN_FIGURE_UNSPECIFIED;
    // As CapacityCell::stale: the figure of an organisation with an overdue report giving it (these parts carry no
    // time of their own) is a cell of its own. Intake stops (CHAIN_FIGURE_UNSPECIFIED) are never stale: where not to
    // send people holds until it is lifted.
    bool stale = false;
    auto operator<=>(const ChainCell&) const = default;
  };
  // One indicator of a questionnaire (indicator.proto). The value is an organisation's newest answer among all its
  // reports (organisation-level and per site, by IndicatorValue.reported_at): a count, number or yes/no (1 or 0) in
  // `number`, a choice in `choice`. Text answers are never tabulated (never aggregated). Answers are figures: a
  // reader without detailed visibility gets them as published, like the capacity cells.
  struct IndicatorCell {
    std::string indicator_id;
    auto operator<=>(const IndicatorCell&) const = default;
  };
  struct IndicatorAnswer {
    double number = 0;
    std::string choice;
    absl::Time reported_at;
    bool operator==(const IndicatorAnswer&) const = default;
  };
  struct Registration {
    std::string safety_region;
    ketenbeeld::v1::Sector sector = ketenbeeld::v1::SECTOR_UNSPECIFIED;
    bool operator==(const Registration&) const = default;
  };
  template <typename Value>
  using ByOrganization = absl::btree_map<std::string, Value>;

  // The revision of the picture the table was made at.
  int64_t revision = 0;
  // Every registered organisation, by id (registrations are not detail: every reader may list them).
  ByOrganization<Registration> organizations;
  // Cells without contributors are absent.
  absl::btree_map<CapacityCell, ByOrganization<CapacityValue>> capacity;
  absl::btree_map<SupplyCell, ByOrganization<absl::Time>> supplies;
  absl::btree_map<ChainCell, ByOrganization<CapacityValue>> chain;
  absl::btree_map<IndicatorCell, ByOrganization<IndicatorAnswer>> indicators;
  // Federation: the sector aggregates source regions sent (aggregates/{group} records with provenance), by region
  // and group. Live tables only: a published copy (policy::PublishedFigures) never holds them, so a reader who may
  // not see live sums gets no aggregate line (the aggregate is a live sum of few organisations).
  struct FederatedAggregate {
    std::string safety_region;
    ketenbeeld::v1::SectorAggregate aggregate;
  };
  std::vector<FederatedAggregate> aggregates;
};

// The figures of the picture's latest reports; with `exercise_id`, of that exercise's reports (empty: the real
// picture).
FigureTable TabulateFigures(const state::Picture& picture, const std::string& exercise_id = "");

// Whether a figure of `report`, written at `reported_at`, is stale: the report is overdue (overdue_since, committed by
// the server at the same moment for every reader), or the report renewed other parts but not this figure, which was
// by then older than the report's interval (next_report_due - commit_time). Computed from committed fields only, so
// every reader of a revision gets the same answer.
bool IsStale(const ketenbeeld::v1::StatusReport& report, absl::Time reported_at);

// The scenario's required capacity against the live picture, per requirement (see CapacityGap) and per critical
// supply (see SupplyGap). In scope: the registered organisations of the regions request.safety_regions names (empty:
// every region the picture holds organisations of, and the scenario's; on a region's own server that is its region),
// and of the requirement's sector when it names one. `now` becomes computed_at; `sources` names the stale regions in
// scope (GapReport.stale_regions).
// NOT_FOUND when the scenario does not exist; INVALID_ARGUMENT for a malformed scenario_id or safety_regions[i].
absl::StatusOr<ketenbeeld::v1::GapReport> ComputeGapReport(const ketenbeeld::v1::GetGapReportRequest& request,
                                                           const state::Picture& picture, absl::Time now,
                                                           const SourceFreshness& sources = SourceFreshness());

// The same from `figures` (the scenario is read from `picture`, whose revision the report carries), withholding by
// `min_group` for a reader who may not see individual organisations' figures: a capacity line's sum of a figure
// (CAPACITY_FIGURE_AVAILABLE: available and shortfall; CAPACITY_FIGURE_SURGE_24H: surge_24h; either:
// shortfall_after_surge) is withheld when any cell it sums has fewer than `min_group` contributors (a sum over
// sectors would otherwise reveal a small cell by subtracting the others); a supply line names no organisation and
// withholds organizations_short when fewer than `min_group` organisations reported the supply. `min_group` 0: the
// reader sees every organisation's figures; nothing is withheld and the short organisations are named.
absl::StatusOr<ketenbeeld::v1::GapReport> ComputeGapReport(const ketenbeeld::v1::GetGapReportRequest& request,
                                                           const state::Picture& picture, const FigureTable& figures,
                                                           absl::Time now, int min_group,
                                                           const SourceFreshness& sources = SourceFreshness());

// Capacity totals per (safety region, sector, bed type) of the organisations' latest reports, sorted by that key.
// Empty request lists select everything. INVALID_ARGUMENT for an unknown region, sector or bed type in the request.
// A line (and chain line) of a region whose source `sources` says is stale has source_stale; a federated sector
// aggregate is a line of its own (CapacityTotal.aggregate), after the line of the same key if there is one.
absl::StatusOr<ketenbeeld::v1::CapacityOverview> ComputeCapacityOverview(
    const ketenbeeld::v1::GetCapacityOverviewRequest& request, const state::Picture& picture, absl::Time now,
    const SourceFreshness& sources = SourceFreshness());

// The same from `figures`, withholding by `min_group` as ComputeGapReport does: each figure's sum separately, when
// fewer than `min_group` organisations gave it (withheld_figures names it); newest_report and oldest_report then
// span the reports of the sums shown. `min_group` 0: nothing is withheld. The overview's revision is `figures`'.
// chain_totals (capacity that is not beds) follow the same rule per ChainFigure; their intake-stop counts are never
// withheld (intake stops are no detail).
absl::StatusOr<ketenbeeld::v1::CapacityOverview> ComputeCapacityOverview(
    const ketenbeeld::v1::GetCapacityOverviewRequest& request, const FigureTable& figures, absl::Time now,
    int min_group, const SourceFreshness& sources = SourceFreshness());

// The aggregate of indicators (GetIndicatorOverviewRequest selects which) from `figures`, withholding by `min_group`
// as ComputeCapacityOverview does: an indicator whose cell has fewer than `min_group` answers is withheld whole
// (IndicatorAggregate.withheld; `min_group` 0: nothing is withheld). The definitions, the applicable organisations
// and the text answers are read from one snapshot of `picture`; text answers only of the organisations for which
// `sees_text_of(organization_id)` holds. INVALID_ARGUMENT naming the request field; NOT_FOUND for a named indicator
// or an incident that does not exist. The overview's revision is the snapshot's.
absl::StatusOr<ketenbeeld::v1::IndicatorOverview> ComputeIndicatorOverview(
    const ketenbeeld::v1::GetIndicatorOverviewRequest& request, const state::Picture& picture,
    const FigureTable& figures, absl::Time now, int min_group,
    absl::FunctionRef<bool(absl::string_view organization_id)> sees_text_of);

// Open assistance requests (OPEN, OFFERED, ACCEPTED; by name), active alerts that some organisation of their audience
// has not acknowledged (by name), and overdue organisations (by id): registered organisations whose organisation-level
// report carries overdue_since, and registered organisations that have never reported at all (no report of any
// level; report_due and last_report are then absent), the open escalation tasks (oldest first) and the outbox's
// QUEUED and FAILED notifications counted, all from one snapshot.
absl::StatusOr<ketenbeeld::v1::OperationalSummary> ComputeOperationalSummary(
    const ketenbeeld::v1::GetOperationalSummaryRequest& request, const state::Picture& picture);

// Organisations with at least `min_available` (default 1) places of `bed_type` available, whose nearest location
// with coordinates lies within `radius_km` (default 50) of `near`; nearest first (ties by organisation id), at most
// `limit` (default 20). INVALID_ARGUMENT naming the field: near missing or out of range, radius_km outside (0, 500],
// bed_type unspecified or unknown, min_available outside 0..100000, limit outside 0..1000, max_age negative or over
// 7 days, safety_regions[i] not "VR01".."VR25" (or more than 1000 of them).
// Figures older than `max_age` at `now` (by Capacity.reported_at) are left out; a match's `stale` says IsStale. With
// `safety_regions`, only organisations of those regions; each match names its region, and a federated
// organisation's source staleness (`sources`) is source_stale, with source_last_heard.
absl::StatusOr<ketenbeeld::v1::FindCapacityResponse> FindCapacity(const ketenbeeld::v1::FindCapacityRequest& request,
                                                                  const state::Picture& picture, absl::Time now,
                                                                  const SourceFreshness& sources = SourceFreshness());

// Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km).
double DistanceKm(const ketenbeeld::v1::Coordinates& from, const ketenbeeld::v1::Coordinates& to);

}  // namespace ketenbeeld::queries

#endif  // KETENBEELD_SERVER_QUERIES_REPORTS_H_
