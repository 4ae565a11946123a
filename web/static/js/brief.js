// The brief (situatierapport) for the bestuur and the ROAZ, print-friendly: ReportService.GetSituationReport through
// the gateway, drawn from its structured fields with html`` (every value escaped). Every figure carries a footnote
// number; the sources under the brief give record, revision, when and by whom (docs/brief.md).
import { call } from './api.js';
import { html, join, setHtml } from './html.js';
import { label } from './i18n.js';

const WORDS = {
  nl: {
    title: { BRIEF_AUDIENCE_ROAZ: 'Situatierapport voor het ROAZ', other: 'Situatierapport voor het bestuur' },
    moment: 'Moment', revision: 'revisie', trend: 'Trend ten opzichte van', noTrend: 'Geen beeld van 24 uur eerder.',
    exercise: 'OEFENING', log: 'Beeld, oordeel en besluiten', capacity: 'Capaciteit per sector en beddensoort (beschikbaar)',
    sector: 'Sector', bed_type: 'Beddensoort', now: 'Nu', before: '24 uur eerder', change: 'Verschil',
    knelpunten: 'Knelpunten', critical: 'Kritieke organisaties', supplies: 'Voorraden die opraken binnen de horizon',
    late: 'Te late hulpvragen', gaps: 'Scenariotekorten', silent: 'Niet gehoord', decisions: 'Gevraagde besluiten',
    sources: 'Bronnen', none: 'Geen.', withheld: 'afgeschermd', by: 'door', reported: 'gemeld', stale: 'verouderd',
    never: 'nooit gemeld', layer: 'Laag', text: 'Tekst', author: 'Auteur', organization: 'Organisatie', status: 'Status',
    supply: 'Voorraad', count: 'Organisaties', first: 'Eerste tekort', request: 'Hulpvraag', covered: 'Gedekt',
    needed_by: 'Nodig voor', scenario: 'Scenario', needed: 'Nodig', available: 'Beschikbaar', shortfall: 'Tekort',
    overdue: 'Achterstallig sinds',
    trendWithheld: 'Geen trend voor deze lezer: sommen van twee momenten zouden van elkaar afgetrokken kunnen worden (getrapte zichtbaarheid).',
    figuresWithheld: 'Capaciteits- en voorraadcijfers van een eerder moment zijn afgeschermd voor deze lezer (getrapte zichtbaarheid): vraag het rapport van nu.',
  },
  en: {
    title: { BRIEF_AUDIENCE_ROAZ: 'Situation report for the ROAZ', other: 'Situation report for the bestuur' },
    moment: 'Moment', revision: 'revision', trend: 'Trend against', noTrend: 'No picture 24 hours earlier.',
    exercise: 'EXERCISE', log: 'Picture, assessment and decisions', capacity: 'Capacity by sector and bed type (available)',
    sector: 'Sector', bed_type: 'Bed type', now: 'Now', before: '24 h earlier', change: 'Change',
    knelpunten: 'Bottlenecks (knelpunten)', critical: 'Critical organisations', supplies: 'Supplies running out within the horizon',
    late: 'Late requests for help', gaps: 'Scenario gaps', silent: 'Not heard from', decisions: 'Decisions asked for',
    sources: 'Sources', none: 'None.', withheld: 'withheld', by: 'by', reported: 'reported', stale: 'stale',
    never: 'never reported', layer: 'Layer', text: 'Text', author: 'Author', organization: 'Organisation', status: 'Status',
    supply: 'Supply', count: 'Organisations', first: 'First runs out', request: 'Request', covered: 'Covered',
    needed_by: 'Needed by', scenario: 'Scenario', needed: 'Needed', available: 'Available', shortfall: 'Shortfall',
    overdue: 'Overdue since',
    trendWithheld: 'No trend for this reader: sums of two moments could be subtracted (graduated visibility).',
    figuresWithheld: 'Capacity and supply figures of a past moment are withheld for this reader (graduated visibility): ask for the brief of now.',
  },
};

const DASH = '—';

// "2026-12-03 00:22:01 UTC", as the Markdown has it: the same on every screen and on paper.
export function utc(timestamp) {
  if (!timestamp) return DASH;
  return `${timestamp.replace('T', ' ').replace(/(\.\d+)?Z$/, '')} UTC`;
}

// Footnotes in order of first use, as in the Markdown.
export class Sources {
  constructor(words) {
    this.words = words;
    this.notes = [];
  }

  // A superscript reference for `provenance` (one or a list), or nothing when there is none.
  cite(provenance) {
    const list = (Array.isArray(provenance) ? provenance : [provenance]).filter(Boolean);
    if (list.length === 0) return html``;
    this.notes.push(list);
    const n = this.notes.length;
    return html`<sup><a href="#src-${n}">${n}</a></sup>`;
  }

  render() {
    const w = this.words;
    return html`<ol class="sources">${this.notes.map((list, i) => html`<li id="src-${i + 1}">${join(
      list.map((p) => html`<code>${p.record}</code>, ${w.revision} ${p.revision}, ${w.reported} ${utc(p.reported_at)} ${w.by} ${p.reported_by}${p.stale ? ` (${w.stale})` : ''}`),
      '; ')}</li>`)}</ol>`;
  }
}

// A figure: its value and footnote, "—" when not reported, the word for withheld.
export function figure(value, sources, words) {
  if (!value || value.withheld) return value && value.withheld ? html`${words.withheld}` : html`${DASH}`;
  if (value.value === undefined) return html`${DASH}`;
  return html`${value.value} ${sources.cite(value.provenance || [])}`;
}

function table(headings, rows, words) {
  if (rows.length === 0) return html`<p>${words.none}</p>`;
  return html`<table><thead><tr>${headings.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

function organization_name(o) {
  return html`${o.organization_name || o.organization_id} (<code>${o.organization_id}</code>)`;
}

// The whole brief as one html`` fragment.
export function renderBrief(report) {
  const w = WORDS[report.language === 'en' ? 'en' : 'nl'];
  const s = new Sources(w);
  const incident = report.incident || {};
  const hasBefore = Number(report.before_revision || 0) > 0;
  const head = html`
    <h1>${w.title[report.audience] || w.title.other}: ${incident.title}</h1>
    ${report.exercise_id ? html`<p class="exercise">${w.exercise} <code>${report.exercise_id}</code></p>` : ''}
    <p>Incident <code>${incident.id}</code> · ${incident.type} · ${incident.scale_up_level} · ${label(incident.status)} · ${incident.safety_region} ${s.cite(report.incident_provenance)}</p>
    <p>${w.moment}: ${utc(report.at_time)} (${w.revision} ${report.revision}). ${hasBefore
      ? html`${w.trend} ${utc(report.before_time)} (${w.revision} ${report.before_revision}).`
      : report.trend_withheld ? w.trendWithheld : w.noTrend}</p>
    ${report.figures_withheld ? html`<p class="withheld">${w.figuresWithheld}</p>` : ''}`;
  const log = table([w.layer, w.text, w.author, ''], (report.entries || []).map((e) => html`
    <tr><td>${label(e.layer)}</td><td>${e.text}</td><td>${e.author}</td><td>${s.cite(e.provenance)}</td></tr>`), w);
  const capacity = table([w.sector, w.bed_type, w.now, w.before, w.change], (report.capacity || []).map((c) => html`
    <tr><td>${label(c.sector)}</td><td>${label(c.bed_type)}</td><td class="num">${figure(c.available, s, w)}</td>
    <td class="num">${hasBefore ? figure(c.available_before, s, w) : DASH}</td>
    <td class="num">${c.change === undefined ? DASH : `${Number(c.change) > 0 ? '+' : ''}${c.change}`}</td></tr>`), w);
  const critical = table([w.organization, w.status, ''], (report.critical_organizations || []).map((o) => html`
    <tr><td>${organization_name(o)}</td><td>${label(o.overall_status)}</td><td>${s.cite(o.provenance)}</td></tr>`), w);
  const supplies = table([w.supply, w.count, w.first], (report.supplies || []).map((x) => html`
    <tr><td>${label(x.type)}</td><td class="num">${figure(x.organizations_running_out, s, w)}</td>
    <td>${utc(x.earliest_runs_out_at)}</td></tr>`), w);
  const late = table([w.request, w.organization, w.covered, w.needed_by, w.status, ''], (report.late_requests || []).map((r) => html`
    <tr><td><code>${r.request_id}</code></td><td><code>${r.organization_id}</code></td>
    <td class="num">${r.accepted_quantity || 0} / ${r.quantity}</td><td>${utc(r.needed_by)}</td><td>${label(r.status)}</td>
    <td>${s.cite(r.provenance)}</td></tr>`), w);
  const gaps = table([w.scenario, w.sector, w.bed_type, w.needed, w.available, w.shortfall], (report.scenario_gaps || []).map((g) => html`
    <tr><td>${g.scenario_name} ${s.cite(g.scenario)}</td><td>${label(g.sector)}</td><td>${label(g.bed_type)}</td>
    <td class="num">${g.required}</td><td class="num">${figure(g.available, s, w)}</td>
    <td class="num">${g.shortfall === undefined ? DASH : g.shortfall}</td></tr>`), w);
  const silent = table([w.organization, w.overdue, ''], (report.not_heard_from || []).map((o) => html`
    <tr><td>${organization_name(o)}</td><td>${o.overdue_since ? utc(o.overdue_since) : w.never}</td><td>${s.cite(o.provenance)}</td></tr>`), w);
  const decisions = (report.decisions || []).length === 0 ? html`<p>${w.none}</p>`
    : html`<ol>${report.decisions.map((d) => html`<li>${d.question} ${s.cite(d.provenance || [])}</li>`)}</ol>`;
  return html`${head}
    <h2>${w.log}</h2>${log}
    <h2>${w.capacity}</h2>${capacity}
    <h2>${w.knelpunten}</h2>
    <h3>${w.critical}</h3>${critical}<h3>${w.supplies}</h3>${supplies}<h3>${w.late}</h3>${late}
    <h3>${w.gaps}</h3>${gaps}<h3>${w.silent}</h3>${silent}
    <h2>${w.decisions}</h2>${decisions}
    <h2>${w.sources}</h2>${s.render()}`;
}

async function show() {
  const params = new URLSearchParams(window.location.search);
  const incident = params.get('incident');
  const error = document.getElementById('error');
  for (const name of ['incident', 'audience', 'lang', 'revision']) {
    const value = params.get(name);
    if (value) document.getElementById(name).value = value;
  }
  if (!incident) return;
  const request = {
    incident_id: incident,
    audience: params.get('audience') === 'roaz' ? 'BRIEF_AUDIENCE_ROAZ' : 'BRIEF_AUDIENCE_BESTUUR',
    language: params.get('lang') === 'en' ? 'en' : 'nl',
  };
  if (params.get('revision')) request.revision = params.get('revision');
  try {
    const report = await call('ketenbeeld.v1.ReportService/GetSituationReport', request);
    error.hidden = true;
    document.documentElement.lang = request.language;
    setHtml(document.getElementById('brief'), renderBrief(report));
  } catch (e) {
    error.textContent = `${e.code}: ${e.message}`;
    error.hidden = false;
  }
}

if (typeof document !== 'undefined') {
  document.getElementById('print').addEventListener('click', () => window.print());
  show();
}
