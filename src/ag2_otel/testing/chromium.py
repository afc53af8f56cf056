"""Headless Chromium as the browser tests and viewer benchmarks drive it (Playwright),
and when a viewer page is painted, recorded by the page itself (no test-driver latency).

Needs Playwright (the `test` extra) and Debian's chromium: Playwright's own browser
download cannot work offline.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Add with `page.add_init_script(WATCH_PAINT)`. Navigation start to the frame
# after the one that laid out and painted what the page built when it marked itself ready,
# and when the last API response had been parsed (the viewer's mark, or the response's
# arrival where there is none).
WATCH_PAINT = """
new MutationObserver((_, observer) => {
  if (!document.body || document.body.dataset.ready !== 'true') return;
  observer.disconnect();
  requestAnimationFrame(() => requestAnimationFrame(() => {
    window.__painted = performance.now();
    const parsed = performance.getEntriesByName('ag2-otel:data').map((entry) => entry.startTime);
    const arrived = performance.getEntriesByType('resource')
      .filter((entry) => entry.name.includes('/api/')).map((entry) => entry.responseEnd);
    window.__data = Math.max(0, ...parsed, ...arrived);
  }));
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
"""


def paint_times(page: Page, path: str, timeout_s: float = 10.0) -> tuple[float, float]:
    """Load `path`: (ms from navigation start to painted, ms from the data's parsing to painted)."""
    page.goto(path)
    deadline = time.monotonic() + timeout_s
    while (painted := page.evaluate("window.__painted")) is None and time.monotonic() < deadline:
        page.wait_for_timeout(20)  # not wait_for_function: the page's CSP forbids its eval
    if painted is None:
        raise TimeoutError(f"{path} was not painted within {timeout_s} s")
    return float(painted), float(painted) - float(page.evaluate("window.__data"))
