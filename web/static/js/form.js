// The crisis coordinator's form: report the organisation's status (pre-filled with its last report, so a quick update
// is two clicks: the overall status, then send), acknowledge alerts and offer help on others' requests.
//
// The server validates; its INVALID_ARGUMENT messages start with the field path ("report.capacity[2].available: ..."),
// and the form shows each next to the input that path names. While building a request, the form records which input
// every path comes from (including array indexes as sent), so the mapping holds whatever rows were left out.
//
// Which values each list offers (overall status, disruptions, severities, bed types, supplies, staffing, emergency
// department) comes from the server's enums (enums.js), not from a copy here.
import { ApiError, Methods, call } from './api.js';
import { assistanceCoverage, inAudience, indicatorsFor } from './derive.js';
import { choices, loadEnums } from './enums.js';
import { Feed, statusText } from './feed.js';
import { clock, refreshTimes, relativeTime, when } from './format.js';
import { html, setHtml } from './html.js';
import { assistanceWhat, label, language, setLanguage, t, translatePage } from './i18n.js';
import { updateMask } from './report_mask.js';
import { serverNow } from './server_clock.js';
import { exerciseOf, inView, linkInView, viewFilter, withExercise } from './view.js';

const $ = (id) => document.getElementById(id);
const ORG_KEY = 'ketenbeeld.form.organization';
const REPORTER_KEY = 'ketenbeeld.form.reporter';
const CAPACITY_FIELDS = ['available', 'occupied', 'baseline', 'surge_24h', 'surge_72h'];
const SUPPLY_NUMBERS = ['stock', 'consumption_per_day', 'autonomy_hours'];

const LONG_TERM_CARE = ['ORGANIZATION_KIND_NURSING_HOME', 'ORGANIZATION_KIND_DISABILITY_CARE',
  'ORGANIZATION_KIND_MENTAL_HEALTH', 'ORGANIZATION_KIND_HOME_CARE'];
// Capacity that is not beds: each part of the report, the organisation kinds it is for (the server refuses it from
// any other: StatusReport in status.proto), its section and which input holds each field.
const CHAIN_PARTS = [
  { field: 'intake_stop', section: 'intake-section', kinds: LONG_TERM_CARE, enums: { state: 'intake-state' },
    times: { since: 'intake-since', until: 'intake-until' }, texts: { reason: 'intake-reason' }, numbers: {} },
  { field: 'ambulance', section: 'ambulance-section', kinds: ['ORGANIZATION_KIND_AMBULANCE_SERVICE'], enums: {},
    times: {}, texts: {}, numbers: { ambulances_available: 'amb-available', ambulances_deployed: 'amb-deployed' } },
  { field: 'gp_post', section: 'gp-section', kinds: ['ORGANIZATION_KIND_GP_POST'], enums: { state: 'gp-state' },
    times: {}, texts: { reason: 'gp-reason' },
    numbers: { consultations_per_hour: 'gp-per-hour', slots_available: 'gp-slots' } },
  { field: 'home_care', section: 'home-care-section', kinds: ['ORGANIZATION_KIND_HOME_CARE'], enums: {}, times: {},
    texts: {}, numbers: { clients_in_care: 'hc-clients', clients_on_powered_devices: 'hc-powered',
      clients_on_home_ventilation: 'hc-ventilation' } },
  { field: 'public_health', section: 'ggd-section', kinds: ['ORGANIZATION_KIND_GGD'], enums: {}, times: {}, texts: {},
    numbers: { infection_control_teams_available: 'ggd-infection', vaccination_teams_available: 'ggd-vaccination',
      psychosocial_teams_available: 'ggd-psychosocial' } },
];

let selectedOrg = '';
let selectedLocation = '';
let prefilledFrom = null;  // the record (name + mod_revision) the form was filled from
let dirty = false;  // the user changed something since the form was filled
// The report as the form built it right after filling it from the stored report (null: there was none): what the
// user changed is the difference, and only that is sent (report_mask.js).
let baseline = null;

// The exercise the form writes in ('' = the real picture), from the address (?exercise=ID, as the dashboard links it):
// every write carries it, and the feed shows that exercise's picture (view.js).
const exerciseId = exerciseOf(window.location.search);

const feed = new Feed({
  filter: viewFilter(exerciseId),
  onChange: () => {
    renderOrganizations();
    maybePrefill();
    scheduleSide();
    renderStatus();
  },
  onStatus: () => renderStatus(),
});

function renderStatus() {
  $('conn').dataset.state = feed.state;
  $('conn-text').textContent = statusText(feed, t, clock);
  $('revision').textContent = feed.revision > 0 ? feed.revision.toLocaleString('nl-NL') : '—';
}

function organizations() {
  return [...feed.withPrefix('organizations/')].filter((r) => r.kind === 'ENTITY_KIND_ORGANIZATION')
    .map((r) => r.organization).sort((a, b) => a.name.localeCompare(b.name, 'nl'));
}

function organization(id) {
  return feed.records.get(`organizations/${id}`)?.organization;
}

function reportName() {
  return inView(exerciseId, selectedLocation ? `organizations/${selectedOrg}/locations/${selectedLocation}/status`
    : `organizations/${selectedOrg}/status`);
}

// --- Choosing the organisation ---

function renderOrganizations() {
  const select = $('org');
  const orgs = organizations();
  const options = html`<option value="">${t('form.choose_organization')}</option>${orgs.map((o) => html`<option value="${o.id}">${o.name} (${label(o.kind)})</option>`)}`;
  // Rewritten only when it changed: rewriting closes the list under someone choosing from it.
  if (select.dataset.html !== String(options)) {
    setHtml(select, options);
    select.dataset.html = String(options);
  }
  if (!selectedOrg) {
    const wanted = new URLSearchParams(location.search).get('org') || localStorage.getItem(ORG_KEY) || '';
    if (wanted && orgs.some((o) => o.id === wanted)) selectOrganization(wanted);
  }
  select.value = selectedOrg;
  renderLocations();
}

function renderLocations() {
  const select = $('location');
  const org = organization(selectedOrg);
  const options = html`<option value="">${t('form.whole_organization')}</option>${(org?.locations || []).map((l) => html`<option value="${l.id}">${l.name}</option>`)}`;
  if (select.dataset.html !== String(options)) {
    setHtml(select, options);
    select.dataset.html = String(options);
  }
  select.value = selectedLocation;
  select.disabled = !org || (org.locations || []).length === 0;
}

function selectOrganization(id) {
  selectedOrg = id;
  selectedLocation = '';
  if (id) localStorage.setItem(ORG_KEY, id);
  prefilledFrom = null;
  dirty = false;
  renderLocations();
  maybePrefill();
  scheduleSide();
}

$('org').addEventListener('change', (e) => selectOrganization(e.target.value));
$('location').addEventListener('change', (e) => {
  selectedLocation = e.target.value;
  prefilledFrom = null;
  dirty = false;
  maybePrefill();
});

// --- Filling the form from the last report ---

function maybePrefill() {
  const chosen = Boolean(selectedOrg && organization(selectedOrg));
  $('report').hidden = !chosen;
  $('quick').hidden = true;
  if (!chosen) {
    $('last-report').textContent = feed.state === 'live' ? t('form.pick_first') : '';
    return;
  }
  const record = feed.records.get(reportName());
  const key = record ? `${record.name}@${record.mod_revision}` : `${reportName()}@none`;
  if (record) {
    $('last-report').textContent = t('form.last_report', { time: when(record.update_time), revision: Number(record.mod_revision) });
    $('quick').hidden = false;
  } else {
    $('last-report').textContent = t('form.no_last_report');
  }
  // Only the parts of capacity that is not beds that fit the organisation's kind.
  const kind = organization(selectedOrg)?.kind;
  for (const part of CHAIN_PARTS) $(part.section).hidden = !part.kinds.includes(kind);
  // The GHOR's indicators that ask this organisation: redrawn when they change, keeping what was entered.
  renderIndicators();
  if (prefilledFrom === key || (dirty && prefilledFrom !== null)) return;
  prefilledFrom = key;
  fill(record?.status_report || {});
  baseline = record ? buildSafely()?.report ?? null : null;
  dirty = false;
}

function toLocalInput(timestamp) {
  if (!timestamp) return '';
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function fill(report) {
  clearErrors();
  for (const input of document.querySelectorAll('input[name="overall"]')) input.checked = input.value === report.overall_status;
  const disruptions = new Map((report.disruptions || []).map((d) => [d.type, d]));
  for (const type of choices('DisruptionType')) {
    const d = disruptions.get(type);
    const row = document.querySelector(`.disruption-row[data-type="${type}"]`);
    for (const input of row.querySelectorAll('input[type="radio"]')) input.checked = input.value === (d?.severity || '');
    row.querySelector('[data-name="since"]').value = toLocalInput(d?.since);
    row.querySelector('[data-name="expected_end"]').value = toLocalInput(d?.expected_end);
    row.querySelector('[data-name="description"]').value = d?.description || '';
    row.querySelector('.disruption-details').hidden = !(d?.since || d?.expected_end || d?.description);
  }
  $('capacity').replaceChildren();
  for (const c of report.capacity || []) addCapacityRow(c.type, c);
  $('supplies').replaceChildren();
  for (const s of report.supplies || []) addSupplyRow(s.type, s);
  refreshAddSelects();
  $('staffing-level').value = report.staffing?.level || '';
  $('staffing-shortage').value = report.staffing?.shortage_count ?? '';
  $('staffing-description').value = report.staffing?.description || '';
  $('staffing-from').value = toLocalInput(report.staffing?.shortage_from);
  $('ed-state').value = report.emergency_department?.state || '';
  $('ed-reason').value = report.emergency_department?.reason || '';
  $('ed-until').value = toLocalInput(report.emergency_department?.until);
  // The server marks a diversion or closure whose end time passed without a newer report: ask to confirm or end it.
  const expired = report.emergency_department?.expired_since;
  $('ed-expired').hidden = !expired;
  $('ed-expired').textContent = expired ? t('form.ed_expired', { time: when(expired) }) : '';
  for (const part of CHAIN_PARTS) {
    const given = report[part.field] || {};
    for (const [name, id] of Object.entries({ ...part.enums, ...part.texts })) $(id).value = given[name] || '';
    for (const [name, id] of Object.entries(part.times)) $(id).value = toLocalInput(given[name]);
    for (const [name, id] of Object.entries(part.numbers)) $(id).value = given[name] ?? '';
  }
  renderIndicators(report.indicator_values || []);
  $('crisis-plan').checked = Boolean(report.crisis_plan_activated);
  $('free-text').value = report.free_text || '';
  const remembered = JSON.parse(localStorage.getItem(REPORTER_KEY) || '{}');
  const reporter = report.reporter?.name ? report.reporter : remembered;
  $('reporter-name').value = reporter.name || '';
  $('reporter-function').value = reporter.function || '';
  $('reporter-phone').value = reporter.phone || '';
}

// --- Questionnaires (uitvraag) ---

// What the indicator section shows now (ids, types, choices, labels, language, which an alert asks for): it is
// redrawn only when this changes, so a feed update does not wipe what someone is typing.
let indicatorsKey = '';

function shownIndicators() {
  const org = organization(selectedOrg);
  if (!org) return { indicators: [], asked: new Set() };
  const records = [...feed.withPrefix(inView(exerciseId, 'indicators/')), ...feed.withPrefix(inView(exerciseId, 'alerts/'))];
  return indicatorsFor(records, org);
}

// One input per indicator, by its type: a whole number, a number, yes/no, one of its choices, or text.
function indicatorInput(indicator) {
  const id = `indicator-${indicator.id}`;
  switch (indicator.type) {
    case 'INDICATOR_TYPE_YES_NO':
      return html`<select id="${id}" data-indicator-input><option value="">${t('form.not_reported')}</option>
        <option value="yes">${t('form.yes')}</option><option value="no">${t('form.no')}</option></select>`;
    case 'INDICATOR_TYPE_CHOICE':
      return html`<select id="${id}" data-indicator-input><option value="">${t('form.not_reported')}</option>${(indicator.choices || []).map((c) => html`<option value="${c}">${c}</option>`)}</select>`;
    case 'INDICATOR_TYPE_COUNT':
      return html`<input id="${id}" data-indicator-input inputmode="numeric">`;
    case 'INDICATOR_TYPE_NUMBER':
      return html`<input id="${id}" data-indicator-input inputmode="decimal">`;
    default:
      return html`<input id="${id}" data-indicator-input>`;
  }
}

function setIndicatorValue(value) {
  const input = document.getElementById(`indicator-${value.indicator_id}`);
  if (!input) return;  // Not (or no longer) asked here: the server keeps the stored answer.
  if (value.yes_no !== undefined) input.value = value.yes_no ? 'yes' : 'no';
  else if (value.count !== undefined) input.value = String(value.count);
  else if (value.number !== undefined) input.value = String(value.number);
  else if (value.choice !== undefined) input.value = value.choice;
  else if (value.text !== undefined) input.value = value.text;
}

// Draws the indicator section with `values` (a report's indicator_values); without them, only when what it shows
// changed, keeping the values entered.
function renderIndicators(values) {
  const { indicators, asked } = shownIndicators();
  $('indicators-section').hidden = indicators.length === 0;
  const key = JSON.stringify([language(), [...asked].sort(),
    indicators.map((i) => [i.id, i.type, i.choices, i.label_nl, i.label_en, i.unit])]);
  let shown = values;
  if (shown === undefined) {
    if (key === indicatorsKey) return;
    try {
      shown = buildIndicatorValues(new Map());
    } catch {
      shown = [];
    }
  }
  indicatorsKey = key;
  const english = language() === 'en';
  setHtml($('indicators'), html`${indicators.map((indicator) => html`<div class="indicator-row" data-indicator="${indicator.id}" data-type="${indicator.type}">
    <label for="indicator-${indicator.id}">${english ? indicator.label_en : indicator.label_nl}${indicator.unit ? ` (${indicator.unit})` : ''}</label>
    ${indicatorInput(indicator)}${asked.has(indicator.id) ? html` <span class="muted" data-asked>${t('form.indicator_asked')}</span>` : ''}
  </div>`)}`);
  for (const value of shown) setIndicatorValue(value);
}

// The answers entered, as StatusReport.indicator_values; `fields` learns the input of every path. Empty inputs are
// "not answered" and left out.
function buildIndicatorValues(fields) {
  const values = [];
  for (const row of $('indicators').querySelectorAll('.indicator-row')) {
    const input = row.querySelector('[data-indicator-input]');
    const value = { indicator_id: row.dataset.indicator };
    if (row.dataset.type === 'INDICATOR_TYPE_COUNT') {
      const count = integer(input);
      if (count === undefined) continue;
      value.count = count;
    } else if (row.dataset.type === 'INDICATOR_TYPE_NUMBER') {
      const number = decimal(input);
      if (number === undefined) continue;
      value.number = number;
    } else if (row.dataset.type === 'INDICATOR_TYPE_YES_NO') {
      if (!input.value) continue;
      value.yes_no = input.value === 'yes';
    } else if (row.dataset.type === 'INDICATOR_TYPE_CHOICE') {
      if (!input.value) continue;
      value.choice = input.value;
    } else {
      if (!input.value.trim()) continue;
      value.text = input.value.trim();
    }
    const path = `report.indicator_values[${values.length}]`;
    for (const suffix of ['', '.indicator_id', '.count', '.number', '.yes_no', '.choice', '.text']) {
      fields.set(`${path}${suffix}`, input);
    }
    values.push(value);
  }
  return values;
}

// --- Building the form ---

// An enum's values as <option>s, led by an empty "not reported" choice.
function enumOptions(name, selected = '') {
  return html`<option value="">${t('form.not_reported')}</option>${choices(name).map((v) => html`<option value="${v}"${v === selected ? html` selected` : ''}>${label(v)}</option>`)}`;
}

function buildStatic() {
  setHtml($('overall'), html`${choices('OverallStatus').map((s) => html`<label><input type="radio" name="overall" value="${s}">
    <span class="o-${s.replace('OVERALL_STATUS_', '').toLowerCase()}">${label(s)}</span></label>`)}`);
  const severityChoices = (type) => ['', ...choices('Severity')].map((s) => html`<label><input type="radio" name="sev-${type}" value="${s}">
    <span class="s-${(s || 'SEVERITY_UNSPECIFIED').replace('SEVERITY_', '').toLowerCase()}">${s ? label(s) : '—'}</span></label>`);
  setHtml($('disruptions'), html`${choices('DisruptionType').map((type) => html`<div class="disruption-row" data-type="${type}">
      <div class="name">${label(type)}</div>
      <div class="segmented" role="radiogroup" aria-label="${label(type)}">${severityChoices(type)}</div>
      <button type="button" class="small" data-toggle-details>${t('form.details')}</button>
      <div class="disruption-details" hidden>
        <div><label>${t('form.since')}</label><input type="datetime-local" data-name="since"></div>
        <div><label>${t('form.expected_end')}</label><input type="datetime-local" data-name="expected_end"></div>
        <div><label>${t('form.description')}</label><input data-name="description"></div>
      </div></div>`)}`);
  setHtml($('capacity-table').querySelector('thead'), html`<tr><th>${t('col.type')}</th>${CAPACITY_FIELDS.map((f) => html`<th>${t(`col.${f}`)}</th>`)}<th></th></tr>`);
  setHtml($('supplies-head'), html`<tr><th>${t('col.type')}</th><th>${t('form.supply_state')}</th><th>${t('form.stock')}</th>
    <th>${t('form.per_day')}</th><th>${t('form.unit')}</th><th>${t('form.autonomy_hours')}</th>
    <th>${t('form.resupply_at')}</th><th>${t('form.resupply_quantity')}</th><th>${t('form.supplier')}</th><th></th></tr>`);
  setHtml($('staffing-level'), enumOptions('StaffingLevel'));
  setHtml($('ed-state'), enumOptions('EmergencyDepartmentState'));
  setHtml($('intake-state'), enumOptions('IntakeStopState'));
  setHtml($('gp-state'), enumOptions('GpPostState'));
  refreshAddSelects();
}

function addCapacityRow(type, values = {}) {
  const row = document.createElement('tr');
  row.dataset.type = type;
  setHtml(row, html`<td class="type">${label(type)}</td>${CAPACITY_FIELDS.map((f) => html`<td><input inputmode="numeric" data-name="${f}"
    aria-label="${`${label(type)} ${t(`col.${f}`)}`}" value="${values[f] ?? ''}"></td>`)}
    <td><button type="button" class="small" data-remove title="${t('form.remove')}">✕</button></td>`);
  $('capacity').appendChild(row);
}

function addSupplyRow(type, values = {}) {
  const row = document.createElement('tr');
  row.dataset.type = type;
  // When the stored figures run out, counted by the server from when they were reported: the time left now.
  const runsOut = values.runs_out_at
    ? html`<div class="runs-out muted" data-runs-out="${values.runs_out_at}">${t('form.runs_out', { time: when(values.runs_out_at) })} ${relativeTime(values.runs_out_at)}</div>`
    : '';
  setHtml(row, html`<td class="type">${label(type)}${runsOut}</td>
    <td><select data-name="state">${enumOptions('SupplyState', values.state || '')}</select></td>
    <td><input inputmode="decimal" data-name="stock" value="${values.stock ?? ''}"></td>
    <td><input inputmode="decimal" data-name="consumption_per_day" value="${values.consumption_per_day ?? ''}"></td>
    <td><input data-name="unit" value="${values.unit || ''}"></td>
    <td><input inputmode="decimal" data-name="autonomy_hours" value="${values.autonomy_hours ?? ''}"></td>
    <td><input type="datetime-local" data-name="resupply_at" value="${toLocalInput(values.resupply?.expected_at)}"></td>
    <td><input inputmode="decimal" data-name="resupply_quantity" value="${values.resupply?.quantity ?? ''}"></td>
    <td><input data-name="supplier" value="${values.resupply?.supplier || ''}"></td>
    <td><button type="button" class="small" data-remove title="${t('form.remove')}">✕</button></td>`);
  $('supplies').appendChild(row);
}

function refreshAddSelects() {
  const used = (id) => new Set([...$(id).querySelectorAll('tr')].map((r) => r.dataset.type));
  const capacityUsed = used('capacity');
  setHtml($('add-capacity'), html`<option value="">${t('form.add_capacity')}</option>${choices('BedType').filter((b) => !capacityUsed.has(b)).map((b) => html`<option value="${b}">${label(b)}</option>`)}`);
  const suppliesUsed = used('supplies');
  setHtml($('add-supply'), html`<option value="">${t('form.add_supply')}</option>${choices('SupplyType').filter((s) => !suppliesUsed.has(s)).map((s) => html`<option value="${s}">${label(s)}</option>`)}`);
}

$('add-capacity').addEventListener('change', (e) => {
  if (!e.target.value) return;
  addCapacityRow(e.target.value);
  refreshAddSelects();
  dirty = true;
  $('capacity').lastElementChild.querySelector('input').focus();
});
$('add-supply').addEventListener('change', (e) => {
  if (!e.target.value) return;
  addSupplyRow(e.target.value);
  refreshAddSelects();
  dirty = true;
});
$('report').addEventListener('click', (e) => {
  if (e.target.matches('[data-remove]')) {
    e.target.closest('tr').remove();
    refreshAddSelects();
    dirty = true;
  } else if (e.target.matches('[data-toggle-details]')) {
    const details = e.target.closest('.disruption-row').querySelector('.disruption-details');
    details.hidden = !details.hidden;
  }
});
$('report').addEventListener('input', () => { dirty = true; });
// Editing the emergency department's state or end time is the answer to the "not confirmed" question.
for (const id of ['ed-state', 'ed-until']) $(id).addEventListener('input', () => { $('ed-expired').hidden = true; });

// --- Sending ---

class FieldError extends Error {
  constructor(element, message) {
    super(message);
    this.element = element;
  }
}

function integer(input) {
  const text = input.value.trim();
  if (text === '') return undefined;
  if (!/^-?\d+$/.test(text)) throw new FieldError(input, language() === 'en' ? 'not a whole number' : 'geen geheel getal');
  return Number(text);
}

function decimal(input) {
  const text = input.value.trim().replace(',', '.');
  if (text === '') return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new FieldError(input, language() === 'en' ? 'not a number' : 'geen getal');
  return Number(text);
}

function timestamp(input) {
  if (!input.value) return undefined;
  const date = new Date(input.value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

// The request and, for every field path it contains, the element that holds the value.
function buildRequest() {
  const fields = new Map();
  const report = { organization_id: selectedOrg };
  fields.set('report.organization_id', $('org'));
  fields.set('report', $('org'));
  if (selectedLocation) {
    report.location_id = selectedLocation;
    fields.set('report.location_id', $('location'));
  }
  const overall = document.querySelector('input[name="overall"]:checked');
  if (overall) report.overall_status = overall.value;
  fields.set('report.overall_status', $('overall'));

  report.disruptions = [];
  for (const row of document.querySelectorAll('.disruption-row')) {
    const severity = row.querySelector('input[type="radio"]:checked')?.value || '';
    if (!severity) continue;
    const path = `report.disruptions[${report.disruptions.length}]`;
    const d = { type: row.dataset.type, severity };
    fields.set(path, row.querySelector('.segmented'));
    fields.set(`${path}.type`, row.querySelector('.segmented'));
    fields.set(`${path}.severity`, row.querySelector('.segmented'));
    for (const name of ['since', 'expected_end']) {
      const input = row.querySelector(`[data-name="${name}"]`);
      const value = timestamp(input);
      if (value) d[name] = value;
      fields.set(`${path}.${name}`, input);
    }
    const description = row.querySelector('[data-name="description"]');
    if (description.value.trim()) d.description = description.value.trim();
    fields.set(`${path}.description`, description);
    report.disruptions.push(d);
  }

  report.capacity = [];
  for (const row of $('capacity').querySelectorAll('tr')) {
    const path = `report.capacity[${report.capacity.length}]`;
    const c = { type: row.dataset.type };
    fields.set(path, row.querySelector('input'));
    fields.set(`${path}.type`, row.querySelector('input'));
    for (const f of CAPACITY_FIELDS) {
      const input = row.querySelector(`[data-name="${f}"]`);
      const value = integer(input);
      if (value !== undefined) c[f] = value;
      fields.set(`${path}.${f}`, input);
    }
    report.capacity.push(c);
  }

  const level = $('staffing-level').value;
  const shortage = integer($('staffing-shortage'));
  const staffingText = $('staffing-description').value.trim();
  const shortageFrom = timestamp($('staffing-from'));
  if (level || shortage !== undefined || staffingText || shortageFrom) {
    report.staffing = {};
    if (level) report.staffing.level = level;
    if (shortage !== undefined) report.staffing.shortage_count = shortage;
    if (staffingText) report.staffing.description = staffingText;
    if (shortageFrom) report.staffing.shortage_from = shortageFrom;
  }
  fields.set('report.staffing.shortage_from', $('staffing-from'));
  fields.set('report.staffing', $('staffing-level'));
  fields.set('report.staffing.level', $('staffing-level'));
  fields.set('report.staffing.shortage_count', $('staffing-shortage'));
  fields.set('report.staffing.description', $('staffing-description'));

  report.supplies = [];
  for (const row of $('supplies').querySelectorAll('tr')) {
    const path = `report.supplies[${report.supplies.length}]`;
    const s = { type: row.dataset.type };
    const state = row.querySelector('[data-name="state"]');
    if (state.value) s.state = state.value;
    fields.set(path, state);
    fields.set(`${path}.type`, state);
    fields.set(`${path}.state`, state);
    for (const f of SUPPLY_NUMBERS) {
      const input = row.querySelector(`[data-name="${f}"]`);
      const value = decimal(input);
      if (value !== undefined) s[f] = value;
      fields.set(`${path}.${f}`, input);
    }
    const unit = row.querySelector('[data-name="unit"]');
    if (unit.value.trim()) s.unit = unit.value.trim();
    fields.set(`${path}.unit`, unit);
    // An expected delivery: sent when any of its fields is filled in (the server requires its time).
    const resupplyAt = row.querySelector('[data-name="resupply_at"]');
    const resupplyQuantity = row.querySelector('[data-name="resupply_quantity"]');
    const supplier = row.querySelector('[data-name="supplier"]');
    const resupply = { expected_at: timestamp(resupplyAt), quantity: decimal(resupplyQuantity), supplier: supplier.value.trim() };
    if (resupply.expected_at || resupply.quantity !== undefined || resupply.supplier) {
      s.resupply = Object.fromEntries(Object.entries(resupply).filter(([, v]) => v !== undefined && v !== ''));
    }
    fields.set(`${path}.resupply`, resupplyAt);
    fields.set(`${path}.resupply.expected_at`, resupplyAt);
    fields.set(`${path}.resupply.quantity`, resupplyQuantity);
    fields.set(`${path}.resupply.supplier`, supplier);
    report.supplies.push(s);
  }

  const ed = { state: $('ed-state').value, reason: $('ed-reason').value.trim(), until: timestamp($('ed-until')) };
  if (ed.state || ed.reason || ed.until) {
    report.emergency_department = {};
    for (const [k, v] of Object.entries(ed)) if (v) report.emergency_department[k] = v;
  }
  fields.set('report.emergency_department', $('ed-state'));
  fields.set('report.emergency_department.state', $('ed-state'));
  fields.set('report.emergency_department.reason', $('ed-reason'));
  fields.set('report.emergency_department.until', $('ed-until'));

  // Capacity that is not beds: a part is sent when the organisation's kind has it and something in it is filled in
  // (empty is "not reported", never 0).
  for (const part of CHAIN_PARTS) {
    if ($(part.section).hidden) continue;
    const path = `report.${part.field}`;
    const given = {};
    for (const [name, id] of Object.entries({ ...part.enums, ...part.texts })) {
      if ($(id).value.trim()) given[name] = $(id).value.trim();
      fields.set(`${path}.${name}`, $(id));
    }
    for (const [name, id] of Object.entries(part.times)) {
      const value = timestamp($(id));
      if (value) given[name] = value;
      fields.set(`${path}.${name}`, $(id));
    }
    for (const [name, id] of Object.entries(part.numbers)) {
      const value = integer($(id));
      if (value !== undefined) given[name] = value;
      fields.set(`${path}.${name}`, $(id));
    }
    const first = $(Object.values({ ...part.enums, ...part.numbers })[0]);
    fields.set(path, first);
    if (Object.keys(given).length > 0) report[part.field] = given;
  }

  report.indicator_values = buildIndicatorValues(fields);
  fields.set('report.indicator_values', $('indicators'));

  report.crisis_plan_activated = $('crisis-plan').checked;
  fields.set('report.crisis_plan_activated', $('crisis-plan'));
  if ($('free-text').value.trim()) report.free_text = $('free-text').value.trim();
  fields.set('report.free_text', $('free-text'));

  const reporter = { name: $('reporter-name').value.trim(), function: $('reporter-function').value.trim(), phone: $('reporter-phone').value.trim() };
  if (reporter.name || reporter.function || reporter.phone) {
    report.reporter = {};
    for (const [k, v] of Object.entries(reporter)) if (v) report.reporter[k] = v;
    localStorage.setItem(REPORTER_KEY, JSON.stringify(reporter));
  }
  fields.set('report.reporter', $('reporter-name'));
  fields.set('report.reporter.name', $('reporter-name'));
  fields.set('report.reporter.function', $('reporter-function'));
  fields.set('report.reporter.phone', $('reporter-phone'));
  return { request: { report }, fields };
}

// The element for `path`, or for the nearest enclosing path that has one ("a.b[2].c" -> "a.b[2]" -> "a.b" -> "a").
function elementFor(fields, path) {
  let current = path;
  while (current) {
    if (fields.has(current)) return fields.get(current);
    const cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
    if (cut <= 0) break;
    current = current.slice(0, cut);
  }
  return null;
}

function clearErrors(root = document) {
  for (const e of root.querySelectorAll('.field-error')) e.remove();
  for (const e of root.querySelectorAll('[aria-invalid="true"]')) e.removeAttribute('aria-invalid');
}

function showFieldError(element, message, path = '') {
  element.setAttribute('aria-invalid', 'true');
  const note = document.createElement('div');
  note.className = 'field-error';
  if (path) note.dataset.field = path;
  note.textContent = message;
  const anchor = element.closest('td, .disruption-row, .row2 > div, .choose > div, .actions') || element;
  if (anchor === element) element.insertAdjacentElement('afterend', note);
  else anchor.appendChild(note);
  if (element.focus) element.focus({ preventScroll: true });
  element.scrollIntoView({ block: 'center', behavior: 'instant' });
}

// Shows an API error: at its field when it names one that `fields` knows, else in `result`.
function showApiError(error, fields, result) {
  const message = error.message || String(error);
  if (error instanceof ApiError && error.field) {
    const element = elementFor(fields, error.field);
    if (element) {
      const text = message.startsWith(`${error.field}: `) ? message.slice(error.field.length + 2) : message;
      showFieldError(element, text, error.field);
      result.textContent = t('form.fix_fields');
      result.className = 'result bad';
      return;
    }
  }
  result.textContent = t('form.failed', { message });
  result.className = 'result bad';
}

async function send() {
  const result = $('result');
  clearErrors($('report'));
  let built;
  try {
    built = buildRequest();
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    showFieldError(error.element, error.message);
    result.textContent = t('form.fix_fields');
    result.className = 'result bad';
    return;
  }
  $('submit').disabled = true;
  $('confirm-unchanged').disabled = true;
  result.textContent = t('form.sending');
  result.className = 'result';
  try {
    // A partial report of what the user changed, over the report the form was filled from; the first report of
    // an organisation is whole.
    // Sending the form with the "end time passed" notice shown confirms the emergency department as the form shows it.
    const confirmed = $('ed-expired').hidden ? [] : ['emergency_department'];
    const request = baseline
      ? { ...built.request, update_mask: updateMask(baseline, built.request.report, confirmed) }
      : built.request;
    const response = await call(Methods.reportStatus, withExercise(exerciseId, request));
    result.textContent = t('form.sent', { revision: Number(response.revision), time: clock(new Date(serverNow())) });
    result.className = 'result ok';
    dirty = false;
    prefilledFrom = null;  // Refill from the stored report when the feed brings it.
  } catch (error) {
    showApiError(error, built.fields, result);
  } finally {
    $('submit').disabled = false;
    $('confirm-unchanged').disabled = false;
  }
}

$('report').addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
$('confirm-unchanged').addEventListener('click', () => {
  // The last report as it is, sent again: a new commit time tells the GHOR it still holds.
  prefilledFrom = null;
  dirty = false;
  maybePrefill();
  send();
});

// --- Alerts and assistance requests ---

let sideTimer = null;
// Acknowledgements and offers in flight: their items must not be replaced while the answer is awaited (the button is
// disabled, so focus has left the panel), or the answer, an error at its field, would land in a detached item.
let acting = 0;
let sideStale = false;  // a render was skipped for focus or an action in flight
function scheduleSide() {
  clearTimeout(sideTimer);
  sideTimer = setTimeout(renderSide, 200);
}

// The alerts for the chosen organisation (in the audience, or acknowledged by it) and the open requests of others,
// from the feed's replica: acknowledgements are records of the feed, so this asks the server nothing.
function renderSide() {
  const alertsBox = $('alerts');
  const requestsBox = $('requests');
  if (!selectedOrg) {
    setHtml(alertsBox, html`<p class="nothing">${t('form.pick_first')}</p>`);
    setHtml(requestsBox, html`<p class="nothing">${t('form.pick_first')}</p>`);
    return;
  }
  const focused = document.activeElement?.closest?.('#alerts, #requests');
  if (focused || acting > 0) {
    // Do not pull the input from under someone typing; the next change, or the action's end, renders again.
    sideStale = true;
    return;
  }
  sideStale = false;
  const org = selectedOrg;
  const registered = organization(org);
  const mine = [];
  for (const record of feed.withPrefix(inView(exerciseId, 'alerts/'))) {
    if (record.kind !== 'ENTITY_KIND_ALERT' || record.alert.status === 'ALERT_STATUS_CANCELLED') continue;
    const alert = record.alert;
    const acknowledgement = feed.records.get(inView(exerciseId, `alerts/${alert.id}/acknowledgements/${org}`))?.acknowledgement;
    if (acknowledgement || (registered && inAudience(alert.audience, registered))) mine.push({ alert, acknowledgement });
  }
  setHtml(alertsBox, mine.length === 0 ? html`<p class="nothing">${t('form.no_alerts')}</p>`
    : html`${mine.map(({ alert, acknowledgement }) => html`<div class="item" data-alert="${alert.id}">
      <h4>${alert.headline}</h4>
      <div class="meta">${label(alert.severity)} · ${label(alert.urgency)}${alert.acknowledge_by ? html` · ${t('alert.deadline', { time: when(alert.acknowledge_by) })}` : ''}</div>
      ${alert.instruction ? html`<p>${alert.instruction}</p>` : ''}
      ${acknowledgement ? html`<div class="done-note">✓ ${t('form.acknowledged_at', { time: when(acknowledgement.acknowledged_at) })}</div>`
        : html`<div class="actions"><input data-name="comment" placeholder="${t('form.comment')}" aria-label="${t('form.comment')}">
           <button type="button" class="primary" data-acknowledge="${alert.id}">${t('form.acknowledge')}</button></div>`}
      </div>`)}`);

  // A request takes offers until accepted offers cover it (assistance.proto): also while ACCEPTED in part.
  const open = new Set(['ASSISTANCE_STATUS_OPEN', 'ASSISTANCE_STATUS_OFFERED', 'ASSISTANCE_STATUS_ACCEPTED']);
  const requests = [...feed.withPrefix(inView(exerciseId, 'assistance-requests/'))].map((r) => r.assistance_request)
    .filter((r) => r && open.has(r.status) && r.organization_id !== org && !assistanceCoverage(r).covered);
  const names = new Map(organizations().map((o) => [o.id, o.name]));
  setHtml(requestsBox, requests.length === 0 ? html`<p class="nothing">${t('form.no_requests')}</p>`
    : html`${requests.map((r) => {
      const unit = r.unit ? label(r.unit) : '';
      const coverage = assistanceCoverage(r);
      const myOffer = (r.offers || []).find((o) => o.organization_id === org);
      // An accepted offer cannot be replaced (the server refuses it): show it, without the offer button.
      const mine = myOffer && myOffer.status === 'OFFER_STATUS_ACCEPTED';
      return html`<div class="item" data-request="${r.id}">
        <h4>${Number(r.quantity)}${unit ? ` ${unit}` : '×'} ${assistanceWhat(r)}</h4>
        <div class="meta">${t('assistance.requested_by', { org: names.get(r.organization_id) || r.organization_id })}${r.needed_by ? html` · ${t('assistance.needed_by', { time: when(r.needed_by) })}` : ''}${r.priority === 'ASSISTANCE_PRIORITY_URGENT' || r.priority === 'ASSISTANCE_PRIORITY_HIGH' ? html` · <b>${label(r.priority)}</b>` : ''}</div>
        ${coverage.accepted > 0 ? html`<div class="meta still-needed">${t('assistance.still_needed', { quantity: coverage.stillNeeded, unit })}</div>` : ''}
        ${r.description ? html`<p>${r.description}</p>` : ''}
        ${myOffer ? html`<div class="done-note">✓ ${t('form.offered', { quantity: Number(myOffer.quantity) })}${mine && myOffer.accepted_quantity ? ` (${t('assistance.accepted_part', { accepted: Number(myOffer.accepted_quantity) })})` : ''}</div>` : ''}
        ${mine ? '' : html`<div class="actions"><input type="number" min="1" data-name="quantity" aria-label="${t('form.offer_quantity')}" placeholder="${t('form.offer_quantity')}" value="${myOffer ? Number(myOffer.quantity) : ''}">
          <input data-name="comment" placeholder="${t('form.comment')}" aria-label="${t('form.comment')}">
          <button type="button" class="primary" data-offer="${r.id}">${t('form.offer')}</button></div>`}
      </div>`;
    })}`);
}

async function act(button, method, request, fields) {
  const item = button.closest('.item');
  clearErrors(item);
  for (const old of item.querySelectorAll('.result')) old.remove();
  button.disabled = true;
  acting += 1;
  const result = document.createElement('div');
  result.className = 'result';
  item.appendChild(result);
  let done = false;
  try {
    const response = await call(method, withExercise(exerciseId, request));
    result.textContent = t('form.sent', { revision: Number(response.revision), time: clock(new Date(serverNow())) });
    result.className = 'result ok';
    button.blur();
    done = true;
  } catch (error) {
    showApiError(error, fields, result);
  } finally {
    button.disabled = false;
    acting -= 1;
    // After a success show what the feed brought meanwhile (e.g. "acknowledged"); after an error keep it in view.
    if (done && sideStale) scheduleSide();
  }
}

$('alerts').addEventListener('click', (e) => {
  const button = e.target.closest('[data-acknowledge]');
  if (!button) return;
  const comment = button.closest('.item').querySelector('[data-name="comment"]');
  const request = { alert_id: button.dataset.acknowledge, organization_id: selectedOrg };
  if (comment.value.trim()) request.comment = comment.value.trim();
  act(button, Methods.acknowledgeAlert, request, new Map([['comment', comment], ['alert_id', button], ['organization_id', button]]));
});
$('requests').addEventListener('click', (e) => {
  const button = e.target.closest('[data-offer]');
  if (!button) return;
  const item = button.closest('.item');
  const quantity = item.querySelector('[data-name="quantity"]');
  const comment = item.querySelector('[data-name="comment"]');
  const offer = { organization_id: selectedOrg };
  if (quantity.value.trim()) offer.quantity = Number(quantity.value);
  if (comment.value.trim()) offer.comment = comment.value.trim();
  act(button, Methods.offerAssistance, { request_id: button.dataset.offer, offer },
    new Map([['offer.quantity', quantity], ['offer.comment', comment], ['offer', quantity], ['request_id', button]]));
});

// --- Start ---

// The OEFENING banner over the whole form in an exercise: what is sent here never reaches the real picture.
function renderView() {
  const banner = $('view-banner');
  banner.hidden = !exerciseId;
  banner.textContent = exerciseId ? t('view.banner_form', { id: exerciseId }) : '';
  banner.dataset.exercise = exerciseId;
  document.body.classList.toggle('view-exercise', Boolean(exerciseId));
  $('nav-dashboard').href = linkInView('/', exerciseId);
}

function applyLanguage() {
  translatePage();
  renderView();
  $('lang').textContent = t('lang.switch');
  document.title = `${t('app.title')} — ${t('app.form')}`;
  // Rebuild the labels; keep what was entered.
  const snapshot = dirty ? buildSafely() : null;
  buildStatic();
  delete $('org').dataset.html;
  delete $('location').dataset.html;
  renderOrganizations();
  prefilledFrom = null;
  if (snapshot) {
    fill(snapshot.report);
    dirty = true;
    prefilledFrom = `${reportName()}@edited`;
  } else {
    maybePrefill();
  }
  renderStatus();
  scheduleSide();
}

function buildSafely() {
  try {
    return buildRequest().request;
  } catch {
    return null;
  }
}

$('lang').addEventListener('click', () => {
  setLanguage(language() === 'nl' ? 'en' : 'nl');
  applyLanguage();
});
// The time left on a supply ("op om 18:00, over 6 u") counts down without a reload.
setInterval(() => refreshTimes(), 30 * 1000);
await loadEnums();
applyLanguage();
feed.start();
// For the browser tests and for curious operators: the replica, and whether a redraw of the side panels waits.
window.ketenbeeld = { feed, side: () => ({ stale: sideStale, acting }) };
