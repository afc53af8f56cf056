// Build the conversation transcript (pure data): turns by speaker, in order, with the
// markers between them (speaker selection, handoffs, chat boundaries) and stray errors.

import { agentOf, attr, descendants, isError, jsonAttr, llmUsage, modelName, spanType } from './model.js';
import { asMessageList, messageParts } from './messages.js';

const MARKER_TYPES = new Set(['speaker_selection', 'handoff', 'conversation', 'group_chat', 'workflow']);
const STEP_TYPES = new Set(['llm', 'tool', 'code_execution', 'human_input', 'summary']);
const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
];

/** Descendants that belong to this span's turn: stop at nested turns and markers. */
function ownDescendants(model, span, turnType) {
  const out = [];
  const stack = [...(model.children.get(span.span_id) || [])].reverse();
  while (stack.length) {
    const node = stack.pop();
    const type = spanType(node);
    if (type === turnType || MARKER_TYPES.has(type)) continue;
    out.push(node);
    const kids = model.children.get(node.span_id) || [];
    for (let i = kids.length - 1; i >= 0; i -= 1) stack.push(kids[i]);
  }
  return out;
}

/** True when a span runs inside a speaker selection (AG2's internal selection chat). */
function insideSelection(model, span) {
  for (let p = model.byId.get(span.parent_span_id); p; p = model.byId.get(p.parent_span_id)) {
    if (spanType(p) === 'speaker_selection') return true;
  }
  return false;
}

function turnDepth(model, span, turnType) {
  let depth = 0;
  for (let p = model.byId.get(span.parent_span_id); p; p = model.byId.get(p.parent_span_id)) {
    if (spanType(p) === turnType) depth += 1;
  }
  return depth;
}

function makeTurn(model, span, turnType) {
  const own = ownDescendants(model, span, turnType);
  const llms = turnType === 'llm' ? [span] : own.filter((s) => spanType(s) === 'llm');
  const usage = llms
    .map(llmUsage)
    .reduce((a, u) => ({ input: a.input + u.input, output: a.output + u.output, cost: a.cost + u.cost }), {
      input: 0,
      output: 0,
      cost: 0,
    });
  return {
    kind: 'turn',
    span,
    speaker:
      turnType === 'agent'
        ? agentOf(model, span) || span.name
        : span.agent || agentOf(model, span) || 'assistant',
    depth: turnDepth(model, span, turnType),
    steps:
      turnType === 'llm'
        ? own.filter((s) => STEP_TYPES.has(spanType(s)))
        : own.filter((s) => STEP_TYPES.has(spanType(s))),
    llms,
    usage,
    models: [...new Set(llms.map(modelName).filter(Boolean))],
    errors: [span, ...own].filter(isError),
    input: asMessageList(jsonAttr(span, 'gen_ai.input.messages')),
    output: asMessageList(jsonAttr(span, 'gen_ai.output.messages')),
  };
}

function strayErrors(model, turns, markers) {
  const covered = new Set(model.spans.filter((s) => insideSelection(model, s)).map((s) => s.span_id));
  for (const turn of turns)
    for (const s of [turn.span, ...turn.steps, ...turn.errors]) covered.add(s.span_id);
  for (const marker of markers) covered.add(marker.span.span_id);
  return model.errors.filter((s) => !covered.has(s.span_id)).map((span) => ({ kind: 'error', span }));
}

export function hasContent(model) {
  return model.spans.some((span) => CONTENT_KEYS.some((key) => attr(span, key) !== undefined));
}

/** Items in start order: {kind: 'turn'|'marker'|'error', span, ...}. */
export function buildTranscript(model) {
  const hasAgents = model.spans.some((s) => spanType(s) === 'agent');
  const turnType = hasAgents ? 'agent' : 'llm';
  let turnSpans = model.order.filter((s) => spanType(s) === turnType && !insideSelection(model, s));
  if (turnType === 'llm') turnSpans = turnSpans.filter((s) => turnDepth(model, s, 'llm') === 0);
  const turns = turnSpans.map((span) => makeTurn(model, span, turnType));
  const markers = model.order
    .filter((s) => MARKER_TYPES.has(spanType(s)) && !insideSelection(model, s))
    .map((span) => ({
      kind: 'marker',
      span,
      type: spanType(span),
      llms: descendants(model, span).filter((d) => spanType(d) === 'llm'),
    }));
  const items = [...turns, ...markers, ...strayErrors(model, turns, markers)];
  items.sort((a, b) => a.span.start_time_ns - b.span.start_time_ns || (a.kind === 'marker' ? -1 : 1));
  return { items, turnType, turns, withContent: hasContent(model) };
}

/** The messages a turn "said": agent output, else the LLM outputs of its steps. */
export function turnOutputs(turn) {
  if (turn.output.length) return turn.output;
  const last = [...turn.llms]
    .reverse()
    .find((s) => asMessageList(jsonAttr(s, 'gen_ai.output.messages')).length);
  return last ? asMessageList(jsonAttr(last, 'gen_ai.output.messages')) : [];
}

/** The messages that opened the conversation, from the first turn's input. */
export function openingMessages(turn) {
  let input = turn.input;
  if (!input.length) {
    const first = turn.llms.find((s) => asMessageList(jsonAttr(s, 'gen_ai.input.messages')).length);
    input = first ? asMessageList(jsonAttr(first, 'gen_ai.input.messages')) : [];
  }
  return input.filter((m) => m && m.role !== 'system');
}

/** What identifies a message across calls: role, name, texts and tool-call ids (not the
 * arguments: producers re-encode them). */
export function messageKey(message) {
  if (!message || typeof message !== 'object') return String(message);
  const parts = messageParts(message).map((p) => {
    if (!p || typeof p !== 'object') return String(p);
    const text = typeof p.content === 'string' ? p.content : typeof p.response === 'string' ? p.response : '';
    return [p.type, p.id || '', p.name || '', text].join('\u0001');
  });
  return [message.role || '', message.name || '', ...parts].join('\u0002');
}

/** Inputs of an LLM-fallback turn that the previous call had not seen: each input
 * message matched by content against what the previous call sent and answered (each
 * earlier message matches once), so a separate conversation, or a producer that leaves
 * a message out of the history, still shows every new message. */
export function newInputs(turn, previous) {
  const input = openingMessages(turn);
  if (!previous) return input;
  const seen = new Map();
  for (const m of [...openingMessages(previous), ...turnOutputs(previous)]) {
    const key = messageKey(m);
    seen.set(key, (seen.get(key) || 0) + 1);
  }
  return input.filter((m) => {
    const key = messageKey(m);
    const count = seen.get(key) || 0;
    if (count) seen.set(key, count - 1);
    return !count;
  });
}
