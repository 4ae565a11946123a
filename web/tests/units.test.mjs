// Unit tests of the pages' pure modules (web/static/js), in node without a browser or server: escaping, the
// refetch throttle, and what the pages derive from the feed's records.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mock, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { acknowledgementState, assistanceCoverage, capacityTotals, FIGURES, totalsFromOverview } from '../static/js/derive.js';
import { html, isHtml, join as joinHtml, setHtml } from '../static/js/html.js';
import { Throttle } from '../static/js/throttle.js';

const scriptsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'static', 'js');

test('html escapes every interpolation that is not itself a fragment', () => {
  const name = '<img src=x onerror="alert(1)">&\'';
  assert.equal(String(html`<b title="${name}">${name}</b>`),
    '<b title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;</b>');
  // Fragments nest unescaped, arrays of them are concatenated, and nothing-values are nothing.
  const items = ['a<', 'b'].map((x) => html`<li>${x}</li>`);
  assert.equal(String(html`<ul>${items}</ul>${null}${undefined}${false}${0}`), '<ul><li>a&lt;</li><li>b</li></ul>0');
  assert.equal(String(joinHtml([html`<i>1</i>`, '<2>'], ' & ')), '<i>1</i> &amp; &lt;2&gt;');
  // Something that merely looks like a fragment (as JSON could make it) is text.
  assert.equal(String(html`${{ markup: '<b>' }}`), '[object Object]');
  assert.equal(isHtml({ markup: '<b>' }), false);
});

test('setHtml takes only fragments', () => {
  const element = { innerHTML: '' };
  setHtml(element, html`<b>${'<i>'}</b>`);
  assert.equal(element.innerHTML, '<b>&lt;i&gt;</b>');
  assert.throws(() => setHtml(element, '<img src=x onerror=alert(1)>'), TypeError);
  assert.equal(element.innerHTML, '<b>&lt;i&gt;</b>');
});

test('no script writes markup except through setHtml', () => {
  // The guarantee of html.js holds only if nothing bypasses it: one raw innerHTML and escaping is optional again.
  const forbidden = /\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser/;
  const offenders = [];
  for (const file of readdirSync(scriptsDir).filter((f) => f.endsWith('.js'))) {
    readFileSync(join(scriptsDir, file), 'utf8').split('\n').forEach((line, i) => {
      if (file === 'html.js' && line.trim() === 'element.innerHTML = fragment.markup;') return;
      if (forbidden.test(line) && !line.trim().startsWith('//')) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});

test('a burst of requests runs the throttled refetch at most once per interval, and once after the last', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  try {
    const starts = [];
    let finish = null;
    // Each run takes 300 ms, so some requests arrive while one is running.
    const throttle = new Throttle(2000, () => {
      starts.push(Date.now());
      return new Promise((resolve) => { finish = resolve; setTimeout(resolve, 300); });
    });
    const settle = async () => { for (let i = 0; i < 10; i += 1) await Promise.resolve(); };
    // 100 requests, one every 50 ms: a burst of 4,950 ms.
    for (let i = 0; i < 100; i += 1) {
      throttle.request();
      await settle();
      mock.timers.tick(50);
      await settle();
    }
    const lastRequest = Date.now() - 50;
    for (let i = 0; i < 100; i += 1) {
      mock.timers.tick(100);
      await settle();
    }
    assert.ok(finish);
    // At most floor(4950 / 2000) + 2 = 4 runs, at least 2000 ms apart, the first at once, the last after the last
    // request (so it saw the state that request announced).
    assert.ok(starts.length <= 4, `${starts.length} runs: ${starts}`);
    assert.ok(starts[0] <= 1_000_050, `first run at ${starts[0]}`);  // At the first tick, not an interval later.
    for (let i = 1; i < starts.length; i += 1) assert.ok(starts[i] - starts[i - 1] >= 2000, `${starts}`);
    assert.ok(starts.at(-1) >= lastRequest, `last run ${starts.at(-1)}, last request ${lastRequest}`);
    assert.equal(throttle.runs, starts.length);
    // Quiet now: nothing more runs.
    mock.timers.tick(10000);
    await settle();
    assert.equal(throttle.runs, starts.length);
  } finally {
    mock.timers.reset();
  }
});

test('a throttled refetch requested during a run runs again after it, and a cancelled one does not', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    let runs = 0;
    let release = null;
    const throttle = new Throttle(100, () => { runs += 1; return new Promise((resolve) => { release = resolve; }); });
    const settle = async () => { for (let i = 0; i < 10; i += 1) await Promise.resolve(); };
    throttle.request();
    mock.timers.tick(0);
    await settle();
    assert.equal(runs, 1);
    throttle.request();  // During the run.
    mock.timers.tick(500);
    await settle();
    assert.equal(runs, 1, 'runs never overlap');
    release();
    await settle();
    mock.timers.tick(0);
    await settle();
    assert.equal(runs, 2, 'the change during the run is fetched after it');
    release();
    await settle();
    throttle.request();
    throttle.cancel();
    mock.timers.tick(1000);
    await settle();
    assert.equal(runs, 2);
  } finally {
    mock.timers.reset();
  }
});

const org = (id, extra = {}) => ({
  name: `organizations/${id}`, kind: 'ENTITY_KIND_ORGANIZATION',
  organization: { id, name: id, safety_region: 'VR10', ...extra },
});
const report = (id, capacity, extra = {}) => ({
  name: `organizations/${id}/${extra.location_id ? `locations/${extra.location_id}/` : ''}status`,
  kind: 'ENTITY_KIND_STATUS_REPORT',
  status_report: { organization_id: id, overall_status: 'OVERALL_STATUS_NORMAL', capacity, ...extra },
});
const ack = (alertId, id) => ({
  name: `alerts/${alertId}/acknowledgements/${id}`, kind: 'ENTITY_KIND_ACKNOWLEDGEMENT',
  acknowledgement: { alert_id: alertId, organization_id: id },
});

test('acknowledgement state: audience by every non-empty list, any acknowledgement counts', () => {
  const records = [
    org('a', { sector: 'SECTOR_LONG_TERM_CARE' }), org('b', { sector: 'SECTOR_LONG_TERM_CARE' }),
    org('c', { sector: 'SECTOR_ACUTE_CARE' }), org('d', { sector: 'SECTOR_LONG_TERM_CARE', safety_region: 'VR11' }),
    ack('x', 'b'), ack('x', 'c'), ack('y', 'a'),
  ];
  const state = acknowledgementState({ id: 'x', audience: { sectors: ['SECTOR_LONG_TERM_CARE'], safety_regions: ['VR10'] } }, records);
  assert.deepEqual(state.unacknowledged_organization_ids, ['a']);
  assert.equal(state.audience_size, 2);
  // c acknowledged although it is not in the audience (the alert changed after): it is listed, as on the server.
  assert.deepEqual(state.acknowledgements.map((a) => a.organization_id), ['b', 'c']);
  // No lists: everyone.
  assert.equal(acknowledgementState({ id: 'z' }, records).audience_size, 4);
});

test('capacity totals keep "not reported" apart from 0 and count who reported each figure', () => {
  const records = [
    org('a'), org('b'), org('c'), org('d'),
    report('a', [{ type: 'BED_TYPE_IC_ADULT', available: 0, occupied: 12 }]),
    report('b', [{ type: 'BED_TYPE_IC_ADULT', available: 3 }]),
    // d reports per location: those count, its organisation-wide report does not.
    report('d', [{ type: 'BED_TYPE_IC_ADULT', available: 100, baseline: 100 }]),
    report('d', [{ type: 'BED_TYPE_IC_ADULT', available: 1, baseline: 4 }], { location_id: 'l1' }),
    report('d', [{ type: 'BED_TYPE_IC_ADULT', baseline: 2 }], { location_id: 'l2' }),
    // A report of an organisation that is not registered does not count.
    report('zz', [{ type: 'BED_TYPE_IC_ADULT', available: 50 }]),
  ];
  const { totals, withheld } = capacityTotals(records);
  assert.equal(withheld, false);
  assert.equal(totals.length, 1);
  const [ic] = totals;
  assert.equal(ic.organizations_reported, 3);
  assert.deepEqual(ic.figures.available, { sum: 4, reported: 3 });
  assert.deepEqual(ic.figures.occupied, { sum: 12, reported: 1 });
  assert.deepEqual(ic.figures.baseline, { sum: 6, reported: 1 });
  assert.deepEqual(ic.figures.surge_24h, { sum: undefined, reported: 0 });
  // Figures withheld from this reader: the totals cannot be computed here.
  assert.equal(capacityTotals([org('a'), report('a', [], { detail_withheld: true })]).withheld, true);
});

test('totals from the server overview keep absent sums absent', () => {
  const [line] = totalsFromOverview({
    totals: [{ safety_region: 'VR10', bed_type: 'BED_TYPE_IC_ADULT', available: '5', organizations_reported: 2 }],
  });
  assert.deepEqual(line.figures.available, { sum: 5, reported: null, withheld: false });
  assert.equal(line.figures.baseline.sum, undefined);
  assert.equal(line.sector, 'SECTOR_UNSPECIFIED');
  // A figure of too few organisations is withheld on its own; the others of the line stay.
  const [partly] = totalsFromOverview({ totals: [{ bed_type: 'BED_TYPE_IC_ADULT', available: '7', figures_withheld: true,
    withheld_figures: ['CAPACITY_FIGURE_SURGE_24H', 'CAPACITY_FIGURE_OCCUPIED'] }] });
  assert.deepEqual(FIGURES.filter((f) => partly.figures[f].withheld), ['occupied', 'surge_24h']);
  assert.equal(partly.figures.available.sum, 7);
  // Without the list (an older server), figures_withheld withholds them all.
  const [all] = totalsFromOverview({ totals: [{ bed_type: 'BED_TYPE_IC_ADULT', figures_withheld: true }] });
  assert.equal(FIGURES.every((f) => all.figures[f].withheld), true);
});

test('the form sends only what the coordinator changed, as an update mask', async () => {
  const { changedPaths, updateMask } = await import('../static/js/report_mask.js');
  const before = {
    organization_id: 'zh-noord',
    overall_status: 'OVERALL_STATUS_STRAINED',
    capacity: [{ type: 'BED_TYPE_IC_ADULT', available: 2 }, { type: 'BED_TYPE_GENERAL_WARD', available: 30 }],
    supplies: [{ type: 'SUPPLY_TYPE_GENERATOR', autonomy_hours: 18 }],
    disruptions: [{ type: 'DISRUPTION_TYPE_UTILITY_FAILURE', severity: 'SEVERITY_MAJOR' }],
    emergency_department: { state: 'EMERGENCY_DEPARTMENT_STATE_DIVERSION' },
    crisis_plan_activated: true,
    reporter: { name: 'J. de Vries' },
  };
  const after = structuredClone(before);
  // Nothing changed: the report confirms the overall status and says who confirms it.
  assert.deepEqual(changedPaths(before, after), ['overall_status', 'reporter']);
  after.capacity[0].available = 0;  // changed
  after.capacity.pop();  // removed
  after.supplies.push({ type: 'SUPPLY_TYPE_OXYGEN', stock: 100 });  // added
  after.free_text = 'aggregaat draait';
  assert.deepEqual(changedPaths(before, after),
    ['free_text', 'capacity.ic_adult', 'capacity.general_ward', 'supplies.oxygen', 'reporter']);
  assert.equal(updateMask(before, after), 'freeText,capacity.icAdult,capacity.generalWard,supplies.oxygen,reporter');
  // A department whose end time passed is confirmed by sending it, changed or not.
  assert.deepEqual(changedPaths(before, before, ['emergency_department']), ['emergency_department', 'reporter']);
  // Capacity that is not beds is a part like staffing: a lifted intake stop is sent, the rest is not.
  const stopped = { ...before, intake_stop: { state: 'INTAKE_STOP_STATE_ACTIVE', reason: 'noodstroom' } };
  const lifted = { ...before, intake_stop: { state: 'INTAKE_STOP_STATE_NONE' } };
  assert.deepEqual(changedPaths(stopped, lifted), ['intake_stop', 'reporter']);
});

test('a figure is stale when its report is overdue or the latest report did not renew it within the interval', async () => {
  const { isStale, capacityTotals } = await import('../static/js/derive.js');
  const report = { commit_time: '2026-12-02T12:00:00Z', next_report_due: '2026-12-03T12:00:00Z' };  // 24 h.
  assert.equal(isStale(report, '2026-12-02T12:00:00Z'), false);
  assert.equal(isStale(report, undefined), false, 'no reported_at: the report commit time');
  assert.equal(isStale(report, '2026-12-01T13:00:00Z'), false, '23 h old when the report came: renewed in time');
  assert.equal(isStale(report, '2026-12-01T11:00:00Z'), true, '25 h old when the report came');
  assert.equal(isStale({ ...report, overdue_since: '2026-12-03T12:00:00Z' }, '2026-12-02T12:00:00Z'), true);

  // In the totals, stale organisations are counted apart and in no sum.
  const records = [
    { kind: 'ENTITY_KIND_ORGANIZATION', organization: { id: 'a', safety_region: 'VR10', sector: 'SECTOR_ACUTE_CARE' } },
    { kind: 'ENTITY_KIND_ORGANIZATION', organization: { id: 'b', safety_region: 'VR10', sector: 'SECTOR_ACUTE_CARE' } },
    { kind: 'ENTITY_KIND_STATUS_REPORT', status_report: { organization_id: 'a', ...report,
      capacity: [{ type: 'BED_TYPE_IC_ADULT', available: 5 }] } },
    { kind: 'ENTITY_KIND_STATUS_REPORT', status_report: { organization_id: 'b', ...report, overdue_since: report.next_report_due,
      capacity: [{ type: 'BED_TYPE_IC_ADULT', available: 3 }] } },
  ];
  const [total] = capacityTotals(records).totals;
  assert.equal(total.figures.available.sum, 5);
  assert.equal(total.organizations_reported, 1);
  assert.equal(total.organizations_stale, 1);
  assert.equal(total.stale_available, 3);
});

test('assistance coverage adds accepted quantities and reads an old accepted offer as covering the request', () => {
  const offer = (status, quantity, accepted) => ({ organization_id: 'x', status, quantity, accepted_quantity: accepted });
  const diesel = { quantity: 5000, offers: [offer('OFFER_STATUS_ACCEPTED', 2000, 2000), offer('OFFER_STATUS_ACCEPTED', 2000, 2000),
    offer('OFFER_STATUS_OFFERED', 2000)] };
  assert.deepEqual(assistanceCoverage(diesel), { accepted: 4000, quantity: 5000, stillNeeded: 1000, covered: false });
  diesel.offers[2] = offer('OFFER_STATUS_ACCEPTED', 2000, 1000);
  assert.deepEqual(assistanceCoverage(diesel), { accepted: 5000, quantity: 5000, stillNeeded: 0, covered: true });
  // Stored before accepted quantities: the JSON leaves accepted_quantity out.
  const old = { quantity: 4, offers: [{ organization_id: 'a', status: 'OFFER_STATUS_ACCEPTED', quantity: 2 }] };
  assert.equal(assistanceCoverage(old).covered, true);
  assert.deepEqual(assistanceCoverage({ quantity: 3 }), { accepted: 0, quantity: 3, stillNeeded: 3, covered: false });
});

test('the continuity timeline from the feed follows the server: time order, past run-outs kept, late deliveries', async () => {
  const { continuityTimeline } = await import('../static/js/continuity.js');
  const hour = 3600 * 1000;
  const now = Date.parse('2026-12-02T12:00:00Z');
  const iso = (ms) => new Date(ms).toISOString();
  const status = (organization_id, report) => ({ kind: 'ENTITY_KIND_STATUS_REPORT', status_report: {
    organization_id, commit_time: iso(now - 2 * hour), next_report_due: iso(now + 22 * hour), ...report } });
  const records = [
    status('zh-noord', {
      supplies: [{ type: 'SUPPLY_TYPE_FUEL', stock: 5000, consumption_per_day: 2500, unit: 'liter',
        reported_at: iso(now - 2 * hour), runs_out_at: iso(now + 46 * hour),
        resupply: { expected_at: iso(now + 48 * hour), quantity: 5000, supplier: 'Kop' } }],
      emergency_department: { state: 'EMERGENCY_DEPARTMENT_STATE_DIVERSION', until: iso(now + 2 * hour), reason: 'IC vol' },
    }),
    status('vvt-duin', { supplies: [{ type: 'SUPPLY_TYPE_GENERATOR', autonomy_hours: 1,
      reported_at: iso(now - 2 * hour), runs_out_at: iso(now - hour) }] }),
    status('vvt-polder', { intake_stop: { state: 'INTAKE_STOP_STATE_ACTIVE', until: iso(now - hour) } }),  // passed
    { kind: 'ENTITY_KIND_ORGANIZATION', organization: { id: 'zh-noord' } },
  ];
  const { points, truncated } = continuityTimeline(records, now);
  assert.deepEqual(points.map((p) => `${(p.at - now) / hour}h ${p.organization_id} ${p.kind}`), [
    '-1h vvt-duin SUPPLY_RUNS_OUT',
    '2h zh-noord EMERGENCY_DEPARTMENT_UNTIL',
    '22h zh-noord SUPPLY_UNDER_A_DAY',
    '46h zh-noord SUPPLY_RUNS_OUT',
    '48h zh-noord RESUPPLY',
  ]);
  assert.equal(truncated, false);
  assert.equal(points[4].too_late, true);
  assert.equal(points[4].detail, '5000 liter — Kop');
  assert.equal(continuityTimeline(records, now, 12 * hour).points.length, 2);
  assert.equal(continuityTimeline(records, now, undefined, 1).truncated, true);
});

// The pages' "now" is the server's (server_clock.js): a browser whose clock is 12 hours behind the server still reads
// a report of five minutes ago as five minutes ago, not as "over 11 u".
test('ages are measured against the server time the feed and the reads carry', async () => {
  // format.js reads the language from the page's address and storage: give node a Dutch page.
  globalThis.location ??= { search: '' };
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const { observeServerTime, serverNow, serverOffsetMs } = await import('../static/js/server_clock.js');
  const { relative } = await import('../static/js/format.js');
  const server = Date.parse('2026-12-02T12:00:00Z');
  const local = server - 12 * 3600 * 1000;
  assert.equal(serverNow(local), local, 'before any server time: the browser clock');
  observeServerTime(undefined, local);  // An older server: no server_time.
  assert.equal(serverOffsetMs(), 0);
  observeServerTime('2026-12-02T12:00:00Z', local);
  assert.equal(serverOffsetMs(), 12 * 3600 * 1000);
  assert.equal(serverNow(local + 1000), server + 1000);
  const fiveMinutesAgo = new Date(server - 5 * 60 * 1000).toISOString();
  assert.equal(relative(fiveMinutesAgo, local), 'over 11 u', 'what the browser clock would say');
  assert.equal(relative(fiveMinutesAgo, serverNow(local)), '5 min geleden');
  assert.equal(relative(new Date(server + 2 * 3600 * 1000).toISOString(), serverNow(local)), 'over 2 u');
  // A time before now is an age, one after it lies ahead: never both.
  for (const shiftMs of [-30 * 3600 * 1000, -61 * 1000, 61 * 1000, 30 * 3600 * 1000]) {
    const text = relative(new Date(server + shiftMs).toISOString(), server);
    assert.notEqual(text.startsWith('over '), text.endsWith(' geleden'), text);
  }
  observeServerTime('not a time', local);
  assert.equal(serverOffsetMs(), 12 * 3600 * 1000, 'an unparsable time leaves the offset');
});

// The pages' texts are in one dictionary per language (i18n.js): every id in both, and every id the pages use
// (data-i18n in the HTML, t('...') in the scripts) in the dictionary.
test('every message id of the pages has a Dutch and an English text', async () => {
  globalThis.location ??= { search: '' };
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const { messageIds } = await import('../static/js/i18n.js');
  const nl = new Set(messageIds('nl'));
  const en = new Set(messageIds('en'));
  assert.ok(nl.size > 100);
  assert.deepEqual([...nl].filter((id) => !en.has(id)), [], 'Dutch ids without English');
  assert.deepEqual([...en].filter((id) => !nl.has(id)), [], 'English ids without Dutch');
  const used = new Set();
  const staticDir = join(scriptsDir, '..');
  for (const page of ['index.html', 'form.html']) {
    for (const match of readFileSync(join(staticDir, page), 'utf8').matchAll(/data-i18n="([^"]+)"/g)) used.add(match[1]);
  }
  for (const file of readdirSync(scriptsDir).filter((f) => f.endsWith('.js'))) {
    for (const match of readFileSync(join(scriptsDir, file), 'utf8').matchAll(/\bt\('([a-z_.]+)'/g)) used.add(match[1]);
  }
  assert.deepEqual([...used].filter((id) => !nl.has(id)), [], 'ids the pages use that the dictionary lacks');
});

test('the map places sites by their coordinates, colours them like the status badges and draws what an area can draw', async () => {
  const { areaShapes, sitePosition, statusClass } = await import('../static/js/map.js');
  assert.equal(statusClass('OVERALL_STATUS_STRAINED'), 'strained');
  assert.equal(statusClass('OVERALL_STATUS_CLOSED'), 'closed');
  assert.equal(statusClass(undefined), 'unspecified', 'no report yet');
  assert.equal(statusClass('OVERALL_STATUS_FROM_A_NEWER_SERVER'), 'unspecified');
  assert.deepEqual(sitePosition({ coordinates: { latitude: 52.93, longitude: 4.76 } }), [52.93, 4.76]);
  assert.equal(sitePosition({ name: 'no coordinates' }), null);
  assert.equal(sitePosition({ coordinates: {} }), null, 'the JSON mapping leaves out 0,0: no position');
  assert.deepEqual(sitePosition({ coordinates: { latitude: 52.1 } }), [52.1, 0]);
  const shapes = areaShapes({
    center: { latitude: 52.9, longitude: 4.8 }, radius_km: 2.5, postcodes: ['1741'], municipality_codes: ['GM0400'],
    polygons: [{ points: [{ latitude: 52.9, longitude: 4.7 }, { latitude: 52.9, longitude: 4.9 }, { latitude: 53, longitude: 4.8 }] },
      { points: [{ latitude: 1, longitude: 1 }] }],
  });
  assert.deepEqual(shapes.polygons, [[[52.9, 4.7], [52.9, 4.9], [53, 4.8]]], 'a ring of fewer than 3 points is not drawn');
  assert.deepEqual(shapes.circle, { centre: [52.9, 4.8], radius: 2500 });
  assert.deepEqual([shapes.postcodes, shapes.municipalityCodes], [['1741'], ['GM0400']]);
  assert.equal(areaShapes({ center: { latitude: 52.9, longitude: 4.8 } }).circle, null, 'a centre without radius is no circle');
  assert.deepEqual(areaShapes(undefined), { polygons: [], circle: null, postcodes: [], municipalityCodes: [] });
});
