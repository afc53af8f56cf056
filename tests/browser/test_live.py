"""Watching a conversation while it runs: a slow scripted group chat traced with `ag2_otel.setup()`
into a real `ag2-otel serve`; the trace page shows its first turns before it ends, then the final
trace with no running spans left. A killed producer leaves its spans marked, never finished.
Over both stores: the SQLite file and `--store chdb:` (records and real spans side by side in
`otel_traces`, one row per span read back as SQLite keeps it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from ag2_otel.testing.serve import ServerProcess, start_server_over, wait_for

pytestmark = pytest.mark.browser

# Each reply takes `delay` seconds; every reply after the first (the planner's) also waits
# until the file `gate` exists, so the chat cannot end before the test has seen its first
# turn, however slow the machine.
PROGRAM = """
import dataclasses, itertools, pathlib, sys, time
import ag2_otel
from autogen import LLMConfig
from ag2_otel.demo import scenarios
from ag2_otel.demo.brain import demo_reply
from ag2_otel.testing import ScriptedOpenAIServer

delay, gate, served = float(sys.argv[1]), pathlib.Path(sys.argv[2]), itertools.count()

def reply(request):
    if next(served) > 0:
        deadline = time.monotonic() + 120
        while not gate.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return dataclasses.replace(demo_reply(request), delay_s=delay)

tracing = ag2_otel.setup(console=False, capture_content="span_only")
print("DESTINATION", tracing.destination, flush=True)
with ScriptedOpenAIServer(reply) as model:
    config = LLMConfig({"api_type": "openai", "model": "gpt-4o-mini", "base_url": model.base_url,
                        "api_key": "scripted"})
    scenarios.group_chat(config, None, instrument=False)
tracing.shutdown()
"""
RUNNING = "ag2_otel.running"


@pytest.fixture(params=["sqlite", "chdb"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    process = start_server_over(request.param, tmp_path)
    yield process
    process.stop()


def _start_program(tmp_path: Path, server: ServerProcess, delay_s: float) -> subprocess.Popen[str]:
    """The slow group chat; its replies after the first wait for `_open_gate(tmp_path)`."""
    script = tmp_path / "slow_group_chat.py"
    script.write_text(PROGRAM)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environment["AG2_OTEL_LOCAL_ENDPOINT"] = server.url
    return subprocess.Popen(
        [sys.executable, str(script), str(delay_s), str(_gate(tmp_path))],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _gate(tmp_path: Path) -> Path:
    return tmp_path / "gate-open"


def _trace(server: ServerProcess) -> dict[str, Any] | None:
    listing = server.api("/api/traces").json()["traces"]
    if not listing:
        return None
    found: dict[str, Any] = server.api(f"/api/traces/{listing[0]['trace_id']}").json()
    return found


def _running(trace: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in trace["spans"] if s["attributes"].get(RUNNING)]


@pytest.fixture
def page(browser: Browser, server: ServerProcess) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def test_a_running_group_chat_shows_its_turns_before_it_ends(
    tmp_path: Path, server: ServerProcess, page: Page
) -> None:
    with _start_program(tmp_path, server, delay_s=0.5) as program:
        try:
            wait_for(lambda: _trace(server) is not None, timeout_s=30)
            trace = _trace(server)
            assert trace is not None and _running(trace)  # the group chat is open: announced as running
            page.goto(f"/traces/{trace['summary']['trace_id']}")
            expect(page.locator(".live-banner.live-running")).to_be_visible()
            # the page follows the chat: the planner's turn shows while the chat still runs
            expect(page.locator(".conversation .turn-head .speaker").first).to_have_text(
                "planner", timeout=20_000
            )
            expect(page.locator(".live-banner.live-running")).to_be_visible()  # still open
            assert program.poll() is None
            _gate(tmp_path).touch()  # now let the chat finish
            assert program.wait(60) == 0
        finally:
            if program.poll() is None:
                program.kill()
    wait_for(lambda: (t := _trace(server)) is not None and not _running(t), timeout_s=15)
    final = _trace(server)
    assert final is not None
    assert {s["name"] for s in final["spans"]} >= {"invoke_agent planner", "invoke_agent executor"}
    page.reload()
    expect(page.locator(".conversation .turn-head .speaker")).to_have_text(["planner", "executor"])
    expect(page.locator(".live-banner")).to_have_count(0)


def test_a_killed_producer_leaves_its_spans_unfinished(
    tmp_path: Path, server: ServerProcess, page: Page
) -> None:
    with _start_program(tmp_path, server, delay_s=30.0) as program:
        try:
            wait_for(lambda: (t := _trace(server)) is not None and len(_running(t)) >= 2, timeout_s=30)
            program.send_signal(signal.SIGKILL)
            program.wait(10)
        finally:
            if program.poll() is None:
                program.kill()
    time.sleep(1.5)
    trace = _trace(server)
    assert trace is not None
    left = _running(trace)
    names = {s["name"] for s in left}
    assert "conversation group_user -> chat_manager" in names and "invoke_agent planner" in names
    assert all(s["status_code"] != "OK" for s in left)
    assert trace["summary"]["status"] == "running"  # never "ok" while start records remain
    page.goto(f"/traces/{trace['summary']['trace_id']}")
    expect(page.locator(".live-banner")).to_be_visible()
    # the list says so too: running at first, unfinished once no record has been refreshed for 20 s
    page.goto("/")
    expect(page.locator("table .live-badge.live-running, table .live-badge.live-unfinished")).to_have_count(1)
    listed = server.api("/api/traces", status="running").json()["traces"]
    assert [t["trace_id"] for t in listed] == [trace["summary"]["trace_id"]]
    assert server.api("/api/traces", status="ok").json()["traces"] == []
    # once its records stop being refreshed, a span is shown as never finished
    states = page.evaluate(
        """async () => {
          const { runningState } = await import('/static/viewer/js/live.js');
          const span = { attributes: { 'ag2_otel.running': true }, end_time_ns: (Date.now() - 30000) * 1e6 };
          return [runningState(span), runningState({ ...span, end_time_ns: Date.now() * 1e6 }),
                  runningState({ attributes: {}, end_time_ns: 0 })];
        }"""
    )
    assert states == ["unfinished", "running", None]
