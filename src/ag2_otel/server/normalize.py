"""Flatten an `ExportTraceServiceRequest` into neutral span rows for the store.

Everything not promoted to a column is kept as compact JSON (attributes,
events, links, resource, scope) so `traces export` can give it back.
Spans with unusable ids are counted as rejected (OTLP `partial_success`).
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from ag2_otel.server.producers import CONTENT_EVENTS, Event, canonical_attributes
from ag2_otel.server.promote import Promoted, promote

KINDS = ("UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
STATUS_CODES = ("UNSET", "OK", "ERROR")
_MAX_TIME_NS = 2**63 - 1


@dataclass(slots=True)  # not frozen: a frozen __init__ costs per field, per span (docs/backend.md)
class SpanRow:
    """One span as the store writes it."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    start_ns: int
    end_ns: int
    status_code: str
    status_message: str
    trace_state: str
    flags: int
    service: str | None
    promoted: Promoted
    attributes_json: str
    events_json: str
    links_json: str
    resource_json: str
    scope_json: str


RowT = TypeVar("RowT")


@dataclass(slots=True)
class Batch(Generic[RowT]):
    """Rows of one export request (spans, or log records) plus what had to be rejected and why."""

    rows: list[RowT] = field(default_factory=list)
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.rejected += 1
        self.reasons.append(reason)

    @property
    def error_message(self) -> str:
        return "; ".join(sorted(set(self.reasons)))


def normalize(request: ExportTraceServiceRequest) -> Batch[SpanRow]:
    batch: Batch[SpanRow] = Batch()
    for resource_spans in request.resource_spans:
        resource = attributes_dict(resource_spans.resource.attributes)
        resource_json = dumps(resource)
        service = resource.get("service.name")
        service_name = str(service) if service is not None else None
        for scope_spans in resource_spans.scope_spans:
            scope = scope_spans.scope
            scope_json = dumps(
                {
                    "name": scope.name,
                    "version": scope.version,
                    "attributes": attributes_dict(scope.attributes),
                }
            )
            for span in scope_spans.spans:
                reason = _invalid_reason(span)
                if reason:
                    batch.reject(reason)
                else:
                    batch.rows.append(_row(span, service_name, resource_json, scope_json))
    return batch


def _invalid_reason(span: Span) -> str | None:
    if len(span.trace_id) != 16 or not any(span.trace_id):
        return "span with invalid trace_id (need 16 non-zero bytes)"
    if len(span.span_id) != 8 or not any(span.span_id):
        return "span with invalid span_id (need 8 non-zero bytes)"
    if len(span.parent_span_id) not in (0, 8):
        return "span with invalid parent_span_id (need 0 or 8 bytes)"
    if span.start_time_unix_nano > _MAX_TIME_NS or span.end_time_unix_nano > _MAX_TIME_NS:
        return "span with a timestamp beyond year 2262"
    return None


def _row(span: Span, service: str | None, resource_json: str, scope_json: str) -> SpanRow:
    events = (lambda: _content_events(span)) if span.events else None
    attributes = canonical_attributes(attributes_dict(span.attributes), events)
    parent = span.parent_span_id.hex() if any(span.parent_span_id) else None
    status_code = span.status.code
    return SpanRow(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=parent,
        name=span.name,
        kind=KINDS[span.kind] if 0 <= span.kind < len(KINDS) else "UNSPECIFIED",
        start_ns=span.start_time_unix_nano,
        end_ns=max(span.end_time_unix_nano, span.start_time_unix_nano),
        status_code=STATUS_CODES[status_code] if 0 <= status_code < len(STATUS_CODES) else "UNSET",
        status_message=span.status.message,
        trace_state=span.trace_state,
        flags=span.flags,
        service=service,
        promoted=promote(attributes),
        attributes_json=dumps(attributes),
        events_json=_events(span) if span.events else "[]",
        links_json=dumps([_link(link) for link in span.links]) if span.links else "[]",
        resource_json=resource_json,
        scope_json=scope_json,
    )


def _content_events(span: Span) -> list[Event]:
    return [(e.name, attributes_dict(e.attributes), None) for e in span.events if e.name in CONTENT_EVENTS]


def _events(span: Span) -> str:
    return dumps(
        [
            {"name": e.name, "time_ns": e.time_unix_nano, "attributes": attributes_dict(e.attributes)}
            for e in span.events
        ]
    )


def _link(link: Span.Link) -> dict[str, Any]:
    out: dict[str, Any] = {
        "trace_id": link.trace_id.hex(),
        "span_id": link.span_id.hex(),
        "attributes": attributes_dict(link.attributes),
    }
    if link.trace_state:
        out["trace_state"] = link.trace_state
    return out


def attributes_dict(pairs: Any) -> dict[str, Any]:
    """OTLP key/value list → plain dict; a repeated key keeps its last value."""
    result: dict[str, Any] = {}
    pair: KeyValue
    for pair in pairs:
        value = pair.value
        # strings are most attributes: skip the general conversion for them
        result[pair.key] = (
            value.string_value if value.WhichOneof("value") == "string_value" else any_value(value)
        )
    return result


def any_value(value: AnyValue) -> Any:
    """OTLP AnyValue → JSON-able Python (bytes as base64, non-finite doubles as text)."""
    which = value.WhichOneof("value")
    if which == "string_value":
        return value.string_value
    if which == "bool_value":
        return value.bool_value
    if which == "int_value":
        return value.int_value
    if which == "double_value":
        number = value.double_value
        return number if math.isfinite(number) else str(number)
    if which == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return attributes_dict(value.kvlist_value.values)
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return None


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
"""One encoder for every call: `json.dumps` with options builds a new encoder each time."""


def dumps(value: Any) -> str:
    return _ENCODE(value)
