"""Each real producer's trace in the viewer, in real headless Chromium: the summary counts
its LLM calls, says so when the producer sends no cost, and the conversation shows the
messages it captured."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from ag2_otel.testing import ScriptedOpenAIServer
from tests.interop.conftest import one_trace, run_producer
from tests.serve_process import ServerProcess

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
    context = browser.new_context(base_url=serve.url, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"/traces/{trace_id}?view=conversation")
        page.wait_for_selector("body[data-ready='true']")
        stats = page.locator(".stats .stat")
        expect(stats.filter(has_text="LLM calls").locator(".stat-value")).to_have_text(llm_calls)
        expect(stats.filter(has_text="Cost").locator(".stat-value")).to_have_text(cost)
        expect(page.locator("main")).to_contain_text("Sunny, 22 C in Paris. Enjoy your day!")
    finally:
        context.close()
    assert errors == []
