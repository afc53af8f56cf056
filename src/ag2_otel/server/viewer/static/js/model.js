// The trace model: spans indexed into a tree, with the derived facts every view needs.

const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);
const OPERATION_TYPES = { invoke_agent: 'agent', execute_tool: 'tool', invoke_workflow: 'workflow' };

export function attr(span, key) {
  const attrs = span && span.attributes;
  return attrs && Object.prototype.hasOwnProperty.call(attrs, key) ? attrs[key] : undefined;
}

/** The span's type: the store's span_type, else derived from gen_ai.operation.name. */
export function spanType(span) {
  const declared = span.span_type || attr(span, 'ag2.span.type');
  if (declared && declared !== 'other') return declared;
  const op = span.operation || attr(span, 'gen_ai.operation.name');
  if (LLM_OPERATIONS.has(op)) return 'llm';
  return OPERATION_TYPES[op] || 'other';
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

function numberAttr(span, ...keys) {
  for (const key of keys) {
    const value = Number(attr(span, key));
    if (attr(span, key) !== undefined && !Number.isNaN(value)) return value;
  }
  return 0;
}

/** Usage of one LLM-call span (only LLM spans carry billable usage; roll-ups are ignored). */
export function llmUsage(span) {
  return {
    input: numberAttr(span, 'gen_ai.usage.input_tokens'),
    output: numberAttr(span, 'gen_ai.usage.output_tokens'),
    cost: numberAttr(span, 'ag2.usage.cost', 'gen_ai.usage.cost'),
  };
}

export function modelName(span) {
  return attr(span, 'gen_ai.response.model') || attr(span, 'gen_ai.request.model') || '';
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
  const model = {
    summary: trace.summary || {},
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
  model.agentOf = (span) => agentOf(model, span);
  return model;
}

export function parentOf(model, span) {
  return span.parent_span_id ? model.byId.get(span.parent_span_id) : undefined;
}

/** The agent a span belongs to: its own agent span or the nearest agent ancestor. */
export function agentOf(model, span) {
  for (let node = span; node; node = parentOf(model, node)) {
    if (spanType(node) === 'agent') return node.agent || attr(node, 'gen_ai.agent.name') || node.name;
  }
  return span.agent || attr(span, 'gen_ai.agent.name') || '';
}

/** True for the helper agents AG2 creates to pick the next speaker (not conversation participants). */
export function insideSpeakerSelection(model, span) {
  for (let node = parentOf(model, span); node; node = parentOf(model, node)) {
    if (spanType(node) === 'speaker_selection') return true;
  }
  return false;
}

export function descendants(model, span) {
  const out = [];
  const stack = [...(model.children.get(span.span_id) || [])].reverse();
  while (stack.length) {
    const node = stack.pop();
    out.push(node);
    const kids = model.children.get(node.span_id) || [];
    for (let i = kids.length - 1; i >= 0; i -= 1) stack.push(kids[i]);
  }
  return out;
}

function addRow(table, key, fields) {
  if (!table.has(key))
    table.set(key, { name: key, turns: 0, llm: 0, input: 0, output: 0, cost: 0, ms: 0, errors: 0 });
  const row = table.get(key);
  for (const [field, value] of Object.entries(fields)) row[field] += value;
}

/** Per-agent and per-model totals, from LLM-call spans and agent turns. */
export function breakdowns(model) {
  const agents = new Map();
  const models = new Map();
  for (const span of model.spans) {
    const type = spanType(span);
    const errors = isError(span) ? 1 : 0;
    if (type === 'agent' && !insideSpeakerSelection(model, span))
      addRow(agents, model.agentOf(span) || '(unnamed)', { turns: 1, errors });
    if (type !== 'llm') continue;
    const usage = llmUsage(span);
    const fields = {
      llm: 1,
      input: usage.input,
      output: usage.output,
      cost: usage.cost,
      ms: span.duration_ms || 0,
    };
    addRow(agents, model.agentOf(span) || '(no agent)', fields);
    addRow(models, modelName(span) || '(unknown model)', { ...fields, errors });
  }
  return { agents: [...agents.values()], models: [...models.values()] };
}

/** Totals over the whole trace, computed from spans (the summary may be partial). */
export function totals(model) {
  const { agents, models } = breakdowns(model);
  const sum = (rows, key) => rows.reduce((acc, row) => acc + row[key], 0);
  return {
    agents: agents.filter((row) => row.turns > 0).map((row) => row.name),
    turns: sum(agents, 'turns'),
    llm: sum(models, 'llm'),
    input: sum(models, 'input'),
    output: sum(models, 'output'),
    cost: sum(models, 'cost'),
    // Several producers (OpenInference, openai-v2, ag2 1.x) send no cost: say so, not "$0".
    pricedCalls: model.spans.filter(
      (s) =>
        spanType(s) === 'llm' &&
        (attr(s, 'ag2.usage.cost') !== undefined || attr(s, 'gen_ai.usage.cost') !== undefined),
    ).length,
    errors: model.errors.length,
    durationMs: (model.end - model.start) / 1e6,
  };
}
