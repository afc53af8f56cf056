// Find in the span tree. Each span's search text (name, attribute keys and stringified
// values, lowercased) is built once per trace; a query matches it literally with
// String.includes — never as a RegExp, never as HTML.

import { el } from './dom.js';

const DEBOUNCE_MS = 100;
const texts = new WeakMap();

function valueText(value) {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** One lowercased text per span of `model.order` (same index), built on first use. */
function searchTexts(model) {
  let list = texts.get(model);
  if (!list) {
    list = model.order.map((span) => {
      const parts = [valueText(span.name)];
      const attrs = span.attributes;
      if (attrs && typeof attrs === 'object') {
        for (const [key, value] of Object.entries(attrs)) parts.push(key, valueText(value));
      }
      // Fields are joined by newlines, which a query typed in the box cannot contain.
      return parts.join('\n').toLowerCase();
    });
    texts.set(model, list);
  }
  return list;
}

/**
 * The spans matching `query` (case-insensitive substring of the name or of any attribute key
 * or value) and the spans to show: the matches plus all their ancestors.
 */
export function findSpans(model, query) {
  const needle = query.toLowerCase();
  const list = searchTexts(model);
  const matches = new Set();
  const shown = new Set();
  for (let i = 0; i < list.length; i += 1) {
    if (!list[i].includes(needle)) continue;
    const span = model.order[i];
    matches.add(span.span_id);
    for (let node = span; node && !shown.has(node.span_id); node = model.byId.get(node.parent_span_id)) {
      shown.add(node.span_id);
    }
  }
  return { matches, shown };
}

/** `text` as text nodes and <mark> elements around every case-insensitive occurrence of `query`. */
export function highlight(text, query) {
  const value = String(text ?? '');
  if (!query) return [value];
  const lower = value.toLowerCase();
  const needle = query.toLowerCase();
  // Lowercasing can change a string's length (e.g. 'İ'); then offsets do not map back.
  if (lower.length !== value.length || !needle) return [value];
  const out = [];
  let at = 0;
  for (let i = lower.indexOf(needle); i !== -1; i = lower.indexOf(needle, at)) {
    if (i > at) out.push(value.slice(at, i));
    out.push(el('mark', { class: 'find-hit' }, value.slice(i, i + needle.length)));
    at = i + needle.length;
  }
  if (at < value.length) out.push(value.slice(at));
  return out;
}

/**
 * The "Find" box: debounced `onQuery(text, { push })`; Enter applies at once then calls
 * `onEnter`, Esc clears then calls `onEscape`. `push` is true for the first change after the
 * box gains focus (a new history entry) and false while typing on (the entry is replaced).
 */
export class FindBar {
  constructor({ onQuery, onEnter, onEscape }) {
    this.onQuery = onQuery;
    this.timer = null;
    this.editing = false;
    this.input = el('input', {
      type: 'search',
      class: 'find-input',
      name: 'find',
      placeholder: 'name, agent, attribute…',
      autocomplete: 'off',
      spellcheck: 'false',
    });
    this.count = el('span', { class: 'muted find-count', 'aria-live': 'polite' });
    this.root = el(
      'div',
      { class: 'find-bar', role: 'search' },
      el('label', { class: 'find-label' }, el('span', {}, 'Find'), this.input),
      this.count,
    );
    this.input.addEventListener('focus', () => {
      this.editing = false;
    });
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.commit(), DEBOUNCE_MS);
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
      if (event.key === 'Enter') {
        event.preventDefault();
        this.commit();
        onEnter();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        this.input.value = '';
        this.editing = false;
        this.commit();
        onEscape();
      }
    });
  }

  commit() {
    clearTimeout(this.timer);
    this.timer = null;
    const push = !this.editing;
    this.editing = true;
    this.onQuery(this.input.value, { push });
  }

  /** Set the box from page state (URL, history) without reporting a change. */
  setValue(text) {
    clearTimeout(this.timer);
    this.timer = null;
    this.input.value = text;
  }

  showCount(query, matched, total) {
    this.count.textContent = query ? `${matched} of ${total} span${total === 1 ? '' : 's'} match` : '';
    this.root.classList.toggle('no-match', Boolean(query) && matched === 0);
  }

  focus() {
    this.input.focus();
    this.input.select();
  }
}
