"""OpenInference attributes beside the GenAI semconv ones, for Phoenix and other OpenInference UIs.

Phoenix converts `gen_ai.*` on ingest but has no OpenInference kind for AG2's conversation,
group-chat and speaker-selection spans (it shows them as "unknown"), and fills the input/output
of agent, conversation and tool spans only from `input.value` / `output.value`. It keeps
OpenInference attributes a span already carries, so this wrapper adds them at export time:
opt-in (wrap the exporter that sends to Phoenix), nothing added to the live spans, and the
semconv attributes go out unchanged. docs/interop.md has what Phoenix shows with and without it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

SPAN_KIND = "openinference.span.kind"
_KIND_BY_OPERATION = {
    "chat": "LLM",
    "text_completion": "LLM",
    "generate_content": "LLM",
    "embeddings": "EMBEDDING",
    "invoke_agent": "AGENT",
    "create_agent": "AGENT",
    "execute_tool": "TOOL",
    "invoke_workflow": "CHAIN",
}
_JSON = "application/json"


def openinference_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenInference attributes a span with these attributes lacks (empty: nothing to add).

    Only spans of an ag2-otel instrumentation are mapped: those with a GenAI operation or an
    `ag2.span.type` (every other AG2 step is a CHAIN, a unit of work inside the conversation).
    """
    operation = attributes.get("gen_ai.operation.name")
    kind = _KIND_BY_OPERATION.get(str(operation)) if operation is not None else None
    if kind is None and "ag2.span.type" not in attributes:
        return {}
    added: dict[str, Any] = {}
    if SPAN_KIND not in attributes:
        added[SPAN_KIND] = kind or "CHAIN"
    if kind == "TOOL":
        sources = ("gen_ai.tool.call.arguments", "gen_ai.tool.call.result")
    else:
        sources = ("gen_ai.input.messages", "gen_ai.output.messages")
    for side, source in zip(("input", "output"), sources, strict=True):
        value = attributes.get(source)
        if isinstance(value, str) and f"{side}.value" not in attributes:
            added[f"{side}.value"] = value
            if value.startswith(("[", "{")):
                added[f"{side}.mime_type"] = _JSON
    return added


def with_openinference(span: ReadableSpan) -> ReadableSpan:
    """`span` with the OpenInference attributes it lacks (the same object when none)."""
    attributes = span.attributes or {}
    added = openinference_attributes(attributes)
    if not added:
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes={**attributes, **added},
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class OpenInferenceSpanExporter(SpanExporter):
    """Wraps an exporter (e.g. OTLP to Phoenix): each span goes out with `with_openinference`."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([with_openinference(span) for span in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)
