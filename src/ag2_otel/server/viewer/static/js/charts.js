// Small SVG charts drawn with DOM APIs: stacked bars and lines over time buckets.

import { el, svg } from './dom.js';
import { speakerClass } from './colors.js';

const W = 640;
const H = 220;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

function niceMax(value) {
  if (value <= 0) return 1;
  const exponent = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 4, 8, 10].find((s) => s * exponent >= value);
  return step * exponent;
}

function frame(max, format, labels) {
  const plotH = H - PAD.top - PAD.bottom;
  const plotW = W - PAD.left - PAD.right;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = PAD.top + plotH * (1 - f);
    return svg(
      'g',
      { class: 'grid' },
      svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }),
      svg(
        'text',
        { class: 'axis-label', x: PAD.left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'central' },
        format(max * f),
      ),
    );
  });
  const step = Math.max(1, Math.ceil(labels.length / 8));
  const xLabels = labels.map((label, i) =>
    i % step
      ? null
      : svg(
          'text',
          {
            class: 'axis-label',
            x: PAD.left + plotW * ((i + 0.5) / labels.length),
            y: H - 8,
            'text-anchor': 'middle',
          },
          label,
        ),
  );
  return [grid, xLabels];
}

function legend(series) {
  return el(
    'div',
    { class: 'chart-legend' },
    series.map((name) =>
      el('span', { class: `legend-item ${speakerClass(name)}` }, el('span', { class: 'swatch' }), name),
    ),
  );
}

/** values: Map(series -> number[] aligned with labels). */
export function stackedBars({ title, labels, values, format }) {
  const series = [...values.keys()];
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (values.get(s)[i] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotH = H - PAD.top - PAD.bottom;
  const slot = (W - PAD.left - PAD.right) / Math.max(labels.length, 1);
  const bars = [];
  labels.forEach((label, i) => {
    let base = 0;
    for (const name of series) {
      const v = values.get(name)[i] || 0;
      if (!v) continue;
      const h = (v / max) * plotH;
      bars.push(
        svg(
          'rect',
          {
            class: `bar-seg ${speakerClass(name)}`,
            x: PAD.left + slot * i + slot * 0.15,
            width: Math.max(slot * 0.7, 1),
            y: PAD.top + plotH - base - h,
            height: h,
          },
          svg('title', {}, `${name} · ${label}: ${format(v)}`),
        ),
      );
      base += h;
    }
  });
  return chartBox({ title, labels, format }, series, max, bars);
}

export function lines({ title, labels, values, format }) {
  const series = [...values.keys()];
  const all = series.flatMap((s) => values.get(s).filter((v) => v !== null));
  const max = niceMax(Math.max(0, ...all));
  const plotH = H - PAD.top - PAD.bottom;
  const slot = (W - PAD.left - PAD.right) / Math.max(labels.length, 1);
  const point = (v, i) => ({ x: PAD.left + slot * (i + 0.5), y: PAD.top + plotH * (1 - v / max) });
  const paths = series.map((name) => {
    const pts = values
      .get(name)
      .map((v, i) => (v === null ? null : { ...point(v, i), v, i }))
      .filter(Boolean);
    return svg(
      'g',
      { class: `line-series ${speakerClass(name)}` },
      pts.length > 1 ? svg('polyline', { points: pts.map((p) => `${p.x},${p.y}`).join(' ') }) : null,
      pts.map((p) =>
        svg(
          'circle',
          { cx: p.x, cy: p.y, r: 3.5 },
          svg('title', {}, `${name} · ${labels[p.i]}: ${format(p.v)}`),
        ),
      ),
    );
  });
  return chartBox({ title, labels, format }, series, max, paths);
}

/** A captioned figure: the frame (grid, axis labels) for `max` under the series' marks, then a legend. */
function chartBox({ title, labels, format }, series, max, marks) {
  const attrs = { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title };
  const chart = svg('svg', attrs, frame(max, format, labels), marks);
  return el('figure', { class: 'chart-box' }, el('figcaption', {}, title), chart, legend(series));
}
