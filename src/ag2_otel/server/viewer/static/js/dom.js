// Safe DOM building: text goes in with textContent, never as HTML.
// Links are created only through internalLink/externalLink (http/https only).
// All text is shown as it is, except bidi controls (shown as visible escapes) and
// very long strings outside <pre> (clipped, with the rest one click away).

const SVG_NS = 'http://www.w3.org/2000/svg';
const FORBIDDEN_ATTRS = new Set(['href', 'src', 'style', 'srcdoc', 'action', 'formaction']);
const LABEL_ATTRS = new Set(['title', 'aria-label', 'placeholder']);
// Bidi embedding, override and isolate controls and marks: in a name they can make
// 'gnp.exe' read as 'exe.png', so they are displayed, not obeyed.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
// Strings longer than this are clipped outside blocks made for long text (<pre>):
// a 10 MB name must not be laid out in a table cell or a tree row.
const CLIP_AT = 300;
const CLIP_TO = 120;
const FULL_TEXT_PARENTS = new Set(['PRE', 'TEXTAREA']);
const LABEL_PARENTS = new Set(['A', 'BUTTON', 'OPTION', 'SUMMARY', 'LABEL']);

/** `text` with bidi control characters replaced by visible escapes such as ⟨U+202E⟩. */
export function visible(text) {
  const value = String(text);
  BIDI_CONTROLS.lastIndex = 0;
  if (!BIDI_CONTROLS.test(value)) return value;
  return value.replace(
    BIDI_CONTROLS,
    (ch) => `⟨U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`,
  );
}

/** At most `length` characters of `text`, with an ellipsis when cut (for titles, SVG and options). */
export function truncate(text, length = CLIP_AT) {
  const value = String(text);
  return value.length > length ? `${value.slice(0, length)}…` : value;
}

/** A button that puts all of `text` into `node`; null when `text` is short enough to show whole. */
export function showAll(node, text) {
  const value = String(text);
  if (value.length <= CLIP_AT) return null;
  const more = document.createElement('button');
  more.type = 'button';
  more.className = 'link-button clip-more';
  more.textContent = `show all ${value.length.toLocaleString('en-US')} chars`;
  more.addEventListener('click', (event) => {
    event.stopPropagation();
    node.textContent = visible(value);
    more.remove();
  });
  return more;
}

/** A long string as its start plus a button that shows the whole of it. */
function clipped(text) {
  const node = document.createElement('span');
  node.className = 'clipped';
  node.append(document.createTextNode(visible(truncate(text, CLIP_TO))), showAll(node, text));
  return node;
}

function textNode(parent, value) {
  const text = String(value);
  if (text.length <= CLIP_AT || FULL_TEXT_PARENTS.has(parent.nodeName))
    return document.createTextNode(visible(text));
  // No button inside SVG, links, buttons or options: there only a shortened label (see showAll).
  if (parent.namespaceURI === SVG_NS || LABEL_PARENTS.has(parent.nodeName))
    return document.createTextNode(visible(truncate(text, CLIP_TO)));
  return clipped(text);
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : textNode(node, child));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.setAttribute('class', value);
    else if (key === 'text') append(node, [value]);
    else if (LABEL_ATTRS.has(key)) node.setAttribute(key, visible(truncate(value)));
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key.startsWith('on') || FORBIDDEN_ATTRS.has(key)) throw new Error(`unsafe attribute ${key}`);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
}

/** Create an HTML element: el('div', {class: 'x'}, 'text', child, [more]). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  return append(node, children);
}

/** Create an SVG element with the same conventions. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  return append(node, children);
}

/** A table's header: one row of the given `th` cells. */
export function tableHead(cells) {
  return el('thead', {}, el('tr', {}, cells));
}

/** A same-origin link to one of the viewer's own paths. */
export function internalLink(path, attrs, ...children) {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
    return el('span', attrs, ...children);
  }
  const node = el('a', attrs, ...children);
  node.setAttribute('href', path);
  return node;
}

/** The URL if it is an absolute http(s) URL, else null (javascript:, data:, relative...). */
export function httpUrl(value) {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (!/^https?:\/\//i.test(text)) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** An outbound link when `value` is http(s); otherwise plain text. */
export function externalLink(value, label) {
  const href = httpUrl(value);
  const text = label ?? String(value);
  if (!href) return el('span', { class: 'url-text' }, text);
  const node = el('a', { class: 'external', rel: 'noopener noreferrer nofollow', target: '_blank' }, text);
  node.setAttribute('href', href);
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

/** Replace the app root's content. */
export function mount(...children) {
  const app = document.getElementById('app');
  clear(app);
  return append(app, children);
}

export function errorBox(message) {
  return el('div', { class: 'error-box', role: 'alert' }, message);
}

/** Mark the page as rendered and interactive (tests wait for it; benchmarks read the mark). */
export function markReady() {
  if (document.body.dataset.ready === 'true') return;
  document.body.dataset.ready = 'true';
  performance.mark('ag2-otel:ready');
}
