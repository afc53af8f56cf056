"""The server is the one source of derived facts (docs/contracts.md, "Derived facts").

The same traces reach the server and, through its API, the viewer in real headless
Chromium; what the viewer shows must be what the server computed: every span's type and
agent (span details), the turns and their speakers (conversation), the totals (summary
header) and the per-agent and per-model tables. Over both stores, for real AG2 (two-agent,
tools, group chat, nested chats), canned shapes (speaker selection and handoff, a plain
OpenAI call, the cases where the viewer's old rules drifted from the server's) and real
foreign producers (OpenInference, ag2 1.x).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from ag2_otel.demo.brain import demo_reply
from ag2_otel.testing import ScriptedOpenAIServer
from ag2_otel.testing import viewer_traces as fixtures
from ag2_otel.testing.otlp import export_span_dicts
from ag2_otel.testing.serve import ServerProcess, start_server
from tests.interop.conftest import run_producer

from .conftest import PageWatch, open_page, watched_page

# The module's server is filled by real AG2 and two foreign producers (own processes) first.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
AG2_SERVICES = ("ag2-otel-demo", "nested-chat")
FOREIGN = {"openinference": "openinference-app", "ag2_telemetry": "ag2-telemetry-app"}


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One server per store with every shape in it (each trace sent once, over OTLP)."""
    directory = tmp_path_factory.mktemp(f"attribution-{request.param}")
    extra = ("--store", f"chdb:{directory / 'chdb'}") if request.param == "chdb" else ()
    server = start_server(directory / "traces.db", *extra)
    try:
        now = time.time_ns()
        for builder in (
            fixtures.group_chat_trace(now - 3 * 60 * 10**9),
            fixtures.openai_trace(now - 2 * 60 * 10**9),
            fixtures.drift_trace(now - 60 * 10**9),
        ):
            export_span_dicts(server.url, builder.spans)
        subprocess.run(
            [sys.executable, "-m", "tests.browser.ag2_shapes", server.url],
            cwd=directory,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
            capture_output=True,
            timeout=300,
        )
        with ScriptedOpenAIServer(demo_reply) as scripted:
            for producer in FOREIGN:
                run_producer(producer, server, scripted)
        _wait_for_traces(server, minimum=9)
        yield server
    finally:
        server.stop()


def _wait_for_traces(server: ServerProcess, minimum: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if len(server.api("/api/traces", limit=100).json()["traces"]) >= minimum:
            time.sleep(0.5)  # the last batch of a trace still in flight
            return
        time.sleep(0.1)
    raise AssertionError("the traces did not arrive")


def _trace_ids(server: ServerProcess) -> list[str]:
    return [t["trace_id"] for t in server.api("/api/traces", limit=100).json()["traces"]]


def test_every_shape_is_loaded(loaded: ServerProcess) -> None:
    """The comparison below runs over what the docstring promises, not over less."""
    services = {t["service"] for t in loaded.api("/api/traces", limit=100).json()["traces"]}
    assert services >= {"research-app", "plain-openai", "drift-app", *AG2_SERVICES, *FOREIGN.values()}
    ag2 = [t for t in loaded.api("/api/traces", limit=100).json()["traces"] if t["service"] in AG2_SERVICES]
    names = {t["root_name"] for t in ag2}
    assert any("group_user" in n for n in names) and any("tool_user" in n for n in names), names
    assert any("User -> Writer" in n for n in names), names  # the nested chat


def test_viewer_shows_the_servers_attribution(loaded: ServerProcess, browser: Browser) -> None:
    compared = 0
    for trace_id in _trace_ids(loaded):
        trace = loaded.api(f"/api/traces/{trace_id}").json()
        watch = PageWatch()
        with watched_page(browser, loaded.url, watch) as page:
            page.set_viewport_size({"width": 1400, "height": 2400})
            _check_summary(open_page(page, f"/traces/{trace_id}?view=conversation"), trace)
            _check_turns(page, trace)
            _check_spans(open_page(page, f"/traces/{trace_id}?view=spans"), trace)
        compared += 1
    assert compared >= 9


def test_drift_cases_follow_the_server_rule(loaded: ServerProcess) -> None:
    """The server's own answers for the drift trace, spelled out (the browser test above
    checks the viewer shows exactly these)."""
    (summary,) = [t for t in loaded.api("/api/traces").json()["traces"] if t["service"] == "drift-app"]
    trace = loaded.api(f"/api/traces/{summary['trace_id']}").json()
    owner = {s["name"]: s["derived"]["agent"] for s in trace["spans"] if s["span_type"] != "llm"}
    llm_owners = [s["derived"]["agent"] for s in sorted(trace["spans"], key=lambda s: s["start_time_ns"])
                  if s["span_type"] == "llm"]  # fmt: skip
    assert owner["execute_tool lookup"] == "bob"
    assert owner["a2a server remote_carol"] == "carol"
    assert owner["invoke_agent"] is None
    assert llm_owners == ["alice", "alice", "carol", None, "bob"]
    derived = trace["derived"]
    assert [(t["agent"], t["llm_calls"]) for t in derived["turns"]] == [("alice", 2), (None, 1), ("bob", 1)]
    assert summary["turns"] == 5  # the conversation's own count, as in the trace list
    assert {row["agent"]: row["llm_calls"] for row in derived["agents"]} == {
        "alice": 2,
        "carol": 1,
        None: 1,
        "bob": 1,
    }


# --- what the viewer shows ---------------------------------------------------------

FORMAT_JS = """async (values) => {
  const f = await import('/static/viewer/js/format.js');
  return values.map(([kind, v]) => (kind === 'int' ? f.formatInt(v) : kind === 'tokens' ? f.formatTokens(v)
    : kind === 'cost' ? f.formatCost(v) : f.formatDuration(v)));
}"""


def _formatted(page: Page, values: list[tuple[str, Any]]) -> list[str]:
    """The viewer's own number formatting (presentation) applied to the server's numbers."""
    result: list[str] = page.evaluate(FORMAT_JS, values)
    return result


def _cost_text(formatted: str, calls: int, priced: int) -> str:
    """What cost.js's costValue() shows for a cost of `calls` LLM calls, `priced` of which carried one."""
    if not calls or priced >= calls:
        return formatted
    return "not reported" if not priced else f"{formatted} (partial)"


def _check_summary(page: Page, trace: dict[str, Any]) -> None:
    s, derived = trace["summary"], trace["derived"]
    stats = dict(
        page.evaluate(
            """() => [...document.querySelectorAll('.stats .stat')].map((el) => [
                 el.querySelector('.stat-label').textContent,
                 el.querySelector('.stat-value').textContent,
               ])"""
        )
    )
    turns, llm, tin, tout, cost, errors = _formatted(
        page,
        [
            ("int", s["turns"]),
            ("int", s["llm_calls"]),
            ("tokens", s["input_tokens"]),
            ("tokens", s["output_tokens"]),
            ("cost", s["cost"]),
            ("int", s["error_count"]),
        ],
    )
    assert stats["Turns"] == turns
    assert stats["LLM calls"] == llm
    assert stats["Tokens in / out"] == f"{tin} / {tout}"
    assert stats["Cost"] == _cost_text(cost, s["llm_calls"], s["priced_calls"])
    assert stats["Errors"] == errors
    chips = page.locator(".stats .agent-list .agent-chip").all_inner_texts()
    assert chips == s["agents"]
    _check_breakdown(page, "Per agent", derived["agents"], "agent")
    _check_breakdown(page, "Per model", derived["models"], "model")


def _check_breakdown(page: Page, caption: str, rows: list[dict[str, Any]], key: str) -> None:
    table = page.locator("table.breakdown", has=page.locator("caption", has_text=caption))
    shown = [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]
    assert len(shown) == len(rows), (caption, shown, rows)
    for cells, row in zip(shown, rows, strict=True):
        numbers = [
            ("int", row["llm_calls"]),
            ("tokens", row["input_tokens"]),
            ("tokens", row["output_tokens"]),
            ("cost", row["cost"]),
        ]
        if key == "agent":
            numbers.insert(0, ("int", row["turns"]))
        expected = _formatted(page, numbers)
        expected[-1] = _cost_text(expected[-1], row["llm_calls"], row["priced_calls"])
        if row[key] is not None:
            assert cells[0] == row[key], (caption, cells, row)
        else:
            assert cells[0].startswith("("), (caption, cells, row)  # "(no agent)" and friends
        assert cells[1 : 1 + len(expected)] == expected, (caption, cells, row)


def _check_turns(page: Page, trace: dict[str, Any]) -> None:
    """One card per server turn, each on the turn's span, named after the turn's agent."""
    derived = trace["derived"]
    by_id = {s["span_id"]: s for s in trace["spans"]}
    shown = page.evaluate(
        """() => [...document.querySelectorAll('article.turn')].map((el) =>
             [el.dataset.spanId, el.querySelector('.speaker').textContent])"""
    )
    expected = [
        [
            t["span_id"],
            t["agent"] or (by_id[t["span_id"]]["name"] if derived["turn_type"] == "agent" else "assistant"),
        ]
        for t in derived["turns"]
    ]
    assert sorted(shown) == sorted(expected)


def _check_spans(page: Page, trace: dict[str, Any]) -> None:
    """Walk the whole tree with the keyboard; each span's details say the server's type and agent."""
    spans = {s["span_id"]: s for s in trace["spans"]}
    page.locator(".tree-viewport").focus()
    page.keyboard.press("Home")
    seen: dict[str, dict[str, str]] = {}
    for _ in range(len(spans) + 1):
        selected, facts = page.evaluate(
            """() => {
                 const facts = {};
                 const dts = [...document.querySelectorAll('.details dl.facts dt')];
                 for (const dt of dts) facts[dt.textContent] = dt.nextElementSibling.textContent;
                 return [document.querySelector('.tree-row.selected').dataset.spanId, facts];
               }"""
        )
        if selected in seen:
            break
        assert facts["Span ID"] == selected
        seen[selected] = facts
        page.keyboard.press("ArrowDown")
    reachable = {sid for sid in spans if _reachable(sid, spans)}
    assert set(seen) == reachable
    for span_id, facts in seen.items():
        span = spans[span_id]
        assert facts["Type"] == span["span_type"], (span["name"], facts)
        assert facts.get("Agent") == span["derived"]["agent"], (span["name"], facts, span["derived"])


def _reachable(span_id: str, spans: dict[str, dict[str, Any]]) -> bool:
    """In the tree: not part of a parent cycle (the tree shows spans under their roots)."""
    seen = set()
    node: dict[str, Any] | None = spans[span_id]
    while node is not None:
        if node["span_id"] in seen:
            return False
        seen.add(node["span_id"])
        node = spans.get(node["parent_span_id"] or "")
    return True
