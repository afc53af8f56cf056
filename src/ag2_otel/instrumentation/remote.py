"""Remote agents over A2A (`autogen.a2a`, the `a2a` extra): one trace across
processes.

Client side: an `A2aRemoteAgent` talks to its server through httpx clients that
AG2's client factories create. Each request such a client sends (an A2A
JSON-RPC call, or the agent-card fetch) is an `a2a.client {method}` CLIENT
span, and the W3C trace context of that span (traceparent, tracestate,
baggage) is injected into that request's headers through the *global*
propagator, per call. A streamed response's span lasts until its body is
closed. Other httpx clients in the process are left alone.

Server side: `AutogenAgentExecutor.execute` runs the served agent for one A2A
request; it becomes an `a2a.server {agent}` SERVER span whose parent is
extracted (global propagator) from the request headers the A2A SDK hands to
the executor, so the serving side joins the caller's trace. Inside it, the
served agent's turn (`AgentService.__call__`) is an `invoke_agent` span.

Per the GenAI conventions these A2A spans do not also claim `invoke_agent`:
the local `A2aRemoteAgent`'s turn already is an `invoke_agent` span, and the
served agent's turn is one on the server.
"""

from __future__ import annotations

import functools
import json
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate
from opentelemetry.trace import SpanKind

from ag2_otel.instrumentation import _semconv as sc
from ag2_otel.instrumentation._agents import agent_name, calling_self
from ag2_otel.instrumentation._arguments import Parameter, reads
from ag2_otel.instrumentation._registry import Telemetry, registry
from ag2_otel.instrumentation._safety import telemetry_guard
from ag2_otel.instrumentation._spans import Operation, Planned, acall_traced, async_wrapper
from ag2_otel.instrumentation.agent import begin_agent_turn, finish_agent_turn

_CLIENT_FACTORIES = "autogen.a2a.client_factory"
_HTTP_ERROR_STATUS = 400
_REQUEST, _CONTEXT, _STATE = Parameter("request"), Parameter("context"), Parameter("state")

# httpx clients made by AG2's A2A client factories -> the A2aRemoteAgent that made them
_clients: weakref.WeakKeyDictionary[Any, weakref.ref[Any]] = weakref.WeakKeyDictionary()


# --- client: remember which httpx clients belong to a remote agent ------------


def _wrap_factory_call(
    wrapped: Callable[[], Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    client = wrapped(*args, **kwargs)
    with telemetry_guard("a2a client factory"):
        owner = calling_self(_is_remote_agent)
        if owner is not None:
            _clients[client] = weakref.ref(owner)
    return client


def _is_remote_agent(obj: Any) -> bool:
    return any(cls.__name__ == "A2aRemoteAgent" for cls in type(obj).__mro__)


# --- client: one CLIENT span per request, context injected per request --------


def _plan_send(client: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    try:
        owner = _clients.get(client)
    except TypeError:  # an unhashable client
        owner = None
    agent = owner() if owner is not None else None
    if agent is None:
        return None, _finish_send
    telemetry = registry.for_agent(agent)
    request = _REQUEST.of(args, kwargs)
    if telemetry is None or request is None:
        return None, _finish_send
    finish = _finish_streamed if kwargs.get("stream") else _finish_send
    return (lambda: _begin_send(telemetry, agent, request)), finish


def _begin_send(telemetry: Telemetry, agent: Any, request: Any) -> Operation:
    url = request.url
    method = _rpc_method(request) or f"{request.method} {url.path}"
    attributes: dict[str, Any] = {
        sc.AG2_SPAN_TYPE: sc.TYPE_REMOTE_AGENT,
        sc.A2A_METHOD_NAME: method,
        sc.AG2_AGENT_NAME: agent_name(agent),  # A2A spans are no `invoke_agent` (semconv)
        sc.HTTP_REQUEST_METHOD: str(request.method),
        sc.SERVER_ADDRESS: str(url.host),
        sc.URL_PATH: str(url.path),
    }
    if url.port is not None:
        attributes[sc.SERVER_PORT] = int(url.port)
    operation = Operation(telemetry, f"{sc.SPAN_A2A_CLIENT} {method}", attributes, kind=SpanKind.CLIENT)
    with telemetry_guard("a2a inject"):
        propagate.inject(request.headers)  # the current context is now this span's
    return operation


def _rpc_method(request: Any) -> str | None:
    """The JSON-RPC method of an A2A call (`SendMessage`, `message/send`, ...)."""
    if request.method != "POST":
        return None
    with telemetry_guard("a2a method"):
        body = json.loads(request.content or b"null")
        method = body.get("method") if isinstance(body, Mapping) else None
        return str(method) if method else None
    return None


def _finish_send(operation: Operation, response: Any) -> None:
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        operation.span.set_attribute(sc.HTTP_RESPONSE_STATUS_CODE, status)
        if status >= _HTTP_ERROR_STATUS:
            operation.fail_with(str(status), f"HTTP {status}")


def _finish_streamed(operation: Operation, response: Any) -> bool:
    """A streamed response (A2A's `message/stream`): the span ends when the caller closes
    the stream, not at its headers."""
    _finish_send(operation, response)
    return _end_when_closed(response, operation)


def _end_when_closed(response: Any, operation: Operation) -> bool:
    """Make closing `response`'s stream end `operation`; False if that cannot be arranged."""
    with telemetry_guard("a2a stream"):
        import httpx

        stream = getattr(response, "stream", None)
        if getattr(response, "is_closed", True) or not isinstance(stream, httpx.AsyncByteStream):
            return False
        response.stream = _stream_class()(stream, operation)
        return True
    return False


@functools.cache
def _stream_class() -> type:
    """Built on first use: httpx is imported only when an A2A client exists."""
    import httpx

    class StreamThatEndsSpan(httpx.AsyncByteStream):
        """The response body as httpx delivers it; closing it (which httpx does once the
        body is read, or the caller does) ends the request's span."""

        def __init__(self, stream: Any, operation: Operation) -> None:
            self._stream = stream
            self._operation = operation

        async def __aiter__(self) -> Any:
            try:
                async for chunk in self._stream:
                    yield chunk
            except Exception as exc:  # not GeneratorExit: a reader may stop early
                self._operation.fail(exc)
                raise

        async def aclose(self) -> None:
            try:
                await self._stream.aclose()
            finally:
                self._operation.end(detach=False)  # wherever the caller closes it

    return StreamThatEndsSpan


# --- server: the executor's run joins the caller's trace ----------------------


def _plan_execute(executor: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Planned:
    service = getattr(executor, "agent", None)
    agent = getattr(service, "agent", service)
    telemetry = registry.for_agent(agent) if agent is not None else None
    if telemetry is None:
        return None, _finish_execute
    request_context = _CONTEXT.of(args, kwargs)
    return (lambda: _begin_execute(telemetry, agent, request_context)), _finish_execute


def _begin_execute(telemetry: Telemetry, agent: Any, request_context: Any) -> Operation:
    name = agent_name(agent)
    attributes: dict[str, Any] = {sc.AG2_SPAN_TYPE: sc.TYPE_REMOTE_AGENT, sc.AG2_AGENT_NAME: name}
    state = _call_state(request_context)
    method = state.get("method")
    if isinstance(method, str):
        attributes[sc.A2A_METHOD_NAME] = method
    return Operation(telemetry, f"{sc.SPAN_A2A_SERVER} {name}", attributes, kind=SpanKind.SERVER)


def _finish_execute(operation: Operation, _: Any) -> None:
    return None


def _call_state(request_context: Any) -> Mapping[str, Any]:
    state = getattr(getattr(request_context, "call_context", None), "state", None)
    return state if isinstance(state, Mapping) else {}


def _incoming_context(args: tuple[Any, ...], kwargs: dict[str, Any]) -> otel_context.Context | None:
    """The caller's context from the A2A request headers, if it sent one."""
    headers = _call_state(_CONTEXT.of(args, kwargs)).get("headers")
    if not isinstance(headers, Mapping) or "traceparent" not in {str(k).lower() for k in headers}:
        return None
    return propagate.extract({str(k).lower(): v for k, v in headers.items()})


@reads(_CONTEXT)
async def _wrap_execute(
    wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    begin, finish = _plan_execute(instance, args, kwargs)
    if begin is None:
        return await wrapped(*args, **kwargs)
    incoming = None
    with telemetry_guard("a2a extract"):
        incoming = _incoming_context(args, kwargs)
    token = otel_context.attach(incoming) if incoming is not None else None
    try:
        return await acall_traced(begin, wrapped, args, kwargs, finish)
    finally:
        if token is not None:
            otel_context.detach(token)


# --- server: the served agent's turn ------------------------------------------------


@reads(_STATE)
def _wrap_service_call(
    wrapped: Callable[..., AsyncIterator[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> AsyncIterator[Any]:
    """`AgentService.__call__` runs the served agent's turn as an async generator
    (AG2 does not go through `generate_reply` there): make it an `invoke_agent` span."""
    turn = wrapped(*args, **kwargs)
    agent = getattr(instance, "agent", None)
    telemetry = registry.for_agent(agent) if agent is not None else None
    if telemetry is None:
        return turn
    messages = getattr(_STATE.of(args, kwargs), "messages", None)
    return _traced_turn(turn, telemetry, agent, messages)


async def _traced_turn(
    turn: AsyncIterator[Any], telemetry: Telemetry, agent: Any, messages: Any
) -> AsyncIterator[Any]:
    """Yield what `turn` yields. Its steps run inside the span; the consumer's code
    between steps runs in its own context, not the span's."""
    operation = None
    with telemetry_guard("a2a turn"):
        operation = begin_agent_turn(telemetry, agent, messages, None, ("agent", id(agent)))
        inside = otel_context.get_current()
        operation.detach()
    if operation is None:
        async for item in turn:
            yield item
        return
    reply = None
    try:
        while True:
            token = otel_context.attach(inside)
            try:
                item = await turn.__anext__()
            except StopAsyncIteration:
                break
            finally:
                otel_context.detach(token)
            reply = getattr(item, "message", None) or reply
            yield item
    except GeneratorExit:  # the consumer stopped early: close the turn too
        await _close(turn)
        raise
    except BaseException as exc:
        operation.fail(exc)
        raise
    finally:
        if reply is not None:
            with telemetry_guard("a2a turn reply"):
                finish_agent_turn(operation, reply)
        operation.end()


async def _close(turn: AsyncIterator[Any]) -> None:
    close = getattr(turn, "aclose", None)
    if close is not None:
        await close()


PATCHES: tuple[tuple[str, str, str, Callable[..., Any]], ...] = (
    (_CLIENT_FACTORIES, "HttpxClientFactory", "__call__", _wrap_factory_call),
    (_CLIENT_FACTORIES, "EmptyClientFactory", "__call__", _wrap_factory_call),
    ("httpx", "AsyncClient", "send", reads(_REQUEST)(async_wrapper(_plan_send))),
    ("autogen.a2a.agent_executor", "AutogenAgentExecutor", "execute", _wrap_execute),
    ("autogen.agentchat.remote.agent_service", "AgentService", "__call__", _wrap_service_call),
)
"""Appended to the patch table; skipped when the `a2a` extra is not installed."""
