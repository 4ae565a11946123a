// Formatting shared by the dashboard and the form. Counts that are absent are "not reported": shown as "—", never 0.
import { html } from './html.js';
import { t, language } from './i18n.js';
import { serverNow } from './server_clock.js';

// A count from the JSON (number, or int64 as a string); '—' when not reported.
export function count(value) {
  if (value === undefined || value === null || value === '') return '—';
  return Number(value).toLocaleString(language() === 'en' ? 'en-GB' : 'nl-NL');
}

export function toDate(timestamp) {
  if (!timestamp) return null;
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? null : date;
}

// "14:03:07"
export function clock(timestamp) {
  const date = timestamp instanceof Date ? timestamp : toDate(timestamp);
  if (!date) return '—';
  return date.toLocaleTimeString(language() === 'en' ? 'en-GB' : 'nl-NL', { hour12: false });
}

// "14:03" today, otherwise "12 mrt 14:03".
export function when(timestamp) {
  const date = timestamp instanceof Date ? timestamp : toDate(timestamp);
  if (!date) return '—';
  const locale = language() === 'en' ? 'en-GB' : 'nl-NL';
  const time = date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
  if (date.toDateString() === new Date(serverNow()).toDateString()) return time;
  return `${date.toLocaleDateString(locale, { day: 'numeric', month: 'short' })} ${time}`;
}

// "14:03:07" today, otherwise "12 mrt 14:03:07": a moment to the second (the replayed picture's).
export function moment(timestamp) {
  const date = timestamp instanceof Date ? timestamp : toDate(timestamp);
  if (!date) return '—';
  if (date.toDateString() === new Date(serverNow()).toDateString()) return clock(date);
  const locale = language() === 'en' ? 'en-GB' : 'nl-NL';
  return `${date.toLocaleDateString(locale, { day: 'numeric', month: 'short' })} ${clock(date)}`;
}

// "3 min geleden" / "over 5 min", seen from the server's time `now` (server_clock.js): a time before it is an age, a
// time after it lies ahead.
export function relative(timestamp, now = serverNow()) {
  const date = timestamp instanceof Date ? timestamp : toDate(timestamp);
  if (!date) return '—';
  const seconds = Math.round((now - date.getTime()) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  if (!future && s < 5) return t('ago.now');
  const [unit, n] = s < 60 ? ['seconds', s] : s < 3600 ? ['minutes', Math.floor(s / 60)]
    : s < 86400 ? ['hours', Math.floor(s / 3600)] : ['days', Math.floor(s / 86400)];
  if (future) return t(unit === 'days' ? 'in.hours' : `in.${unit}`, { n: unit === 'days' ? Math.floor(s / 3600) : n });
  return t(`ago.${unit}`, { n });
}

// <time> elements that keep their relative text up to date (see refreshTimes).
export function relativeTime(timestamp, extraClass = '') {
  if (!timestamp) return html`<span class="muted">—</span>`;
  return html`<time class="${extraClass}" datetime="${timestamp}" data-relative title="${when(timestamp)}">${relative(timestamp)}</time>`;
}

export function refreshTimes(root = document) {
  const now = serverNow();
  for (const element of root.querySelectorAll('time[data-relative]')) {
    const text = relative(element.getAttribute('datetime'), now);
    if (element.textContent !== text) element.textContent = text;
  }
}
