// The other traces of a trace's conversation: ag2 1.x makes each ask() its own trace, and
// the store links them by `gen_ai.conversation.id` (sent, or derived on ingest).

import { api } from './api.js';
import { el, internalLink } from './dom.js';
import { formatTime } from './format.js';

const SHOWN = 20;

/** `/` filtered to one conversation. */
export function conversationHref(conversationId) {
  return `/?conversation=${encodeURIComponent(conversationId)}`;
}

/** A section filled once the list answers; stays empty when the trace is alone. */
export function sameConversation(summary) {
  const section = el('section', { class: 'same-conversation', hidden: true });
  if (!summary.conversation_id) return section;
  api
    .traces({ conversation: summary.conversation_id, limit: SHOWN + 1 })
    .then((body) => {
      const others = (body.traces || []).filter((t) => t.trace_id !== summary.trace_id).slice(0, SHOWN);
      if (!others.length) return;
      section.append(
        el(
          'h2',
          {},
          'Same conversation ',
          internalLink(conversationHref(summary.conversation_id), { class: 'small' }, 'all in the list'),
        ),
        el(
          'ul',
          {},
          others.map((t) =>
            el(
              'li',
              { 'data-trace-id': t.trace_id },
              internalLink(`/traces/${encodeURIComponent(t.trace_id)}`, {}, t.root_name || t.trace_id),
              el('span', { class: 'muted small' }, ` ${formatTime(t.start_time_ns)}`),
            ),
          ),
        ),
      );
      section.hidden = false;
    })
    .catch(() => {}); // a link list is extra: the trace page stands without it
  return section;
}
