// The trace page: summary header plus three views (conversation, spans + details, flow).

import { api } from './api.js';
import { el, errorBox, markReady, mount } from './dom.js';
import { registerSpeakers } from './colors.js';
import { renderConversation } from './conversation.js';
import { renderDetails } from './details.js';
import { renderFlow } from './flow.js';
import { buildModel, spanType } from './model.js';
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
  return { view, span: params.get('span') };
}

function writeState(view, spanId) {
  const url = new URL(window.location.href);
  url.searchParams.set('view', view);
  if (spanId) url.searchParams.set('span', spanId);
  else url.searchParams.delete('span');
  window.history.replaceState(null, '', url);
}

class TracePage {
  constructor(model) {
    this.model = model;
    this.details = el('aside', { class: 'details-pane', 'aria-label': 'Span details' });
    this.tree = new SpanTree(model, { onSelect: (span) => this.showDetails(span) });
    this.viewEl = el('div', { class: 'view' });
    this.tabs = el('div', { class: 'tabs', role: 'tablist' }, VIEWS.map((v) => el('button', {
      type: 'button', role: 'tab', class: 'tab', 'data-view': v.id, onclick: () => this.show(v.id),
    }, v.label)));
  }

  errorNav() {
    const count = this.model.errors.length;
    return el('div', { class: 'toolbar' },
      el('span', { class: 'muted kbd-help' }, 'Keys: ↑↓ move · ←→ collapse/expand · n/p next/previous error'),
      el('span', { class: 'spacer' }),
      el('span', { class: count ? 'status status-error' : 'muted' }, `${count} error${count === 1 ? '' : 's'}`),
      el('button', { type: 'button', class: 'btn', disabled: !count, 'data-action': 'prev-error', onclick: () => { this.tree.jumpError(-1); this.tree.focus(); } }, '↑ Prev error'),
      el('button', { type: 'button', class: 'btn', disabled: !count, 'data-action': 'next-error', onclick: () => { this.tree.jumpError(1); this.tree.focus(); } }, '↓ Next error'));
  }

  showDetails(span) {
    this.details.replaceChildren(renderDetails(this.model, span));
    writeState('spans', span.span_id);
  }

  openSpan(spanId) {
    this.show('spans');
    this.tree.select(spanId);
    this.tree.focus();
  }

  show(view) {
    this.current = view;
    for (const tab of this.tabs.children) tab.setAttribute('aria-selected', String(tab.dataset.view === view));
    if (view === 'spans') {
      this.viewEl.replaceChildren(this.errorNav(), el('div', { class: 'split' }, this.tree.root, this.details));
      if (!this.tree.selectedId && this.model.roots[0]) this.tree.select(this.model.roots[0].span_id);
      else this.tree.render();
      writeState(view, this.tree.selectedId);
    } else {
      const content = view === 'flow' ? renderFlow(this.model) : renderConversation(this.model, { onOpenSpan: (id) => this.openSpan(id) });
      this.viewEl.replaceChildren(content);
      writeState(view, null);
    }
  }

  mount(state) {
    mount(renderSummary(this.model), this.tabs, this.viewEl);
    const hasFlow = this.model.spans.some((s) => spanType(s) === 'agent');
    const view = state.view || (state.span ? 'spans' : hasFlow || this.model.spans.some((s) => spanType(s) === 'llm') ? 'conversation' : 'spans');
    if (view === 'spans' && state.span && this.model.byId.has(state.span)) {
      this.show('spans');
      this.tree.select(state.span);
    } else this.show(view);
    markReady();
  }
}

export async function startTracePage(traceId) {
  let trace;
  try {
    trace = await api.trace(traceId);
  } catch (error) {
    mount(errorBox(error.status === 404 ? `Trace ${traceId} was not found.` : `Could not load the trace: ${error.message}`));
    markReady();
    return;
  }
  const model = buildModel(trace);
  registerSpeakers(model.spans.map((s) => model.agentOf(s)).filter(Boolean));
  document.title = `${model.summary.root_name || 'Trace'} · ag2-otel`;
  new TracePage(model).mount(readState());
}
