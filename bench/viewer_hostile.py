"""Every viewer page with a 10 MB span name, in headless Chromium.

Starts the real `ag2-otel serve` on a temporary database, sends one trace whose root span
has a 10 MB name (`ag2_otel.testing.viewer_traces.huge_name_trace`) over OTLP/HTTP, then loads
each page several times. Two numbers per load, recorded by the page itself: navigation
start to the first frame painted after the page marked itself ready (server, ~20 MB of
JSON, parsing, building, layout and paint), and the viewer's own share (from the last API
response parsed to that frame).

    .venv/bin/python -m bench.viewer_hostile [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from ag2_otel.testing import viewer_traces as fixtures
from ag2_otel.testing.chromium import CHROMIUM, CHROMIUM_ARGS, WATCH_PAINT, paint_times
from ag2_otel.testing.serve import FedServer


def measure(base_url: str, trace_id: str, runs: int) -> dict[str, list[tuple[float, float]]]:
    trace = f"/traces/{trace_id}"
    paths = ["/", f"{trace}?view=conversation", f"{trace}?view=spans", f"{trace}?view=flow", "/usage"]
    results: dict[str, list[tuple[float, float]]] = {path: [] for path in paths}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs + 1):  # the first run warms caches and is discarded
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.add_init_script(WATCH_PAINT)
            for path in paths:
                results[path].append(paint_times(page, base_url + path, timeout_s=120))
            page.close()
        browser.close()
    return {path: values[1:] for path, values in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = FedServer(Path(tmp) / "hostile.db")
        try:
            trace = fixtures.huge_name_trace(time.time_ns() - 60 * 10**9)
            server.add(trace.spans)
            results = measure(server.base_url, trace.trace_id, args.runs)
        finally:
            server.stop()
    print(f"10 MB span name, {args.runs} runs, headless Chromium ({CHROMIUM}), load {os.getloadavg()[0]:.1f}")
    for path, loads in results.items():
        page = [total for total, _ in loads]
        own = [share for _, share in loads]
        label = path.split("?")[-1] if "?" in path else path
        print(
            f"  {label:20s} painted median {statistics.median(page):6.0f} ms  max {max(page):6.0f} ms"
            f"   viewer's own median {statistics.median(own):4.0f} ms  max {max(own):4.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
