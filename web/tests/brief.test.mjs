// Browser test of the print-friendly brief (brief.html, issue 19): in Debian's chromium against the real server, the
// page shows what GetSituationReport answers, every figure with a footnote that names its record and revision, text
// from the situation log as text (never markup), and a refusal as an error line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, seedOrganizations, serverAndBrowserForFile } from './harness.mjs';

const ORGANIZATIONS = [
  { id: 'zh-noord', name: 'Ziekenhuis Noord', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' },
  { id: 'vvt-polder', name: 'Woonzorg De Polder', kind: 'ORGANIZATION_KIND_NURSING_HOME', safety_region: 'VR10' },
];

async function cliOk(server, args) {
  const result = await cli(server, args);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const room = serverAndBrowserForFile('ketenbeeld-brief-', {
  seed: async (server) => {
    await seedOrganizations(server, ORGANIZATIONS);
    await cliOk(server, ['incident', 'open', '--id', 'dijk', '--title', 'Dijkdoorbraak Zijpe', '--type', 'overstroming',
      '--level', 'GRIP 2', '--region', 'VR10']);
    await cliOk(server, ['incident', 'log', 'dijk', '--layer', 'beeld', '--author', 'Meldkamer',
      '--text', 'Water stijgt <img src=x onerror="window.injected=1">']);
    await cliOk(server, ['status', 'report', '--org', 'zh-noord', '--overall', 'strained',
      '--capacity', 'ic-adult:available=3,occupied=13']);
    await cliOk(server, ['status', 'report', '--org', 'vvt-polder', '--overall', 'critical']);
  },
});

async function openBrief(query) {
  const page = await room.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${room.server.url}/brief.html?${query}`);
  return { page, errors };
}

test('the brief names the organisation in trouble, and every figure leads to its source', async () => {
  const { page, errors } = await openBrief('incident=dijk');
  await page.locator('#brief h1').waitFor();
  assert.equal(await page.locator('#brief h1').innerText(), 'Situatierapport voor het bestuur: Dijkdoorbraak Zijpe');
  const critical = page.locator('#brief tr', { hasText: 'Woonzorg De Polder' });
  assert.match(await critical.innerText(), /vvt-polder.*Kritiek/s);

  // The IC figure's footnote leads to the hospital's report and the revision it was committed at.
  const ic = page.locator('#brief tr', { hasText: 'IC volwassenen' }).first();
  const link = ic.locator('sup a');
  assert.match(await ic.innerText(), /\b3\b/);
  const target = await link.getAttribute('href');
  assert.match(target, /^#src-\d+$/);
  assert.match(await page.locator(target).innerText(), /organizations\/zh-noord\/status, revisie \d+/);

  // The situation log's text is text: the markup in it is shown, not run.
  assert.match(await page.locator('#brief').innerText(), /Water stijgt <img src=x onerror="window\.injected=1">/);
  assert.equal(await page.evaluate(() => window.injected), undefined);
  assert.equal(await page.locator('#brief img').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('in English for the ROAZ, and an unknown incident is an error line, not an empty brief', async () => {
  const english = await openBrief('incident=dijk&audience=roaz&lang=en');
  await english.page.locator('#brief h1').waitFor();
  assert.equal(await english.page.locator('#brief h1').innerText(), 'Situation report for the ROAZ: Dijkdoorbraak Zijpe');
  await english.page.close();

  const unknown = await openBrief('incident=geen-incident');
  await unknown.page.locator('#error').waitFor();
  assert.match(await unknown.page.locator('#error').innerText(), /NOT_FOUND.*geen-incident/);
  assert.equal(await unknown.page.locator('#brief h1').count(), 0);
  await unknown.page.close();
});
