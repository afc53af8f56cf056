"""Content as events: the same content on the span (JSON strings, which every
trace backend keeps) and as a structured log event for backends that read the
GenAI semantic conventions' events (nested values, not strings)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry._logs import Logger, LogRecord
from opentelemetry.trace import Span

from ag2_otel.instrumentation._semconv import CONTENT_EVENT


def emit_content_event(logger: Logger, span: Span, content: Mapping[str, str]) -> None:
    """One `gen_ai.client.inference.operation.details` event, correlated with `span`."""
    logger.emit(
        LogRecord(
            event_name=CONTENT_EVENT,
            context=trace.set_span_in_context(span),
            attributes={key: structured(value) for key, value in content.items()},
        )
    )


def structured(value: str) -> Any:
    """A JSON document as its value (messages, parts, definitions); other text unchanged."""
    if value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
