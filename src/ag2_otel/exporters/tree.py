"""Render spans of one trace as an indented tree, like the seed notebook draws them.

Pure functions: used by `ConsoleTreeSpanExporter` and by `ag2-otel traces show`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ag2_otel.costs import format_cost
from ag2_otel.exporters._records import SpanRecord

_BRANCH, _LAST, _PIPE, _GAP = "├── ", "└── ", "│   ", "    "


def build_forest(spans: Iterable[SpanRecord]) -> tuple[list[SpanRecord], dict[str, list[SpanRecord]]]:
    """Return (roots, children by parent id), siblings ordered by start time.

    A span whose parent is not among `spans` counts as a root, so a partial
    trace still renders instead of losing spans.
    """
    spans = list(spans)
    known = {span.span_id for span in spans}
    children: dict[str, list[SpanRecord]] = defaultdict(list)
    roots: list[SpanRecord] = []
    for span in spans:
        if span.parent_span_id and span.parent_span_id in known:
            children[span.parent_span_id].append(span)
        else:
            roots.append(span)
    for siblings in children.values():
        siblings.sort(key=lambda s: (s.start_time_ns, s.end_time_ns))
    roots.sort(key=lambda s: (s.start_time_ns, s.end_time_ns))
    return roots, children


def render_trace(spans: Sequence[SpanRecord], *, header: bool = True) -> str:
    """Render every span of one trace; roots first, children indented beneath."""
    roots, children = build_forest(spans)
    lines: list[str] = []
    if header and spans:
        lines.append(f"trace {spans[0].trace_id} ({len(spans)} spans)")
    for root in roots:
        _render(root, children, "", "", lines)
    return "\n".join(lines)


def _render(
    span: SpanRecord,
    children: Mapping[str, list[SpanRecord]],
    first_prefix: str,
    rest_prefix: str,
    lines: list[str],
) -> None:
    lines.append(f"{first_prefix}{describe(span)}")
    kids = children.get(span.span_id, [])
    for index, child in enumerate(kids):
        last = index == len(kids) - 1
        _render(
            child,
            children,
            rest_prefix + (_LAST if last else _BRANCH),
            rest_prefix + (_GAP if last else _PIPE),
            lines,
        )


def describe(span: SpanRecord) -> str:
    """One line: name, duration, then the few attributes a reader scans for."""
    parts = [span.name, f"{span.duration_ms:.1f} ms"]
    parts.extend(_key_facts(span.attributes))
    if span.status_code == "ERROR":
        error = span.attributes.get("error.type") or "error"
        message = f": {span.status_message}" if span.status_message else ""
        parts.append(f"ERROR {error}{message}")
    return "  ".join(parts)


def _key_facts(attributes: Mapping[str, Any]) -> list[str]:
    facts: list[str] = []
    tokens_in = attributes.get("gen_ai.usage.input_tokens", attributes.get("ag2.usage.input_tokens"))
    tokens_out = attributes.get("gen_ai.usage.output_tokens", attributes.get("ag2.usage.output_tokens"))
    if tokens_in is not None or tokens_out is not None:
        facts.append(f"tokens {tokens_in or 0}/{tokens_out or 0}")
    cost = attributes.get("ag2.usage.cost")
    if cost:
        facts.append(f"cost {format_cost(float(cost))}")
    model = attributes.get("gen_ai.response.model")
    if model and model != attributes.get("gen_ai.request.model"):
        facts.append(f"model={model}")
    reasons = attributes.get("gen_ai.response.finish_reasons")
    if reasons:
        facts.append("finish=" + ",".join(str(r) for r in reasons))
    if attributes.get("ag2.handoff.kind"):
        facts.append(f"kind={attributes['ag2.handoff.kind']}")
    if attributes.get("ag2.ended_by"):
        facts.append(f"ended by {attributes['ag2.ended_by']}")
    for key, label in (
        ("ag2.speaker_selection.selected", "selected"),
        ("ag2.group_chat.rounds", "rounds"),
        ("process.exit.code", "exit"),
    ):
        value = attributes.get(key)
        if value is not None:
            facts.append(f"{label}={value}")
    return facts
