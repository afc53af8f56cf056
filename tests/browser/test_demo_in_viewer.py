"""The README's main job end to end: `ag2-otel demo` stores the seed's three
scenarios, `ag2-otel serve` shows them as readable conversations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from ag2_otel.testing.serve import FedServer, run_cli

from .conftest import open_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FedServer]:
    db = tmp_path_factory.mktemp("demo") / "traces.db"
    completed = run_cli(db, "demo", "--db", str(db), timeout=180, unset=("OPENAI_API_KEY",))
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "SCRIPTED stand-in" in completed.stdout
    assert "invoke_workflow AutoPattern" in completed.stdout
    server = FedServer(Path(db))
    yield server
    server.stop()


@pytest.fixture
def demo_page(browser: Browser, demo_server: FedServer) -> Iterator[Page]:
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
    # the demo records content (its model is scripted): the transcript reads as a conversation
    expect(conversation).to_contain_text("Write a haiku about coding.")
    expect(conversation.locator(".turn").nth(1)).to_contain_text("the build turns green")
    expect(demo_page.get_by_text("Message content was not captured")).to_have_count(0)
    # AG2's internal tool executor is not named as a group member
    group_line = conversation.locator(".marker-group_chat")
    expect(group_line).to_contain_text("planner, executor, group_user")
    expect(group_line).not_to_contain_text("_Group_Tool_Executor")

    open_page(demo_page, "/")
    demo_page.locator("tr.trace-row .trace-link").nth(1).click()
    demo_page.wait_for_selector("body[data-ready='true']")
    conversation = demo_page.locator(".conversation")
    expect(conversation.locator(".turn-head .speaker")).to_have_text(
        ["tool_agent", "tool_user", "tool_agent"]
    )
    expect(conversation).to_contain_text("get_weather")


def _group_trace(server: FedServer) -> dict[str, Any]:
    listing = httpx.get(f"{server.base_url}/api/traces", timeout=5).json()["traces"]
    (group,) = [t for t in listing if t["root_name"] == "conversation group_user -> chat_manager"]
    trace: dict[str, Any] = httpx.get(f"{server.base_url}/api/traces/{group['trace_id']}", timeout=5).json()
    return trace


def test_float_attributes_read_without_binary_noise(demo_page: Page, demo_server: FedServer) -> None:
    trace = _group_trace(demo_server)
    noisy = [
        s
        for s in trace["spans"]
        if isinstance(s["attributes"].get("ag2.usage.cost"), float)
        and len(repr(s["attributes"]["ag2.usage.cost"])) > 12  # e.g. 9.899999999999998e-06
    ]
    assert noisy, "the demo's costs no longer carry float noise; pick another value"
    span = noisy[0]
    cost = span["attributes"]["ag2.usage.cost"]
    open_page(demo_page, f"/traces/{trace['summary']['trace_id']}?view=spans&span={span['span_id']}")
    row = demo_page.locator("tr", has=demo_page.locator("th", has_text="ag2.usage.cost"))
    expected = f"{float(f'{cost:.15g}'):.12f}".rstrip("0")  # 15 significant digits, as written by a person
    expect(row.locator("td")).to_have_text(expected)


def test_agent_flow_labels_fit_inside_the_graph(demo_page: Page, demo_server: FedServer) -> None:
    trace = _group_trace(demo_server)
    open_page(demo_page, f"/traces/{trace['summary']['trace_id']}?view=flow")
    demo_page.wait_for_selector("svg.flow-graph .flow-node")
    overflow = demo_page.evaluate(
        """() => {
          const graph = document.querySelector('svg.flow-graph').getBoundingClientRect();
          return [...document.querySelectorAll('svg.flow-graph .flow-node text')]
            .map((t) => [t.textContent, t.getBoundingClientRect()])
            .filter(([, r]) => r.bottom > graph.bottom || r.top < graph.top || r.left < graph.left
                                || r.right > graph.right)
            .map(([text]) => text);
        }"""
    )
    labels = demo_page.locator("svg.flow-graph .node-label")
    expect(labels).to_have_text(["planner", "executor"])
    assert overflow == []
