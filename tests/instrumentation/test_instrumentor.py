"""Zero-code `AG2Instrumentor`: every agent (including ones created later),
exact uninstrument, no doubled spans, entry point registered."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

from ag2_otel import AG2Instrumentor, instrument_agent, instrument_llm_wrapper
from tests.instrumentation.agents import ONE_TURN_TREE, QUESTION, user_and_assistant
from tests.instrumentation.metrics import metrics_of
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import shape


def _chat(llm_config: Any) -> Any:
    user, assistant = user_and_assistant(llm_config)
    return user.initiate_chat(assistant, message=QUESTION, max_turns=1)


def _originals() -> dict[str, Any]:
    import autogen.agentchat.conversable_agent as ca
    from autogen import ConversableAgent
    from autogen.agentchat.groupchat import GroupChat
    from autogen.oai.client import OpenAIWrapper

    return {
        "generate_reply": ConversableAgent.__dict__["generate_reply"],
        "a_initiate_chat": ConversableAgent.__dict__["a_initiate_chat"],
        "create": OpenAIWrapper.__dict__["create"],
        "select_speaker": GroupChat.__dict__["select_speaker"],
        "threading": vars(ca)["threading"],
        "asyncio": vars(ca)["asyncio"],
    }


def test_instrumentor_traces_agents_created_later_and_uninstruments_exactly(
    llm_config: Any,
    tracer_provider: TracerProvider,
    exporter: InMemorySpanExporter,
    meter_provider: MeterProvider,
    metric_reader: InMemoryMetricReader,
) -> None:
    before = _originals()
    instrumentor = AG2Instrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    try:
        assert _originals() != before
        _chat(llm_config)  # agents created after instrument()
        assert shape(exporter.get_finished_spans()) == ONE_TURN_TREE
        names = set(metrics_of(metric_reader))
        assert {
            "gen_ai.client.operation.duration",
            "gen_ai.client.token.usage",
            "gen_ai.invoke_agent.duration",
        } <= names
    finally:
        instrumentor.uninstrument()
    assert _originals() == before
    exporter.clear()
    _chat(llm_config)
    assert exporter.get_finished_spans() == ()


def test_instrumenting_twice_never_doubles_spans(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    user, assistant = user_and_assistant(llm_config, tracer_provider)
    instrument_llm_wrapper(tracer_provider=tracer_provider)  # a second time
    instrument_agent(assistant, tracer_provider=tracer_provider)
    instrument_agent(user, tracer_provider=tracer_provider)
    AG2Instrumentor().instrument(tracer_provider=tracer_provider)
    try:
        user.initiate_chat(assistant, message=QUESTION, max_turns=1)
    finally:
        AG2Instrumentor().uninstrument()
    assert shape(exporter.get_finished_spans()) == ONE_TURN_TREE


def test_entry_point_is_registered() -> None:
    (entry,) = [e for e in entry_points(group="opentelemetry_instrumentor") if e.name == "ag2"]
    assert entry.load() is AG2Instrumentor
