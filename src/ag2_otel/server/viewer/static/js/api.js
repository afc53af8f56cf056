// The JSON API client (docs/contracts.md). Same origin; cookies carry the token if any.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

export function apiUrl(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== '' && value !== null && value !== undefined) url.searchParams.set(key, value);
  }
  return url;
}

export async function getJSON(path, params = {}) {
  const response = await fetch(apiUrl(path, params), {
    headers: { Accept: 'application/json' },
    credentials: 'same-origin',
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  performance.mark('ag2-otel:data'); // data parsed: what follows is the viewer's own work (tests, benchmarks)
  if (!response.ok) {
    const reason = body && typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    throw new ApiError(reason, response.status);
  }
  return body;
}

export const api = {
  traces: (params) => getJSON('/api/traces', params),
  trace: (traceId) => getJSON(`/api/traces/${encodeURIComponent(traceId)}`),
  usage: (params) => getJSON('/api/usage', params),
  values: (kind) => getJSON(`/api/${kind}`).then((body) => (Array.isArray(body?.values) ? body.values : [])),
};
