"""Human input: one `human_input {agent}` span per request, in ALWAYS and TERMINATE
modes, sync and async, with the wait as its duration and in `ag2.human_input.wait`.

The human is scripted through AG2's own IOStream: `IOStream.set_default(...)`
with an `IOConsole` whose `input` answers from a list (AG2's real
`get_human_input` / `a_get_human_input` run unchanged; only the keyboard is
replaced).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind, StatusCode

from ag2_otel import instrument_agent, instrument_llm_wrapper
from ag2_otel.testing import ScriptedOpenAIServer
from tests.instrumentation.conftest import llm_config_for
from tests.instrumentation.spans import InMemorySpanExporter
from tests.instrumentation.trees import leaf, one_trace, shape, the

CONTENT_KEYS = {"ag2.human_input.prompt", "ag2.human_input.reply"}


class ScriptedHuman:
    """An AG2 `IOConsole` whose keyboard is a list of replies (or exceptions)."""

    def __init__(self, replies: list[str | BaseException]) -> None:
        from autogen.io import IOConsole

        replies_left = list(replies)
        self.prompts: list[str] = []
        prompts = self.prompts

        class Console(IOConsole):  # type: ignore[misc]
            def input(self, prompt: str = "", *, password: bool = False) -> str:
                prompts.append(prompt)
                reply = replies_left.pop(0)
                if isinstance(reply, BaseException):
                    raise reply
                return reply

        self.console = Console()

    @contextmanager
    def at_keyboard(self) -> Iterator[None]:
        from autogen.io import IOStream

        with IOStream.set_default(self.console):
            yield


def _agents(
    base_url: str, mode: Any, tracer_provider: TracerProvider, meter_provider: Any = None, **options: Any
) -> tuple[Any, Any]:
    from autogen import ConversableAgent

    assistant = ConversableAgent(
        "assistant",
        llm_config=llm_config_for(base_url),
        human_input_mode="NEVER",
        max_consecutive_auto_reply=5,
    )
    user = ConversableAgent("user", llm_config=False, human_input_mode=mode)
    instrument_llm_wrapper(tracer_provider=tracer_provider, **options)
    for agent in (assistant, user):
        instrument_agent(agent, tracer_provider=tracer_provider, meter_provider=meter_provider, **options)
    return user, assistant


ALWAYS_TREE = [
    (
        "conversation user -> assistant",
        [
            ("invoke_agent assistant", [leaf("chat gpt-4o-mini")]),
            ("invoke_agent user", [leaf("human_input user")]),
            ("invoke_agent assistant", [leaf("chat gpt-4o-mini")]),
        ],
    )
]


def _check_human_span(span: Any, mode: str) -> None:
    assert span.kind is SpanKind.INTERNAL
    assert span.attributes["ag2.span.type"] == "human_input"
    assert span.attributes["ag2.human_input.mode"] == mode
    assert span.attributes["ag2.agent.name"] == "user"
    assert "gen_ai.operation.name" not in span.attributes  # not a GenAI operation
    assert isinstance(span.attributes["ag2.conversation.id"], str)
    assert span.status.status_code is StatusCode.UNSET
    assert not CONTENT_KEYS & set(span.attributes)
    assert span.end_time > span.start_time


def test_always_mode_one_span_per_request(
    tracer_provider: TracerProvider,
    exporter: InMemorySpanExporter,
    meter_provider: Any,
    metric_reader: InMemoryMetricReader,
) -> None:
    human = ScriptedHuman(["Tell me more."])
    with ScriptedOpenAIServer(["Red, yellow, blue.", "They mix into every colour."]) as server:
        user, assistant = _agents(server.base_url, "ALWAYS", tracer_provider, meter_provider)
        with human.at_keyboard():
            result = user.initiate_chat(assistant, message="Primary colours?", max_turns=2)
    spans = exporter.get_finished_spans()
    assert shape(spans) == ALWAYS_TREE
    one_trace(spans)
    _check_human_span(the(spans, "human_input user"), "ALWAYS")
    assert result.chat_history[2]["content"] == "Tell me more."  # the reply AG2 used is unchanged
    assert len(human.prompts) == 1

    wait = _wait_points(metric_reader)
    assert len(wait) == 1
    assert wait[0].attributes == {"gen_ai.agent.name": "user", "ag2.human_input.mode": "ALWAYS"}
    assert wait[0].count == 1


async def test_always_mode_async(tracer_provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    human = ScriptedHuman(["Tell me more."])
    with ScriptedOpenAIServer(["Red, yellow, blue.", "They mix into every colour."]) as server:
        user, assistant = _agents(server.base_url, "ALWAYS", tracer_provider)
        with human.at_keyboard():
            await user.a_initiate_chat(assistant, message="Primary colours?", max_turns=2)
    spans = exporter.get_finished_spans()
    assert shape(spans) == ALWAYS_TREE
    one_trace(spans)
    _check_human_span(the(spans, "human_input user"), "ALWAYS")


TERMINATE_TREE = [
    (
        "conversation user -> assistant",
        [
            ("invoke_agent assistant", [leaf("chat gpt-4o-mini")]),
            ("invoke_agent user", [leaf("human_input user")]),
        ],
    )
]


def test_terminate_mode_asks_only_at_termination(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    human = ScriptedHuman(["exit"])
    with ScriptedOpenAIServer(["All done. TERMINATE"]) as server:
        user, assistant = _agents(server.base_url, "TERMINATE", tracer_provider)
        user._is_termination_msg = lambda m: "TERMINATE" in str(m.get("content"))
        with human.at_keyboard():
            user.initiate_chat(assistant, message="Finish up.", max_turns=5)
    spans = exporter.get_finished_spans()
    assert shape(spans) == TERMINATE_TREE
    one_trace(spans)
    _check_human_span(the(spans, "human_input user"), "TERMINATE")


async def test_terminate_mode_async(tracer_provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    human = ScriptedHuman(["exit"])
    with ScriptedOpenAIServer(["All done. TERMINATE"]) as server:
        user, assistant = _agents(server.base_url, "TERMINATE", tracer_provider)
        user._is_termination_msg = lambda m: "TERMINATE" in str(m.get("content"))
        with human.at_keyboard():
            await user.a_initiate_chat(assistant, message="Finish up.", max_turns=5)
    spans = exporter.get_finished_spans()
    assert shape(spans) == TERMINATE_TREE
    _check_human_span(the(spans, "human_input user"), "TERMINATE")


def test_no_human_no_span(tracer_provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    with ScriptedOpenAIServer(["Red, yellow, blue."]) as server:
        user, assistant = _agents(server.base_url, "NEVER", tracer_provider)
        user.initiate_chat(assistant, message="Primary colours?", max_turns=2)
    assert not [s for s in exporter.get_finished_spans() if s.name.startswith("human_input")]


def test_failing_input_marks_the_span_and_is_reraised_unchanged(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    failure = EOFError("stdin closed")
    human = ScriptedHuman([failure])
    with ScriptedOpenAIServer(["Red, yellow, blue."]) as server:
        user, assistant = _agents(server.base_url, "ALWAYS", tracer_provider)
        with human.at_keyboard(), pytest.raises(EOFError) as raised:
            user.initiate_chat(assistant, message="Primary colours?", max_turns=2)
    assert raised.value is failure
    spans = exporter.get_finished_spans()
    one_trace(spans)
    span = the(spans, "human_input user")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "EOFError"
    assert [e.name for e in span.events] == ["exception"]


@pytest.mark.parametrize("is_async", [False, True])
def test_prompt_and_reply_are_opt_in_content(
    tracer_provider: TracerProvider, exporter: InMemorySpanExporter, is_async: bool
) -> None:
    human = ScriptedHuman(["My token is sk-proj-abcdefghijklmnopqrstuvwxyz012345"])
    with ScriptedOpenAIServer(["Red, yellow, blue.", "Noted."]) as server:
        user, assistant = _agents(server.base_url, "ALWAYS", tracer_provider, capture_content="span_only")
        with human.at_keyboard():
            if is_async:
                asyncio.run(user.a_initiate_chat(assistant, message="Primary colours?", max_turns=2))
            else:
                user.initiate_chat(assistant, message="Primary colours?", max_turns=2)
    span = the(exporter.get_finished_spans(), "human_input user")
    assert span.attributes["ag2.human_input.prompt"] == human.prompts[0]
    assert span.attributes["ag2.human_input.reply"] == "My token is [REDACTED]"


def _wait_points(reader: InMemoryMetricReader) -> list[Any]:
    data = reader.get_metrics_data()
    points: list[Any] = []
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == "ag2.human_input.wait":
                    assert metric.unit == "s"
                    points.extend(metric.data.data_points)
    return points
