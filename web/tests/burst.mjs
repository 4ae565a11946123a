// Measures what a burst of status reports costs the gateway per open dashboard: the API calls one page makes while
// 100 reports arrive (5 organisations, 5 active alerts, 3 scenarios), counted by method. Not a test (the bound is
// asserted in dashboard_derived.test.mjs); a number for docs and for comparing page versions:
//   node tests/burst.mjs                      # the pages embedded in the server binary
//   node tests/burst.mjs --assets DIR         # the pages in DIR (e.g. an older web/static from git)
//   node tests/burst.mjs --spread 20000       # the 100 reports paced evenly over 20 s instead of back to back
// Uses KETENBEELD_SERVER_BINARY or ../build/server/ketenbeeld-server, like the tests.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ServerProcess, launchBrowser, seedOrganizations, tempDir } from './harness.mjs';

const assetsIndex = process.argv.indexOf('--assets');
const assets = assetsIndex > 0 ? resolve(process.argv[assetsIndex + 1]) : '';
const spreadIndex = process.argv.indexOf('--spread');
const spreadMs = spreadIndex > 0 ? Number(process.argv[spreadIndex + 1]) : 0;
const REPORTS = 100;
// After the last report, how long the page may still be fetching (its throttle interval plus a margin).
const SETTLE_MS = 4000;

const dataDir = tempDir('ketenbeeld-burst-');
const server = new ServerProcess({ dataDir: `${dataDir}/db`, extraArgs: assets ? ['--http_assets_dir', assets] : [] });
let browser;
try {
  await server.start();
  const orgs = ['a', 'b', 'c', 'd', 'e'].map((x) => ({
    id: `org-${x}`, name: `Org ${x}`, kind: 'ORGANIZATION_KIND_HOSPITAL', safety_region: 'VR10',
  }));
  await seedOrganizations(server, orgs);
  for (let i = 1; i <= 5; i += 1) {
    await server.call('ketenbeeld.v1.AlertService/SendAlert', {
      alert: { id: `alert-${i}`, headline: `Alert ${i}`, urgency: 'URGENCY_EXPECTED', severity: 'ALERT_SEVERITY_MODERATE',
        certainty: 'CERTAINTY_LIKELY', audience: { safety_regions: ['VR10'] } },
    });
  }
  for (let i = 1; i <= 3; i += 1) {
    await server.call('ketenbeeld.v1.ReportService/PutScenario', {
      scenario: { id: `scenario-${i}`, name: `Scenario ${i}`, safety_region: 'VR10',
        capacity: [{ bed_type: 'BED_TYPE_IC_ADULT', quantity: 40 }] },
    });
  }
  browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#conn[data-state="live"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-scenario] table.gaps').length === 3
    && document.querySelectorAll('[data-alert] .ack-count').length === 5);
  const counts = new Map();
  page.on('request', (request) => {
    const match = request.url().match(/\/api\/ketenbeeld\.v1\.(\w+\/\w+)$/);
    if (match && request.method() === 'POST') counts.set(match[1], (counts.get(match[1]) || 0) + 1);
  });
  const started = Date.now();
  let last;
  for (let i = 0; i < REPORTS; i += 1) {
    const due = started + (spreadMs * i) / REPORTS;
    if (Date.now() < due) await new Promise((r) => { setTimeout(r, due - Date.now()); });
    last = await server.call('ketenbeeld.v1.PictureService/ReportStatus', {
      report: { organization_id: orgs[i % orgs.length].id, overall_status: 'OVERALL_STATUS_STRAINED',
        capacity: [{ type: 'BED_TYPE_IC_ADULT', available: i }] },
    });
  }
  const burstMs = Date.now() - started;
  await page.waitForFunction((revision) => Number(window.ketenbeeld.feed.revision) >= revision, Number(last.revision));
  await page.waitForTimeout(SETTLE_MS);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ assets: assets || 'embedded', reports: REPORTS, spread_ms: spreadMs, burst_ms: burstMs, calls: total,
    by_method: Object.fromEntries(counts) }));
} finally {
  await browser?.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
