// Rendering of attribute values: JSON pretty-printed, long text expandable, URLs safe.

import { el, externalLink, httpUrl, visible } from './dom.js';

const LONG_TEXT = 400;
const LONG_LINES = 8;

export function tryParseJSON(text) {
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

function isLong(text) {
  return text.length > LONG_TEXT || text.split('\n').length > LONG_LINES;
}

function preview(text) {
  const lines = text.split('\n').slice(0, LONG_LINES).join('\n');
  return lines.length > LONG_TEXT ? `${lines.slice(0, LONG_TEXT)}…` : `${lines}…`;
}

/** A block of text that is collapsed when long, with a button to expand it. */
export function expandable(text, className = 'text-block') {
  const body = el('pre', { class: className }, text);
  if (!isLong(text)) return body;
  body.textContent = visible(preview(text));
  let open = false;
  const button = el(
    'button',
    { type: 'button', class: 'link-button expand' },
    `Show all (${text.length.toLocaleString('en-US')} chars)`,
  );
  button.addEventListener('click', () => {
    open = !open;
    body.textContent = visible(open ? text : preview(text));
    button.textContent = open ? 'Show less' : `Show all (${text.length.toLocaleString('en-US')} chars)`;
  });
  return el('div', { class: 'expandable' }, body, button);
}

export function prettyJSON(value) {
  return expandable(JSON.stringify(value, null, 2), 'json-block');
}

/**
 * A scalar as text; floats at 15 significant digits, so binary noise (0.000014999999999999999)
 * reads 0.000015.
 */
export function scalarText(value) {
  return typeof value === 'number' && !Number.isInteger(value)
    ? String(Number(value.toPrecision(15)))
    : String(value);
}

/** Any attribute value as a DOM node. */
export function valueNode(value) {
  if (value === null || value === undefined) return el('span', { class: 'muted' }, 'null');
  if (typeof value === 'boolean' || typeof value === 'number')
    return el('span', { class: 'mono value-scalar' }, scalarText(value));
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) {
    return el(
      'div',
      { class: 'chips' },
      value.map((v) => el('span', { class: 'chip mono' }, scalarText(v))),
    );
  }
  if (typeof value === 'object') return prettyJSON(value);
  const parsed = tryParseJSON(value);
  if (parsed !== undefined) return prettyJSON(parsed);
  if (httpUrl(value)) return externalLink(value);
  return isLong(value) || value.includes('\n')
    ? expandable(value)
    : el('span', { class: 'value-text' }, value);
}
