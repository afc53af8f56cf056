"""The conversation in a stored trace, as turns by speaker with markers between them.

Mirrors the viewer's transcript (server/viewer/static/js/transcript.js) for a static page:
the server's turns (`ag2_otel.server.attribution`: one per `invoke_agent` span, one per LLM
call when there are no agent spans), AG2's internal speaker-selection chat folded into its
marker, tool calls and results inline. Which span belongs to which turn, who spoke and what
it cost are the server's derived facts, as in the viewer, never re-derived here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Span = Mapping[str, Any]

CONTENT_KEYS = (
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
)
INTERNAL_AGENT_PREFIXES = ("_Group_Tool_Executor",)
"""Agents AG2 creates for itself inside a group chat; not members a reader would name."""


def span_type(span: Span) -> str:
    """The span's type, as the server classified it."""
    return str(span.get("span_type") or "other")


def json_attr(span: Span, key: str) -> Any:
    value = span.get("attributes", {}).get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def message_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def group_members(names: Any) -> list[str]:
    """The agents of a group chat a reader knows, without AG2's internal helpers."""
    if not isinstance(names, list):
        return []
    return [str(n) for n in names if not str(n).startswith(INTERNAL_AGENT_PREFIXES)]


@dataclass
class Turn:
    span: Span
    speaker: str
    totals: tuple[int, int, float] = (0, 0, 0.0)
    """Tokens in, out and cost of the turn's LLM calls (the server's roll-up)."""
    llms: list[Span] = field(default_factory=list)
    tools: list[Span] = field(default_factory=list)
    errors: list[Span] = field(default_factory=list)

    @property
    def outputs(self) -> list[Any]:
        """What the turn said: its own output messages, else its last LLM call's."""
        own = message_list(json_attr(self.span, "gen_ai.output.messages"))
        if own:
            return own
        for llm in reversed(self.llms):
            said = message_list(json_attr(llm, "gen_ai.output.messages"))
            if said:
                return said
        return []

    def inputs(self) -> list[Any]:
        messages = message_list(json_attr(self.span, "gen_ai.input.messages"))
        if not messages and self.llms:
            messages = message_list(json_attr(self.llms[0], "gen_ai.input.messages"))
        return [m for m in messages if not (isinstance(m, dict) and m.get("role") == "system")]

    def usage(self) -> tuple[int, int, float]:
        return self.totals


@dataclass
class Transcript:
    items: list[Turn | Span]  # turns and marker spans, in start order
    opening: list[Any]
    with_content: bool


def build_transcript(trace: Mapping[str, Any]) -> Transcript:
    """Turns and markers of a `GET /api/traces/{id}` document that carries `derived`."""
    spans: Sequence[Span] = trace.get("spans") or []
    derived: Mapping[str, Any] = trace.get("derived") or {}
    by_id = {s["span_id"]: s for s in spans}
    ordered = sorted(spans, key=lambda s: (s["start_time_ns"], s["end_time_ns"]))
    own: dict[int, list[Span]] = {}
    for span in ordered:
        if (number := _facts(span).get("turn")) is not None:
            own.setdefault(number, []).append(span)
    turn_type = derived.get("turn_type") or "llm"
    heads = {t["span_id"]: t for t in derived.get("turns") or [] if t["span_id"] in by_id}
    items: list[Turn | Span] = []
    for span in ordered:
        if span["span_id"] in heads:
            items.append(_turn(span, heads[span["span_id"]], turn_type, own))
        elif _facts(span).get("turn_boundary") and not _facts(span).get("in_speaker_selection"):
            items.append(span)
    first = next((item for item in items if isinstance(item, Turn)), None)
    with_content = any(key in s.get("attributes", {}) for s in spans for key in CONTENT_KEYS)
    return Transcript(items, first.inputs() if first and turn_type == "agent" else [], with_content)


def _facts(span: Span) -> Mapping[str, Any]:
    facts: Mapping[str, Any] = span.get("derived") or {}
    return facts


def _turn(span: Span, row: Mapping[str, Any], turn_type: str, own: Mapping[int, list[Span]]) -> Turn:
    fallback = span.get("name") if turn_type == "agent" else None
    turn = Turn(
        span,
        str(row.get("agent") or fallback or "assistant"),
        (row["input_tokens"], row["output_tokens"], row["cost"]),
    )
    for node in own.get(row["turn"], []):
        kind = span_type(node)
        if kind == "llm":
            turn.llms.append(node)
        elif kind == "tool":
            turn.tools.append(node)
        if node.get("status_code") == "ERROR" and node is not span:
            turn.errors.append(node)
    if span.get("status_code") == "ERROR":
        turn.errors.insert(0, span)
    return turn
