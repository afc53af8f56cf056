"""Scopes: the conversation, group chat or sequence a traced step runs in.

A scope travels in the OpenTelemetry context. It gives every span beneath it one
conversation id, counts the agent turns taken in it, and totals the usage of the LLM
calls made in it, which its own span shows as a roll-up under `ag2.usage.*` (never
re-summed by consumers). Nested scopes (a nested chat, a chat of a sequence) pass
their usage up to every enclosing one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.context import Context
from opentelemetry.trace import Span

from ag2_otel.ids import random_bits
from ag2_otel.instrumentation import _semconv as sc

SCOPE_KEY = otel_context.create_key("ag2_otel.scope")


@dataclass
class UsageTotals:
    """Token and cost totals of the LLM calls made inside one scope."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    llm_calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, input_tokens: int, output_tokens: int, cost: float) -> None:
        with self._lock:
            self.input_tokens += input_tokens
            self.output_tokens += output_tokens
            self.cost += cost
            self.llm_calls += 1


@dataclass
class Scope:
    """A conversation or group chat in progress: what its own span rolls up."""

    kind: str
    conversation_id: str
    parent: Scope | None = None
    owner: Any = None
    usage: UsageTotals = field(default_factory=UsageTotals)
    turns: int = 0
    recorded_history: dict[Any, tuple[int, Any]] = field(default_factory=dict, repr=False)
    """Per agent: how much of its message history spans in this scope already recorded."""

    def chain(self) -> list[Scope]:
        scopes: list[Scope] = []
        scope: Scope | None = self
        while scope is not None:
            scopes.append(scope)
            scope = scope.parent
        return scopes


def scope_in(context: Context) -> Scope | None:
    scope = context.get(SCOPE_KEY)
    return scope if isinstance(scope, Scope) else None


def current_scope() -> Scope | None:
    return scope_in(otel_context.get_current())


def new_scope(kind: str, owner: Any = None) -> Scope:
    parent = current_scope()
    # Our own random source: drawing from the global `random` would change a seeded program.
    conversation_id = parent.conversation_id if parent else f"{random_bits(128):032x}"
    return Scope(kind=kind, conversation_id=conversation_id, parent=parent, owner=owner)


def set_usage_rollup(span: Span, scope: Scope | None) -> None:
    """Show on `scope`'s own span the totals of the LLM calls made inside it (for display:
    never re-summed)."""
    if scope is None:
        return
    usage = scope.usage
    span.set_attributes(  # one call: the SDK takes its span lock once
        {
            sc.AG2_USAGE_INPUT_TOKENS: usage.input_tokens,
            sc.AG2_USAGE_OUTPUT_TOKENS: usage.output_tokens,
            sc.AG2_USAGE_COST: usage.cost,
            sc.AG2_LLM_CALLS: usage.llm_calls,
        }
    )
