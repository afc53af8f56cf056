"""Who is traced, and with which tracer.

AG2's classes are patched once, process-wide; each wrapper then asks this
registry whether *this* agent (or the LLM wrapper) is traced. An agent is
traced when it was passed to `instrument_agent` / `instrument_pattern`, when
`AG2Instrumentor` is active, or when AG2 created it inside a traced step (the
temporary agents of speaker selection), which it then inherits.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry._logs import Logger, LoggerProvider, get_logger
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import Tracer, TracerProvider

from ag2_otel.instrumentation._metrics import Instruments
from ag2_otel.instrumentation._sampling import drops_unsampled_children
from ag2_otel.instrumentation._semconv import INSTRUMENTATION_NAME, SCHEMA_URL
from ag2_otel.instrumentation._settings import Settings
from ag2_otel.instrumentation.content import ContentPolicy
from ag2_otel.version import __version__

INHERIT_KEY = otel_context.create_key("ag2_otel.inherit")
"""Set by a traced step whose inner agents inherit its tracing (`Registry.inherited`)."""


@dataclass(frozen=True)
class Telemetry:
    """Everything a wrapper needs to emit: tracer, metric instruments, settings."""

    tracer: Tracer
    instruments: Instruments
    settings: Settings
    content: ContentPolicy | None
    """Set only when the user opted in to message content."""
    logger: Logger
    """Receives structured content events (`event_only` / `span_and_event`)."""
    content_on_spans: bool = False
    content_on_events: bool = False

    def quiet_when_unsampled(self) -> bool:
        """True when nothing inside an unsampled step would be observed: its child
        spans would be dropped and no meter records."""
        return drops_unsampled_children(self.tracer) and not self.instruments.recording()


def make_telemetry(
    tracer_provider: TracerProvider | None,
    meter_provider: MeterProvider | None,
    settings: Settings,
    logger_provider: LoggerProvider | None = None,
) -> Telemetry:
    tracer = trace.get_tracer(
        INSTRUMENTATION_NAME, __version__, tracer_provider=tracer_provider, schema_url=SCHEMA_URL
    )
    content = (
        ContentPolicy(settings.max_content_bytes, settings.redact, full_history=settings.full_history)
        if settings.capture_content.enabled
        else None
    )
    return Telemetry(
        tracer=tracer,
        instruments=Instruments.create(meter_provider),
        settings=settings,
        content=content,
        logger=get_logger(
            INSTRUMENTATION_NAME, __version__, logger_provider=logger_provider, schema_url=SCHEMA_URL
        ),
        content_on_spans=settings.capture_content.on_spans,
        content_on_events=settings.capture_content.on_events,
    )


class Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.global_telemetry: Telemetry | None = None
        self.llm_telemetry: Telemetry | None = None
        self._agents: weakref.WeakKeyDictionary[Any, Telemetry] = weakref.WeakKeyDictionary()
        self._patterns: weakref.WeakKeyDictionary[Any, Telemetry] = weakref.WeakKeyDictionary()

    def register_agent(self, agent: Any, telemetry: Telemetry) -> None:
        with self._lock:
            self._agents[agent] = telemetry

    def register_pattern(self, pattern: Any, telemetry: Telemetry) -> None:
        with self._lock:
            self._patterns[pattern] = telemetry

    def for_agent(self, agent: Any) -> Telemetry | None:
        try:
            explicit = self._agents.get(agent)
        except TypeError:  # an unhashable agent class
            explicit = None
        if explicit is not None:
            return explicit
        if self.global_telemetry is not None:
            return self.global_telemetry
        return self.inherited()

    @staticmethod
    def inherited() -> Telemetry | None:
        """The tracing of the traced turn this call runs inside, if any."""
        inherited = otel_context.get_value(INHERIT_KEY)
        return inherited if isinstance(inherited, Telemetry) else None

    def for_pattern(self, pattern: Any) -> Telemetry | None:
        try:
            explicit = self._patterns.get(pattern)
        except TypeError:
            explicit = None
        return explicit or self.global_telemetry

    def for_llm(self) -> Telemetry | None:
        return self.llm_telemetry or self.global_telemetry

    def clear(self) -> None:
        with self._lock:
            self.global_telemetry = None
            self.llm_telemetry = None
            self._agents.clear()
            self._patterns.clear()


registry = Registry()
