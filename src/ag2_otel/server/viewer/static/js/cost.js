// A cost figure that tells "nothing was reported" and "only part was reported" apart from $0:
// several producers (OpenInference, openai-v2, ag2 1.x) put no cost on their LLM spans.

import { el } from './dom.js';
import { formatCost, formatInt } from './format.js';

/** `cost` of `calls` LLM calls, of which `priced` carried a cost attribute. */
export function costValue(cost, calls, priced) {
  if (!calls || priced === undefined || priced === null || priced >= calls) return formatCost(cost);
  if (!priced) {
    return el(
      'span',
      { class: 'muted cost-not-reported', title: 'no LLM call here carries a cost attribute' },
      'not reported',
    );
  }
  return el(
    'span',
    {
      class: 'cost-partial',
      title: `only ${formatInt(priced)} of ${formatInt(calls)} LLM calls carry a cost attribute`,
    },
    formatCost(cost),
    el('span', { class: 'muted small' }, ' (partial)'),
  );
}
