// The views across regions on a ROAZ or national server (docs/federation.md, "Views across regions";
// docs/dashboard.md): which source regions feed the picture and when each was last heard from, the region filter
// kept in the address, and the sector aggregates the regions send instead of long-term care organisations' figures.
// Pure functions over the feed's records, so they can be tested in node (web/tests/federation.test.mjs).
//
// Records are as the JSON has them: enum values by name, unset fields left out.

export const REGION_PARAM = 'region';

// The regions chosen in a query string ("?region=VR10&region=VR11"), sorted, each once; [] = every region. Values
// that are not a safety region code are ignored (an address is typed by people).
export function regionsOf(search) {
  const chosen = new URLSearchParams(search).getAll(REGION_PARAM).filter((r) => /^VR(0[1-9]|1[0-9]|2[0-5])$/.test(r));
  return [...new Set(chosen)].sort();
}

// The query string with `regions` as the region filter, every other parameter (the exercise) kept.
export function withRegions(search, regions) {
  const params = new URLSearchParams(search);
  params.delete(REGION_PARAM);
  for (const region of regions) params.append(REGION_PARAM, region);
  const query = params.toString();
  return query ? `?${query}` : '';
}

// Whether `region` passes the filter `regions` ([] = every region).
export function regionChosen(regions, region) {
  return regions.length === 0 || regions.includes(region || '');
}

// The source regions of the picture: one per upstream/{region} record, sorted by region, each with when it was last
// heard from (the server's commit time of its last range or heartbeat), its cursor and a conflict if one is recorded.
// `stale` is the server's judgement (CapacityOverview.sources, federation.stale_after) when `freshness` (those
// sources, by region) has it, else null: unknown, never guessed by the page's own clock.
export function sourcesOf(records, freshness = new Map()) {
  const sources = [];
  for (const record of records) {
    if (record.kind !== 'ENTITY_KIND_UPSTREAM_SOURCE' || !record.upstream_source) continue;
    const source = record.upstream_source;
    const region = source.safety_region || '';
    const known = freshness.get(region);
    sources.push({
      region,
      last_heard: source.last_heard || '',
      cursor: Number(source.cursor || 0),
      events_applied: Number(source.events_applied || 0),
      conflict: source.conflict?.message || '',
      stale: known ? Boolean(known.stale) : null,
    });
  }
  return sources.sort((a, b) => a.region.localeCompare(b.region));
}

// Whether the picture holds anything federated: a source record, or a record with provenance.
export function isFederated(records) {
  for (const record of records) {
    if (record.kind === 'ENTITY_KIND_UPSTREAM_SOURCE' || record.provenance) return true;
  }
  return false;
}

// Every safety region the picture holds organisations or sources of, sorted: the choices of the region filter.
export function regionsIn(records) {
  const regions = new Set();
  for (const record of records) {
    if (record.kind === 'ENTITY_KIND_ORGANIZATION' && record.organization?.safety_region) {
      regions.add(record.organization.safety_region);
    } else if (record.kind === 'ENTITY_KIND_UPSTREAM_SOURCE' && record.upstream_source?.safety_region) {
      regions.add(record.upstream_source.safety_region);
    }
  }
  return [...regions].sort();
}

// The region an organisation's figures come from, and whether that source is stale: {region, source, stale}.
// `source` is the provenance's source region ('' for the server's own registry); stale as in sourcesOf (null when
// not known).
export function originOf(organizationRecord, sources) {
  const region = organizationRecord?.organization?.safety_region || '';
  const source = organizationRecord?.provenance?.source_region || '';
  if (!source) return { region, source, stale: false };
  const known = sources.find((s) => s.region === source);
  return { region, source, stale: known ? known.stale : true };
}

// The sector aggregates source regions sent (aggregates/{group} with provenance), filtered by `regions`, sorted by
// region and group: each as {region, group, sector, organizations_reporting, withheld, beds: [{type, available,
// total, organizations_reporting}]}. Never an organisation: a sum over the group's reporting organisations, withheld
// below the region's minimum group size. This server's own aggregates (no provenance) sum organisations the page
// shows one by one, and are left out.
export function aggregatesOf(records, regions = []) {
  const aggregates = [];
  for (const record of records) {
    if (record.kind !== 'ENTITY_KIND_SECTOR_AGGREGATE' || !record.provenance || !record.sector_aggregate) continue;
    const region = record.provenance.source_region || record.scope?.safety_region || '';
    if (!regionChosen(regions, region)) continue;
    const aggregate = record.sector_aggregate;
    aggregates.push({
      region,
      group: aggregate.group || '',
      sector: aggregate.sector || 'SECTOR_UNSPECIFIED',
      organizations_reporting: Number(aggregate.organizations_reporting || 0),
      withheld: Boolean(aggregate.withheld_below_minimum || aggregate.detail_withheld),
      beds: (aggregate.beds || []).map((beds) => ({
        type: beds.type,
        available: beds.available === undefined ? undefined : Number(beds.available),
        total: beds.total === undefined ? undefined : Number(beds.total),
        organizations_reporting: Number(beds.organizations_reporting || 0),
      })),
    });
  }
  return aggregates.sort((a, b) => a.region.localeCompare(b.region) || a.group.localeCompare(b.group));
}
