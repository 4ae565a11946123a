// Browser test: the dashboard's questionnaire panel (uitvraag). The GHOR's dashboard shows the server's indicator
// overview for the chosen incident and follows the feed: a new answer updates the figures. A nursing home's
// dashboard (an institution, with a bearer token) gets the overview under the server's visibility rules: with two
// answers the aggregate is withheld from it, with the third it is shown. Its own server, with a tokens file.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { serverAndBrowserForFile } from './harness.mjs';

const tokens = { admin: randomBytes(32).toString('hex'), ghor: randomBytes(32).toString('hex'),
  institution: randomBytes(32).toString('hex') };

const room = serverAndBrowserForFile('ketenbeeld-indicator-overview-', { extraArgs: (dataDir) => {
  const hash = (token) => `sha256:${createHash('sha256').update(token).digest('hex')}`;
  writeFileSync(`${dataDir}/tokens`, [
    `${hash(tokens.admin)} beheer admin Beheer`,
    `${hash(tokens.ghor)} ghor-vr10 ghor GHOR`,
    `${hash(tokens.institution)} vvt-a institution Zorgcentrum A`,
  ].join('\n'));
  return ['--tokens_file', `${dataDir}/tokens`];
} });

async function callAs(token, method, request) {
  const response = await fetch(`${room.server.url}/api/ketenbeeld.v1.${method}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${method}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function openAs(token) {
  const page = await room.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  page.errors = errors;
  await page.goto(`${room.server.url}/#token=${token}`);
  await page.waitForSelector('#conn[data-state="live"]');
  return page;
}

const answer = (org, degrees) => callAs(tokens.ghor, 'PictureService/ReportStatus', { report: {
  organization_id: org, overall_status: 'OVERALL_STATUS_NORMAL',
  indicator_values: [{ indicator_id: 'binnentemperatuur', number: degrees }] } });

test('the questionnaire panel shows the chosen incident\'s overview, live, withheld from a peer below the minimum group', async () => {
  for (const id of ['vvt-a', 'vvt-b', 'vvt-c']) {
    await callAs(tokens.admin, 'PictureService/RegisterOrganization', { organization: {
      id, name: `Zorgcentrum ${id.slice(-1).toUpperCase()}`, kind: 'ORGANIZATION_KIND_NURSING_HOME', safety_region: 'VR10' } });
  }
  await callAs(tokens.ghor, 'IncidentService/OpenIncident', { incident: {
    id: 'hitte', title: 'Hittegolf', type: 'hitte', scale_up_level: 'GRIP 1', safety_region: 'VR10' } });
  await callAs(tokens.ghor, 'ReportService/DefineIndicator', { indicator: {
    id: 'binnentemperatuur', label_nl: 'Hoogste binnentemperatuur', label_en: 'Highest indoor temperature',
    type: 'INDICATOR_TYPE_NUMBER', unit: '°C', incident_id: 'hitte',
    applies_to: { organization_kinds: ['ORGANIZATION_KIND_NURSING_HOME'] } } });
  await callAs(tokens.ghor, 'ReportService/DefineIndicator', { indicator: {
    id: 'koele-ruimte', label_nl: 'Koele ruimte beschikbaar', label_en: 'Cool room available',
    type: 'INDICATOR_TYPE_YES_NO', applies_to: { organization_kinds: ['ORGANIZATION_KIND_NURSING_HOME'] } } });
  await answer('vvt-a', 27);
  await answer('vvt-b', 29);

  // The GHOR: every open question first; then the incident's only.
  const ghor = await openAs(tokens.ghor);
  const card = (page, id) => page.locator(`#indicators article.indicator[data-indicator="${id}"]`);
  await card(ghor, 'koele-ruimte').waitFor();
  await card(ghor, 'binnentemperatuur').waitFor();
  await ghor.locator('#indicator-incident').selectOption('hitte');
  await ghor.waitForFunction(() => !document.querySelector('#indicators [data-indicator="koele-ruimte"]')
    && document.querySelector('#indicators [data-indicator="binnentemperatuur"]'));
  assert.equal(await card(ghor, 'binnentemperatuur').getAttribute('data-answered'), '2');
  assert.equal(await card(ghor, 'binnentemperatuur').locator('h4').innerText(), 'Hoogste binnentemperatuur');
  assert.equal(await card(ghor, 'binnentemperatuur').locator('[data-figure="mean"] b').innerText(), '28 °C');
  assert.equal(await card(ghor, 'binnentemperatuur').locator('[data-figure="sum"]').count(), 0, 'no sum of temperatures');

  // A peer nursing home: two answers are fewer than the minimum group of three.
  const peer = await openAs(tokens.institution);
  await card(peer, 'binnentemperatuur').waitFor();
  assert.equal(await card(peer, 'binnentemperatuur').getAttribute('data-withheld'), '');
  assert.equal(await card(peer, 'binnentemperatuur').locator('[data-figure]').count(), 0, 'withheld, never zero');

  // The third answer reaches both screens through the feed, with no reload.
  await answer('vvt-c', 31);
  await ghor.waitForSelector('#indicators article.indicator[data-indicator="binnentemperatuur"][data-answered="3"]');
  assert.equal(await card(ghor, 'binnentemperatuur').locator('[data-figure="mean"] b').innerText(), '29 °C');
  await peer.waitForSelector('#indicators article.indicator[data-indicator="binnentemperatuur"][data-answered="3"]:not([data-withheld])');
  assert.equal(await card(peer, 'binnentemperatuur').locator('[data-figure="max"]').innerText(), 'max. 31 °C');

  // English labels after the switch.
  await ghor.locator('#lang').click();
  await ghor.waitForFunction(() => document.querySelector('#indicators [data-indicator="binnentemperatuur"] h4')
    ?.textContent === 'Highest indoor temperature');
  assert.equal(await ghor.locator('#indicator-incident').inputValue(), 'hitte', 'the choice stays');
  await ghor.locator('#lang').click();
  assert.deepEqual([...ghor.errors, ...peer.errors], []);
});
