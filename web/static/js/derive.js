// What the pages compute from the feed's replica instead of asking the server after every change: who has
// acknowledged an alert, and capacity totals per bed type. Both are ports of the server's own functions
// (server/pipeline/audience.cc AcknowledgementStateIn, server/pipeline/reports.cc ComputeCapacityOverview) over the
// same records, so they give the same answer; web/tests/browser.test.mjs compares them with the API's.
//
// Records are as the JSON has them: enum values by name, unset fields (and enum values 0) left out.

export const FIGURES = ['available', 'occupied', 'baseline', 'surge_24h', 'surge_72h'];

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
  const organizations = new Map();  // id -> {organization, report, locations: []}
  const reports = [];
  for (const record of records) {
    if (record.kind === 'ENTITY_KIND_ORGANIZATION') {
      organizations.set(record.organization.id, { organization: record.organization, report: null, locations: [] });
    } else if (record.kind === 'ENTITY_KIND_STATUS_REPORT') {
      reports.push(record.status_report);
    }
  }
  for (const report of reports) {
    const entry = organizations.get(report.organization_id);
    if (!entry) continue;  // The server accepts reports only from registered organisations.
    if (report.location_id) entry.locations.push(report); else entry.report = report;
  }
  let withheld = false;
  const totals = new Map();  // "region|sector|type" -> total
  for (const { organization, report, locations } of organizations.values()) {
    const counted = locations.length > 0 ? locations : report ? [report] : [];
    const byType = new Map();  // bed type -> {figure -> sum} of this organisation
    for (const r of counted) {
      if (r.detail_withheld) withheld = true;
      for (const capacity of r.capacity || []) {
        if (!byType.has(capacity.type)) byType.set(capacity.type, {});
        const sums = byType.get(capacity.type);
        for (const figure of FIGURES) {
          if (capacity[figure] !== undefined) sums[figure] = (sums[figure] || 0) + Number(capacity[figure]);
        }
      }
    }
    const region = organization.safety_region || '';
    const sector = organization.sector || 'SECTOR_UNSPECIFIED';
    for (const [type, sums] of byType) {
      const key = `${region}|${sector}|${type}`;
      if (!totals.has(key)) {
        const figures = {};
        for (const figure of FIGURES) figures[figure] = { sum: undefined, reported: 0 };
        totals.set(key, { safety_region: region, sector, bed_type: type, figures, organizations_reported: 0 });
      }
      const total = totals.get(key);
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

// The same shape from the server's CapacityOverview (for readers who may not see every organisation's figures): the
// API has sums but not how many organisations gave each figure, so `reported` is unknown (null).
export function totalsFromOverview(overview) {
  return (overview?.totals || []).map((total) => {
    const figures = {};
    for (const figure of FIGURES) {
      figures[figure] = { sum: total[figure] === undefined ? undefined : Number(total[figure]), reported: null };
    }
    return {
      safety_region: total.safety_region || '',
      sector: total.sector || 'SECTOR_UNSPECIFIED',
      bed_type: total.bed_type,
      figures,
      organizations_reported: Number(total.organizations_reported || 0),
      figures_withheld: Boolean(total.figures_withheld),
    };
  });
}
