"""Browser tests: one headless Debian Chromium per session, one server per session.

The server is the real `ag2-otel serve` (temporary database, free ports); the canned
traces of `ag2_otel.testing.viewer_traces` reach it through the OpenTelemetry SDK's OTLP/HTTP exporter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright

from ag2_otel.testing import viewer_traces as fixtures
from ag2_otel.testing.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.interop.conftest import scripted, serve  # noqa: F401 (fixtures of tests/browser/test_producers.py)

from .servers import ViewerServer, start_server

# Recorded in every page before any of its own scripts run.
_WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective));
"""


@dataclass
class Demo:
    """The server plus the canned traces loaded into it."""

    server: ViewerServer
    traces: dict[str, fixtures.TraceBuilder] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def add(self, key: str, builder: fixtures.TraceBuilder) -> None:
        self.server.add(builder.spans)
        self.traces[key] = builder

    def trace_id(self, key: str) -> str:
        return self.traces[key].trace_id


@pytest.fixture(scope="session", params=["sqlite", "chdb"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The viewer over each store: the SQLite file, and the Collector's tables in chDB."""
    server = start_server(tmp_path_factory.mktemp("viewer"), request.param)
    demo = Demo(server)
    try:
        for key, builder in fixtures.demo_traces().items():
            demo.add(key, builder)
        yield demo
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageWatch:
    """What a page did that it should not: script errors, dialogs, console errors."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(browser: Browser, demo: Demo, watch: PageWatch) -> Iterator[Page]:
    with watched_page(browser, demo.base_url, watch) as opened:
        yield opened


@contextmanager
def watched_page(browser: Browser, base_url: str, watch: PageWatch) -> Iterator[Page]:
    """A page on `base_url` that fails the test on script errors, dialogs or CSP violations."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 900})
    context.add_init_script(_WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(5_000)

    def on_dialog(dialog: Dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.console.append(message.text)

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.on("console", on_console)
    yield page
    violations: Any = page.evaluate("window.__cspViolations || []") if not page.is_closed() else []
    context.close()
    assert watch.errors == [], watch.errors
    assert watch.dialogs == [], watch.dialogs
    assert violations == [], violations


def open_page(page: Page, path: str) -> Page:
    page.goto(path)
    page.wait_for_selector("body[data-ready='true']")
    return page


def static_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "src" / "ag2_otel" / "server" / "viewer" / "static"
