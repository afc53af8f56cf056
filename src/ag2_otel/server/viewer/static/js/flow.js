// Agent-flow graph: who spoke after whom, and handoffs, with counts. SVG via DOM APIs.

import { el, svg, tableHead } from './dom.js';
import { speakerClass } from './colors.js';
import { attr, spanType } from './model.js';
import { buildTranscript } from './transcript.js';

const WIDTH = 640;
const HEIGHT = 420;
const NODE_R = 30;
const LABELS_BELOW = 46; // name and turn count under each node, descenders included

function addEdge(edges, from, to, kind) {
  const key = `${kind}\u0000${from}\u0000${to}`;
  if (!edges.has(key)) edges.set(key, { from, to, kind, count: 0 });
  edges.get(key).count += 1;
}

/** Nodes (agents with turn counts) and edges (turn-after-turn, handoffs, and delegation:
 * an agent invoked from inside another agent's turn, through a tool or a nested chat). */
export function computeFlow(model) {
  const { turns, turnType } = buildTranscript(model);
  const nodes = new Map();
  const edges = new Map();
  const lastAtDepth = new Map();
  for (const turn of turnType === 'agent' ? turns : []) {
    nodes.set(turn.speaker, (nodes.get(turn.speaker) || 0) + 1);
    const previous = lastAtDepth.get(turn.depth);
    if (previous !== undefined) addEdge(edges, previous, turn.speaker, 'turn');
    lastAtDepth.set(turn.depth, turn.speaker);
  }
  const speakers = new Map(turns.map((t) => [t.number, t.speaker]));
  for (const turn of turnType === 'agent' ? turns : []) {
    const outer = turn.parent ? speakers.get(turn.parent) : '';
    if (outer && outer !== turn.speaker) addEdge(edges, outer, turn.speaker, 'delegation');
  }
  for (const span of model.spans.filter((s) => spanType(s) === 'handoff')) {
    const from = String(attr(span, 'ag2.handoff.source') || '?');
    const to = String(attr(span, 'ag2.handoff.target') || '?');
    for (const name of [from, to]) if (!nodes.has(name)) nodes.set(name, 0);
    addEdge(edges, from, to, 'handoff');
  }
  return {
    nodes: [...nodes.entries()].map(([name, count]) => ({ name, turns: count })),
    edges: [...edges.values()],
  };
}

function layout(nodes) {
  const cx = WIDTH / 2;
  const cy = HEIGHT / 2;
  const radius = nodes.length <= 1 ? 0 : Math.min(WIDTH, HEIGHT) / 2 - NODE_R - LABELS_BELOW;
  const positions = new Map();
  nodes.forEach((node, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / nodes.length;
    positions.set(node.name, { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle) });
  });
  return positions;
}

function edgePath(a, b, bend) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = Math.hypot(dx, dy) || 1;
  const ux = dx / length;
  const uy = dy / length;
  const start = { x: a.x + ux * NODE_R, y: a.y + uy * NODE_R };
  const end = { x: b.x - ux * (NODE_R + 6), y: b.y - uy * (NODE_R + 6) };
  const control = { x: (start.x + end.x) / 2 - uy * bend, y: (start.y + end.y) / 2 + ux * bend };
  const mid = { x: (start.x + 2 * control.x + end.x) / 4, y: (start.y + 2 * control.y + end.y) / 4 };
  return { d: `M ${start.x} ${start.y} Q ${control.x} ${control.y} ${end.x} ${end.y}`, mid };
}

function loopPath(p) {
  const x = p.x;
  const y = p.y - NODE_R;
  return {
    d: `M ${x - 10} ${y + 2} C ${x - 40} ${y - 50}, ${x + 40} ${y - 50}, ${x + 10} ${y + 2}`,
    mid: { x, y: y - 38 },
  };
}

function edgeNode(edge, positions) {
  const a = positions.get(edge.from);
  const b = positions.get(edge.to);
  const geometry =
    edge.from === edge.to ? loopPath(a) : edgePath(a, b, { handoff: -34, delegation: 48 }[edge.kind] ?? 22);
  const noun = { handoff: 'handoff', delegation: 'delegation' }[edge.kind] || 'turn';
  const label = `${edge.from} → ${edge.to}: ${edge.count} ${noun}${edge.count > 1 ? 's' : ''}`;
  return svg(
    'g',
    { class: `edge edge-${edge.kind}` },
    svg('title', {}, label),
    svg('path', { d: geometry.d, 'marker-end': `url(#arrow-${edge.kind})` }),
    svg('circle', { class: 'edge-count-bg', cx: geometry.mid.x, cy: geometry.mid.y, r: 10 }),
    svg(
      'text',
      {
        class: 'edge-count',
        x: geometry.mid.x,
        y: geometry.mid.y,
        'text-anchor': 'middle',
        'dominant-baseline': 'central',
      },
      String(edge.count),
    ),
  );
}

function nodeNode(node, position) {
  return svg(
    'g',
    { class: `flow-node ${speakerClass(node.name)}`, transform: `translate(${position.x} ${position.y})` },
    svg('title', {}, `${node.name}: ${node.turns} turns`),
    svg('circle', { r: NODE_R }),
    svg(
      'text',
      { class: 'node-initial', 'text-anchor': 'middle', 'dominant-baseline': 'central' },
      node.name.slice(0, 2),
    ),
    svg('text', { class: 'node-label', y: NODE_R + 16, 'text-anchor': 'middle' }, node.name),
    svg(
      'text',
      { class: 'node-sub', y: NODE_R + 30, 'text-anchor': 'middle' },
      `${node.turns} turn${node.turns === 1 ? '' : 's'}`,
    ),
  );
}

function arrowDefs() {
  const marker = (kind) =>
    svg(
      'marker',
      {
        id: `arrow-${kind}`,
        viewBox: '0 0 10 10',
        refX: '8',
        refY: '5',
        markerWidth: '7',
        markerHeight: '7',
        orient: 'auto-start-reverse',
      },
      svg('path', { class: `arrow arrow-${kind}`, d: 'M 0 0 L 10 5 L 0 10 z' }),
    );
  return svg('defs', {}, marker('turn'), marker('handoff'), marker('delegation'));
}

export function renderFlow(model) {
  const flow = computeFlow(model);
  if (flow.nodes.length < 2)
    return el('p', { class: 'muted' }, 'The agent-flow graph needs at least two agents.');
  const positions = layout(flow.nodes);
  const graph = svg(
    'svg',
    { class: 'flow-graph', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'Agent flow graph' },
    arrowDefs(),
    flow.edges.map((e) => edgeNode(e, positions)),
    flow.nodes.map((n) => nodeNode(n, positions.get(n.name))),
  );
  const legend = el(
    'div',
    { class: 'flow-legend muted' },
    el('span', { class: 'legend-turn' }, '— spoke next (count)'),
    ' ',
    el('span', { class: 'legend-handoff' }, '- - handoff (count)'),
    ' ',
    el('span', { class: 'legend-delegation' }, '··· delegated to (count)'),
  );
  const table = el(
    'table',
    { class: 'data small' },
    tableHead([
      el('th', {}, 'From'),
      el('th', {}, 'To'),
      el('th', {}, 'Kind'),
      el('th', { class: 'num' }, 'Count'),
    ]),
    el(
      'tbody',
      {},
      flow.edges.map((e) =>
        el(
          'tr',
          {},
          el('td', {}, e.from),
          el('td', {}, e.to),
          el('td', {}, e.kind),
          el('td', { class: 'num' }, String(e.count)),
        ),
      ),
    ),
  );
  return el('div', { class: 'flow' }, graph, legend, table);
}
