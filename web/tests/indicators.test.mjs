// Browser test: questionnaires (uitvraag). The GHOR defines indicators (with the CLI and the JSON API); the
// coordinator's form of a nursing home shows one input per indicator that asks it (Dutch or English label, by type),
// and the answers reach the server's aggregate; a hospital, which the indicators do not ask, sees no questionnaire.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, seedOrganizations, serverAndBrowserForFile } from './harness.mjs';

const room = serverAndBrowserForFile('ketenbeeld-indicators-', {
  seed: (server) => seedOrganizations(server, [
    { id: 'vvt-zonnehof', name: 'Zonnehof', kind: 'ORGANIZATION_KIND_NURSING_HOME', safety_region: 'VR10' },
    { id: 'zh-noord', name: 'Ziekenhuis Noord', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' },
  ]),
});

test('the form asks a nursing home the indicators of the heat wave and the answers are aggregated', async () => {
  const defined = await cli(room.server, ['indicator', 'define', '--id', 'binnentemperatuur',
    '--label-nl', 'Hoogste binnentemperatuur', '--label-en', 'Highest indoor temperature', '--type', 'number',
    '--unit', '°C', '--kind', 'nursing-home', '--cadence', '4h']);
  assert.equal(defined.code, 0, defined.stderr);
  assert.match(defined.stdout, /defined indicators\/binnentemperatuur at revision \d+/);
  await room.server.call('ketenbeeld.v1.ReportService/DefineIndicator', {
    indicator: {
      id: 'koele-ruimte', label_nl: 'Koele ruimte beschikbaar', label_en: 'Cool room available',
      type: 'INDICATOR_TYPE_YES_NO', applies_to: { organization_kinds: ['ORGANIZATION_KIND_NURSING_HOME'] },
    },
  });
  await room.server.call('ketenbeeld.v1.AlertService/SendAlert', {
    alert: {
      id: 'hitteplan', headline: 'Hitteplan fase 2', urgency: 'URGENCY_EXPECTED', severity: 'ALERT_SEVERITY_MODERATE',
      certainty: 'CERTAINTY_LIKELY', audience: { kinds: ['ORGANIZATION_KIND_NURSING_HOME'] },
      indicator_ids: ['binnentemperatuur'],
    },
  });

  const form = await room.openPage('/form.html?org=vvt-zonnehof');
  const row = form.locator('#indicators .indicator-row[data-indicator="binnentemperatuur"]');
  await row.waitFor();
  assert.equal(await row.locator('label').innerText(), 'Hoogste binnentemperatuur (°C)');
  assert.equal(await row.locator('[data-asked]').count(), 1, 'the alert asks for it');
  assert.equal(await form.locator('#indicator-koele-ruimte').evaluate((e) => e.tagName), 'SELECT');

  // A number that is no number is refused at its input, before anything is sent.
  await form.locator('span.o-strained').click();
  await form.locator('#indicator-binnentemperatuur').fill('warm');
  await form.locator('#submit').click();
  await form.waitForSelector('#indicators .field-error');
  assert.equal(await form.locator('#indicator-binnentemperatuur').getAttribute('aria-invalid'), 'true');

  await form.locator('#indicator-binnentemperatuur').fill('28,5');
  await form.locator('#indicator-koele-ruimte').selectOption('yes');
  await form.locator('#submit').click();
  await form.waitForSelector('#result.ok');

  const overview = await room.server.call('ketenbeeld.v1.ReportService/GetIndicatorOverview', {});
  const byId = new Map(overview.indicators.map((aggregate) => [aggregate.indicator.id, aggregate]));
  assert.equal(byId.get('binnentemperatuur').organizations_answered, 1);
  assert.equal(byId.get('binnentemperatuur').mean, 28.5);
  assert.equal(byId.get('koele-ruimte').yes, 1);

  // The stored answers fill the form again; English labels after the switch.
  await form.reload();
  await form.waitForFunction(() => document.getElementById('indicator-binnentemperatuur')?.value === '28.5');
  assert.equal(await form.locator('#indicator-koele-ruimte').inputValue(), 'yes');
  await form.locator('#lang').click();
  await form.waitForFunction(() => document.querySelector('label[for="indicator-binnentemperatuur"]')
    ?.textContent.startsWith('Highest indoor temperature'));
  assert.equal(await form.locator('#indicator-binnentemperatuur').inputValue(), '28.5', 'kept across the switch');
  await form.locator('#lang').click();

  // A hospital is not asked.
  const hospital = await room.openPage('/form.html?org=zh-noord');
  await hospital.waitForSelector('#report:not([hidden])');
  assert.equal(await hospital.locator('#indicators-section').isHidden(), true);
  assert.deepEqual([...form.errors, ...hospital.errors], []);
});
