"""`ag2-otel traces show ID --html > conversation.html` opened in Chromium from disk: it renders
the conversation, requests nothing but itself, runs no script, and reads in light and dark."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page

from ag2_otel.testing import viewer_traces as fixtures
from ag2_otel.testing.serve import FedServer, run_cli

pytestmark = pytest.mark.browser

CONTRAST_JS = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const channel = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => { const v = rgb(c).map(channel); return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const bg = getComputedStyle(document.body).backgroundColor;
  return [...document.querySelectorAll('.msg, .who, pre, h2, .facts li')].map((el) => {
    const [a, b] = [lum(getComputedStyle(el).color), lum(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  });
}"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    folder = tmp_path_factory.mktemp("report-files")
    server = FedServer(folder / "traces.db")
    now = time.time_ns()
    written = {}
    try:
        for key, builder in (
            ("group", fixtures.group_chat_trace(now, with_content=True)),
            ("xss", fixtures.xss_trace(now)),
        ):
            server.add(builder.spans)
            completed = run_cli(folder / "traces.db", "traces", "show", builder.trace_id[:12], "--html")
            assert completed.returncode == 0, completed.stderr[-3000:]
            written[key] = folder / f"{key}.html"
            written[key].write_text(completed.stdout)
        yield written
    finally:
        server.stop()


def _open(browser: Browser, path: Path, scheme: str) -> tuple[Page, list[str], list[str]]:
    context = browser.new_context(color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: _dismiss(dialog, problems))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, requests, problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_html_file_renders_the_conversation_offline(
    browser: Browser, files: dict[str, Path], scheme: str
) -> None:
    page, requests, problems = _open(browser, files["group"], scheme)
    assert requests == [files["group"].as_uri()]  # nothing but the file itself
    turns = page.locator(".turn .who")
    assert turns.count() >= 2
    assert page.locator("details pre").inner_text().startswith("invoke_workflow")
    ratios = page.evaluate(CONTRAST_JS)
    assert ratios and min(ratios) >= 4.5, ratios  # WCAG AA for body text in both themes
    page.context.close()
    assert problems == []


def test_hostile_text_in_the_file_stays_text(browser: Browser, files: dict[str, Path]) -> None:
    page, requests, problems = _open(browser, files["xss"], "light")
    assert requests == [files["xss"].as_uri()]
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("script, img, a, iframe, object").count() == 0
    assert fixtures.XSS_SCRIPT in page.locator(".transcript").inner_text()
    page.context.close()
    assert problems == []


def _dismiss(dialog: Dialog, problems: list[str]) -> None:
    problems.append(dialog.message)
    dialog.dismiss()
