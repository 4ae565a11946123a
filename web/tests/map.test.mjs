// Browser tests of the dashboard's map (issue 18, part 5): every site with coordinates is a dot in its organisation's
// status colour, an incident's polygon is drawn, the organisations it affects are ringed, a postcode-only area is named
// in the legend, a click shows the organisation's report, a change recolours the dot without rebuilding the map, and
// an exercise's view shows the exercise's picture. The server's tiles point at a loopback port where nothing listens:
// the map must show everything over its plain background and say that the background map cannot be reached. In
// Debian's chromium against the real server; one server and browser for the file (plus one server without tiles).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { ServerProcess, cli, seedOrganizations, serverAndBrowserForFile, tempDir } from './harness.mjs';

// A loopback port with nothing listening on it: bound once to learn a free one, then closed.
async function deadPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
const tilePort = await deadPort();
const TILE_URL = `http://127.0.0.1:${tilePort}/tiles/{z}/{x}/{y}.png`;

const site = (id, name, latitude, longitude, extra = {}) => ({ id, name, coordinates: { latitude, longitude }, ...extra });
const ORGANIZATIONS = [
  { id: 'zh-helder', name: 'Ziekenhuis Den Helder', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10',
    locations: [site('hoofd', 'Hoofdlocatie', 52.93, 4.76)] },
  { id: 'vvt-duin', name: 'Zorgcentrum Duinzicht', kind: 'ORGANIZATION_KIND_NURSING_HOME', safety_region: 'VR10',
    locations: [site('duinzicht', 'Duinzicht', 52.95, 4.80)] },
  { id: 'vvt-schagen', name: 'Woonzorg Schagen', kind: 'ORGANIZATION_KIND_NURSING_HOME', safety_region: 'VR10',
    locations: [site('markt', 'Markt', 52.79, 4.80, { postcode: '1741 AB' })] },
  { id: 'ggz-alkmaar', name: 'GGZ Alkmaar', kind: 'ORGANIZATION_KIND_MENTAL_HEALTH', safety_region: 'VR10',
    locations: [site('kliniek', 'Kliniek', 52.63, 4.75)] },
  { id: 'thuiszorg-wf', name: 'Thuiszorg West-Friesland', kind: 'ORGANIZATION_KIND_HOME_CARE', safety_region: 'VR10' },
];
// Around Den Helder: zh-helder and vvt-duin inside, the others outside.
const DIKE = [[52.90, 4.70], [52.90, 4.86], [52.98, 4.86], [52.98, 4.70]].map(([latitude, longitude]) => ({ latitude, longitude }));
const REPORT = 'ketenbeeld.v1.PictureService/ReportStatus';

const room = serverAndBrowserForFile('ketenbeeld-map-', {
  extraArgs: () => ['--map_tile_url', TILE_URL, '--map_attribution', 'Testkaart <geen> tegels'],
  seed: async (server) => {
    await seedOrganizations(server, ORGANIZATIONS);
    await server.call(REPORT, { report: { organization_id: 'zh-helder', overall_status: 'OVERALL_STATUS_STRAINED' } });
    await server.call(REPORT, { report: { organization_id: 'vvt-duin', overall_status: 'OVERALL_STATUS_CRITICAL' } });
    await server.call(REPORT, { report: { organization_id: 'ggz-alkmaar', overall_status: 'OVERALL_STATUS_NORMAL' } });
    await server.call('ketenbeeld.v1.IncidentService/OpenIncident', { incident: {
      id: 'dijk', title: 'Dijkdoorbraak Den Helder', type: 'overstroming', scale_up_level: 'GRIP 2', safety_region: 'VR10',
      area: { description: 'Den Helder', polygons: [{ points: DIKE }] } } });
    await server.call('ketenbeeld.v1.IncidentService/OpenIncident', { incident: {
      id: 'stroom', title: 'Stroomstoring Schagen', type: 'stroomstoring', scale_up_level: 'GRIP 1', safety_region: 'VR10',
      area: { postcodes: ['1741'] } } });
    await server.call('ketenbeeld.v1.AlertService/SendAlert', { alert: {
      id: 'evacuatie', headline: 'Bereid evacuatie voor', urgency: 'URGENCY_IMMEDIATE', severity: 'ALERT_SEVERITY_SEVERE',
      certainty: 'CERTAINTY_OBSERVED', incident_id: 'dijk', audience: { incident_area: true } } });
    const started = await cli(server, ['exercise', 'start', '--id', 'oef-dijk', '--title', 'Oefening dijk']);
    assert.equal(started.code, 0, started.stderr);
    await server.call(REPORT, {
      report: { organization_id: 'zh-helder', overall_status: 'OVERALL_STATUS_CLOSED' }, exercise_id: 'oef-dijk' });
  },
});

const dot = (page, org) => page.locator(`#map path.map-site[data-org="${org}"]`);
const classesOf = async (locator) => (await locator.getAttribute('class')).split(/\s+/);

// The dashboard, live, with the tile requests that failed as the page saw them (`page.tiles`; the tiles' host is
// allowed by the page's policy, so they are tried) and its uncaught errors (`page.errors`).
async function openWatched(path) {
  const page = await room.browser.context.newPage();
  page.errors = [];
  page.tiles = [];
  page.on('pageerror', (error) => page.errors.push(error));
  page.on('requestfailed', (request) => {
    if (request.url().startsWith(`http://127.0.0.1:${tilePort}/`)) page.tiles.push(request.failure()?.errorText || '?');
  });
  await page.goto(`${room.server.url}${path}`);
  await page.waitForSelector('#conn[data-state="live"]');
  return page;
}

test('sites are dots in their status colour, the incident polygon is drawn and its organisations ringed', async () => {
  const page = await openWatched('/');
  const { tiles } = page;
  await page.waitForSelector('#map path.map-area[data-incident="dijk"][data-shape="polygon"]');
  const expected = { 'zh-helder': 'strained', 'vvt-duin': 'critical', 'vvt-schagen': 'unspecified', 'ggz-alkmaar': 'normal' };
  for (const [org, status] of Object.entries(expected)) {
    await page.waitForSelector(`#map path.map-site[data-org="${org}"].status-${status}`);
    assert.equal(await dot(page, org).getAttribute('data-status'), status, org);
  }
  // The same colour as the organisations table's status badge.
  const colours = await page.evaluate(() => {
    const fill = getComputedStyle(document.querySelector('#map path.map-site[data-org="vvt-duin"]')).fill;
    const badge = getComputedStyle(document.querySelector('tr.org-row[data-org="vvt-duin"] .status')).backgroundColor;
    return { fill, badge };
  });
  assert.equal(colours.fill, colours.badge);
  // Affected: the two inside the polygon (computed by the server) and the one in the postcode-only area.
  for (const org of ['zh-helder', 'vvt-duin', 'vvt-schagen']) assert.ok((await classesOf(dot(page, org))).includes('map-affected'), org);
  assert.ok(!(await classesOf(dot(page, 'ggz-alkmaar'))).includes('map-affected'));
  // The alert to everyone in the dike's area marks its audience.
  assert.ok((await classesOf(dot(page, 'vvt-duin'))).includes('map-alerted'));
  assert.ok(!(await classesOf(dot(page, 'vvt-schagen'))).includes('map-alerted'));
  // The legend names what is not drawn: the postcode area, and the organisation without coordinates.
  assert.match(await page.locator('[data-map-incident="stroom"]').innerText(), /Stroomstoring Schagen.*postcodes 1741.*niet getekend/s);
  assert.match(await page.locator('[data-map-incident="dijk"]').innerText(), /1 polygoon.*2 getroffen.*Bereid evacuatie voor/s);
  assert.match(await page.locator('.map-unplaced').innerText(), /Thuiszorg West-Friesland/);
  // No tiles to be had: everything above over the plain background, the note says so, and nothing broke.
  await page.locator('#map-note').waitFor();
  assert.equal(await page.locator('#map-note').innerText(), 'achtergrondkaart niet bereikbaar');
  assert.ok(tiles.length > 0, 'the tiles were tried (the policy allows their host)');
  // Refused by the server's port, not by the page's policy (Chromium says "csp" for a blocked image).
  assert.ok(tiles.every((error) => !/csp|blocked/i.test(error)), tiles.join(', '));
  assert.match(await page.locator('#map .leaflet-control-attribution').innerText(), /Testkaart <geen> tegels/);
  assert.equal(await page.locator('tr.org-row[data-org="vvt-duin"] .status-critical').count(), 1, 'the table is there too');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('clicking a site shows its organisation\'s report; a change recolours the dot without rebuilding the map', async () => {
  const page = await room.openPage('/');
  await dot(page, 'zh-helder').waitFor();
  // Marks to tell a redraw from a rebuild: the map object and the dot's element must survive the change.
  await page.evaluate(() => {
    window.mapBefore = window.ketenbeeld.map();
    document.querySelector('#map path.map-site[data-org="vvt-schagen"]').dataset.mark = 'before';
  });
  await dot(page, 'zh-helder').click();
  const detail = page.locator('#map-detail[data-org="zh-helder"]');
  await detail.waitFor();
  assert.match(await detail.locator('h3').innerText(), /Ziekenhuis Den Helder/);
  assert.equal(await detail.locator('tr.org-row[data-org="zh-helder"] .status-strained').count(), 1);
  assert.match(await detail.innerText(), /Getroffen door: Dijkdoorbraak Den Helder/);
  assert.ok((await classesOf(dot(page, 'zh-helder'))).includes('map-selected'));

  // The report follows the feed while it is shown.
  await room.server.call(REPORT, { report: { organization_id: 'zh-helder', overall_status: 'OVERALL_STATUS_CRITICAL' } });
  await detail.locator('tr.org-row[data-org="zh-helder"] .status-critical').waitFor();
  await room.server.call(REPORT, { report: { organization_id: 'vvt-schagen', overall_status: 'OVERALL_STATUS_STRAINED' } });
  await page.waitForSelector('#map path.map-site[data-org="vvt-schagen"].status-strained');
  assert.equal(await dot(page, 'vvt-schagen').getAttribute('data-mark'), 'before', 'the same element, recoloured');
  assert.ok(await page.evaluate(() => window.ketenbeeld.map() === window.mapBefore), 'the same map');

  await page.locator('#map-detail [data-map-close]').click();
  await page.waitForSelector('#map-detail[data-org=""]');
  assert.ok(!(await classesOf(dot(page, 'zh-helder'))).includes('map-selected'));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an alert with its own area has it drawn and those inside ringed as alerted', async () => {
  const page = await openWatched('/');
  await page.waitForSelector('#map path.map-site[data-org="ggz-alkmaar"]');
  assert.ok(!(await classesOf(dot(page, 'ggz-alkmaar'))).includes('map-alerted'));
  await room.server.call('ketenbeeld.v1.AlertService/SendAlert', { alert: {
    id: 'kliniek-water', headline: 'Drinkwater afgesloten', urgency: 'URGENCY_IMMEDIATE', severity: 'ALERT_SEVERITY_MODERATE',
    certainty: 'CERTAINTY_OBSERVED',
    audience: { area: { description: 'Alkmaar', center: { latitude: 52.63, longitude: 4.75 }, radius_km: 2 } } } });
  await page.waitForSelector('#map path.map-area[data-alert="kliniek-water"][data-shape="circle"]');
  await page.waitForFunction(() => document.querySelector('#map path.map-site[data-org="ggz-alkmaar"]')
    ?.classList.contains('map-alerted'));
  assert.ok(!(await classesOf(dot(page, 'vvt-schagen'))).includes('map-alerted'), 'outside the circle');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an exercise\'s view shows the exercise\'s picture on the map', async () => {
  const page = await room.openPage('/?exercise=oef-dijk');
  await page.waitForSelector('#map path.map-site[data-org="zh-helder"].status-closed');
  assert.equal(await page.locator('#map path.map-area[data-incident="dijk"]').count(), 0, 'the real incident is not the exercise\'s');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('without configured tiles the map draws the same, and says nothing is unreachable', async () => {
  const dataDir = tempDir('ketenbeeld-map-none-');
  const server = await new ServerProcess({ dataDir: `${dataDir}/db` }).start();  // The harness: --map_tile_url ''.
  try {
    await seedOrganizations(server, ORGANIZATIONS.slice(0, 2));
    const config = await (await fetch(`${server.url}/api/map`)).json();
    assert.deepEqual(config, { tile_url: '', attribution: '' });
    const page = await room.browser.context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#map path.map-site[data-org="vvt-duin"].status-unspecified');
    assert.equal(await page.locator('#map').getAttribute('data-tiles'), 'off');
    assert.equal(await page.locator('#map img.leaflet-tile').count(), 0);
    assert.equal(await page.locator('#map-note').isHidden(), true);
    await page.close();
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
