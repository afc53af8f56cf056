// Speaker colours. A page that knows its agents registers them so that no two share
// a colour; otherwise a stable hash picks one (same agent, same colour).

const PALETTE_SIZE = 10;
const assigned = new Map();

// Only the start of a name is hashed: a 10 MB name costs no more than a short one.
const HASHED_CHARS = 256;

function hashIndex(text) {
  let hash = 2166136261;
  for (let i = 0; i < Math.min(text.length, HASHED_CHARS); i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return Math.abs(hash) % PALETTE_SIZE;
}

/** Give each of `names` its own colour (sorted, so the result does not depend on order). */
export function registerSpeakers(names) {
  assigned.clear();
  const unique = [...new Set(names.map(String))].sort();
  unique.forEach((name, i) => assigned.set(name, i % PALETTE_SIZE));
}

export function colorIndex(name) {
  const text = String(name ?? '');
  return assigned.has(text) ? assigned.get(text) : hashIndex(text);
}

/** CSS class carrying the speaker colour (defined as --spk-N in viewer.css). */
export function speakerClass(name) {
  return `spk-${colorIndex(name)}`;
}
