"""Each real producer's trace in the viewer, in real headless Chromium: the summary counts
its LLM calls, says so when the producer sends no cost, and the conversation shows the
messages it captured. (Here, not in tests/interop: one Playwright per session.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, expect

from ag2_otel.testing import ScriptedOpenAIServer
from ag2_otel.testing.serve import ServerProcess, wait_for
from tests.interop.conftest import one_trace, run_producer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# producer, its service name, env, LLM calls, cost shown
CASES = [
    ("openinference", "openinference-app", {}, "3", "not reported"),
    (
        "openai_v2",
        "openai-v2-app",
        {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "event_only"},
        "3",
        "not reported",
    ),
    ("openlit", "openlit-app", {}, "3", "$0.000018"),
    ("autogen_builtin", "autogen-builtin-app", {}, "2", "$0.000012"),
]


@contextmanager
def viewer_page(browser: Browser, serve: ServerProcess, path: str) -> Iterator[Page]:
    """`path` of serve's viewer, loaded; fails the test on any script error."""
    context = browser.new_context(base_url=serve.url, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(path)
        page.wait_for_selector("body[data-ready='true']")
        yield page
    finally:
        context.close()
    assert errors == []


@pytest.mark.parametrize(
    ("producer", "service", "env", "llm_calls", "cost"), CASES, ids=[c[0] for c in CASES]
)
def test_conversation_renders(
    producer: str,
    service: str,
    env: dict[str, str],
    llm_calls: str,
    cost: str,
    serve: ServerProcess,
    scripted: ScriptedOpenAIServer,
    browser: Browser,
) -> None:
    run_producer(producer, serve, scripted, **env)
    trace_id = one_trace(serve, service)["summary"]["trace_id"]
    with viewer_page(browser, serve, f"/traces/{trace_id}?view=conversation") as page:
        stats = page.locator(".stats .stat")
        expect(stats.filter(has_text="LLM calls").locator(".stat-value")).to_have_text(llm_calls)
        expect(stats.filter(has_text="Cost").locator(".stat-value")).to_have_text(cost)
        main = page.locator("main")
        expect(main).to_contain_text("Sunny, 22 C in Paris. Enjoy your day!")
        if producer != "autogen_builtin":
            # a separate third call: its prompt is new input, though it is shorter than the
            # history before it (matched by content, not by message count)
            expect(main).to_contain_text("Name the primary colors.")
        # the tool result appears once (a message, or the tool step: never both)
        expect(page.get_by_text("Sunny, 22 C in Paris.", exact=True)).to_have_count(1)


def test_ag2_1x_turn_reads_in_order(
    serve: ServerProcess, scripted: ScriptedOpenAIServer, browser: Browser
) -> None:
    """One ag2 1.x `ask()`: LLM call, tool, LLM call inside one agent turn. The final
    answer comes after the tool call and its result, not above them."""
    run_producer("ag2_telemetry", serve, scripted)
    listing = serve.api("/api/traces", service="ag2-telemetry-app").json()["traces"]
    paris = min(listing, key=lambda t: t["start_time_ns"])["trace_id"]
    with viewer_page(browser, serve, f"/traces/{paris}?view=conversation") as page:
        turn = page.locator("article.turn")
        expect(turn).to_have_count(1)
        text = turn.inner_text()
        call, result, answer = (
            text.find(s) for s in ("get_weather", "Sunny, 22 C in Paris.", "Enjoy your day!")
        )
        assert -1 < call < result < answer, text
        expect(page.get_by_text("Sunny, 22 C in Paris.", exact=True)).to_have_count(1)


def test_ag2_1x_delegation_is_an_edge_in_the_agent_flow(
    serve: ServerProcess, scripted: ScriptedOpenAIServer, browser: Browser
) -> None:
    """A coordinator whose tool asks another agent: the delegated agent's turn sits under
    the coordinator's tool call, and the flow graph draws coordinator → weather_agent."""
    run_producer("ag2_delegation", serve, scripted, venv="ag2_telemetry")
    trace_id = one_trace(serve, "ag2-delegation-app")["summary"]["trace_id"]
    with viewer_page(browser, serve, f"/traces/{trace_id}?view=flow") as page:
        rows = page.locator(".flow table tbody tr")
        expect(rows.filter(has_text="delegation")).to_have_count(1)
        cells = rows.filter(has_text="delegation").locator("td").all_inner_texts()
        assert cells == ["coordinator", "weather_agent", "delegation", "1"]
        expect(page.locator(".flow-graph .edge-delegation")).to_have_count(1)


def test_ag2_1x_asks_of_one_conversation_link_to_each_other(
    serve: ServerProcess, scripted: ScriptedOpenAIServer, browser: Browser
) -> None:
    """Two asks of one ag2 1.x conversation (two traces): each trace page lists the other,
    and its conversation link opens the list filtered to them, with a way back to all."""
    run_producer("ag2_conversation", serve, scripted, venv="ag2_telemetry")
    wait_for(lambda: len(serve.api("/api/traces", service="ag2-conversation-app").json()["traces"]) == 3)
    _, second, first = serve.api("/api/traces", service="ag2-conversation-app").json()["traces"]
    with viewer_page(browser, serve, f"/traces/{first['trace_id']}") as page:
        related = page.locator(".same-conversation li")
        expect(related).to_have_count(1)
        expect(related).to_have_attribute("data-trace-id", second["trace_id"])
        page.locator(".trace-sub a", has_text=first["conversation_id"]).click()
        expect(page.locator("tr.trace-row")).to_have_count(2)
        expect(page.locator(".filter-chip")).to_contain_text(first["conversation_id"])
        page.get_by_role("button", name="All conversations").click()
        expect(page.locator("tr.trace-row")).to_have_count(3)
        assert "conversation=" not in page.url
