"""`conversation {sender} -> {recipient}` spans around `initiate_chat` and its
async twin: the root of a two-agent chat (and of the chat a group pattern runs
with its manager), carrying the conversation id and usage roll-ups."""

from __future__ import annotations

from typing import Any

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import agent_facts, agent_name
from ag2_otel.instrumentation._arguments import Parameter, reads
from ag2_otel.instrumentation._carriers import BACKGROUND_KEY, BackgroundWork
from ag2_otel.instrumentation._registry import Telemetry, registry
from ag2_otel.instrumentation._scopes import new_scope, set_usage_rollup
from ag2_otel.instrumentation._spans import Operation, Plan, Planned, async_wrapper, sync_wrapper
from ag2_otel.instrumentation.messages import output_message, to_semconv_message

_RECIPIENT, _MAX_TURNS, _MESSAGE = Parameter("recipient"), Parameter("max_turns"), Parameter("message")
_CHAT_QUEUE, _LLM_AGENT = Parameter("chat_queue"), Parameter("llm_agent")


def _planner(*, is_async: bool) -> Plan:
    def plan(sender: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
        recipient = _RECIPIENT.of(args, kwargs)
        telemetry = registry.for_agent(sender)
        if telemetry is None and recipient is not None:
            telemetry = registry.for_agent(recipient)
        if telemetry is None:
            return None, _finish
        return (lambda: _begin(telemetry, sender, recipient, args, kwargs, is_async)), _finish

    return plan


def _begin(
    telemetry: Telemetry,
    sender: Any,
    recipient: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    is_async: bool,
) -> Operation:
    sender_facts, recipient_facts = agent_facts(sender), agent_facts(recipient)
    sender_name, recipient_name = sender_facts.name, recipient_facts.name
    scope = new_scope(sc.TYPE_CONVERSATION)
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_CONVERSATION,
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
        sc.GEN_AI_WORKFLOW_NAME: f"{sender_name} -> {recipient_name}",
        sc.AG2_CONVERSATION_SENDER: sender_name,
        sc.AG2_CONVERSATION_RECIPIENT: recipient_name,
        **(recipient_facts.model or sender_facts.model),
    }
    if scope.parent is not None:
        attributes[sc.AG2_CONVERSATION_NESTED] = True
    if is_async:
        attributes[sc.AG2_CONVERSATION_ASYNC] = True
    max_turns = _MAX_TURNS.of(args, kwargs)
    if isinstance(max_turns, int):
        attributes[sc.AG2_CONVERSATION_MAX_TURNS] = max_turns
    operation = Operation(
        telemetry, f"conversation {sender_name} -> {recipient_name}", attributes, scope=scope
    )
    operation.finish_on_failure = True  # turns and roll-ups even when the chat raised
    operation.duration_metric = (
        telemetry.instruments.workflow_duration,
        {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW, sc.AG2_SPAN_TYPE: sc.TYPE_CONVERSATION},
    )
    message = _MESSAGE.of(args, kwargs)
    if isinstance(message, (str, dict)):
        operation.record_content(
            sc.GEN_AI_INPUT_MESSAGES,
            lambda p: p.messages([{**to_semconv_message(message, role="user"), "name": sender_name}]),
        )
    return operation


def _finish(operation: Operation, result: Any) -> None:
    if operation.scope is not None:
        operation.span.set_attribute(sc.AG2_CONVERSATION_TURNS, operation.scope.turns)
    set_usage_rollup(operation.span, operation.scope)
    summary = getattr(result, "summary", None)
    if isinstance(summary, str) and summary:
        operation.record_content(sc.GEN_AI_OUTPUT_MESSAGES, lambda p: p.messages([output_message(summary)]))


_reads_chat = reads(_RECIPIENT, _MAX_TURNS, _MESSAGE)
wrap_initiate_chat = _reads_chat(sync_wrapper(_planner(is_async=False)))
wrap_a_initiate_chat = _reads_chat(async_wrapper(_planner(is_async=True)))


# --- sequential chats -------------------------------------------------------


def _plan_sequence(sender: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    telemetry = registry.for_agent(sender)
    if telemetry is None:
        return None, _finish_sequence
    chat_queue = _CHAT_QUEUE.of(args, kwargs)
    return (lambda: _begin_sequence(telemetry, sender, chat_queue)), _finish_sequence


def _begin_sequence(
    telemetry: Telemetry, sender: Any, chat_queue: Any, background: BackgroundWork | None = None
) -> Operation[BackgroundWork | None]:
    name = agent_name(sender)
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_SEQUENTIAL_CHATS,
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
        sc.GEN_AI_WORKFLOW_NAME: f"sequential chats of {name}",
        sc.AG2_CONVERSATION_SENDER: name,
    }
    if isinstance(chat_queue, list):
        attributes[sc.AG2_SEQUENCE_CHATS] = len(chat_queue)
    scope = new_scope(sc.TYPE_SEQUENTIAL_CHATS)
    values = {BACKGROUND_KEY: background} if background is not None else None
    operation = Operation(
        telemetry,
        f"sequential_chats {name}",
        attributes,
        scope=scope,
        inherit=True,
        values=values,
        data=background,
    )
    operation.finish_on_failure = True
    operation.duration_metric = (
        telemetry.instruments.workflow_duration,
        {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW, sc.AG2_SPAN_TYPE: sc.TYPE_SEQUENTIAL_CHATS},
    )
    return operation


def _finish_sequence(operation: Operation, _: Any) -> None:
    set_usage_rollup(operation.span, operation.scope)


wrap_initiate_chats = reads(_CHAT_QUEUE)(sync_wrapper(_plan_sequence))
wrap_a_initiate_chats = reads(_CHAT_QUEUE)(async_wrapper(_plan_sequence))


# --- reflection summaries ----------------------------------------------------


def _plan_summary(agent: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    llm_agent = _LLM_AGENT.of(args, kwargs) or agent
    telemetry = registry.for_agent(agent) or registry.for_agent(llm_agent)
    if telemetry is None:
        return None, _finish_summary

    def begin() -> Operation:
        facts = agent_facts(llm_agent)
        attributes: dict[str, Any] = {
            sc.AG2_SPAN_TYPE: sc.TYPE_SUMMARY,
            sc.AG2_SUMMARY_METHOD: "reflection_with_llm",
            sc.AG2_AGENT_NAME: facts.name,
            **facts.ag2_model,
        }
        return Operation(telemetry, f"summary {facts.name}", attributes)

    return begin, _finish_summary


def _finish_summary(operation: Operation, summary: Any) -> None:
    if isinstance(summary, str) and summary:
        operation.record_content(sc.GEN_AI_OUTPUT_MESSAGES, lambda p: p.messages([output_message(summary)]))


wrap_reflection_with_llm = reads(_LLM_AGENT)(sync_wrapper(_plan_summary))


# --- sequential runs: the chats run in a thread / task after the call returns ---


def _plan_sequence_run(sender: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    telemetry = registry.for_agent(sender)
    if telemetry is None:
        return None, _hand_over
    chat_queue = _CHAT_QUEUE.of(args, kwargs)
    return (lambda: _begin_sequence_run(telemetry, sender, chat_queue)), _hand_over


def _begin_sequence_run(
    telemetry: Telemetry, sender: Any, chat_queue: Any
) -> Operation[BackgroundWork | None]:
    # `operation` is bound on the next line, before AG2 can start (let alone finish) the work.
    work = BackgroundWork(lambda: _finish_background(operation))
    operation = _begin_sequence(telemetry, sender, chat_queue, work)
    return operation


def _finish_background(operation: Operation[Any]) -> None:
    set_usage_rollup(operation.span, operation.scope)
    operation.end(detach=False)  # in AG2's thread / task: the caller restores its own context


def _hand_over(operation: Operation[BackgroundWork | None], _: Any) -> bool:
    """AG2 has started its thread/task: the span ends when that work does (or now, if
    none was started)."""
    return operation.data is not None and operation.data.claimed


wrap_sequential_run = reads(_CHAT_QUEUE)(sync_wrapper(_plan_sequence_run))
wrap_a_sequential_run = reads(_CHAT_QUEUE)(async_wrapper(_plan_sequence_run))
