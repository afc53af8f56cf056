"""Tracing modes for `bench/overhead.py`: how each one is switched on and fully off.

Every mode is set up for one block and torn down after it, in the same
process, so blocks of different modes can be interleaved:

* ag2-otel patches AG2's classes once and looks tracing up per agent;
  tear-down removes every patch and clears the registry (what
  `AG2Instrumentor().uninstrument()` does), so no ag2-otel code runs in the
  other modes' blocks.
* AG2's built-in tracer patches agent *instances* (fresh agents per block, so
  nothing leaks) and replaces `OpenAIWrapper.create` process-wide with no way
  back; tear-down puts the original function back.

`check_clean()` asserts both before every block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autogen.oai.client import OpenAIWrapper
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from ag2_otel import instrument_agent, instrument_llm_wrapper, instrument_pattern
from ag2_otel.instrumentation._patches import is_applied, remove_patches
from ag2_otel.instrumentation._registry import registry

ORIGINAL_CREATE = OpenAIWrapper.__dict__["create"]


class DiscardExporter(SpanExporter):
    """Counts what it is given and keeps nothing."""

    def __init__(self) -> None:
        self.spans = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans += len(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


@dataclass
class Pipeline:
    """A tracer provider, plus what to do after each conversation (clear the in-memory exporter)."""

    provider: TracerProvider
    after_each: Callable[[], None]
    spans: Callable[[], int]


def make_pipeline(kind: str) -> Pipeline:
    if kind == "simple":
        memory = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(memory))
        return Pipeline(provider, memory.clear, lambda: len(memory.get_finished_spans()))
    discard = DiscardExporter()
    provider = TracerProvider(sampler=ALWAYS_OFF) if kind == "always_off" else TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(discard))
    if kind == "live":  # running-span records (ag2_otel.live) as setup() adds them for ag2-otel serve
        from ag2_otel.live.processor import RunningSpanProcessor

        provider.add_span_processor(RunningSpanProcessor("http://127.0.0.1:9"))
    return Pipeline(provider, lambda: None, lambda: discard.spans)


Instrument = Callable[[list[Any], Any], None]


class Mode:
    """One way of running the scenarios; `start` returns how to instrument fresh agents."""

    def __init__(self, name: str, kind: str, pipeline: str | None) -> None:
        self.name = name
        self.kind = kind  # untraced | builtin | ag2otel_off | ag2otel_on | floor | floor_after
        self.pipeline = pipeline  # batch | simple | always_off | live | None

    def start(self, provider: TracerProvider | None) -> Instrument:
        check_clean()
        if self.kind == "builtin":
            return _start_builtin(provider)
        if self.kind in ("ag2otel_off", "ag2otel_on"):
            return _start_ag2_otel(provider, "span_only" if self.kind == "ag2otel_on" else "no_content")
        return lambda agents, pattern: None

    def stop(self) -> None:
        if self.kind == "builtin":
            OpenAIWrapper.create = ORIGINAL_CREATE  # type: ignore[method-assign]
        elif self.kind.startswith("ag2otel"):
            remove_patches()
            registry.clear()
        check_clean()


def check_clean() -> None:
    assert OpenAIWrapper.__dict__["create"] is ORIGINAL_CREATE, "AG2's built-in LLM patch leaked"
    assert not is_applied(), "ag2-otel patches leaked"
    assert registry.llm_telemetry is None, "ag2-otel LLM tracing leaked"
    assert registry.global_telemetry is None, "ag2-otel global tracing leaked"


def _start_builtin(provider: TracerProvider | None) -> Instrument:
    from autogen import opentelemetry as builtin

    assert provider is not None
    builtin.instrument_llm_wrapper(tracer_provider=provider)

    def instrument(agents: list[Any], pattern: Any) -> None:
        if pattern is not None:
            builtin.instrument_pattern(pattern, tracer_provider=provider)
            return
        for agent in agents:
            builtin.instrument_agent(agent, tracer_provider=provider)

    return instrument


def _start_ag2_otel(provider: TracerProvider | None, capture: str) -> Instrument:
    instrument_llm_wrapper(tracer_provider=provider, capture_content=capture)

    def instrument(agents: list[Any], pattern: Any) -> None:
        if pattern is not None:
            instrument_pattern(pattern, tracer_provider=provider, capture_content=capture)
            return
        for agent in agents:
            instrument_agent(agent, tracer_provider=provider, capture_content=capture)

    return instrument


IN_PROCESS_MODES = (
    Mode("untraced", "untraced", None),
    Mode("AG2 built-in, batch", "builtin", "batch"),
    Mode("AG2 built-in, simple+memory", "builtin", "simple"),
    Mode("ag2-otel content off, batch", "ag2otel_off", "batch"),
    Mode("ag2-otel content off, simple+memory", "ag2otel_off", "simple"),
    Mode("ag2-otel content on, batch", "ag2otel_on", "batch"),
    Mode("ag2-otel content on, simple+memory", "ag2otel_on", "simple"),
    Mode("ag2-otel content off, ALWAYS_OFF", "ag2otel_off", "always_off"),
    Mode("ag2-otel content off, batch + running-span records", "ag2otel_off", "live"),
    Mode("SDK floor, batch", "floor", "batch"),
    Mode("SDK floor, simple+memory", "floor", "simple"),
    Mode("SDK floor after a conversation, batch", "floor_after", "batch"),
    Mode("SDK floor after a conversation, simple+memory", "floor_after", "simple"),
)

HTTP_MODES = (
    Mode("untraced", "untraced", None),
    Mode("AG2 built-in, batch", "builtin", "batch"),
    Mode("ag2-otel content off, batch", "ag2otel_off", "batch"),
    Mode("ag2-otel content on, batch", "ag2otel_on", "batch"),
    Mode("ag2-otel content off, ALWAYS_OFF", "ag2otel_off", "always_off"),
)
