// Browser tests: the crisis-room dashboard and the coordinator's form in Debian's chromium against the real server.
// One server and one browser for the whole file; the tests run in order and build on each other's picture.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, seedOrganizations, serverAndBrowserForFile } from './harness.mjs';

const ORGANIZATIONS = [
  { id: 'zh-noord', name: 'Ziekenhuis Noord', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' },
  {
    id: 'vvt-duinrand', name: 'Zorgcentrum Duinrand', kind: 'ORGANIZATION_KIND_NURSING_HOME', safety_region: 'VR10',
    locations: [{ id: 'de-helling', name: 'Locatie De Helling' }],
  },
  { id: 'ggz-kust', name: 'GGZ Kust', kind: 'ORGANIZATION_KIND_MENTAL_HEALTH', safety_region: 'VR10' },
];

const room = serverAndBrowserForFile('ketenbeeld-browser-', {
  seed: (server) => seedOrganizations(server, ORGANIZATIONS),
});
const { openPage } = room;

// Resolves with Date.now() in the page when `predicate` first holds (checked at every DOM change).
function whenInPage(page, predicate, argument) {
  return page.evaluate(([source, arg]) => new Promise((resolve) => {
    const check = new Function('arg', `return (${source})(arg);`);  // eslint-disable-line no-new-func
    if (check(arg)) { resolve(Date.now()); return; }
    const observer = new MutationObserver(() => {
      if (check(arg)) {
        observer.disconnect();
        resolve(Date.now());
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  }), [predicate.toString(), argument]);
}

test('the dashboard shows a report written by the CLI within a second', async () => {
  const page = await openPage('/');
  await page.waitForSelector('tr.org-row[data-org="zh-noord"]');
  const shown = whenInPage(page, (id) => Boolean(document.querySelector(
    `tr.org-row[data-org="${id}"] .status-critical`)), 'zh-noord');
  const result = await cli(room.server, ['status', 'report', '--org', 'zh-noord', '--overall', 'critical',
    '--disruption', 'staff-shortage=critical:ziekteverzuim', '--capacity', 'ic-adult:available=0,baseline=12',
    '--ed', 'diversion:IC vol']);
  assert.equal(result.code, 0, result.stderr);
  const shownAt = await shown;
  // The latency that matters: from the server's commit time to the screen.
  const commitTime = await page.evaluate(() =>
    window.ketenbeeld.feed.records.get('organizations/zh-noord/status').status_report.commit_time);
  const latencyMs = shownAt - new Date(commitTime).getTime();
  console.log(`commit -> dashboard: ${latencyMs} ms`);
  assert.ok(latencyMs < 1000, `shown ${latencyMs} ms after the commit`);
  const row = page.locator('tr.org-row[data-org="zh-noord"]');
  assert.equal(await row.locator('[data-disruption="DISRUPTION_TYPE_STAFF_SHORTAGE"]').getAttribute('data-severity'),
    'SEVERITY_CRITICAL');
  assert.match(await row.locator('.c-status .ed').innerText(), /SEH: Omleiding/);
  assert.match(await row.locator('[data-bed-type="BED_TYPE_IC_ADULT"]').innerText(), /0\s*\/12/);
  // The revision shown is the one committed.
  const revision = await page.evaluate(() => window.ketenbeeld.feed.revision);
  assert.equal(await page.locator('#revision').innerText(), String(revision));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the continuity panel shows when a generator runs out and whether the diesel delivery comes in time', async () => {
  const page = await openPage('/');
  await page.waitForSelector('#continuity');
  const point = '#continuity li[data-kind="SUPPLY_RUNS_OUT"][data-org="vvt-duinrand"]';
  const shown = whenInPage(page, (selector) => Boolean(document.querySelector(selector)), point);
  const delivery = new Date(Date.now() + 8 * 3600 * 1000).toISOString();
  const result = await cli(room.server, ['status', 'report', '--org', 'vvt-duinrand', '--overall', 'strained',
    '--supply', `generator:hours=5,unit=liter,resupply-at=${delivery},resupply-quantity=2000,supplier=Kop`]);
  assert.equal(result.code, 0, result.stderr);
  await shown;
  // Five hours left: within six, so orange; the delivery in eight hours comes after it runs out.
  assert.match(await page.locator(point).getAttribute('class'), /warn/);
  assert.match(await page.locator(point).innerText(), /aggregaat/i);
  const late = page.locator('#continuity li[data-kind="RESUPPLY"][data-org="vvt-duinrand"]');
  assert.match(await late.innerText(), /te laat/);

  // The coordinator's form shows when the generator runs out, has the delivery, and enters a coming staff shortage.
  const form = await openPage('/form.html?org=vvt-duinrand');
  await form.waitForSelector('#supplies tr[data-type="SUPPLY_TYPE_GENERATOR"] [data-runs-out]');
  assert.equal(await form.locator('#supplies tr[data-type="SUPPLY_TYPE_GENERATOR"] [data-name="supplier"]').inputValue(), 'Kop');
  const shortage = whenInPage(page, () => Boolean(document.querySelector(
    '#continuity li[data-kind="STAFF_SHORTAGE"][data-org="vvt-duinrand"]')));
  const from = new Date(Date.now() + 3 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  await form.locator('#staffing-level').selectOption('STAFFING_LEVEL_INSUFFICIENT');
  await form.locator('#staffing-from').fill(
    `${from.getFullYear()}-${pad(from.getMonth() + 1)}-${pad(from.getDate())}T${pad(from.getHours())}:${pad(from.getMinutes())}`);
  await form.locator('#submit').click();
  await form.waitForSelector('#result.ok');
  await shortage;
  const stored = await page.evaluate(() => window.ketenbeeld.feed.records.get('organizations/vvt-duinrand/status').status_report);
  assert.equal(stored.supplies.find((x) => x.type === 'SUPPLY_TYPE_GENERATOR').resupply.supplier, 'Kop',
    'the delivery the form did not change stays');
  assert.deepEqual([...page.errors, ...form.errors], []);
  await form.close();
  await page.close();
});

test('a form submission appears on a second open page', async () => {
  const dashboard = await openPage('/');
  const form = await openPage('/form.html?org=zh-noord');
  // Pre-filled with the last report (the CLI's): critical, IC 0/12.
  await form.waitForSelector('input[name="overall"][value="OVERALL_STATUS_CRITICAL"]:checked', { state: 'attached' });
  assert.equal(await form.locator('#capacity tr[data-type="BED_TYPE_IC_ADULT"] [data-name="available"]').inputValue(), '0');
  const shown = whenInPage(dashboard, () => Boolean(document.querySelector(
    'tr.org-row[data-org="zh-noord"] .status-strained')));
  // The quick update: two clicks.
  await form.locator('span.o-strained').click();
  await form.locator('#submit').click();
  await form.waitForSelector('#result.ok');
  const shownAt = await shown;
  const commitTime = await dashboard.evaluate(() =>
    window.ketenbeeld.feed.records.get('organizations/zh-noord/status').status_report.commit_time);
  console.log(`form -> other page: ${shownAt - new Date(commitTime).getTime()} ms after the commit`);
  // Everything else of the report was kept.
  const report = await dashboard.evaluate(() =>
    window.ketenbeeld.feed.records.get('organizations/zh-noord/status').status_report);
  assert.equal(report.overall_status, 'OVERALL_STATUS_STRAINED');
  assert.equal(report.capacity[0].available, 0);
  assert.equal(report.emergency_department.state, 'EMERGENCY_DEPARTMENT_STATE_DIVERSION');
  assert.match(report.commit_time, /^\d{4}-/);
  assert.deepEqual([...dashboard.errors, ...form.errors], []);
  await dashboard.close();
  await form.close();
});

test('a validation error from the server is shown at its field', async () => {
  const form = await openPage('/form.html?org=vvt-duinrand');
  await form.locator('span.o-normal').click();
  await form.locator('#add-capacity').selectOption('BED_TYPE_NURSING_HOME');
  await form.locator('#add-capacity').selectOption('BED_TYPE_SHORT_STAY');
  const shortStay = form.locator('#capacity tr[data-type="BED_TYPE_SHORT_STAY"] [data-name="available"]');
  await form.locator('#capacity tr[data-type="BED_TYPE_NURSING_HOME"] [data-name="available"]').fill('4');
  await shortStay.fill('200000');
  await form.locator('#submit').click();
  const error = form.locator('.field-error[data-field="report.capacity[1].available"]');
  await error.waitFor();
  assert.match(await error.innerText(), /100000/);
  assert.equal(await shortStay.getAttribute('aria-invalid'), 'true');
  // Next to the field: in the same table cell as the input.
  assert.equal(await error.evaluate((e, input) => e.closest('td') === input.closest('td'), await shortStay.elementHandle()), true);
  assert.match(await form.locator('#result').innerText(), /gemarkeerde veld/);
  // Corrected, it goes through and the marks disappear.
  await shortStay.fill('2');
  await form.locator('#submit').click();
  await form.waitForSelector('#result.ok');
  assert.equal(await form.locator('.field-error').count(), 0);
  await form.close();
});

test('an alert is acknowledged and a request answered from the form, and the dashboard shows both', async () => {
  await room.server.call('ketenbeeld.v1.AlertService/SendAlert', {
    alert: {
      id: 'hitte-1', headline: 'Hitteplan fase 2', instruction: 'Controleer koeling en vochtinname.',
      urgency: 'URGENCY_EXPECTED', severity: 'ALERT_SEVERITY_SEVERE', certainty: 'CERTAINTY_LIKELY',
      audience: { sectors: ['SECTOR_LONG_TERM_CARE'] },
    },
  });
  await room.server.call('ketenbeeld.v1.AssistanceService/RequestAssistance', {
    request: { id: 'hv-1', organization_id: 'zh-noord', type: 'ASSISTANCE_TYPE_BEDS', bed_type: 'BED_TYPE_NURSING_HOME',
      quantity: 6, description: 'Uitplaatsing ouderen na IC-druk' },
  });
  const dashboard = await openPage('/');
  await dashboard.waitForSelector('[data-alert="hitte-1"] [data-unacknowledged="vvt-duinrand"]');
  const form = await openPage('/form.html?org=vvt-duinrand');
  await form.locator('[data-alert="hitte-1"] [data-name="comment"]').fill('Koeling gecontroleerd');
  await form.locator('[data-acknowledge="hitte-1"]').click();
  await dashboard.waitForSelector('[data-alert="hitte-1"] [data-acknowledged="vvt-duinrand"]');
  await form.locator('[data-request="hv-1"] [data-name="quantity"]').fill('2');
  await form.locator('[data-offer="hv-1"]').click();
  await dashboard.waitForSelector('[data-request="hv-1"] [data-offer="vvt-duinrand"]');
  // An offer the server refuses shows its message at the quantity.
  await form.locator('[data-request="hv-1"] [data-name="quantity"]').fill('0');
  await form.locator('[data-offer="hv-1"]').click();
  await form.waitForSelector('[data-request="hv-1"] .field-error[data-field="offer.quantity"]');
  assert.deepEqual([...dashboard.errors, ...form.errors], []);
  await dashboard.close();
  await form.close();
});

test('offers are accepted until a request is covered; dashboard and form say how much is still needed', async () => {
  await room.server.call('ketenbeeld.v1.AssistanceService/RequestAssistance', {
    request: { id: 'diesel-1', organization_id: 'zh-noord', type: 'ASSISTANCE_TYPE_FUEL', fuel_type: 'FUEL_TYPE_DIESEL',
      quantity: 5000, unit: 'QUANTITY_UNIT_LITRES', priority: 'ASSISTANCE_PRIORITY_URGENT',
      delivery: { address: 'Wilhelminalaan 12, Alkmaar', instructions: 'Tank achterzijde' } },
  });
  for (const [organization, quantity] of [['vvt-duinrand', 2000], ['ggz-kust', 3000]]) {
    await room.server.call('ketenbeeld.v1.AssistanceService/OfferAssistance', {
      request_id: 'diesel-1', offer: { organization_id: organization, quantity },
    });
  }
  await room.server.call('ketenbeeld.v1.AssistanceService/AcceptOffer', { request_id: 'diesel-1', organization_id: 'vvt-duinrand' });
  const dashboard = await openPage('/');
  const card = dashboard.locator('[data-request="diesel-1"]');
  await card.locator('.coverage').waitFor();
  assert.match(await card.locator('.coverage').innerText(), /^2\.000 van 5\.000 liter geaccepteerd$/);
  assert.match(await card.locator('header').innerText(), /5\.000 liter\s*Brandstof: Diesel\s*Spoed/);
  assert.match(await card.locator('.delivery').innerText(), /Afleveren: Wilhelminalaan 12, Alkmaar \(Tank achterzijde\)/);
  // Another organisation's form still lists the request (ACCEPTED, not yet covered) with what is still needed ...
  const other = await openPage('/form.html?org=ggz-kust');
  await other.locator('[data-request="diesel-1"] .still-needed').waitFor();
  assert.equal(await other.locator('[data-request="diesel-1"] .still-needed').innerText(), 'Nog nodig: 3000 liter');
  // ... the accepted supplier's form shows its offer as accepted and cannot replace it.
  const supplier = await openPage('/form.html?org=vvt-duinrand');
  await supplier.locator('[data-request="diesel-1"] .done-note').waitFor();
  assert.match(await supplier.locator('[data-request="diesel-1"] .done-note').innerText(), /2000 geaccepteerd/);
  assert.equal(await supplier.locator('[data-offer="diesel-1"]').count(), 0);
  // The second offer covers the rest: the dashboard says so, the request leaves the forms, and no more offers.
  await room.server.call('ketenbeeld.v1.AssistanceService/AcceptOffer', { request_id: 'diesel-1', organization_id: 'ggz-kust' });
  await dashboard.waitForSelector('[data-request="diesel-1"] .coverage[data-covered="true"]');
  assert.match(await card.locator('.coverage').innerText(), /^5\.000 van 5\.000 liter geaccepteerd$/);
  await other.waitForSelector('[data-request="diesel-1"]', { state: 'detached' });
  await room.server.call('ketenbeeld.v1.AssistanceService/OfferAssistance', {
    request_id: 'diesel-1', offer: { organization_id: 'ggz-kust', quantity: 1 },
  }).then(() => assert.fail('an offer on a covered request was taken'), (error) => assert.match(String(error.message), /covered/));
  assert.deepEqual([...dashboard.errors, ...other.errors, ...supplier.errors], []);
  await dashboard.close();
  await other.close();
  await supplier.close();
});

test('after the server restarts the page reconnects and resumes without reload', async () => {
  const page = await openPage('/');
  await page.evaluate(() => { window.notReloaded = true; });
  const before = await page.evaluate(() => ({
    revision: window.ketenbeeld.feed.revision, snapshots: window.ketenbeeld.feed.snapshots,
  }));
  await room.server.stop();
  await page.waitForSelector('#conn[data-state="reconnecting"]');
  assert.match(await page.locator('#conn-text').innerText(), /Opnieuw verbinden sinds \d\d:\d\d:\d\d/);
  // The picture stays on screen while the server is away.
  assert.equal(await page.locator('tr.org-row[data-org="zh-noord"] .status-strained').count(), 1);
  await room.server.start();
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 15000 });
  const resumed = await page.evaluate(() => ({
    notReloaded: window.notReloaded, revision: window.ketenbeeld.feed.revision,
    snapshots: window.ketenbeeld.feed.snapshots,
  }));
  assert.equal(resumed.notReloaded, true);
  // Resumed after the last revision it had (Last-Event-ID), not started over with a new snapshot.
  assert.equal(resumed.snapshots, before.snapshots);
  assert.equal(resumed.revision, before.revision);
  const result = await cli(room.server, ['status', 'report', '--org', 'ggz-kust', '--overall', 'closed']);
  assert.equal(result.code, 0, result.stderr);
  await page.waitForSelector('tr.org-row[data-org="ggz-kust"] .status-closed');
  // One group, no gap: the status and, as ggz-kust is a mental-health organisation, its group's sector aggregate
  // (docs/federation-policy.md), which now counts one more organisation closed.
  assert.equal(await page.evaluate(() => window.ketenbeeld.feed.revision), before.revision + 2);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the language switch shows English labels', async () => {
  const page = await openPage('/');
  await page.locator('#lang').click();
  await page.waitForSelector('text=Organisations');
  assert.match(await page.locator('tr.org-row[data-org="zh-noord"] .c-status').innerText(), /Strained/);
  await page.locator('#lang').click();  // Back to Dutch for whoever opens the profile next.
  await page.close();
});

test('the form switches to English and back, and remembers the choice', async () => {
  const page = await openPage('/form.html');
  try {
    assert.equal(await page.locator('label[for="org"]').textContent(), 'Organisatie');  // Dutch by default.
    await page.locator('#lang').click();
    assert.equal(await page.locator('label[for="org"]').textContent(), 'Organisation');
    assert.equal(await page.locator('[data-i18n="form.section.overall"]').textContent(), 'Overall status');
    assert.equal(await page.locator('#lang').textContent(), 'Nederlands');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.reload();
    await page.waitForSelector('#conn[data-state="live"]');
    assert.equal(await page.locator('label[for="org"]').textContent(), 'Organisation', 'remembered (localStorage)');
    await page.locator('#lang').click();
    assert.equal(await page.locator('label[for="org"]').textContent(), 'Organisatie');
    assert.deepEqual(page.errors, []);
  } finally {
    // Dutch for the tests that follow, whatever happened above: they share the browser profile.
    await page.evaluate(() => localStorage.removeItem('ketenbeeld.lang'));
    await page.close();
  }
});

test('a diversion whose end time passes is marked unconfirmed, and the form asks to confirm or end it', async () => {
  const dashboard = await openPage('/');
  const row = 'tr.org-row[data-org="zh-noord"]';
  const expired = whenInPage(dashboard, (selector) => Boolean(document.querySelector(`${selector} [data-ed-expired]`)), row);
  // The server's tick (once a second) marks it once the end time has passed.
  await room.server.call('ketenbeeld.v1.PictureService/ReportStatus', {
    report: {
      organization_id: 'zh-noord', overall_status: 'OVERALL_STATUS_STRAINED',
      emergency_department: {
        state: 'EMERGENCY_DEPARTMENT_STATE_DIVERSION', reason: 'Stroomstoring',
        until: new Date(Date.now() + 1500).toISOString(),
      },
    },
  });
  await expired;
  assert.match(await dashboard.locator(`${row} [data-ed-expired]`).innerText(), /niet bevestigd/);

  const form = await openPage('/form.html?org=zh-noord');
  await form.waitForSelector('#ed-expired:not([hidden])');
  assert.match(await form.locator('#ed-expired').innerText(), /niet bevestigd/);
  // The coordinator ends the diversion: the new report carries no mark, and the dashboard drops it.
  const cleared = whenInPage(dashboard, (selector) => !document.querySelector(`${selector} [data-ed-expired]`), row);
  await form.locator('#ed-state').selectOption('EMERGENCY_DEPARTMENT_STATE_OPEN');
  await form.locator('#ed-until').fill('');
  await form.locator('#submit').click();
  await form.waitForSelector('#result.ok');
  await cleared;
  assert.equal(await form.locator('#ed-expired').isHidden(), true);
  assert.deepEqual([...dashboard.errors, ...form.errors], []);
  await dashboard.close();
  await form.close();
});

test('the form sends only what the coordinator changed: a figure reported meanwhile by someone else stays', async () => {
  const form = await openPage('/form.html?org=zh-noord');
  await form.waitForSelector('#last-report:not(:empty)');
  await form.locator('#free-text').fill('Aggregaat draait sinds 11:40');  // The coordinator starts typing ...
  // ... while the GHOR's officer types in the oxygen figure the hospital phoned in.
  await room.server.call('ketenbeeld.v1.PictureService/ReportStatus', {
    report: {
      organization_id: 'zh-noord',
      supplies: [{ type: 'SUPPLY_TYPE_OXYGEN', stock: 100, consumption_per_day: 20, unit: 'liter' }],
    },
    update_mask: 'supplies',
  });
  await form.waitForFunction(() =>
    window.ketenbeeld.feed.records.get('organizations/zh-noord/status')?.status_report.supplies?.length === 1);
  await form.locator('span.o-critical').click();
  await form.locator('#submit').click();
  await form.waitForSelector('#result.ok');
  await form.waitForFunction(() =>
    window.ketenbeeld.feed.records.get('organizations/zh-noord/status')?.status_report.overall_status
      === 'OVERALL_STATUS_CRITICAL');
  const report = await form.evaluate(() => window.ketenbeeld.feed.records.get('organizations/zh-noord/status').status_report);
  assert.equal(report.supplies?.[0]?.type, 'SUPPLY_TYPE_OXYGEN', 'the oxygen figure survived the form');
  assert.equal(report.free_text, 'Aggregaat draait sinds 11:40');
  // What the form sent (normalised, in JSON's lowerCamelCase): the two changes and, always, who reported.
  assert.equal(report.update_mask, 'freeText,overallStatus,reporter');
  assert.deepEqual(form.errors, []);
  await form.close();
});

test('an intake stop is seen at a glance, and each kind enters only the capacity that fits it', async () => {
  await seedOrganizations(room.server, [
    { id: 'rav-kust', name: 'Ambulancezorg Kust', kind: 'ORGANIZATION_KIND_AMBULANCE_SERVICE', safety_region: 'VR10' },
  ]);
  const dashboard = await openPage('/');
  const vvt = 'tr.org-row[data-org="vvt-duinrand"]';
  await dashboard.waitForSelector(vvt);
  assert.equal(await dashboard.locator(`${vvt} [data-intake-stop]`).count(), 0);
  // A coordinator phones it in; the GHOR officer types it with the CLI, in Dutch.
  const stopped = whenInPage(dashboard, (selector) => Boolean(document.querySelector(`${selector} [data-intake-stop]`)), vvt);
  const result = await cli(room.server, ['status', 'report', '--org', 'vvt-duinrand', '--overall', 'strained',
    '--intake-stop', 'opnamestop:noodstroom, geen nieuwe cliënten', '--intake-stop-since', '2026-12-02T08:00:00+01:00']);
  assert.equal(result.code, 0, result.stderr);
  await stopped;
  assert.match(await dashboard.locator(`${vvt} [data-intake-stop]`).innerText(), /Opnamestop/);
  assert.match(await dashboard.locator(`${vvt} [data-intake-stop]`).getAttribute('title'), /noodstroom/);
  assert.equal(await dashboard.locator('[data-summary-intake-stop]').getAttribute('data-summary-intake-stop'), '1');

  // The ambulance service's form has its vehicles and no intake stop; what it sends is on the dashboard.
  const rav = await openPage('/form.html?org=rav-kust');
  await rav.waitForSelector('#report:not([hidden])');
  assert.equal(await rav.locator('#ambulance-section').isHidden(), false);
  assert.equal(await rav.locator('#intake-section').isHidden(), true);
  assert.equal(await rav.locator('#home-care-section').isHidden(), true);
  const ambulances = whenInPage(dashboard, () => Boolean(document.querySelector(
    'tr.org-row[data-org="rav-kust"] [data-chain="ambulance"]')));
  await rav.locator('span.o-normal').click();
  await rav.locator('#amb-available').fill('4');
  await rav.locator('#amb-deployed').fill('0');
  await rav.locator('#submit').click();
  await rav.waitForSelector('#result.ok');
  await ambulances;
  assert.match(await dashboard.locator('tr.org-row[data-org="rav-kust"] [data-chain="ambulance"]').innerText(),
    /4 vrij, 0 ingezet/);
  const sent = await dashboard.evaluate(() => window.ketenbeeld.feed.records.get('organizations/rav-kust/status').status_report);
  assert.deepEqual(sent.ambulance, { ambulances_available: 4, ambulances_deployed: 0 });

  // The nursing home's form is pre-filled with the stop; lifting it while a time is still filled in is refused at
  // that field, and lifting it properly clears it from the dashboard.
  const form = await openPage('/form.html?org=vvt-duinrand');
  await form.waitForSelector('#report:not([hidden])');
  assert.equal(await form.locator('#ambulance-section').isHidden(), true);
  assert.equal(await form.locator('#intake-state').inputValue(), 'INTAKE_STOP_STATE_ACTIVE');
  assert.match(await form.locator('#intake-reason').inputValue(), /noodstroom/);
  await form.locator('#intake-state').selectOption('INTAKE_STOP_STATE_NONE');
  await form.locator('#submit').click();
  const error = form.locator('.field-error[data-field="report.intake_stop.since"]');
  await error.waitFor();
  assert.equal(await form.locator('#intake-since').getAttribute('aria-invalid'), 'true');
  const lifted = whenInPage(dashboard, (selector) => !document.querySelector(`${selector} [data-intake-stop]`), vvt);
  await form.locator('#intake-since').fill('');
  await form.locator('#intake-reason').fill('');
  await form.locator('#submit').click();
  await form.waitForSelector('#result.ok');
  await lifted;
  assert.equal(await dashboard.locator('[data-summary-intake-stop]').getAttribute('data-summary-intake-stop'), '0');
  assert.deepEqual([...dashboard.errors, ...rav.errors, ...form.errors], []);
  await dashboard.close();
  await rav.close();
  await form.close();
});
