// The trace model: spans indexed into a tree. Span types, owning agents, turns and
// roll-ups are the server's (`derived` in GET /api/traces/{id}, docs/contracts.md):
// the viewer renders them and never re-derives them.

export function attr(span, key) {
  const attrs = span && span.attributes;
  return attrs && Object.prototype.hasOwnProperty.call(attrs, key) ? attrs[key] : undefined;
}

/** The span's type, as the server classified it. */
export function spanType(span) {
  return span.span_type || 'other';
}

/** The server's facts about one span: {agent, turn, in_speaker_selection, model, usage?, below?}. */
export function derived(span) {
  return span.derived || {};
}

/** The agent the server charges this span to ('' when none). */
export function agentOf(span) {
  return derived(span).agent || '';
}

// Span types with a style of their own. Data never names a CSS class: any other value
// (say 'llm topbar') is styled as 'other' and only shown as text.
const STYLED_TYPES = new Set([
  'llm',
  'tool',
  'agent',
  'speaker_selection',
  'handoff',
  'conversation',
  'group_chat',
  'workflow',
  'code_execution',
  'human_input',
  'summary',
]);

/** The fixed CSS class for a span type. */
export function typeClass(type) {
  return STYLED_TYPES.has(type) ? `type-${type}` : 'type-other';
}

export function isError(span) {
  return span.status_code === 'ERROR';
}

/** Usage of one LLM-call span, as the server read it (cost null when not reported). */
export function llmUsage(span) {
  const usage = derived(span).usage || {};
  return { input: usage.input_tokens || 0, output: usage.output_tokens || 0, cost: usage.cost || 0 };
}

export function modelName(span) {
  return derived(span).model || '';
}

/** Parse a JSON-string attribute; objects pass through; failures give undefined. */
export function jsonAttr(span, key) {
  const value = attr(span, key);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function sortByStart(a, b) {
  return a.start_time_ns - b.start_time_ns || a.end_time_ns - b.end_time_ns;
}

function indexSpans(spans) {
  const byId = new Map();
  const children = new Map();
  for (const span of spans) byId.set(span.span_id, span);
  const roots = [];
  for (const span of spans) {
    const parent = span.parent_span_id && byId.has(span.parent_span_id) ? span.parent_span_id : null;
    if (parent === null) roots.push(span);
    else {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(span);
    }
  }
  roots.sort(sortByStart);
  for (const list of children.values()) list.sort(sortByStart);
  return { byId, children, roots };
}

/** Depth-first order and depth of every span. */
function walk(roots, children) {
  const order = [];
  const depth = new Map();
  const stack = roots
    .slice()
    .reverse()
    .map((span) => [span, 0]);
  while (stack.length) {
    const [span, d] = stack.pop();
    order.push(span);
    depth.set(span.span_id, d);
    const kids = children.get(span.span_id) || [];
    for (let i = kids.length - 1; i >= 0; i -= 1) stack.push([kids[i], d + 1]);
  }
  return { order, depth };
}

/** The chain from each root that finishes last: what the trace's latency waited on. */
function criticalPath(roots, children) {
  const onPath = new Set();
  for (const root of roots) {
    let node = root;
    while (node) {
      onPath.add(node.span_id);
      const kids = children.get(node.span_id) || [];
      node = kids.reduce((best, kid) => (!best || kid.end_time_ns > best.end_time_ns ? kid : best), null);
    }
  }
  return onPath;
}

export function buildModel(trace) {
  const spans = Array.isArray(trace.spans) ? trace.spans : [];
  const { byId, children, roots } = indexSpans(spans);
  const { order, depth } = walk(roots, children);
  const start = Math.min(...spans.map((s) => s.start_time_ns), Infinity);
  const end = Math.max(...spans.map((s) => s.end_time_ns), -Infinity);
  return {
    summary: trace.summary || {},
    derived: trace.derived || { turns: [], agents: [], models: [] },
    spans,
    byId,
    children,
    roots,
    order,
    depth,
    start: Number.isFinite(start) ? start : 0,
    end: Number.isFinite(end) ? end : 0,
    critical: criticalPath(roots, children),
    errors: order.filter(isError),
  };
}
