"""Shared by the producer programs (each runs in its producer's own venv: only the OTel SDK,
the OTLP/HTTP exporters, `openai` and the producer itself are importable here).

Environment: `SCRIPTED_BASE_URL` (the scripted model) and the SDK's own
`OTEL_EXPORTER_OTLP_ENDPOINT` (the `ag2-otel serve` under test).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

BASE_URL = os.environ["SCRIPTED_BASE_URL"]
MODEL = "gpt-4o-mini"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}."


@contextmanager
def exporting(service: str) -> Iterator[Any]:
    """Global tracer and logger providers exporting OTLP/HTTP to serve; flushed at exit."""
    from opentelemetry import trace
    from opentelemetry._logs import set_logger_provider
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": service})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracer_provider)
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    set_logger_provider(logger_provider)
    try:  # the Events API older instrumentations emit content through (gone from newer SDKs)
        from opentelemetry._events import set_event_logger_provider
        from opentelemetry.sdk._events import EventLoggerProvider

        set_event_logger_provider(EventLoggerProvider(logger_provider))
    except ImportError:
        pass
    try:
        yield tracer_provider
    finally:
        tracer_provider.shutdown()
        logger_provider.shutdown()


def weather_calls(client: Any) -> None:
    """Three chat completions: a tool call, the answer using the tool's result, and a
    separate one-message question (a new conversation, not a continuation)."""
    history: list[dict[str, Any]] = [
        {"role": "system", "content": "You report the weather."},
        {"role": "user", "content": "What is the weather in Paris?"},
    ]
    first = client.chat.completions.create(model=MODEL, messages=history, tools=[WEATHER_TOOL])
    call = first.choices[0].message.tool_calls[0]
    history.append(first.choices[0].message.model_dump(exclude_none=True))
    result = get_weather(**json.loads(call.function.arguments))
    history.append({"role": "tool", "tool_call_id": call.id, "content": result})
    client.chat.completions.create(model=MODEL, messages=history, tools=[WEATHER_TOOL])
    client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Name the primary colors."}]
    )
