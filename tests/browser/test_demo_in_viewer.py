"""The README's main job end to end: `ag2-otel demo` stores the seed's three
scenarios, `ag2-otel serve` shows them as readable conversations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.serve_process import run_cli

from .conftest import open_page
from .servers import RealServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    db = tmp_path_factory.mktemp("demo") / "traces.db"
    completed = run_cli(db, "demo", "--db", str(db), timeout=180, unset=("OPENAI_API_KEY",))
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "SCRIPTED stand-in" in completed.stdout
    assert "invoke_workflow AutoPattern" in completed.stdout
    server = RealServer(Path(db))
    yield server
    server.stop()


@pytest.fixture
def demo_page(browser: Browser, demo_server: RealServer) -> Iterator[Page]:
    context = browser.new_context(base_url=demo_server.base_url, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(5_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def test_the_demo_scenarios_read_as_conversations(demo_page: Page) -> None:
    open_page(demo_page, "/")
    links = demo_page.locator("tr.trace-row .trace-link")
    expect(links).to_have_text(
        [
            "conversation group_user -> chat_manager",
            "conversation tool_user -> tool_agent",
            "conversation user_proxy -> assistant",
        ]
    )
    # AG2's speaker-selection helpers are not listed as participants
    group_row = demo_page.locator("tr.trace-row").nth(0)
    expect(group_row.locator(".agent-chip")).to_have_text(["executor", "planner"])
    links.nth(0).click()
    demo_page.wait_for_selector("body[data-ready='true']")
    conversation = demo_page.locator(".conversation")
    expect(conversation.locator(".turn-head .speaker")).to_have_text(["planner", "executor"])
    expect(demo_page.locator(".stat", has_text="Turns")).to_contain_text("2")
    header_agents = demo_page.locator(".stat", has_text="Agents").locator(".agent-chip")
    expect(header_agents).to_have_count(2)
    expect(demo_page.locator(".stat", has_text="Agents")).not_to_contain_text("speaker_selection_agent")
    expect(conversation.locator(".marker-speaker_selection").first).to_be_visible()
    # content was not captured: the structure still reads, with the hint to turn content on
    expect(demo_page.get_by_text("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT").first).to_be_visible()

    open_page(demo_page, "/")
    demo_page.locator("tr.trace-row .trace-link").nth(1).click()
    demo_page.wait_for_selector("body[data-ready='true']")
    conversation = demo_page.locator(".conversation")
    expect(conversation.locator(".turn-head .speaker")).to_have_text(
        ["tool_agent", "tool_user", "tool_agent"]
    )
    expect(conversation).to_contain_text("get_weather")
