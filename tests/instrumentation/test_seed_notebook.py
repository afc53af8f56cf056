"""The seed notebook's own code, only its import lines changed, produces the
trees the notebook draws (run in a subprocess: it sets the global provider)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ag2_otel.testing import ScriptedOpenAIServer

SEED = Path(__file__).with_name("seed_notebook.py")


def _console_spans(stdout: str) -> list[dict[str, Any]]:
    """ConsoleSpanExporter prints one indented JSON object per span."""
    blocks = re.findall(r"^\{\n.*?^\}$", stdout, flags=re.DOTALL | re.MULTILINE)
    return [json.loads(block) for block in blocks if '"context"' in block]


def _children(spans: list[dict[str, Any]], parent: dict[str, Any]) -> list[str]:
    kids = [s for s in spans if s["parent_id"] == parent["context"]["span_id"]]
    return [s["name"] for s in sorted(kids, key=lambda s: s["start_time"])]


def test_seed_notebook_runs_unchanged_and_draws_its_trees(scripted_server: ScriptedOpenAIServer) -> None:
    env = {**os.environ, "OPENAI_BASE_URL": scripted_server.base_url, "OPENAI_API_KEY": "scripted"}
    env.pop("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", None)
    completed = subprocess.run(
        [sys.executable, str(SEED)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    spans = _console_spans(completed.stdout)
    roots = [s for s in spans if s["parent_id"] is None]
    assert [r["name"] for r in sorted(roots, key=lambda s: s["start_time"])] == [
        "conversation user_proxy -> assistant",
        "conversation tool_user -> tool_agent",
        "conversation group_user -> chat_manager",
    ]
    two_agent, tools, group = sorted(roots, key=lambda s: s["start_time"])
    # one trace per conversation
    for root in roots:
        trace_id = root["context"]["trace_id"]
        members = [s for s in spans if s["context"]["trace_id"] == trace_id]
        assert all(
            s["attributes"].get("gen_ai.conversation.id", s["attributes"].get("ag2.conversation.id"))
            for s in members
        )

    assert _children(spans, two_agent) == ["invoke_agent assistant"]
    (assistant,) = [s for s in spans if s["parent_id"] == two_agent["context"]["span_id"]]
    assert _children(spans, assistant) == ["chat gpt-4o-mini"]

    assert _children(spans, tools) == [
        "invoke_agent tool_agent",
        "invoke_agent tool_user",
        "invoke_agent tool_agent",
    ]
    turns = sorted(
        (s for s in spans if s["parent_id"] == tools["context"]["span_id"]), key=lambda s: s["start_time"]
    )
    assert [_children(spans, t) for t in turns] == [
        ["chat gpt-4o-mini"],
        ["execute_tool get_weather"],
        ["chat gpt-4o-mini"],
    ]

    (workflow,) = [s for s in spans if s["parent_id"] == group["context"]["span_id"]]
    assert workflow["name"] == "invoke_workflow AutoPattern"
    assert {"planner", "executor", "group_user"} <= set(workflow["attributes"]["ag2.group_chat.agents"])
    assert workflow["attributes"]["ag2.group_chat.max_rounds"] == 3
    assert workflow["attributes"]["ag2.group_chat.rounds"] == 2
    steps = _children(spans, workflow)
    assert steps == [
        "speaker_selection",
        "invoke_agent planner",
        "speaker_selection",
        "invoke_agent executor",
    ]
    # content is off by default: no message attributes anywhere
    assert not any(k.startswith("gen_ai.input") for s in spans for k in s["attributes"])
