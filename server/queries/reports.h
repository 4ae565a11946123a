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
// there an organisation's days of supply is the lowest of its counted reports (a shortage at one site is a shortage).
// FindCapacity applies it per site: for an organisation counted by per-location reports, each location is matched
// on its own report's figure (dispatch needs the site that has the beds); otherwise the organisation-level figure
// applies to all of its locations and the nearest one is returned.
//
// Errors: INVALID_ARGUMENT naming the request field that is malformed; NOT_FOUND for a scenario that does not exist.
// Thread safety: pure functions of their arguments; Picture is internally synchronised.
#ifndef KETENBEELD_SERVER_QUERIES_REPORTS_H_
#define KETENBEELD_SERVER_QUERIES_REPORTS_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/state/picture.h"

namespace ketenbeeld::queries {

// The scenario's required capacity against the live picture, per requirement (see CapacityGap) and per critical
// supply (see SupplyGap). In scope: the registered organisations of the scenario's safety region, and of the
// requirement's sector when it names one. `now` becomes computed_at.
// NOT_FOUND when the scenario does not exist; INVALID_ARGUMENT for a malformed scenario_id.
absl::StatusOr<ketenbeeld::v1::GapReport> ComputeGapReport(const ketenbeeld::v1::GetGapReportRequest& request,
                                                           const state::Picture& picture, absl::Time now);

// Capacity totals per (safety region, sector, bed type) of the organisations' latest reports, sorted by that key.
// Empty request lists select everything. INVALID_ARGUMENT for an unknown region, sector or bed type in the request.
absl::StatusOr<ketenbeeld::v1::CapacityOverview> ComputeCapacityOverview(
    const ketenbeeld::v1::GetCapacityOverviewRequest& request, const state::Picture& picture, absl::Time now);

// Open assistance requests (OPEN, OFFERED, ACCEPTED; by name), active alerts that some organisation of their audience
// has not acknowledged (by name), and overdue organisations (by id): registered organisations whose organisation-level
// report carries overdue_since, and registered organisations that have never reported at all (no report of any
// level; report_due and last_report are then absent).
absl::StatusOr<ketenbeeld::v1::OperationalSummary> ComputeOperationalSummary(
    const ketenbeeld::v1::GetOperationalSummaryRequest& request, const state::Picture& picture);

// Organisations with at least `min_available` (default 1) places of `bed_type` available, whose nearest location
// with coordinates lies within `radius_km` (default 50) of `near`; nearest first (ties by organisation id), at most
// `limit` (default 20). INVALID_ARGUMENT naming the field: near missing or out of range, radius_km outside (0, 500],
// bed_type unspecified or unknown, min_available outside 0..100000, limit outside 0..1000.
absl::StatusOr<ketenbeeld::v1::FindCapacityResponse> FindCapacity(const ketenbeeld::v1::FindCapacityRequest& request,
                                                                  const state::Picture& picture);

// Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km).
double DistanceKm(const ketenbeeld::v1::Coordinates& from, const ketenbeeld::v1::Coordinates& to);

}  // namespace ketenbeeld::queries

#endif  // KETENBEELD_SERVER_QUERIES_REPORTS_H_
