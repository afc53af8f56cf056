"""Real AG2 programs (tests/instrumentation/programs, adapted from AG2's docs, notebooks and
tests) behave exactly as untraced when traced, and every trace is well formed.

Each program runs twice in a fresh interpreter, untraced and traced (`ag2_otel.testing.fidelity.observe_all`:
all programs at once, as many in parallel as there are cores), against the deterministic
`ScriptedModel`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ag2_otel.testing.fidelity import differences, observe_all, programs

SUITE = Path(__file__).with_name("programs")
PROGRAMS = programs(SUITE)
Span = dict[str, Any]

# One run of the whole suite, shared by every test below; generous for a loaded machine.
pytestmark = pytest.mark.timeout(900)


def _program(name: str) -> Any:
    return importlib.import_module(f"tests.instrumentation.programs.{name}")


SHAPES = (
    "conversation",
    "summary",
    "sequential_chats",
    "execute_tool",
    "execute_code",
    "human_input",
    "handoff",
    "speaker_selection",
    *(f"invoke_workflow {workflow}" for workflow in ("GroupChat", "AutoPattern", "RoundRobinPattern")),
    *(f"invoke_workflow {workflow}" for workflow in ("RandomPattern", "ManualPattern", "DefaultPattern")),
)
"""Every shape docs/shapes.md describes, by the span that shows it."""


def test_the_suite_covers_every_shape() -> None:
    assert len(PROGRAMS) >= 20
    for name in PROGRAMS:
        assert _program(name).SOURCE, f"{name} names no source"
    wanted = {span for name in PROGRAMS for span in _program(name).SPANS}
    assert [shape for shape in SHAPES if not any(w.startswith(shape) for w in wanted)] == []


@pytest.mark.parametrize("name", PROGRAMS)
def test_traced_program_behaves_exactly_as_untraced(name: str) -> None:
    runs = observe_all(SUITE)
    untraced, traced = runs[(name, False)], runs[(name, True)]
    assert untraced.returncode == 0, untraced.stderr[-3000:]
    fails = getattr(_program(name), "FAILS", None)
    outcome = untraced.data["outcome"]
    assert outcome.startswith(f"raised {fails}:") if fails else outcome == "returned", outcome
    assert differences(untraced, traced) == []


@pytest.mark.parametrize("name", PROGRAMS)
def test_traced_program_gives_a_well_formed_trace(name: str) -> None:
    traced = observe_all(SUITE)[(name, True)]
    assert traced.returncode == 0, traced.stderr[-3000:]
    program = _program(name)
    spans: list[Span] = traced.data["spans"]
    names = sorted(s["name"] for s in spans)
    assert traced.data["never_ended"] == []
    assert traced.data["uninstrument_left"] == []
    caller = _one_tree_under_the_caller(spans)
    tops = _children(spans, caller)
    assert tops, names
    for name_wanted in program.SPANS:
        assert name_wanted in names, f"{name_wanted!r} not in {names}"
    _conversation_ids(spans, caller)
    _errors_only_where_the_program_failed(spans, caller, program)
    _rollups_equal_the_llm_calls_beneath(spans)
    _group_rounds_and_selections(spans)


def _one_tree_under_the_caller(spans: list[Span]) -> Span:
    """One trace; the caller's span its only root; every other span's parent in the trace."""
    (caller,) = [s for s in spans if s["parent_id"] is None]
    assert caller["name"] == "caller"
    assert {s["trace_id"] for s in spans} == {caller["trace_id"]}
    ids = {s["id"] for s in spans}
    orphans = [s["name"] for s in spans if s is not caller and s["parent_id"] not in ids]
    assert orphans == []
    return caller


def _children(spans: list[Span], parent: Span) -> list[Span]:
    return sorted((s for s in spans if s["parent_id"] == parent["id"]), key=lambda s: s["start"])


def _descendants(spans: list[Span], parent: Span) -> Iterator[Span]:
    for child in _children(spans, parent):
        yield child
        yield from _descendants(spans, child)


def _conversation_ids(spans: list[Span], caller: Span) -> None:
    """Every span of one top-level step shares one conversation id; steps do not share.

    AG2-only steps carry it as `ag2.conversation.id` (no `gen_ai.*` on them: docs/spans.md).
    """
    ids = []
    for top in _children(spans, caller):
        tree = [top, *_descendants(spans, top)]
        found = {_conversation_id(s["attributes"]) for s in tree}
        assert len(found) == 1 and None not in found, (top["name"], found)
        ids.append(found.pop())
    assert len(ids) == len(set(ids))


def _conversation_id(attributes: dict[str, Any]) -> Any:
    return attributes.get("gen_ai.conversation.id", attributes.get("ag2.conversation.id"))


def _errors_only_where_the_program_failed(spans: list[Span], caller: Span, program: Any) -> None:
    expected = set(getattr(program, "EXPECTED_ERRORS", ()))
    fails = getattr(program, "FAILS", None)
    by_id = {s["id"]: s for s in spans}
    assert caller["status"] != "ERROR"
    for span in spans:
        if span["status"] != "ERROR" or span["name"] in expected:
            continue
        assert fails, f"{span['name']} is ERROR but the program did not fail"
        assert span["attributes"]["error.type"].endswith(fails), span
        parent = by_id[span["parent_id"]]
        assert parent is caller or parent["status"] == "ERROR", "the failure did not reach the caller"
    if fails:
        failed_tops = [t for t in _children(spans, caller) if t["status"] == "ERROR"]
        assert failed_tops, "the failing step is not marked ERROR"
        for top in failed_tops:
            if top["attributes"].get("ag2.span.type") == "conversation":  # a partial trace keeps its totals
                assert "ag2.usage.input_tokens" in top["attributes"]
                assert "ag2.conversation.turns" in top["attributes"]


def _rollups_equal_the_llm_calls_beneath(spans: list[Span]) -> None:
    for span in spans:
        attributes = span["attributes"]
        if "ag2.usage.input_tokens" not in attributes:
            continue
        calls = [
            s["attributes"]
            for s in _descendants(spans, span)
            if s["attributes"].get("ag2.span.type") == "llm"
            and "gen_ai.usage.input_tokens" in s["attributes"]
        ]
        where = span["name"]
        assert attributes["ag2.usage.llm_calls"] == len(calls), where
        assert attributes["ag2.usage.input_tokens"] == sum(c["gen_ai.usage.input_tokens"] for c in calls), (
            where
        )
        assert attributes["ag2.usage.output_tokens"] == sum(c["gen_ai.usage.output_tokens"] for c in calls), (
            where
        )
        cost = sum(c.get("ag2.usage.cost", 0.0) for c in calls)
        assert math.isclose(attributes["ag2.usage.cost"], cost, rel_tol=1e-9, abs_tol=1e-12), where


def _group_rounds_and_selections(spans: list[Span]) -> None:
    """A group's rounds are its agents' turns; each selection is followed by the selected agent."""
    for group in (s for s in spans if s["attributes"].get("ag2.span.type") == "group_chat"):
        steps = _children(spans, group)
        turns = [s for s in steps if s["attributes"].get("ag2.span.type") == "agent"]
        assert group["attributes"]["ag2.group_chat.rounds"] == len(turns), [s["name"] for s in steps]
        for index, step in enumerate(steps):
            selected = step["attributes"].get("ag2.speaker_selection.selected")
            if step["attributes"].get("ag2.span.type") != "speaker_selection" or selected is None:
                continue
            following = [s for s in steps[index + 1 :] if s["attributes"].get("ag2.span.type") == "agent"]
            assert following, f"nobody spoke after selecting {selected}"
            assert following[0]["name"] == f"invoke_agent {selected}", [s["name"] for s in steps]
