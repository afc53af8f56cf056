"""Turn an OTLP/HTTP request body into an `ExportTraceServiceRequest`.

Every failure is a `ReceiveError` carrying the HTTP status and a reason, so the
HTTP route maps it to a response without knowing what went wrong.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_M = TypeVar("_M", bound=Message)
MAX_DECODED_BYTES = 64 * 1024 * 1024
"""Bound on the uncompressed body: a gzip bomb must not exhaust memory."""


class ReceiveError(Exception):
    """A request the receiver refuses; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def media_type(content_type: str | None) -> str:
    """The bare media type (`application/json; charset=utf-8` → `application/json`)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def decompress(body: bytes, content_encoding: str | None) -> bytes:
    """Undo `Content-Encoding: gzip` (or deflate) with a hard size bound."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise ReceiveError(415, f"unsupported content encoding {encoding!r}")
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    try:
        data = inflater.decompress(body, MAX_DECODED_BYTES)
    except zlib.error as exc:
        raise ReceiveError(400, f"corrupt {encoding} body: {exc}") from None
    if inflater.unconsumed_tail:
        raise ReceiveError(413, f"decompressed body exceeds {MAX_DECODED_BYTES} bytes")
    if not inflater.eof:
        raise ReceiveError(400, f"truncated {encoding} body")
    return data


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
