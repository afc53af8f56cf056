"""The seed notebook's three calls, with its signatures.

Each call is idempotent (instrumenting twice never doubles spans); calling
again with another provider or settings replaces the previous choice for
that target.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from opentelemetry._logs import LoggerProvider
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from ag2_otel.instrumentation._patches import apply_patches
from ag2_otel.instrumentation._registry import Telemetry, make_telemetry, registry
from ag2_otel.instrumentation._settings import ContentCapture, resolve_settings

_Agent = TypeVar("_Agent")
_Pattern = TypeVar("_Pattern")


def _telemetry(
    tracer_provider: TracerProvider | None,
    meter_provider: MeterProvider | None,
    logger_provider: LoggerProvider | None,
    capture_content: str | bool | ContentCapture | None,
    max_content_bytes: int | None,
    redact: Callable[[str], str] | None,
) -> Telemetry:
    settings = resolve_settings(capture_content, max_content_bytes, redact)
    telemetry = make_telemetry(tracer_provider, meter_provider, settings, logger_provider)
    apply_patches()
    return telemetry


def instrument_llm_wrapper(
    tracer_provider: TracerProvider | None = None,
    *,
    meter_provider: MeterProvider | None = None,
    logger_provider: LoggerProvider | None = None,
    capture_content: str | bool | ContentCapture | None = None,
    max_content_bytes: int | None = None,
    redact: Callable[[str], str] | None = None,
) -> None:
    """Trace every LLM call AG2 makes (`chat {model}` spans), process-wide.

    `tracer_provider` / `meter_provider` / `logger_provider` default to the global ones
    (the logger provider receives structured content events when content goes to events).
    `capture_content` overrides `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`
    (`no_content` by default); `redact` is applied to every piece of content.
    """
    registry.llm_telemetry = _telemetry(
        tracer_provider, meter_provider, logger_provider, capture_content, max_content_bytes, redact
    )


def instrument_agent(
    agent: _Agent,
    tracer_provider: TracerProvider | None = None,
    *,
    meter_provider: MeterProvider | None = None,
    logger_provider: LoggerProvider | None = None,
    capture_content: str | bool | ContentCapture | None = None,
    max_content_bytes: int | None = None,
    redact: Callable[[str], str] | None = None,
) -> _Agent:
    """Trace this agent's conversations, turns and tool calls; returns the same agent.

    The agent object is not modified: tracing is looked up per call.
    """
    telemetry = _telemetry(
        tracer_provider, meter_provider, logger_provider, capture_content, max_content_bytes, redact
    )
    registry.register_agent(agent, telemetry)
    return agent


def instrument_pattern(
    pattern: _Pattern,
    tracer_provider: TracerProvider | None = None,
    *,
    meter_provider: MeterProvider | None = None,
    logger_provider: LoggerProvider | None = None,
    capture_content: str | bool | ContentCapture | None = None,
    max_content_bytes: int | None = None,
    redact: Callable[[str], str] | None = None,
) -> _Pattern:
    """Trace a group-chat pattern: its agents, user agent, and the manager and
    tool executor AG2 creates when the chat starts; returns the same pattern."""
    telemetry = _telemetry(
        tracer_provider, meter_provider, logger_provider, capture_content, max_content_bytes, redact
    )
    registry.register_pattern(pattern, telemetry)
    for agent in _pattern_agents(pattern):
        registry.register_agent(agent, telemetry)
    return pattern


def _pattern_agents(pattern: Any) -> list[Any]:
    agents = list(getattr(pattern, "agents", None) or [])
    for attribute in ("user_agent", "initial_agent"):
        agent = getattr(pattern, attribute, None)
        if agent is not None:
            agents.append(agent)
    return agents
