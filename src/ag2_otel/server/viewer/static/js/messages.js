// GenAI semconv messages ({role, parts[], name?}) rendered as chat messages.
// Tolerates the older OpenAI shape ({role, content, tool_calls}) for other instrumentations.

import { el, externalLink } from './dom.js';
import { speakerClass } from './colors.js';
import { formatInt } from './format.js';
import { expandable, prettyJSON, tryParseJSON } from './values.js';

// Roles with a style of their own; data never names a CSS class.
const ROLE_CLASSES = new Set(['system', 'user', 'assistant', 'tool']);

function argumentsNode(args) {
  if (args === undefined || args === null || args === '') return null;
  const parsed = typeof args === 'string' ? tryParseJSON(args) : args;
  return parsed !== undefined ? prettyJSON(parsed) : expandable(String(args));
}

export function toolCallNode(name, id, args) {
  return el(
    'div',
    { class: 'tool-call' },
    el(
      'div',
      { class: 'tool-head' },
      el('span', { class: 'tool-icon' }, '⚙'),
      ' call ',
      el('span', { class: 'mono tool-name' }, name || '(tool)'),
      id ? el('span', { class: 'mono muted tool-id' }, ` ${id}`) : null,
    ),
    argumentsNode(args),
  );
}

export function toolResultNode(name, id, response, failed = false) {
  return el(
    'div',
    { class: `tool-result${failed ? ' failed' : ''}` },
    el(
      'div',
      { class: 'tool-head' },
      el('span', { class: 'tool-icon' }, '↩'),
      ' result',
      name ? ' of ' : '',
      name ? el('span', { class: 'mono tool-name' }, name) : null,
      id ? el('span', { class: 'mono muted tool-id' }, ` ${id}`) : null,
    ),
    argumentsNode(response) || el('span', { class: 'muted' }, '(empty)'),
  );
}

/** An inline binary part, by size only: its base64 content is never shown. */
function blobLabel(part) {
  const chars = formatInt(String(part.content || '').length);
  return `[${part.modality || 'blob'} ${part.mime_type || ''}, ${chars} base64 chars]`;
}

function partNode(part) {
  if (typeof part === 'string') return expandable(part, 'msg-text');
  if (!part || typeof part !== 'object') return null;
  switch (part.type) {
    case 'text':
      return expandable(String(part.content ?? ''), 'msg-text');
    case 'tool_call':
      return toolCallNode(part.name, part.id, part.arguments);
    case 'tool_call_response':
      return toolResultNode(part.name, part.id, part.response ?? part.result);
    case 'reasoning':
      return el(
        'details',
        { class: 'reasoning' },
        el('summary', {}, 'Reasoning'),
        expandable(String(part.content ?? ''), 'msg-text'),
      );
    case 'uri':
      return el('div', { class: 'attachment' }, `[${part.modality || 'uri'}] `, externalLink(part.uri));
    case 'blob':
      return el('div', { class: 'attachment muted' }, blobLabel(part));
    case 'file':
      return el('div', { class: 'attachment muted' }, `[file ${part.file_id || part.name || ''}]`);
    default:
      return el(
        'div',
        { class: 'part-unknown' },
        el('span', { class: 'muted' }, `${part.type || 'part'}: `),
        prettyJSON(part),
      );
  }
}

/** The parts of a message, normalising the legacy OpenAI shape. */
export function messageParts(message) {
  if (Array.isArray(message.parts)) return message.parts;
  const parts = [];
  if (typeof message.content === 'string' && message.content) {
    parts.push(
      message.role === 'tool'
        ? { type: 'tool_call_response', id: message.tool_call_id, response: message.content }
        : { type: 'text', content: message.content },
    );
  } else if (Array.isArray(message.content)) {
    for (const item of message.content)
      parts.push(
        item && item.type === 'text' && 'text' in item ? { type: 'text', content: item.text } : item,
      );
  }
  for (const call of message.tool_calls || []) {
    const fn = call.function || {};
    parts.push({
      type: 'tool_call',
      id: call.id,
      name: fn.name ?? call.name,
      arguments: fn.arguments ?? call.arguments,
    });
  }
  return parts;
}

export function speakerOf(message, fallback) {
  return message.name || fallback || message.role || 'unknown';
}

/** One message bubble. `speaker` overrides the label; the role is shown beside it. */
export function messageNode(message, speaker) {
  if (!message || typeof message !== 'object') return el('div', { class: 'message' }, prettyJSON(message));
  const who = speaker || speakerOf(message);
  const role = String(message.role || '');
  const parts = messageParts(message);
  return el(
    'div',
    { class: `message ${ROLE_CLASSES.has(role) ? `role-${role}` : 'role-other'} ${speakerClass(who)}` },
    el(
      'div',
      { class: 'msg-head' },
      el('span', { class: 'speaker' }, who),
      role && role !== who ? el('span', { class: 'role-tag' }, role) : null,
      message.finish_reason
        ? el('span', { class: 'muted finish' }, `finish: ${message.finish_reason}`)
        : null,
    ),
    el(
      'div',
      { class: 'msg-body' },
      parts.length ? parts.map(partNode) : el('span', { class: 'muted' }, '(no content)'),
    ),
  );
}

export function asMessageList(value) {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') return [value];
  return [];
}

/** System instructions: a list of parts (or a string). */
export function instructionsNode(value) {
  const parts = Array.isArray(value) ? value : [{ type: 'text', content: String(value ?? '') }];
  return el(
    'details',
    { class: 'system-instructions' },
    el('summary', {}, 'System instructions'),
    el('div', { class: 'msg-body' }, parts.map(partNode)),
  );
}
