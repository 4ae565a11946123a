// The crisis-room dashboard: the live picture per region and sector, incidents, alerts, assistance and scenario gaps.
// Everything on screen comes from the feed's replica, except what the server computes (capacity totals, who has
// acknowledged an alert, gap reports): those are fetched from the JSON API after each change, at most every 250 ms.
import { call, Methods } from './api.js';
import { Feed, statusText } from './feed.js';
import { clock, count, escapeHtml, refreshTimes, relativeTime, when } from './format.js';
import { DISRUPTIONS, label, language, setLanguage, shortBedType, shortDisruption, t, translatePage } from './i18n.js';

const SEVERITY_RANK = { SEVERITY_NONE: 0, SEVERITY_MINOR: 1, SEVERITY_MAJOR: 2, SEVERITY_CRITICAL: 3 };
const STATUS_RANK = {
  OVERALL_STATUS_NORMAL: 1, OVERALL_STATUS_UNKNOWN: 2, OVERALL_STATUS_STRAINED: 3, OVERALL_STATUS_CRITICAL: 4,
  OVERALL_STATUS_CLOSED: 5,
};
const SECTOR_ORDER = ['SECTOR_ACUTE_CARE', 'SECTOR_LONG_TERM_CARE', 'SECTOR_OTHER', 'SECTOR_UNSPECIFIED'];
const FLASH_MS = 2500;

const $ = (id) => document.getElementById(id);
const derived = { capacity: null, capacityError: '', acknowledgements: new Map(), gaps: new Map(), gapErrors: new Map() };
const flashUntil = new Map();  // organisation id / record name -> time until which it is highlighted

const feed = new Feed({
  onChange: ({ changed, reset }) => {
    const now = Date.now();
    if (!reset) {
      for (const name of changed) {
        flashUntil.set(name, now + FLASH_MS);
        const org = name.match(/^organizations\/([^/]+)/);
        if (org) flashUntil.set(`org:${org[1]}`, now + FLASH_MS);
      }
    }
    scheduleRender();
    scheduleDerived();
  },
  onStatus: () => renderStatus(),
});

// --- The picture, from the replica ---

function picture() {
  const organizations = [];
  const reports = new Map();  // organisation id -> {org: StatusReport record | undefined, locations: [record]}
  const incidents = [];
  const entries = new Map();  // incident id -> [SituationEntry]
  const alerts = [];
  const requests = [];
  const scenarios = [];
  for (const record of feed.records.values()) {
    switch (record.kind) {
      case 'ENTITY_KIND_ORGANIZATION': organizations.push(record.organization); break;
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
      case 'ENTITY_KIND_ASSISTANCE_REQUEST': requests.push(record.assistance_request); break;
      case 'ENTITY_KIND_SCENARIO': scenarios.push(record.scenario); break;
      default: break;
    }
  }
  const names = new Map(organizations.map((o) => [o.id, o.name]));
  return { organizations, reports, incidents, entries, alerts, requests, scenarios, names };
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
  renderStatus();
  renderOrganizations(p);
  renderCapacity();
  renderIncidents(p);
  renderAlerts(p);
  renderAssistance(p);
  renderGaps(p);
  refreshTimes();
}

function renderStatus() {
  const conn = $('conn');
  conn.dataset.state = feed.state;
  $('conn-text').textContent = statusText(feed, t, clock);
  $('revision').textContent = feed.revision > 0 ? feed.revision.toLocaleString('nl-NL') : '—';
  $('last-change').innerHTML = feed.lastChange
    ? `${escapeHtml(clock(feed.lastChange))} <small>(${relativeTime(feed.lastChange.toISOString())})</small>` : '—';
}

function isFlashing(key) {
  const until = flashUntil.get(key);
  return until !== undefined && until > Date.now();
}

function severityClass(severity) {
  return { SEVERITY_MINOR: 'sev-minor', SEVERITY_MAJOR: 'sev-major', SEVERITY_CRITICAL: 'sev-critical' }[severity]
    || 'sev-none';
}

function statusBadge(status) {
  const value = status || 'OVERALL_STATUS_UNSPECIFIED';
  const cls = value.replace('OVERALL_STATUS_', '').toLowerCase();
  return `<span class="status status-${cls}">${escapeHtml(label(value))}</span>`;
}

function disruptionBadges(report) {
  const byType = new Map((report?.disruptions || []).map((d) => [d.type, d]));
  return `<div class="dis-grid">${DISRUPTIONS.map(([type]) => {
    const disruption = byType.get(type);
    const severity = disruption?.severity;
    const reported = disruption !== undefined;
    const tip = [label(type), reported ? label(severity) : label('SEVERITY_UNSPECIFIED'),
      disruption?.description || '', disruption?.since ? `${t('form.since')} ${when(disruption.since)}` : '']
      .filter(Boolean).join(' — ');
    return `<span class="dis ${severityClass(severity)}${reported ? '' : ' dis-unreported'}" title="${escapeHtml(tip)}"
      data-disruption="${type}" data-severity="${severity || ''}">${escapeHtml(shortDisruption(type))}</span>`;
  }).join('')}</div>`;
}

// Figures this reader may not see (another organisation's, docs/security.md): shown as withheld, never as zero or
// "not reported".
function withheld() {
  return `<span class="muted withheld" title="${escapeHtml(t('withheld.tip'))}" data-withheld>${escapeHtml(t('withheld'))}</span>`;
}

function capacityChips(report) {
  if (report?.detail_withheld) return withheld();
  const capacity = report?.capacity || [];
  if (capacity.length === 0) return '<span class="muted">—</span>';
  return capacity.map((c) => {
    const empty = c.available !== undefined && Number(c.available) === 0;
    return `<span class="chip${empty ? ' chip-empty' : ''}" title="${escapeHtml(label(c.type))}: ${escapeHtml(t('col.available'))} ${count(c.available)}, ${escapeHtml(t('col.occupied'))} ${count(c.occupied)}, ${escapeHtml(t('col.baseline'))} ${count(c.baseline)}, +24 ${count(c.surge_24h)}, +72 ${count(c.surge_72h)}" data-bed-type="${c.type}">
      <span class="chip-label">${escapeHtml(shortBedType(c.type))}</span>
      <b>${count(c.available)}</b><span class="muted">/${count(c.baseline)}</span></span>`;
  }).join('');
}

function staffingCell(report) {
  if (report?.detail_withheld) return withheld();
  const staffing = report?.staffing;
  if (!staffing || !staffing.level) return '<span class="muted">—</span>';
  const bad = staffing.level === 'STAFFING_LEVEL_INSUFFICIENT';
  const shortage = staffing.shortage_count !== undefined ? `<br><small>${escapeHtml(t('staffing.short', { n: count(staffing.shortage_count) }))}</small>` : '';
  return `<span class="${bad ? 'warn' : 'ok'}" title="${escapeHtml(staffing.description || '')}">${escapeHtml(label(staffing.level))}${shortage}</span>`;
}

// The emergency department's state under the status badge, when reported (hospitals).
function edLine(report) {
  const state = report?.emergency_department?.state;
  if (!state) return '';
  const cls = { EMERGENCY_DEPARTMENT_STATE_OPEN: 'ok', EMERGENCY_DEPARTMENT_STATE_DIVERSION: 'warn',
    EMERGENCY_DEPARTMENT_STATE_CLOSED: 'bad' }[state] || '';
  return `<div class="ed ${cls}" title="${escapeHtml(report.emergency_department.reason || '')}">${escapeHtml(t('ed.short'))}: ${escapeHtml(label(state))}</div>`;
}

function reportAge(record) {
  if (!record) return `<span class="never">${escapeHtml(t('report.never'))}</span>`;
  const report = record.status_report;
  const age = relativeTime(report.commit_time || record.update_time);
  if (report.overdue_since) {
    return `<span class="overdue" data-overdue>${escapeHtml(t('report.overdue_since', { time: when(report.overdue_since) }))}</span><br><small>${age}</small>`;
  }
  return `${age}${report.next_report_due ? `<br><small class="muted">${escapeHtml(t('report.due', { time: when(report.next_report_due) }))}</small>` : ''}`;
}

function reportRow(org, record, locationName) {
  const report = record?.status_report;
  const key = record ? record.name : `organizations/${org.id}/status`;
  const flash = isFlashing(key) ? ' flash' : '';
  const overdue = report?.overdue_since ? ' row-overdue' : '';
  const never = record ? '' : ' row-never';
  const extras = [];
  if (report?.crisis_plan_activated) extras.push(`<span class="tag">${escapeHtml(t('report.crisis_plan'))}</span>`);
  if (report?.free_text) extras.push(`<span class="free-text">“${escapeHtml(report.free_text)}”</span>`);
  const name = locationName
    ? `<div class="loc-name">↳ ${escapeHtml(locationName)}</div>`
    : `<div class="org-name">${escapeHtml(org.name)}</div><div class="org-kind">${escapeHtml(label(org.kind))}</div>`;
  return `<tr class="org-row${flash}${overdue}${never}${locationName ? ' loc-row' : ''}" data-org="${escapeHtml(org.id)}"${locationName ? ` data-location="${escapeHtml(report?.location_id || '')}"` : ''}>
    <td class="c-name">${name}${extras.length ? `<div class="extras">${extras.join(' ')}</div>` : ''}</td>
    <td class="c-status">${statusBadge(report?.overall_status)}${edLine(report)}</td>
    <td class="c-dis">${disruptionBadges(report)}</td>
    <td class="c-cap">${capacityChips(report)}</td>
    <td class="c-staff">${staffingCell(report)}</td>
    <td class="c-age">${reportAge(record)}</td>
  </tr>`;
}

function renderOrganizations(p) {
  const container = $('orgs');
  if (p.organizations.length === 0) {
    container.innerHTML = `<p class="nothing">${escapeHtml(t('nothing.organizations'))}</p>`;
    $('summary').innerHTML = '';
    return;
  }
  let overdue = 0;
  let never = 0;
  let critical = 0;
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
  }
  $('summary').innerHTML = [
    `<span>${escapeHtml(t('summary.organizations', { n: p.organizations.length }))}</span>`,
    `<span class="${critical ? 'bad' : 'muted'}">${escapeHtml(t('summary.critical', { n: critical }))}</span>`,
    `<span class="${overdue ? 'overdue' : 'muted'}" data-summary-overdue="${overdue}">${escapeHtml(t('summary.overdue', { n: overdue }))}</span>`,
    `<span class="${never ? 'warn' : 'muted'}">${escapeHtml(t('summary.never', { n: never }))}</span>`,
  ].join('');
  const keys = [...groups.keys()].sort((a, b) => {
    const [ra, sa] = a.split('|');
    const [rb, sb] = b.split('|');
    return ra.localeCompare(rb) || SECTOR_ORDER.indexOf(sa) - SECTOR_ORDER.indexOf(sb);
  });
  const legend = DISRUPTIONS.map(([type]) => `<span title="${escapeHtml(label(type))}">${escapeHtml(shortDisruption(type))} = ${escapeHtml(label(type))}</span>`).join(' · ');
  let html = `<div class="legend">${legend}<span class="sev-legend">${escapeHtml(t('severity.legend'))}
    <span class="dis sev-minor">${escapeHtml(label('SEVERITY_MINOR'))}</span><span class="dis sev-major">${escapeHtml(label('SEVERITY_MAJOR'))}</span><span class="dis sev-critical">${escapeHtml(label('SEVERITY_CRITICAL'))}</span></span></div>`;
  for (const key of keys) {
    const [region, sector] = key.split('|');
    const orgs = groups.get(key).sort((a, b) => a.name.localeCompare(b.name, 'nl'));
    html += `<h3 class="group">${escapeHtml(region)} · ${escapeHtml(label(sector))} <small>(${orgs.length})</small></h3>
      <table class="orgs"><thead><tr><th>${escapeHtml(t('col.organization'))}</th><th>${escapeHtml(t('col.status'))}</th>
      <th>${escapeHtml(t('col.disruptions'))}</th><th>${escapeHtml(t('col.capacity'))}</th><th>${escapeHtml(t('col.staffing'))}</th>
      <th>${escapeHtml(t('col.report'))}</th></tr></thead><tbody>`;
    for (const org of orgs) {
      const reports = p.reports.get(org.id) || { org: undefined, locations: [] };
      if (reports.org || reports.locations.length === 0) html += reportRow(org, reports.org, '');
      const locations = reports.locations.sort((a, b) => a.name.localeCompare(b.name));
      if (!reports.org && locations.length > 0) {
        // Only per-site reports: the organisation's row shows its worst site, the sites follow.
        const worst = locations.reduce((a, b) => ((STATUS_RANK[b.status_report.overall_status] || 0) > (STATUS_RANK[a.status_report.overall_status] || 0) ? b : a));
        html += reportRow(org, worst, '');
      }
      for (const record of locations) {
        const location = (org.locations || []).find((l) => l.id === record.status_report.location_id);
        html += reportRow(org, record, location?.name || record.status_report.location_id);
      }
    }
    html += '</tbody></table>';
  }
  container.innerHTML = html;
}

function renderCapacity() {
  const container = $('capacity');
  if (derived.capacityError) {
    container.innerHTML = `<p class="nothing">${escapeHtml(t('unavailable', { message: derived.capacityError }))}</p>`;
    return;
  }
  const totals = derived.capacity?.totals || [];
  if (totals.length === 0) {
    container.innerHTML = `<p class="nothing">${escapeHtml(t('nothing.capacity'))}</p>`;
    return;
  }
  const byType = new Map();
  for (const total of totals) {
    if (!byType.has(total.bed_type)) byType.set(total.bed_type, []);
    byType.get(total.bed_type).push(total);
  }
  // +72 h is left to the organisations' chips and the API: the panel must stay narrow enough for a wall screen's side.
  const fields = ['available', 'occupied', 'baseline', 'surge_24h', 'organizations_reported'];
  const sum = (rows, field) => rows.reduce((a, r) => a + Number(r[field] || 0), 0);
  const header = (f) => (f === 'organizations_reported' ? ['col.short.organizations', 'col.reported_by'] : [`col.short.${f}`, `col.${f}`]);
  let html = `<table class="capacity"><thead><tr><th>${escapeHtml(t('col.type'))}</th>${fields.map((f) => `<th class="num" title="${escapeHtml(t(header(f)[1]))}">${escapeHtml(t(header(f)[0]))}</th>`).join('')}</tr></thead><tbody>`;
  // A total of too few organisations is withheld from readers without detailed visibility; a sum over it would
  // mislead, so the type's total is withheld too.
  const cell = (rows, f, value) => (f !== 'organizations_reported' && rows.some((r) => r.figures_withheld)
    ? `<td class="num">${withheld()}</td>` : `<td class="num${f === 'available' && value === 0 ? ' bad' : ''}">${count(value)}</td>`);
  for (const [type, rows] of byType) {
    html += `<tr class="cap-total" data-bed-type="${type}"><td>${escapeHtml(label(type))}</td>${fields.map((f) => cell(rows, f, sum(rows, f))).join('')}</tr>`;
    if (rows.length > 1) {
      for (const row of rows) {
        html += `<tr class="cap-part"><td>${escapeHtml(row.safety_region)} · ${escapeHtml(label(row.sector))}</td>${fields.map((f) => cell([row], f, row[f])).join('')}</tr>`;
      }
    }
  }
  html += '</tbody></table>';
  container.innerHTML = html;
}

function renderIncidents(p) {
  const container = $('incidents');
  const incidents = p.incidents.filter((i) => i.status !== 'INCIDENT_STATUS_CLOSED')
    .sort((a, b) => String(b.opened_at || '').localeCompare(String(a.opened_at || '')));
  if (incidents.length === 0) {
    container.innerHTML = `<p class="nothing">${escapeHtml(t('nothing.incidents'))}</p>`;
    return;
  }
  container.innerHTML = incidents.map((incident) => {
    const c = incident.casualties || {};
    const casualties = ['t1', 't2', 't3', 'dead'].map((k) => `<span class="triage triage-${k}">${k === 'dead' ? '†' : k.toUpperCase()} ${count(c[k])}</span>`).join('');
    const entries = (p.entries.get(incident.id) || []).sort((a, b) => Number(b.sequence || 0) - Number(a.sequence || 0)).slice(0, 6);
    const log = entries.length === 0 ? `<p class="nothing">${escapeHtml(t('nothing.entries'))}</p>`
      : `<ol class="sitlog">${entries.map((e) => `<li class="layer-${(e.layer || '').replace('SITUATION_LAYER_', '').toLowerCase()}">
          <span class="layer">${escapeHtml(label(e.layer))}</span>
          <span class="entry-text">${escapeHtml(e.text)}</span>
          <span class="entry-meta">${escapeHtml(e.author || '')} · ${escapeHtml(when(e.commit_time))}</span></li>`).join('')}</ol>`;
    const flash = isFlashing(`incidents/${incident.id}`) ? ' flash' : '';
    return `<article class="card incident${flash}" data-incident="${escapeHtml(incident.id)}">
      <header><span class="grip">${escapeHtml(incident.scale_up_level || '')}</span>
        <h4>${escapeHtml(incident.title)}</h4><span class="tag">${escapeHtml(label(incident.status))}</span></header>
      <div class="card-meta">${escapeHtml(incident.type || '')}${incident.area?.description ? ` · ${escapeHtml(incident.area.description)}` : ''}
        · ${escapeHtml(t('incident.opened', { time: when(incident.opened_at) }))}
        ${(incident.affected_organization_ids || []).length ? ` · ${escapeHtml(t('incident.affected', { n: incident.affected_organization_ids.length }))}` : ''}</div>
      <div class="casualties"><span class="muted">${escapeHtml(t('incident.casualties'))}</span> ${casualties}</div>
      ${log}
    </article>`;
  }).join('');
}

function renderAlerts(p) {
  const container = $('alerts');
  const alerts = p.alerts.filter((a) => a.status !== 'ALERT_STATUS_CANCELLED')
    .sort((a, b) => String(b.sent_at || '').localeCompare(String(a.sent_at || '')));
  if (alerts.length === 0) {
    container.innerHTML = `<p class="nothing">${escapeHtml(t('nothing.alerts'))}</p>`;
    return;
  }
  const name = (id) => escapeHtml(p.names.get(id) || id);
  container.innerHTML = alerts.map((alert) => {
    const state = derived.acknowledgements.get(alert.id);
    let body = '';
    if (state) {
      const acknowledged = (state.acknowledgements || []).length;
      const size = Number(state.audience_size || 0);
      const pct = size > 0 ? Math.round((100 * Math.min(acknowledged, size)) / size) : 100;
      const missing = state.unacknowledged_organization_ids || [];
      body = `<div class="ack-bar" title="${pct}%"><div style="width:${pct}%"></div></div>
        <div class="ack-count">${escapeHtml(t('alert.acknowledged', { n: acknowledged, total: size }))}</div>
        ${missing.length ? `<div class="ack-missing"><b>${escapeHtml(t('alert.not_acknowledged'))}:</b> ${missing.map((id) => `<span class="org-pill missing" data-unacknowledged="${escapeHtml(id)}">${name(id)}</span>`).join(' ')}</div>`
          : `<div class="ok">${escapeHtml(t('alert.everyone'))}</div>`}
        ${acknowledged ? `<div class="ack-done"><b>${escapeHtml(t('alert.acknowledged_by'))}:</b> ${(state.acknowledgements || []).map((a) => `<span class="org-pill done${a.late ? ' late' : ''}" data-acknowledged="${escapeHtml(a.organization_id)}" title="${escapeHtml(when(a.acknowledged_at))}${a.comment ? ` — ${escapeHtml(a.comment)}` : ''}">${name(a.organization_id)}${a.late ? ` (${escapeHtml(t('alert.late'))})` : ''}</span>`).join(' ')}</div>` : ''}`;
    }
    const deadline = alert.deadline_passed
      ? `<span class="overdue">${escapeHtml(t('alert.deadline_passed', { time: when(alert.deadline_passed.passed_at) }))}</span>`
      : alert.acknowledge_by ? `<span>${escapeHtml(t('alert.deadline', { time: when(alert.acknowledge_by) }))} (${relativeTime(alert.acknowledge_by)})</span>` : '';
    const sev = (alert.severity || '').replace('ALERT_SEVERITY_', '').toLowerCase();
    const flash = isFlashing(`alerts/${alert.id}`) ? ' flash' : '';
    return `<article class="card alert alert-${sev}${flash}" data-alert="${escapeHtml(alert.id)}">
      <header><span class="tag sev">${escapeHtml(label(alert.severity))}</span><h4>${escapeHtml(alert.headline)}</h4></header>
      <div class="card-meta">${escapeHtml(label(alert.urgency))} · ${escapeHtml(label(alert.certainty))} · ${escapeHtml(t('alert.sent', { time: when(alert.sent_at) }))} ${deadline ? `· ${deadline}` : ''}</div>
      ${alert.instruction ? `<div class="instruction">${escapeHtml(alert.instruction)}</div>` : ''}
      ${body}
    </article>`;
  }).join('');
}

function renderAssistance(p) {
  const container = $('assistance');
  const open = new Set(['ASSISTANCE_STATUS_OPEN', 'ASSISTANCE_STATUS_OFFERED', 'ASSISTANCE_STATUS_ACCEPTED']);
  const requests = p.requests.filter((r) => open.has(r.status))
    .sort((a, b) => String(a.needed_by || 'z').localeCompare(String(b.needed_by || 'z')));
  if (requests.length === 0) {
    container.innerHTML = `<p class="nothing">${escapeHtml(t('nothing.assistance'))}</p>`;
    return;
  }
  const name = (id) => escapeHtml(p.names.get(id) || id);
  container.innerHTML = requests.map((r) => {
    const what = r.type === 'ASSISTANCE_TYPE_BEDS' && r.bed_type ? `${label(r.type)}: ${label(r.bed_type)}` : label(r.type);
    const offers = (r.offers || []).length === 0 ? `<span class="muted">${escapeHtml(t('assistance.no_offers'))}</span>`
      : (r.offers || []).map((o) => `<span class="org-pill${o.status === 'OFFER_STATUS_ACCEPTED' ? ' done' : ''}" data-offer="${escapeHtml(o.organization_id)}">${name(o.organization_id)}: ${count(o.quantity)} <small>${escapeHtml(label(o.status))}</small></span>`).join(' ');
    const flash = isFlashing(`assistance-requests/${r.id}`) ? ' flash' : '';
    return `<article class="card request${flash}" data-request="${escapeHtml(r.id)}">
      <header><span class="qty">${count(r.quantity)}×</span><h4>${escapeHtml(what)}</h4><span class="tag">${escapeHtml(label(r.status))}</span></header>
      <div class="card-meta">${escapeHtml(t('assistance.requested_by', { org: p.names.get(r.organization_id) || r.organization_id }))}
        ${r.needed_by ? ` · ${escapeHtml(t('assistance.needed_by', { time: when(r.needed_by) }))}` : ''}</div>
      ${r.description ? `<div class="instruction">${escapeHtml(r.description)}</div>` : ''}
      <div class="offers"><b>${escapeHtml(t('assistance.offers'))}:</b> ${offers}</div>
    </article>`;
  }).join('');
}

function renderGaps(p) {
  const container = $('gaps');
  if (p.scenarios.length === 0) {
    container.innerHTML = `<p class="nothing">${escapeHtml(t('nothing.gaps'))}</p>`;
    return;
  }
  const name = (id) => escapeHtml(p.names.get(id) || id);
  container.innerHTML = p.scenarios.sort((a, b) => a.name.localeCompare(b.name, 'nl')).map((scenario) => {
    const report = derived.gaps.get(scenario.id);
    const error = derived.gapErrors.get(scenario.id);
    let body = '';
    if (error) body = `<p class="nothing">${escapeHtml(t('unavailable', { message: error }))}</p>`;
    else if (report) {
      const th = (short, long) => `<th class="num" title="${escapeHtml(t(long))}">${escapeHtml(t(short))}</th>`;
      body = `<table class="gaps"><thead><tr><th>${escapeHtml(t('col.type'))}</th>${th('col.required', 'col.required')}
        ${th('col.short.available', 'col.available')}${th('col.short.shortfall', 'col.shortfall')}${th('col.short.shortfall_after_surge', 'col.shortfall_after_surge')}
        ${th('col.short.not_reported', 'col.not_reported')}</tr></thead><tbody>
        ${(report.capacity || []).map((g) => `<tr data-gap="${g.bed_type}"><td>${escapeHtml(label(g.bed_type))}${g.sector && g.sector !== 'SECTOR_UNSPECIFIED' ? `<br><small class="muted">${escapeHtml(label(g.sector))}</small>` : ''}</td>
          <td class="num">${count(g.required)}</td><td class="num" title="+24: ${count(g.surge_24h || 0)}">${count(g.available || 0)}</td>
          <td class="num ${Number(g.shortfall || 0) > 0 ? 'bad' : 'ok'}">${count(g.shortfall || 0)}</td>
          <td class="num ${Number(g.shortfall_after_surge || 0) > 0 ? 'bad' : 'ok'}">${count(g.shortfall_after_surge || 0)}</td>
          <td class="num ${Number(g.organizations_not_reported || 0) > 0 ? 'warn' : 'muted'}">${count(g.organizations_not_reported || 0)}</td></tr>`).join('')}
        </tbody></table>
        ${(report.supplies || []).map((s) => (s.short_organization_ids || []).length
          ? `<div class="supply-gap bad">${escapeHtml(label(s.type))}: ${escapeHtml(t('gap.supplies_short', { days: s.min_days_of_supply }))} — ${(s.short_organization_ids || []).map(name).join(', ')}</div>`
          : `<div class="supply-gap ok">${escapeHtml(label(s.type))}: ${escapeHtml(t('gap.supplies_ok'))}</div>`).join('')}`;
    }
    return `<article class="card scenario" data-scenario="${escapeHtml(scenario.id)}"><header><h4>${escapeHtml(scenario.name)}</h4>
      <span class="muted">${escapeHtml(scenario.safety_region)}</span></header>${body}</article>`;
  }).join('');
}

// --- What the server computes ---

let derivedTimer = null;
let derivedRunning = false;
let derivedAgain = false;
function scheduleDerived() {
  if (derivedTimer) return;
  derivedTimer = setTimeout(async () => {
    derivedTimer = null;
    if (derivedRunning) {
      derivedAgain = true;
      return;
    }
    derivedRunning = true;
    try {
      await refreshDerived();
    } finally {
      derivedRunning = false;
      if (derivedAgain) {
        derivedAgain = false;
        scheduleDerived();
      }
    }
  }, 250);
}

async function refreshDerived() {
  const p = picture();
  const jobs = [];
  jobs.push(call(Methods.capacityOverview, {}).then((overview) => {
    derived.capacity = overview;
    derived.capacityError = '';
  }, (error) => { derived.capacityError = error.message; }));
  const acknowledgements = new Map();
  for (const alert of p.alerts.filter((a) => a.status !== 'ALERT_STATUS_CANCELLED')) {
    jobs.push(call(Methods.alertAcknowledgements, { alert_id: alert.id })
      .then((state) => acknowledgements.set(alert.id, state), () => {}));
  }
  const gaps = new Map();
  const gapErrors = new Map();
  for (const scenario of p.scenarios) {
    jobs.push(call(Methods.gapReport, { scenario_id: scenario.id })
      .then((report) => gaps.set(scenario.id, report), (error) => gapErrors.set(scenario.id, error.message)));
  }
  await Promise.all(jobs);
  derived.acknowledgements = acknowledgements;
  derived.gaps = gaps;
  derived.gapErrors = gapErrors;
  scheduleRender();
}

// --- Start ---

function applyLanguage() {
  translatePage();
  $('lang').textContent = t('lang.switch');
  document.title = `${t('app.title')} — ${t('app.dashboard')}`;
  render();
}

$('lang').addEventListener('click', () => {
  setLanguage(language() === 'nl' ? 'en' : 'nl');
  applyLanguage();
});
setInterval(() => {
  $('clock').textContent = clock(new Date());
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
applyLanguage();
feed.start();
window.ketenbeeld = { feed };  // For the browser tests and for curious operators.
