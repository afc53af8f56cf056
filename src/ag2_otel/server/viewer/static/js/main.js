// Entry point: pick the page from <body data-page>, wire the theme toggle.

import { startListPage } from './list.js';
import { startTracePage } from './trace.js';
import { startUsagePage } from './usage.js';
import { el, errorBox, markReady, mount } from './dom.js';

const THEME_KEY = 'ag2-otel-theme';

function applyTheme(theme) {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

function setupTheme() {
  try {
    applyTheme(window.localStorage.getItem(THEME_KEY));
  } catch {
    /* storage may be unavailable */
  }
  const button = document.getElementById('theme-toggle');
  button?.addEventListener('click', () => {
    const current =
      document.documentElement.dataset.theme ||
      (window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
    const next = current === 'dark' ? 'light' : 'dark';
    applyTheme(next);
    try {
      window.localStorage.setItem(THEME_KEY, next);
    } catch {
      /* ignore */
    }
  });
}

function markNav(page) {
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === page) link.setAttribute('aria-current', 'page');
  }
}

// A `?token=` in the address has been answered with a session cookie by now: drop it from
// the address bar so it stays out of history, bookmarks and screenshots.
function forgetToken() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url);
}

function start() {
  forgetToken();
  setupTheme();
  const { page, traceId } = document.body.dataset;
  markNav(page === 'trace' ? 'list' : page);
  if (page === 'list') return startListPage();
  if (page === 'trace') return startTracePage(traceId);
  if (page === 'usage') return startUsagePage();
  mount(errorBox('Page not found.'), el('p', {}, 'Go back to the trace list.'));
  markReady();
  return null;
}

start();
