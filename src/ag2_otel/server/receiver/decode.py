"""Turn an OTLP request body into span rows, within the request's `IngestLimits`.

Every failure is a `ReceiveError` carrying the HTTP status and a reason, so the
HTTP and gRPC receivers map it to a response without knowing what went wrong.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ag2_otel.server.normalize import Batch, SpanRow, normalize, normalize_protobuf
from ag2_otel.server.receiver.limits import Budget, IngestLimits, LimitExceeded, MalformedWire, Schema, walk

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_M = TypeVar("_M", bound=Message)
_GZIP_MAGIC = b"\x1f\x8b"


class ReceiveError(Exception):
    """A request the receiver refuses; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def media_type(content_type: str | None) -> str:
    """The bare media type (`application/json; charset=utf-8` → `application/json`)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def decompress(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """Undo `Content-Encoding: gzip` (or deflate), reading the body exactly.

    Output is bounded by `max_bytes` (a gzip bomb stops there: 413). A gzip body
    may hold several members (RFC 1952), all read; anything else after the
    stream is refused (400), never silently dropped.
    """
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise ReceiveError(415, f"unsupported content encoding {encoding!r}")
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    parts: list[bytes] = []
    size = 0
    rest = body
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            part = inflater.decompress(rest, max_bytes - size + 1)
        except zlib.error as exc:
            raise ReceiveError(400, f"corrupt {encoding} body: {exc}") from None
        size += len(part)
        if size > max_bytes:
            raise ReceiveError(413, f"decompressed body exceeds {max_bytes} bytes")
        parts.append(part)
        if not inflater.eof:
            raise ReceiveError(400, f"truncated {encoding} body")
        rest = inflater.unused_data
        if not rest:
            return b"".join(parts)
        if encoding != "gzip" or not rest.startswith(_GZIP_MAGIC):
            raise ReceiveError(400, f"{len(rest)} bytes of trailing data after the {encoding} stream")


def decode_traces(body: bytes, media: str, limits: IngestLimits) -> Batch[SpanRow]:
    """Rows of an uncompressed OTLP traces body (protobuf or JSON)."""
    with as_receive_errors():
        if media == PROTOBUF:
            return normalize_protobuf(body, limits)
        check_json(body, media, limits)
        return normalize(parse_json(body), limits)


def parse_bounded(
    body: bytes,
    media: str,
    limits: IngestLimits,
    into: _M,
    schema: Schema,
    hex_ids_to_base64: Callable[[dict[str, Any]], None],
    items_label: str,
) -> _M:
    """Any other signal's request, parsed whole once its cost is known to be within `limits`.

    A protobuf body above `limits.walk_above_bytes` is counted on the wire first
    (`schema` names the request message `into`'s type as its root), so what the
    parse builds is bounded by the same entry limits as traces; JSON gets the
    traces' size and bracket checks.
    """
    with as_receive_errors():
        if media == PROTOBUF:
            if len(body) > limits.walk_above_bytes:
                count_on_wire(body, limits, into.DESCRIPTOR.name, schema, items_label)
            return parse_protobuf_into(body, into)
        check_json(body, media, limits)
        return parse_json_into(body, into, hex_ids_to_base64)


def count_on_wire(body: bytes, limits: IngestLimits, root: str, schema: Schema, items_label: str) -> None:
    """Spend one request's `Budget` on the entries of `body` (an encoded `root`), parsing nothing.

    `items_label` names the signal's items in the 413 reason ("log records", "data points").
    """
    with as_receive_errors():
        # the request's own levels above an attribute (up to six, in metrics) are not its nesting
        walk(body, 0, len(body), root, schema, Budget(limits, items_label), limits.depth + 6)


def check_json(body: bytes, media: str, limits: IngestLimits) -> None:
    """Refuse a body that is not JSON (415), or JSON too costly to parse (413)."""
    if media != JSON:
        raise ReceiveError(415, f"unsupported content type {media or '(none)'!r}; use {PROTOBUF} or {JSON}")
    if len(body) > limits.max_json_bytes:
        raise ReceiveError(
            413, f"OTLP/JSON body of {len(body)} bytes exceeds {limits.max_json_bytes}; send protobuf"
        )
    # Parsed JSON costs memory per object or array (twice: Python, then protobuf);
    # counting brackets first bounds both, whatever the shape.
    containers = body.count(b"{") + body.count(b"[")
    if containers > limits.items + limits.attributes:
        raise ReceiveError(
            413, f"OTLP/JSON body with more than {limits.items + limits.attributes} objects and arrays"
        )


@contextmanager
def as_receive_errors() -> Iterator[None]:
    """`LimitExceeded` → 413, a malformed wire → 400, as `ReceiveError`."""
    try:
        yield
    except LimitExceeded as exc:
        raise ReceiveError(413, exc.reason) from None
    except (MalformedWire, DecodeError, RecursionError) as exc:
        raise ReceiveError(400, f"malformed protobuf: {_short(exc)}") from None


def parse_request(body: bytes, content_type: str | None) -> ExportTraceServiceRequest:
    """Parse an uncompressed body as OTLP protobuf or OTLP JSON."""
    kind = media_type(content_type)
    if kind == PROTOBUF:
        return parse_protobuf(body)
    if kind == JSON:
        return parse_json(body)
    raise ReceiveError(415, f"unsupported content type {kind or '(none)'!r}; use {PROTOBUF} or {JSON}")


def parse_protobuf(body: bytes) -> ExportTraceServiceRequest:
    return parse_protobuf_into(body, ExportTraceServiceRequest())


def parse_protobuf_into(body: bytes, message: _M) -> _M:
    """`body` parsed into `message` (any OTLP export request)."""
    try:
        message.ParseFromString(body)
    except (DecodeError, RecursionError, ValueError) as exc:
        raise ReceiveError(400, f"malformed protobuf: {exc}") from None
    return message


def parse_json(body: bytes) -> ExportTraceServiceRequest:
    """OTLP/JSON: ids are hex strings there, protobuf's JSON mapping wants base64."""
    return parse_json_into(body, ExportTraceServiceRequest(), _hex_ids_to_base64)


def parse_json_into(body: bytes, message: _M, hex_ids_to_base64: Callable[[dict[str, Any]], None]) -> _M:
    """OTLP/JSON `body` parsed into `message`, after `hex_ids_to_base64` fixed its ids."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ReceiveError(400, f"malformed JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ReceiveError(400, "malformed JSON: the body must be an object")
    try:
        hex_ids_to_base64(document)
        return json_format.ParseDict(document, message, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise ReceiveError(400, f"invalid OTLP JSON: {_short(exc)}") from None


def _hex_ids_to_base64(document: dict[str, Any]) -> None:
    for resource_spans in items(document, "resourceSpans", "resource_spans"):
        for scope_spans in items(resource_spans, "scopeSpans", "scope_spans"):
            for span in items(scope_spans, "spans"):
                convert_ids(
                    span, ("traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id")
                )
                for link in items(span, "links"):
                    convert_ids(link, ("traceId", "trace_id", "spanId", "span_id"))


def items(container: Any, *keys: str) -> list[Any]:
    if not isinstance(container, dict):
        return []
    for key in keys:
        value = container.get(key)
        if isinstance(value, list):
            return value
    return []


def convert_ids(obj: Any, keys: tuple[str, ...]) -> None:
    """Hex id strings in `obj` under `keys` → base64, in place."""
    if not isinstance(obj, dict):
        return
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str):
            try:
                obj[key] = base64.b64encode(bytes.fromhex(value)).decode("ascii")
            except ValueError:
                raise ReceiveError(400, f"{key} is not a hex string") from None


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:200] + "…"
