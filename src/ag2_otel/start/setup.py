"""`ag2_otel.setup()`: tracing for an AG2 program in one call.

It decides where telemetry goes (the standard OTLP variables, else a local `ag2-otel serve`,
else trees on the console), builds the SDK providers for it, and instruments AG2. What the
user already configured wins: global providers they set are kept (and said so, on our own
logger: nothing in the host's logging, warnings or output changes), an active instrumentation
is never repeated, and under `opentelemetry-instrument` it only instruments.
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

from ag2_otel.ids import PrivateRandomIdGenerator
from ag2_otel.instrumentation._settings import ContentCapture
from ag2_otel.start.exporters import describe_backend, env_endpoint, otlp_exporter, uses_grpc
from ag2_otel.start.probe import is_ag2_otel_server, local_endpoint
from ag2_otel.start.recent import RecentTraces
from ag2_otel.start.resource import build_resource

logger = logging.getLogger("ag2_otel.setup")

EXPORT_DELAY_MS = 1000
"""Batch delay towards a backend: a finished conversation shows in the viewer within ~1 s."""

_lock = threading.Lock()
_state: dict[str, Any] = {}  # "active": the running handle; "built": the one whose providers we set


@dataclass
class Tracing:
    """What `setup()` set up. `shutdown()` flushes and stops what it built; usable as `with`."""

    destination: str
    tracer_provider: Any
    meter_provider: Any = None
    logger_provider: Any = None
    viewer_url: str | None = None
    """The `ag2-otel serve` that receives the traces, when it is one (its viewer and API)."""
    notes: list[str] = field(default_factory=list)
    recent: RecentTraces | None = None
    instrumented: bool = False
    closed: bool = False

    def force_flush(self, timeout_millis: int = 10_000) -> bool:
        flushed = True
        for provider in (self.tracer_provider, self.meter_provider, self.logger_provider):
            flush = getattr(provider, "force_flush", None)
            if callable(flush):
                flushed = bool(flush(timeout_millis)) and flushed
        return flushed

    def shutdown(self) -> None:
        """Flush, and stop the instrumentation this call started.

        Providers it built stay: they are the process's global ones (the SDK allows one and shuts
        it down at exit), and a later `setup()` takes them up again.
        """
        with _lock:
            if self.closed:
                return
            self.closed = True
            if _state.get("active") is self:
                del _state["active"]
        self.force_flush()
        if self.instrumented:
            from ag2_otel.instrumentation.instrumentor import AG2Instrumentor

            AG2Instrumentor().uninstrument()

    def __enter__(self) -> Tracing:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()

    def __str__(self) -> str:
        lines = [f"ag2-otel tracing -> {self.destination}", *(f"  {note}" for note in self.notes)]
        if self.viewer_url:
            lines.append(f"  viewer: {self.viewer_url}/")
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython shows what was decided (destination, notes, viewer), not just the class."""
        printer.text(str(self))

    def __repr__(self) -> str:
        return f"<Tracing -> {self.destination}{' (shut down)' if self.closed else ''}>"


def setup(
    *,
    service_name: str | None = None,
    endpoint: str | None = None,
    capture_content: str | bool | ContentCapture | None = None,
    console: bool | None = None,
    live: bool = True,
) -> Tracing:
    """Trace AG2 in this process and return a handle (`shutdown()` flushes; also a context manager).

    Destination: `endpoint` (an OTLP base URL), else `OTEL_EXPORTER_OTLP_ENDPOINT`, else a local
    `ag2-otel serve` answering on 127.0.0.1:4318, else trees printed on the console.
    `console=True` prints trees as well; `console=False` never prints. With an `ag2-otel serve`,
    `live=True` also shows spans that are still running (`ag2_otel.live`); other backends never
    get those records. `capture_content` as in
    `instrument_agent` (off unless asked for). A second call returns the first handle; after
    `shutdown()`, a new call takes up the same providers again (the SDK allows one global
    provider per process).
    """
    with _lock:
        running: Tracing | None = _state.get("active")
        if running is not None:
            logger.info("ag2-otel is already set up (%s); reusing it", running.destination)
            return running
        handle = _state.get("built") or _adopt_existing() or _build(service_name, endpoint, console, live)
        handle.closed = False
        handle.instrumented = _instrument(handle, capture_content)
        _state["active"] = handle
    for note in handle.notes:
        logger.info("%s", note)
    return handle


def active() -> Tracing | None:
    """The handle of the running `setup()`, if any."""
    active_handle: Tracing | None = _state.get("active")
    return active_handle


def under_opentelemetry_instrument() -> bool:
    """True when `opentelemetry-instrument` started this process (its sitecustomize ran)."""
    site = sys.modules.get("sitecustomize")
    location = getattr(site, "__file__", None) or ""
    return Path(location).parent.name == "auto_instrumentation" and "opentelemetry" in Path(location).parts


def _adopt_existing() -> Tracing | None:
    """Global providers set before us (by the user or `opentelemetry-instrument`) are kept as they are."""
    provider = trace.get_tracer_provider()
    if under_opentelemetry_instrument():
        note = "running under opentelemetry-instrument: using its providers, only instrumenting AG2"
        return Tracing("opentelemetry-instrument's providers", provider, notes=[note])
    if isinstance(provider, trace.ProxyTracerProvider):
        return None
    note = "a global tracer provider was already set: kept as it is (no exporter added)"
    return Tracing("your global providers", provider, notes=[note])


def _build(service_name: str | None, endpoint: str | None, console: bool | None, live: bool) -> Tracing:
    resource = build_resource(service_name)
    tracer_provider = TracerProvider(resource=resource, id_generator=PrivateRandomIdGenerator())
    target = endpoint or env_endpoint()
    processors: list[SpanProcessor] = []
    handle = Tracing("nowhere (console=False)", tracer_provider)
    found_locally = target is None and is_ag2_otel_server(local_endpoint())
    if found_locally:
        target = local_endpoint()
    if target is not None:
        ours = found_locally or _is_local_ag2_otel(target)
        # an explicit or discovered endpoint is a base URL; from the environment, the exporters read it
        where = target if (endpoint or found_locally) else None
        exporter = otlp_exporter("trace", where, grpc=False if found_locally else None)
        processors.append(BatchSpanProcessor(exporter, schedule_delay_millis=EXPORT_DELAY_MS))
        handle.destination = describe_backend(target, ours)
        if ours:
            handle.viewer_url = target.rstrip("/")
            if live:
                from ag2_otel.live.processor import RunningSpanProcessor

                processors.append(RunningSpanProcessor(handle.viewer_url))
        else:  # `ag2-otel serve` takes traces only; a general backend gets metrics and events too
            handle.meter_provider, handle.logger_provider = _metrics_and_logs(resource, endpoint)
    if console or (console is None and target is None):
        from ag2_otel.exporters.console import ConsoleTreeSpanExporter

        processors.append(SimpleSpanProcessor(ConsoleTreeSpanExporter()))
        handle.destination = "console" if target is None else f"{handle.destination} and the console"
    handle.recent = RecentTraces()
    for processor in (*processors, handle.recent):
        tracer_provider.add_span_processor(processor)
    trace.set_tracer_provider(tracer_provider)
    if handle.meter_provider is not None:
        metrics.set_meter_provider(handle.meter_provider)
    _state["built"] = handle
    return handle


def _is_local_ag2_otel(target: str) -> bool:
    """Only loopback endpoints are asked (never send a stray request to someone's Collector)."""
    from urllib.parse import urlsplit

    from ag2_otel.server.config import is_loopback

    return not uses_grpc() and is_loopback(urlsplit(target).hostname or "") and is_ag2_otel_server(target)


def _metrics_and_logs(resource: Any, endpoint: str | None) -> tuple[Any, Any]:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    reader = PeriodicExportingMetricReader(otlp_exporter("metric", endpoint))
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(otlp_exporter("_log", endpoint)))
    return meter_provider, logger_provider


def _instrument(handle: Tracing, capture_content: str | bool | ContentCapture | None) -> bool:
    """Instrument AG2 unless something already did; True when this call did."""
    from ag2_otel.instrumentation.instrumentor import AG2Instrumentor

    instrumentor = AG2Instrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        handle.notes.append("AG2 was already instrumented: left as it is (capture_content not changed)")
        return False
    instrumentor.instrument(
        tracer_provider=handle.tracer_provider,
        meter_provider=handle.meter_provider,
        logger_provider=handle.logger_provider,
        capture_content=capture_content,
    )
    return True
