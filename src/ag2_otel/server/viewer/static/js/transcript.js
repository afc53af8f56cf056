// Build the conversation transcript (pure data): the server's turns by speaker, in order,
// with the markers between them (speaker selection, handoffs, chat boundaries) and stray
// errors. Which span belongs to which turn, and who spoke, is the server's (derived.*).

import { attr, derived, isError, jsonAttr, modelName, spanType } from './model.js';
import { asMessageList, messageParts } from './messages.js';

const STEP_TYPES = new Set(['llm', 'tool', 'code_execution', 'human_input', 'summary']);
const CONTENT_KEYS = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
];

/** True when a span runs inside a speaker selection (AG2's internal selection chat). */
function insideSelection(span) {
  return derived(span).in_speaker_selection === true;
}

/** A turn as the server reported it (derived.turns), with the spans it owns in tree order. */
function makeTurn(model, turn, own, turnType) {
  const span = model.byId.get(turn.span_id);
  const llms = [span, ...own].filter((s) => spanType(s) === 'llm');
  return {
    kind: 'turn',
    number: turn.turn,
    span,
    speaker: turn.agent || (turnType === 'agent' ? span.name : 'assistant'),
    depth: turn.depth,
    parent: turn.parent_turn,
    steps: own.filter((s) => STEP_TYPES.has(spanType(s))),
    llms,
    usage: { input: turn.input_tokens, output: turn.output_tokens, cost: turn.cost },
    models: [...new Set(llms.map(modelName).filter(Boolean))],
    errors: [span, ...own].filter(isError),
    input: asMessageList(jsonAttr(span, 'gen_ai.input.messages')),
    output: asMessageList(jsonAttr(span, 'gen_ai.output.messages')),
  };
}

/** The server's turns, each with the spans the server assigned to it (head excluded). */
function serverTurns(model) {
  const own = new Map();
  for (const span of model.order) {
    const turn = derived(span).turn;
    if (turn === null || turn === undefined) continue;
    if (!own.has(turn)) own.set(turn, []);
    own.get(turn).push(span);
  }
  const turnType = model.derived.turn_type || 'llm';
  return model.derived.turns
    .filter((turn) => model.byId.has(turn.span_id))
    .map((turn) =>
      makeTurn(
        model,
        turn,
        (own.get(turn.turn) || []).filter((s) => s.span_id !== turn.span_id),
        turnType,
      ),
    );
}

function strayErrors(model, turns, markers) {
  const covered = new Set(model.spans.filter(insideSelection).map((s) => s.span_id));
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
  const turnType = model.derived.turn_type || 'llm';
  const turns = serverTurns(model);
  const markers = model.order
    .filter((s) => derived(s).turn_boundary && !insideSelection(s))
    .map((span) => ({ kind: 'marker', span, type: spanType(span), below: derived(span).below }));
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
