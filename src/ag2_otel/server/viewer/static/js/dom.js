// Safe DOM building: text goes in with textContent, never as HTML.
// Links are created only through internalLink/externalLink (http/https only).

const SVG_NS = 'http://www.w3.org/2000/svg';
const FORBIDDEN_ATTRS = new Set(['href', 'src', 'style', 'srcdoc', 'action', 'formaction']);

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.setAttribute('class', value);
    else if (key === 'text') node.textContent = String(value);
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
