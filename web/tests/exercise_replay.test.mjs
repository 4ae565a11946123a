// Browser tests of the dashboard's views (issue 17): an exercise chosen in the top bar shows that exercise's picture
// under the OEFENING banner, and its form writes there; the time slider over an incident's lifetime shows the picture
// of each moment, and "Terug naar live" returns to the live feed with what was written meanwhile. In Debian's chromium
// against the real server and CLI; one server and browser for the file, the tests build on each other's picture.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, seedOrganizations, serverAndBrowserForFile } from './harness.mjs';

const ORGANIZATIONS = [
  { id: 'zh-noord', name: 'Ziekenhuis Noord', kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10' },
  { id: 'vvt-duin', name: 'Zorgcentrum Duinzicht', kind: 'ORGANIZATION_KIND_NURSING_HOME', safety_region: 'VR10' },
];
const REPORT = 'ketenbeeld.v1.PictureService/ReportStatus';

const room = serverAndBrowserForFile('ketenbeeld-views-', {
  seed: async (server) => {
    await seedOrganizations(server, ORGANIZATIONS);
    // The real picture: Ziekenhuis Noord is strained.
    await server.call(REPORT, { report: { organization_id: 'zh-noord', overall_status: 'OVERALL_STATUS_STRAINED' } });
    const started = await cli(server, ['exercise', 'start', '--id', 'oef-zijpe', '--title', 'Oefening dijkdoorbraak Zijpe']);
    assert.equal(started.code, 0, started.stderr);
  },
});

async function cliOk(args) {
  const result = await cli(room.server, args);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const row = (page, org) => page.locator(`tr.org-row[data-org="${org}"]`);

test('choosing an exercise shows its picture under the OEFENING banner, and its form writes only there', async () => {
  // Over the JSON API as the form sends it: the exercise travels in the request message (exercise_id).
  await room.server.call(REPORT, {
    report: { organization_id: 'zh-noord', overall_status: 'OVERALL_STATUS_CRITICAL' }, exercise_id: 'oef-zijpe',
  });
  await cliOk(['--exercise', 'oef-zijpe', 'alert', 'send', '--id', 'oef-evacuatie', '--headline', 'Evacuatie Zijpe',
    '--urgency', 'immediate', '--severity', 'severe', '--certainty', 'observed', '--region', 'VR10']);

  const page = await room.openPage('/');
  await row(page, 'zh-noord').locator('.status-strained').waitFor();
  assert.equal(await page.locator('#view-banner').isHidden(), true, 'no banner over the real picture');
  assert.equal(await page.locator('[data-alert="oef-evacuatie"]').count(), 0, 'the exercise alert is not real');
  await page.waitForSelector('#exercise option[value="oef-zijpe"]', { state: 'attached' });

  await Promise.all([page.waitForURL(/[?&]exercise=oef-zijpe/), page.locator('#exercise').selectOption('oef-zijpe')]);
  await page.waitForSelector('#conn[data-state="live"]');
  const banner = page.locator('#view-banner [data-exercise="oef-zijpe"]');
  await banner.waitFor();
  assert.match(await banner.innerText(), /OEFENING.*Oefening dijkdoorbraak Zijpe.*niet het echte beeld/);
  // The banner is part of the sticky top bar: still at the top of the window after scrolling.
  await page.mouse.wheel(0, 2000);
  assert.ok((await banner.boundingBox()).y < 5, 'the banner stays at the top');
  // The exercise's picture, and not the real one.
  await row(page, 'zh-noord').locator('.status-critical').waitFor();
  assert.equal(await row(page, 'zh-noord').locator('.status-strained').count(), 0);
  const alert = page.locator('[data-alert="oef-evacuatie"]');
  assert.equal(await alert.locator('[data-exercise-mark]').innerText(), 'OEFENING');
  assert.match(await alert.locator('h4').innerText(), /^OEFENING: Evacuatie Zijpe/);
  assert.equal(await page.locator('#exercise').inputValue(), 'oef-zijpe');
  const formLink = await page.locator('#nav-form').getAttribute('href');
  assert.equal(formLink, '/form.html?exercise=oef-zijpe');
  // Printed, the banner is still there.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await banner.isVisible(), true);
  await page.emulateMedia({ media: 'screen' });

  // The form of the exercise writes into the exercise: the exercise view changes, the real picture does not.
  const form = await room.openPage('/form.html?org=zh-noord&exercise=oef-zijpe');
  assert.match(await form.locator('#view-banner').innerText(), /OEFENING.*oef-zijpe/);
  await form.waitForSelector('input[name="overall"][value="OVERALL_STATUS_CRITICAL"]:checked', { state: 'attached' });
  await form.locator('span.o-normal').click();
  await form.locator('#submit').click();
  await form.waitForSelector('#result.ok');
  await row(page, 'zh-noord').locator('.status-normal').waitFor();
  const real = await room.server.call('ketenbeeld.v1.PictureService/Get', { name: 'organizations/zh-noord/status' });
  assert.equal(real.record.status_report.overall_status, 'OVERALL_STATUS_STRAINED');

  // Back to the real picture: no banner, the real status.
  await Promise.all([page.waitForURL((url) => !url.search.includes('exercise')), page.locator('#exercise').selectOption('')]);
  await page.waitForSelector('#conn[data-state="live"]');
  await row(page, 'zh-noord').locator('.status-strained').waitFor();
  assert.equal(await page.locator('#view-banner').isHidden(), true);
  assert.deepEqual([...page.errors, ...form.errors], []);
  await form.close();
  await page.close();
});

test('the time slider shows the picture of each moment of an incident, and "Terug naar live" the feed again', async () => {
  const revisionOf = (stdout) => Number(/at revision (\d+)/.exec(stdout)[1]);
  const opened = revisionOf(await cliOk(['incident', 'open', '--id', 'brand-kust', '--title', 'Brand Kust',
    '--type', 'brand', '--level', 'GRIP 1', '--region', 'VR10']));
  const critical = revisionOf(await cliOk(['status', 'report', '--org', 'zh-noord', '--overall', 'critical']));
  // An exercise write in between: not a moment of the real picture.
  await cliOk(['--exercise', 'oef-zijpe', 'status', 'report', '--org', 'vvt-duin', '--overall', 'critical']);
  const normal = revisionOf(await cliOk(['status', 'report', '--org', 'zh-noord', '--overall', 'normal']));

  const page = await room.openPage('/');
  await row(page, 'zh-noord').locator('.status-normal').waitFor();
  await page.locator('[data-incident="brand-kust"] [data-replay]').click();
  const bar = page.locator('#replay');
  await page.waitForSelector(`#replay[data-revision="${normal}"]`);
  assert.equal(await bar.getAttribute('data-steps'), '3', 'opened, critical, normal: the exercise write is no step');
  const past = page.locator('#view-banner .banner-past');
  assert.match(await past.innerText(), new RegExp(`TERUGBLIK.*revisie ${normal}.*wijzigen uitgeschakeld`));
  assert.equal(await page.locator('#nav-form').getAttribute('aria-disabled'), 'true', 'no writes from the past');
  assert.equal(await page.locator('#nav-form').getAttribute('href'), null);

  // The slider's first step: the picture when the incident was opened (Ziekenhuis Noord still strained).
  const slider = page.locator('#replay-slider');
  await slider.focus();
  await page.keyboard.press('Home');
  await page.waitForSelector(`#replay[data-revision="${opened}"]`);
  await row(page, 'zh-noord').locator('.status-strained').waitFor();
  assert.equal(await page.locator('#revision').innerText(), String(opened));
  assert.match(await past.innerText(), new RegExp(`revisie ${opened}\\b`));
  // One step on: the critical report.
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector(`#replay[data-revision="${critical}"]`);
  await row(page, 'zh-noord').locator('.status-critical').waitFor();
  assert.equal(await row(page, 'vvt-duin').locator('.status-critical').count(), 0, 'nothing of the exercise');

  // A write while the past is shown does not change it ...
  const written = revisionOf(await cliOk(['status', 'report', '--org', 'zh-noord', '--overall', 'strained',
    '--text', 'na de terugblik']));
  await page.waitForFunction((r) => window.ketenbeeld.feed.revision >= r, written);
  assert.equal(await row(page, 'zh-noord').locator('.status-critical').count(), 1);
  assert.equal(await page.locator('#revision').innerText(), String(critical));
  // ... and "Terug naar live" shows it.
  await page.locator('#replay-live').click();
  await row(page, 'zh-noord').locator('.free-text', { hasText: 'na de terugblik' }).waitFor();
  assert.equal(await bar.isHidden(), true);
  assert.equal(await page.locator('#view-banner').isHidden(), true);
  assert.equal(await page.locator('#nav-form').getAttribute('href'), '/form.html');
  assert.equal(await page.locator('#revision').innerText(), String(await page.evaluate(() => window.ketenbeeld.feed.revision)));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a closed incident can be replayed to its end, and ages are measured at the moment shown', async () => {
  const revisionOf = (stdout) => Number(/at revision (\d+)/.exec(stdout)[1]);
  const opened = revisionOf(await cliOk(['incident', 'open', '--id', 'stroom-zuid', '--title', 'Stroomstoring Zuid',
    '--type', 'stroomstoring', '--level', 'GRIP 1', '--region', 'VR10']));
  await cliOk(['status', 'report', '--org', 'vvt-duin', '--overall', 'strained', '--text', 'op noodstroom']);
  const closed = revisionOf(await cliOk(['incident', 'close', 'stroom-zuid']));

  const page = await room.openPage('/');
  await page.waitForSelector('#conn[data-state="live"]');
  // No card for it any more, but a line under "Gesloten incidenten" with its own Terugkijken.
  assert.equal(await page.locator('article[data-incident="stroom-zuid"]').count(), 0);
  const line = page.locator('.closed-incidents li[data-incident="stroom-zuid"]');
  await page.locator('.closed-incidents summary').click();
  assert.match(await line.innerText(), /Stroomstoring Zuid.*gesloten/s);
  await line.locator('[data-replay]').click();
  await page.waitForSelector(`#replay[data-revision="${closed}"]`);
  const steps = await page.evaluate(() => window.ketenbeeld.view().past.steps);
  assert.equal(steps.at(-1).revision, closed, 'the slider ends where the incident was closed, not now');
  assert.equal(steps[0].revision, opened);

  // At the first step the page's "now" is the moment the incident was opened, not the browser's now.
  const slider = page.locator('#replay-slider');
  await slider.focus();
  await page.keyboard.press('Home');
  await page.waitForSelector(`#replay[data-revision="${opened}"]`);
  assert.equal(await page.evaluate(() => window.ketenbeeld.now()), Date.parse(steps[0].time));
  // The incident was open then: its card is on the replayed picture.
  await page.locator('article[data-incident="stroom-zuid"]').waitFor();

  await page.locator('#replay-live').click();
  await page.waitForSelector('#replay', { state: 'hidden' });
  const offset = Math.abs(await page.evaluate(() => window.ketenbeeld.now() - Date.now()
    - window.ketenbeeld.serverOffsetMs()));
  assert.ok(offset < 1000, `back to the server's time (${offset} ms off)`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
