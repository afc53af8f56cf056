"""Failures are marked where they happen, recorded once, and the user sees
exactly what AG2 gives without tracing; telemetry failures change nothing."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import StatusCode

from ag2_otel.testing import Reply, ScriptedOpenAIServer, ToolCall
from tests.instrumentation.agents import QUESTION, scripted_tool_chat, user_and_assistant
from tests.instrumentation.conftest import llm_config_for
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import one_trace, the


def _pair(llm_config: Any, tracer_provider: TracerProvider | None) -> tuple[Any, Any]:
    return user_and_assistant(llm_config, tracer_provider)


def _raised(llm_config: Any, tracer_provider: TracerProvider | None) -> BaseException:
    user, assistant = _pair(llm_config, tracer_provider)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - whatever AG2 raises, compared below
        user.initiate_chat(assistant, message=QUESTION, max_turns=1)
    return caught.value


def test_failing_llm_call_is_marked_once_and_reraised_unchanged(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    with ScriptedOpenAIServer([Reply(status=400, error_message="context length exceeded")]) as server:
        config = llm_config_for(server.base_url)
        plain = _raised(config, None)
        traced = _raised(config, tracer_provider)
    assert type(traced) is type(plain)
    assert str(traced) == str(plain)
    spans = exporter.get_finished_spans()
    one_trace(spans)
    chat = the(spans, "chat gpt-4o-mini")
    assert chat.status.status_code is StatusCode.ERROR
    assert chat.attributes["error.type"] == "openai.BadRequestError"
    assert "context length exceeded" in (chat.status.description or "")
    events = [e for s in spans for e in s.events if e.name == "exception"]
    assert len(events) == 1 and events[0] in chat.events
    for name in ("invoke_agent assistant", "conversation user_proxy -> assistant"):
        ancestor = the(spans, name)
        assert ancestor.status.status_code is StatusCode.ERROR
        assert ancestor.attributes["error.type"] == "openai.BadRequestError"


def boom(city: Annotated[str, "city"]) -> str:
    """A tool that fails."""
    raise ValueError(f"no weather for {city}")


def get_weather(city: Annotated[str, "city"]) -> str:
    """Get the weather."""
    return f"sunny in {city}"


@pytest.mark.parametrize(
    ("tool_called", "error_type", "message"),
    [
        ("boom", "tool_error", "no weather for Oslo"),
        ("missing_tool", "tool_not_found", "missing_tool not found"),
    ],
)
def test_failing_and_unknown_tools_are_marked(
    tool_called: str,
    error_type: str,
    message: str,
    tracer_provider: TracerProvider,
    exporter: InMemorySpanExporter,
) -> None:
    script = [Reply(tool_calls=[ToolCall(tool_called, {"city": "Oslo"})]), Reply(content="Sorry.")]
    result = scripted_tool_chat(boom, script, "Weather in Oslo?", tracer_provider)
    spans = exporter.get_finished_spans()
    tool = the(spans, f"execute_tool {tool_called}")
    assert tool.status.status_code is StatusCode.ERROR
    assert tool.attributes["error.type"] == error_type
    assert message in (tool.status.description or "")
    assert tool.attributes["ag2.tool.success"] is False
    assert tool.attributes["gen_ai.tool.call.id"].startswith("call_")
    assert result.summary == "Sorry."  # AG2 carried on, exactly as without tracing


class _FailingExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        raise RuntimeError("collector is down")


def test_failing_exporter_leaves_the_chat_unchanged(llm_config: Any) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_FailingExporter()))
    user, assistant = _pair(llm_config, provider)
    result = user.initiate_chat(assistant, message=QUESTION, max_turns=1)
    assert result.summary == "The three primary colors are red, yellow, and blue."


def test_bug_in_attribute_building_leaves_the_chat_unchanged(
    llm_config: Any,
    tracer_provider: TracerProvider,
    exporter: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ag2_otel.instrumentation.agent as agent_module
    import ag2_otel.instrumentation.llm as llm_module

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("telemetry bug")

    monkeypatch.setattr(agent_module, "agent_facts", broken)
    monkeypatch.setattr(llm_module, "_request_attributes", broken)
    user, assistant = _pair(llm_config, tracer_provider)
    result = user.initiate_chat(assistant, message=QUESTION, max_turns=1)
    assert result.summary == "The three primary colors are red, yellow, and blue."
    assert [s.name for s in exporter.get_finished_spans()] == ["conversation user_proxy -> assistant"]


def test_failed_conversation_keeps_its_rollup_and_turns(
    llm_config: Any, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """The assistant answers (tokens spent), then the user's reply function raises."""
    user, assistant = _pair(llm_config, tracer_provider)
    user.max_consecutive_auto_reply = 2

    def broken_reply(*_: Any, **__: Any) -> tuple[bool, str]:
        raise RuntimeError("reply function failed")

    user.register_reply([assistant.__class__, None], broken_reply)
    with pytest.raises(RuntimeError, match="reply function failed"):
        user.initiate_chat(assistant, message=QUESTION, max_turns=3)
    spans = exporter.get_finished_spans()
    conversation = the(spans, "conversation user_proxy -> assistant")
    chat = the(spans, "chat gpt-4o-mini")
    assert conversation.status.status_code is StatusCode.ERROR
    assert conversation.attributes["ag2.usage.input_tokens"] == chat.attributes["gen_ai.usage.input_tokens"]
    assert conversation.attributes["ag2.usage.output_tokens"] == chat.attributes["gen_ai.usage.output_tokens"]
    assert conversation.attributes["ag2.usage.llm_calls"] == 1
    assert conversation.attributes["ag2.conversation.turns"] == 2  # the assistant's and the failed one


class _StepFailed(Exception):
    pass


def _failing_steps(tracer_provider: TracerProvider) -> Any:
    from ag2_otel.instrumentation._registry import make_telemetry
    from ag2_otel.instrumentation._settings import resolve_settings
    from ag2_otel.instrumentation._spans import Operation

    telemetry = make_telemetry(tracer_provider, None, resolve_settings())

    def fail(*exceptions: BaseException) -> None:
        """One step failing with each exception in turn, the first one innermost."""
        operations = [Operation(telemetry, f"step {i}", {}) for i in range(len(exceptions))]
        for operation, exc in zip(reversed(operations), exceptions, strict=True):
            operation.fail(exc)
            operation.end()

    return fail


def _recorded(exporter: InMemorySpanExporter) -> list[list[Any]]:
    return [
        [(e.attributes or {})["exception.message"] for e in s.events] for s in exporter.get_finished_spans()
    ]


def test_an_exception_at_the_address_of_a_freed_recorded_one_is_recorded_too(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """An exception's id is its address, which the next object may take once it is freed."""
    fail = _failing_steps(tracer_provider)
    first = _StepFailed("first")
    fail(first)
    address = id(first)
    del first
    kept: list[BaseException] = []  # each miss stays alive, so the next try lands elsewhere
    second = _StepFailed("second")
    while id(second) != address:
        assert len(kept) < 100_000, "no exception landed at the freed address"
        kept.append(second)
        second = _StepFailed("second")
    fail(second)
    assert _recorded(exporter) == [["first"], ["second"]]


@pytest.mark.parametrize("exc", [_StepFailed("failed"), ValueError("failed")], ids=["weakly", "builtin"])
def test_an_exception_passing_three_steps_is_recorded_where_it_first_passed(
    exc: BaseException, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    references = sys.getrefcount(exc)
    _failing_steps(tracer_provider)(exc, exc, exc)
    assert _recorded(exporter) == [["failed"], [], []]
    assert all(s.status.status_code is StatusCode.ERROR for s in exporter.get_finished_spans())
    assert sys.getrefcount(exc) == references  # tracing keeps neither it nor its frames alive
