"""Sampling: inside an unsampled conversation, steps nobody would observe are
passed straight through; anything a sampler or a meter could still see is not."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import get_current_span

from ag2_otel import AG2Instrumentor
from ag2_otel.demo import scenarios
from tests.instrumentation.metrics import HistogramPoint, metrics_of, points
from tests.instrumentation.spans import InMemorySpanExporter


class CountingParentBased(ParentBased):
    """The SDK's default parent-based sampler, counting the spans it is asked about."""

    def __init__(self, root: Sampler) -> None:
        super().__init__(root)
        self.names: list[str] = []

    def should_sample(
        self, parent_context: Context | None, trace_id: int, name: str, *args: Any, **kwargs: Any
    ) -> SamplingResult:
        self.names.append(name)
        return super().should_sample(parent_context, trace_id, name, *args, **kwargs)


class ChatSpansOnly(Sampler):
    """A sampler that records `chat` spans whatever their parent says."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: Any = None,
        attributes: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> SamplingResult:
        # a sampler's result carries the span's start attributes (the SDK keeps only those)
        decision = Decision.RECORD_AND_SAMPLE if name.startswith("chat") else Decision.DROP
        return SamplingResult(decision, attributes)

    def get_description(self) -> str:
        return "ChatSpansOnly"


def _run_tool_chat(llm_config: Any, provider: TracerProvider, meter_provider: Any = None) -> Any:
    instrumentor = AG2Instrumentor()
    instrumentor.instrument(tracer_provider=provider, meter_provider=meter_provider)
    try:
        return scenarios.tool_chat(llm_config, provider, instrument=False)
    finally:
        instrumentor.uninstrument()


def _provider(sampler: Sampler, exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def test_unsampled_conversation_passes_its_steps_through(llm_config: Any) -> None:
    exporter = InMemorySpanExporter()
    sampler = CountingParentBased(root=ALWAYS_OFF)
    traced = _run_tool_chat(llm_config, _provider(sampler, exporter))
    untraced = scenarios.tool_chat(llm_config, TracerProvider(), instrument=False)
    assert exporter.get_finished_spans() == ()
    # Only the conversation asked the sampler: its agent turns, LLM calls and tool call were skipped.
    assert sampler.names == ["conversation tool_user -> tool_agent"]
    assert traced.summary == untraced.summary
    assert [m.get("content") for m in traced.chat_history] == [
        m.get("content") for m in untraced.chat_history
    ]


def test_always_off_skips_the_steps_too(llm_config: Any) -> None:
    exporter = InMemorySpanExporter()
    _run_tool_chat(llm_config, _provider(ALWAYS_OFF, exporter))
    assert exporter.get_finished_spans() == ()


def test_unsampled_steps_still_feed_a_live_meter(llm_config: Any) -> None:
    exporter = InMemorySpanExporter()
    sampler = CountingParentBased(root=ALWAYS_OFF)
    reader = InMemoryMetricReader()
    _run_tool_chat(llm_config, _provider(sampler, exporter), MeterProvider(metric_readers=[reader]))
    assert exporter.get_finished_spans() == ()
    assert len(sampler.names) > 1  # every step ran its full path
    metrics = metrics_of(reader)
    durations = points(metrics["gen_ai.client.operation.duration"], HistogramPoint)
    assert sum(p.count for p in durations) == 2  # the tool call request and the final answer
    tools = points(metrics["gen_ai.execute_tool.duration"], HistogramPoint)
    assert sum(p.count for p in tools) == 1


def test_a_sampler_that_keeps_children_of_unsampled_parents_still_gets_them(llm_config: Any) -> None:
    exporter = InMemorySpanExporter()
    _run_tool_chat(llm_config, _provider(ChatSpansOnly(), exporter))
    names = [span.name for span in exporter.get_finished_spans()]
    assert names == ["chat gpt-4o-mini", "chat gpt-4o-mini"]


def test_an_unsampled_caller_span_makes_the_conversation_quiet(llm_config: Any) -> None:
    exporter = InMemorySpanExporter()
    sampler = CountingParentBased(root=ALWAYS_OFF)
    provider = _provider(sampler, exporter)
    with provider.get_tracer("app").start_as_current_span("request"):
        assert not get_current_span().is_recording()
        _run_tool_chat(llm_config, provider)
    assert sampler.names == ["request", "conversation tool_user -> tool_agent"]
    assert exporter.get_finished_spans() == ()


def test_a_global_meter_set_later_turns_quiet_steps_off() -> None:
    """Instrumented before the app sets its global meter provider (the API's proxy meter):
    quiet until then, full path after. In a subprocess: the global provider is set once."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        from opentelemetry import metrics
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
        from ag2_otel.instrumentation._registry import make_telemetry
        from ag2_otel.instrumentation._settings import resolve_settings

        telemetry = make_telemetry(TracerProvider(sampler=ALWAYS_OFF), None, resolve_settings())
        print(telemetry.quiet_when_unsampled())
        metrics.set_meter_provider(MeterProvider())
        print(telemetry.quiet_when_unsampled())
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "False"]


@pytest.mark.parametrize(
    ("sampler", "quiet"),
    [
        (ALWAYS_OFF, True),
        (ParentBased(ALWAYS_ON), True),  # the SDK's default
        (ParentBased(TraceIdRatioBased(0.1)), True),
        (ParentBased(ALWAYS_ON, local_parent_not_sampled=ALWAYS_ON), False),
        (TraceIdRatioBased(0.1), False),  # not parent-based: a child may be sampled
        (ChatSpansOnly(), False),
    ],
)
def test_which_samplers_make_unsampled_steps_quiet(sampler: Sampler, quiet: bool) -> None:
    from ag2_otel.instrumentation._sampling import drops_unsampled_children

    assert drops_unsampled_children(TracerProvider(sampler=sampler).get_tracer("t")) is quiet


def test_unsampled_async_and_threaded_conversations_are_quiet_too(llm_config: Any) -> None:
    """`a_initiate_chat` (the context follows the awaits) and `run()` (AG2's thread
    receives it through the context carriers)."""
    import asyncio

    from tests.instrumentation.agents import QUESTION, user_and_assistant

    exporter = InMemorySpanExporter()
    sampler = CountingParentBased(root=ALWAYS_OFF)
    provider = _provider(sampler, exporter)
    instrumentor = AG2Instrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        user, assistant = user_and_assistant(llm_config)
        asyncio.run(user.a_initiate_chat(assistant, message=QUESTION, max_turns=1))
        response = user.run(assistant, message=QUESTION, max_turns=1)
        response.process()
    finally:
        instrumentor.uninstrument()
    assert exporter.get_finished_spans() == ()
    assert sampler.names == ["conversation user_proxy -> assistant"] * 2
