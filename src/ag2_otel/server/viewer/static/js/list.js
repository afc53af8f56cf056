// The trace list: newest first, filters in the URL, keyset pagination, live polling.

import { api } from './api.js';
import { costValue } from './cost.js';
import { el, errorBox, internalLink, markReady, mount, showAll, tableHead } from './dom.js';
import { speakerClass } from './colors.js';
import { runningBadge, traceRunningState } from './live.js';
import { formatAgo, formatDuration, formatInt, formatTime, formatTokens, nsAgo } from './format.js';

const POLL_MS = 3000;
const PAGE_SIZE = 50;
const RANGES = [
  ['', 'Any time'],
  ['15m', 'Last 15 min'],
  ['1h', 'Last hour'],
  ['24h', 'Last 24 h'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
];
const RANGE_MS = { '15m': 9e5, '1h': 3.6e6, '24h': 8.64e7, '7d': 6.048e8, '30d': 2.592e9 };
const FILTER_KEYS = ['service', 'agent', 'model', 'status', 'range', 'q', 'conversation'];

function readFilters() {
  const params = new URLSearchParams(window.location.search);
  return Object.fromEntries(FILTER_KEYS.map((key) => [key, params.get(key) || '']));
}

function apiParams(filters, cursor) {
  const { range, ...rest } = filters;
  return {
    ...rest,
    since: RANGE_MS[range] ? nsAgo(RANGE_MS[range]) : '',
    limit: PAGE_SIZE,
    cursor: cursor || '',
  };
}

function select(name, label, options, value) {
  const node = el(
    'select',
    { name, 'aria-label': label },
    el('option', { value: '' }, label),
    options.map(([v, text]) => el('option', { value: v }, text)),
  );
  node.value = value;
  if (node.value !== value) {
    node.append(el('option', { value }, value));
    node.value = value;
  }
  return node;
}

function agentChips(agents) {
  return el(
    'span',
    { class: 'agent-list' },
    (agents || []).map((a) => el('span', { class: `agent-chip ${speakerClass(a)}` }, a)),
  );
}

function traceRow(trace, fresh) {
  const href = `/traces/${encodeURIComponent(trace.trace_id)}`;
  const errors = trace.error_count || 0;
  const running = traceRunningState(trace);
  const name = trace.root_name || '(unnamed)';
  const link = internalLink(href, { class: 'trace-link' }, name);
  return el(
    'tr',
    {
      class: `trace-row${errors ? ' is-error' : ''}${fresh ? ' fresh' : ''}`,
      'data-trace-id': trace.trace_id,
    },
    el(
      'td',
      { class: 'time', title: formatTime(trace.start_time_ns) },
      formatTime(trace.start_time_ns),
      el('div', { class: 'muted small' }, formatAgo(trace.start_time_ns)),
    ),
    el(
      'td',
      { class: 'root' },
      link,
      showAll(link, name),
      el(
        'div',
        { class: 'muted small' },
        el('span', {}, trace.service || ''),
        ' ',
        el('span', { class: 'mono' }, trace.trace_id.slice(0, 12)),
      ),
    ),
    el('td', {}, agentChips(trace.agents)),
    el('td', { class: 'num' }, formatInt(trace.turns)),
    el('td', { class: 'num' }, formatInt(trace.llm_calls)),
    el(
      'td',
      { class: 'num', title: `${formatInt(trace.input_tokens)} in / ${formatInt(trace.output_tokens)} out` },
      formatTokens((trace.input_tokens || 0) + (trace.output_tokens || 0)),
    ),
    el('td', { class: 'num' }, costValue(trace.cost, trace.llm_calls, trace.priced_calls)),
    el('td', { class: 'num' }, formatDuration(trace.duration_ms)),
    el(
      'td',
      { class: 'num' },
      errors
        ? el('span', { class: 'status status-error' }, String(errors))
        : running
          ? runningBadge(running)
          : el('span', { class: 'muted' }, '0'),
    ),
  );
}

const COLUMNS = [
  ['Started', ''],
  ['Root', ''],
  ['Agents', ''],
  ['Turns', 'num'],
  ['LLM calls', 'num'],
  ['Tokens', 'num'],
  ['Cost', 'num'],
  ['Duration', 'num'],
  ['Errors', 'num'],
];

class TraceList {
  constructor() {
    this.filters = readFilters();
    this.cursors = [];
    this.cursor = null;
    this.known = new Set();
    this.tbody = el('tbody');
    this.status = el('span', { class: 'muted list-status', 'aria-live': 'polite' });
    this.live = el('input', { type: 'checkbox', name: 'live', checked: true });
    this.prev = el(
      'button',
      { type: 'button', class: 'btn', 'data-action': 'prev-page', onclick: () => this.page(-1) },
      '← Newer',
    );
    this.next = el(
      'button',
      { type: 'button', class: 'btn', 'data-action': 'next-page', onclick: () => this.page(1) },
      'Older →',
    );
  }

  filterBar(values) {
    const f = this.filters;
    const text = el('input', {
      type: 'search',
      name: 'q',
      placeholder: 'Search names, agents, content…',
      value: f.q,
      'aria-label': 'Search',
    });
    const form = el(
      'form',
      { class: 'filters', role: 'search' },
      select(
        'service',
        'All services',
        values.services.map((v) => [v, v]),
        f.service,
      ),
      select(
        'agent',
        'All agents',
        values.agents.map((v) => [v, v]),
        f.agent,
      ),
      select(
        'model',
        'All models',
        values.models.map((v) => [v, v]),
        f.model,
      ),
      select(
        'status',
        'Any status',
        [
          ['ok', 'OK'],
          ['error', 'Error'],
          ['running', 'Running or unfinished'],
        ],
        f.status,
      ),
      select('range', 'Any time', RANGES.slice(1), f.range),
      text,
      this.conversationChip(f.conversation, () => this.applyForm(form)),
      el('label', { class: 'live-toggle' }, this.live, ' Live'),
    );
    form.addEventListener('change', () => this.applyForm(form));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.applyForm(form);
    });
    let timer = null;
    text.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.applyForm(form), 300);
    });
    return form;
  }

  /** The conversation filter (set from a trace page's link), shown with a way to drop it. */
  conversationChip(conversation, apply) {
    if (!conversation) return null;
    const value = el('input', { type: 'hidden', name: 'conversation', value: conversation });
    const chip = el(
      'span',
      { class: 'filter-chip' },
      value,
      'conversation ',
      el('span', { class: 'mono' }, conversation),
      ' ',
      el(
        'button',
        {
          type: 'button',
          class: 'btn',
          'aria-label': 'All conversations',
          onclick: () => {
            value.value = '';
            chip.hidden = true;
            apply();
          },
        },
        '×',
      ),
    );
    return chip;
  }

  applyForm(form) {
    const data = new FormData(form);
    this.filters = Object.fromEntries(FILTER_KEYS.map((key) => [key, String(data.get(key) || '')]));
    const url = new URL(window.location.href);
    url.search = '';
    for (const [key, value] of Object.entries(this.filters)) if (value) url.searchParams.set(key, value);
    window.history.replaceState(null, '', url);
    document.querySelector('.json-twin')?.setAttribute('href', `/api/traces${url.search}`);
    this.cursors = [];
    this.cursor = null;
    this.known = new Set();
    this.load();
  }

  page(direction) {
    if (direction > 0 && this.nextCursor) {
      this.cursors.push(this.cursor);
      this.cursor = this.nextCursor;
    } else if (direction < 0 && this.cursors.length) this.cursor = this.cursors.pop();
    this.known = new Set();
    this.load();
  }

  async load({ quiet = false } = {}) {
    const seq = (this.seq = (this.seq || 0) + 1);
    let body;
    try {
      body = await api.traces(apiParams(this.filters, this.cursor));
    } catch (error) {
      if (!quiet)
        this.tbody.replaceChildren(
          el(
            'tr',
            {},
            el(
              'td',
              { colspan: String(COLUMNS.length) },
              errorBox(`Could not load traces: ${error.message}`),
            ),
          ),
        );
      return;
    }
    if (seq !== this.seq) return;
    this.render(body, quiet);
  }

  render(body, quiet) {
    const traces = Array.isArray(body.traces) ? body.traces : [];
    const rows = traces.map((t) => traceRow(t, quiet && !this.known.has(t.trace_id)));
    this.known = new Set(traces.map((t) => t.trace_id));
    this.tbody.replaceChildren(
      ...(rows.length
        ? rows
        : [
            el(
              'tr',
              {},
              el(
                'td',
                { colspan: String(COLUMNS.length), class: 'empty muted' },
                'No traces match. Send spans to the OTLP endpoint, or loosen the filters.',
              ),
            ),
          ]),
    );
    this.nextCursor = body.next_cursor || null;
    this.prev.disabled = this.cursors.length === 0;
    this.next.disabled = !this.nextCursor;
    const page = this.cursors.length + 1;
    const count = `${traces.length} trace${traces.length === 1 ? '' : 's'}`;
    const live = this.cursor ? '' : this.live.checked ? ' · live' : '';
    const time = new Date().toLocaleTimeString('en-GB', { hour12: false });
    this.status.textContent = `Page ${page} · ${count}${live} · updated ${time}`;
    markReady();
  }

  poll() {
    const onFirstPage = this.cursor === null;
    if (this.live.checked && onFirstPage && document.visibilityState === 'visible')
      this.load({ quiet: true });
  }

  async start() {
    const [services, agents, models] = await Promise.all(
      ['services', 'agents', 'models'].map((k) => api.values(k).catch(() => [])),
    );
    const table = el(
      'table',
      { class: 'data traces' },
      tableHead(COLUMNS.map(([label, cls]) => el('th', { class: cls }, label))),
      this.tbody,
    );
    mount(
      el(
        'section',
        { class: 'list-page' },
        el('div', { class: 'page-head' }, el('h1', {}, 'Traces'), this.status),
        this.filterBar({ services, agents, models }),
        el('div', { class: 'table-wrap' }, table),
        el('div', { class: 'pager' }, this.prev, this.next),
      ),
    );
    await this.load();
    setInterval(() => this.poll(), POLL_MS);
  }
}

export function startListPage() {
  return new TraceList().start();
}
