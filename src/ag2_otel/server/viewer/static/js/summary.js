// The trace page's summary header and its per-agent / per-model breakdown.

import { costValue } from './cost.js';
import { el, internalLink, tableHead } from './dom.js';
import { speakerClass } from './colors.js';
import { formatCost, formatDuration, formatInt, formatTime, formatTokens } from './format.js';
import { breakdowns, totals } from './model.js';
import { conversationHref, sameConversation } from './related.js';
import { buildTranscript } from './transcript.js';

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
          el('td', { class: 'num' }, formatCost(row.cost)),
          withTurns ? null : el('td', { class: 'num' }, formatDuration(row.llm ? row.ms / row.llm : null)),
        ),
      ),
    ),
  );
}

export function renderSummary(model) {
  const s = model.summary;
  const t = totals(model);
  const transcript = buildTranscript(model);
  if (transcript.turnType === 'agent') t.turns = transcript.turns.length;
  const { agents, models } = breakdowns(model);
  const status = t.errors
    ? el('span', { class: 'status status-error' }, `${t.errors} error${t.errors > 1 ? 's' : ''}`)
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
        t.agents.length
          ? el(
              'span',
              { class: 'agent-list' },
              t.agents.map((a) => el('span', { class: `agent-chip ${speakerClass(a)}` }, a)),
            )
          : '—',
        'wide',
      ),
      stat('Turns', formatInt(t.turns)),
      stat('LLM calls', formatInt(t.llm)),
      stat('Tokens in / out', `${formatTokens(t.input)} / ${formatTokens(t.output)}`),
      stat('Cost', costValue(t.cost, t.llm, t.pricedCalls)),
      stat('Latency', formatDuration(t.durationMs)),
      stat('Errors', formatInt(t.errors), t.errors ? 'bad' : ''),
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
