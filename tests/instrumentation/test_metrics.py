"""Every metric: name, unit, type, advised buckets and low-cardinality attributes."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import Histogram, HistogramDataPoint, InMemoryMetricReader, Metric, Sum
from opentelemetry.sdk.trace import TracerProvider

from ag2_otel import AG2Instrumentor
from ag2_otel.demo import scenarios
from ag2_otel.instrumentation._metrics import (
    AGENT_DURATION_BUCKETS,
    CLIENT_DURATION_BUCKETS,
    COUNT_BUCKETS,
    TOKEN_BUCKETS,
    WORKFLOW_DURATION_BUCKETS,
)
from tests.instrumentation.metrics import HistogramPoint, NumberPoint, metrics_of, points

EXPECTED: dict[str, tuple[type, str, tuple[float, ...] | None]] = {
    "gen_ai.client.operation.duration": (Histogram, "s", CLIENT_DURATION_BUCKETS),
    "gen_ai.client.token.usage": (Histogram, "{token}", TOKEN_BUCKETS),
    "gen_ai.client.inference.usage.input_tokens": (Sum, "{token}", None),
    "gen_ai.client.inference.usage.output_tokens": (Sum, "{token}", None),
    "gen_ai.client.inference.operation.input_tokens": (Histogram, "{token}", TOKEN_BUCKETS),
    "gen_ai.client.inference.operation.output_tokens": (Histogram, "{token}", TOKEN_BUCKETS),
    "gen_ai.invoke_agent.duration": (Histogram, "s", AGENT_DURATION_BUCKETS),
    "gen_ai.execute_tool.duration": (Histogram, "s", CLIENT_DURATION_BUCKETS),
    "gen_ai.invoke_workflow.duration": (Histogram, "s", WORKFLOW_DURATION_BUCKETS),
    "ag2.group_chat.rounds": (Histogram, "{round}", COUNT_BUCKETS),
    "ag2.usage.cost": (Sum, "USD", None),
}
# Attribute keys metrics may carry: all low-cardinality (no ids, no content).
ALLOWED_KEYS = {
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.request.model",
    "gen_ai.response.model",
    "server.address",
    "server.port",
    "gen_ai.agent.name",
    "gen_ai.tool.name",
    "gen_ai.workflow.name",
    "gen_ai.token.type",
    "error.type",
    "ag2.span.type",
    "ag2.speaker_selection.method",
    "ag2.handoff.kind",
    "ag2.handoff.source",
    "ag2.handoff.target",
    "ag2.human_input.mode",
    "ag2.code_execution.language",
}


@pytest.fixture(scope="module")
def emitted() -> dict[str, Metric]:
    """The metrics of the seed's three scenarios, through the real scripted endpoint."""
    from ag2_otel.demo.brain import demo_reply
    from ag2_otel.testing import ScriptedOpenAIServer
    from tests.instrumentation.conftest import llm_config_for

    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    instrumentor = AG2Instrumentor()
    instrumentor.instrument(tracer_provider=TracerProvider(), meter_provider=meters)
    try:
        with ScriptedOpenAIServer(demo_reply) as server:
            config = llm_config_for(server.base_url)
            for scenario in (scenarios.two_agent_chat, scenarios.tool_chat, scenarios.group_chat):
                scenario(config, TracerProvider(), instrument=False)
    finally:
        instrumentor.uninstrument()
    return metrics_of(reader)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_metric_name_unit_type_and_buckets(name: str, emitted: dict[str, Metric]) -> None:
    kind, unit, buckets = EXPECTED[name]
    metric = emitted[name]
    assert metric.unit == unit
    assert isinstance(metric.data, kind)
    for point in metric.data.data_points:
        if buckets is not None:
            assert isinstance(point, HistogramDataPoint) and tuple(point.explicit_bounds) == buckets
        assert set(point.attributes or {}) <= ALLOWED_KEYS, set(point.attributes or {}) - ALLOWED_KEYS


def test_token_counters_equal_the_llm_spans(emitted: dict[str, Metric]) -> None:
    inputs = points(emitted["gen_ai.client.inference.usage.input_tokens"], NumberPoint)
    input_total = sum(p.value for p in inputs)
    by_type: dict[Any, float] = {}
    for point in points(emitted["gen_ai.client.token.usage"], HistogramPoint):
        key = point.attributes["gen_ai.token.type"]
        by_type[key] = by_type.get(key, 0) + point.sum
    assert input_total > 0
    assert by_type["input"] == input_total
    durations = points(emitted["gen_ai.client.operation.duration"], HistogramPoint)
    assert sum(p.count for p in durations) == 6  # 1 + 2 + 3 LLM calls in the seed's scenarios
    assert {p.attributes["gen_ai.operation.name"] for p in durations} == {"chat"}


def test_failing_calls_record_their_duration_with_the_error_type(
    tracer_provider: TracerProvider, meter_provider: MeterProvider, metric_reader: InMemoryMetricReader
) -> None:
    from autogen import ConversableAgent

    from ag2_otel import instrument_agent, instrument_llm_wrapper
    from ag2_otel.testing import Reply, ScriptedOpenAIServer
    from tests.instrumentation.conftest import llm_config_for

    with ScriptedOpenAIServer([Reply(status=400, error_message="bad request")]) as server:
        config = llm_config_for(server.base_url)
        assistant = ConversableAgent("assistant", llm_config=config, human_input_mode="NEVER")
        user = ConversableAgent(
            "user", llm_config=False, human_input_mode="NEVER", max_consecutive_auto_reply=0
        )
        instrument_llm_wrapper(tracer_provider=tracer_provider, meter_provider=meter_provider)
        instrument_agent(assistant, tracer_provider=tracer_provider, meter_provider=meter_provider)
        with pytest.raises(Exception, match="bad request"):
            user.initiate_chat(assistant, message="Hi", max_turns=1)
    metrics = metrics_of(metric_reader)
    for name in ("gen_ai.client.operation.duration", "gen_ai.invoke_agent.duration"):
        (point,) = points(metrics[name], HistogramPoint)
        assert point.attributes["error.type"] == "openai.BadRequestError"
        assert point.count == 1
    assert "gen_ai.client.inference.usage.input_tokens" not in metrics
