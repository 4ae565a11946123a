// The regional continuity timeline (ReportService.GetContinuityTimeline): when each organisation reaches a critical
// point, in time order, from the latest reports of one snapshot of the picture.
//
// The points (ContinuityPointKind in workflow_service.proto), per status report (organisation-level and per
// location alike: a site that runs out of diesel is a point of its own):
//   * SUPPLY_RUNS_OUT at Supply.runs_out_at, also when that has passed (it ran out, as far as anyone knows);
//   * SUPPLY_UNDER_A_DAY at runs_out_at - 24 h, when that lies ahead (a supply that lasted more than a day);
//   * RESUPPLY at Supply.resupply.expected_at, when that lies ahead, with the supply's runs_out_at and whether the
//     delivery comes after it (too_late);
//   * STAFF_SHORTAGE at Staffing.shortage_from, also when it has started;
//   * EMERGENCY_DEPARTMENT_UNTIL at EmergencyDepartment.until of a diversion or closure, when that lies ahead;
//   * INTAKE_STOP_UNTIL at IntakeStop.until of an active intake stop, when that lies ahead.
// Only points up to now + horizon are listed; past points only where the kinds above say so. Supply and staffing
// points are figures (withheld from readers who may not see the organisation's figures, as Get withholds them); the
// emergency department and intake stop are not (every reader sees them on the report).
//
// Errors: INVALID_ARGUMENT naming the request field (an unknown safety region, a horizon or limit out of range).
// Thread safety: a pure function of its arguments; Picture is internally synchronised.
#ifndef KETENBEELD_SERVER_QUERIES_CONTINUITY_H_
#define KETENBEELD_SERVER_QUERIES_CONTINUITY_H_

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/state/picture.h"

namespace ketenbeeld::queries {

inline constexpr absl::Duration kDefaultContinuityHorizon = absl::Hours(72);
inline constexpr absl::Duration kMaxContinuityHorizon = absl::Hours(24 * 14);
inline constexpr int kDefaultContinuityPoints = 500;
inline constexpr int kMaxContinuityPoints = 5000;

// The timeline at `now` for a reader who sees the figures of the organisations `sees_figures_of` accepts (by id).
absl::StatusOr<ketenbeeld::v1::ContinuityTimeline> ComputeContinuityTimeline(
    const ketenbeeld::v1::GetContinuityTimelineRequest& request, const state::Picture& picture, absl::Time now,
    absl::FunctionRef<bool(absl::string_view organization_id)> sees_figures_of);

}  // namespace ketenbeeld::queries

#endif  // KETENBEELD_SERVER_QUERIES_CONTINUITY_H_
