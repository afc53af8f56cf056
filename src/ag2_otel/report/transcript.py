"""The conversation in a stored trace, as turns by speaker with markers between them.

Mirrors the viewer's transcript (server/viewer/static/js/transcript.js) for a static page:
one turn per `invoke_agent` span (one per LLM call when there are no agent spans), AG2's
internal speaker-selection chat folded into its marker, tool calls and results inline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Span = Mapping[str, Any]

MARKER_TYPES = frozenset({"speaker_selection", "handoff", "conversation", "group_chat", "workflow"})
CONTENT_KEYS = (
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
)
INTERNAL_AGENT_PREFIXES = ("_Group_Tool_Executor",)
"""Agents AG2 creates for itself inside a group chat; not members a reader would name."""
_LLM_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "embeddings"})
_OPERATION_TYPES = {"invoke_agent": "agent", "execute_tool": "tool", "invoke_workflow": "workflow"}


def span_type(span: Span) -> str:
    declared = span.get("span_type") or span.get("attributes", {}).get("ag2.span.type")
    if declared and declared != "other":
        return str(declared)
    operation = span.get("operation") or span.get("attributes", {}).get("gen_ai.operation.name")
    if operation in _LLM_OPERATIONS:
        return "llm"
    return _OPERATION_TYPES.get(str(operation), "other")


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
        attrs = [llm.get("attributes", {}) for llm in self.llms]
        return (
            sum(int(a.get("gen_ai.usage.input_tokens") or 0) for a in attrs),
            sum(int(a.get("gen_ai.usage.output_tokens") or 0) for a in attrs),
            sum(float(a.get("ag2.usage.cost") or 0) for a in attrs),
        )


@dataclass
class Transcript:
    items: list[Turn | Span]  # turns and marker spans, in start order
    opening: list[Any]
    with_content: bool


def build_transcript(spans: Sequence[Span]) -> Transcript:
    by_id = {s["span_id"]: s for s in spans}
    children: dict[str, list[Span]] = {}
    for span in spans:
        parent = span.get("parent_span_id") or ""
        if parent in by_id:
            children.setdefault(parent, []).append(span)
    for kids in children.values():
        kids.sort(key=lambda s: (s["start_time_ns"], s["end_time_ns"]))

    def in_selection(span: Span) -> bool:
        node = by_id.get(span.get("parent_span_id") or "")
        while node is not None:
            if span_type(node) == "speaker_selection":
                return True
            node = by_id.get(node.get("parent_span_id") or "")
        return False

    turn_type = "agent" if any(span_type(s) == "agent" for s in spans) else "llm"
    ordered = sorted(spans, key=lambda s: (s["start_time_ns"], s["end_time_ns"]))
    items: list[Turn | Span] = []
    for span in ordered:
        kind = span_type(span)
        if in_selection(span):
            continue
        if kind == turn_type and not (turn_type == "llm" and _has_ancestor(span, by_id, "llm")):
            items.append(_turn(span, turn_type, children))
        elif kind in MARKER_TYPES:
            items.append(span)
    first = next((item for item in items if isinstance(item, Turn)), None)
    with_content = any(key in s.get("attributes", {}) for s in spans for key in CONTENT_KEYS)
    return Transcript(items, first.inputs() if first and turn_type == "agent" else [], with_content)


def _has_ancestor(span: Span, by_id: Mapping[str, Span], kind: str) -> bool:
    node = by_id.get(span.get("parent_span_id") or "")
    while node is not None:
        if span_type(node) == kind:
            return True
        node = by_id.get(node.get("parent_span_id") or "")
    return False


def _turn(span: Span, turn_type: str, children: Mapping[str, list[Span]]) -> Turn:
    attrs = span.get("attributes", {})
    speaker = span.get("agent") or attrs.get("gen_ai.agent.name") or span.get("name") or "assistant"
    turn = Turn(span, str(speaker), llms=[span] if turn_type == "llm" else [])
    stack = list(reversed(children.get(span["span_id"], [])))
    while stack:  # this turn's own steps: stop at nested turns and markers
        node = stack.pop()
        kind = span_type(node)
        if kind == turn_type or kind in MARKER_TYPES:
            continue
        if kind == "llm":
            turn.llms.append(node)
        elif kind == "tool":
            turn.tools.append(node)
        if node.get("status_code") == "ERROR":
            turn.errors.append(node)
        stack.extend(reversed(children.get(node["span_id"], [])))
    if span.get("status_code") == "ERROR":
        turn.errors.insert(0, span)
    return turn
