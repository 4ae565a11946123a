// The dashboard's questionnaire panel (uitvraag, docs/questionnaires.md): the server's GetIndicatorOverview for the
// indicators of the chosen incident (or every open question), as the server computes it for this reader. Visibility
// is the server's: a reader who may not see every organisation's figures gets them as last published, and an
// indicator answered by fewer organisations than the region's minimum group comes back `withheld`, shown as such, never
// as zero. Who is overdue (Indicator.overdue, set by the server's tick) is shown with each indicator.
//
// Pure rendering: dashboard.js fetches (throttled, after the changes that can alter an overview) and calls
// overviewHtml with the answer.
import { count, when } from './format.js';
import { html } from './html.js';
import { language, t } from './i18n.js';

// The question in the page's language (the other one when that is empty).
export function indicatorLabel(indicator) {
  const [first, second] = language() === 'en'
    ? [indicator.label_en, indicator.label_nl] : [indicator.label_nl, indicator.label_en];
  return first || second || indicator.id;
}

// A figure of a count or number with its unit: "27,5 °C"; one decimal at most.
export function figure(value, unit) {
  if (value === undefined || value === null) return '—';
  const locale = language() === 'en' ? 'en-GB' : 'nl-NL';
  const text = Number(value).toLocaleString(locale, { maximumFractionDigits: 1 });
  return unit ? `${text} ${unit}` : text;
}

function figures(aggregate) {
  const indicator = aggregate.indicator;
  const unit = indicator.unit || '';
  switch (indicator.type) {
    case 'INDICATOR_TYPE_COUNT':
    case 'INDICATOR_TYPE_NUMBER': {
      if (aggregate.mean === undefined) return html`<span class="muted">${t('indicators.no_answers')}</span>`;
      // A sum of temperatures means nothing: numbers show mean, min and max only (as the CLI does).
      const sum = indicator.type === 'INDICATOR_TYPE_COUNT'
        ? html`<span data-figure="sum">${t('indicators.sum')} <b>${figure(aggregate.sum, unit)}</b></span> ` : '';
      return html`${sum}<span data-figure="mean">${t('indicators.mean')} <b>${figure(aggregate.mean, unit)}</b></span>
        <span data-figure="min">${t('indicators.min')} ${figure(aggregate.min, unit)}</span>
        <span data-figure="max">${t('indicators.max')} ${figure(aggregate.max, unit)}</span>`;
    }
    case 'INDICATOR_TYPE_YES_NO':
      return html`<span data-figure="yes">${t('indicators.yes')} <b>${count(aggregate.yes || 0)}</b></span>
        <span data-figure="no">${t('indicators.no')} <b>${count(aggregate.no || 0)}</b></span>`;
    case 'INDICATOR_TYPE_CHOICE':
      return html`<ul class="choices">${(aggregate.choices || []).map((c) => html`<li data-choice="${c.choice}">${c.choice}:
        <b>${count(c.organizations || 0)}</b></li>`)}</ul>`;
    case 'INDICATOR_TYPE_TEXT': {
      const answers = aggregate.text_answers || [];
      if (answers.length === 0) return html`<span class="muted">${t('indicators.no_text')}</span>`;
      return html`<ul class="text-answers">${answers.map((a) => html`<li data-org="${a.organization_id}">
        <b>${a.organization_id}</b>: ${a.text} <span class="muted">${when(a.reported_at)}</span></li>`)}</ul>`;
    }
    default:
      return '';
  }
}

// One indicator's card. `names`: organisation id -> name, for the overdue list.
export function aggregateHtml(aggregate, names = new Map()) {
  const indicator = aggregate.indicator || {};
  const answered = Number(aggregate.organizations_answered || 0);
  const applicable = Number(aggregate.organizations_applicable || 0);
  const overdue = indicator.overdue || [];
  const body = aggregate.withheld
    ? html`<span class="muted withheld" title="${t('indicators.withheld.tip')}" data-withheld>${t('indicators.withheld')}</span>`
    : figures(aggregate);
  const late = overdue.length === 0 ? '' : html`<div class="overdue" data-overdue="${overdue.length}"
    title="${overdue.map((o) => `${names.get(o.organization_id) || o.organization_id}: ${when(o.due_at)}`).join(', ')}">
    ${t('indicators.overdue', { n: overdue.length })}: ${overdue.map((o) => names.get(o.organization_id) || o.organization_id).join(', ')}</div>`;
  return html`<article class="card indicator" data-indicator="${indicator.id}" data-answered="${answered}"${aggregate.withheld ? html` data-withheld` : ''}>
    <header><h4>${indicatorLabel(indicator)}</h4>${indicator.retired ? html`<span class="tag">${t('indicators.retired')}</span>` : ''}</header>
    <div class="card-meta">${t('indicators.answered', { answered: count(answered), applicable: count(applicable) })}
      ${aggregate.newest_answer ? html` · ${t('indicators.newest', { time: when(aggregate.newest_answer) })}` : ''}</div>
    <div class="indicator-figures">${body}</div>${late}</article>`;
}

// The panel's content for an overview (null: not fetched yet), or the reason there is none.
export function overviewHtml({ overview, error, note }, names) {
  if (note) return html`<p class="nothing">${note}</p>`;
  if (error) return html`<p class="nothing error" data-error>${t('indicators.error', { message: error })}</p>`;
  if (!overview) return html`<p class="nothing">${t('indicators.loading')}</p>`;
  const aggregates = overview.indicators || [];
  if (aggregates.length === 0) return html`<p class="nothing">${t('nothing.indicators')}</p>`;
  return html`<div data-revision="${overview.revision || ''}">${aggregates.map((a) => aggregateHtml(a, names))}</div>`;
}
