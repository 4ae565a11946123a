// HTML from template literals, escaped by default: html`<b>${name}</b>` escapes `name`, so text from the API (an
// organisation's name, an alert's headline, a free text) can never become markup, whoever writes the template.
//
// An interpolation is inserted as is only when it is itself an html`` fragment (or an array of them); anything else
// is text: escaped, with null, undefined and false as nothing. setHtml() is the one way the pages write markup into
// the document (web/tests/units.test.mjs fails on any other innerHTML, outerHTML, insertAdjacentHTML or
// document.write under web/static/js), so forgetting to escape is no longer possible: there is nothing to remember.
//
// Templates must quote every attribute value (class="${x}"): escaping makes a value safe inside quotes, not
// unquoted, and no value may be put where a URL or script is expected (href, src, on*, style) unless it is ours.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// Markup that is safe by construction. Not exported: the only way to make one is html``, so data from JSON (which
// can only be strings, numbers, booleans, arrays and plain objects) can never pass for one.
class SafeHtml {
  constructor(markup) {
    this.markup = markup;
  }

  toString() {
    return this.markup;
  }
}

function piece(value) {
  if (value instanceof SafeHtml) return value.markup;
  if (Array.isArray(value)) return value.map(piece).join('');
  if (value === null || value === undefined || value === false) return '';
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function html(strings, ...values) {
  let markup = strings[0];
  for (let i = 0; i < values.length; i += 1) markup += piece(values[i]) + strings[i + 1];
  return new SafeHtml(markup);
}

// Fragments joined by `separator` (a string, escaped, or a fragment).
export function join(fragments, separator) {
  const parts = [];
  fragments.forEach((fragment, i) => {
    if (i > 0) parts.push(separator);
    parts.push(fragment);
  });
  return html`${parts}`;
}

export function isHtml(value) {
  return value instanceof SafeHtml;
}

// Replaces the content of `element` with `fragment`, which must be an html`` fragment: a plain string is refused
// rather than guessed at.
export function setHtml(element, fragment) {
  if (!(fragment instanceof SafeHtml)) throw new TypeError('setHtml takes an html`` fragment, not a string');
  element.innerHTML = fragment.markup;
}
