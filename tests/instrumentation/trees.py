"""Assertions on span trees: shapes by name, parents, attribute types."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from opentelemetry.sdk.trace import ReadableSpan

Shape = tuple[str, list[Any]]
# The helpers give back the span type they were given (tests.instrumentation.spans.FinishedSpan).
S = TypeVar("S", bound=ReadableSpan)


def shape(spans: Sequence[ReadableSpan]) -> list[Shape]:
    """Nested (name, children) from finished spans, siblings by start time."""
    by_id = {s.context.span_id: s for s in spans}
    children: dict[int | None, list[ReadableSpan]] = {}
    for span in spans:
        parent = span.parent.span_id if span.parent and span.parent.span_id in by_id else None
        children.setdefault(parent, []).append(span)

    def build(parent: int | None) -> list[Shape]:
        kids = sorted(children.get(parent, []), key=lambda s: s.start_time or 0)
        return [(k.name, build(k.context.span_id)) for k in kids]

    return build(None)


def parent_id(span: ReadableSpan) -> int | None:
    """The parent's span id; None for a root (a failed assertion then shows None)."""
    return span.parent.span_id if span.parent is not None else None


def leaf(name: str) -> Shape:
    return (name, [])


def one_trace(spans: Sequence[ReadableSpan]) -> int:
    trace_ids: set[int] = {s.context.trace_id for s in spans}
    assert len(trace_ids) == 1, f"expected one trace, got {len(trace_ids)}"
    return trace_ids.pop()


def by_name(spans: Sequence[S], name: str) -> list[S]:
    return [s for s in spans if s.name == name]


def the(spans: Sequence[S], name: str) -> S:
    (span,) = by_name(spans, name)
    return span


def assert_one_tree(spans: Sequence[S]) -> S:
    """One trace, exactly one root, no orphan (every parent is in the trace); returns the root."""
    one_trace(spans)
    ids = {s.context.span_id for s in spans}
    roots = [s for s in spans if s.parent is None or s.parent.span_id not in ids]
    assert len(roots) == 1, f"expected one root, got {[r.name for r in roots]}"
    return roots[0]


def children_of(spans: Sequence[S], parent: ReadableSpan) -> list[S]:
    kids = [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]
    return sorted(kids, key=lambda s: s.start_time or 0)


def is_descendant(spans: Sequence[ReadableSpan], span: ReadableSpan, ancestor: ReadableSpan) -> bool:
    by_id = {s.context.span_id: s for s in spans}
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        if span is ancestor:
            return True
    return False
