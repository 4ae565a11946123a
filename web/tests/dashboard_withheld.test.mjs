// Browser test of the dashboard for a reader who may not see other organisations' figures (an institution, with a
// bearer token): its feed withholds them, so it cannot compute totals and gap reports and fetches the server's.
// A burst of changes must cost at most one fetch per report per interval, and the last fetch must come after the
// last change. Its own server, with a tokens file (docs/security.md).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { serverAndBrowserForFile } from './harness.mjs';

// Must match REFRESH_MS in web/static/js/dashboard.js.
const REFRESH_MS = 2000;

const tokens = { admin: randomBytes(32).toString('hex'), ghor: randomBytes(32).toString('hex'),
  institution: randomBytes(32).toString('hex') };

async function callAs(token, method, request) {
  const response = await fetch(`${room.server.url}/api/ketenbeeld.v1.${method}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${method}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

// The tokens file, written into the room's data directory before the server starts.
const room = serverAndBrowserForFile('ketenbeeld-browser-withheld-', { extraArgs: (dataDir) => {
  const hash = (token) => `sha256:${createHash('sha256').update(token).digest('hex')}`;
  writeFileSync(`${dataDir}/tokens`, [
    `${hash(tokens.admin)} beheer admin Beheer`,
    `${hash(tokens.ghor)} ghor-vr10 ghor GHOR`,
    `${hash(tokens.institution)} org-a institution Org A`,
  ].join('\n'));
  return ['--tokens_file', `${dataDir}/tokens`];
} });

test('a reader without other organisations\' figures fetches totals at most once per interval, and after the last change', async () => {
  const orgs = ['a', 'b', 'c', 'd'].map((x) => `org-${x}`);
  for (const id of orgs) {
    await callAs(tokens.admin, 'PictureService/RegisterOrganization', {
      organization: { id, name: id, kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' } });
  }
  await callAs(tokens.ghor, 'ReportService/PutScenario', { scenario: { id: 's1', name: 'S1', safety_region: 'VR10',
    capacity: [{ bed_type: 'BED_TYPE_IC_ADULT', quantity: 40 }] } });
  const report = (org, available) => callAs(tokens.ghor, 'PictureService/ReportStatus', { report: {
    organization_id: org, overall_status: 'OVERALL_STATUS_NORMAL', capacity: [{ type: 'BED_TYPE_IC_ADULT', available }] } });
  for (const id of orgs) await report(id, 1);

  const page = await room.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${room.server.url}/#token=${tokens.institution}`);
  await page.waitForSelector('#conn[data-state="live"]');
  // Other organisations' reports arrive without figures: the page shows the server's totals (4 organisations, at
  // least the minimum group, so not withheld).
  await page.waitForSelector('tr.cap-total[data-bed-type="BED_TYPE_IC_ADULT"]');
  assert.equal(await page.locator('tr.org-row[data-org="org-b"] [data-withheld]').count() > 0, true);
  assert.match(await page.locator('tr.cap-total[data-bed-type="BED_TYPE_IC_ADULT"] [data-figure="available"]').innerText(), /^4\b/);

  const calls = new Map();
  page.on('request', (request) => {
    const match = request.url().match(/\/api\/ketenbeeld\.v1\.(\w+\/\w+)$/);
    if (match && request.method() === 'POST') calls.set(match[1], (calls.get(match[1]) || 0) + 1);
  });
  // 60 reports over about 3 s: a burst longer than one interval.
  const started = Date.now();
  let last = null;
  for (let i = 0; i < 60; i += 1) {
    const due = started + i * 50;
    if (Date.now() < due) await new Promise((resolve) => { setTimeout(resolve, due - Date.now()); });
    last = await report(orgs[i % orgs.length], i);
  }
  const burstMs = Date.now() - started;
  const lastRevision = Number(last.revision);
  // The trailing fetch: the totals shown are computed at (or after) the last report.
  await page.waitForFunction((revision) => Number(document.querySelector('table.capacity')?.dataset.revision) >= revision,
    lastRevision, { timeout: 15000 });
  const summary = Object.fromEntries(calls);
  console.log(`withheld reader, 60 reports in ${burstMs} ms: ${JSON.stringify(summary)}`);
  // Per report at most floor(D / interval) + 2 fetches; one interval of slack for the feed delivering the burst a
  // little later than it was sent.
  const bound = Math.floor(burstMs / REFRESH_MS) + 3;
  assert.ok(summary['ReportService/GetCapacityOverview'] >= 1, JSON.stringify(summary));
  assert.ok(summary['ReportService/GetCapacityOverview'] <= bound, `${JSON.stringify(summary)}, bound ${bound}`);
  // An institution may not read gap reports: the page asked once at the start, says so, and asks no more.
  assert.equal(summary['ReportService/GetGapReport'], undefined);
  assert.match(await page.locator('[data-scenario="s1"] .nothing').innerText(), /^Niet beschikbaar: /);
  assert.equal(summary['AlertService/GetAlertAcknowledgements'], undefined);
  // The figures as published to readers like this one (docs/security.md, "Totals that reveal no single
  // organisation"): they move only when at least 3 organisations' figures changed, so the page shows what the server
  // gives this reader now, which may trail the GHOR's exact 56..59 over the four organisations.
  const published = await callAs(tokens.institution, 'ReportService/GetCapacityOverview', {});
  const exact = await callAs(tokens.ghor, 'ReportService/GetCapacityOverview', {});
  assert.equal(Number(exact.totals[0].available), 56 + 57 + 58 + 59);
  assert.match(await page.locator('tr.cap-total[data-bed-type="BED_TYPE_IC_ADULT"] [data-figure="available"]').innerText(),
    new RegExp(`^${Number(published.totals[0].available)}\\b`));
  // The server has no per-figure count: none is shown rather than a guess.
  assert.equal(await page.locator('tr.cap-total[data-bed-type="BED_TYPE_IC_ADULT"] [data-figure="available"] .by').count(), 0);
  // A figure only one organisation gives (org-a's surge) is withheld on its own; the line's other sums stay.
  const surge = await callAs(tokens.ghor, 'PictureService/ReportStatus', { report: { organization_id: 'org-a',
    overall_status: 'OVERALL_STATUS_NORMAL', capacity: [{ type: 'BED_TYPE_IC_ADULT', available: 56, surge_24h: 3 }] } });
  await page.waitForFunction((revision) => Number(document.querySelector('table.capacity')?.dataset.revision) >= revision,
    Number(surge.revision), { timeout: 15000 });
  const ic = 'tr.cap-total[data-bed-type="BED_TYPE_IC_ADULT"]';
  assert.equal(await page.locator(`${ic} [data-figure="surge_24h"] [data-withheld]`).count(), 1);
  assert.equal(await page.locator(`${ic} [data-figure="available"] [data-withheld]`).count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});
