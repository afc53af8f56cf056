"""GenAI metric instruments (semantic-convention names, units and advised
buckets) plus AG2's own measures under `ag2.*`.

Metric attributes are low-cardinality only: operation, provider, models,
server address/port, agent and tool names, error.type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opentelemetry import metrics
from opentelemetry.metrics import Counter, Histogram, Meter, MeterProvider, NoOpMeter

from ag2_otel.instrumentation._semconv import INSTRUMENTATION_NAME, SCHEMA_URL
from ag2_otel.version import __version__

CLIENT_DURATION_BUCKETS = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)
TOKEN_BUCKETS = tuple(float(4**i) for i in range(14))  # 1, 4, 16, ... 67108864
AGENT_DURATION_BUCKETS = tuple(round(0.1 * 2**i, 1) for i in range(13))  # 0.1 ... 409.6
WORKFLOW_DURATION_BUCKETS = (1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0)
HUMAN_WAIT_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
COUNT_BUCKETS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)

Attributes = Mapping[str, Any]


@dataclass(frozen=True)
class Instruments:
    meter: Meter
    operation_duration: Histogram
    token_usage: Histogram
    input_tokens: Counter
    output_tokens: Counter
    input_tokens_per_call: Histogram
    output_tokens_per_call: Histogram
    agent_duration: Histogram
    tool_duration: Histogram
    workflow_duration: Histogram
    group_rounds: Histogram
    selection_attempts: Histogram
    cost: Counter
    human_input_wait: Histogram
    handoffs: Counter

    @classmethod
    def create(cls, meter_provider: MeterProvider | None) -> Instruments:
        meter = metrics.get_meter(
            INSTRUMENTATION_NAME, __version__, meter_provider=meter_provider, schema_url=SCHEMA_URL
        )

        def histogram(name: str, unit: str, description: str, buckets: tuple[float, ...]) -> Histogram:
            return meter.create_histogram(
                name, unit=unit, description=description, explicit_bucket_boundaries_advisory=list(buckets)
            )

        return cls(
            meter=meter,
            operation_duration=histogram(
                "gen_ai.client.operation.duration", "s", "GenAI operation duration", CLIENT_DURATION_BUCKETS
            ),
            token_usage=histogram(
                "gen_ai.client.token.usage", "{token}", "Tokens used per call (older name)", TOKEN_BUCKETS
            ),
            input_tokens=meter.create_counter(
                "gen_ai.client.inference.usage.input_tokens",
                unit="{token}",
                description="Billable input tokens",
            ),
            output_tokens=meter.create_counter(
                "gen_ai.client.inference.usage.output_tokens",
                unit="{token}",
                description="Billable output tokens",
            ),
            input_tokens_per_call=histogram(
                "gen_ai.client.inference.operation.input_tokens",
                "{token}",
                "Input tokens per call",
                TOKEN_BUCKETS,
            ),
            output_tokens_per_call=histogram(
                "gen_ai.client.inference.operation.output_tokens",
                "{token}",
                "Output tokens per call",
                TOKEN_BUCKETS,
            ),
            agent_duration=histogram(
                "gen_ai.invoke_agent.duration", "s", "Agent invocation duration", AGENT_DURATION_BUCKETS
            ),
            tool_duration=histogram(
                "gen_ai.execute_tool.duration", "s", "Tool execution duration", CLIENT_DURATION_BUCKETS
            ),
            workflow_duration=histogram(
                "gen_ai.invoke_workflow.duration",
                "s",
                "Conversation / group chat duration",
                WORKFLOW_DURATION_BUCKETS,
            ),
            group_rounds=histogram(
                "ag2.group_chat.rounds", "{round}", "Speaker turns taken per group chat", COUNT_BUCKETS
            ),
            selection_attempts=histogram(
                "ag2.speaker_selection.attempts",
                "{attempt}",
                "LLM attempts per speaker selection",
                COUNT_BUCKETS,
            ),
            cost=meter.create_counter(
                "ag2.usage.cost", unit="USD", description="LLM cost as computed by AG2 (experimental)"
            ),
            human_input_wait=histogram(
                "ag2.human_input.wait", "s", "Time spent waiting for a human's reply", HUMAN_WAIT_BUCKETS
            ),
            handoffs=meter.create_counter(
                "ag2.handoffs", unit="{handoff}", description="Group-chat handoffs by kind, source and target"
            ),
        )

    def recording(self) -> bool:
        """False while measurements go nowhere: a no-op meter, or the API's proxy meter
        before any provider is set (it records once one is). Asked on every step, so
        measurements are skipped, not made on a no-op."""
        meter = self.meter
        if type(meter).__name__ == "_ProxyMeter":
            meter = getattr(meter, "_real_meter", meter)
        return meter is not None and not isinstance(meter, NoOpMeter)
