// Browser test: the dashboard measures ages against the server's clock, not the browser's. The server runs 12 hours
// ahead of this machine (its development-only --clock_offset_file, as the power-outage system test drives it): a report
// made a moment ago must read "zojuist" / "s geleden" on the dashboard, where the browser's own clock would say
// "over 12 u".
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { cli, seedOrganizations, serverAndBrowserForFile } from './harness.mjs';

const AHEAD_MS = 12 * 3600 * 1000;

const room = serverAndBrowserForFile('ketenbeeld-server-clock-', {
  extraArgs: (dataDir) => {
    writeFileSync(`${dataDir}/clock-offset`, '12h\n');
    return ['--clock_offset_file', `${dataDir}/clock-offset`];
  },
  seed: (server) => seedOrganizations(server, [
    { id: 'zh-noord', name: 'Ziekenhuis Noord', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' },
  ]),
});

test('ages on the dashboard follow the server clock, 12 hours ahead of the browser', async () => {
  const result = await cli(room.server, ['status', 'report', '--org', 'zh-noord', '--overall', 'strained',
    '--capacity', 'ic-adult:available=2,baseline=12']);
  assert.equal(result.code, 0, result.stderr);
  const page = await room.openPage('/');
  const row = 'tr.org-row[data-org="zh-noord"]';
  await page.waitForSelector(`${row} .status-strained`);
  // The offset the page took from the feed's synced (and heartbeats): 12 hours, give or take the transit.
  const offset = await page.evaluate(() => window.ketenbeeld.serverOffsetMs());
  assert.ok(Math.abs(offset - AHEAD_MS) < 5000, `offset ${offset} ms`);
  const ages = await page.locator(`${row} time[data-relative]`).allInnerTexts();
  assert.ok(ages.length > 0);
  for (const age of ages) assert.match(age, /^(zojuist|\d+ s geleden)$/, `age "${age}"`);
  // The header clock shows the server's time too (in the page's zone, Europe/Amsterdam).
  const seconds = (text) => text.split(':').map(Number).reduce((sum, part) => sum * 60 + part, 0);
  await page.waitForFunction(() => document.getElementById('clock').textContent !== '');  // Set every second.
  const shown = await page.locator('#clock').innerText();
  const expected = new Date(Date.now() + AHEAD_MS).toLocaleTimeString('nl-NL', { hour12: false, timeZone: 'Europe/Amsterdam' });
  const difference = Math.abs(seconds(shown) - seconds(expected)) % (24 * 3600);
  assert.ok(Math.min(difference, 24 * 3600 - difference) < 10, `clock "${shown}", server time ${expected}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
