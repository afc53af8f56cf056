"""`chat {model}` spans around AG2's `OpenAIWrapper.create`, the single funnel
every agent's LLM call goes through (all providers, all config lists)."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import context as otel_context
from opentelemetry.trace import SpanKind

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import read_field
from ag2_otel.instrumentation._arguments import Parameter, reads
from ag2_otel.instrumentation._registry import registry
from ag2_otel.instrumentation._safety import telemetry_guard
from ag2_otel.instrumentation._scopes import Scope, current_scope
from ag2_otel.instrumentation._spans import Operation, call_traced, error_type
from ag2_otel.instrumentation.content import ContentPolicy
from ag2_otel.instrumentation.messages import (
    system_instructions,
    to_semconv_message,
    tool_definitions,
)

_CALL_KEY = otel_context.create_key("ag2_otel.llm_call")
_ACTUAL_USAGE, _TOTAL_USAGE = Parameter("actual_usage"), Parameter("total_usage")
_PARAMS = Parameter("params")


class _Call:
    """One `create` while it runs: where its usage goes, and what AG2 tells us about it
    meanwhile (cache hit, attempts)."""

    __slots__ = ("cached", "client", "metric_attributes", "operation", "scope", "wrapper")

    def __init__(self, wrapper: Any, scope: Scope | None, metric_attributes: dict[str, Any]) -> None:
        self.wrapper = wrapper
        self.scope = scope
        """The enclosing conversation or group, whose roll-ups add this call's usage."""
        self.metric_attributes = metric_attributes
        self.cached = False
        self.operation: Operation[_Call] | None = None
        self.client: Any = None
        """The config-list client that answered."""

    def config_index(self) -> int | None:
        clients = getattr(self.wrapper, "_clients", None) or []
        for index, client in enumerate(clients):
            if client is self.client:
                return index
        return None


def _current_call() -> _Call | None:
    call = otel_context.get_value(_CALL_KEY)
    return call if isinstance(call, _Call) and call.operation is not None else None


def wrap_create(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    telemetry = registry.for_llm()
    if telemetry is None:
        return wrapped(*args, **kwargs)

    def begin() -> Operation[_Call]:
        config = _first_config(instance)
        model = kwargs.get("model") or config.get("model")
        attributes = _request_attributes(instance, config, kwargs, model)
        name = f"{sc.OP_CHAT} {model}" if model else sc.OP_CHAT
        call = _Call(instance, current_scope(), _metric_attributes(attributes))
        operation = Operation(
            telemetry, name, attributes, kind=SpanKind.CLIENT, values={_CALL_KEY: call}, data=call
        )
        call.operation = operation
        operation.duration_metric = (telemetry.instruments.operation_duration, call.metric_attributes)
        if telemetry.content is not None:
            _record_request_content(operation, kwargs, config)
        return operation

    return call_traced(begin, wrapped, args, kwargs, _finish)


def _finish(operation: Operation[_Call], response: Any) -> None:
    span = operation.span
    call = operation.data
    metric_attributes = call.metric_attributes
    usage = None if call.cached else getattr(response, "usage", None)
    input_tokens = _int(read_field(usage, "prompt_tokens"))
    output_tokens = _int(read_field(usage, "completion_tokens"))
    cost = getattr(response, "cost", None)
    cost = float(cost) if isinstance(cost, (int, float)) and not call.cached else 0.0
    response_model = getattr(response, "model", None)
    choices = getattr(response, "choices", None) or []
    if span.is_recording():
        # One `set_attributes` call: the SDK takes its span lock once, not once per key.
        attributes: dict[str, Any] = {}
        if response_model:
            attributes[sc.GEN_AI_RESPONSE_MODEL] = str(response_model)
        response_id = getattr(response, "id", None)
        if response_id:
            attributes[sc.GEN_AI_RESPONSE_ID] = str(response_id)
        reasons = [str(c.finish_reason) for c in choices if getattr(c, "finish_reason", None)]
        if reasons:
            attributes[sc.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
        if usage is not None:
            attributes[sc.GEN_AI_USAGE_INPUT_TOKENS] = input_tokens
            attributes[sc.GEN_AI_USAGE_OUTPUT_TOKENS] = output_tokens
        attributes[sc.AG2_USAGE_COST] = cost
        if call.cached:
            attributes[sc.AG2_LLM_CACHED] = True
        config_index = call.config_index()
        if config_index is not None and len(getattr(call.wrapper, "_clients", None) or ()) > 1:
            attributes[sc.AG2_LLM_CONFIG_INDEX] = config_index
        span.set_attributes(attributes)
        operation.record_content(
            sc.GEN_AI_OUTPUT_MESSAGES, lambda policy: policy.messages(_output_messages(choices))
        )
    if response_model:
        metric_attributes[sc.GEN_AI_RESPONSE_MODEL] = str(response_model)
    if call.cached:  # served from AG2's cache: nothing billable
        return
    if call.scope is not None:
        for enclosing in call.scope.chain():
            enclosing.usage.add(input_tokens, output_tokens, cost)
    _record_usage_metrics(operation, metric_attributes, input_tokens, output_tokens, cost)


def _record_usage_metrics(
    operation: Operation[_Call],
    attributes: dict[str, Any],
    input_tokens: int,
    output_tokens: int,
    cost: float,
) -> None:
    instruments = operation.telemetry.instruments
    if not instruments.recording():
        return
    instruments.input_tokens.add(input_tokens, attributes)
    instruments.output_tokens.add(output_tokens, attributes)
    instruments.input_tokens_per_call.record(input_tokens, attributes)
    instruments.output_tokens_per_call.record(output_tokens, attributes)
    instruments.token_usage.record(input_tokens, {**attributes, sc.GEN_AI_TOKEN_TYPE: "input"})
    instruments.token_usage.record(output_tokens, {**attributes, sc.GEN_AI_TOKEN_TYPE: "output"})
    if cost:
        instruments.cost.add(cost, attributes)


def _metric_attributes(request_attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in request_attributes.items() if k in _METRIC_KEYS}


_METRIC_KEYS = frozenset(
    {
        sc.GEN_AI_OPERATION_NAME,
        sc.GEN_AI_PROVIDER_NAME,
        sc.GEN_AI_REQUEST_MODEL,
        sc.SERVER_ADDRESS,
        sc.SERVER_PORT,
        sc.GEN_AI_AGENT_NAME,
    }
)


def _request_attributes(
    wrapper: Any, config: Mapping[str, Any], call_config: Mapping[str, Any], model: Any
) -> dict[str, Any]:
    """The chat span's start attributes: the wrapper's (cached) plus this call's."""
    attributes = dict(_wrapper_attributes(wrapper, config))
    if model:
        attributes[sc.GEN_AI_REQUEST_MODEL] = str(model)
    agent_name = getattr(call_config.get("agent"), "name", None)
    if agent_name:
        attributes[sc.GEN_AI_AGENT_NAME] = str(agent_name)
    for key in call_config.keys() & _PARAMETER_KEYS:
        _set_parameter(attributes, key, call_config[key])
    return attributes


_PARAMETER_KEYS = frozenset({*sc.REQUEST_PARAMETERS, "stop"})
_by_wrapper: weakref.WeakKeyDictionary[Any, tuple[Mapping[str, Any], dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


def _wrapper_attributes(wrapper: Any, config: Mapping[str, Any]) -> dict[str, Any]:
    """What an `OpenAIWrapper`'s first config says about every call: computed once per wrapper
    (AG2 builds a new wrapper when an agent's llm_config changes)."""
    try:
        cached = _by_wrapper.get(wrapper)
    except TypeError:
        cached = None
    if cached is not None and cached[0] is config:
        return cached[1]
    api_type = str(config.get("api_type") or "openai")
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_LLM,
        sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
        sc.GEN_AI_PROVIDER_NAME: sc.PROVIDER_BY_API_TYPE.get(api_type, api_type),
    }
    address, port = _server(wrapper, config)
    if address:
        attributes[sc.SERVER_ADDRESS] = address
        if port:
            attributes[sc.SERVER_PORT] = port
    for key in config.keys() & _PARAMETER_KEYS:
        _set_parameter(attributes, key, config[key])
    config_count = len(getattr(wrapper, "_config_list", None) or ())
    if config_count > 1:
        attributes[sc.AG2_LLM_CONFIG_COUNT] = config_count
    with contextlib.suppress(TypeError):
        _by_wrapper[wrapper] = (config, attributes)
    return attributes


def _set_parameter(attributes: dict[str, Any], key: str, value: Any) -> None:
    if key == "stop":
        if isinstance(value, str):
            attributes[sc.GEN_AI_REQUEST_STOP_SEQUENCES] = [value]
        elif isinstance(value, (list, tuple)) and all(isinstance(s, str) for s in value):
            attributes[sc.GEN_AI_REQUEST_STOP_SEQUENCES] = list(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        attributes[sc.REQUEST_PARAMETERS[key]] = value


def _record_request_content(
    operation: Operation[_Call], call_config: Mapping[str, Any], config: Mapping[str, Any]
) -> None:
    messages = call_config.get("messages")
    if not isinstance(messages, list):
        return
    system = [m for m in messages if isinstance(m, Mapping) and m.get("role") == "system"]
    rest = [m for m in messages if not (isinstance(m, Mapping) and m.get("role") == "system")]
    if system:
        operation.record_content(sc.GEN_AI_SYSTEM_INSTRUCTIONS, lambda policy: _instructions(policy, system))
    operation.record_content(
        sc.GEN_AI_INPUT_MESSAGES,
        lambda policy: policy.history(operation.data.scope, ("llm", _agent_key(call_config)), rest),
    )
    tools = call_config.get("tools") or config.get("tools")
    if tools:
        operation.record_content(
            sc.GEN_AI_TOOL_DEFINITIONS, lambda policy: policy.text(tool_definitions(tools))
        )


def _instructions(policy: ContentPolicy, system: list[Mapping[str, Any]]) -> str:
    if len(system) == 1 and isinstance(system[0].get("content"), str):
        return policy.instructions(system[0]["content"])  # the usual case, remembered per text
    return policy.text([part for message in system for part in system_instructions(message.get("content"))])


def _agent_key(call_config: Mapping[str, Any]) -> str:
    return str(getattr(call_config.get("agent"), "name", ""))


def _output_messages(choices: list[Any]) -> list[dict[str, Any]]:
    outputs = []
    for choice in choices:
        message = getattr(choice, "message", None)
        if message is None:
            continue
        semconv = to_semconv_message(_message_fields(message), role="assistant")
        semconv["finish_reason"] = str(getattr(choice, "finish_reason", "") or "")
        outputs.append(semconv)
    return outputs


def _message_fields(message: Any) -> Mapping[str, Any]:
    """What `to_semconv_message` reads, from the `openai` SDK's message model or whatever
    object a custom model client returns (read as attributes: no `model_dump`)."""
    if isinstance(message, Mapping):
        return message
    return {
        "role": read_field(message, "role"),
        "content": read_field(message, "content"),
        "name": read_field(message, "name"),
        "tool_calls": [
            call if isinstance(call, Mapping) else {"id": read_field(call, "id"), "function": _function(call)}
            for call in read_field(message, "tool_calls") or ()
        ],
        "function_call": _function(message, "function_call"),
    }


def _function(holder: Any, key: str = "function") -> Mapping[str, Any] | None:
    function = read_field(holder, key)
    if function is None or isinstance(function, Mapping):
        return function
    return {"name": read_field(function, "name"), "arguments": read_field(function, "arguments")}


def _first_config(wrapper: Any) -> Mapping[str, Any]:
    config_list = getattr(wrapper, "_config_list", None) or [{}]
    first = config_list[0]
    return first if isinstance(first, Mapping) else {}


def _server(wrapper: Any, config: Mapping[str, Any]) -> tuple[str | None, int | None]:
    base_url = config.get("base_url")
    if not base_url:
        clients = getattr(wrapper, "_clients", None) or []
        client = getattr(clients[0], "_oai_client", None) if clients else None
        base_url = getattr(client, "base_url", None)
    if not base_url:
        return None, None
    parts = urlsplit(str(base_url))
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return parts.hostname, port


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


@reads(_ACTUAL_USAGE, _TOTAL_USAGE)
def wrap_update_usage(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """AG2 reports a cache hit as usage with no `actual_usage`: flag the running call."""
    call = _current_call()
    if call is not None:
        actual = _ACTUAL_USAGE.of(args, kwargs)
        total = _TOTAL_USAGE.of(args, kwargs)
        call.cached = actual is None and total is not None
    return wrapped(*args, **kwargs)


@reads(_PARAMS)
def wrap_client_create(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """One attempt of a config list: failures AG2 falls back from become span events."""
    try:
        response = wrapped(*args, **kwargs)
    except Exception as exc:
        call = _current_call()
        if call is not None and call.operation is not None:
            params = _PARAMS.of(args, kwargs)
            with telemetry_guard("attempt event"):
                call.operation.span.add_event(
                    sc.AG2_LLM_ATTEMPT_FAILED_EVENT,
                    {
                        sc.GEN_AI_REQUEST_MODEL: str(read_field(params, "model") or ""),
                        sc.ERROR_TYPE: error_type(exc),
                        sc.EXCEPTION_MESSAGE: str(exc)[:500],
                    },
                )
        raise
    call = _current_call()
    if call is not None:
        call.client = instance
    return response


def wrap_sleep_for_retry(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    _note_retry(kwargs)
    return wrapped(*args, **kwargs)


async def wrap_async_sleep_for_retry(
    wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    _note_retry(kwargs)
    return await wrapped(*args, **kwargs)


def _note_retry(kwargs: Mapping[str, Any]) -> None:
    """The `openai` client is about to resend a request: make the retry visible."""
    call = _current_call()
    if call is None or call.operation is None:
        return
    with telemetry_guard("retry event"):
        response = kwargs.get("response")
        attributes: dict[str, Any] = {sc.HTTP_REQUEST_RESEND_COUNT: int(kwargs.get("retries_taken", 0)) + 1}
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            attributes[sc.HTTP_RESPONSE_STATUS_CODE] = status
        call.operation.span.add_event(sc.HTTP_RETRY_EVENT, attributes)
