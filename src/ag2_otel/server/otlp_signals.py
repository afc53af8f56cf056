"""The OTLP signals both receivers serve: one table for OTLP/HTTP and OTLP/gRPC.

Adding a signal, or changing how one is decoded, answered or stored, is one row here;
`otlp_http` and `grpc_receiver` only differ in transport.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ag2_otel.server.ingest_limits import IngestLimits
from ag2_otel.server.normalize import Batch
from ag2_otel.server.otlp_decode import decode_traces
from ag2_otel.server.otlp_logs import (
    LOGS_SERVICE,
    METRICS_SERVICE,
    decode_logs,
    decode_metrics,
    logs_response,
    metrics_response,
)
from ag2_otel.server.otlp_status import export_response
from ag2_otel.server.store.logs import write_logs
from ag2_otel.server.store.writer import Write

Decode = Callable[[bytes, str, IngestLimits], Batch[Any]]
"""(uncompressed body, media type, limits) → the rows to store and what was rejected."""
Respond = Callable[[Batch[Any], str], bytes]
"""(batch, media type) → the export response body."""

TRACES_SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService"


def trace_response(batch: Batch[Any], media: str) -> bytes:
    return export_response(batch.rejected, batch.error_message, media)


@dataclass(frozen=True)
class Signal:
    """How one signal is received: where it arrives, how it is decoded, answered and stored."""

    path: str
    """The OTLP/HTTP path."""
    service: str
    """The OTLP/gRPC service (its method is `Export`)."""
    decode: Decode
    respond: Respond
    write: Write | None
    """The store write for non-span rows; None: spans, which any `SpanWriter` takes."""


TRACES = Signal("/v1/traces", TRACES_SERVICE, decode_traces, trace_response, None)
SIGNALS = (
    TRACES,
    Signal("/v1/logs", LOGS_SERVICE, decode_logs, logs_response, write_logs),
    Signal("/v1/metrics", METRICS_SERVICE, decode_metrics, metrics_response, None),
)
