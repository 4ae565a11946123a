// The crisis-room dashboard: the live picture per region and sector, incidents, alerts, assistance and scenario gaps.
//
// Everything on screen comes from the feed's replica, including who has acknowledged an alert, the capacity totals
// and the scenarios' gap reports: derive.js computes them from the records the feed carries, as the server does, so
// a change costs the gateway nothing beyond the feed (before, every change made every screen call the capacity
// overview, once per active alert and once per scenario). Only a reader whose feed withholds other organisations'
// figures (docs/security.md) cannot compute totals and gaps; it fetches the server's, each at most once per
// REFRESH_MS however many changes arrive, only after a change that can alter it, and once more after the last such
// change (throttle.js).
//
// The view (view.js): the real picture, or an exercise's (?exercise=ID, chosen in the top bar), under an OEFENING
// banner; and, on an incident's "Terugkijken", the picture at any revision of its lifetime (a time slider over the
// revisions History gives, each read with List at that revision), until "Terug naar live".
//
// On a ROAZ or national server (federation.js, docs/dashboard.md "Across regions"): a region column in the
// organisations' tables, a region filter kept in the address (?region=VR10&region=VR11), and a panel of the source
// regions with when each was last heard from, a stale badge (the server's judgement, from the capacity overview's
// sources) and the sector aggregates they send in place of long-term care organisations' figures.
import { call, Methods } from './api.js';
import { FIGURES, acknowledgementState, assistanceCoverage, capacityTotals, gapReport, isStale, totalsFromOverview } from './derive.js';
import { continuityTimeline, DEFAULT_HORIZON_MS } from './continuity.js';
import { choices, loadEnums, rank } from './enums.js';
import { Feed, statusText } from './feed.js';
import { clock, count, moment, refreshTimes, relativeTime, when } from './format.js';
import { html, join, setHtml } from './html.js';
import { measureAt, serverNow, serverOffsetMs } from './server_clock.js';
import { assistanceWhat, label, language, setLanguage, shortBedType, shortDisruption, t, translatePage } from './i18n.js';
import { Throttle } from './throttle.js';
import {
  aggregatesOf, isFederated, originOf, regionChosen, regionsIn, regionsOf, sourcesOf, withRegions,
} from './federation.js';
import { overviewHtml } from './indicator_panel.js';
import { AREA_COLOURS, DashboardMap, areaShapes, sitePosition, statusClass } from './map.js';
import {
  choosableExercises, EXERCISE_PARAM, exerciseOf, inView, lifetime, linkInView, realName, replaySteps, stepAt,
  viewFilter, viewMark,
} from './view.js';

const STATUS_RANK = {
  OVERALL_STATUS_NORMAL: 1, OVERALL_STATUS_UNKNOWN: 2, OVERALL_STATUS_STRAINED: 3, OVERALL_STATUS_CRITICAL: 4,
  OVERALL_STATUS_CLOSED: 5,
};
const SECTOR_ORDER = ['SECTOR_ACUTE_CARE', 'SECTOR_LONG_TERM_CARE', 'SECTOR_OTHER', 'SECTOR_UNSPECIFIED'];
const FLASH_MS = 2500;
// How often at most a server-computed report is fetched while changes keep coming (readers without every
// organisation's figures only). Gap reports are for planning; two seconds behind the feed is fine.
const REFRESH_MS = 2000;

const $ = (id) => document.getElementById(id);
const flashUntil = new Map();  // organisation id / record name -> time until which it is highlighted

// What the server computes, as last fetched. `forbidden`: reports this reader's role may not read (an institution
// may not read gap reports, an admin not the overview): asked once, then no more (a tab keeps its token).
const fetched = { overview: null, overviewError: '', gaps: new Map(), gapErrors: new Map(), forbidden: new Set() };
const overviewRefresh = new Throttle(REFRESH_MS, refreshOverview);
const gapRefreshes = new Map();  // scenario id -> Throttle
// The questionnaire panel (indicator_panel.js): the server's indicator overview for the chosen incident ('' = every
// open question), fetched like the overview above, for every reader (only the server applies its visibility rules).
const questionnaire = { incident: '', overview: null, error: '', options: '' };
const questionnaireRefresh = new Throttle(REFRESH_MS, refreshIndicators);

// Across regions: the regions chosen ([] = every region, from the address), and the server's judgement of each
// source's freshness (region -> CapacityOverview.sources entry), fetched while the picture is federated: staleness
// is a matter of time passing (federation.stale_after), not of events, so it is asked for every SOURCES_MS.
let chosenRegions = regionsOf(window.location.search);
const federation = { freshness: new Map(), error: '', federated: false };
const SOURCES_MS = 10000;
const sourcesRefresh = new Throttle(REFRESH_MS, refreshSources);

// The exercise shown ('' = the real picture), from the address; and what is known of it (from the exercise list).
const exerciseId = exerciseOf(window.location.search);
const view = { exercises: [], exercise: null, listError: '' };
// While an incident is replayed: {incident, title, steps, position, revision, records: Map | null, error, reading}
// (records: the picture at `revision`, null until the first read; reading: the read in flight, 0 when none).
// The feed keeps running underneath, so "Terug naar live" shows at once what was written meanwhile.
let past = null;
// The records on screen: the replayed moment's, or the live feed's.
const shown = () => (past?.records ?? feed.records);

const feed = new Feed({
  filter: viewFilter(exerciseId),
  onChange: ({ changed, events, reset }) => {
    const now = Date.now();
    if (!reset) {
      for (const name of changed) {
        flashUntil.set(name, now + FLASH_MS);
        const org = realName(name).match(/^organizations\/([^/]+)/);
        if (org) flashUntil.set(`org:${org[1]}`, now + FLASH_MS);
      }
    }
    scheduleRender();
    planRefresh(events, reset);
  },
  onStatus: () => renderStatus(),
});

// The map (map.js; null when it could not be made) and the organisation whose report it shows ('' = none).
let dashboardMap = null;
let mapError = '';
let selectedOrg = '';

// --- The picture, from the replica ---

function picture() {
  const organizations = [];
  const reports = new Map();  // organisation id -> {org: StatusReport record | undefined, locations: [record]}
  const incidents = [];
  const entries = new Map();  // incident id -> [SituationEntry]
  const alerts = [];
  const requests = [];
  const scenarios = [];
  const audience = [];  // organisation and acknowledgement records: what an alert's acknowledgement state needs
  const escalations = [];  // open escalation tasks, oldest first (their names sort in commit order)
  const organizationRecords = new Map();  // organisation id -> its registration record (with its provenance)
  for (const record of shown().values()) {
    switch (record.kind) {
      case 'ENTITY_KIND_ORGANIZATION':
        organizations.push(record.organization);
        organizationRecords.set(record.organization.id, record);
        audience.push(record);
        break;
      case 'ENTITY_KIND_STATUS_REPORT': {
        const report = record.status_report;
        const entry = reports.get(report.organization_id) || { org: undefined, locations: [] };
        if (report.location_id) entry.locations.push(record); else entry.org = record;
        reports.set(report.organization_id, entry);
        break;
      }
      case 'ENTITY_KIND_INCIDENT': incidents.push(record.incident); break;
      case 'ENTITY_KIND_SITUATION_ENTRY': {
        const entry = record.situation_entry;
        if (!entries.has(entry.incident_id)) entries.set(entry.incident_id, []);
        entries.get(entry.incident_id).push(entry);
        break;
      }
      case 'ENTITY_KIND_ALERT': alerts.push(record.alert); break;
      case 'ENTITY_KIND_ACKNOWLEDGEMENT': audience.push(record); break;
      case 'ENTITY_KIND_ASSISTANCE_REQUEST': requests.push(record.assistance_request); break;
      case 'ENTITY_KIND_SCENARIO': scenarios.push(record.scenario); break;
      case 'ENTITY_KIND_ESCALATION_TASK':
        if (record.escalation_task.status === 'ESCALATION_STATUS_OPEN') escalations.push(record.escalation_task);
        break;
      default: break;
    }
  }
  escalations.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const names = new Map(organizations.map((o) => [o.id, o.name]));
  return {
    organizations, organizationRecords, reports, incidents, entries, alerts, requests, scenarios, names, audience,
    escalations,
  };
}

// The picture as the region filter shows it: only the chosen regions' organisations (the tables and the map).
function inChosenRegions(p) {
  if (chosenRegions.length === 0) return p;
  return { ...p, organizations: p.organizations.filter((org) => regionChosen(chosenRegions, org.safety_region)) };
}

// --- Rendering ---

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  const p = picture();
  const capacity = capacityTotals(shown().values());
  const sources = renderSources();
  renderView();
  renderStatus();
  renderOrganizations(inChosenRegions(p), sources);
  renderMap(inChosenRegions(p));
  renderCapacity(capacity, sources);
  renderIncidents(p);
  renderAlerts(p);
  renderAssistance(p);
  renderContinuity(p);
  renderGaps(p, capacity.withheld);
  renderIndicators(p);
  refreshTimes();
}

function renderStatus() {
  const conn = $('conn');
  conn.dataset.state = feed.state;
  $('conn-text').textContent = statusText(feed, t, clock);
  const revision = past ? past.revision : feed.revision;
  $('revision').textContent = revision > 0 ? revision.toLocaleString('nl-NL') : '—';
  setHtml($('last-change'), feed.lastChange
    ? html`${clock(feed.lastChange)} <small>(${relativeTime(feed.lastChange.toISOString())})</small>` : html`—`);
}

function isFlashing(key) {
  if (past) return false;  // Live changes are not highlighted on a past picture.
  const until = flashUntil.get(key);
  return until !== undefined && until > Date.now();
}

function severityClass(severity) {
  return { SEVERITY_MINOR: 'sev-minor', SEVERITY_MAJOR: 'sev-major', SEVERITY_CRITICAL: 'sev-critical' }[severity]
    || 'sev-none';
}

// The overall status; "unknown (last known: strained)" when the server set it to unknown for an overdue report.
function statusBadge(report) {
  const value = report?.overall_status || 'OVERALL_STATUS_UNSPECIFIED';
  const cls = value.replace('OVERALL_STATUS_', '').toLowerCase();
  const lastKnown = report?.unknown_since
    ? html`<br><small class="last-known" data-last-known="${report.last_known_overall_status || ''}"
        title="${t('status.unknown_since', { time: when(report.unknown_since) })}">${t('status.last_known', { status: label(report.last_known_overall_status || 'OVERALL_STATUS_UNSPECIFIED') })}</small>`
    : '';
  return html`<span class="status status-${cls}">${label(value)}</span>${lastKnown}`;
}

function disruptionBadges(report) {
  const byType = new Map((report?.disruptions || []).map((d) => [d.type, d]));
  return html`<div class="dis-grid">${choices('DisruptionType').map((type) => {
    const disruption = byType.get(type);
    const severity = disruption?.severity;
    const reported = disruption !== undefined;
    const tip = [label(type), reported ? label(severity) : label('SEVERITY_UNSPECIFIED'),
      disruption?.description || '', disruption?.since ? `${t('form.since')} ${when(disruption.since)}` : '']
      .filter(Boolean).join(' — ');
    return html`<span class="dis ${severityClass(severity)}${reported ? '' : ' dis-unreported'}" title="${tip}"
      data-disruption="${type}" data-severity="${severity || ''}">${shortDisruption(type)}</span>`;
  })}</div>`;
}

// Figures this reader may not see (another organisation's, docs/security.md): shown as withheld, never as zero or
// "not reported".
function withheld() {
  return html`<span class="muted withheld" title="${t('withheld.tip')}" data-withheld>${t('withheld')}</span>`;
}

// Capacity that is not beds (ambulances, GP post, home care, GGD teams) as chips after the beds; a count not reported
// is "—", never 0. Only parts with at least one count give a chip. These parts carry no time of their own: they are
// stale (greyed, counted apart in the overview) when the report is overdue.
function chainChips(report) {
  const given = (part, names) => part && names.some((n) => part[n] !== undefined);
  const chips = [];
  const stale = Boolean(report?.overdue_since);
  const chip = (kind, text, tip, empty) => chips.push(html`<span class="chip chip-chain${empty ? ' chip-empty' : ''}${stale ? ' chip-stale' : ''}"
    title="${tip}" data-chain="${kind}"${stale ? html` data-stale` : ''}>${text}</span>`);
  const a = report?.ambulance;
  if (given(a, ['ambulances_available', 'ambulances_deployed'])) {
    const values = { free: count(a.ambulances_available), deployed: count(a.ambulances_deployed) };
    chip('ambulance', t('chain.ambulances', values), t('chain.ambulances.tip', values),
      a.ambulances_available !== undefined && Number(a.ambulances_available) === 0);
  }
  const g = report?.gp_post;
  if (given(g, ['consultations_per_hour', 'slots_available'])) {
    const values = { per_hour: count(g.consultations_per_hour), slots: count(g.slots_available) };
    chip('gp_post', t('chain.gp_post', values), t('chain.gp_post.tip', values),
      g.slots_available !== undefined && Number(g.slots_available) === 0);
  }
  const h = report?.home_care;
  if (given(h, ['clients_in_care', 'clients_on_powered_devices', 'clients_on_home_ventilation'])) {
    const values = { clients: count(h.clients_in_care), powered: count(h.clients_on_powered_devices),
      ventilation: count(h.clients_on_home_ventilation) };
    chip('home_care', t('chain.home_care', values), t('chain.home_care.tip', values), false);
  }
  const p = report?.public_health;
  if (given(p, ['infection_control_teams_available', 'vaccination_teams_available', 'psychosocial_teams_available'])) {
    const values = { infection: count(p.infection_control_teams_available),
      vaccination: count(p.vaccination_teams_available), psychosocial: count(p.psychosocial_teams_available) };
    chip('public_health', t('chain.public_health', values), t('chain.public_health.tip', values), false);
  }
  return chips;
}

function capacityChips(report) {
  if (report?.detail_withheld) return withheld();
  const capacity = report?.capacity || [];
  const chain = chainChips(report);
  if (capacity.length === 0 && chain.length === 0) return html`<span class="muted">—</span>`;
  return [...capacity.map((c) => {
    const empty = c.available !== undefined && Number(c.available) === 0;
    // A stale figure (report overdue, or not renewed by the latest report) is greyed, with its age.
    const reportedAt = c.reported_at || report.commit_time;
    const stale = isStale(report, c.reported_at);
    const age = t(stale ? 'cap.stale_chip' : 'cap.reported_at', { time: when(reportedAt), age: relativeTime(reportedAt) });
    const tip = `${label(c.type)}: ${t('col.available')} ${count(c.available)}, ${t('col.occupied')} ${count(c.occupied)}, `
      + `${t('col.baseline')} ${count(c.baseline)}, +24 ${count(c.surge_24h)}, +72 ${count(c.surge_72h)} — ${age}`;
    return html`<span class="chip${empty ? ' chip-empty' : ''}${stale ? ' chip-stale' : ''}" title="${tip}" data-bed-type="${c.type}"${stale ? html` data-stale` : ''}>
      <span class="chip-label">${shortBedType(c.type)}</span>
      <b>${count(c.available)}</b><span class="muted">/${count(c.baseline)}</span></span>`;
  }), ...chain];
}

function staffingCell(report) {
  if (report?.detail_withheld) return withheld();
  const staffing = report?.staffing;
  if (!staffing || !staffing.level) return html`<span class="muted">—</span>`;
  const bad = staffing.level === 'STAFFING_LEVEL_INSUFFICIENT';
  const shortage = staffing.shortage_count !== undefined
    ? html`<br><small>${t('staffing.short', { n: count(staffing.shortage_count) })}</small>` : '';
  return html`<span class="${bad ? 'warn' : 'ok'}" title="${staffing.description || ''}">${label(staffing.level)}${shortage}</span>`;
}

// The emergency department's state under the status badge, when reported (hospitals).
function edLine(report) {
  const state = report?.emergency_department?.state;
  if (!state) return '';
  const cls = { EMERGENCY_DEPARTMENT_STATE_OPEN: 'ok', EMERGENCY_DEPARTMENT_STATE_DIVERSION: 'warn',
    EMERGENCY_DEPARTMENT_STATE_CLOSED: 'bad' }[state] || '';
  const expired = report.emergency_department.expired_since;
  const unconfirmed = expired
    ? html` <span class="overdue" data-ed-expired>${t('ed.expired', { time: when(expired) })}</span>` : '';
  return html`<div class="ed ${cls}" title="${report.emergency_department.reason || ''}">${t('ed.short')}: ${label(state)}${unconfirmed}</div>`;
}

// An intake stop (opnamestop / cliëntenstop) under the status badge, in red: where clients cannot go is seen first.
// Not a withheld figure: every reader sees it.
function intakeLine(report) {
  const stop = report?.intake_stop;
  if (stop?.state !== 'INTAKE_STOP_STATE_ACTIVE') return '';
  const times = [stop.since ? t('intake.since', { time: when(stop.since) }) : '',
    stop.until ? t('intake.until', { time: when(stop.until) }) : ''].filter(Boolean).join(', ');
  return html`<div class="intake-stop bad" data-intake-stop title="${[label(stop.state), times, stop.reason || ''].filter(Boolean).join(' — ')}"
    >${t('intake.stop')}${times ? html` <small>${times}</small>` : ''}</div>`;
}

// A GP post's state under the status badge, like the emergency department's.
function gpLine(report) {
  const state = report?.gp_post?.state;
  if (!state) return '';
  const cls = { GP_POST_STATE_OPEN: 'ok', GP_POST_STATE_RESTRICTED: 'warn', GP_POST_STATE_CLOSED: 'bad' }[state] || '';
  return html`<div class="gp ${cls}" data-gp-state="${state}" title="${report.gp_post.reason || ''}">${t('gp.short')}: ${label(state)}</div>`;
}

function reportAge(record) {
  if (!record) return html`<span class="never">${t('report.never')}</span>`;
  const report = record.status_report;
  const age = relativeTime(report.commit_time || record.update_time);
  if (report.overdue_since) {
    return html`<span class="overdue" data-overdue>${t('report.overdue_since', { time: when(report.overdue_since) })}</span><br><small>${age}</small>`;
  }
  return html`${age}${report.next_report_due
    ? html`<br><small class="muted">${t('report.due', { time: when(report.next_report_due) })}</small>` : ''}`;
}

// An organisation's standard identifiers (AGB, URA, KvK branch number, LRZa) as one line, in the registers' order;
// empty when it has none. They let the crisis room match a row with what a national register or LPZ shows.
const IDENTIFIER_FIELDS = ['agb', 'ura', 'kvk_branch_number', 'lrza'];
function identifiersText(identifiers) {
  return IDENTIFIER_FIELDS.filter((field) => identifiers?.[field])
    .map((field) => `${t(`identifier.${field}`)} ${identifiers[field]}`).join(' · ');
}

// The region cell of an organisation's row on a federated server: its region, and a stale badge when its figures come
// from a source not heard from within the server's federation.stale_after.
function regionCell(org, p, sources) {
  const origin = originOf(p.organizationRecords.get(org.id), sources);
  const known = sources.find((s) => s.region === origin.source);
  const badge = origin.stale
    ? html` <span class="badge-stale" data-source-stale="${origin.source}" title="${t('source.stale.tip',
      { region: origin.source, time: known?.last_heard ? when(known.last_heard) : t('source.never') })}">${t('source.stale')}</span>`
    : '';
  return html`<td class="c-region" data-region="${origin.region}">${origin.region}${badge}</td>`;
}

function reportRow(org, record, locationName, region = '') {
  const report = record?.status_report;
  const key = record ? record.name : inView(exerciseId, `organizations/${org.id}/status`);
  const flash = isFlashing(key) ? ' flash' : '';
  const overdue = report?.overdue_since ? ' row-overdue' : '';
  const never = record ? '' : ' row-never';
  const extras = [];
  if (report?.crisis_plan_activated) extras.push(html`<span class="tag">${t('report.crisis_plan')}</span>`);
  if (report?.free_text) extras.push(html`<span class="free-text">“${report.free_text}”</span>`);
  const ids = locationName ? '' : identifiersText(org.identifiers);
  const name = locationName
    ? html`<div class="loc-name">↳ ${locationName}</div>`
    : html`<div class="org-name">${org.name}</div><div class="org-kind">${label(org.kind)}</div>${ids
      ? html`<div class="org-ids" data-identifiers>${ids}</div>` : ''}`;
  const location = locationName ? html` data-location="${report?.location_id || ''}"` : '';
  return html`<tr class="org-row${flash}${overdue}${never}${locationName ? ' loc-row' : ''}" data-org="${org.id}"${location}>
    ${region}<td class="c-name">${name}${extras.length ? html`<div class="extras">${join(extras, ' ')}</div>` : ''}</td>
    <td class="c-status">${statusBadge(report)}${intakeLine(report)}${edLine(report)}${gpLine(report)}</td>
    <td class="c-dis">${disruptionBadges(report)}</td>
    <td class="c-cap">${capacityChips(report)}</td>
    <td class="c-staff">${staffingCell(report)}</td>
    <td class="c-age">${reportAge(record)}</td>
  </tr>`;
}

function renderOrganizations(p, sources) {
  const container = $('orgs');
  if (p.organizations.length === 0) {
    setHtml(container, html`<p class="nothing">${t('nothing.organizations')}</p>`);
    setHtml($('summary'), html``);
    return;
  }
  let overdue = 0;
  let never = 0;
  let critical = 0;
  let intakeStops = 0;
  const groups = new Map();  // "region|sector" -> [org]
  for (const org of p.organizations) {
    const key = `${org.safety_region}|${org.sector || 'SECTOR_UNSPECIFIED'}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(org);
    const reports = p.reports.get(org.id);
    if (!reports || (!reports.org && reports.locations.length === 0)) never += 1;
    if (reports?.org?.status_report?.overdue_since) overdue += 1;
    const worst = [reports?.org, ...(reports?.locations || [])].filter(Boolean)
      .map((r) => STATUS_RANK[r.status_report.overall_status] || 0).reduce((a, b) => Math.max(a, b), 0);
    if (worst >= STATUS_RANK.OVERALL_STATUS_CRITICAL) critical += 1;
    // An organisation with an intake stop at any of its sites (as the capacity overview counts it).
    const counted = reports?.locations?.length ? reports.locations : [reports?.org].filter(Boolean);
    if (counted.some((r) => r.status_report.intake_stop?.state === 'INTAKE_STOP_STATE_ACTIVE')) intakeStops += 1;
  }
  setHtml($('summary'), html`<span>${t('summary.organizations', { n: p.organizations.length })}</span>
    <span class="${critical ? 'bad' : 'muted'}">${t('summary.critical', { n: critical })}</span>
    <span class="${overdue ? 'overdue' : 'muted'}" data-summary-overdue="${overdue}">${t('summary.overdue', { n: overdue })}</span>
    <span class="${never ? 'warn' : 'muted'}">${t('summary.never', { n: never })}</span>
    <span class="${intakeStops ? 'bad' : 'muted'}" data-summary-intake-stop="${intakeStops}">${t('summary.intake_stop', { n: intakeStops })}</span>`);
  const keys = [...groups.keys()].sort((a, b) => {
    const [ra, sa] = a.split('|');
    const [rb, sb] = b.split('|');
    return ra.localeCompare(rb) || SECTOR_ORDER.indexOf(sa) - SECTOR_ORDER.indexOf(sb);
  });
  const legend = join(choices('DisruptionType').map((type) => html`<span title="${label(type)}">${shortDisruption(type)} = ${label(type)}</span>`), ' · ');
  const parts = [html`<div class="legend">${legend}<span class="sev-legend">${t('severity.legend')}
    <span class="dis sev-minor">${label('SEVERITY_MINOR')}</span><span class="dis sev-major">${label('SEVERITY_MAJOR')}</span><span class="dis sev-critical">${label('SEVERITY_CRITICAL')}</span></span></div>`];
  for (const key of keys) {
    const [region, sector] = key.split('|');
    const orgs = groups.get(key).sort((a, b) => a.name.localeCompare(b.name, 'nl'));
    const rows = orgs.flatMap((org) => organizationRows(org, p, federation.federated ? sources : null));
    parts.push(html`<h3 class="group">${region} · ${label(sector)} <small>(${orgs.length})</small></h3>
      <table class="orgs">${organizationsHead(federation.federated)}<tbody>${rows}</tbody></table>`);
  }
  setHtml(container, html`${parts}`);
}

function organizationsHead(withRegion) {
  return html`<thead><tr>${withRegion ? html`<th class="c-region">${t('col.region')}</th>` : ''}<th>${t('col.organization')}</th><th>${t('col.status')}</th>
      <th>${t('col.disruptions')}</th><th>${t('col.capacity')}</th><th>${t('col.staffing')}</th>
      <th>${t('col.report')}</th></tr></thead>`;
}

// An organisation's rows: its own report (or, with only per-site reports, its worst site's), then each site's.
// `sources` (federated servers only, else null): the source regions, for the region column.
function organizationRows(org, p, sources) {
  const rows = [];
  const region = sources ? regionCell(org, p, sources) : '';
  const reports = p.reports.get(org.id) || { org: undefined, locations: [] };
  if (reports.org || reports.locations.length === 0) rows.push(reportRow(org, reports.org, '', region));
  const locations = reports.locations.sort((a, b) => a.name.localeCompare(b.name));
  if (!reports.org && locations.length > 0) {
    // Only per-site reports: the organisation's row shows its worst site, the sites follow.
    const worst = locations.reduce((a, b) => ((STATUS_RANK[b.status_report.overall_status] || 0) > (STATUS_RANK[a.status_report.overall_status] || 0) ? b : a));
    rows.push(reportRow(org, worst, '', region));
  }
  for (const record of locations) {
    const location = (org.locations || []).find((l) => l.id === record.status_report.location_id);
    rows.push(reportRow(org, record, location?.name || record.status_report.location_id, region));
  }
  return rows;
}

// --- The map ---

// What the map shows of the picture: every site with coordinates in the status of its own report (else its
// organisation's), ringed when an open incident affects its organisation (named by hand or inside the area, as the
// server computes it); the drawable parts of each open incident's area. The legend says what cannot be drawn
// (postcodes, municipality codes) and which organisations have no position.
function mapModel(p) {
  const incidents = p.incidents.filter((i) => i.status !== 'INCIDENT_STATUS_CLOSED')
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const affectedBy = new Map();  // organisation id -> [incident]
  for (const incident of incidents) {
    for (const id of new Set([...(incident.affected_organization_ids || []), ...(incident.computed_affected_organization_ids || [])])) {
      if (!affectedBy.has(id)) affectedBy.set(id, []);
      affectedBy.get(id).push(incident);
    }
  }
  const activeAlerts = p.alerts.filter((a) => a.status !== 'ALERT_STATUS_CANCELLED');
  const areaAlerts = activeAlerts.filter((a) => a.audience?.incident_area);
  // Alerts with their own area (Audience.area): drawn too, and who is inside it is alerted as well.
  const ownAreaAlerts = activeAlerts.filter((a) => a.audience?.area)
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const alerted = new Set([...areaAlerts.flatMap((a) => a.audience.incident_area_organization_ids || []),
    ...ownAreaAlerts.flatMap((a) => a.audience.area_organization_ids || [])]);
  const sites = [];
  const unplaced = [];
  for (const org of p.organizations) {
    const reports = p.reports.get(org.id);
    let placed = false;
    for (const location of org.locations || []) {
      const position = sitePosition(location);
      if (!position) continue;
      placed = true;
      const own = reports?.locations.find((r) => r.status_report.location_id === location.id);
      const record = own || reports?.org;
      sites.push({
        key: `${org.id}/${location.id}`, organization_id: org.id, location_id: location.id, name: org.name,
        site: location.name, position, status: statusClass(record?.status_report?.overall_status),
        affected: affectedBy.has(org.id), alerted: alerted.has(org.id), selected: org.id === selectedOrg,
        flash: isFlashing(`org:${org.id}`),
      });
    }
    if (!placed) unplaced.push(org);
  }
  const areas = [];
  const legend = [];
  incidents.forEach((incident, i) => {
    const shapes = areaShapes(incident.area);
    const colour = i % AREA_COLOURS;
    if (shapes.polygons.length || shapes.circle) {
      areas.push({ key: incident.id, incident_id: incident.id, title: incident.title, colour, polygons: shapes.polygons, circle: shapes.circle });
    }
    const affected = new Set([...(incident.affected_organization_ids || []),
      ...(incident.computed_affected_organization_ids || [])]).size;
    const alerts = areaAlerts.filter((a) => a.incident_id === incident.id);
    const anything = shapes.polygons.length || shapes.circle || shapes.postcodes.length || shapes.municipalityCodes.length;
    if (anything || affected || alerts.length) legend.push({ incident, shapes, colour, affected, alerts });
  });
  ownAreaAlerts.forEach((alert, i) => {
    const shapes = areaShapes(alert.audience.area);
    if (!shapes.polygons.length && !shapes.circle) return;
    areas.push({ key: `alert:${alert.id}`, alert_id: alert.id, title: t('map.area.alert', { headline: alert.headline }),
      colour: (incidents.length + i) % AREA_COLOURS, polygons: shapes.polygons, circle: shapes.circle });
  });
  return { sites, areas, legend, unplaced, affectedBy };
}

function areaLegend(entry) {
  const { incident, shapes, colour, affected, alerts } = entry;
  const drawn = [];
  if (shapes.polygons.length) drawn.push(shapes.polygons.length === 1 ? t('map.area.polygon') : t('map.area.polygons', { n: shapes.polygons.length }));
  if (shapes.circle) drawn.push(t('map.area.circle', { km: (shapes.circle.radius / 1000).toLocaleString(language() === 'en' ? 'en-GB' : 'nl-NL') }));
  const listed = [];
  if (shapes.postcodes.length) listed.push(t('map.area.postcodes', { list: shapes.postcodes.join(', ') }));
  if (shapes.municipalityCodes.length) listed.push(t('map.area.municipalities', { list: shapes.municipalityCodes.join(', ') }));
  const what = [drawn.join(', ') || (listed.length ? '' : t('map.area.none')),
    listed.length ? `${listed.join(' · ')} (${t('map.area.not_drawn')})` : ''].filter(Boolean).join(' · ');
  return html`<li data-map-incident="${incident.id}"><span class="swatch area-c${colour}"></span>
    <b>${incident.title}</b> <span class="muted">${what}${affected ? ` · ${t('map.area.affected', { n: affected })}` : ''}</span>
    ${alerts.map((a) => html`<div class="map-alert" data-map-alert="${a.id}">${t('map.area.alert', { headline: a.headline })}</div>`)}</li>`;
}

function renderMap(p) {
  const legend = $('map-legend');
  if (!dashboardMap) {
    setHtml(legend, mapError ? html`<p class="nothing">${t('map.unavailable', { message: mapError })}</p>` : html``);
    return;
  }
  const model = mapModel(p);
  try {
    dashboardMap.update(model);
  } catch (error) {
    // A map that cannot draw must not take the rest of the dashboard with it.
    console.error(error);
  }
  const statuses = ['OVERALL_STATUS_NORMAL', 'OVERALL_STATUS_STRAINED', 'OVERALL_STATUS_CRITICAL', 'OVERALL_STATUS_CLOSED',
    'OVERALL_STATUS_UNKNOWN', 'OVERALL_STATUS_UNSPECIFIED'];
  const unplaced = model.unplaced.sort((a, b) => a.name.localeCompare(b.name, 'nl'));
  setHtml(legend, html`<div class="map-key">${statuses.map((s) => html`<span><span class="dot status-${statusClass(s)}"></span>${label(s)}</span>`)}
    <span><span class="dot ring"></span>${t('map.affected')}</span></div>
    ${model.legend.length ? html`<ul class="map-areas">${model.legend.map(areaLegend)}</ul>` : ''}
    ${unplaced.length ? html`<p class="muted map-unplaced" data-unplaced="${unplaced.length}">${t('map.without_position',
      { n: unplaced.length, names: unplaced.slice(0, 12).map((o) => o.name).join(', ') + (unplaced.length > 12 ? ', …' : '') })}</p>` : ''}`);
  renderMapDetail(p, model);
}

// The report of the organisation clicked on the map: the same rows as in the organisations panel, its sites, and the
// incidents that affect it.
function renderMapDetail(p, model) {
  const detail = $('map-detail');
  const org = selectedOrg ? p.organizations.find((o) => o.id === selectedOrg) : null;
  if (!org) {
    detail.dataset.org = '';
    setHtml(detail, html`<p class="nothing">${t('map.detail.hint')}</p>`);
    return;
  }
  const incidents = model.affectedBy.get(org.id) || [];
  const sites = (org.locations || []).map((l) => html`<li data-location="${l.id}"><b>${l.name}</b>${[l.address, l.postcode, l.municipality_code]
    .filter(Boolean).length ? html` <span class="muted">${[l.address, l.postcode, l.municipality_code].filter(Boolean).join(' · ')}</span>` : ''}</li>`);
  detail.dataset.org = org.id;
  setHtml(detail, html`<header><h3>${org.name}</h3><span class="muted">${label(org.kind)} · ${org.safety_region}</span>
      <button type="button" class="map-close" data-map-close>${t('map.detail.close')}</button></header>
    ${incidents.length ? html`<div class="map-affected-by">${t('map.detail.affected_by', { titles: incidents.map((i) => i.title).join(', ') })}</div>` : ''}
    <table class="orgs">${organizationsHead()}<tbody>${organizationRows(org, p)}</tbody></table>
    ${sites.length ? html`<div class="map-sites"><b>${t('map.detail.sites')}:</b><ul>${sites}</ul></div>` : ''}`);
}

function selectOrganization(id) {
  selectedOrg = id || '';
  scheduleRender();
}

// Makes the map (the page goes on without one when Leaflet is missing); its background follows when the server has
// said where the tiles are.
function startMap() {
  try {
    dashboardMap = new DashboardMap({ container: $('map'), note: $('map-note'), onSelect: selectOrganization });
  } catch (error) {
    mapError = error.message;
    $('map').hidden = true;
    return;
  }
  loadMapTiles();
}

async function loadMapTiles() {
  let config = { tile_url: '', attribution: '' };
  try {
    const response = await fetch('/api/map');
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    config = await response.json();
  } catch {
    dashboardMap.showNote(true);  // No configuration, no tiles: the plain background, said so.
  }
  dashboardMap.setTiles(config);
}

// --- Capacity per type ---

// The panel's lines: computed from the feed when it carries every counted figure, else the server's overview.
// Each total: {safety_region, sector, bed_type, figures: {figure: {sum, reported}}, organizations_reported,
// figures_withheld}; `sum` undefined = nobody reported the figure, `reported` null = unknown (server's overview).
function capacityLines(fromFeed) {
  if (!fromFeed.withheld) return { totals: fromFeed.totals };
  // The server's overview is of the real picture now: never shown for an exercise or a past moment.
  if (exerciseId || past) return { error: t('view.no_server_reports') };
  if (fetched.overviewError) return { error: fetched.overviewError };
  if (!fetched.overview) return { loading: true };
  return { totals: totalsFromOverview(fetched.overview) };
}

// The sum of several lines of one bed type; a figure nobody reported stays unreported.
function combine(lines) {
  const figures = {};
  for (const figure of FIGURES) {
    const given = lines.filter((line) => line.figures[figure].sum !== undefined);
    figures[figure] = {
      sum: given.length ? given.reduce((a, line) => a + line.figures[figure].sum, 0) : undefined,
      reported: lines.some((line) => line.figures[figure].reported === null) ? null
        : lines.reduce((a, line) => a + line.figures[figure].reported, 0),
      // A figure of too few organisations is withheld from readers without detailed visibility; a sum over it would
      // mislead, so the type's figure is withheld too.
      withheld: lines.some((line) => line.figures[figure].withheld),
    };
  }
  const staleAvailable = lines.filter((line) => line.stale_available !== undefined);
  return {
    figures,
    organizations_reported: lines.reduce((a, line) => a + line.organizations_reported, 0),
    organizations_stale: lines.reduce((a, line) => a + (line.organizations_stale || 0), 0),
    stale_available: staleAvailable.length ? staleAvailable.reduce((a, line) => a + line.stale_available, 0) : undefined,
    figures_withheld: lines.some((line) => line.figures_withheld),
  };
}

// The organisations column: those whose fresh figures the sums hold, and "+n" for those counted apart as stale.
function organizationsCell(line) {
  const stale = line.organizations_stale || 0;
  const apart = stale > 0
    ? html` <span class="stale" data-stale="${stale}" title="${t('cap.stale', { n: stale, available: count(line.stale_available) })}">+${stale}</span>`
    : '';
  return html`<td class="num" data-figure="organizations_reported">${count(line.organizations_reported)}${apart}</td>`;
}

function capacityCell(line, figure) {
  if (line.figures[figure].withheld) return html`<td class="num" data-figure="${figure}">${withheld()}</td>`;
  const { sum, reported } = line.figures[figure];
  const of = line.organizations_reported;
  // How many organisations gave the figure: "—" with 0/3 is "nobody reported", not "zero beds".
  const by = reported === null ? ''
    : html`<span class="by${reported < of ? ' partial' : ''}">${reported}/${of}</span>`;
  const tip = reported === null ? t('cap.reported_by_unknown') : t('cap.reported_by', { n: reported, total: of });
  return html`<td class="num${figure === 'available' && sum === 0 ? ' bad' : ''}" data-figure="${figure}"
    data-reported="${reported ?? ''}" title="${tip}">${count(sum)}${by}</td>`;
}

function renderCapacity(fromFeed, sources) {
  const container = $('capacity');
  const { totals: all, error, loading } = capacityLines(fromFeed);
  const totals = all?.filter((line) => regionChosen(chosenRegions, line.safety_region));
  if (error) {
    setHtml(container, html`<p class="nothing">${t('unavailable', { message: error })}</p>`);
    return;
  }
  if (loading || totals.length === 0) {
    setHtml(container, html`<p class="nothing">${loading ? '…' : t('nothing.capacity')}</p>`);
    return;
  }
  const byType = new Map();
  for (const total of totals) {
    if (!byType.has(total.bed_type)) byType.set(total.bed_type, []);
    byType.get(total.bed_type).push(total);
  }
  const types = [...byType.keys()].sort((a, b) => rank('BedType', a) - rank('BedType', b));
  // +72 h is left to the organisations' chips and the API: the panel must stay narrow enough for a wall screen's side.
  const fields = ['available', 'occupied', 'baseline', 'surge_24h'];
  const header = html`<tr><th>${t('col.type')}</th>${fields.map((f) => html`<th class="num" title="${t(`col.${f}`)}">${t(`col.short.${f}`)}</th>`)}
    <th class="num" title="${t('col.reported_by')}">${t('col.short.organizations')}</th></tr>`;
  const rows = [];
  for (const type of types) {
    const lines = byType.get(type).sort((a, b) => a.safety_region.localeCompare(b.safety_region)
      || rank('Sector', a.sector) - rank('Sector', b.sector));
    const total = combine(lines);
    rows.push(html`<tr class="cap-total" data-bed-type="${type}"><td>${label(type)}</td>${fields.map((f) => capacityCell(total, f))}
      ${organizationsCell(total)}</tr>`);
    if (lines.length > 1) {
      for (const line of lines) {
        const stale = sources.find((s) => s.region === line.safety_region)?.stale
          ? html` <span class="badge-stale" data-source-stale="${line.safety_region}">${t('source.stale')}</span>` : '';
        rows.push(html`<tr class="cap-part" data-bed-type="${type}" data-region="${line.safety_region}" data-sector="${line.sector}">
          <td>${line.safety_region} · ${label(line.sector)}${stale}</td>${fields.map((f) => capacityCell(line, f))}
          ${organizationsCell(line)}</tr>`);
      }
    }
  }
  // data-revision: the revision the totals hold at (the server's overview may trail the feed by REFRESH_MS).
  const revision = fromFeed.withheld ? fetched.overview?.revision : past ? past.revision : feed.revision;
  setHtml(container, html`<table class="capacity" data-revision="${revision || ''}"><thead>${header}</thead><tbody>${rows}</tbody></table>`);
}

// --- Across regions (federation.js) ---

// The source regions panel and the region filter's choices; returns the sources (for the region column and the
// capacity panel). Shown only when the picture is federated (a ROAZ or national server) or a region is chosen.
function renderSources() {
  const records = [...shown().values()];
  const federated = isFederated(records);
  if (federated && !federation.federated && !exerciseId) sourcesRefresh.request();  // First sight: ask at once.
  federation.federated = federated;
  const sources = sourcesOf(records, federation.freshness);
  renderRegionChooser(records, federated);
  const panel = $('sources-panel');
  panel.hidden = !federated;
  if (!federated) return sources;
  const rows = sources.filter((source) => regionChosen(chosenRegions, source.region)).map((source) => {
    const state = source.stale === null ? html`<span class="muted">${t('source.unknown')}</span>`
      : source.stale ? html`<span class="badge-stale" data-source-stale="${source.region}" title="${t('source.stale.tip',
        { region: source.region, time: source.last_heard ? when(source.last_heard) : t('source.never') })}">${t('source.stale')}</span>`
        : html`<span class="badge-fresh">${t('source.fresh')}</span>`;
    const conflict = source.conflict
      ? html`<tr class="source-conflict"><td colspan="4">${t('source.conflict', { message: source.conflict })}</td></tr>` : '';
    return html`<tr class="source-row" data-source="${source.region}" data-stale="${source.stale === null ? '' : String(source.stale)}">
      <td>${source.region}</td>
      <td>${source.last_heard ? html`${clock(new Date(source.last_heard))} <small>(${relativeTime(source.last_heard)})</small>` : t('source.never')}</td>
      <td class="num">${count(source.cursor)}</td><td>${state}</td></tr>${conflict}`;
  });
  const aggregates = aggregatesOf(records, chosenRegions);
  const aggregateRows = aggregates.flatMap((aggregate) => {
    if (aggregate.withheld || aggregate.beds.length === 0) {
      return [html`<tr class="aggregate-row" data-region="${aggregate.region}" data-group="${aggregate.group}">
        <td>${aggregate.region}</td><td>${aggregate.group}</td><td colspan="3" class="muted">${t('aggregates.withheld')}</td>
        <td class="num">${count(aggregate.organizations_reporting)}</td></tr>`];
    }
    return aggregate.beds.map((beds) => html`<tr class="aggregate-row" data-region="${aggregate.region}" data-group="${aggregate.group}" data-bed-type="${beds.type}">
      <td>${aggregate.region}</td><td>${aggregate.group}</td><td>${label(beds.type)}</td>
      <td class="num" data-figure="available">${count(beds.available)}</td><td class="num" data-figure="total">${count(beds.total)}</td>
      <td class="num">${count(beds.organizations_reporting)}</td></tr>`);
  });
  const aggregateTable = aggregateRows.length === 0 ? '' : html`<h3 class="group">${t('aggregates.title')}</h3>
    <table class="aggregates"><thead><tr><th>${t('col.region')}</th><th>${t('col.group')}</th><th>${t('col.type')}</th>
    <th class="num">${t('col.short.available')}</th><th class="num">${t('col.total')}</th>
    <th class="num">${t('col.organizations_reporting')}</th></tr></thead><tbody>${aggregateRows}</tbody></table>`;
  setHtml($('sources'), rows.length === 0 && aggregateRows.length === 0
    ? html`<p class="nothing">${t('nothing.sources')}</p>`
    : html`<table class="sources"><thead><tr><th>${t('col.source_region')}</th><th>${t('col.last_heard')}</th>
      <th class="num">${t('col.cursor')}</th><th></th></tr></thead><tbody>${rows}</tbody></table>
      ${federation.error ? html`<p class="muted">${t('unavailable', { message: federation.error })}</p>` : ''}${aggregateTable}`);
  return sources;
}

// The region filter: every region of the picture, shown on a federated server or when the address names a region.
function renderRegionChooser(records, federated) {
  const choice = $('region-choice');
  choice.hidden = !federated && chosenRegions.length === 0;
  if (choice.hidden) return;
  const regions = [...new Set([...regionsIn(records), ...chosenRegions])].sort();
  const select = $('region');
  // A choice of several regions (from the address) is one option of its own.
  const several = chosenRegions.length > 1
    ? html`<option value="${chosenRegions.join(',')}">${chosenRegions.join(', ')}</option>` : '';
  const wanted = chosenRegions.join(',');
  const markup = html`<option value="">${t('region.all')}</option>${several}${regions.map((r) => html`<option value="${r}">${r}</option>`)}`;
  if (select.dataset.markup !== markup.toString()) {
    setHtml(select, markup);
    select.dataset.markup = markup.toString();
  }
  if (select.value !== wanted) select.value = wanted;
}

// The server's judgement of each source's freshness: CapacityOverview.sources (every reader of the overview gets
// them). A reader who may not read the overview sees the sources without a stale badge ("unknown").
async function refreshSources() {
  if (exerciseId || fetched.forbidden.has('overview')) return;
  try {
    // One bed type keeps the answer small: only its `sources` are used here.
    const overview = await call(Methods.capacityOverview, { bed_types: ['BED_TYPE_IC_ADULT'] });
    federation.freshness = new Map((overview.sources || []).map((source) => [source.safety_region, source]));
    federation.error = '';
  } catch (error) {
    federation.error = error.message;
    if (error.code === 'PERMISSION_DENIED') fetched.forbidden.add('overview');
  }
  scheduleRender();
}

// --- Incidents, alerts, assistance, gaps ---

function renderIncidents(p) {
  const container = $('incidents');
  const incidents = p.incidents.filter((i) => i.status !== 'INCIDENT_STATUS_CLOSED')
    .sort((a, b) => String(b.opened_at || '').localeCompare(String(a.opened_at || '')));
  // Closed incidents leave the cards but can still be replayed: learning from an incident starts after it.
  const closed = p.incidents.filter((i) => i.status === 'INCIDENT_STATUS_CLOSED')
    .sort((a, b) => String(b.closed_at || '').localeCompare(String(a.closed_at || '')));
  const closedList = closed.length === 0 ? '' : html`<details class="closed-incidents">
    <summary>${t('incidents.closed', { n: closed.length })}</summary>
    <ul>${closed.map((incident) => html`<li data-incident="${incident.id}"><b>${incident.title}</b>
      <span class="muted">${incident.scale_up_level || ''} · ${t('incident.opened', { time: when(incident.opened_at) })}
      · ${t('incident.closed', { time: when(incident.closed_at) })}</span>
      ${past ? '' : html`<button type="button" class="replay-open" data-replay="${incident.id}"
        title="${t('replay.open.tip.closed')}">${t('replay.open')}</button>`}</li>`)}</ul></details>`;
  if (incidents.length === 0) {
    setHtml(container, html`<p class="nothing">${t('nothing.incidents')}</p>${closedList}`);
    return;
  }
  setHtml(container, html`${incidents.map((incident) => {
    const c = incident.casualties || {};
    const casualties = ['t1', 't2', 't3', 'dead'].map((k) => html`<span class="triage triage-${k}">${k === 'dead' ? '†' : k.toUpperCase()} ${count(c[k])}</span>`);
    const entries = (p.entries.get(incident.id) || []).sort((a, b) => Number(b.sequence || 0) - Number(a.sequence || 0)).slice(0, 6);
    const log = entries.length === 0 ? html`<p class="nothing">${t('nothing.entries')}</p>`
      : html`<ol class="sitlog">${entries.map((e) => html`<li class="layer-${(e.layer || '').replace('SITUATION_LAYER_', '').toLowerCase()}">
          <span class="layer">${label(e.layer)}</span>
          <span class="entry-text">${e.text}</span>
          <span class="entry-meta">${e.author || ''} · ${when(e.commit_time)}</span></li>`)}</ol>`;
    const flash = isFlashing(inView(exerciseId, `incidents/${incident.id}`)) ? ' flash' : '';
    // Named by hand or inside the incident's area (computed by the server): the union, as the server counts it.
    const affected = new Set([...(incident.affected_organization_ids || []),
      ...(incident.computed_affected_organization_ids || [])]).size;
    const replaying = past?.incident === incident.id;
    return html`<article class="card incident${flash}" data-incident="${incident.id}">
      <header><span class="grip">${incident.scale_up_level || ''}</span>
        <h4>${incident.title}</h4><span class="tag">${label(incident.status)}</span>
        ${past ? '' : html`<button type="button" class="replay-open" data-replay="${incident.id}"
          title="${t('replay.open.tip')}">${t('replay.open')}</button>`}${replaying ? html`<span class="tag replaying">${t('replay.replaying')}</span>` : ''}</header>
      <div class="card-meta">${incident.type || ''}${incident.area?.description ? html` · ${incident.area.description}` : ''}
        · ${t('incident.opened', { time: when(incident.opened_at) })}
        ${affected ? html` · ${t('incident.affected', { n: affected })}` : ''}</div>
      <div class="casualties"><span class="muted">${t('incident.casualties')}</span> ${casualties}</div>
      ${log}
    </article>`;
  })}${closedList}`);
}

function acknowledgementBody(state, name) {
  const acknowledgements = state.acknowledgements;
  const acknowledged = acknowledgements.length;
  const size = state.audience_size;
  const pct = size > 0 ? Math.round((100 * Math.min(acknowledged, size)) / size) : 100;
  const missing = state.unacknowledged_organization_ids;
  return html`<div class="ack-bar" title="${pct}%"><div style="width:${pct}%"></div></div>
    <div class="ack-count">${t('alert.acknowledged', { n: acknowledged, total: size })}</div>
    ${missing.length
    ? html`<div class="ack-missing"><b>${t('alert.not_acknowledged')}:</b> ${join(missing.map((id) => html`<span class="org-pill missing" data-unacknowledged="${id}">${name(id)}</span>`), ' ')}</div>`
    : html`<div class="ok">${t('alert.everyone')}</div>`}
    ${acknowledged ? html`<div class="ack-done"><b>${t('alert.acknowledged_by')}:</b> ${join(acknowledgements.map((a) => html`<span class="org-pill done${a.late ? ' late' : ''}" data-acknowledged="${a.organization_id}"
      title="${when(a.acknowledged_at)}${a.comment ? ` — ${a.comment}` : ''}">${name(a.organization_id)}${a.late ? html` (${t('alert.late')})` : ''}</span>`), ' ')}</div>` : ''}`;
}

// Open escalation tasks (organisations that did not answer: whom to call), above the alerts they mostly follow from.
function escalationList(p) {
  if (p.escalations.length === 0) return '';
  return html`<article class="card escalations" data-escalations="${p.escalations.length}">
    <header><h4>${t('escalation.title', { count: p.escalations.length })}</h4></header>
    <ul>${p.escalations.map((task) => html`<li data-escalation="${task.id}">${task.instruction}
      <small>(${t('escalation.since', { time: when(task.created_at) })})</small></li>`)}</ul>
  </article>`;
}

function renderAlerts(p) {
  const container = $('alerts');
  const alerts = p.alerts.filter((a) => a.status !== 'ALERT_STATUS_CANCELLED')
    .sort((a, b) => String(b.sent_at || '').localeCompare(String(a.sent_at || '')));
  const escalations = escalationList(p);
  if (alerts.length === 0) {
    setHtml(container, html`${escalations}<p class="nothing">${t('nothing.alerts')}</p>`);
    return;
  }
  const name = (id) => p.names.get(id) || id;
  setHtml(container, html`${escalations}${alerts.map((alert) => {
    const body = acknowledgementBody(acknowledgementState(alert, p.audience), name);
    const deadline = alert.deadline_passed
      ? html`<span class="overdue">${t('alert.deadline_passed', { time: when(alert.deadline_passed.passed_at) })}</span>`
      : alert.acknowledge_by ? html`<span>${t('alert.deadline', { time: when(alert.acknowledge_by) })} (${relativeTime(alert.acknowledge_by)})</span>` : '';
    const sev = (alert.severity || '').replace('ALERT_SEVERITY_', '').toLowerCase();
    const flash = isFlashing(inView(exerciseId, `alerts/${alert.id}`)) ? ' flash' : '';
    // Every alert of an exercise carries the exercise's mark, beside the headline the server already prefixed.
    const mark = exerciseId ? html`<span class="tag exercise-mark" data-exercise-mark>${viewMark(view.exercise?.mode)}</span>` : '';
    return html`<article class="card alert alert-${sev}${flash}" data-alert="${alert.id}">
      <header>${mark}<span class="tag sev">${label(alert.severity)}</span><h4>${alert.headline}</h4></header>
      <div class="card-meta">${label(alert.urgency)} · ${label(alert.certainty)} · ${t('alert.sent', { time: when(alert.sent_at) })} ${deadline ? html`· ${deadline}` : ''}</div>
      ${alert.instruction ? html`<div class="instruction">${alert.instruction}</div>` : ''}
      ${body}
    </article>`;
  })}`);
}

// Most urgent first (a request stored before priorities counts as normal), then by when it is needed.
const PRIORITY_RANK = { ASSISTANCE_PRIORITY_URGENT: 0, ASSISTANCE_PRIORITY_HIGH: 1, ASSISTANCE_PRIORITY_LOW: 3 };
const priorityRank = (r) => PRIORITY_RANK[r.priority] ?? 2;

function deliveryPlace(r) {
  const d = r.delivery;
  if (!d) return '';
  const parts = [];
  if (d.location_id) parts.push(t('assistance.location', { id: d.location_id }));
  if (d.address) parts.push(d.address);
  if (d.coordinates) parts.push(`${Number(d.coordinates.latitude || 0).toFixed(4)},${Number(d.coordinates.longitude || 0).toFixed(4)}`);
  return parts.join(', ') + (d.instructions ? ` (${d.instructions})` : '');
}

function renderAssistance(p) {
  const container = $('assistance');
  const open = new Set(['ASSISTANCE_STATUS_OPEN', 'ASSISTANCE_STATUS_OFFERED', 'ASSISTANCE_STATUS_ACCEPTED']);
  const requests = p.requests.filter((r) => open.has(r.status))
    .sort((a, b) => priorityRank(a) - priorityRank(b) || String(a.needed_by || 'z').localeCompare(String(b.needed_by || 'z')));
  if (requests.length === 0) {
    setHtml(container, html`<p class="nothing">${t('nothing.assistance')}</p>`);
    return;
  }
  const name = (id) => p.names.get(id) || id;
  setHtml(container, html`${requests.map((r) => {
    const unit = r.unit ? label(r.unit) : '';
    const accepted = (o) => (o.accepted_quantity && Number(o.accepted_quantity) !== Number(o.quantity)
      ? html` (${t('assistance.accepted_part', { accepted: count(o.accepted_quantity) })})` : '');
    const offers = (r.offers || []).length === 0 ? html`<span class="muted">${t('assistance.no_offers')}</span>`
      : join(r.offers.map((o) => html`<span class="org-pill${o.status === 'OFFER_STATUS_ACCEPTED' ? ' done' : ''}" data-offer="${o.organization_id}">${name(o.organization_id)}: ${count(o.quantity)}${accepted(o)} <small>${label(o.status)}</small></span>`), ' ');
    const coverage = assistanceCoverage(r);
    const place = deliveryPlace(r);
    const urgent = r.priority === 'ASSISTANCE_PRIORITY_URGENT' || r.priority === 'ASSISTANCE_PRIORITY_HIGH';
    const flash = isFlashing(inView(exerciseId, `assistance-requests/${r.id}`)) ? ' flash' : '';
    return html`<article class="card request${flash}" data-request="${r.id}">
      <header><span class="qty">${count(r.quantity)}${unit ? ` ${unit}` : '×'}</span><h4>${assistanceWhat(r)}</h4>${urgent ? html`<span class="tag priority" data-priority="${r.priority}">${label(r.priority)}</span>` : ''}<span class="tag">${label(r.status)}</span></header>
      <div class="card-meta">${t('assistance.requested_by', { org: name(r.organization_id) })}
        ${r.needed_by ? html` · ${t('assistance.needed_by', { time: when(r.needed_by) })}` : ''}</div>
      ${r.status === 'ASSISTANCE_STATUS_ACCEPTED' ? html`<div class="coverage" data-covered="${coverage.covered}">${t('assistance.covered', { accepted: count(coverage.accepted), quantity: count(coverage.quantity), unit })}</div>` : ''}
      ${place ? html`<div class="card-meta delivery">${t('assistance.deliver_to', { place })}</div>` : ''}
      ${r.description ? html`<div class="instruction">${r.description}</div>` : ''}
      <div class="offers"><b>${t('assistance.offers')}:</b> ${offers}</div>
    </article>`;
  })}`);
}

function gapTable(report, name) {
  const th = (short, long) => html`<th class="num" title="${t(long)}">${t(short)}</th>`;
  const level = (value, bad) => (Number(value || 0) > 0 ? bad : 'ok');
  return html`<table class="gaps"><thead><tr><th>${t('col.type')}</th>${th('col.required', 'col.required')}
    ${th('col.short.available', 'col.available')}${th('col.short.shortfall', 'col.shortfall')}${th('col.short.shortfall_after_surge', 'col.shortfall_after_surge')}
    ${th('col.short.not_reported', 'col.not_reported')}</tr></thead><tbody>
    ${(report.capacity || []).map((g) => {
    // Sums of too few organisations for this reader (docs/security.md) are withheld, not zero.
    const named = (g.withheld_figures || []).map(String);
    const noAvailable = named.includes('CAPACITY_FIGURE_AVAILABLE');
    const noSurge = named.includes('CAPACITY_FIGURE_SURGE_24H');
    return html`<tr data-gap="${g.bed_type}"><td>${label(g.bed_type)}${g.sector && g.sector !== 'SECTOR_UNSPECIFIED' ? html`<br><small class="muted">${label(g.sector)}</small>` : ''}</td>
      <td class="num">${count(g.required)}</td>${noAvailable ? html`<td class="num">${withheld()}</td>`
      : html`<td class="num" title="+24: ${noSurge ? t('withheld') : count(g.surge_24h || 0)}">${count(g.available || 0)}</td>`}
      ${noAvailable ? html`<td class="num">${withheld()}</td>` : html`<td class="num ${level(g.shortfall, 'bad')}">${count(g.shortfall || 0)}</td>`}
      ${noAvailable || noSurge ? html`<td class="num">${withheld()}</td>` : html`<td class="num ${level(g.shortfall_after_surge, 'bad')}">${count(g.shortfall_after_surge || 0)}</td>`}
      <td class="num ${Number(g.organizations_not_reported || 0) > 0 ? 'warn' : 'muted'}">${count(g.organizations_not_reported || 0)}${Number(g.organizations_stale || 0) > 0
    ? html` <span class="stale" data-stale="${Number(g.organizations_stale)}" title="${t('cap.stale', { n: Number(g.organizations_stale), available: count(Number(g.stale_available || 0)) })}">+${Number(g.organizations_stale)}</span>` : ''}</td></tr>`;
  })}
    </tbody></table>
    ${(report.supplies || []).map((s) => {
    if (s.figures_withheld) return html`<div class="supply-gap">${label(s.type)}: ${withheld()}</div>`;
    if ((s.short_organization_ids || []).length) {
      return html`<div class="supply-gap bad">${label(s.type)}: ${t('gap.supplies_short', { days: s.min_days_of_supply })} — ${join(s.short_organization_ids.map(name), ', ')}</div>`;
    }
    // A reader who is not told which organisations are short gets their number only.
    if (Number(s.organizations_short || 0) > 0) {
      return html`<div class="supply-gap bad">${label(s.type)}: ${t('gap.supplies_short', { days: s.min_days_of_supply })} — ${count(s.organizations_short)}</div>`;
    }
    return html`<div class="supply-gap ok">${label(s.type)}: ${t('gap.supplies_ok')}</div>`;
  })}`;
}

// Points on a wall screen: the first this many of the next 72 hours (the CLI and the API give them all).
const CONTINUITY_SHOWN = 30;
const SOON_MS = 6 * 3600 * 1000;

// The continuity timeline (continuity.js): when each organisation reaches a critical point, earliest first. A point
// that has passed (a supply ran out) is red, one within 6 hours or a delivery that comes too late orange; a point
// from a stale figure is greyed like a stale chip. Re-rendered on every change; the relative times tick by
// themselves (refreshTimes), the list is rebuilt each minute so passed points turn red.
function renderContinuity(p) {
  const container = $('continuity');
  const now = serverNow();
  const { points, truncated } = continuityTimeline(shown().values(), now, DEFAULT_HORIZON_MS, CONTINUITY_SHOWN);
  if (points.length === 0) {
    setHtml(container, html`<p class="nothing">${t('nothing.continuity')}</p>`);
    return;
  }
  const name = (id) => p.names.get(id) || id;
  setHtml(container, html`<ol class="timeline">${points.map((point) => {
    const at = new Date(point.at).toISOString();
    const level = point.at <= now ? ' bad' : point.too_late || point.at - now <= SOON_MS ? ' warn' : '';
    const what = t(`cont.${point.kind}`, { supply: point.supply_type ? label(point.supply_type) : '' });
    return html`<li class="tl-point${level}${point.stale ? ' chip-stale' : ''}" data-kind="${point.kind}" data-org="${point.organization_id}"
      title="${point.stale ? t('cont.stale') : ''}"><span class="tl-when">${when(at)} · ${relativeTime(at)}</span>
      <b>${name(point.organization_id)}</b>${point.location_id ? html` <span class="muted">${point.location_id}</span>` : ''}:
      ${what}${point.too_late ? html` <b>${t('cont.too_late')}</b>` : ''}${point.detail ? html` <span class="muted">(${point.detail})</span>` : ''}</li>`;
  })}</ol>${truncated ? html`<p class="muted">${t('cont.more')}</p>` : ''}`);
}

// `withheld`: the feed lacks figures this reader may not see, so the server's reports are shown (as last fetched).
function renderGaps(p, withheld) {
  const container = $('gaps');
  if (p.scenarios.length === 0) {
    setHtml(container, html`<p class="nothing">${t('nothing.gaps')}</p>`);
    return;
  }
  const name = (id) => p.names.get(id) || id;
  setHtml(container, html`${p.scenarios.sort((a, b) => a.name.localeCompare(b.name, 'nl')).map((scenario) => {
    // The server's gap reports are of the real picture now: not for an exercise or a past moment.
    const elsewhere = withheld && (exerciseId || past);
    const report = elsewhere ? null : withheld ? fetched.gaps.get(scenario.id)
      : { ...gapReport(scenario, shown().values(), serverNow()).report, revision: past ? past.revision : feed.revision };
    const error = elsewhere ? t('view.no_server_reports') : withheld ? fetched.gapErrors.get(scenario.id) : '';
    const body = error ? html`<p class="nothing">${t('unavailable', { message: error })}</p>`
      : report ? gapTable(report, name) : '';
    // data-revision: the revision the shown gap report holds at (a fetched one may trail the feed by REFRESH_MS).
    return html`<article class="card scenario" data-scenario="${scenario.id}" data-revision="${report?.revision || ''}"><header><h4>${scenario.name}</h4>
      <span class="muted">${scenario.safety_region}</span></header>${body}</article>`;
  })}`);
}

// --- What the server computes ---

// The safety region a status report belongs to (its record's scope, else its organisation's); '' when unknown.
function regionOfReport(record) {
  return record.scope?.safety_region
    || feed.records.get(`organizations/${record.status_report?.organization_id}`)?.organization?.safety_region || '';
}

// After a change, for a reader whose feed withholds figures: which server-computed reports it can alter, and a
// (throttled) refetch of those. A gap report reads its scenario and the organisations and reports of every region
// (server/queries/reports.cc); the capacity overview reads organisations and reports. After a new snapshot everything may
// have changed. A reader who sees every figure derives both and fetches nothing.
function planRefresh(events, reset) {
  const scenarios = [...feed.withPrefix(inView(exerciseId, 'scenarios/'))].filter((r) => r.kind === 'ENTITY_KIND_SCENARIO').map((r) => r.scenario);
  const present = new Set(scenarios.map((s) => s.id));
  for (const [id, refresh] of gapRefreshes) {
    if (present.has(id)) continue;
    refresh.cancel();
    gapRefreshes.delete(id);
    fetched.gaps.delete(id);
    fetched.gapErrors.delete(id);
  }
  let everyRegion = reset;
  let capacity = reset;
  // An indicator's overview reads the indicators, the registry (who is asked) and the reports (their answers). While
  // the last overview had no indicator, only a new indicator can change it: a burst of reports in a region without
  // questions costs no overview call.
  let questions = reset;
  const asking = questionnaire.overview === null || (questionnaire.overview.indicators || []).length > 0;
  const regions = new Set();
  const scenarioIds = new Set();
  for (const event of events) {
    const record = event.record || {};
    if (record.kind === 'ENTITY_KIND_INDICATOR'
      || (asking && ['ENTITY_KIND_ORGANIZATION', 'ENTITY_KIND_STATUS_REPORT'].includes(record.kind))) {
      questions = true;
    }
    if (record.kind === 'ENTITY_KIND_ORGANIZATION') {
      everyRegion = true;  // An organisation can move to another region or sector.
      capacity = true;
    } else if (record.kind === 'ENTITY_KIND_STATUS_REPORT') {
      const region = regionOfReport(record);
      if (region) regions.add(region); else everyRegion = true;
      capacity = true;
    } else if (record.kind === 'ENTITY_KIND_SCENARIO') {
      scenarioIds.add(record.scenario?.id);
    }
  }
  // The server's reports are of the real picture: an exercise's view never fetches them.
  const withheld = !exerciseId && capacityTotals(feed.records.values()).withheld;
  if (capacity && withheld && !fetched.forbidden.has('overview')) overviewRefresh.request();
  if (questions && !exerciseId && !fetched.forbidden.has('indicators')) questionnaireRefresh.request();
  for (const scenario of scenarios) {
    if (!withheld || fetched.forbidden.has('gaps')) continue;
    const known = gapRefreshes.has(scenario.id);
    if (!known) gapRefreshes.set(scenario.id, new Throttle(REFRESH_MS, () => refreshGap(scenario.id)));
    if (!known || everyRegion || regions.size > 0 || scenarioIds.has(scenario.id)) {
      gapRefreshes.get(scenario.id).request();
    }
  }
}

async function refreshGap(id) {
  try {
    const report = await call(Methods.gapReport, { scenario_id: id });
    if (!gapRefreshes.has(id)) return;  // The scenario was removed meanwhile.
    fetched.gaps.set(id, report);
    fetched.gapErrors.delete(id);
  } catch (error) {
    fetched.gapErrors.set(id, error.message);
    if (error.code === 'PERMISSION_DENIED') fetched.forbidden.add('gaps');
  }
  scheduleRender();
}

async function refreshOverview() {
  try {
    fetched.overview = await call(Methods.capacityOverview, {});
    fetched.overviewError = '';
  } catch (error) {
    fetched.overviewError = error.message;
    if (error.code === 'PERMISSION_DENIED') fetched.forbidden.add('overview');
  }
  scheduleRender();
}

// The indicator overview of the chosen incident. An answer for an incident chosen before the last choice is dropped:
// the run the new choice asked for follows.
async function refreshIndicators() {
  const incident = questionnaire.incident;
  try {
    const overview = await call(Methods.indicatorOverview, incident ? { incident_id: incident } : {});
    if (incident !== questionnaire.incident) return;
    questionnaire.overview = overview;
    questionnaire.error = '';
  } catch (error) {
    if (incident !== questionnaire.incident) return;
    questionnaire.error = error.message;
    if (error.code === 'PERMISSION_DENIED') fetched.forbidden.add('indicators');
  }
  scheduleRender();
}

// The questionnaire panel: the incident chooser (open incidents, and the chosen one even once closed) and the
// overview. The server's overview is of the real picture only, and of now: an exercise's view says so, a replay
// shows it marked as live.
function renderIndicators(p) {
  const select = $('indicator-incident');
  const incidents = p.incidents.filter((i) => i.status !== 'INCIDENT_STATUS_CLOSED' || i.id === questionnaire.incident)
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const options = JSON.stringify([language(), questionnaire.incident, incidents.map((i) => [i.id, i.title])]);
  if (options !== questionnaire.options) {
    questionnaire.options = options;
    setHtml(select, html`<option value="">${t('indicators.all')}</option>${incidents.map((i) => html`<option
      value="${i.id}"${i.id === questionnaire.incident ? html` selected` : ''}>${i.title}</option>`)}`);
  }
  select.disabled = Boolean(exerciseId);
  const note = exerciseId ? t('indicators.exercise') : '';
  setHtml($('indicators'), html`${past && !note ? html`<p class="muted" data-live-note>${t('indicators.replay')}</p>` : ''}${
    overviewHtml({ overview: questionnaire.overview, error: questionnaire.error, note }, p.names)}`);
}

// --- The view: the exercise chooser, the banner, the replay of an incident ---

// Pages read for one list of exercises, one History or one picture at a revision (1000 records or events each).
const MAX_PAGES = 50;
// A slider that is dragged reads the picture once it rests this long, not at every step it passes.
const SLIDER_REST_MS = 120;

// Every record of List{request}, following its page tokens (a past revision is read in bounded pages).
async function listAll(request) {
  const records = [];
  let pageToken = '';
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const response = await call(Methods.list, { ...request, page_size: 1000, ...(pageToken ? { page_token: pageToken } : {}) });
    records.push(...(response.records || []));
    pageToken = response.next_page_token || '';
    if (!pageToken) break;
  }
  return records;
}

// The exercises to choose from. An exercise's records are visible to whoever may see the real ones (same rules); the
// exercises themselves are listed in every view when the filter names their kind (Filter.exercise_id).
async function loadExercises() {
  try {
    const records = await listAll({ filter: { kinds: ['ENTITY_KIND_EXERCISE'] } });
    view.exercises = choosableExercises(records);
    view.exercise = records.map((r) => r.exercise).find((e) => e?.id === exerciseId) || null;
    view.listError = '';
  } catch (error) {
    view.listError = error.message;
  }
  renderChooser();
  renderView();
}

function renderChooser() {
  const select = $('exercise');
  const options = view.exercises.map((e) => html`<option value="${e.id}">${t('view.exercise_option',
    { mark: viewMark(e.mode), title: e.title, id: e.id })}${e.status === 'EXERCISE_STATUS_ENDED' ? ` (${t('view.ended')})` : ''}</option>`);
  // An exercise in the address that is not in the list stays in the select, so the select says what is shown.
  const unknown = exerciseId && !view.exercises.some((e) => e.id === exerciseId)
    ? html`<option value="${exerciseId}">${exerciseId}</option>` : '';
  setHtml(select, html`<option value="">${t('view.real')}</option>${options}${unknown}`);
  select.value = exerciseId;
  select.disabled = Boolean(past);
}

// The banner over every view that is not the real picture now, the replay bar, and the write controls.
function renderView() {
  const lines = [];
  if (exerciseId) {
    const exercise = view.exercise;
    const key = !exercise && !view.listError ? 'view.unknown'
      : exercise?.status === 'EXERCISE_STATUS_ENDED' ? 'view.banner_ended' : 'view.banner';
    lines.push(html`<div class="banner-exercise" data-exercise="${exerciseId}">${t(key,
      { mark: viewMark(exercise?.mode), title: exercise?.title || exerciseId, id: exerciseId })}</div>`);
  }
  if (past?.records) {
    const step = stepAt(past.steps, past.position);
    lines.push(html`<div class="banner-past" data-past-revision="${past.revision}">${t('replay.banner',
      { time: moment(step?.time), revision: past.revision })}</div>`);
  }
  const banner = $('view-banner');
  banner.hidden = lines.length === 0;
  setHtml(banner, html`${lines}`);
  document.body.classList.toggle('view-exercise', Boolean(exerciseId));
  document.body.classList.toggle('view-past', Boolean(past));
  // No writes from a past moment: the form's link is off until the page is live again.
  const link = $('nav-form');
  if (past) {
    link.removeAttribute('href');
    link.setAttribute('aria-disabled', 'true');
    link.title = t('replay.write_disabled');
  } else {
    link.href = linkInView('/form.html', exerciseId);
    link.removeAttribute('aria-disabled');
    link.title = '';
  }
  $('exercise').disabled = Boolean(past);
  renderReplayBar();
}

function renderReplayBar() {
  const bar = $('replay');
  bar.hidden = !past;
  if (!past) return;
  $('replay-title').textContent = t('replay.title', { title: past.title });
  const slider = $('replay-slider');
  slider.max = String(Math.max(0, past.steps.length - 1));
  slider.value = String(past.position);
  slider.disabled = past.steps.length < 2;
  const step = stepAt(past.steps, past.position);
  bar.dataset.revision = past.records ? String(past.revision) : '';
  bar.dataset.steps = String(past.steps.length);
  $('replay-moment').textContent = past.error ? t('replay.failed', { message: past.error })
    : !past.records || past.reading ? t('replay.loading')
      : t('replay.moment', { time: moment(step?.time), revision: past.revision,
        step: past.position + 1, steps: past.steps.length });
}

// Replays an incident: the revisions of its lifetime at which this view changed (History), shown from the last.
async function startReplay(incidentId) {
  const record = feed.records.get(inView(exerciseId, `incidents/${incidentId}`));
  if (!record) return;
  const { first, last } = lifetime(record, feed.revision);
  const session = { incident: incidentId, title: record.incident.title, steps: [], position: 0, revision: last,
    records: null, error: '', reading: 0 };
  past = session;
  render();
  try {
    const events = [];
    let from = first;
    for (let page = 0; page < MAX_PAGES && from > 0; page += 1) {
      const response = await call(Methods.history,
        { from_revision: from, to_revision: last, filter: viewFilter(exerciseId) ?? {}, page_size: 1000 });
      events.push(...(response.events || []));
      from = Number(response.next_from_revision || 0);
    }
    if (past !== session) return;
    session.steps = replaySteps(events, first, last);
    await showStep(session, session.steps.length - 1);
  } catch (error) {
    if (past !== session) return;
    session.error = error.message;
    render();
  }
}

// Shows the picture at the slider's `position`: List at that step's revision, with the caller's own rights.
async function showStep(session, position) {
  const step = stepAt(session.steps, position);
  if (!step) return;
  session.position = Math.round(Number(position));
  session.reading += 1;
  const reading = session.reading;
  renderReplayBar();
  try {
    const records = await listAll({ filter: viewFilter(exerciseId) ?? {}, revision: step.revision });
    if (past !== session || session.reading !== reading) return;  // Back to live, or the slider moved on.
    session.records = new Map(records.map((r) => [r.name, r]));
    session.revision = step.revision;
    session.reading = 0;
    session.error = '';
    // Ages, "te laat" and the continuity timeline as they read at that moment, not as the same reports read now.
    measureAt(Date.parse(step.time));
  } catch (error) {
    if (past !== session || session.reading !== reading) return;
    session.error = error.message;
    session.reading = 0;
  }
  render();
}

function backToLive() {
  past = null;
  measureAt(null);
  renderChooser();
  render();
  refreshTimes();
}

$('map-detail').addEventListener('click', (e) => {
  if (e.target.closest('[data-map-close]')) selectOrganization('');
});
$('incidents').addEventListener('click', (e) => {
  const button = e.target.closest('[data-replay]');
  if (button && !past) startReplay(button.dataset.replay);
});
let sliderRest = null;
$('replay-slider').addEventListener('input', (e) => {
  if (!past) return;
  const session = past;
  session.position = Math.round(Number(e.target.value));
  renderReplayBar();
  clearTimeout(sliderRest);
  sliderRest = setTimeout(() => showStep(session, session.position), SLIDER_REST_MS);
});
$('replay-live').addEventListener('click', () => backToLive());
$('region').addEventListener('change', (e) => {
  // Kept in the address (a reload, a link and a wall screen keep it); the feed is the same, so no new page.
  chosenRegions = e.target.value ? e.target.value.split(',') : [];
  history.replaceState(null, '', `${window.location.pathname}${withRegions(window.location.search, chosenRegions)}`);
  scheduleRender();
});
$('exercise').addEventListener('change', (e) => {
  // A new view is a new page: the feed, the replica and every panel start over in it.
  const params = new URLSearchParams(window.location.search);
  if (e.target.value) params.set(EXERCISE_PARAM, e.target.value); else params.delete(EXERCISE_PARAM);
  const query = params.toString();
  window.location.assign(`${window.location.pathname}${query ? `?${query}` : ''}`);
});
// The list may have grown since the page was opened.
$('exercise').addEventListener('focus', () => loadExercises());
$('indicator-incident').addEventListener('change', (e) => {
  questionnaire.incident = e.target.value;
  questionnaire.overview = null;
  questionnaire.error = '';
  if (!exerciseId && !fetched.forbidden.has('indicators')) questionnaireRefresh.request();
  scheduleRender();
});

// --- Start ---

function applyLanguage() {
  translatePage();
  renderChooser();
  $('lang').textContent = t('lang.switch');
  document.title = `${t('app.title')} — ${t('app.dashboard')}`;
  render();
}

$('lang').addEventListener('click', () => {
  setLanguage(language() === 'nl' ? 'en' : 'nl');
  applyLanguage();
});
setInterval(() => {
  $('clock').textContent = clock(new Date(serverNow()));
  refreshTimes();
  // Remove highlights whose time is up without waiting for the next change.
  const now = Date.now();
  let expired = false;
  for (const [key, until] of flashUntil) {
    if (until <= now) {
      flashUntil.delete(key);
      expired = true;
    }
  }
  if (expired) scheduleRender();
}, 1000);
// A continuity point that passes turns red without waiting for a change of the picture.
setInterval(() => scheduleRender(), 60 * 1000);
// A source turns stale by time passing: ask the server again while the picture is federated.
setInterval(() => {
  if (federation.federated) sourcesRefresh.request();
}, SOURCES_MS);
await loadEnums();
startMap();
applyLanguage();
if (exerciseId) {
  // An exercise view starts its feed once the exercise is known: an unknown id would be refused at every reconnect.
  await loadExercises();
  if (view.exercise || view.listError) {
    feed.start();
  } else {
    feed.error = t('view.unknown', { mark: viewMark(''), id: exerciseId });
    feed.setState('error');
  }
} else {
  feed.start();
  loadExercises();
}
// For the browser tests and for curious operators: the replica, how often each report was fetched, and how far the
// server's clock is from this browser's.
window.ketenbeeld = {
  feed,
  view: () => ({ exercise: exerciseId, past: past ? { revision: past.revision, steps: past.steps } : null }),
  map: () => dashboardMap?.map ?? null,
  serverOffsetMs,
  // The "now" ages are measured against: the server's time, or the moment a replay shows.
  now: () => serverNow(),
  refreshes: () => ({
    overview: overviewRefresh.runs,
    gaps: Object.fromEntries([...gapRefreshes].map(([id, refresh]) => [id, refresh.runs])),
    // A run of the questionnaire's overview asked for and not yet made (the throttle waits up to REFRESH_MS).
    indicatorsPending: questionnaireRefresh.pending(),
  }),
  // Across regions: how often the sources' freshness was asked for (only while the picture is federated).
  sourceRefreshes: () => sourcesRefresh.runs,
};
