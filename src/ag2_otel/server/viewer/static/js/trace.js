// The trace page: summary header plus three views (conversation, spans + details, flow).

import { api } from './api.js';
import { el, errorBox, markReady, mount, truncate, visible } from './dom.js';
import { registerSpeakers } from './colors.js';
import { renderConversation } from './conversation.js';
import { renderDetails } from './details.js';
import { FindBar } from './find.js';
import { followRunning } from './live.js';
import { renderFlow } from './flow.js';
import { agentOf, buildModel, spanType } from './model.js';
import { renderSummary } from './summary.js';
import { SpanTree } from './tree.js';

const VIEWS = [
  { id: 'conversation', label: 'Conversation' },
  { id: 'spans', label: 'Spans & timeline' },
  { id: 'flow', label: 'Agent flow' },
];

function readState() {
  const params = new URLSearchParams(window.location.search);
  const view = VIEWS.some((v) => v.id === params.get('view')) ? params.get('view') : null;
  return { view, span: params.get('span'), find: params.get('find') || '' };
}

/** Put the page state in the URL: a new history entry when `push`, else replace the current one. */
function writeState({ view, span, find }, { push = false } = {}) {
  const url = new URL(window.location.href);
  url.searchParams.set('view', view);
  for (const [key, value] of [
    ['span', view === 'spans' && span],
    ['find', view === 'spans' && find],
  ]) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  if (url.href === window.location.href) return;
  if (push) window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

function inTextField(node) {
  return Boolean(node && (node.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(node.tagName)));
}

class TracePage {
  constructor(model) {
    this.model = model;
    this.details = el('aside', { class: 'details-pane', 'aria-label': 'Span details' });
    this.tree = new SpanTree(model, { onSelect: (span) => this.showDetails(span) });
    this.find = new FindBar({
      onQuery: (text, { push }) => this.applyFind(text, { push }),
      onEnter: () => {
        if (this.tree.selectFirstMatch()) this.tree.focus();
      },
      onEscape: () => this.tree.focus(),
    });
    this.viewEl = el('div', { class: 'view' });
    this.tabs = el(
      'div',
      { class: 'tabs', role: 'tablist' },
      VIEWS.map((v) =>
        el(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: 'tab',
            'data-view': v.id,
            onclick: () => this.show(v.id),
          },
          v.label,
        ),
      ),
    );
  }

  errorNav() {
    const count = this.model.errors.length;
    return el(
      'div',
      { class: 'toolbar' },
      el(
        'span',
        { class: 'muted kbd-help' },
        'Keys: ↑↓ move · ←→ collapse/expand · n/p next/previous error · / find',
      ),
      el('span', { class: 'spacer' }),
      el(
        'span',
        { class: count ? 'status status-error' : 'muted' },
        `${count} error${count === 1 ? '' : 's'}`,
      ),
      el(
        'button',
        {
          type: 'button',
          class: 'btn',
          disabled: !count,
          'data-action': 'prev-error',
          onclick: () => {
            this.tree.jumpError(-1);
            this.tree.focus();
          },
        },
        '↑ Prev error',
      ),
      el(
        'button',
        {
          type: 'button',
          class: 'btn',
          disabled: !count,
          'data-action': 'next-error',
          onclick: () => {
            this.tree.jumpError(1);
            this.tree.focus();
          },
        },
        '↓ Next error',
      ),
    );
  }

  state(view = this.current) {
    return { view, span: this.tree.selectedId, find: this.tree.query };
  }

  showDetails(span) {
    this.details.replaceChildren(renderDetails(this.model, span));
    writeState(this.state('spans'));
  }

  /** Filter the span tree; `record` puts the query in the URL (`push`: as a new history entry). */
  applyFind(text, { push = false, record = true } = {}) {
    if (text === this.tree.query) return;
    const started = performance.now();
    const { matched, total } = this.tree.setQuery(text);
    this.find.showCount(text, matched, total);
    performance.clearMeasures('ag2-otel:find');
    performance.measure('ag2-otel:find', { start: started, end: performance.now() });
    if (record && this.current === 'spans') writeState(this.state(), { push });
  }

  openSpan(spanId) {
    if (!this.tree.isShown(spanId)) {
      this.find.setValue('');
      this.applyFind('', { record: false });
    }
    this.show('spans');
    this.tree.select(spanId);
    this.tree.focus();
  }

  show(view) {
    this.current = view;
    for (const tab of this.tabs.children)
      tab.setAttribute('aria-selected', String(tab.dataset.view === view));
    if (view === 'spans') {
      const column = el('div', { class: 'tree-column' }, this.find.root, this.tree.root);
      this.viewEl.replaceChildren(this.errorNav(), el('div', { class: 'split' }, column, this.details));
      if (!this.tree.selectedId && this.model.roots[0]) this.tree.select(this.model.roots[0].span_id);
      else this.tree.render();
    } else {
      const content =
        view === 'flow'
          ? renderFlow(this.model)
          : renderConversation(this.model, { onOpenSpan: (id) => this.openSpan(id) });
      this.viewEl.replaceChildren(content);
    }
    writeState(this.state(view));
  }

  defaultView(state) {
    if (state.view) return state.view;
    if (state.span || state.find) return 'spans';
    const shows = (type) => this.model.spans.some((s) => spanType(s) === type);
    return shows('agent') || shows('llm') ? 'conversation' : 'spans';
  }

  /** Show the state of a URL: on load, and on back/forward. */
  restore(state) {
    const view = this.defaultView(state);
    // Only the spans view carries find= (other views keep the tree's query for coming back).
    if (view === 'spans' && state.find !== this.tree.query) {
      this.find.setValue(state.find);
      this.applyFind(state.find, { record: false });
    }
    if (view === 'spans' && state.span && this.model.byId.has(state.span)) {
      if (this.current !== 'spans') this.show('spans');
      if (state.span !== this.tree.selectedId) this.tree.select(state.span);
    } else if (view !== this.current) this.show(view);
  }

  /** `/` focuses the find box (unless typing in a field already). */
  onKey(event) {
    if (event.key !== '/' || event.altKey || event.ctrlKey || event.metaKey) return;
    if (this.current !== 'spans' || inTextField(document.activeElement)) return;
    event.preventDefault();
    this.find.focus();
  }

  mount(state) {
    mount(renderSummary(this.model), this.tabs, this.viewEl);
    this.restore(state);
    document.addEventListener('keydown', (event) => this.onKey(event));
    window.addEventListener('popstate', () => this.restore(readState()));
    markReady();
  }
}

export async function startTracePage(traceId) {
  let trace;
  try {
    trace = await api.trace(traceId);
  } catch (error) {
    mount(
      errorBox(
        error.status === 404
          ? `Trace ${traceId} was not found.`
          : `Could not load the trace: ${error.message}`,
      ),
    );
    markReady();
    return;
  }
  const model = buildModel(trace);
  registerSpeakers(model.spans.map(agentOf).filter(Boolean));
  document.title = `${visible(truncate(model.summary.root_name || 'Trace', 120))} · ag2-otel`;
  new TracePage(model).mount(readState());
  followRunning(model, traceId);
}
