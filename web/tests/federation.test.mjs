// Unit tests of federation.js: the region filter in the address, the source regions and their freshness, the region
// of an organisation, and the sector aggregates of source regions (never one organisation).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aggregatesOf, isFederated, originOf, regionChosen, regionsIn, regionsOf, sourcesOf, withRegions,
} from '../static/js/federation.js';

const organization = (id, region, source) => ({
  name: `organizations/${id}`,
  kind: 'ENTITY_KIND_ORGANIZATION',
  organization: { id, name: id, safety_region: region },
  ...(source ? { provenance: { source_region: source, source_revision: '4' } } : {}),
});
const upstream = (region, lastHeard, extra = {}) => ({
  name: `upstream/${region}`,
  kind: 'ENTITY_KIND_UPSTREAM_SOURCE',
  upstream_source: { safety_region: region, cursor: '12', last_heard: lastHeard, ...extra },
});

test('the region filter comes from the address and goes back into it, keeping the exercise', () => {
  assert.deepEqual(regionsOf('?region=VR11&exercise=oef-1&region=VR10&region=VR11'), ['VR10', 'VR11']);
  assert.deepEqual(regionsOf('?region=VR26&region=vr10&region=<b>'), [], 'only safety region codes');
  assert.deepEqual(regionsOf(''), []);
  assert.equal(withRegions('?exercise=oef-1&region=VR12', ['VR10', 'VR11']), '?exercise=oef-1&region=VR10&region=VR11');
  assert.equal(withRegions('?region=VR10', []), '');
  assert.ok(regionChosen([], 'VR10'));
  assert.ok(regionChosen(['VR10'], 'VR10'));
  assert.ok(!regionChosen(['VR10'], 'VR11'));
});

test('sources carry the server judgement of staleness, never the page clock', () => {
  const records = [upstream('VR11', '2026-12-03T10:00:00Z'), upstream('VR10', '2026-12-03T10:05:00Z',
    { conflict: { message: 'organisation "x" is claimed by two sources' } }), organization('a', 'VR10', 'VR10')];
  const unknown = sourcesOf(records);
  assert.deepEqual(unknown.map((s) => [s.region, s.stale, s.cursor]), [['VR10', null, 12], ['VR11', null, 12]]);
  assert.match(unknown[0].conflict, /claimed by two sources/);
  const judged = sourcesOf(records, new Map([['VR10', { safety_region: 'VR10' }], ['VR11', { stale: true }]]));
  assert.deepEqual(judged.map((s) => s.stale), [false, true]);
  assert.ok(isFederated(records));
  assert.ok(!isFederated([organization('b', 'VR10')]), 'a region server shows no federation');
  assert.deepEqual(regionsIn([...records, organization('c', 'VR12')]), ['VR10', 'VR11', 'VR12']);
});

test('an organisation takes its region and staleness from its provenance', () => {
  const sources = [{ region: 'VR10', stale: false }, { region: 'VR11', stale: true }];
  assert.deepEqual(originOf(organization('a', 'VR10', 'VR10'), sources), { region: 'VR10', source: 'VR10', stale: false });
  assert.deepEqual(originOf(organization('b', 'VR11', 'VR11'), sources), { region: 'VR11', source: 'VR11', stale: true });
  assert.deepEqual(originOf(organization('c', 'VR12'), sources), { region: 'VR12', source: '', stale: false },
    'the server\'s own registry is never stale');
  assert.equal(originOf(organization('d', 'VR13', 'VR13'), sources).stale, true, 'a source unknown here');
});

test('aggregates of source regions are sums, filtered by region; the server\'s own are left out', () => {
  const aggregate = (region, group, beds, extra = {}) => ({
    name: 'aggregates/long-term-care',
    kind: 'ENTITY_KIND_SECTOR_AGGREGATE',
    ...(region ? { provenance: { source_region: region } } : {}),
    sector_aggregate: { group, sector: 'SECTOR_LONG_TERM_CARE', organizations_reporting: 4, beds, ...extra },
  });
  const records = [
    aggregate('VR11', 'long-term-care', [{ type: 'BED_TYPE_NURSING_HOME', available: '6', total: '40', organizations_reporting: 4 }]),
    aggregate('VR10', 'home-care', [], { withheld_below_minimum: true, organizations_reporting: 2 }),
    aggregate('', 'long-term-care', [{ type: 'BED_TYPE_NURSING_HOME', available: '1', organizations_reporting: 3 }]),
  ];
  const all = aggregatesOf(records);
  assert.deepEqual(all.map((a) => [a.region, a.group, a.withheld]), [['VR10', 'home-care', true], ['VR11', 'long-term-care', false]]);
  assert.deepEqual(all[1].beds, [{ type: 'BED_TYPE_NURSING_HOME', available: 6, total: 40, organizations_reporting: 4 }]);
  assert.deepEqual(aggregatesOf(records, ['VR11']).map((a) => a.region), ['VR11']);
});
