"""What one OTLP request may cost, for every signal's receiver.

Parsing protobuf builds one object per message, so a body of tiny entries
costs many times its size in memory (figures in docs/backend.md). Three
defences, all here so the logs and metrics receivers reuse them:

- `IngestLimits`: byte sizes and counts of entries per request;
- `Budget`: the counts, spent while a request is normalised (over → 413);
- `walk`: counts entries on the wire, before any parse, for the few entries
  large enough that parsing them whole could be expensive.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class IngestLimits:
    """Defaults fit SDK and Collector batches with a wide margin."""

    max_body_bytes: int = 16 * MIB
    """Request body as sent (HTTP) or gRPC message; SDK batches are far smaller."""
    max_decoded_bytes: int = 16 * MIB
    """Body after gzip/deflate."""
    max_json_bytes: int = 4 * MIB
    """OTLP/JSON after decompression: parsed JSON costs more per byte than protobuf."""
    resources: int = 1_000
    scopes: int = 10_000
    items: int = 20_000
    """Spans (log records, data points) per request."""
    attributes: int = 200_000
    """Key/values and array elements per request, at any depth."""
    events: int = 50_000
    links: int = 50_000
    depth: int = 32
    """Nesting of array/kvlist attribute values."""
    walk_above_bytes: int = 64 * 1024
    """Entries larger than this are counted on the wire before being parsed."""
    concurrent_requests: int = 2
    """Requests being decoded or written at once, across both receivers."""
    waiting_requests: int = 64
    """HTTP requests that may wait for a slot (their bodies are not read while waiting)."""
    grpc_waiting_requests: int = 6
    """gRPC calls that may wait for a slot: grpc has read their whole message already."""
    wait_seconds: float = 10.0
    """How long a request waits for a slot before it is told to retry."""
    body_seconds: float = 30.0
    """Reading one HTTP request body: a stalled upload holds its slot no longer."""


class LimitExceeded(Exception):
    """A request is over one of its limits; `reason` names which (answered with 413)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_KINDS = ("resources", "scopes", "items", "attributes", "events", "links")


class Budget:
    """The entry counts one request may still spend."""

    __slots__ = ("_items", "_left", "_limits")

    def __init__(self, limits: IngestLimits, items: str = "items") -> None:
        self._limits = limits
        self._items = items  # what the signal calls its items in messages: spans, log records...
        self._left = {kind: getattr(limits, kind) for kind in _KINDS}

    def spend(self, kind: str, count: int = 1) -> None:
        left = self._left[kind] - count
        if left < 0:
            label = self._items if kind == "items" else kind
            raise LimitExceeded(f"more than {getattr(self._limits, kind)} {label} in one request")
        self._left[kind] = left


class MalformedWire(Exception):
    """The body is not valid protobuf wire format."""


Schema = Mapping[str, Mapping[int, tuple[str | None, str | None]]]
"""message -> {field number: (budget kind it spends or None, message to walk into or None)}."""

COMMON_SCHEMA: Schema = {
    "KeyValue": {2: (None, "AnyValue")},
    "AnyValue": {5: (None, "ArrayValue"), 6: (None, "KeyValueList")},
    "ArrayValue": {1: ("attributes", "AnyValue")},
    "KeyValueList": {1: ("attributes", "KeyValue")},
    "Resource": {1: ("attributes", "KeyValue")},
    "InstrumentationScope": {3: ("attributes", "KeyValue")},
}
SPAN_SCHEMA: Schema = {
    **COMMON_SCHEMA,
    "Span": {9: ("attributes", "KeyValue"), 11: ("events", "Event"), 13: ("links", "Link")},
    "Event": {3: ("attributes", "KeyValue")},
    "Link": {4: ("attributes", "KeyValue")},
}


def fields(
    data: bytes | memoryview, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, int, int]]:
    """(field number, start, stop) of each length-delimited field of one encoded message.

    Scalars are skipped; malformed data raises `MalformedWire`.
    """
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        tag, pos = _varint(data, pos, end)
        wire = tag & 7
        if wire == 2:
            length, pos = _varint(data, pos, end)
            if pos + length > end:
                raise MalformedWire("a field runs past the end of its message")
            yield tag >> 3, pos, pos + length
            pos += length
        elif wire == 0:
            _, pos = _varint(data, pos, end)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise MalformedWire(f"wire type {wire} is not used by OTLP")
    if pos > end:
        raise MalformedWire("a field runs past the end of its message")


def walk(
    data: bytes | memoryview, start: int, end: int, message: str, schema: Schema, budget: Budget, depth: int
) -> None:
    """Spend `budget` for every counted entry inside one encoded `message`, without parsing it."""
    if depth <= 0:
        raise LimitExceeded("attribute values nested too deeply")
    known = schema.get(message, {})
    for number, begin, stop in fields(data, start, end):
        kind, child = known.get(number, (None, None))
        if kind is not None:
            budget.spend(kind, 1)
        if child is not None and stop > begin:
            walk(data, begin, stop, child, schema, budget, depth - 1)


def _varint(data: bytes | memoryview, pos: int, end: int) -> tuple[int, int]:
    result = shift = 0
    while pos < end:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise MalformedWire("varint longer than 10 bytes")
    raise MalformedWire("truncated varint")
