"""Which span attributes become indexed columns (see docs/contracts.md).

Kept apart from decoding so the same rules apply to OTLP input and to stored
rows, and so other frameworks' GenAI spans are understood too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

MAX_TOKENS = 2**40
"""Tokens of one LLM call above this (~10^12) are not real; such a value is not promoted."""
MAX_COST = 1e9
"""Cost of one LLM call above this is not real; such a value is not promoted."""
MAX_TURNS = 2**31
MAX_SUM = 2**53 - 1
"""Sums (tokens, cost, durations) saturate here: exact in a double and in JavaScript,
far from SQLite's 64-bit overflow, and always a finite JSON number."""

_TYPE_BY_OPERATION = {
    "chat": "llm",
    "text_completion": "llm",
    "generate_content": "llm",
    "embeddings": "llm",
    "invoke_agent": "agent",
    "execute_tool": "tool",
    "invoke_workflow": "workflow",
}


@dataclass(slots=True)  # not frozen: a frozen __init__ costs per field, per span (docs/backend.md)
class Promoted:
    """The filterable and summable facts of one span."""

    span_type: str
    operation: str | None
    agent: str | None
    provider: str | None
    request_model: str | None
    response_model: str | None
    tool: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost: float | None
    conversation_id: str | None
    turns: int | None


def promote(attributes: Mapping[str, Any]) -> Promoted:
    """Read the promoted columns; usage only on LLM-call spans, never from roll-ups."""
    operation = _text(attributes.get("gen_ai.operation.name"))
    span_type = _text(attributes.get("ag2.span.type")) or _TYPE_BY_OPERATION.get(operation or "", "other")
    is_llm = span_type == "llm"
    cost = attributes.get("ag2.usage.cost", attributes.get("gen_ai.usage.cost"))
    turns = attributes.get("ag2.conversation.turns", attributes.get("ag2.group_chat.rounds"))
    return Promoted(
        span_type=span_type,
        operation=operation,
        # AG2-only steps carry agent and conversation under `ag2.*` (no GenAI operation)
        agent=_text(attributes.get("gen_ai.agent.name", attributes.get("ag2.agent.name"))),
        provider=_text(attributes.get("gen_ai.provider.name", attributes.get("gen_ai.system"))),
        request_model=_text(attributes.get("gen_ai.request.model")),
        response_model=_text(attributes.get("gen_ai.response.model")),
        tool=_text(attributes.get("gen_ai.tool.name")),
        input_tokens=_int(attributes.get("gen_ai.usage.input_tokens"), MAX_TOKENS) if is_llm else None,
        output_tokens=_int(attributes.get("gen_ai.usage.output_tokens"), MAX_TOKENS) if is_llm else None,
        cost=_float(cost, MAX_COST) if is_llm else None,
        conversation_id=_text(
            attributes.get("gen_ai.conversation.id", attributes.get("ag2.conversation.id"))
        ),
        turns=_int(turns, MAX_TURNS),
    )


_Number = TypeVar("_Number", int, float)


def saturated(value: _Number) -> _Number:
    """`value` capped at `MAX_SUM` (Python ints never overflow; SQLite's and JSON's numbers do)."""
    return value if value <= MAX_SUM else type(value)(MAX_SUM)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (list, dict)):
        return None
    text = str(value)
    return text or None


def _int(value: Any, maximum: int) -> int | None:
    number = _float(value, maximum)
    return None if number is None else int(number)


def _float(value: Any, maximum: float) -> float | None:
    """A number in [0, maximum], else None: summaries and roll-ups add these up, so a
    negative, non-finite or absurd value would poison every sum it joins."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and 0 <= number <= maximum else None
