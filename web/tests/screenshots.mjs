// Makes docs/dashboard.png, docs/map.png and docs/form.png: a realistic picture of a power cut in Den Helder (VR10),
// seeded over the JSON API, photographed in Debian's chromium. The map is photographed without its background tiles
// (the harness starts the server with --map_tile_url ''): a build machine need not reach PDOK. Run: npm run screenshots (after building the server), ~90 s:
// it waits for one report to become overdue so that the screenshot shows how an overdue report stands out.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ServerProcess, cli, launchBrowser, tempDir } from './harness.mjs';

// Usage: node tests/screenshots.mjs DOCS_DIR [--attach HTTP_HOST:PORT GRPC_HOST:PORT]
// --attach photographs a server that is already running (seeded on first use), for quick work on the styles with
// ketenbeeld-server --http_assets_dir web/static.
const docs = resolve(process.argv[2] || '../docs');
const attach = process.argv[3] === '--attach' ? { http: process.argv[4], grpc: process.argv[5] } : null;
const minutesFromNow = (m) => new Date(Date.now() + m * 60000).toISOString();

// [id, name, kind, main site's latitude, longitude] (the sites are near the real places, the names partly invented).
const ORGANIZATIONS = [
  ['nwz-alkmaar', 'Noordwest Ziekenhuisgroep Alkmaar', 'ORGANIZATION_KIND_HOSPITAL', 52.638, 4.740],
  ['dijklander-hoorn', 'Dijklander Ziekenhuis Hoorn', 'ORGANIZATION_KIND_HOSPITAL', 52.645, 5.059],
  ['ambulance-nhn', 'Ambulancedienst Noord-Holland Noord', 'ORGANIZATION_KIND_AMBULANCE_SERVICE', 52.622, 4.771],
  ['hap-den-helder', 'Huisartsenpost Den Helder', 'ORGANIZATION_KIND_GP_POST', 52.951, 4.749],
  ['vvt-duinrand', 'Zorgcentrum Duinrand', 'ORGANIZATION_KIND_NURSING_HOME', 52.928, 4.768],
  ['vvt-de-helling', 'Woonzorg De Helling', 'ORGANIZATION_KIND_NURSING_HOME', 52.787, 4.800],
  ['thuiszorg-wf', 'Thuiszorg West-Friesland', 'ORGANIZATION_KIND_HOME_CARE', 52.897, 4.731],
  ['ggz-nhn', 'GGZ Noord-Holland-Noord', 'ORGANIZATION_KIND_MENTAL_HEALTH', 52.600, 4.700],
  ['gemeente-den-helder', 'Gemeente Den Helder', 'ORGANIZATION_KIND_MUNICIPALITY', 52.956, 4.761],
];
// Den Helder-Zuid and Julianadorp, roughly.
const POWER_CUT_AREA = [[52.880, 4.705], [52.880, 4.790], [52.925, 4.800], [52.945, 4.775], [52.940, 4.715]]
  .map(([latitude, longitude]) => ({ latitude, longitude }));

const reporter = (name) => ({ name, function: 'crisiscoördinator', phone: '0223 000 000' });

const REPORTS = {
  'nwz-alkmaar': {
    overall_status: 'OVERALL_STATUS_CRITICAL', crisis_plan_activated: true,
    free_text: 'Extra IC-capaciteit pas na 18:00 door personeelstekort.',
    disruptions: [
      { type: 'DISRUPTION_TYPE_PATIENT_SURGE', severity: 'SEVERITY_CRITICAL', description: 'Veel aanbod uit Den Helder' },
      { type: 'DISRUPTION_TYPE_STAFF_SHORTAGE', severity: 'SEVERITY_MAJOR' },
    ],
    capacity: [
      { type: 'BED_TYPE_IC_ADULT', available: 1, occupied: 17, baseline: 18, surge_24h: 4 },
      { type: 'BED_TYPE_EMERGENCY_DEPARTMENT', available: 2, baseline: 24 },
      { type: 'BED_TYPE_GENERAL_WARD', available: 14, occupied: 206, baseline: 220, surge_24h: 20 },
    ],
    staffing: { level: 'STAFFING_LEVEL_INSUFFICIENT', shortage_count: 9 },
    emergency_department: { state: 'EMERGENCY_DEPARTMENT_STATE_DIVERSION', reason: 'SEH vol' },
    reporter: reporter('M. de Vries'),
  },
  'dijklander-hoorn': {
    overall_status: 'OVERALL_STATUS_STRAINED',
    disruptions: [{ type: 'DISRUPTION_TYPE_DIGITAL_DISRUPTION', severity: 'SEVERITY_MINOR', description: 'EPD traag' }],
    capacity: [
      { type: 'BED_TYPE_IC_ADULT', available: 3, occupied: 7, baseline: 10, surge_24h: 2 },
      { type: 'BED_TYPE_GENERAL_WARD', available: 21, baseline: 180 },
    ],
    staffing: { level: 'STAFFING_LEVEL_ADEQUATE' },
    emergency_department: { state: 'EMERGENCY_DEPARTMENT_STATE_OPEN' },
    reporter: reporter('S. Bakker'),
  },
  'ambulance-nhn': {
    overall_status: 'OVERALL_STATUS_STRAINED',
    disruptions: [{ type: 'DISRUPTION_TYPE_STAFF_SHORTAGE', severity: 'SEVERITY_MINOR' }],
    staffing: { level: 'STAFFING_LEVEL_INSUFFICIENT', shortage_count: 2 },
    reporter: reporter('K. Jansen'),
  },
  'vvt-duinrand': {
    overall_status: 'OVERALL_STATUS_CRITICAL', crisis_plan_activated: true,
    free_text: 'Aggregaat draait; 12 cliënten met hoogste zorgzwaarte moeten vandaag weg.',
    disruptions: [
      { type: 'DISRUPTION_TYPE_UTILITY_FAILURE', severity: 'SEVERITY_CRITICAL', description: 'Geen netstroom sinds 11:40' },
      { type: 'DISRUPTION_TYPE_CLIENT_RELOCATION', severity: 'SEVERITY_MAJOR' },
      { type: 'DISRUPTION_TYPE_DIGITAL_DISRUPTION', severity: 'SEVERITY_MAJOR', description: 'Telefonie deels uit' },
    ],
    capacity: [{ type: 'BED_TYPE_NURSING_HOME', available: 0, occupied: 40, baseline: 40 }],
    supplies: [
      { type: 'SUPPLY_TYPE_POWER_GRID', state: 'SUPPLY_STATE_UNAVAILABLE' },
      { type: 'SUPPLY_TYPE_GENERATOR', state: 'SUPPLY_STATE_LIMITED', stock: 3000, consumption_per_day: 4000, unit: 'liter', autonomy_hours: 18 },
    ],
    staffing: { level: 'STAFFING_LEVEL_ADEQUATE' },
    reporter: reporter('A. Visser'),
  },
  'vvt-de-helling': {
    overall_status: 'OVERALL_STATUS_NORMAL',
    capacity: [{ type: 'BED_TYPE_NURSING_HOME', available: 5, occupied: 55, baseline: 60, surge_24h: 4 }],
    supplies: [{ type: 'SUPPLY_TYPE_GENERATOR', state: 'SUPPLY_STATE_AVAILABLE', stock: 9000, consumption_per_day: 1500, unit: 'liter' }],
    staffing: { level: 'STAFFING_LEVEL_ADEQUATE' },
    reporter: reporter('R. Smit'),
  },
  'thuiszorg-wf': {
    overall_status: 'OVERALL_STATUS_STRAINED',
    disruptions: [
      { type: 'DISRUPTION_TYPE_STAFF_SHORTAGE', severity: 'SEVERITY_MAJOR' },
      { type: 'DISRUPTION_TYPE_LOGISTICS_STAGNATION', severity: 'SEVERITY_MINOR', description: 'Wegen Den Helder-Zuid afgesloten' },
    ],
    staffing: { level: 'STAFFING_LEVEL_INSUFFICIENT', shortage_count: 14 },
    reporter: reporter('L. Mulder'),
  },
  'ggz-nhn': {
    overall_status: 'OVERALL_STATUS_NORMAL',
    capacity: [{ type: 'BED_TYPE_GGZ_CRISIS', available: 2, occupied: 6, baseline: 8 }],
    reporter: reporter('J. de Boer'),
  },
};

async function seed(server, waitForOverdue) {
  for (const [id, name, kind, latitude, longitude] of ORGANIZATIONS) {
    await server.call('ketenbeeld.v1.PictureService/RegisterOrganization', {
      organization: { id, name, kind, safety_region: 'VR10', contact: { name: 'Crisiscoördinator', phone: '0223 000 000' },
        locations: [{ id: 'hoofdlocatie', name: 'Hoofdlocatie', coordinates: { latitude, longitude } }] },
    });
  }
  // The GP post reports first and then nothing: it becomes overdue.
  const first = await cli(server, ['status', 'report', '--org', 'hap-den-helder', '--overall', 'normal']);
  if (first.code !== 0) throw new Error(first.stderr);
  if (waitForOverdue) {
    console.log('waiting 65 s for the first report to become overdue…');
    await new Promise((r) => setTimeout(r, 65000));
  }
  await server.call('ketenbeeld.v1.IncidentService/OpenIncident', {
    incident: {
      id: 'stroom-den-helder', title: 'Stroomstoring Den Helder-Zuid', type: 'stroomstoring', scale_up_level: 'GRIP 2',
      safety_region: 'VR10', area: { description: 'Den Helder-Zuid en Julianadorp', polygons: [{ points: POWER_CUT_AREA }] },
      affected_organization_ids: ['vvt-duinrand', 'hap-den-helder', 'thuiszorg-wf'], casualties: { t1: 1, t2: 3, t3: 12 },
    },
  });
  for (const [layer, text, author] of [
    ['SITUATION_LAYER_PICTURE', 'Sinds 11:40 geen netstroom in Den Helder-Zuid; Zorgcentrum Duinrand draait op een aggregaat.', 'Officier van dienst GHOR'],
    ['SITUATION_LAYER_ASSESSMENT', 'Aggregaat houdt het circa 18 uur vol; herstel netstroom niet voor morgen verwacht.', 'Algemeen commandant GZ'],
    ['SITUATION_LAYER_DECISION', 'Uitplaatsing van 12 cliënten met de hoogste zorgzwaarte naar De Helling en Hoorn.', 'Regionaal OT'],
  ]) {
    await server.call('ketenbeeld.v1.IncidentService/AddSituationEntry', { entry: { incident_id: 'stroom-den-helder', layer, text, author } });
  }
  for (const [id, report] of Object.entries(REPORTS)) {
    await server.call('ketenbeeld.v1.PictureService/ReportStatus', { report: { organization_id: id, ...report } });
  }
  await server.call('ketenbeeld.v1.AlertService/SendAlert', {
    alert: {
      id: 'noodstroom-check', headline: 'Stroomstoring: controleer uw noodstroom en meld uw autonomie',
      instruction: 'Meld vóór de deadline hoeveel uur uw aggregaat draait.', urgency: 'URGENCY_IMMEDIATE',
      severity: 'ALERT_SEVERITY_SEVERE', certainty: 'CERTAINTY_OBSERVED', acknowledge_by: minutesFromNow(45),
      incident_id: 'stroom-den-helder', audience: { sectors: ['SECTOR_LONG_TERM_CARE'] },
    },
  });
  await server.call('ketenbeeld.v1.AlertService/AcknowledgeAlert', { alert_id: 'noodstroom-check', organization_id: 'vvt-de-helling', comment: 'Aggregaat getest' });
  await server.call('ketenbeeld.v1.AlertService/AcknowledgeAlert', { alert_id: 'noodstroom-check', organization_id: 'vvt-duinrand' });
  await server.call('ketenbeeld.v1.AssistanceService/RequestAssistance', {
    request: { id: 'duinrand-plaatsen', organization_id: 'vvt-duinrand', type: 'ASSISTANCE_TYPE_BEDS', bed_type: 'BED_TYPE_NURSING_HOME',
      quantity: 12, needed_by: minutesFromNow(180), incident_id: 'stroom-den-helder', description: 'Cliënten met hoogste zorgzwaarte' },
  });
  await server.call('ketenbeeld.v1.AssistanceService/OfferAssistance', { request_id: 'duinrand-plaatsen', offer: { organization_id: 'vvt-de-helling', quantity: 5 } });
  await server.call('ketenbeeld.v1.AssistanceService/OfferAssistance', { request_id: 'duinrand-plaatsen', offer: { organization_id: 'dijklander-hoorn', quantity: 4 } });
  await server.call('ketenbeeld.v1.AssistanceService/RequestAssistance', {
    request: { id: 'duinrand-brandstof', organization_id: 'vvt-duinrand', type: 'ASSISTANCE_TYPE_GENERATOR', quantity: 1,
      needed_by: minutesFromNow(600), description: 'Tweede aggregaat of diesel voor de nacht' },
  });
  await server.call('ketenbeeld.v1.ReportService/PutScenario', {
    scenario: {
      id: 'langdurige-stroomuitval', name: 'Langdurige stroomuitval (ZRP)', safety_region: 'VR10',
      capacity: [
        { bed_type: 'BED_TYPE_IC_ADULT', quantity: 8 },
        { bed_type: 'BED_TYPE_NURSING_HOME', quantity: 30, sector: 'SECTOR_LONG_TERM_CARE' },
        { bed_type: 'BED_TYPE_GENERAL_WARD', quantity: 25 },
      ],
      supplies: [{ type: 'SUPPLY_TYPE_GENERATOR', min_days_of_supply: 2 }],
    },
  });
}

async function photograph(context, server) {
  const dashboard = await context.newPage();
  await dashboard.setViewportSize({ width: 1920, height: 1080 });
  await dashboard.goto(`${server.url}/`);
  await dashboard.waitForSelector('#conn[data-state="live"]');
  await dashboard.waitForSelector('[data-unacknowledged]');
  await dashboard.waitForSelector('table.gaps');
  await dashboard.waitForTimeout(3000);  // Let the change highlights fade.
  await dashboard.screenshot({ path: `${docs}/dashboard.png` });
  console.log(`wrote ${docs}/dashboard.png`);

  // The map, with Zorgcentrum Duinrand's report opened by a click on its site.
  const map = await context.newPage();
  await map.setViewportSize({ width: 1400, height: 1000 });
  await map.goto(`${server.url}/`);
  await map.waitForSelector('#conn[data-state="live"]');
  await map.waitForSelector('#map path.map-area[data-incident="stroom-den-helder"]');
  await map.locator('#map path.map-site[data-org="vvt-duinrand"]').click();
  await map.waitForSelector('#map-detail[data-org="vvt-duinrand"]');
  await map.mouse.move(0, 0);  // No tooltip over the picture.
  await map.waitForTimeout(3000);
  await map.locator('.p-map').screenshot({ path: `${docs}/map.png` });
  console.log(`wrote ${docs}/map.png`);

  const form = await context.newPage();
  await form.setViewportSize({ width: 1100, height: 1500 });
  await form.goto(`${server.url}/form.html?org=vvt-duinrand`);
  await form.waitForSelector('input[name="overall"][value="OVERALL_STATUS_CRITICAL"]:checked', { state: 'attached' });
  await form.locator('#capacity tr[data-type="BED_TYPE_NURSING_HOME"] [data-name="available"]').fill('-2');
  await form.locator('#submit').click();
  await form.waitForSelector('.field-error');
  await form.evaluate(() => window.scrollTo(0, 0));
  await form.screenshot({ path: `${docs}/form.png` });
  console.log(`wrote ${docs}/form.png`);
}

async function main() {
  const { context, close } = await launchBrowser();
  if (attach) {
    const server = new ServerProcess({ dataDir: '' });
    server.httpAddress = attach.http;
    server.grpcAddress = attach.grpc;
    const health = await (await fetch(`${server.url}/healthz`)).json();
    if (Number(health.revision) === 0) await seed(server, false);
    try {
      await photograph(context, server);
    } finally {
      await close();
    }
    return;
  }
  const dataDir = tempDir('ketenbeeld-screens-');
  // A one-minute cadence, so a report becomes overdue while this script runs.
  const server = await new ServerProcess({ dataDir: `${dataDir}/db`, extraArgs: ['--reporting_interval', '1m'] }).start();
  try {
    await seed(server, true);
    await photograph(context, server);
  } finally {
    await close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
