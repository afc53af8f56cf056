"""Right parents across AG2's threads and executors, and no mixing between
concurrent chats."""

from __future__ import annotations

import threading
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from ag2_otel import instrument_agent, instrument_llm_wrapper
from tests.instrumentation.agents import ONE_TURN_TREE, QUESTION, user_and_assistant
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import leaf, one_trace, shape


def _pair(llm_config: Any) -> tuple[Any, Any]:
    return user_and_assistant(llm_config)


def _instrument(tracer_provider: TracerProvider, *agents: Any) -> None:
    instrument_llm_wrapper(tracer_provider=tracer_provider)
    for agent in agents:
        instrument_agent(agent, tracer_provider=tracer_provider)


def test_run_thread_stays_under_the_caller(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user, assistant = _pair(llm_config)
    _instrument(tracer_provider, user, assistant)
    with tracer_provider.get_tracer("test").start_as_current_span("caller"):
        response = user.run(assistant, message=QUESTION, max_turns=1)
        response.process()
    spans = exporter.get_finished_spans()
    one_trace(spans)
    assert shape(spans) == [("caller", ONE_TURN_TREE)]


async def test_a_run_stays_under_the_caller(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user, assistant = _pair(llm_config)
    _instrument(tracer_provider, user, assistant)
    with tracer_provider.get_tracer("test").start_as_current_span("caller"):
        response = await user.a_run(assistant, message=QUESTION, max_turns=1)
        await response.process()
    spans = exporter.get_finished_spans()
    one_trace(spans)
    assert shape(spans) == [("caller", ONE_TURN_TREE)]


async def test_only_the_llm_wrapper_async_stays_under_the_caller(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """`a_generate_oai_reply` hops to an executor thread; the chat span must follow."""
    user, assistant = _pair(llm_config)
    instrument_llm_wrapper(tracer_provider=tracer_provider)
    with tracer_provider.get_tracer("test").start_as_current_span("caller"):
        await user.a_initiate_chat(assistant, message=QUESTION, max_turns=1)
    spans = exporter.get_finished_spans()
    one_trace(spans)
    assert shape(spans) == [("caller", [leaf("chat gpt-4o-mini")])]


def test_concurrent_chats_in_threads_never_mix(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    pairs = [_pair(llm_config) for _ in range(4)]
    _instrument(tracer_provider, *[agent for pair in pairs for agent in pair])
    tracer = tracer_provider.get_tracer("test")
    errors: list[BaseException] = []

    def chat(index: int) -> None:
        try:
            with tracer.start_as_current_span(f"caller {index}"):
                user, assistant = pairs[index]
                user.initiate_chat(assistant, message=QUESTION, max_turns=1)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    spans = exporter.get_finished_spans()
    for index in range(4):
        (caller,) = [s for s in spans if s.name == f"caller {index}"]
        members = [s for s in spans if s.context.trace_id == caller.context.trace_id]
        assert shape(members) == [(f"caller {index}", ONE_TURN_TREE)]


def test_uninstrumented_agents_emit_nothing(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user, assistant = _pair(llm_config)
    other_user, other_assistant = _pair(llm_config)
    _instrument(tracer_provider, user, assistant)
    other_user.initiate_chat(other_assistant, message=QUESTION, max_turns=1)
    # only the (process-wide) LLM wrapper traced the other pair
    assert [s.name for s in exporter.get_finished_spans()] == ["chat gpt-4o-mini"]


def test_a_span_ended_by_background_work_leaves_the_callers_context_to_the_caller(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, caplog: Any
) -> None:
    """`sequential_run` hands a span to AG2's thread, which may finish before the caller
    gets its context back: the thread ends the span without touching the caller's context
    (a context token can only be reset where it was set: OpenTelemetry logs an error otherwise)."""
    import logging

    from opentelemetry import trace

    from ag2_otel.instrumentation._registry import make_telemetry
    from ag2_otel.instrumentation._settings import resolve_settings
    from ag2_otel.instrumentation._spans import Operation

    operation = Operation(make_telemetry(tracer_provider, None, resolve_settings()), "sequence", {})
    with caplog.at_level(logging.ERROR):
        worker = threading.Thread(target=lambda: operation.end(detach=False))
        worker.start()
        worker.join()
        assert [s.name for s in exporter.get_finished_spans()] == ["sequence"]
        assert trace.get_current_span() is operation.span  # still the caller's until it hands over
        operation.detach()
    assert not trace.get_current_span().get_span_context().is_valid
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
