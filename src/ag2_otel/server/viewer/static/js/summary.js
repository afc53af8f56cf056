// The trace page's summary header and its per-agent / per-model breakdown.

import { costValue } from './cost.js';
import { el, internalLink, tableHead } from './dom.js';
import { speakerClass } from './colors.js';
import { formatDuration, formatInt, formatTime, formatTokens } from './format.js';
import { conversationHref, sameConversation } from './related.js';

function stat(label, value, extraClass = '') {
  return el(
    'div',
    { class: `stat ${extraClass}` },
    el('div', { class: 'stat-value' }, value),
    el('div', { class: 'stat-label' }, label),
  );
}

function breakdownTable(title, rows, withTurns) {
  if (!rows.length) return null;
  const head = [
    '',
    withTurns ? 'Turns' : null,
    'LLM calls',
    'Tokens in',
    'Tokens out',
    'Cost',
    withTurns ? null : 'Avg latency',
  ].filter((h) => h !== null);
  return el(
    'table',
    { class: 'data small breakdown' },
    el('caption', {}, title),
    tableHead(head.map((h, i) => el('th', { class: i ? 'num' : '' }, h))),
    el(
      'tbody',
      {},
      rows.map((row) =>
        el(
          'tr',
          {},
          el(
            'td',
            {},
            withTurns
              ? el('span', { class: `agent-chip ${speakerClass(row.name)}` }, row.name)
              : el('span', { class: 'mono' }, row.name),
          ),
          withTurns ? el('td', { class: 'num' }, formatInt(row.turns)) : null,
          el('td', { class: 'num' }, formatInt(row.llm)),
          el('td', { class: 'num' }, formatTokens(row.input)),
          el('td', { class: 'num' }, formatTokens(row.output)),
          el('td', { class: 'num' }, costValue(row.cost, row.llm, row.priced)),
          withTurns ? null : el('td', { class: 'num' }, formatDuration(row.llm ? row.ms / row.llm : null)),
        ),
      ),
    ),
  );
}

/** A server roll-up row (derived.agents / derived.models) in the table's terms. */
function breakdownRow(row, name) {
  return {
    name,
    turns: row.turns,
    llm: row.llm_calls,
    input: row.input_tokens,
    output: row.output_tokens,
    cost: row.cost,
    priced: row.priced_calls,
    ms: row.llm_duration_ns / 1e6,
  };
}

export function renderSummary(model) {
  const s = model.summary;
  const d = model.derived;
  const agents = (d.agents || []).map((row) =>
    breakdownRow(row, row.agent || (row.turns ? '(unnamed)' : '(no agent)')),
  );
  const models = (d.models || []).map((row) => breakdownRow(row, row.model || '(unknown model)'));
  const errors = s.error_count || 0;
  const agentNames = Array.isArray(s.agents) ? s.agents : [];
  const status = errors
    ? el('span', { class: 'status status-error' }, `${errors} error${errors > 1 ? 's' : ''}`)
    : el('span', { class: 'status status-ok' }, 'ok');
  return el(
    'section',
    { class: 'summary' },
    el(
      'div',
      { class: 'crumbs' },
      internalLink('/', {}, 'Traces'),
      ' / ',
      el('span', { class: 'mono' }, s.trace_id || ''),
    ),
    el(
      'h1',
      { class: 'trace-title' },
      s.root_name || (model.roots[0] && model.roots[0].name) || 'Trace',
      ' ',
      status,
    ),
    el(
      'div',
      { class: 'trace-sub muted' },
      [
        s.service,
        formatTime(s.start_time_ns || model.start),
        `${formatInt(model.spans.length)} spans`,
        s.conversation_id
          ? el(
              'span',
              {},
              'conversation ',
              internalLink(conversationHref(s.conversation_id), {}, s.conversation_id),
            )
          : null,
      ]
        .filter(Boolean)
        .flatMap((part, i) => (i ? [' · ', part] : [part])),
    ),
    el(
      'div',
      { class: 'stats' },
      stat(
        'Agents',
        agentNames.length
          ? el(
              'span',
              { class: 'agent-list' },
              agentNames.map((a) => el('span', { class: `agent-chip ${speakerClass(a)}` }, a)),
            )
          : '—',
        'wide',
      ),
      stat('Turns', formatInt(s.turns || 0)),
      stat('LLM calls', formatInt(s.llm_calls || 0)),
      stat('Tokens in / out', `${formatTokens(s.input_tokens || 0)} / ${formatTokens(s.output_tokens || 0)}`),
      stat('Cost', costValue(s.cost || 0, s.llm_calls || 0, s.priced_calls)),
      stat('Latency', formatDuration(s.duration_ms || 0)),
      stat('Errors', formatInt(errors), errors ? 'bad' : ''),
    ),
    el(
      'div',
      { class: 'breakdowns' },
      breakdownTable('Per agent', agents, true),
      breakdownTable('Per model', models, false),
    ),
    sameConversation(s),
  );
}
