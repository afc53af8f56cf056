"""Time to interactive of a 2,000-span trace in the viewer, in headless Chromium.

Starts the real `ag2-otel serve` on a temporary database, sends a 2,000-span group-chat
trace through the OTLP/HTTP exporter, then loads the trace page (span tree + timeline,
and conversation view) several times. "Interactive" is the viewer's own
`ag2-otel:ready` performance mark (data fetched, DOM built, key handlers attached),
measured from navigation start. Also timed: one keyboard step and one error jump.

The server, the canned trace and the browser set-up are the browser tests' own
(`ag2_otel.testing.serve`, `.viewer_traces`, `.chromium`):

    .venv/bin/python -m bench.viewer_perf [--spans 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from ag2_otel.testing import viewer_traces as fixtures
from ag2_otel.testing.chromium import CHROMIUM, CHROMIUM_ARGS
from ag2_otel.testing.serve import FedServer

READY_MS = "performance.getEntriesByName('ag2-otel:ready')[0].startTime"
KEY_MS = """(key) => {
  const tree = document.querySelector('.tree-viewport');
  const t0 = performance.now();
  tree.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
  return performance.now() - t0;
}"""


def load(page: Page, url: str) -> float:
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']")
    return float(page.evaluate(READY_MS))


def measure(base_url: str, trace_id: str, runs: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"spans view": [], "conversation view": [], "key ↓": [], "key n": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs + 1):  # the first run warms caches and is discarded
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            spans_ms = load(page, f"{base_url}/traces/{trace_id}?view=spans")
            down_ms = float(page.evaluate(KEY_MS, "ArrowDown"))
            error_ms = float(page.evaluate(KEY_MS, "n"))
            conversation_ms = load(page, f"{base_url}/traces/{trace_id}?view=conversation")
            page.close()
            for key, value in zip(results, (spans_ms, conversation_ms, down_ms, error_ms), strict=True):
                results[key].append(value)
        browser.close()
    return {key: values[1:] for key, values in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = FedServer(Path(tmp) / "perf.db")
        try:
            trace = fixtures.big_trace(time.time_ns() - 60 * 10**9, span_count=args.spans)
            server.add(trace.spans)
            results = measure(server.base_url, trace.trace_id, args.runs)
        finally:
            server.stop()
    print(f"{args.spans}-span trace, {args.runs} runs, headless Chromium ({CHROMIUM})")
    for key, values in results.items():
        print(f"  {key:18s} median {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
