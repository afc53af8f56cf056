"""`execute_tool {name}` spans around `ConversableAgent.execute_function` and its
async twin. AG2 reports tool failures as values (it catches the exception and
returns `(False, {"content": "Error: ..."})`), so failures are read from the
result and marked on the span without changing it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import agent_name
from ag2_otel.instrumentation._arguments import Parameter, reads
from ag2_otel.instrumentation._registry import Telemetry, registry
from ag2_otel.instrumentation._spans import Operation, Planned, async_wrapper, is_active, sync_wrapper

_FUNC_CALL, _CALL_ID = Parameter("func_call"), Parameter("call_id")


def _plan(agent: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    telemetry = registry.for_agent(agent)
    func_call = _FUNC_CALL.of(args, kwargs)
    if telemetry is None or not isinstance(func_call, Mapping):
        return None, _finish
    call_id = _CALL_ID.of(args, kwargs)
    marker = ("tool", id(agent), call_id, func_call.get("name"))
    if is_active(marker):  # a subclass override calling super(): one span per call
        return None, _finish
    return (lambda: _begin(telemetry, agent, func_call, call_id, marker)), _finish


def _begin(
    telemetry: Telemetry, agent: Any, func_call: Mapping[str, Any], call_id: Any, marker: object
) -> Operation:
    name = str(func_call.get("name") or "unknown")
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_TOOL,
        sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
        sc.GEN_AI_TOOL_NAME: name,
        sc.GEN_AI_TOOL_TYPE: "function",
        sc.GEN_AI_AGENT_NAME: agent_name(agent),
    }
    if call_id:
        attributes[sc.GEN_AI_TOOL_CALL_ID] = str(call_id)
    operation = Operation(telemetry, f"{sc.OP_EXECUTE_TOOL} {name}", attributes, active=marker)
    operation.duration_metric = (
        telemetry.instruments.tool_duration,
        {sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL, sc.GEN_AI_TOOL_NAME: name},
    )
    arguments = func_call.get("arguments")
    if arguments is not None:
        operation.record_content(sc.GEN_AI_TOOL_CALL_ARGUMENTS, lambda p: p.text(arguments))
    return operation


def _finish(operation: Operation, result: Any) -> None:
    success, payload = result if isinstance(result, tuple) and len(result) == 2 else (True, result)
    content = payload.get("content") if isinstance(payload, Mapping) else payload
    operation.span.set_attribute(sc.AG2_TOOL_SUCCESS, bool(success))
    if not success:
        operation.fail_with(_failure_kind(content), str(content))
    if content is not None:
        operation.record_content(sc.GEN_AI_TOOL_CALL_RESULT, lambda p: p.text(content))


def _failure_kind(content: Any) -> str:
    text = str(content)
    if text.startswith("Error: Function ") and text.endswith(" not found."):
        return "tool_not_found"
    if "must be in JSON format" in text:
        return "invalid_tool_arguments"
    return "tool_error"


wrap_execute_function = reads(_FUNC_CALL, _CALL_ID)(sync_wrapper(_plan))
wrap_a_execute_function = reads(_FUNC_CALL, _CALL_ID)(async_wrapper(_plan))
