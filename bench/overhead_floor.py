"""The raw SDK floor: the spans ag2-otel emits for a scenario, replayed directly.

A template is recorded once per scenario (ag2-otel, content off); the replay
creates the same tree of spans (names, kinds, parents, and every attribute
with its final value, passed at start) with nothing but the SDK: start the
span, make it current while its children run, end it. That is the least any
instrumentation emitting these spans must do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, Tracer


@dataclass
class SpanTemplate:
    name: str
    kind: SpanKind
    attributes: dict[str, Any]
    children: list[SpanTemplate] = field(default_factory=list)


def template_of(spans: Sequence[ReadableSpan]) -> list[SpanTemplate]:
    """Roots of the span tree, children in start order."""
    ordered = sorted(spans, key=lambda s: s.start_time or 0)
    nodes = {
        s.context.span_id: SpanTemplate(s.name, s.kind, dict(s.attributes or {}))
        for s in ordered
        if s.context
    }
    roots: list[SpanTemplate] = []
    for span in ordered:
        assert span.context is not None
        node = nodes[span.context.span_id]
        parent = nodes.get(span.parent.span_id) if span.parent else None
        (parent.children if parent else roots).append(node)
    return roots


def attribute_count(roots: Sequence[SpanTemplate]) -> int:
    return sum(len(n.attributes) + attribute_count(n.children) for n in roots)


def span_count(roots: Sequence[SpanTemplate]) -> int:
    return sum(1 + span_count(n.children) for n in roots)


def replayer(tracer: Tracer, roots: Sequence[SpanTemplate]) -> Callable[[], None]:
    def replay(nodes: Sequence[SpanTemplate], parent: Context) -> None:
        for node in nodes:
            span = tracer.start_span(node.name, context=parent, kind=node.kind, attributes=node.attributes)
            context = trace.set_span_in_context(span, parent)
            token = otel_context.attach(context)
            replay(node.children, context)
            otel_context.detach(token)
            span.end()

    def run() -> None:
        replay(roots, otel_context.get_current())

    return run
