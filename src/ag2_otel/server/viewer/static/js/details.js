// Span details: facts, messages, every attribute, events, links, resource and scope.

import { el, internalLink } from './dom.js';
import { formatCost, formatDuration, formatInt, formatTime } from './format.js';
import { asMessageList, instructionsNode, messageNode, toolCallNode, toolResultNode } from './messages.js';
import { agentOf, attr, jsonAttr, llmUsage, modelName, spanType, typeClass } from './model.js';
import { valueNode } from './values.js';
import { speakerClass } from './colors.js';

function fact(label, value, mono = false) {
  if (value === undefined || value === null || value === '') return null;
  return [el('dt', {}, label), el('dd', { class: mono ? 'mono' : '' }, value)];
}

function facts(model, span) {
  const type = spanType(span);
  const usage = type === 'llm' ? llmUsage(span) : null;
  const offset = (span.start_time_ns - model.start) / 1e6;
  const agent = agentOf(span);
  return el(
    'dl',
    { class: 'facts' },
    fact('Span ID', span.span_id, true),
    fact('Parent', span.parent_span_id || '(root)', true),
    fact('Type', type),
    fact('Kind', span.kind),
    fact('Operation', span.operation || attr(span, 'gen_ai.operation.name')),
    fact('Agent', agent ? el('span', { class: `agent-chip ${speakerClass(agent)}` }, agent) : null),
    fact('Model', modelName(span), true),
    fact('Start', `${formatTime(span.start_time_ns)} (+${formatDuration(offset)})`),
    fact('Duration', formatDuration(span.duration_ms)),
    usage ? fact('Tokens', `${formatInt(usage.input)} in · ${formatInt(usage.output)} out`) : null,
    usage && usage.cost ? fact('Cost', formatCost(usage.cost)) : null,
  );
}

function statusBanner(span) {
  if (span.status_code !== 'ERROR') return null;
  const exception = (span.events || []).find((e) => e.name === 'exception');
  const type =
    exception && exception.attributes ? exception.attributes['exception.type'] : attr(span, 'error.type');
  return el(
    'div',
    { class: 'error-box' },
    el('strong', {}, 'Error'),
    type ? ` ${type}` : '',
    span.status_message ? `: ${span.status_message}` : '',
  );
}

function messagesSection(span) {
  const blocks = [];
  const instructions = jsonAttr(span, 'gen_ai.system_instructions');
  if (instructions !== undefined) blocks.push(instructionsNode(instructions));
  const input = asMessageList(jsonAttr(span, 'gen_ai.input.messages'));
  if (input.length)
    blocks.push(
      el('h4', {}, 'Input messages'),
      input.map((m) => messageNode(m)),
    );
  const output = asMessageList(jsonAttr(span, 'gen_ai.output.messages'));
  if (output.length)
    blocks.push(
      el('h4', {}, 'Output messages'),
      output.map((m) => messageNode(m)),
    );
  const args = attr(span, 'gen_ai.tool.call.arguments');
  if (args !== undefined)
    blocks.push(toolCallNode(attr(span, 'gen_ai.tool.name'), attr(span, 'gen_ai.tool.call.id'), args));
  const result = attr(span, 'gen_ai.tool.call.result');
  if (result !== undefined)
    blocks.push(toolResultNode(attr(span, 'gen_ai.tool.name'), '', result, span.status_code === 'ERROR'));
  return blocks.length ? section('Messages', blocks) : null;
}

function section(title, content, open = true) {
  const node = el(
    'details',
    { class: 'section' },
    el('summary', {}, title),
    el('div', { class: 'section-body' }, content),
  );
  node.open = open;
  return node;
}

function kvTable(object) {
  const keys = Object.keys(object || {}).sort();
  if (!keys.length) return el('p', { class: 'muted' }, 'None');
  return el(
    'table',
    { class: 'kv' },
    el(
      'tbody',
      {},
      keys.map((key) => el('tr', {}, el('th', { class: 'mono' }, key), el('td', {}, valueNode(object[key])))),
    ),
  );
}

function eventsList(model, span) {
  const events = span.events || [];
  if (!events.length) return el('p', { class: 'muted' }, 'None');
  return events.map((event) =>
    el(
      'div',
      { class: 'event' },
      el(
        'div',
        { class: 'event-head' },
        el('span', { class: 'mono' }, event.name),
        ' ',
        el('span', { class: 'muted' }, `+${formatDuration((event.time_ns - span.start_time_ns) / 1e6)}`),
      ),
      kvTable(event.attributes),
    ),
  );
}

function linksList(links) {
  if (!links || !links.length) return el('p', { class: 'muted' }, 'None');
  return links.map((link) =>
    el(
      'div',
      { class: 'event' },
      internalLink(
        `/traces/${encodeURIComponent(link.trace_id)}?span=${encodeURIComponent(link.span_id)}`,
        { class: 'mono' },
        `${link.trace_id} / ${link.span_id}`,
      ),
      kvTable(link.attributes),
    ),
  );
}

export function renderDetails(model, span) {
  if (!span) return el('div', { class: 'details empty muted' }, 'Select a span to see its details.');
  const count = (object) => Object.keys(object || {}).length;
  return el(
    'div',
    { class: 'details', 'data-span-id': span.span_id },
    el(
      'h3',
      { class: 'details-title' },
      el('span', { class: `type-badge ${typeClass(spanType(span))}` }, spanType(span)),
      ' ',
      span.name,
    ),
    statusBanner(span),
    facts(model, span),
    messagesSection(span),
    section(`Attributes (${count(span.attributes)})`, kvTable(span.attributes)),
    section(
      `Events (${(span.events || []).length})`,
      eventsList(model, span),
      (span.events || []).length > 0,
    ),
    section(`Links (${(span.links || []).length})`, linksList(span.links), (span.links || []).length > 0),
    section(`Resource (${count(span.resource)})`, kvTable(span.resource), false),
    section('Scope', kvTable(span.scope), false),
  );
}
