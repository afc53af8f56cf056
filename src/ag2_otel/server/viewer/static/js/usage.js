// The usage page: tokens, cost and latency over time per agent or per model.

import { api } from './api.js';
import { costValue } from './cost.js';
import { el, errorBox, markReady, mount, tableHead } from './dom.js';
import { registerSpeakers, speakerClass } from './colors.js';
import { formatCost, formatDuration, formatInt, formatTokens, nsAgo, nsToDate } from './format.js';
import { lines, stackedBars } from './charts.js';

const RANGES = { '24h': 8.64e7, '7d': 6.048e8, '30d': 2.592e9, all: 0 };

function readControls() {
  const params = new URLSearchParams(window.location.search);
  const pick = (key, allowed, fallback) => (allowed.includes(params.get(key)) ? params.get(key) : fallback);
  return {
    group_by: pick('group_by', ['agent', 'model'], 'agent'),
    bucket: pick('bucket', ['hour', 'day'], 'hour'),
    range: pick('range', Object.keys(RANGES), '7d'),
  };
}

function bucketLabel(ns, bucket) {
  const d = nsToDate(ns);
  const date = `${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return bucket === 'day' ? date : `${date} ${String(d.getHours()).padStart(2, '0')}:00`;
}

/** Pivot rows into aligned series: Map(name -> {field -> number[]}). */
export function pivot(rows, groupBy) {
  const buckets = [...new Set(rows.map((r) => r.bucket_start_ns))].sort((a, b) => a - b);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const series = new Map();
  for (const row of rows) {
    const name = row[groupBy] || '(none)';
    if (!series.has(name)) series.set(name, { calls: [], tokens: [], cost: [], ms: [] });
    const s = series.get(name);
    const i = index.get(row.bucket_start_ns);
    s.calls[i] = (s.calls[i] || 0) + (row.llm_calls || 0);
    s.tokens[i] = (s.tokens[i] || 0) + (row.input_tokens || 0) + (row.output_tokens || 0);
    s.cost[i] = (s.cost[i] || 0) + (row.cost || 0);
    s.ms[i] = (s.ms[i] || 0) + (row.duration_ms || 0);
  }
  return { buckets, series };
}

function field(series, key, length, map = (v) => v || 0) {
  return new Map(
    [...series.entries()].map(([name, s]) => [name, Array.from({ length }, (_, i) => map(s[key][i], s, i))]),
  );
}

/** Busiest first, so the order does not depend on which hour bucket a name first appears in. */
function byCallsThenName(totals) {
  return [...totals.entries()].sort(([a, x], [b, y]) => y.calls - x.calls || a.localeCompare(b));
}

function totalsTable(rows, groupBy) {
  const totals = new Map();
  for (const r of rows) {
    const name = r[groupBy] || '(none)';
    const t = totals.get(name) || { calls: 0, input: 0, output: 0, cost: 0, ms: 0, priced: 0 };
    totals.set(name, {
      calls: t.calls + (r.llm_calls || 0),
      input: t.input + (r.input_tokens || 0),
      output: t.output + (r.output_tokens || 0),
      cost: t.cost + (r.cost || 0),
      ms: t.ms + (r.duration_ms || 0),
      priced: t.priced + (r.priced_calls || 0),
    });
  }
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { class: 'data small' },
      tableHead(
        ['', 'LLM calls', 'Tokens in', 'Tokens out', 'Cost', 'Avg latency'].map((h, i) =>
          el('th', { class: i ? 'num' : '' }, h),
        ),
      ),
      el(
        'tbody',
        {},
        byCallsThenName(totals).map(([name, t]) =>
          el(
            'tr',
            {},
            el('td', {}, el('span', { class: `agent-chip ${speakerClass(name)}` }, name)),
            el('td', { class: 'num' }, formatInt(t.calls)),
            el('td', { class: 'num' }, formatTokens(t.input)),
            el('td', { class: 'num' }, formatTokens(t.output)),
            el('td', { class: 'num' }, costValue(t.cost, t.calls, t.priced)),
            el('td', { class: 'num' }, formatDuration(t.calls ? t.ms / t.calls : null)),
          ),
        ),
      ),
    ),
  );
}

function controlSelect(name, options, value, onChange) {
  const node = el(
    'select',
    { name, 'aria-label': name, onchange: () => onChange(name, node.value) },
    options.map(([v, label]) => el('option', { value: v }, label)),
  );
  node.value = value;
  return node;
}

function charts(rows, controls) {
  if (!rows.length) return el('p', { class: 'empty muted' }, 'No LLM usage in this time range.');
  const { buckets, series } = pivot(rows, controls.group_by);
  registerSpeakers([...series.keys()]);
  const labels = buckets.map((b) => bucketLabel(b, controls.bucket));
  const n = buckets.length;
  const latency = field(series, 'ms', n, (ms, s, i) => (s.calls[i] ? ms / s.calls[i] : null));
  return el(
    'div',
    { class: 'charts' },
    stackedBars({
      title: 'Tokens (input + output)',
      labels,
      values: field(series, 'tokens', n),
      format: formatTokens,
    }),
    stackedBars({ title: 'Cost', labels, values: field(series, 'cost', n), format: formatCost }),
    lines({ title: 'Average LLM-call latency', labels, values: latency, format: formatDuration }),
    totalsTable(rows, controls.group_by),
  );
}

async function render(controls) {
  const url = new URL(window.location.href);
  for (const [k, v] of Object.entries(controls)) url.searchParams.set(k, v);
  window.history.replaceState(null, '', url);
  const change = (key, value) => render({ ...controls, [key]: value });
  const head = el(
    'div',
    { class: 'page-head' },
    el('h1', {}, 'Usage'),
    el(
      'div',
      { class: 'filters' },
      controlSelect(
        'group_by',
        [
          ['agent', 'Per agent'],
          ['model', 'Per model'],
        ],
        controls.group_by,
        change,
      ),
      controlSelect(
        'bucket',
        [
          ['hour', 'Hourly'],
          ['day', 'Daily'],
        ],
        controls.bucket,
        change,
      ),
      controlSelect(
        'range',
        [
          ['24h', 'Last 24 h'],
          ['7d', 'Last 7 days'],
          ['30d', 'Last 30 days'],
          ['all', 'All time'],
        ],
        controls.range,
        change,
      ),
    ),
  );
  let body;
  try {
    body = await api.usage({
      group_by: controls.group_by,
      bucket: controls.bucket,
      since: RANGES[controls.range] ? nsAgo(RANGES[controls.range]) : '',
    });
  } catch (error) {
    mount(head, errorBox(`Could not load usage: ${error.message}`));
    return;
  }
  mount(
    el('section', { class: 'usage-page' }, head, charts(Array.isArray(body.rows) ? body.rows : [], controls)),
  );
  markReady();
}

export function startUsagePage() {
  return render(readControls());
}
