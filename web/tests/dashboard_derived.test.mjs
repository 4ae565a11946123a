// Browser tests of what the pages derive and fetch: how many calls a burst of changes costs, escaping of text from
// the API, "not reported" in the capacity totals, and the form's lists against the .proto files. One server and one
// browser for the file; each test seeds its own organisations, all in the server's safety region (VR10): a region's
// server refuses another region's organisations.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seedOrganizations, serverAndBrowserForFile } from './harness.mjs';

const protoDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto', 'ketenbeeld', 'v1');

const room = serverAndBrowserForFile('ketenbeeld-browser-derived-');
const { openPage } = room;

// Counts the page's API calls by method ("ReportService/GetGapReport" -> n) from now on.
function countCalls(page) {
  const counts = new Map();
  page.on('request', (request) => {
    const match = request.url().match(/\/api\/ketenbeeld\.v1\.(\w+\/\w+)$/);
    if (match && request.method() === 'POST') counts.set(match[1], (counts.get(match[1]) || 0) + 1);
  });
  return counts;
}

// The gap reports of `scenarios` as the server computes them and as the page derives them, in one shape (the JSON
// leaves zeros out and writes int64 as strings).
async function gapReports(page, scenarios) {
  return page.evaluate(async (ids) => {
    const { gapReport } = await import('/js/derive.js');
    const normal = (report) => ({
      capacity: (report.capacity || []).map((g) => Object.fromEntries(['bed_type', 'sector', 'required', 'available',
        'surge_24h', 'shortfall', 'shortfall_after_surge', 'organizations_reported', 'organizations_not_reported',
        'organizations_stale', 'stale_available']
        .map((k) => [k, k === 'bed_type' ? g[k] : k === 'sector' ? g[k] || 'SECTOR_UNSPECIFIED' : Number(g[k] || 0)]))),
      supplies: (report.supplies || []).map((g) => ({ type: g.type, min_days_of_supply: Number(g.min_days_of_supply || 0),
        short_organization_ids: g.short_organization_ids || [], organizations_reported: Number(g.organizations_reported || 0),
        organizations_not_reported: Number(g.organizations_not_reported || 0) })),
    });
    const result = [];
    for (const id of ids) {
      const response = await fetch('/api/ketenbeeld.v1.ReportService/GetGapReport', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ scenario_id: id }),
      });
      const scenario = window.ketenbeeld.feed.records.get(`scenarios/${id}`).scenario;
      result.push({ id, server: normal(await response.json()),
        page: normal(gapReport(scenario, window.ketenbeeld.feed.records.values()).report) });
    }
    return result;
  }, scenarios);
}

test('a burst of 100 status reports costs no calls at all, and the screen ends at the last one', async () => {
  const orgs = ['a', 'b', 'c', 'd', 'e'].map((x) => ({
    id: `burst-${x}`, name: `Burst ${x}`, kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10',
    sector: x === 'e' ? 'SECTOR_LONG_TERM_CARE' : 'SECTOR_ACUTE_CARE',
  }));
  await seedOrganizations(room.server, [...orgs,
    { id: 'quiet-a', name: 'Quiet', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' }]);
  for (let i = 1; i <= 5; i += 1) {
    await room.server.call('ketenbeeld.v1.AlertService/SendAlert', {
      alert: { id: `burst-alert-${i}`, headline: `Alert ${i}`, urgency: 'URGENCY_EXPECTED',
        severity: 'ALERT_SEVERITY_MODERATE', certainty: 'CERTAINTY_LIKELY', audience: { safety_regions: ['VR10'] } },
    });
  }
  const scenario = (id, region, extra = {}) => ({
    scenario: { id, name: id, safety_region: region, capacity: [{ bed_type: 'BED_TYPE_IC_ADULT', quantity: 40 }], ...extra },
  });
  await room.server.call('ketenbeeld.v1.ReportService/PutScenario', scenario('burst-s1', 'VR10', {
    // 9.5, 9.6 and 9.7 days when reported are short: the server counts from now, and time has passed since.
    supplies: [{ type: 'SUPPLY_TYPE_OXYGEN', min_days_of_supply: 9.7 }] }));
  await room.server.call('ketenbeeld.v1.ReportService/PutScenario', scenario('burst-s2', 'VR10', {
    capacity: [{ bed_type: 'BED_TYPE_IC_ADULT', quantity: 300, sector: 'SECTOR_ACUTE_CARE' },
      { bed_type: 'BED_TYPE_GENERAL_WARD', quantity: 10 }] }));
  await room.server.call('ketenbeeld.v1.ReportService/PutScenario', scenario('quiet-s3', 'VR10'));

  const page = await openPage('/');
  await page.waitForFunction(() => document.querySelectorAll('[data-scenario] table.gaps').length === 3
    && document.querySelectorAll('[data-alert^="burst-alert-"] .ack-count').length === 5);
  const calls = countCalls(page);

  const started = Date.now();
  let last = null;
  for (let i = 0; i < 100; i += 1) {
    const org = orgs[i % orgs.length];
    last = await room.server.call('ketenbeeld.v1.PictureService/ReportStatus', {
      report: { organization_id: org.id, overall_status: 'OVERALL_STATUS_STRAINED',
        capacity: [{ type: 'BED_TYPE_IC_ADULT', available: i, surge_24h: i % 3 }],
        supplies: [{ type: 'SUPPLY_TYPE_OXYGEN', stock: i, consumption_per_day: 10 }] },
    });
  }
  const burstMs = Date.now() - started;
  const lastRevision = Number(last.revision);
  await page.waitForFunction((revision) => Number(window.ketenbeeld.feed.revision) >= revision
    && ['burst-s1', 'burst-s2', 'quiet-s3'].every((id) => Number(document.querySelector(`[data-scenario="${id}"]`).dataset.revision) >= revision)
    && Number(document.querySelector('table.capacity').dataset.revision) >= revision,
  lastRevision, { timeout: 15000 });

  const total = [...calls.values()].reduce((a, b) => a + b, 0);
  console.log(`burst of 100 reports in ${burstMs} ms (5 alerts, 3 scenarios): ${total} calls ${JSON.stringify(Object.fromEntries(calls))}`);
  // Acknowledgements, capacity totals and gap reports all come from the feed: the burst costs the gateway nothing
  // but the feed.
  assert.deepEqual(Object.fromEntries(calls), {});
  // Nor is an indicator overview waiting for its turn: a region without questions has nothing for reports to change.
  assert.deepEqual(await page.evaluate(() => window.ketenbeeld.refreshes()),
    { overview: 0, gaps: {}, indicatorsPending: false });
  // A region's own server has no source regions: nothing asks for their freshness, and no panel or filter shows.
  assert.equal(await page.evaluate(() => window.ketenbeeld.sourceRefreshes()), 0);
  assert.equal(await page.locator('#sources-panel').isHidden(), true);
  assert.equal(await page.locator('#region-choice').isHidden(), true);

  // The last report is what the screen shows: the sum of each organisation's last figure (95..99), in the capacity
  // panel and in the gap report. (Only VR10 has IC beds in this picture, so the type's total is VR10's.)
  const expected = 95 + 96 + 97 + 98 + 99;
  const available = await page.locator('tr.cap-total[data-bed-type="BED_TYPE_IC_ADULT"] [data-figure="available"]').innerText();
  assert.match(available, new RegExp(`^${expected}\\b`));
  assert.equal(await page.locator('[data-scenario="burst-s1"] tr[data-gap="BED_TYPE_IC_ADULT"] td.num >> nth=1').innerText(),
    String(expected));
  // The derived gap reports are the server's, field for field (sectors, surge, supplies short, not reported).
  for (const { id, server: fromServer, page: fromPage } of await gapReports(page, ['burst-s1', 'burst-s2', 'quiet-s3'])) {
    assert.deepEqual(fromPage, fromServer, id);
  }
  // And so is the acknowledgement state.
  const compare = await page.evaluate(async () => {
    const { acknowledgementState } = await import('/js/derive.js');
    const records = [...window.ketenbeeld.feed.records.values()];
    const alert = window.ketenbeeld.feed.records.get('alerts/burst-alert-1').alert;
    const derived = acknowledgementState(alert, records);
    const response = await fetch('/api/ketenbeeld.v1.AlertService/GetAlertAcknowledgements', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ alert_id: alert.id }),
    });
    return { derived, server: await response.json() };
  });
  assert.deepEqual(compare.derived.unacknowledged_organization_ids, compare.server.unacknowledged_organization_ids);
  assert.equal(compare.derived.audience_size, compare.server.audience_size);

  // Bed reservations: derive.js ports the server's rule (server/queries/beds.h) of which reservations hold a bed, so
  // the page must subtract exactly what the server does: a held one and a confirmed one (until the figures are
  // reported again) hold a bed, a released one does not.
  const reserve = (organization) => room.server.call('ketenbeeld.v1.AssistanceService/ReserveBed',
    { organization_id: organization, bed_type: 'BED_TYPE_IC_ADULT', patient_reference: 'derived-test' });
  await reserve('burst-a');
  const confirmed = await reserve('burst-b');
  await room.server.call('ketenbeeld.v1.AssistanceService/ConfirmReservation',
    { reservation_id: confirmed.record.bed_reservation.id });
  const released = await reserve('burst-c');
  const end = await room.server.call('ketenbeeld.v1.AssistanceService/ReleaseReservation',
    { reservation_id: released.record.bed_reservation.id, reason: 'derived-test' });
  await page.waitForFunction((revision) => Number(window.ketenbeeld.feed.revision) >= revision, Number(end.revision),
    { timeout: 15000 });
  const withReservations = await gapReports(page, ['burst-s1', 'burst-s2', 'quiet-s3']);
  const icBeds = withReservations[0].server.capacity.find((gap) => gap.bed_type === 'BED_TYPE_IC_ADULT');
  assert.equal(icBeds.available, expected - 2, 'the server subtracts the held and the confirmed reservation');
  for (const { id, server: fromServer, page: fromPage } of withReservations) {
    assert.deepEqual(fromPage, fromServer, `${id}, with reservations`);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('names and texts from the API are shown as text, never as markup', async () => {
  const attack = (n) => `<img src=x onerror="window.injected=${n}"><script>window.injected=${n}</script>`;
  const name = `${attack(1)} Zorg & "Co"`;
  await seedOrganizations(room.server, [{ id: 'xss-org', name, kind: 'ORGANIZATION_KIND_NURSING_HOME', safety_region: 'VR10' }]);
  await room.server.call('ketenbeeld.v1.PictureService/ReportStatus', {
    report: { organization_id: 'xss-org', overall_status: 'OVERALL_STATUS_CRITICAL', free_text: attack(2),
      staffing: { level: 'STAFFING_LEVEL_INSUFFICIENT', description: `"><img src=x onerror="window.injected=3">` } },
  });
  await room.server.call('ketenbeeld.v1.AlertService/SendAlert', {
    alert: { id: 'xss-alert', headline: attack(4), instruction: attack(5), urgency: 'URGENCY_IMMEDIATE',
      severity: 'ALERT_SEVERITY_SEVERE', certainty: 'CERTAINTY_OBSERVED', audience: { organization_ids: ['xss-org'] } },
  });
  await seedOrganizations(room.server, [{ id: 'xss-helper', name: 'Helper', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' }]);
  await room.server.call('ketenbeeld.v1.AssistanceService/RequestAssistance', {
    request: { id: 'xss-request', organization_id: 'xss-helper', type: 'ASSISTANCE_TYPE_OTHER', quantity: 1,
      description: attack(6) },
  });

  const injected = () => ({
    images: document.querySelectorAll('img:not(.logo)').length,
    scripts: document.querySelectorAll('body script').length,
    flag: window.injected ?? null,
  });
  const dashboard = await openPage('/');
  await dashboard.waitForSelector('[data-alert="xss-alert"] h4');
  await dashboard.waitForSelector('tr.org-row[data-org="xss-org"] .free-text');
  assert.equal(await dashboard.locator('tr.org-row[data-org="xss-org"] .org-name').innerText(), name);
  assert.equal(await dashboard.locator('tr.org-row[data-org="xss-org"] .free-text').innerText(), `“${attack(2)}”`);
  assert.equal(await dashboard.locator('[data-alert="xss-alert"] h4').innerText(), attack(4));
  assert.equal(await dashboard.locator('[data-alert="xss-alert"] .instruction').innerText(), attack(5));
  assert.equal(await dashboard.locator('[data-alert="xss-alert"] [data-unacknowledged="xss-org"]').innerText(), name);
  assert.equal(await dashboard.locator('[data-request="xss-request"] .instruction').innerText(), attack(6));
  assert.match(await dashboard.locator('tr.org-row[data-org="xss-org"] .c-staff span').getAttribute('title'), /^"><img/);
  assert.deepEqual(await dashboard.evaluate(injected), { images: 0, scripts: 0, flag: null });

  const form = await openPage('/form.html?org=xss-org');
  await form.waitForSelector('#alerts [data-alert="xss-alert"] h4');
  assert.equal(await form.locator('#org option[value="xss-org"]').innerText(), `${name} (VVT (verpleeg- en verzorgingshuis))`);
  assert.equal(await form.locator('#alerts [data-alert="xss-alert"] h4').innerText(), attack(4));
  assert.equal(await form.locator('#free-text').inputValue(), attack(2));
  assert.equal(await form.locator('#requests [data-request="xss-request"] p').innerText(), attack(6));
  assert.deepEqual(await form.evaluate(injected), { images: 0, scripts: 0, flag: null });
  assert.deepEqual([...dashboard.errors, ...form.errors], []);
  await dashboard.close();
  await form.close();
});

test('the capacity panel shows a figure nobody reported as "—", and how many reported each figure', async () => {
  await seedOrganizations(room.server, ['a', 'b', 'c'].map((x) => ({
    id: `cap-${x}`, name: `Cap ${x}`, kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10',
  })));
  // Burns beds only in this test: two organisations report them, neither gives baseline or +24 h; the third
  // reports other figures only.
  await room.server.call('ketenbeeld.v1.PictureService/ReportStatus', { report: { organization_id: 'cap-a',
    overall_status: 'OVERALL_STATUS_NORMAL', capacity: [{ type: 'BED_TYPE_BURNS', available: 2 }] } });
  await room.server.call('ketenbeeld.v1.PictureService/ReportStatus', { report: { organization_id: 'cap-b',
    overall_status: 'OVERALL_STATUS_NORMAL', capacity: [{ type: 'BED_TYPE_BURNS', available: 0, occupied: 5 }] } });
  await room.server.call('ketenbeeld.v1.PictureService/ReportStatus', { report: { organization_id: 'cap-c',
    overall_status: 'OVERALL_STATUS_NORMAL', capacity: [{ type: 'BED_TYPE_GENERAL_WARD', baseline: 0 }] } });
  const page = await openPage('/');
  const row = page.locator('tr.cap-total[data-bed-type="BED_TYPE_BURNS"]');
  await row.waitFor();
  const cell = async (figure) => {
    const td = row.locator(`[data-figure="${figure}"]`);
    return { text: (await td.innerText()).replace(/\s+/g, ' ').trim(), reported: await td.getAttribute('data-reported') };
  };
  assert.deepEqual(await cell('available'), { text: '2 2/2', reported: '2' });
  assert.deepEqual(await cell('occupied'), { text: '5 1/2', reported: '1' });
  assert.deepEqual(await cell('baseline'), { text: '— 0/2', reported: '0' });
  assert.deepEqual(await cell('surge_24h'), { text: '— 0/2', reported: '0' });
  assert.equal(await row.locator('[data-figure="organizations_reported"]').innerText(), '2');
  // A reported 0 is 0, not "—".
  const ward = page.locator('tr.cap-total[data-bed-type="BED_TYPE_GENERAL_WARD"]');
  assert.match(await ward.locator('[data-figure="baseline"]').innerText(), /^0\b/);
  assert.match(await ward.locator('[data-figure="available"]').innerText(), /^—/);

  // The totals computed in the page are the server's, line for line, wherever a sum exists or does not.
  const { derived, server: overview } = await page.evaluate(async () => {
    const { capacityTotals } = await import('/js/derive.js');
    const response = await fetch('/api/ketenbeeld.v1.ReportService/GetCapacityOverview', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    });
    return { derived: capacityTotals(window.ketenbeeld.feed.records.values()).totals, server: await response.json() };
  });
  assert.equal(derived.length, overview.totals.length);
  for (const line of overview.totals) {
    const mine = derived.find((d) => d.safety_region === line.safety_region && d.bed_type === line.bed_type
      && d.sector === (line.sector || 'SECTOR_UNSPECIFIED'));
    assert.ok(mine, JSON.stringify(line));
    assert.equal(mine.organizations_reported, line.organizations_reported);
    for (const figure of ['available', 'occupied', 'baseline', 'surge_24h', 'surge_72h']) {
      assert.equal(mine.figures[figure].sum, line[figure] === undefined ? undefined : Number(line[figure]),
        `${line.bed_type} ${line.safety_region} ${figure}`);
    }
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

// Every enum of the public .proto files with its values in order, read from the source.
function enumsInProtoFiles() {
  const enums = {};
  for (const file of readdirSync(protoDir).filter((f) => f.endsWith('.proto') && f !== 'config.proto')) {
    const text = readFileSync(join(protoDir, file), 'utf8').replace(/\/\/.*$/gm, '');  // Comments may hold braces.
    for (const [, name, body] of text.matchAll(/^enum (\w+) \{([^}]*)\}/gm)) {
      enums[name] = [...body.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*=\s*\d+/gm)].map((m) => m[1]);
    }
  }
  return enums;
}

test('the form offers every value of every enum it edits, as the .proto files declare them', async () => {
  const fromProto = enumsInProtoFiles();
  assert.ok(fromProto.BedType?.length > 10, 'the .proto files were read');
  const response = await fetch(`${room.server.url}/api/enums`);
  assert.equal(response.status, 200);
  const { enums } = await response.json();
  // The server's list is the .proto files' (it reads them from the descriptors compiled into it).
  assert.deepEqual(enums, fromProto);

  await seedOrganizations(room.server, [{ id: 'enum-org', name: 'Enum', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' }]);
  const form = await openPage('/form.html?org=enum-org');
  await form.waitForSelector('#report:not([hidden])');
  await form.locator('#add-supply').selectOption({ index: 1 });
  const offered = await form.evaluate(() => {
    const values = (selector) => [...document.querySelectorAll(selector)].map((e) => e.value || e.dataset.type).filter(Boolean);
    const firstRow = document.querySelector('.disruption-row');
    return {
      OverallStatus: values('input[name="overall"]'),
      DisruptionType: values('.disruption-row'),
      Severity: values(`input[name="sev-${firstRow.dataset.type}"]`),
      // The first supply was added as a row: it is there, not in the list to add.
      BedType: values('#add-capacity option'),
      SupplyType: [...values('#supplies tr'), ...values('#add-supply option')],
      SupplyState: values('#supplies select[data-name="state"] option'),
      StaffingLevel: values('#staffing-level option'),
      EmergencyDepartmentState: values('#ed-state option'),
      IntakeStopState: values('#intake-state option'),
      GpPostState: values('#gp-state option'),
    };
  });
  // Every value the pages show has a label in i18n.js (else it would show as its API name).
  const shown = [...Object.keys(offered), 'ChainFigure', 'OrganizationKind', 'Sector', 'IncidentStatus', 'SituationLayer', 'Urgency',
    'AlertSeverity', 'Certainty', 'AssistanceType', 'AssistanceStatus', 'OfferStatus', 'QuantityUnit', 'FuelType',
    'StaffDiscipline', 'AssistancePriority'];
  const unlabelled = await form.evaluate(async (values) => {
    const { hasLabel } = await import('/js/i18n.js');
    return values.filter((v) => !v.endsWith('_UNSPECIFIED') && !hasLabel(v));
  }, shown.flatMap((name) => enums[name]));
  for (const [name, values] of Object.entries(offered)) {
    const expected = fromProto[name].filter((v) => !v.endsWith('_UNSPECIFIED'));
    assert.deepEqual([...values].sort(), [...expected].sort(), `${name}: the form's choices are the .proto's`);
  }
  assert.deepEqual(unlabelled, []);
  assert.deepEqual(form.errors, []);
  await form.close();
});

test('a change arriving while an offer is sent does not lose the answer at its field', async () => {
  await seedOrganizations(room.server, [
    { id: 'race-asker', name: 'Asker', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' },
    { id: 'race-helper', name: 'Helper', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' },
    { id: 'race-other', name: 'Other', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' },
  ]);
  await room.server.call('ketenbeeld.v1.AssistanceService/RequestAssistance', {
    request: { id: 'race-request', organization_id: 'race-asker', type: 'ASSISTANCE_TYPE_STAFF',
      staff_discipline: 'STAFF_DISCIPLINE_NURSE', quantity: 3 },
  });
  const form = await openPage('/form.html?org=race-helper');
  await form.waitForSelector('[data-request="race-request"] [data-offer]');
  // Hold the offer's answer until another organisation's offer has reached this page through the feed, so the page
  // wants to redraw the request while the answer is awaited.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await form.route('**/api/ketenbeeld.v1.AssistanceService/OfferAssistance', async (route) => {
    await held;
    await route.continue();
  });
  await form.locator('[data-request="race-request"] [data-name="quantity"]').fill('0');
  await form.locator('[data-offer="race-request"]').click();
  await room.server.call('ketenbeeld.v1.AssistanceService/OfferAssistance', {
    request_id: 'race-request', offer: { organization_id: 'race-other', quantity: 1 },
  });
  await form.waitForFunction(() => window.ketenbeeld.feed.records.get('assistance-requests/race-request')
    .assistance_request.offers?.length === 1);
  // The page wanted to redraw the request (the new offer) and held back while the answer is awaited.
  await form.waitForFunction(() => window.ketenbeeld.side().stale && window.ketenbeeld.side().acting === 1);
  release();
  const error = form.locator('[data-request="race-request"] .field-error[data-field="offer.quantity"]');
  await error.waitFor();
  assert.equal(await error.evaluate((e) => document.body.contains(e)), true);
  assert.deepEqual(form.errors, []);
  await form.close();
});
