// Running spans: start records that `ag2_otel.setup()` sends for spans still open. The page marks
// them, and while any runs it checks the trace every second and reloads when it changed.
// A record not refreshed for STALE_MS (the producer sends one every 5 s) never finished: its
// program stopped. Such spans are marked "unfinished", never shown as done.

import { api } from './api.js';
import { el } from './dom.js';
import { attr } from './model.js';

const RUNNING = 'ag2_otel.running';
const STALE_MS = 20_000;
const POLL_MS = 1_000;

export function runningState(span, nowMs = Date.now()) {
  if (!attr(span, RUNNING)) return null;
  return nowMs - span.end_time_ns / 1e6 > STALE_MS ? 'unfinished' : 'running';
}

function signature(trace) {
  return (trace.spans || [])
    .map((s) => `${s.span_id}:${s.end_time_ns}:${attr(s, RUNNING) ? 1 : 0}`)
    .sort()
    .join(',');
}

function mark(model) {
  const states = model.spans.map((span) => [span, runningState(span)]).filter(([, state]) => state);
  for (const [span, state] of states) {
    for (const node of document.querySelectorAll(
      `.conversation [data-span-id="${CSS.escape(span.span_id)}"]`,
    )) {
      node.classList.add(`is-${state}`);
      node.append(
        el('span', { class: `live-badge live-${state}` }, state === 'running' ? 'running…' : 'unfinished'),
      );
    }
  }
  const running = states.filter(([, state]) => state === 'running').length;
  const unfinished = states.length - running;
  const spans = (n) => `${n} span${n > 1 ? 's' : ''}`;
  const text = running
    ? `This conversation is still running: ${spans(running)} open. The page follows it.`
    : `${spans(unfinished)} never finished (the program stopped before ending them).`;
  if (states.length)
    document
      .getElementById('app')
      ?.prepend(
        el(
          'div',
          { class: `hint live-banner live-${running ? 'running' : 'unfinished'}`, role: 'status' },
          text,
        ),
      );
  return running > 0;
}

/** Mark running spans; while any runs, reload the page when the stored trace changes. */
export function followRunning(model, traceId) {
  if (!mark(model)) return;
  const before = signature(model);
  const poll = async () => {
    try {
      const trace = await api.trace(traceId);
      if (signature(trace) !== before) {
        window.location.reload();
        return;
      }
    } catch {
      /* try again on the next tick */
    }
    window.setTimeout(poll, POLL_MS);
  };
  window.setTimeout(poll, POLL_MS);
}
