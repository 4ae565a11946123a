// What the pages compute from the feed's replica instead of asking the server after every change: who has
// acknowledged an alert, capacity totals per bed type and scenario gap reports. They are ports of the server's own
// functions (server/queries/audience.cc AcknowledgementStateIn, server/queries/reports.cc ComputeCapacityOverview
// and ComputeGapReport) over the same records, so they give the same answer; web/tests/dashboard_derived.test.mjs
// compares them with the API's. Change them together.
//
// Records are as the JSON has them: enum values by name, unset fields (and enum values 0) left out.

export const FIGURES = ['available', 'occupied', 'baseline', 'surge_24h', 'surge_72h'];

// Whether a figure of `report` written at `reportedAt` (Capacity.reported_at; the report's commit time when absent)
// is stale: the report is overdue, or a newer report renewed other parts but not this figure, which was by then older
// than the report's interval. A port of queries::IsStale: committed fields only, so every screen agrees.
export function isStale(report, reportedAt) {
  if (report.overdue_since) return true;
  if (!report.commit_time || !report.next_report_due) return false;
  const committed = Date.parse(report.commit_time);
  const at = Date.parse(reportedAt || report.commit_time);
  return at + (Date.parse(report.next_report_due) - committed) < committed;
}

function allows(list, value) {
  return !list || list.length === 0 || list.includes(value);
}

// Whether a registered organisation belongs to `audience` (every non-empty list must match, any value within one).
export function inAudience(audience = {}, organization) {
  return allows(audience.safety_regions, organization.safety_region || '')
    && allows(audience.sectors, organization.sector || 'SECTOR_UNSPECIFIED')
    && allows(audience.kinds, organization.kind || 'ORGANIZATION_KIND_UNSPECIFIED')
    && allows(audience.organization_ids, organization.id);
}

const byOrganization = (a, b) => (a.organization_id < b.organization_id ? -1 : a.organization_id > b.organization_id ? 1 : 0);

// {acknowledgements (by organisation id), unacknowledged_organization_ids (sorted), audience_size} of `alert`, as
// GetAlertAcknowledgements answers it. Any acknowledgement counts, also one of an organisation no longer in the
// audience (the alert was changed after it acknowledged).
export function acknowledgementState(alert, records) {
  const audience = [];
  const acknowledgements = [];
  for (const record of records) {
    if (record.kind === 'ENTITY_KIND_ORGANIZATION') {
      if (inAudience(alert.audience, record.organization)) audience.push(record.organization.id);
    } else if (record.kind === 'ENTITY_KIND_ACKNOWLEDGEMENT' && record.acknowledgement.alert_id === alert.id) {
      acknowledgements.push(record.acknowledgement);
    }
  }
  acknowledgements.sort(byOrganization);
  const acknowledged = new Set(acknowledgements.map((a) => a.organization_id));
  return {
    acknowledgements,
    unacknowledged_organization_ids: audience.filter((id) => !acknowledged.has(id)).sort(),
    audience_size: audience.length,
  };
}

// Capacity per (safety region, sector, bed type) over the organisations' latest reports. For each figure: `sum`
// over the organisations that reported it (undefined when none did: not reported is not 0) and `reported`, how many
// did; `organizations_reported` counts the organisations whose reports include the bed type at all. An
// organisation's per-location reports count instead of its organisation-wide one when it has any, as on the server.
//
// Returns {totals, withheld}: `withheld` is true when a report that counts arrived without its figures (this reader
// may not see them, docs/security.md); then the totals are incomplete and the server's overview must be used.
export function capacityTotals(records) {
  let withheld = false;
  const totals = new Map();  // "region|sector|type" -> total
  for (const view of organizationViews(records).values()) {
    const byType = new Map();  // bed type -> {figure -> sum} of this organisation
    for (const r of view.counted) {
      if (r.detail_withheld) withheld = true;
      for (const capacity of r.capacity || []) {
        if (!byType.has(capacity.type)) byType.set(capacity.type, {});
        const sums = byType.get(capacity.type);
        if (isStale(r, capacity.reported_at)) sums.stale = true;
        for (const figure of FIGURES) {
          if (capacity[figure] !== undefined) sums[figure] = (sums[figure] || 0) + Number(capacity[figure]);
        }
      }
    }
    // Beds the organisation's reservations hold are not available (server/queries/beds.h).
    for (const [type, sums] of byType) {
      if (sums.available !== undefined) sums.available = effectiveAvailable(view, type, sums.available);
    }
    const region = view.organization.safety_region || '';
    const sector = view.organization.sector || 'SECTOR_UNSPECIFIED';
    for (const [type, sums] of byType) {
      const key = `${region}|${sector}|${type}`;
      if (!totals.has(key)) {
        const figures = {};
        for (const figure of FIGURES) figures[figure] = { sum: undefined, reported: 0 };
        totals.set(key, { safety_region: region, sector, bed_type: type, figures, organizations_reported: 0,
          organizations_stale: 0, stale_available: undefined });
      }
      const total = totals.get(key);
      if (sums.stale) {  // Counted apart, in no sum.
        total.organizations_stale += 1;
        if (sums.available !== undefined) total.stale_available = (total.stale_available || 0) + sums.available;
        continue;
      }
      total.organizations_reported += 1;
      for (const figure of FIGURES) {
        if (sums[figure] === undefined) continue;
        total.figures[figure].sum = (total.figures[figure].sum || 0) + sums[figure];
        total.figures[figure].reported += 1;
      }
    }
  }
  return { totals: [...totals.values()], withheld };
}

// Whether a bed reservation holds a bed: HELD always; CONFIRMED until the organisation's figures of the bed type
// are reported again after the confirmation (`newest`, ms: the newest reported_at of the type; undefined: none).
// A port of queries::ReservationHoldsBed (server/queries/beds.h).
function holdsBed(reservation, newest) {
  if (reservation.state === 'RESERVATION_STATE_HELD') return true;
  if (reservation.state !== 'RESERVATION_STATE_CONFIRMED') return false;
  return newest === undefined || newest <= Date.parse(reservation.confirmed_at);
}

// max(0, reported - reserved) for an organisation's `available` of bed type `type`, as the server counts it
// (server/queries/beds.h: BedCount::effective).
function effectiveAvailable(view, type, reported) {
  if (view.reservations.length === 0) return reported;
  let newest;
  for (const r of view.counted) {
    for (const capacity of r.capacity || []) {
      if (capacity.type !== type) continue;
      const at = Date.parse(capacity.reported_at || r.commit_time);
      if (newest === undefined || at > newest) newest = at;
    }
  }
  const reserved = view.reservations.filter((reservation) => reservation.bed_type === type
    && holdsBed(reservation, newest)).length;
  return Math.max(0, reported - reserved);
}

// Registered organisations by id (in id order, as the server walks them) with the reports whose figures count:
// the per-location reports when there are any, else the organisation-wide one; and their bed reservations.
function organizationViews(records) {
  const views = new Map();
  const reports = [];
  const reservations = [];
  for (const record of records) {
    if (record.kind === 'ENTITY_KIND_ORGANIZATION') {
      views.set(record.organization.id, { organization: record.organization, report: null, locations: [],
        reservations: [] });
    } else if (record.kind === 'ENTITY_KIND_STATUS_REPORT') {
      reports.push(record.status_report);
    } else if (record.kind === 'ENTITY_KIND_BED_RESERVATION') {
      reservations.push(record.bed_reservation);
    }
  }
  for (const reservation of reservations) {
    const view = views.get(reservation.organization_id);
    if (view) view.reservations.push(reservation);
  }
  for (const report of reports) {
    const view = views.get(report.organization_id);
    if (!view) continue;  // The server accepts reports only from registered organisations.
    if (report.location_id) view.locations.push(report); else view.report = report;
  }
  for (const view of views.values()) {
    view.counted = view.locations.length > 0 ? view.locations : view.report ? [view.report] : [];
  }
  return new Map([...views].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// The gap report of `scenario` as GetGapReport answers it (numbers instead of int64 strings; the revision is the
// caller's). `withheld` as for capacityTotals: a counted report of the region arrived without its figures, so the
// server's report must be used. A supply is short when it runs out (Supply.runs_out_at) within the minimum from
// `now` (ms), as the server counts it at its computed_at. Without a region filter the server counts every region it
// holds and the scenario's (server/queries/reports.cc): on a region's own server its region, on a ROAZ or national
// server every region's organisations.
export function gapReport(scenario, records, now = Date.now()) {
  const inRegion = [...organizationViews(records).values()]
    .filter((view) => (view.organization.safety_region || '') !== '' || scenario.safety_region === '');
  const withheld = inRegion.some((view) => view.counted.some((r) => r.detail_withheld));
  const capacity = (scenario.capacity || []).map((requirement) => {
    const sector = requirement.sector || 'SECTOR_UNSPECIFIED';
    const required = Number(requirement.quantity || 0);
    let available = 0;
    let surge = 0;
    let reported = 0;
    let notReported = 0;
    let stale = 0;
    let staleAvailable = 0;
    for (const view of inRegion) {
      if (sector !== 'SECTOR_UNSPECIFIED' && (view.organization.sector || 'SECTOR_UNSPECIFIED') !== sector) continue;
      const lines = view.counted.flatMap((r) => (r.capacity || []).filter((c) => c.type === requirement.bed_type)
        .map((c) => ({ ...c, stale: isStale(r, c.reported_at) })));
      const given = lines.filter((line) => line.available !== undefined);
      // The organisation's available beds of the type after its reservations (server/queries/beds.h).
      const left = () => effectiveAvailable(view, requirement.bed_type,
        given.reduce((a, line) => a + Number(line.available), 0));
      if (lines.some((line) => line.stale)) {  // Apart: neither available nor "not reported".
        if (given.length > 0) {
          stale += 1;
          staleAvailable += left();
        } else {
          notReported += 1;
        }
        continue;
      }
      // Surge counts wherever it was reported, even without an `available` figure: it is capacity that can be added.
      for (const line of lines) surge += Number(line.surge_24h || 0);
      if (given.length > 0) {
        available += left();
        reported += 1;
      } else {
        notReported += 1;
      }
    }
    return {
      bed_type: requirement.bed_type, sector, required, available, surge_24h: surge,
      shortfall: Math.max(0, required - available), shortfall_after_surge: Math.max(0, required - available - surge),
      organizations_reported: reported, organizations_not_reported: notReported,
      organizations_stale: stale, stale_available: staleAvailable,
    };
  });
  const supplies = (scenario.supplies || []).map((requirement) => {
    const minimum = Number(requirement.min_days_of_supply || 0);
    const gap = { type: requirement.type, min_days_of_supply: minimum, short_organization_ids: [],
      organizations_reported: 0, organizations_not_reported: 0 };
    for (const view of inRegion) {
      const runsOut = view.counted.flatMap((r) => (r.supplies || []))
        .filter((supply) => supply.type === requirement.type && supply.runs_out_at)
        .map((supply) => Date.parse(supply.runs_out_at));
      if (runsOut.length === 0) {
        gap.organizations_not_reported += 1;
        continue;
      }
      gap.organizations_reported += 1;
      if (Math.min(...runsOut) < now + minimum * 24 * 3600 * 1000) gap.short_organization_ids.push(view.organization.id);
    }
    return gap;
  });
  return { report: { scenario_id: scenario.id, safety_region: scenario.safety_region, capacity, supplies }, withheld };
}

// The same shape from the server's CapacityOverview (for readers who may not see every organisation's figures): the
// API has sums but not how many organisations gave each figure, so `reported` is unknown (null).
// A figure of too few organisations for this reader (docs/security.md) is `withheld`: each on its own where the
// server names them (withheld_figures), else all of a total that says figures_withheld.
export function totalsFromOverview(overview) {
  return (overview?.totals || []).map((total) => {
    const named = (total.withheld_figures || []).map((f) => String(f).replace(/^CAPACITY_FIGURE_/, '').toLowerCase());
    const withheld = (figure) => (named.length ? named.includes(figure) : Boolean(total.figures_withheld));
    const figures = {};
    for (const figure of FIGURES) {
      figures[figure] = { sum: total[figure] === undefined ? undefined : Number(total[figure]), reported: null,
        withheld: withheld(figure) };
    }
    return {
      safety_region: total.safety_region || '',
      sector: total.sector || 'SECTOR_UNSPECIFIED',
      bed_type: total.bed_type,
      figures,
      organizations_reported: Number(total.organizations_reported || 0),
      organizations_stale: Number(total.organizations_stale || 0),
      stale_available: total.stale_available === undefined ? undefined : Number(total.stale_available),
      figures_withheld: Boolean(total.figures_withheld),
    };
  });
}

// How much of an assistance request its accepted offers cover, as the server counts it (server/mutations/
// mutations_assistance.cc AcceptedQuantity): the sum of the accepted quantities, at most the quantity asked; an offer
// accepted before accepted quantities existed (ACCEPTED without accepted_quantity) covers the whole request.
// Returns {accepted, quantity, stillNeeded, covered}.
export function assistanceCoverage(request) {
  const quantity = Number(request.quantity || 0);
  let accepted = 0;
  for (const offer of request.offers || []) {
    if (offer.status !== 'OFFER_STATUS_ACCEPTED') continue;
    const part = Number(offer.accepted_quantity || 0);
    if (part <= 0) {
      accepted = quantity;
      break;
    }
    accepted += part;
  }
  accepted = Math.min(accepted, quantity);
  return { accepted, quantity, stillNeeded: quantity - accepted, covered: accepted >= quantity };
}

// Questionnaires (indicator.proto). Whether `indicator` asks `organization`: named in organization_ids, or matching
// the sectors and kinds given (each list, when not empty); nothing named asks everyone. A port of
// domain::IndicatorAppliesTo (server/domain/indicator_validation.cc).
export function indicatorAppliesTo(indicator, organization) {
  const scope = indicator.applies_to || {};
  const ids = scope.organization_ids || [];
  if (ids.includes(organization.id)) return true;
  const sectors = scope.sectors || [];
  const kinds = scope.organization_kinds || [];
  if (sectors.length === 0 && kinds.length === 0) return ids.length === 0;
  return allows(sectors, organization.sector || 'SECTOR_UNSPECIFIED')
    && allows(kinds, organization.kind || 'ORGANIZATION_KIND_UNSPECIFIED');
}

// The indicators the form asks `organization` to answer, in id order: those that apply to it (indicatorAppliesTo),
// and those an active alert for it asks for (Alert.indicator_ids) — but only the ones the server takes answers for:
// defined, not retired, and applying to the organisation (else the server refuses the answer). `asked` holds the ids
// an alert asks for, so the form can mark them.
export function indicatorsFor(records, organization) {
  const indicators = new Map();
  const asked = new Set();
  for (const record of records) {
    if (record.kind === 'ENTITY_KIND_INDICATOR' && record.indicator && !record.indicator.retired) {
      indicators.set(record.indicator.id, record.indicator);
    } else if (record.kind === 'ENTITY_KIND_ALERT' && record.alert?.status !== 'ALERT_STATUS_CANCELLED'
      && inAudience(record.alert.audience, organization)) {
      for (const id of record.alert.indicator_ids || []) asked.add(id);
    }
  }
  const shown = [...indicators.values()].filter((indicator) => indicatorAppliesTo(indicator, organization))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { indicators: shown, asked };
}
