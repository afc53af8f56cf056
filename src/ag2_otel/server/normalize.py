"""Flatten an `ExportTraceServiceRequest` into neutral span rows for the store.

Everything not promoted to a column is kept as compact JSON (attributes,
events, links, resource, scope) so `traces export` can give it back.
Spans with unusable ids, times or values are counted as rejected (OTLP
`partial_success`), each alone; a request over its `IngestLimits` raises `LimitExceeded`.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from ag2_otel.server.producers import CONTENT_EVENTS, Event, canonical_attributes
from ag2_otel.server.promote import Promoted, promote
from ag2_otel.server.receiver.limits import SPAN_SCHEMA, Budget, IngestLimits, LimitExceeded, fields, walk
from ag2_otel.server.units import MAX_NS

KINDS = ("UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
STATUS_CODES = ("UNSET", "OK", "ERROR")


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


def normalize(request: ExportTraceServiceRequest, limits: IngestLimits | None = None) -> Batch[SpanRow]:
    """Rows of a parsed request; with `limits`, one over them raises `LimitExceeded`."""
    rows = _Normalizer(limits)
    for resource_spans in request.resource_spans:
        rows.resource(resource_spans.resource)
        for scope_spans in resource_spans.scope_spans:
            rows.scope(scope_spans.scope)
            for span in scope_spans.spans:
                rows.span(span)
    return rows.batch


def normalize_protobuf(body: bytes, limits: IngestLimits) -> Batch[SpanRow]:
    """`normalize(parse_protobuf(body))` that never holds more than one parsed span.

    The request is walked on the wire and each resource, scope and span parsed
    on its own, so parse objects live only while their row is built, and an
    entry above `limits.walk_above_bytes` is counted before it is parsed.
    Raises `MalformedWire`/`DecodeError` for a corrupt body.
    """
    rows = _Normalizer(limits)
    view = memoryview(body)
    for number, start, stop in fields(view):
        if number != 1:
            continue
        # two passes over each level, not a list of its entries: a list of millions
        # of empty entries would cost the memory the limits are there to bound
        resource = _first_pass(Resource, "Resource", rows, view, start, stop)
        rows.resource(resource or Resource())
        for field_number, begin, end in fields(view, start, stop):
            if field_number != 2:
                continue
            scope = _first_pass(InstrumentationScope, "InstrumentationScope", rows, view, begin, end)
            rows.scope(scope or InstrumentationScope())
            for span_field, first, last in fields(view, begin, end):
                if span_field == 2:
                    rows.span(rows.parse(Span, "Span", view, first, last))
    return rows.batch


def _first_pass(
    kind: type[_Message], name: str, rows: _Normalizer, view: memoryview, start: int, stop: int
) -> _Message | None:
    """Field 1 of a ResourceSpans/ScopeSpans (its resource/scope), parsed; the last one wins.

    Also counts the entries of field 2 (scopes/spans), so a level holding
    millions of them is refused in this pass.
    """
    found = None
    entries = 0
    most = rows.most_entries(name)
    for number, begin, end in fields(view, start, stop):
        if number == 1:
            found = (begin, end)
        elif number == 2:
            entries += 1
            if entries > most:
                raise LimitExceeded(
                    f"more than {most} {'scopes' if kind is Resource else 'spans'} in one request"
                )
    return rows.parse(kind, name, view, *found) if found else None


_Message = TypeVar("_Message", Resource, InstrumentationScope, Span)


class _Normalizer:
    """Builds one request's rows, spending its `Budget` as entries are read."""

    def __init__(self, limits: IngestLimits | None) -> None:
        self.batch: Batch[SpanRow] = Batch()
        self._limits = limits
        self._budget = Budget(limits, "spans") if limits else None
        self._wire_budget = Budget(limits, "spans") if limits else None
        self._service: str | None = None
        self._resource_json = "{}"
        self._scope_json = "{}"

    def parse(self, kind: type[_Message], name: str, view: memoryview, start: int, stop: int) -> _Message:
        if self._limits and self._wire_budget and stop - start > self._limits.walk_above_bytes:
            walk(view, start, stop, name, SPAN_SCHEMA, self._wire_budget, self._limits.depth)
        # upb parses any buffer: a bytes copy would double the memory of a large span
        return kind.FromString(view[start:stop])  # type: ignore[arg-type]

    def most_entries(self, name: str) -> float:
        """Most scopes (in a resource) or spans (in a scope) one request may hold."""
        if self._limits is None:
            return math.inf
        return self._limits.scopes if name == "Resource" else self._limits.items

    def resource(self, resource: Resource) -> None:
        if self._budget:
            self._budget.spend("resources")
        attributes = attributes_dict(resource.attributes, self._budget)
        self._resource_json = dumps(attributes)
        service = attributes.get("service.name")
        self._service = str(service) if service is not None else None

    def scope(self, scope: InstrumentationScope) -> None:
        if self._budget:
            self._budget.spend("scopes")
        attributes = attributes_dict(scope.attributes, self._budget)
        self._scope_json = dumps({"name": scope.name, "version": scope.version, "attributes": attributes})

    def span(self, span: Span) -> None:
        budget = self._budget
        if budget:
            budget.spend("items")
            budget.spend("events", len(span.events))
            budget.spend("links", len(span.links))
        reason = _invalid_reason(span)
        if reason is None:
            try:
                self.batch.rows.append(
                    _row(span, self._service, self._resource_json, self._scope_json, budget)
                )
                return
            except LimitExceeded:
                raise
            except Exception as exc:  # one unreadable span is rejected alone, never its batch
                reason = f"span could not be read ({type(exc).__name__})"
        self.batch.reject(reason)


def _invalid_reason(span: Span) -> str | None:
    if len(span.trace_id) != 16 or not any(span.trace_id):
        return "span with invalid trace_id (need 16 non-zero bytes)"
    if len(span.span_id) != 8 or not any(span.span_id):
        return "span with invalid span_id (need 8 non-zero bytes)"
    if len(span.parent_span_id) not in (0, 8):
        return "span with invalid parent_span_id (need 0 or 8 bytes)"
    if span.start_time_unix_nano > MAX_NS or span.end_time_unix_nano > MAX_NS:
        return "span with a timestamp beyond year 2262"
    return None


MAX_SPAN_NAME_CHARS = 4096
"""Longer span names are stored cut to this many characters (and an ellipsis)..."""
NAME_LENGTH_ATTRIBUTE = "ag2_otel.span.name_length"
"""... with their full length kept in this attribute, so the cut is never silent."""


def _row(
    span: Span, service: str | None, resource_json: str, scope_json: str, budget: Budget | None
) -> SpanRow:
    events = (lambda: _content_events(span)) if span.events else None
    attributes = canonical_attributes(attributes_dict(span.attributes, budget), events)
    parent = span.parent_span_id.hex() if any(span.parent_span_id) else None
    status_code = span.status.code
    name = span.name
    if len(name) > MAX_SPAN_NAME_CHARS:  # names are labels: a huge one would ride along every list and page
        attributes[NAME_LENGTH_ATTRIBUTE] = len(name)
        name = name[:MAX_SPAN_NAME_CHARS] + "…"
    return SpanRow(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=parent,
        name=name,
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
        events_json=_events(span, budget) if span.events else "[]",
        links_json=dumps([_link(link, budget) for link in span.links]) if span.links else "[]",
        resource_json=resource_json,
        scope_json=scope_json,
    )


def _content_events(span: Span) -> list[Event]:
    return [(e.name, attributes_dict(e.attributes), None) for e in span.events if e.name in CONTENT_EVENTS]


def _events(span: Span, budget: Budget | None) -> str:
    return dumps(
        [
            {"name": e.name, "time_ns": e.time_unix_nano, "attributes": attributes_dict(e.attributes, budget)}
            for e in span.events
        ]
    )


def _link(link: Span.Link, budget: Budget | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "trace_id": link.trace_id.hex(),
        "span_id": link.span_id.hex(),
        "attributes": attributes_dict(link.attributes, budget),
    }
    if link.trace_state:
        out["trace_state"] = link.trace_state
    return out


def attributes_dict(pairs: Any, budget: Budget | None = None) -> dict[str, Any]:
    """OTLP key/value list → plain dict; a repeated key keeps its last value.

    With a `budget`, every key/value and array element (at any depth) spends one attribute.
    """
    if budget is not None:
        budget.spend("attributes", len(pairs))
    result: dict[str, Any] = {}
    pair: KeyValue
    for pair in pairs:
        value = pair.value
        # strings are most attributes: skip the general conversion for them
        result[pair.key] = (
            value.string_value if value.WhichOneof("value") == "string_value" else any_value(value, budget)
        )
    return result


def any_value(value: AnyValue, budget: Budget | None = None) -> Any:
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
        items = value.array_value.values
        if budget is not None:
            budget.spend("attributes", len(items))
        return [any_value(item, budget) for item in items]
    if which == "kvlist_value":
        return attributes_dict(value.kvlist_value.values, budget)
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return None


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
"""One encoder for every call: `json.dumps` with options builds a new encoder each time."""


def dumps(value: Any) -> str:
    return _ENCODE(value)


_DECODE = json.JSONDecoder().raw_decode


def loads(text: str) -> Any:
    """A stored JSON column's value. The store wrote it (`dumps`, `json.dumps`: nothing
    around the value), so `raw_decode` reads it with the C scanner alone: `json.loads` adds
    whitespace checks around the scan that cost more than scanning the short lists and maps
    a trace list or a trace reads by the dozen (docs/backend.md, "rows by name")."""
    return _DECODE(text)[0]
