// Browser test: the dashboard shows an organisation's standard identifiers (AGB, URA, KvK branch number, LRZa),
// registered with the CLI's --agb/--ura/--kvk-branch flags, under its name; an organisation without any shows none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, seedOrganizations, serverAndBrowserForFile } from './harness.mjs';

const room = serverAndBrowserForFile('ketenbeeld-identifiers-', {
  seed: (server) => seedOrganizations(server, [
    { id: 'ggd-kust', name: 'GGD Kust', kind: 'ORGANIZATION_KIND_GGD', safety_region: 'VR10' },
  ]),
});

test('the dashboard shows the identifiers the CLI registered', async () => {
  const registered = await cli(room.server, ['org', 'register', '--id', 'zh-noord', '--name', 'Ziekenhuis Noord',
    '--kind', 'hospital', '--region', 'VR10', '--agb', '06010210', '--ura', '00015823',
    '--kvk-branch', '000012345678']);
  assert.equal(registered.code, 0, registered.stderr);
  const page = await room.openPage('/');
  const ids = page.locator('tr.org-row[data-org="zh-noord"] [data-identifiers]');
  await ids.waitFor();
  assert.equal(await ids.innerText(), 'AGB 06010210 · URA 00015823 · KvK-vestigingsnr. 000012345678');
  await page.waitForSelector('tr.org-row[data-org="ggd-kust"]');
  assert.equal(await page.locator('tr.org-row[data-org="ggd-kust"] [data-identifiers]').count(), 0);

  // A second organisation claiming the AGB is refused; the dashboard still shows one holder.
  const clash = await cli(room.server, ['org', 'register', '--id', 'zh-zuid', '--name', 'Ziekenhuis Zuid',
    '--kind', 'hospital', '--region', 'VR10', '--agb', '06010210']);
  assert.equal(clash.code, 1);
  assert.match(clash.stderr, /organization\.identifiers\.agb: AGB "06010210" is already held by organisation "zh-noord"/);
  assert.equal(await page.locator('tr.org-row[data-org="zh-zuid"]').count(), 0);
  assert.deepEqual(page.errors, []);
});
