// Span tree with a waterfall timeline. Rows are virtualised: only the visible ones exist
// in the DOM, so a trace with thousands of spans stays interactive. A find query narrows
// the rows to the matching spans and their ancestors; every key moves among visible rows.
// Rows show at most the start of a long name; the details panel has all of it.

import { el, truncate } from './dom.js';
import { findSpans, highlight } from './find.js';
import { formatDuration } from './format.js';
import { agentOf, isError, spanType, typeClass } from './model.js';
import { speakerClass } from './colors.js';

const ROW_HEIGHT = 26;
const OVERSCAN = 12;
const INDENT = 14;

export class SpanTree {
  constructor(model, { onSelect }) {
    this.model = model;
    this.onSelect = onSelect;
    this.collapsedAll = new Set();
    this.collapsedFind = new Set();
    this.query = '';
    this.matches = null;
    this.shown = null;
    this.selectedId = null;
    this.total = Math.max(model.end - model.start, 1);
    this.rowsEl = el('div', { class: 'tree-rows' });
    this.spacer = el('div', { class: 'tree-spacer' }, this.rowsEl);
    this.viewport = el(
      'div',
      { class: 'tree-viewport', tabindex: '0', role: 'tree', 'aria-label': 'Span tree' },
      this.spacer,
    );
    this.viewport.addEventListener('scroll', () => this.scheduleRender());
    this.viewport.addEventListener('keydown', (event) => this.onKey(event));
    this.viewport.addEventListener('click', (event) => this.onClick(event));
    this.root = el('div', { class: 'tree' }, this.header(), this.viewport);
    this.refresh();
  }

  header() {
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
      const tick = el('span', { class: 'tick' }, formatDuration((this.total * f) / 1e6));
      tick.style.left = `${f * 100}%`;
      return tick;
    });
    return el(
      'div',
      { class: 'tree-header' },
      el('div', { class: 'row-label' }, 'Span'),
      el('div', { class: 'row-timeline axis' }, ticks),
    );
  }

  /** Collapsed spans: the full tree and a filtered one each keep their own (a new query starts expanded). */
  get collapsed() {
    return this.shown ? this.collapsedFind : this.collapsedAll;
  }

  /** A span's children that can be shown (all of them, or those the find query keeps). */
  kidsOf(spanId) {
    const kids = this.model.children.get(spanId) || [];
    return this.shown ? kids.filter((kid) => this.shown.has(kid.span_id)) : kids;
  }

  isShown(spanId) {
    return !this.shown || this.shown.has(spanId);
  }

  /** Filter to spans matching `query` plus their ancestors ('' = the whole tree). */
  setQuery(query) {
    this.query = query;
    const found = query ? findSpans(this.model, query) : null;
    this.matches = found && found.matches;
    this.shown = found && found.shown;
    this.collapsedFind = new Set();
    this.refresh({ draw: false });
    const index = this.indexOf.get(this.selectedId);
    if (index === undefined) this.viewport.scrollTop = 0;
    else this.scrollTo(index);
    this.render();
    return {
      matched: this.matches ? this.matches.size : this.model.spans.length,
      total: this.model.spans.length,
    };
  }

  /** Select the first matching span (tree order); false when nothing matches. */
  selectFirstMatch() {
    const first = this.matches && this.visible.find((span) => this.matches.has(span.span_id));
    if (!first) return false;
    this.select(first.span_id);
    return true;
  }

  /** Recompute the visible rows after expand/collapse or a new query. */
  refresh({ draw = true } = {}) {
    const visible = [];
    const roots = this.shown
      ? this.model.roots.filter((root) => this.shown.has(root.span_id))
      : this.model.roots;
    const stack = roots.slice().reverse();
    while (stack.length) {
      const span = stack.pop();
      visible.push(span);
      if (this.collapsed.has(span.span_id)) continue;
      const kids = this.kidsOf(span.span_id);
      for (let i = kids.length - 1; i >= 0; i -= 1) stack.push(kids[i]);
    }
    this.visible = visible;
    this.indexOf = new Map(visible.map((span, i) => [span.span_id, i]));
    this.spacer.style.height = `${visible.length * ROW_HEIGHT}px`;
    if (draw) this.render();
  }

  scheduleRender() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render() {
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(
      this.visible.length,
      Math.ceil((this.viewport.scrollTop + height) / ROW_HEIGHT) + OVERSCAN,
    );
    const fragment = document.createDocumentFragment();
    for (let i = first; i < last; i += 1) fragment.append(this.row(this.visible[i], i));
    if (!this.visible.length && this.query)
      fragment.append(el('div', { class: 'tree-empty muted' }, `No span matches “${this.query}”.`));
    this.rowsEl.replaceChildren(fragment);
  }

  row(span, index) {
    const model = this.model;
    const kids = this.kidsOf(span.span_id);
    const depth = model.depth.get(span.span_id) || 0;
    const type = spanType(span);
    const collapsed = this.collapsed.has(span.span_id);
    const toggle = kids.length
      ? el('span', { class: 'toggle', 'data-toggle': span.span_id }, collapsed ? '▸' : '▾')
      : el('span', { class: 'toggle leaf' }, '');
    const label = el(
      'div',
      { class: 'row-label' },
      toggle,
      el('span', { class: `type-dot ${typeClass(type)}`, title: type }),
      el(
        'span',
        { class: 'span-name' },
        this.matches && this.matches.has(span.span_id)
          ? highlight(truncate(span.name), this.query)
          : truncate(span.name),
      ),
      collapsed ? el('span', { class: 'muted count' }, ` +${kids.length}`) : null,
      isError(span) ? el('span', { class: 'err-mark', title: 'error' }, '!') : null,
    );
    label.style.paddingLeft = `${6 + depth * INDENT}px`;
    const found = this.matches ? (this.matches.has(span.span_id) ? 'find-match' : 'find-context') : '';
    const classes = [
      'tree-row',
      isError(span) ? 'is-error' : '',
      span.span_id === this.selectedId ? 'selected' : '',
      found,
    ];
    const row = el(
      'div',
      {
        class: classes.join(' '),
        role: 'treeitem',
        'data-span-id': span.span_id,
        'aria-level': String(depth + 1),
        'aria-selected': String(span.span_id === this.selectedId),
        'aria-expanded': kids.length ? String(!collapsed) : null,
      },
      label,
      this.timeline(span, type),
    );
    row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    return row;
  }

  timeline(span, type) {
    const left = ((span.start_time_ns - this.model.start) / this.total) * 100;
    const width = Math.max(((span.end_time_ns - span.start_time_ns) / this.total) * 100, 0.15);
    const agent = agentOf(span);
    const classes = [
      'bar',
      typeClass(type),
      type === 'agent' ? speakerClass(agent) : '',
      this.model.critical.has(span.span_id) ? 'critical' : '',
    ];
    const bar = el('div', { class: classes.join(' ') });
    bar.style.left = `${left}%`;
    bar.style.width = `${width}%`;
    const label = el('span', { class: 'bar-label' }, formatDuration(span.duration_ms));
    if (left + width > 80) {
      label.classList.add('before');
      label.style.right = `${100 - left}%`;
    } else label.style.left = `${left + width}%`;
    return el('div', { class: 'row-timeline' }, bar, label);
  }

  onClick(event) {
    const toggle = event.target.closest('[data-toggle]');
    if (toggle) {
      this.toggle(toggle.dataset.toggle);
      return;
    }
    const row = event.target.closest('[data-span-id]');
    if (row) this.select(row.dataset.spanId);
  }

  toggle(spanId, open) {
    const isOpen = !this.collapsed.has(spanId);
    const wantOpen = open === undefined ? !isOpen : open;
    if (wantOpen === isOpen) return;
    if (wantOpen) this.collapsed.delete(spanId);
    else this.collapsed.add(spanId);
    this.refresh();
  }

  /** Select a span: expand its ancestors, scroll it into view, notify. */
  select(spanId, { notify = true } = {}) {
    const span = this.model.byId.get(spanId);
    if (!span) return;
    let changed = false;
    for (let p = this.model.byId.get(span.parent_span_id); p; p = this.model.byId.get(p.parent_span_id)) {
      changed = this.collapsed.delete(p.span_id) || changed;
    }
    this.selectedId = spanId;
    if (changed) this.refresh();
    this.scrollTo(this.indexOf.get(spanId));
    this.render();
    if (notify) this.onSelect(span);
  }

  scrollTo(index) {
    if (index === undefined) return;
    const top = index * ROW_HEIGHT;
    const height = this.viewport.clientHeight || 600;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > this.viewport.scrollTop + height)
      this.viewport.scrollTop = top + ROW_HEIGHT - height;
  }

  /** Tree-order position of every span (for moving from a span that is not a visible row). */
  positionOf(spanId) {
    if (!this.positions) this.positions = new Map(this.model.order.map((s, i) => [s.span_id, i]));
    return this.positions.has(spanId) ? this.positions.get(spanId) : -1;
  }

  move(delta) {
    if (!this.visible.length) return;
    let current = this.indexOf.get(this.selectedId);
    if (current === undefined) {
      // The selection is filtered out or collapsed away: step from where it would be.
      const here = this.positionOf(this.selectedId);
      let after = this.visible.findIndex((s) => this.positionOf(s.span_id) > here);
      if (after === -1) after = this.visible.length;
      current = delta > 0 ? after - 1 : after;
    }
    const next = Math.min(Math.max(current + delta, 0), this.visible.length - 1);
    if (this.visible[next]) this.select(this.visible[next].span_id);
  }

  left() {
    const span = this.model.byId.get(this.selectedId);
    if (!span) return;
    const hasKids = this.kidsOf(span.span_id).length > 0;
    if (hasKids && !this.collapsed.has(span.span_id)) this.toggle(span.span_id, false);
    else if (this.model.byId.has(span.parent_span_id)) this.select(span.parent_span_id);
  }

  right() {
    const span = this.model.byId.get(this.selectedId);
    if (!span) return;
    const kids = this.kidsOf(span.span_id);
    if (!kids.length) return;
    if (this.collapsed.has(span.span_id)) this.toggle(span.span_id, true);
    else this.select(kids[0].span_id);
  }

  /** Jump to the next (+1) or previous (-1) error span in tree order (among those the query keeps). */
  jumpError(direction) {
    const errors = this.model.errors.filter((s) => this.isShown(s.span_id));
    if (!errors.length) return;
    const here = this.positionOf(this.selectedId);
    const ordered = direction > 0 ? errors : errors.slice().reverse();
    const found = ordered.find((s) =>
      direction > 0 ? this.positionOf(s.span_id) > here : this.positionOf(s.span_id) < here,
    );
    this.select((found || ordered[0]).span_id);
  }

  onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const actions = {
      ArrowDown: () => this.move(1),
      j: () => this.move(1),
      ArrowUp: () => this.move(-1),
      k: () => this.move(-1),
      ArrowLeft: () => this.left(),
      h: () => this.left(),
      ArrowRight: () => this.right(),
      l: () => this.right(),
      Home: () => this.move(-Infinity),
      End: () => this.move(Infinity),
      n: () => this.jumpError(1),
      p: () => this.jumpError(-1),
      Enter: () => this.selectedId && this.toggle(this.selectedId),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  focus() {
    this.viewport.focus({ preventScroll: true });
  }
}
