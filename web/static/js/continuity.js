// The continuity timeline from the feed's records, by the rules of ReportService.GetContinuityTimeline
// (server/queries/continuity.h): when each organisation reaches a critical point, earliest first. Computed here
// rather than fetched, like the other panels: the feed already carries every report, redacted for this reader (a
// report without its figures gives only the diversion and intake stop points, as the server's timeline does).
import { isStale } from './derive.js';

const HOUR = 3600 * 1000;
export const DEFAULT_HORIZON_MS = 72 * HOUR;

const time = (timestamp) => (timestamp ? Date.parse(timestamp) : NaN);

// Points [{at (ms), kind, organization_id, location_id, supply_type, runs_out_at, too_late, reported_at, stale,
// detail}] of the status reports among `records` at `now` (ms), up to `now + horizonMs`, earliest first; at most
// `limit`. Kinds as ContinuityPointKind without its prefix: SUPPLY_RUNS_OUT, SUPPLY_UNDER_A_DAY, RESUPPLY,
// STAFF_SHORTAGE, EMERGENCY_DEPARTMENT_UNTIL, INTAKE_STOP_UNTIL.
export function continuityTimeline(records, now, horizonMs = DEFAULT_HORIZON_MS, limit = 500) {
  const until = now + horizonMs;
  const points = [];
  const add = (at, pastToo, kind, report, extra) => {
    if (!Number.isFinite(at) || at > until || (!pastToo && at < now)) return;
    points.push({ at, kind, organization_id: report.organization_id, location_id: report.location_id || '', ...extra });
  };
  for (const record of records) {
    if (record.kind !== 'ENTITY_KIND_STATUS_REPORT') continue;
    const report = record.status_report;
    const reportStamp = (reportedAt) => ({ reported_at: reportedAt, stale: isStale(report, reportedAt) });
    for (const supply of report.supplies || []) {
      const reportedAt = supply.reported_at || report.commit_time;
      const runsOut = time(supply.runs_out_at);
      const common = { supply_type: supply.type, ...reportStamp(reportedAt), detail: supplyDetail(supply) };
      if (Number.isFinite(runsOut)) {
        add(runsOut, true, 'SUPPLY_RUNS_OUT', report, common);
        if (runsOut - time(reportedAt) > 24 * HOUR) add(runsOut - 24 * HOUR, false, 'SUPPLY_UNDER_A_DAY', report, common);
      }
      if (supply.resupply?.expected_at) {
        const expected = time(supply.resupply.expected_at);
        add(expected, false, 'RESUPPLY', report, {
          ...common, detail: resupplyDetail(supply),
          runs_out_at: supply.runs_out_at, too_late: Number.isFinite(runsOut) && expected > runsOut,
        });
      }
    }
    const staffing = report.staffing;
    if (staffing?.shortage_from) {
      add(time(staffing.shortage_from), true, 'STAFF_SHORTAGE', report, {
        ...reportStamp(report.commit_time),
        detail: [staffing.shortage_count !== undefined ? `${staffing.shortage_count}` : '', staffing.description || '']
          .filter(Boolean).join(': '),
      });
    }
    const department = report.emergency_department;
    if (['EMERGENCY_DEPARTMENT_STATE_DIVERSION', 'EMERGENCY_DEPARTMENT_STATE_CLOSED'].includes(department?.state)
        && department.until) {
      add(time(department.until), false, 'EMERGENCY_DEPARTMENT_UNTIL', report,
        { ...reportStamp(report.commit_time), detail: department.reason || '' });
    }
    const intake = report.intake_stop;
    if (intake?.state === 'INTAKE_STOP_STATE_ACTIVE' && intake.until) {
      add(time(intake.until), false, 'INTAKE_STOP_UNTIL', report,
        { ...reportStamp(report.commit_time), detail: intake.reason || '' });
    }
  }
  points.sort((a, b) => a.at - b.at || a.organization_id.localeCompare(b.organization_id)
    || a.location_id.localeCompare(b.location_id));
  return { points: points.slice(0, limit), truncated: points.length > limit };
}

function supplyDetail(supply) {
  const parts = [];
  if (supply.stock !== undefined) {
    let stock = `${supply.stock}${supply.unit ? ` ${supply.unit}` : ''}`;
    if (supply.consumption_per_day !== undefined) stock += ` (${supply.consumption_per_day}/d)`;
    parts.push(stock);
  }
  if (supply.autonomy_hours !== undefined) parts.push(`${supply.autonomy_hours} h`);
  return parts.join(', ');
}

function resupplyDetail(supply) {
  const { quantity, supplier } = supply.resupply;
  return [quantity !== undefined ? `${quantity}${supply.unit ? ` ${supply.unit}` : ''}` : '', supplier || '']
    .filter(Boolean).join(' — ');
}
