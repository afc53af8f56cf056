// The conversation view: a chat transcript by speaker with tools, markers and errors inline.

import { el } from './dom.js';
import { speakerClass } from './colors.js';
import { formatCost, formatDuration, formatTokens } from './format.js';
import { attr, jsonAttr, spanType, modelName, llmUsage } from './model.js';
import { asMessageList, messageNode, messageParts, toolCallNode, toolResultNode } from './messages.js';
import { buildTranscript, newInputs, openingMessages, turnOutputs } from './transcript.js';

// Agents AG2 creates for itself inside a group chat: not members a reader would name.
const INTERNAL_AGENT_PREFIXES = ['_Group_Tool_Executor'];

function groupMembers(names) {
  return Array.isArray(names)
    ? names.map(String).filter((n) => !INTERNAL_AGENT_PREFIXES.some((p) => n.startsWith(p)))
    : [];
}

const CONTENT_HINT =
  'Message content was not captured. To record it, set OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only in the traced application.';

function spanButton(span, onOpenSpan, label = 'span') {
  return el(
    'button',
    {
      type: 'button',
      class: 'link-button span-link',
      title: `Open ${span.name} in the span tree`,
      onclick: () => onOpenSpan(span.span_id),
    },
    `${label} ↗`,
  );
}

function turnMeta(turn) {
  const bits = [formatDuration(turn.span.duration_ms)];
  if (turn.llms.length) bits.push(`${turn.llms.length} LLM call${turn.llms.length > 1 ? 's' : ''}`);
  if (turn.usage.input || turn.usage.output)
    bits.push(`${formatTokens(turn.usage.input)} in / ${formatTokens(turn.usage.output)} out tokens`);
  if (turn.usage.cost) bits.push(formatCost(turn.usage.cost));
  if (turn.models.length) bits.push(turn.models.join(', '));
  return el('span', { class: 'turn-meta muted' }, bits.join(' · '));
}

/** Tool calls and results the messages already show, as 'call:ID' / 'result:ID', and a
 * tool message's text as 'text:…' (classic AG2's tracer sends results without ids). */
function shownToolIds(messages) {
  const ids = new Set();
  for (const m of messages) {
    for (const part of messageParts(m)) {
      if (part && part.id && part.type === 'tool_call') ids.add(`call:${part.id}`);
      if (part && part.id && part.type === 'tool_call_response') ids.add(`result:${part.id}`);
      if (part && m.role === 'tool' && typeof part.content === 'string') ids.add(`text:${part.content}`);
    }
  }
  return ids;
}

function stepNode(step, shownIds, onOpenSpan) {
  const type = spanType(step);
  if (type === 'tool') {
    const id = attr(step, 'gen_ai.tool.call.id');
    const args = attr(step, 'gen_ai.tool.call.arguments');
    const result = attr(step, 'gen_ai.tool.call.result');
    const showArgs = args !== undefined && !(id && shownIds.has(`call:${id}`));
    const showResult =
      result !== undefined && !(id && shownIds.has(`result:${id}`)) && !shownIds.has(`text:${result}`);
    if (showArgs || showResult) {
      return el(
        'div',
        { class: 'step tool-step' },
        showArgs ? toolCallNode(attr(step, 'gen_ai.tool.name') || step.name, id, args) : null,
        showResult
          ? toolResultNode(attr(step, 'gen_ai.tool.name'), id, result, step.status_code === 'ERROR')
          : null,
      );
    }
    return chip(
      '⚙',
      attr(step, 'gen_ai.tool.name') || step.name,
      formatDuration(step.duration_ms),
      step,
      onOpenSpan,
    );
  }
  if (type === 'llm') {
    const u = llmUsage(step);
    return chip(
      '✦',
      `LLM ${modelName(step) || step.name}`,
      `${formatTokens(u.input)} in / ${formatTokens(u.output)} out · ${formatDuration(step.duration_ms)}`,
      step,
      onOpenSpan,
    );
  }
  return chip('▪', step.name, formatDuration(step.duration_ms), step, onOpenSpan);
}

function chip(icon, label, meta, span, onOpenSpan) {
  return el(
    'button',
    {
      type: 'button',
      class: `step-chip${span.status_code === 'ERROR' ? ' is-error' : ''}`,
      onclick: () => onOpenSpan(span.span_id),
    },
    el('span', { class: 'step-icon' }, icon),
    ' ',
    el('span', { class: 'mono' }, label),
    ' ',
    el('span', { class: 'muted' }, meta),
  );
}

function errorNode(span, onOpenSpan) {
  const exception = (span.events || []).find((e) => e.name === 'exception');
  const type =
    (exception && exception.attributes && exception.attributes['exception.type']) ||
    attr(span, 'error.type') ||
    'Error';
  return el(
    'div',
    { class: 'error-box inline-error' },
    el('strong', {}, type),
    ` in ${span.name}`,
    span.status_message ? `: ${span.status_message}` : '',
    ' ',
    spanButton(span, onOpenSpan),
  );
}

/** A turn that called the model more than once around tool calls: each LLM call's
 * output and each tool step, in start order (so the final answer comes last). */
function interleavedBody(turn, shownIds, onOpenSpan) {
  const outputs = turn.llms
    .map((span) => ({ span, messages: asMessageList(jsonAttr(span, 'gen_ai.output.messages')) }))
    .filter((o) => o.messages.length);
  const tools = turn.steps.filter((s) => spanType(s) !== 'llm');
  if (outputs.length < 2 || !tools.length) return null;
  for (const o of outputs) for (const id of shownToolIds(o.messages)) shownIds.add(id);
  const entries = [
    ...outputs.map((o) => ({
      at: o.span.start_time_ns,
      node: () => o.messages.map((m) => messageNode(m, turn.speaker)),
    })),
    ...tools.map((s) => ({
      at: s.start_time_ns,
      node: () => el('div', { class: 'steps' }, stepNode(s, shownIds, onOpenSpan)),
    })),
  ];
  return entries.sort((a, b) => a.at - b.at).map((e) => e.node());
}

function turnNode(turn, outputs, onOpenSpan, shownIds) {
  const interleaved = interleavedBody(turn, shownIds, onOpenSpan);
  for (const id of shownToolIds(outputs)) shownIds.add(id);
  const steps = outputs.length ? turn.steps.filter((s) => spanType(s) !== 'llm') : turn.steps;
  const body = interleaved
    ? [interleaved, turn.errors.map((s) => errorNode(s, onOpenSpan))]
    : [
        outputs.map((m) => messageNode(m, turn.speaker)),
        steps.length
          ? el(
              'div',
              { class: 'steps' },
              steps.map((s) => stepNode(s, shownIds, onOpenSpan)),
            )
          : null,
        turn.errors.map((s) => errorNode(s, onOpenSpan)),
      ];
  const node = el(
    'article',
    {
      class: `turn ${speakerClass(turn.speaker)}${turn.errors.length ? ' has-error' : ''}`,
      'data-span-id': turn.span.span_id,
    },
    el(
      'header',
      { class: 'turn-head' },
      el('span', { class: 'avatar' }, turn.speaker.slice(0, 1).toUpperCase()),
      el('span', { class: 'speaker' }, turn.speaker),
      turnMeta(turn),
      spanButton(turn.span, onOpenSpan),
    ),
    el(
      'div',
      { class: 'turn-body' },
      body.flat().length ? body : el('span', { class: 'muted' }, 'No messages recorded for this turn.'),
    ),
  );
  if (turn.depth) node.classList.add('nested', `depth-${Math.min(turn.depth, 3)}`);
  return node;
}

function markerText(span, type) {
  const a = (key) => attr(span, key);
  if (type === 'speaker_selection') {
    const candidates = a('ag2.speaker_selection.candidates');
    return [
      'Speaker selection',
      a('ag2.speaker_selection.method') ? ` (${a('ag2.speaker_selection.method')})` : '',
      a('ag2.speaker_selection.selected') ? ` → ${a('ag2.speaker_selection.selected')}` : '',
      Array.isArray(candidates) && candidates.length ? ` from ${candidates.join(', ')}` : '',
    ].join('');
  }
  if (type === 'handoff') {
    const extra = [a('ag2.handoff.kind'), a('ag2.handoff.condition')].filter(Boolean).join('; ');
    return `Handoff ${a('ag2.handoff.source') || '?'} → ${a('ag2.handoff.target') || '?'}${extra ? ` (${extra})` : ''}`;
  }
  if (type === 'conversation') {
    const from = a('ag2.conversation.sender');
    const to = a('ag2.conversation.recipient');
    return from || to ? `Chat ${from || '?'} → ${to || '?'}` : span.name;
  }
  if (type === 'group_chat') {
    const agents = groupMembers(a('ag2.group_chat.agents'));
    return `Group chat${agents.length ? ` with ${agents.join(', ')}` : ''}${a('ag2.group_chat.max_rounds') ? ` · max ${a('ag2.group_chat.max_rounds')} rounds` : ''}`;
  }
  return span.name;
}

function selectionCost(item) {
  const below = item.below;
  if (item.type !== 'speaker_selection' || !below || !below.llm_calls) return '';
  const tokens = below.input_tokens + below.output_tokens;
  return ` · ${below.llm_calls} LLM call${below.llm_calls > 1 ? 's' : ''}, ${formatTokens(tokens)} tokens`;
}

function markerNode(item, onOpenSpan) {
  return el(
    'div',
    {
      class: `marker marker-${item.type}${item.span.status_code === 'ERROR' ? ' is-error' : ''}`,
      'data-span-id': item.span.span_id,
    },
    el('span', { class: 'marker-line' }),
    el('span', { class: 'marker-text' }, markerText(item.span, item.type)),
    el('span', { class: 'muted' }, ` · ${formatDuration(item.span.duration_ms)}${selectionCost(item)} `),
    spanButton(item.span, onOpenSpan),
    el('span', { class: 'marker-line' }),
  );
}

function openingNodes(transcript) {
  const first = transcript.turns[0];
  if (!first) return [];
  return openingMessages(first)
    .map((m) => messageNode(m, m.name || m.role))
    .map((node) => el('div', { class: 'opening' }, node));
}

export function renderConversation(model, { onOpenSpan }) {
  const transcript = buildTranscript(model);
  const nodes = [];
  if (!transcript.withContent) nodes.push(el('div', { class: 'hint', role: 'note' }, CONTENT_HINT));
  const opening = transcript.turnType === 'agent' ? openingNodes(transcript) : [];
  const openAfter = transcript.items.findIndex(
    (item) => item.kind === 'turn' || (item.kind === 'marker' && item.type === 'conversation'),
  );
  const shownIds = new Set();
  let previousLlmTurn = null;
  transcript.items.forEach((item, index) => {
    if (index === openAfter && item.kind === 'turn') nodes.push(opening);
    if (item.kind === 'marker') nodes.push(markerNode(item, onOpenSpan));
    else if (item.kind === 'error') nodes.push(errorNode(item.span, onOpenSpan));
    else if (transcript.turnType === 'llm') {
      nodes.push(newInputs(item, previousLlmTurn).map((m) => messageNode(m, m.name || m.role)));
      nodes.push(turnNode(item, turnOutputs(item), onOpenSpan, shownIds));
      previousLlmTurn = item;
    } else nodes.push(turnNode(item, turnOutputs(item), onOpenSpan, shownIds));
    if (index === openAfter && item.kind === 'marker') nodes.push(opening);
  });
  if (!transcript.items.length)
    nodes.push(el('p', { class: 'muted' }, 'No agent or LLM spans in this trace: see the span tree.'));
  return el('div', { class: 'conversation' }, nodes);
}
