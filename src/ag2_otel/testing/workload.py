"""AG2-shaped traces for tests and the benchmark (shape from shared notes: 10 spans, ~10 attributes).

Each trace: conversation → group chat → speaker selection (+ its LLM call),
two agents with LLM calls and one tool call. Four LLM-call spans carry usage;
the root carries a roll-up that the store must not add again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry.trace import Tracer

SPANS_PER_TRACE = 10
LLM_CALLS_PER_TRACE = 4
MODEL = "gpt-4o-mini"


def message(text: str, chars: int) -> str:
    """A semconv-style message list serialised to about `chars` characters."""
    body = (text + " ") * (chars // (len(text) + 1) + 1)
    return json.dumps([{"role": "user", "parts": [{"type": "text", "content": body[: max(1, chars - 60)]}]}])


def input_tokens(index: int, call: int) -> int:
    return 100 + (index + call) % 7


def emit_traces(count: int, first: int = 0) -> Callable[[Tracer], None]:
    """What emits `count` AG2-shaped traces (numbered from `first`) through a tracer:
    the `emit` argument of `ag2_otel.testing.otlp.send` and `capture`."""

    def emit(tracer: Tracer) -> None:
        for index in range(first, first + count):
            emit_trace(tracer, index)

    return emit


def emit_trace(
    tracer: Tracer, index: int, *, content_chars: int = 250, conversation: str | None = None
) -> None:
    """Emit one 10-span AG2-shaped trace through `tracer`."""
    conv_id = conversation or f"conv-{index}"
    total_in = sum(input_tokens(index, call) for call in range(LLM_CALLS_PER_TRACE))

    @contextmanager
    def span(name: str, attributes: dict[str, Any]) -> Iterator[None]:
        with tracer.start_as_current_span(name, attributes={"gen_ai.conversation.id": conv_id, **attributes}):
            yield

    def llm(call: int, agent: str | None) -> None:
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": MODEL,
            "gen_ai.response.model": MODEL,
            "gen_ai.usage.input_tokens": input_tokens(index, call),
            "gen_ai.usage.output_tokens": 20,
            "ag2.usage.cost": 0.001,
            "gen_ai.input.messages": message(f"question {index}.{call}", content_chars),
            "gen_ai.output.messages": message(f"answer {index}.{call}", content_chars),
            "gen_ai.response.finish_reasons": ["stop"],
        }
        if agent:
            attributes["gen_ai.agent.name"] = agent
        with span(f"chat {MODEL}", attributes):
            pass

    with (
        span(
            "conversation user_proxy → manager",
            {
                "ag2.span.type": "conversation",
                "ag2.conversation.sender": "user_proxy",
                "ag2.conversation.recipient": "manager",
                "ag2.conversation.turns": 3,
                "ag2.usage.input_tokens": total_in,
                "ag2.usage.output_tokens": 20 * LLM_CALLS_PER_TRACE,
                "ag2.usage.cost": 0.001 * LLM_CALLS_PER_TRACE,
            },
        ),
        span(
            "invoke_workflow group_chat",
            {
                "ag2.span.type": "group_chat",
                "gen_ai.operation.name": "invoke_workflow",
                "ag2.group_chat.rounds": 3,
            },
        ),
    ):
        with span(
            "speaker_selection",
            {
                "ag2.span.type": "speaker_selection",
                "gen_ai.agent.name": "manager",
                "ag2.speaker_selection.method": "auto",
                "ag2.speaker_selection.candidates": ["planner", "coder"],
                "ag2.speaker_selection.selected": "planner",
            },
        ):
            llm(0, None)
        with span(
            "invoke_agent planner",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
        ):
            llm(1, None)
        with span(
            "invoke_agent coder", {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "coder"}
        ):
            llm(2, "coder")
            with span(
                "execute_tool run_code",
                {
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "run_code",
                    "gen_ai.agent.name": "coder",
                    "gen_ai.tool.call.arguments": message(f"print({index})", content_chars),
                },
            ):
                pass
            llm(3, None)
