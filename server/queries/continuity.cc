#include "server/queries/continuity.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/time.h"
#include "server/domain/field_checks.h"
#include "server/domain/filter.h"
#include "server/domain/validation.h"
#include "server/queries/reports.h"

namespace ketenbeeld::queries {
namespace {

namespace v1 = ::ketenbeeld::v1;
using domain::checks::CheckSafetyRegion;
using domain::checks::CheckSize;
using domain::checks::FieldPath;
using domain::checks::Invalid;
using domain::checks::Presence;

// A point's detail is short: it names the figure behind the point, the report has the rest.
constexpr size_t kMaxDetailBytes = 200;

absl::Status CheckRequest(const v1::GetContinuityTimelineRequest& request) {
  const FieldPath regions("safety_regions");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(request.safety_regions(), domain::kMaxFilterValues, regions));
  for (int i = 0; i < request.safety_regions_size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(CheckSafetyRegion(request.safety_regions(i), regions.Index(i), Presence::kListElement));
  }
  const google::protobuf::Duration& horizon = request.horizon();
  const absl::Duration value = FromProtoDuration(horizon);
  const bool unset = horizon.seconds() == 0 && horizon.nanos() == 0;
  if (!unset && (value < absl::Hours(1) || value > kMaxContinuityHorizon || horizon.nanos() < 0)) {
    return Invalid(FieldPath("horizon"), "must be between 1 hour and 14 days, or 0 for 72 hours, got ",
                   absl::FormatDuration(value));
  }
  if (request.limit() < 0 || request.limit() > kMaxContinuityPoints) {
    return Invalid(FieldPath("limit"), "must be between 1 and ", kMaxContinuityPoints, ", or 0 for ",
                   kDefaultContinuityPoints, ", got ", request.limit());
  }
  return absl::OkStatus();
}

std::string Cut(std::string text) {
  if (text.size() <= kMaxDetailBytes) return text;
  size_t end = kMaxDetailBytes - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // Not inside a UTF-8 sequence.
  text.resize(end);
  return text + "...";
}

// "2000 litre at 500 a day", "18 hours of autonomy", or both.
std::string SupplyDetail(const v1::Supply& supply) {
  std::vector<std::string> parts;
  if (supply.has_stock()) {
    std::string stock = absl::StrFormat("%g", supply.stock());
    if (!supply.unit().empty()) absl::StrAppend(&stock, " ", supply.unit());
    if (supply.has_consumption_per_day())
      absl::StrAppend(&stock, absl::StrFormat(" at %g a day", supply.consumption_per_day()));
    parts.push_back(std::move(stock));
  }
  if (supply.has_autonomy_hours()) parts.push_back(absl::StrFormat("%g hours of autonomy", supply.autonomy_hours()));
  return absl::StrJoin(parts, ", ");
}

std::string ResupplyDetail(const v1::Supply& supply) {
  const v1::Resupply& resupply = supply.resupply();
  std::string detail;
  if (resupply.has_quantity()) {
    detail = absl::StrFormat("%g", resupply.quantity());
    if (!supply.unit().empty()) absl::StrAppend(&detail, " ", supply.unit());
  }
  if (!resupply.supplier().empty()) absl::StrAppend(&detail, detail.empty() ? "" : " ", "from ", resupply.supplier());
  return detail;
}

std::string StaffingDetail(const v1::Staffing& staffing) {
  std::string detail;
  if (staffing.has_shortage_count()) detail = absl::StrCat(staffing.shortage_count(), " short");
  if (!staffing.description().empty()) absl::StrAppend(&detail, detail.empty() ? "" : ": ", staffing.description());
  return detail;
}

// Collects the points of one timeline.
class Timeline {
 public:
  Timeline(absl::Time now, absl::Time until) : now_(now), until_(until) {}

  // Adds a point at `at` unless it lies beyond the horizon, or in the past when `past_too` is false.
  v1::ContinuityPoint* Add(absl::Time at, bool past_too, v1::ContinuityPointKind kind, const v1::Organization& owner,
                           const v1::StatusReport& report) {
    if (at > until_ || (!past_too && at < now_)) return nullptr;
    v1::ContinuityPoint& point = points_.emplace_back();
    *point.mutable_at() = ToProtoTime(at);
    point.set_kind(kind);
    point.set_organization_id(owner.id());
    point.set_organization_name(owner.name());
    point.set_location_id(report.location_id());
    return &point;
  }

  std::vector<v1::ContinuityPoint>& points() { return points_; }

 private:
  const absl::Time now_;
  const absl::Time until_;
  std::vector<v1::ContinuityPoint> points_;
};

// The points of one report; `figures`: whether the reader sees the organisation's figures.
void AddPointsOf(const v1::Organization& owner, const v1::StatusReport& report, bool figures, Timeline& timeline) {
  const absl::Time report_time = FromProtoTime(report.commit_time());
  auto stamp = [&](v1::ContinuityPoint* point, absl::Time reported_at, std::string detail) {
    if (point == nullptr) return;
    *point->mutable_reported_at() = ToProtoTime(reported_at);
    point->set_stale(IsStale(report, reported_at));
    point->set_detail(Cut(std::move(detail)));
  };
  if (figures) {
    for (const v1::Supply& supply : report.supplies()) {
      const absl::Time reported_at = supply.has_reported_at() ? FromProtoTime(supply.reported_at()) : report_time;
      std::optional<absl::Time> runs_out;
      if (supply.has_runs_out_at()) runs_out = FromProtoTime(supply.runs_out_at());
      auto add = [&](absl::Time at, bool past_too, v1::ContinuityPointKind kind, std::string detail) {
        v1::ContinuityPoint* point = timeline.Add(at, past_too, kind, owner, report);
        if (point != nullptr) point->set_supply_type(supply.type());
        stamp(point, reported_at, std::move(detail));
        return point;
      };
      if (runs_out.has_value()) {
        add(*runs_out, true, v1::CONTINUITY_POINT_KIND_SUPPLY_RUNS_OUT, SupplyDetail(supply));
        if (*runs_out - reported_at > absl::Hours(24)) {
          add(*runs_out - absl::Hours(24), false, v1::CONTINUITY_POINT_KIND_SUPPLY_UNDER_A_DAY, SupplyDetail(supply));
        }
      }
      if (supply.has_resupply()) {
        const absl::Time expected = FromProtoTime(supply.resupply().expected_at());
        v1::ContinuityPoint* point = add(expected, false, v1::CONTINUITY_POINT_KIND_RESUPPLY, ResupplyDetail(supply));
        if (point != nullptr && runs_out.has_value()) {
          *point->mutable_runs_out_at() = supply.runs_out_at();
          point->set_too_late(expected > *runs_out);
        }
      }
    }
    if (report.staffing().has_shortage_from()) {
      stamp(timeline.Add(FromProtoTime(report.staffing().shortage_from()), true,
                         v1::CONTINUITY_POINT_KIND_STAFF_SHORTAGE, owner, report),
            report_time, StaffingDetail(report.staffing()));
    }
  }
  const v1::EmergencyDepartment& department = report.emergency_department();
  if ((department.state() == v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION ||
       department.state() == v1::EMERGENCY_DEPARTMENT_STATE_CLOSED) &&
      department.has_until()) {
    stamp(timeline.Add(FromProtoTime(department.until()), false, v1::CONTINUITY_POINT_KIND_EMERGENCY_DEPARTMENT_UNTIL,
                       owner, report),
          report_time, department.reason());
  }
  const v1::IntakeStop& intake_stop = report.intake_stop();
  if (intake_stop.state() == v1::INTAKE_STOP_STATE_ACTIVE && intake_stop.has_until()) {
    stamp(timeline.Add(FromProtoTime(intake_stop.until()), false, v1::CONTINUITY_POINT_KIND_INTAKE_STOP_UNTIL, owner,
                       report),
          report_time, intake_stop.reason());
  }
}

}  // namespace

absl::StatusOr<v1::ContinuityTimeline> ComputeContinuityTimeline(
    const v1::GetContinuityTimelineRequest& request, const state::Picture& picture, absl::Time now,
    absl::FunctionRef<bool(absl::string_view organization_id)> sees_figures_of) {
  KETENBEELD_RETURN_IF_ERROR(CheckRequest(request));
  const bool horizon_set = request.horizon().seconds() != 0 || request.horizon().nanos() != 0;
  const absl::Duration horizon = horizon_set ? FromProtoDuration(request.horizon()) : kDefaultContinuityHorizon;
  const int limit = request.limit() == 0 ? kDefaultContinuityPoints : request.limit();

  v1::Filter filter;
  filter.add_kinds(v1::ENTITY_KIND_ORGANIZATION);
  filter.add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  for (const std::string& region : request.safety_regions()) filter.add_safety_regions(region);
  const state::Picture::Snapshot snapshot = picture.Take(domain::CompiledFilter(filter));

  v1::ContinuityTimeline result;
  result.set_revision(snapshot.revision);
  *result.mutable_computed_at() = ToProtoTime(now);
  // "organizations/{id}" sorts before its reports: each report's organisation is known when the report comes.
  absl::flat_hash_map<absl::string_view, const v1::Organization*> organizations;
  Timeline timeline(now, now + horizon);
  for (const state::RecordPtr& stored : snapshot.records) {
    const v1::Record& record = stored->record;
    if (record.has_organization()) {
      organizations[record.organization().id()] = &record.organization();
      continue;
    }
    if (!record.has_status_report()) continue;
    const v1::StatusReport& report = record.status_report();
    auto owner = organizations.find(report.organization_id());
    if (owner == organizations.end()) continue;  // Reports are accepted only from registered organisations.
    const bool figures = sees_figures_of(report.organization_id());
    if (!figures) result.set_detail_withheld(true);
    AddPointsOf(*owner->second, report, figures, timeline);
  }

  std::vector<v1::ContinuityPoint>& points = timeline.points();
  std::sort(points.begin(), points.end(), [](const v1::ContinuityPoint& a, const v1::ContinuityPoint& b) {
    const absl::Time a_at = FromProtoTime(a.at());
    const absl::Time b_at = FromProtoTime(b.at());
    return std::forward_as_tuple(a_at, a.organization_id(), a.location_id(), a.kind(), a.supply_type()) <
           std::forward_as_tuple(b_at, b.organization_id(), b.location_id(), b.kind(), b.supply_type());
  });
  if (static_cast<int>(points.size()) > limit) {
    points.resize(limit);
    result.set_truncated(true);
  }
  result.mutable_points()->Reserve(static_cast<int>(points.size()));
  for (v1::ContinuityPoint& point : points) *result.add_points() = std::move(point);
  return result;
}

}  // namespace ketenbeeld::queries
