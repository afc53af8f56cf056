"""The viewer in a real headless Chromium: list, trace views, details, keyboard, usage."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from ag2_otel.testing import viewer_traces as fixtures

from .conftest import Demo, open_page

pytestmark = pytest.mark.browser


def row(page: Page, demo: Demo, key: str) -> Locator:
    return page.locator(f"tr.trace-row[data-trace-id='{demo.trace_id(key)}']")


def test_list_newest_first_with_columns(page: Page, demo: Demo) -> None:
    open_page(page, "/")
    ids = page.locator("tr.trace-row").evaluate_all("rows => rows.map(r => r.dataset.traceId)")
    expected = [demo.trace_id(k) for k in ("group", "big", "xss", "no_content", "openai")]
    assert [i for i in ids if i in expected] == expected
    group = row(page, demo, "group")
    expect(group.locator(".trace-link")).to_have_text("invoke_workflow research_group")
    expect(group.locator(".agent-chip")).to_have_text(["coder", "critic", "planner"])
    cells = group.locator("td.num").all_inner_texts()
    assert cells[:3] == ["4", "4", "4,500"]  # turns, LLM calls, tokens
    assert cells[-1] == "1"  # errors
    headers = page.locator("table.traces th").all_inner_texts()
    assert [h.replace("\n", " ") for h in headers] == [
        "Started",
        "Root",
        "Agents",
        "Turns",
        "LLM calls",
        "Tokens",
        "Cost",
        "Duration",
        "Errors",
    ]


def test_filters_narrow_the_list_and_live_updates(page: Page, demo: Demo) -> None:
    open_page(page, "/")
    page.select_option("select[name=agent]", "critic")
    expect(page.locator("tr.trace-row")).to_have_count(2)
    assert "agent=critic" in page.url
    page.select_option("select[name=service]", "plain-openai")
    expect(page.locator("td.empty")).to_be_visible()
    page.select_option("select[name=agent]", "")
    expect(page.locator("tr.trace-row")).to_have_count(1)
    page.select_option("select[name=service]", "")
    page.select_option("select[name=status]", "ok")
    expect(page.locator("tr.trace-row")).to_have_count(1)
    expect(row(page, demo, "openai")).to_be_visible()
    page.select_option("select[name=status]", "")
    page.fill("input[name=q]", "research_group")
    expect(page.locator("tr.trace-row")).to_have_count(2)
    page.fill("input[name=q]", "")
    # every demo trace started 20 minutes or more ago (fixtures.DEMO_MINUTES), a new one just now
    page.select_option("select[name=range]", "15m")
    expect(page.locator("tr.trace-row")).to_have_count(0)
    late = fixtures.openai_trace(time.time_ns() - 1_000_000_000)
    demo.add("late", late)
    expect(page.locator(f"tr.trace-row[data-trace-id='{late.trace_id}']")).to_be_visible(timeout=8_000)
    expect(page.locator("tr.trace-row")).to_have_count(1)


def test_list_to_conversation_to_span(page: Page, demo: Demo) -> None:
    open_page(page, "/")
    row(page, demo, "group").locator(".trace-link").click()
    page.wait_for_selector("body[data-ready='true']")
    assert page.url.endswith(f"/traces/{demo.trace_id('group')}?view=conversation")
    stats = page.locator(".stats").inner_text()
    assert "4,200 / 300" in stats and "$0.0008" in stats
    conversation = page.locator(".conversation")
    expect(conversation.locator(".turn-head .speaker")).to_have_text(
        ["planner", "coder", "critic", "planner"]
    )
    expect(conversation.locator(".opening")).to_contain_text("Find the median of [3, 9, 4]")
    expect(conversation.locator(".turn").nth(0)).to_contain_text("Plan: 1) sort the list")
    expect(conversation.locator(".marker-speaker_selection")).to_contain_text(
        "Speaker selection (auto) → coder"
    )
    expect(conversation.locator(".marker-handoff")).to_contain_text(
        "Handoff coder → critic (after_work; always)"
    )
    coder = conversation.locator(".turn").nth(1)
    expect(coder.locator(".tool-call .tool-name")).to_have_text(["median"])
    expect(coder.locator(".tool-result")).to_contain_text("4")
    expect(coder.locator(".inline-error")).to_contain_text(
        "RuntimeError in execute_tool plot: plot backend unavailable"
    )
    coder.locator(".inline-error .span-link").click()
    assert "view=spans" in page.url
    details = page.locator(".details")
    expect(details.locator(".details-title")).to_contain_text("execute_tool plot")
    expect(details.locator(".error-box")).to_contain_text("plot backend unavailable")
    expect(details).to_contain_text("gen_ai.tool.name")
    expect(details.locator(".event")).to_contain_text("exception")


def test_span_tree_keyboard_and_error_jumps(page: Page, demo: Demo) -> None:
    open_page(page, f"/traces/{demo.trace_id('group')}?view=spans")
    tree = page.locator(".tree-viewport")
    selected = page.locator(".tree-row.selected .span-name")
    expect(selected).to_have_text("invoke_workflow research_group")
    tree.focus()
    page.keyboard.press("ArrowDown")
    expect(selected).to_have_text("invoke_agent planner")
    page.keyboard.press("ArrowRight")
    expect(selected).to_have_text("chat gpt-4o-mini")
    expect(page.locator(".details-title")).to_contain_text("chat gpt-4o-mini")
    page.keyboard.press("ArrowLeft")
    expect(selected).to_have_text("invoke_agent planner")
    page.keyboard.press("ArrowLeft")  # collapse
    expect(page.locator(".tree-row.selected")).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowDown")
    expect(selected).to_have_text("speaker_selection")
    page.keyboard.press("n")
    expect(selected).to_have_text("execute_tool plot")
    page.keyboard.press("p")
    expect(selected).to_have_text("execute_tool plot")  # the only error: wraps to itself
    page.keyboard.press("End")
    expect(selected).to_have_text("chat gpt-4o-mini")
    assert "span=" in page.url
    bars = page.locator(".tree-row .bar.critical")
    assert bars.count() >= 2  # the critical path is highlighted


def test_details_render_messages_and_json(page: Page, demo: Demo) -> None:
    open_page(page, f"/traces/{demo.trace_id('group')}?view=spans")
    page.locator(".tree-row", has_text="invoke_agent planner").first.click()
    details = page.locator(".details")
    expect(details.locator(".message .speaker").first).to_have_text("user_proxy")
    expect(details).to_contain_text("Output messages")
    page.locator(".tree-row", has_text="execute_tool median").click()
    expect(details.locator(".tool-call pre")).to_contain_text('"values": [')


def test_content_off_shows_structure_and_hint(page: Page, demo: Demo) -> None:
    open_page(page, f"/traces/{demo.trace_id('no_content')}")
    expect(page.locator(".hint")).to_contain_text(
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only"
    )
    expect(page.locator(".turn-head .speaker")).to_have_text(["planner", "coder", "critic", "planner"])
    coder = page.locator(".turn").nth(1)
    expect(coder.locator(".step-chip")).to_contain_text(["LLM gpt-4o", "median", "plot"])
    expect(coder.locator(".turn-meta")).to_contain_text("1,100 in / 60 out tokens")


def test_plain_openai_trace_falls_back(page: Page, demo: Demo) -> None:
    open_page(page, f"/traces/{demo.trace_id('openai')}")
    conversation = page.locator(".conversation")
    expect(conversation).to_contain_text("Say hello in French.")
    expect(conversation.locator(".turn")).to_contain_text("Bonjour !")
    page.locator(".tab[data-view=flow]").click()
    expect(page.locator(".view")).to_contain_text("needs at least two agents")


def test_agent_flow_graph(page: Page, demo: Demo) -> None:
    open_page(page, f"/traces/{demo.trace_id('group')}?view=flow")
    graph = page.locator("svg.flow-graph")
    expect(graph.locator(".flow-node .node-label")).to_have_text(["planner", "coder", "critic"])
    expect(graph.locator(".edge-handoff")).to_have_count(1)
    labels = graph.locator(".edge title").all_text_contents()
    assert "planner → coder: 1 turn" in labels
    assert "coder → critic: 1 handoff" in labels


def test_usage_page_charts(page: Page, demo: Demo) -> None:
    open_page(page, "/usage?range=24h")
    expect(page.locator("svg.chart")).to_have_count(3)
    expect(page.locator(".chart-legend").first).to_contain_text("planner")
    assert page.locator("rect.bar-seg").count() > 0
    page.select_option("select[name=group_by]", "model")
    expect(page.locator(".chart-legend").first).to_contain_text("gpt-4o-mini")
    assert "group_by=model" in page.url


def test_big_trace_is_virtualised(page: Page, demo: Demo) -> None:
    open_page(page, f"/traces/{demo.trace_id('big')}?view=spans")
    assert page.locator(".tree-row").count() < 120
    page.locator(".tree-viewport").focus()
    page.keyboard.press("End")
    expect(page.locator(".tree-row.selected")).to_be_visible()
    page.keyboard.press("Home")
    page.keyboard.press("n")
    expect(page.locator(".tree-row.selected.is-error")).to_be_visible()


def test_pages_send_csp_and_have_json_twins(demo: Demo) -> None:
    trace_id = demo.trace_id("group")
    for path, twin in (
        ("/", "/api/traces"),
        (f"/traces/{trace_id}", f"/api/traces/{trace_id}"),
        ("/usage", "/api/usage"),
    ):
        response = httpx.get(demo.base_url + path)
        assert response.status_code == 200
        policies = response.headers.get_list("content-security-policy")
        assert any("script-src 'self'" in p and "unsafe-inline" not in p for p in policies)
        assert f'type="application/json" href="{twin}"' in response.text
        assert httpx.get(demo.base_url + twin).status_code == 200
    assert re.search(r"<script(?![^>]*\bsrc=)", httpx.get(demo.base_url + "/").text) is None


def test_cost_not_reported_or_partial_on_the_list_and_usage_pages(page: Page, demo: Demo) -> None:
    """The plain OpenAI trace carries no cost: "not reported", not $0; gpt-4o-mini's usage row
    adds it to the priced calls of the AG2 traces, so its sum says it is partial (the same
    cell renders "not reported" for a row with no priced call: tests/server/test_cost_reported.py
    checks both stores count them)."""
    open_page(page, "/")
    cost = 3  # td.num columns: turns, LLM calls, tokens, cost, duration, errors
    expect(row(page, demo, "openai").locator("td.num").nth(cost)).to_have_text("not reported")
    expect(row(page, demo, "group").locator("td.num").nth(cost)).to_have_text(re.compile(r"^\$0\.\d+$"))
    open_page(page, "/usage?range=24h&group_by=model")
    totals = page.locator("table.data tbody tr")
    expect(totals.filter(has_text="gpt-4o-mini").locator(".cost-partial")).to_have_text(
        re.compile(r"\(partial\)$")
    )
    expect(totals.filter(has_text="gpt-4o-mini").locator(".cost-partial")).to_have_attribute(
        "title", re.compile(r"^only [\d,]+ of [\d,]+ LLM calls carry a cost")
    )
    expect(totals.locator("td:first-child")).to_have_text(["gpt-4o-mini", "gpt-4o"])  # busiest first
    gpt_4o = totals.filter(has=page.locator("td:first-child", has_text=re.compile(r"^gpt-4o$")))
    expect(gpt_4o.locator("td").nth(4)).to_have_text("$0.0004")
