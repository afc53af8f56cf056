"""Screenshots of every viewer page into docs/screenshots/, from the real server.

Starts `ag2-otel serve` on a temporary database, sends the browser tests' canned
traces through OTLP/HTTP and captures each page in headless Chromium.

The server, the canned traces and the browser set-up are the browser tests' own
(`ag2_otel.testing.serve`, `.viewer_traces`, `.chromium`):

    .venv/bin/python -m bench.viewer_screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from ag2_otel.testing import viewer_traces as fixtures
from ag2_otel.testing.chromium import CHROMIUM, CHROMIUM_ARGS
from ag2_otel.testing.serve import FedServer

ROOT = Path(__file__).resolve().parents[1]
MINUTE = 60 * 10**9


def load_traces(server: FedServer) -> dict[str, str]:
    now = time.time_ns()
    traces = {
        "openai": fixtures.openai_trace(now - 90 * MINUTE),
        "batch": fixtures.group_chat_trace(now - 70 * MINUTE, with_content=False),
        "big": fixtures.big_trace(now - 45 * MINUTE, span_count=400),
        "earlier": fixtures.group_chat_trace(now - 20 * MINUTE, with_content=True),
        "group": fixtures.group_chat_trace(now - 2 * MINUTE, with_content=True),
    }
    for builder in traces.values():
        server.add(builder.spans)
    return {key: builder.trace_id for key, builder in traces.items()}


def capture(browser: Browser, base_url: str, ids: dict[str, str], out: Path) -> list[Path]:
    shots = {
        "trace-list": "/",
        "trace-conversation": f"/traces/{ids['group']}?view=conversation",
        "trace-spans": f"/traces/{ids['group']}?view=spans&span=",
        "trace-flow": f"/traces/{ids['group']}?view=flow",
        "trace-no-content": f"/traces/{ids['batch']}?view=conversation",
        "usage": "/usage?range=24h",
    }
    written = []
    for theme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1440, "height": 960}, color_scheme=theme)
        page = context.new_page()
        for name, path in shots.items():
            if theme == "dark" and name not in ("trace-conversation", "trace-spans"):
                continue
            page.goto(base_url + path)
            page.wait_for_selector("body[data-ready='true']")
            if name == "trace-spans":
                page.locator(".tree-row", has_text="chat gpt-4o").first.click()
            page.wait_for_timeout(150)
            target = out / (f"{name}.png" if theme == "light" else f"{name}-dark.png")
            page.screenshot(path=str(target))
            written.append(target)
        context.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        server = FedServer(Path(tmp) / "shots.db")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for path in capture(browser, server.base_url, load_traces(server), args.out):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        finally:
            browser.close()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
