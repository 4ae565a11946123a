// Browser test of the dashboard on a ROAZ server (docs/dashboard.md, "Across regions"): two region servers (VR10,
// VR11), a ROAZ server (VR12) fed by the real ketenbeeld-federator through FederationService.ApplyUpstream, all on
// loopback in development mode. The page shows a region column, a region filter kept in the address, and the source
// regions with when each was last heard from; when a region's server stops, its source turns stale on the page (the
// server's judgement, federation.stale_after = 10 s) while its figures stay. Names with markup stay text.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { launchBrowser, openLivePage, ServerProcess, tempDir } from './harness.mjs';

const federatorBinary = process.env.KETENBEELD_FEDERATOR_BINARY || '../build/federator/ketenbeeld-federator';

const room = { dir: undefined, vr10: undefined, vr11: undefined, roaz: undefined, federator: undefined, browser: undefined };

const hospital = (id, name, region, latitude) => ({
  id, name, kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: region,
  locations: [{ id: 'main', name: 'Hoofdlocatie', coordinates: { latitude, longitude: 4.75 } }],
});
const icReport = (id, available) => ({ report: {
  organization_id: id, overall_status: 'OVERALL_STATUS_NORMAL', capacity: [{ type: 'BED_TYPE_IC_ADULT', available }] } });

before(async () => {
  room.dir = tempDir('ketenbeeld-browser-federation-');
  room.vr10 = await new ServerProcess({ dataDir: `${room.dir}/vr10`, extraArgs: ['--region', 'VR10'] }).start();
  room.vr11 = await new ServerProcess({ dataDir: `${room.dir}/vr11`, extraArgs: ['--region', 'VR11'] }).start();
  const config = `${room.dir}/roaz.textproto`;
  writeFileSync(config, [
    'federation {',
    '  sources { safety_region: "VR10" identity: "federator-vr10" }',
    '  sources { safety_region: "VR11" identity: "federator-vr11" }',
    '  stale_after { seconds: 10 }',
    '}',
  ].join('\n'));
  room.roaz = await new ServerProcess({ dataDir: `${room.dir}/roaz`, extraArgs: ['--region', 'VR12', '--config', config] }).start();

  const picture = 'ketenbeeld.v1.PictureService';
  await room.vr10.call(`${picture}/RegisterOrganization`, { organization: hospital('zh-noord', 'Ziekenhuis Noord', 'VR10', 52.66) });
  await room.vr10.call(`${picture}/RegisterOrganization`,
    { organization: hospital('zh-markup', '<img src=x onerror="window.pwned=1">Kliniek', 'VR10', 52.68) });
  await room.vr10.call(`${picture}/ReportStatus`, icReport('zh-noord', 5));
  await room.vr11.call(`${picture}/RegisterOrganization`, { organization: hospital('zh-zuid', 'Ziekenhuis Zuid', 'VR11', 52.70) });
  await room.vr11.call(`${picture}/ReportStatus`, icReport('zh-zuid', 7));

  room.federator = spawn(federatorBinary, [
    '--downstream', `target=${room.roaz.grpcAddress}`,
    '--source', `VR10,target=${room.vr10.grpcAddress}`,
    '--source', `VR11,target=${room.vr11.grpcAddress}`,
    '--heartbeat-every-seconds', '1',
  ], { stdio: ['ignore', 'ignore', 'ignore'] });
  room.browser = await launchBrowser();
});

after(async () => {
  await room.browser?.close();
  if (room.federator && room.federator.exitCode === null) {
    const exited = new Promise((resolve) => room.federator.once('exit', resolve));
    room.federator.kill('SIGTERM');
    await exited;
  }
  await room.roaz?.stop();
  await room.vr10?.stop();
  await room.vr11?.stop();
  if (room.dir) rmSync(room.dir, { recursive: true, force: true });
});

test('the ROAZ dashboard shows each organisation\'s region, filters by region and flags a stale source', async () => {
  const page = await openLivePage(room.browser, room.roaz, '/');
  await page.waitForSelector('#sources-panel:not([hidden]) tr.source-row[data-source="VR10"]', { timeout: 20000 });
  await page.waitForSelector('tr.source-row[data-source="VR11"]', { timeout: 20000 });
  await page.waitForSelector('tr.org-row[data-org="zh-zuid"]', { timeout: 20000 });
  // The server's judgement arrives: both sources current.
  await page.waitForSelector('tr.source-row[data-source="VR10"][data-stale="false"]', { timeout: 20000 });
  await page.waitForSelector('tr.source-row[data-source="VR11"][data-stale="false"]', { timeout: 20000 });

  assert.ok(await page.evaluate(() => window.ketenbeeld.sourceRefreshes()) > 0);
  // A region column on every organisation's row.
  assert.equal(await page.locator('tr.org-row[data-org="zh-noord"] td.c-region').innerText(), 'VR10');
  assert.equal(await page.locator('tr.org-row[data-org="zh-zuid"] td.c-region').innerText(), 'VR11');
  // Escaped by default: the name is text, nothing ran.
  assert.match(await page.locator('tr.org-row[data-org="zh-markup"] .org-name').innerText(), /<img src=x onerror=/);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator('tr.org-row[data-org="zh-markup"] img').count(), 0);
  // The capacity panel splits the IC beds by region.
  await page.waitForSelector('tr.cap-part[data-bed-type="BED_TYPE_IC_ADULT"][data-region="VR11"]');

  // The region filter: only VR11, kept in the address and across a reload.
  await page.selectOption('#region', 'VR11');
  await page.waitForFunction(() => !document.querySelector('tr.org-row[data-org="zh-noord"]'));
  assert.equal(await page.locator('tr.org-row[data-org="zh-zuid"]').count() > 0, true);
  assert.match(page.url(), /[?&]region=VR11\b/);
  await page.reload();
  await page.waitForSelector('#conn[data-state="live"]');
  await page.waitForSelector('tr.org-row[data-org="zh-zuid"]');
  assert.equal(await page.locator('tr.org-row[data-org="zh-noord"]').count(), 0);
  assert.equal(await page.locator('#region').inputValue(), 'VR11');
  await page.selectOption('#region', '');
  await page.waitForSelector('tr.org-row[data-org="zh-noord"]');
  assert.doesNotMatch(page.url(), /region=/);

  // VR11's server stops: nothing more from it. Past stale_after its source, its rows and its capacity line are
  // flagged; its figures stay on the page. VR10 keeps sending heartbeats and stays current.
  await room.vr11.stop();
  await page.waitForSelector('tr.source-row[data-source="VR11"][data-stale="true"]', { timeout: 40000 });
  await page.waitForSelector('tr.org-row[data-org="zh-zuid"] [data-source-stale="VR11"]');
  await page.waitForSelector('tr.cap-part[data-region="VR11"] [data-source-stale="VR11"]');
  assert.equal(await page.locator('tr.source-row[data-source="VR10"]').getAttribute('data-stale'), 'false');
  assert.equal(await page.locator('tr.org-row[data-org="zh-noord"] [data-source-stale]').count(), 0);
  assert.equal(await page.locator('tr.org-row[data-org="zh-zuid"]').count() > 0, true, 'a stale region still shows');

  // The same views over the JSON API: FindCapacity across regions names each match's region and flags VR11.
  const found = await room.roaz.call('ketenbeeld.v1.ReportService/FindCapacity', {
    near: { latitude: 52.63, longitude: 4.75 }, bed_type: 'BED_TYPE_IC_ADULT' });
  assert.deepEqual(found.matches.map((m) => [m.organization_id, m.safety_region, Boolean(m.source_stale)]),
    [['zh-noord', 'VR10', false], ['zh-zuid', 'VR11', true]]);
  const vr10 = await room.roaz.call('ketenbeeld.v1.ReportService/FindCapacity', {
    near: { latitude: 52.63, longitude: 4.75 }, bed_type: 'BED_TYPE_IC_ADULT', safety_regions: ['VR10'] });
  assert.deepEqual(vr10.matches.map((m) => m.organization_id), ['zh-noord']);
  // A link can carry the filter: `region` query parameters are the request's safety_regions.
  const post = (path, request) => fetch(`${room.roaz.url}/api/${path}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request) });
  const byQuery = await post('ketenbeeld.v1.ReportService/FindCapacity?region=VR11',
    { near: { latitude: 52.63, longitude: 4.75 }, bed_type: 'BED_TYPE_IC_ADULT' });
  assert.equal(byQuery.status, 200);
  assert.deepEqual((await byQuery.json()).matches.map((m) => m.organization_id), ['zh-zuid']);
  const overview = await (await post('ketenbeeld.v1.ReportService/GetCapacityOverview?region=VR10&region=VR11', {})).json();
  assert.deepEqual(overview.totals.map((line) => [line.safety_region, Boolean(line.source_stale)]),
    [['VR10', false], ['VR11', true]]);
  const unknown = await post('ketenbeeld.v1.ReportService/GetCapacityOverview?region=VR99', {});
  assert.equal(unknown.status, 400);
  assert.equal((await unknown.json()).field, 'safety_regions[0]');
  const notAReport = await post('ketenbeeld.v1.PictureService/List?region=VR10', {});
  assert.equal(notAReport.status, 400);
  assert.equal((await notAReport.json()).field, 'region');
  assert.deepEqual(page.errors, []);
  await page.close();
});
