"""`human_input {agent}` spans around `ConversableAgent.get_human_input` and its
async twin: one span per request for human input, whatever asked for it (the
`ALWAYS` / `TERMINATE` reply step, `run()`'s console, or user code).

The span's duration is the wait: it starts when AG2 asks and ends when the
human's reply is back; the same wait is recorded in the `ag2.human_input.wait`
histogram (by `Operation.end`, so a failed request is measured too, with
`error.type`). Human input is not a GenAI operation, so there is no
`gen_ai.operation.name`. The prompt and the reply are content (opt-in only).
"""

from __future__ import annotations

from typing import Any

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import agent_name
from ag2_otel.instrumentation._arguments import Parameter, reads
from ag2_otel.instrumentation._registry import Telemetry, registry
from ag2_otel.instrumentation._spans import Operation, Planned, async_wrapper, is_active, sync_wrapper

_PROMPT = Parameter("prompt")


def _plan(agent: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    telemetry = registry.for_agent(agent)
    marker = ("human_input", id(agent))
    if telemetry is None or is_active(marker):  # a subclass override calling super()
        return None, _finish
    prompt = _PROMPT.of(args, kwargs)
    return (lambda: _begin(telemetry, agent, prompt, marker)), _finish


def _begin(telemetry: Telemetry, agent: Any, prompt: Any, marker: object) -> Operation:
    name = agent_name(agent)
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_HUMAN_INPUT,
        sc.AG2_AGENT_NAME: name,
    }
    mode = getattr(agent, "human_input_mode", None)
    if isinstance(mode, str):
        attributes[sc.AG2_HUMAN_INPUT_MODE] = mode
    operation = Operation(telemetry, f"{sc.SPAN_HUMAN_INPUT} {name}", attributes, active=marker)
    operation.duration_metric = (
        telemetry.instruments.human_input_wait,
        # metric attributes keep `gen_ai.agent.name` (dashboards group by it)
        {sc.GEN_AI_AGENT_NAME: name, **{k: v for k, v in attributes.items() if k == sc.AG2_HUMAN_INPUT_MODE}},
    )
    if isinstance(prompt, str):
        operation.record_content(sc.AG2_HUMAN_INPUT_PROMPT, lambda p: p.text(prompt))
    return operation


def _finish(operation: Operation, reply: Any) -> None:
    if isinstance(reply, str):
        operation.record_content(sc.AG2_HUMAN_INPUT_REPLY, lambda p: p.text(reply))


wrap_get_human_input = reads(_PROMPT)(sync_wrapper(_plan))
wrap_a_get_human_input = reads(_PROMPT)(async_wrapper(_plan))
