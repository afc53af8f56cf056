"""`speaker_selection` spans: one per selection of a group chat's next speaker
(`GroupChat.select_speaker` and its async twin), annotated from inside AG2's
selection with the candidates, the effective method and, for `auto`, the number
of LLM attempts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opentelemetry import context as otel_context

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import agent_facts, agent_name
from ag2_otel.instrumentation._arguments import Parameter, reads
from ag2_otel.instrumentation._registry import registry
from ag2_otel.instrumentation._safety import telemetry_guard
from ag2_otel.instrumentation._spans import Operation, Planned, async_wrapper, sync_wrapper
from ag2_otel.instrumentation.group_chat import selection_method

_SELECTION_KEY = otel_context.create_key("ag2_otel.speaker_selection")
_LAST_SPEAKER, _SELECTOR = Parameter("last_speaker"), Parameter("selector")


class _Selection:
    """State of one speaker selection, reachable from AG2 code running inside it."""

    __slots__ = ("attempts", "operation")

    def __init__(self) -> None:
        self.operation: Operation[_Selection] | None = None
        self.attempts = 0


def _plan_selection(groupchat: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    last_speaker = _LAST_SPEAKER.of(args, kwargs)
    selector = _SELECTOR.of(args, kwargs)
    telemetry = registry.for_agent(selector) if selector is not None else None
    if telemetry is None:
        return None, _finish_selection

    def begin() -> Operation[_Selection]:
        facts = agent_facts(selector)
        attributes: dict[str, Any] = {
            sc.AG2_SPAN_TYPE: sc.TYPE_SPEAKER_SELECTION,
            sc.AG2_SELECTION_METHOD: selection_method(getattr(groupchat, "speaker_selection_method", None)),
            sc.AG2_GROUP_MANAGER: facts.name,
            **facts.ag2_model,
        }
        if last_speaker is not None:
            attributes[sc.AG2_SELECTION_LAST_SPEAKER] = agent_name(last_speaker)
        # Agents AG2 creates for this selection (checking_agent, speaker_selection_agent)
        # inherit tracing from the manager: `inherit=True`.
        selection = _Selection()
        operation = Operation(
            telemetry,
            sc.TYPE_SPEAKER_SELECTION,
            attributes,
            inherit=True,
            values={_SELECTION_KEY: selection},
            data=selection,
        )
        selection.operation = operation
        operation.control_flow = _termination_exceptions()
        return operation

    return begin, _finish_selection


def _termination_exceptions() -> tuple[type[BaseException], ...]:
    """AG2 ends a group chat by raising `NoEligibleSpeakerError` from selection."""
    try:
        from autogen.exception_utils import NoEligibleSpeakerError
    except ImportError:
        return ()
    return (NoEligibleSpeakerError,)


def _finish_selection(operation: Operation[_Selection], selected: Any) -> None:
    selection = operation.data
    span = operation.span
    if selected is not None:
        span.set_attribute(sc.AG2_SELECTION_SELECTED, agent_name(selected))
    if selection.attempts:
        span.set_attribute(sc.AG2_SELECTION_ATTEMPTS, selection.attempts)
        operation.telemetry.instruments.selection_attempts.record(
            selection.attempts, {sc.AG2_SELECTION_METHOD: "auto"}
        )


wrap_select_speaker = reads(_LAST_SPEAKER, _SELECTOR)(sync_wrapper(_plan_selection))
wrap_a_select_speaker = reads(_LAST_SPEAKER, _SELECTOR)(async_wrapper(_plan_selection))


def _current_selection() -> _Selection | None:
    selection = otel_context.get_value(_SELECTION_KEY)
    return selection if isinstance(selection, _Selection) else None


def wrap_prepare_and_select_agents(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Annotate the current selection with its candidates and effective method."""
    result = wrapped(*args, **kwargs)
    selection = _current_selection()
    if selection is not None and selection.operation is not None:
        with telemetry_guard("selection candidates"):
            selected, candidates, llm_messages = result
            span = selection.operation.span
            span.set_attribute(sc.AG2_SELECTION_CANDIDATES, [agent_name(a) for a in candidates or []])
            configured = getattr(instance, "speaker_selection_method", None)
            if llm_messages is not None:
                span.set_attribute(sc.AG2_SELECTION_METHOD, "auto")
            elif callable(configured) and selected is not None:
                span.set_attribute(sc.AG2_SELECTION_METHOD, selection_method(configured))
    return result


def wrap_validate_speaker_name(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Count `auto` selection attempts (the first try plus each re-query)."""
    selection = _current_selection()
    if selection is not None:
        selection.attempts += 1
    return wrapped(*args, **kwargs)
