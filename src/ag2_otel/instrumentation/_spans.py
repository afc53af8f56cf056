"""The life of one traced AG2 step: start a span, make it current (with our
context values), run the user's code, end the span exactly once.

`call_traced` / `acall_traced` are the only places where user code runs
inside a span; everything they do around it is guarded, so a telemetry bug
can never change what the user's code returns or raises.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from contextvars import Token
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.metrics import Histogram
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from ag2_otel.instrumentation._events import emit_content_event
from ag2_otel.instrumentation._registry import INHERIT_KEY, Telemetry
from ag2_otel.instrumentation._safety import logger as guard_logger
from ag2_otel.instrumentation._safety import telemetry_guard
from ag2_otel.instrumentation._sampling import QUIET_KEY
from ag2_otel.instrumentation._scopes import SCOPE_KEY, Scope, scope_in
from ag2_otel.instrumentation._semconv import (
    AG2_CONVERSATION_ID,
    AG2_ENDED_BY,
    CONTENT_EVENT,
    ERROR_TYPE,
    GEN_AI_CONVERSATION_ID,
    GEN_AI_OPERATION_NAME,
)
from ag2_otel.instrumentation.content import ContentPolicy

_R = TypeVar("_R")
if TYPE_CHECKING:  # `Operation(...)` without `data` is an `Operation[None]` (PEP 696 default;
    # typing's own TypeVar takes `default=` only from Python 3.13, and at run time it changes nothing)
    from typing_extensions import TypeVar as TypeVarWithDefault

    _D = TypeVarWithDefault("_D", default=None)
else:
    _D = TypeVar("_D")

# The context key the API keeps the current span under, learnt through the public API.
(_SPAN_KEY,) = trace.set_span_in_context(trace.INVALID_SPAN, Context()).keys()
ACTIVE_KEY = otel_context.create_key("ag2_otel.active")
"""The innermost of our steps (`is_active`: a re-entrant call to skip)."""

_OPERATION_KEY = otel_context.create_key("ag2_otel.operation")
"""The innermost of our steps, which a step started inside it tells of an exception it recorded."""


def error_type(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


class Operation(Generic[_D]):
    """One span plus the context it runs in; `end*` is idempotent. `data` is what the step's
    finish needs besides the span (its own type per kind of step)."""

    __slots__ = (
        "_content_event",
        "_ended",
        "_error_type",
        "_parent",
        "_recorded_below",
        "_token",
        "control_flow",
        "data",
        "duration_metric",
        "finish_on_failure",
        "scope",
        "span",
        "started",
        "telemetry",
    )

    def __init__(
        self,
        telemetry: Telemetry,
        name: str,
        attributes: Mapping[str, Any],
        *,
        kind: SpanKind = SpanKind.INTERNAL,
        scope: Scope | None = None,
        inherit: bool = False,
        active: object = None,
        values: Mapping[str, object] | None = None,
        data: _D = None,  # type: ignore[assignment]  # None is `_D`'s default (see above)
    ) -> None:
        self.telemetry = telemetry
        self.scope = scope
        self.data = data
        self.duration_metric: tuple[Histogram, dict[str, Any]] | None = None
        """(histogram, attributes): recorded once at `end`, with `error.type` if failed."""
        self._error_type: str | None = None
        self.finish_on_failure = False
        """Run the finish step (with result `None`) even when the user's code raised: roll-ups
        and turn counts matter most on a failed conversation."""
        self.control_flow: tuple[type[BaseException], ...] = ()
        """Exceptions AG2 raises to end a step normally: recorded, not marked as errors."""
        self._content_event: dict[str, str] | None = None
        self.started = time.perf_counter()
        self._ended = False
        current = otel_context.get_current()
        parent = current.get(_OPERATION_KEY)
        self._parent = parent if isinstance(parent, Operation) else None
        self._recorded_below: BaseException | None = None
        """An exception a step inside this one recorded (this very object: never compared
        by `id()`, which a later exception takes once this one is freed)."""
        enclosing = scope or scope_in(current)
        attrs = dict(attributes)  # callers derive metric attributes from theirs: never add to it
        if enclosing is not None:
            # `gen_ai.*` only on GenAI operations (see `AG2_AGENT_NAME`)
            key = GEN_AI_CONVERSATION_ID if GEN_AI_OPERATION_NAME in attrs else AG2_CONVERSATION_ID
            attrs[key] = enclosing.conversation_id
        self.span: Span = telemetry.tracer.start_span(name, context=current, kind=kind, attributes=attrs)
        # One copy of the context for the span and all our values (not one copy each).
        ours: dict[str, object] = dict(current)
        ours[_SPAN_KEY] = self.span
        if scope is not None:
            ours[SCOPE_KEY] = scope
        if inherit:
            ours[INHERIT_KEY] = telemetry
        ours[ACTIVE_KEY] = active
        ours[_OPERATION_KEY] = self
        if values:
            ours.update(values)
        if not self.span.is_recording() and telemetry.quiet_when_unsampled():
            ours[QUIET_KEY] = True  # the steps inside pass straight through (`_sampling`)
        context = Context(ours)
        self._token: Token[Context] | None = otel_context.attach(context)

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started

    def fail(self, exc: BaseException) -> None:
        """Mark failed; record the exception event only where it first passed: the steps it
        propagates through next are marked failed without recording it again."""
        if isinstance(exc, self.control_flow):
            with telemetry_guard("control flow"):
                self.span.set_attribute(AG2_ENDED_BY, type(exc).__name__)
            return
        self._error_type = error_type(exc)
        with telemetry_guard("fail"):
            if self.span.is_recording():
                self.span.set_attribute(ERROR_TYPE, error_type(exc))
                self.span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
                if exc is not self._recorded_below:
                    self.span.record_exception(exc, escaped=True)
                parent = self._parent
                if parent is not None and not parent._ended:
                    parent._recorded_below = exc

    def fail_with(self, kind: str, message: str) -> None:
        """Mark failed for an error AG2 reports as a value, not an exception."""
        self._error_type = kind
        with telemetry_guard("fail_with"):
            self.span.set_attribute(ERROR_TYPE, kind)
            self.span.set_status(Status(StatusCode.ERROR, message))

    def record_content(self, key: str, build: Callable[[ContentPolicy], str | None]) -> None:
        """Record opt-in content: built lazily, only when captured and recording."""
        telemetry = self.telemetry
        policy = telemetry.content
        if policy is None or not self.span.is_recording():
            return
        try:
            value = build(policy)
            if value is None:
                return
            if telemetry.content_on_spans:
                self.span.set_attribute(key, value)
            if telemetry.content_on_events:
                if self._content_event is None:
                    self._content_event = {}
                self._content_event[key] = value
        except Exception:
            _swallowed(f"content {key}")

    def end(self, *, detach: bool = True) -> None:
        """End the span (once). `detach=False` from another thread or task than the one
        that started it, which restores its own context itself."""
        if self._ended:
            return
        self._ended = True
        self._parent = self._recorded_below = None  # hold no step or exception past the end
        # Guards inlined as try/except: `end` runs once per span.
        if self.duration_metric is not None and self.telemetry.instruments.recording():
            try:
                histogram, attributes = self.duration_metric
                if self._error_type is not None:
                    attributes = {**attributes, ERROR_TYPE: self._error_type}
                histogram.record(time.perf_counter() - self.started, attributes)
            except Exception:
                _swallowed("duration metric")
        if self._content_event:
            with telemetry_guard("content event"):
                self.span.add_event(CONTENT_EVENT, self._content_event)
                emit_content_event(self.telemetry.logger, self.span, self._content_event)
        if detach:
            self.detach()
        try:
            self.span.end()
        except Exception:
            _swallowed("end")

    def detach(self) -> None:
        """Restore the caller's context (once); the span may stay open for background work."""
        token, self._token = self._token, None
        if token is not None:
            try:
                otel_context.detach(token)
            except Exception:
                _swallowed("detach")


def is_active(marker: object) -> bool:
    """True when the innermost of our steps is `marker` (a re-entrant call to skip)."""
    return otel_context.get_current().get(ACTIVE_KEY) == marker


def _swallowed(what: str) -> None:
    """What `telemetry_guard` does with an exception, for hot paths that inline the guard."""
    guard_logger.debug("ag2-otel: telemetry step %r failed", what, exc_info=True)


Finish = Callable[[Operation[Any], Any], object]
"""(operation, result) -> truthy when it arranged for the span to end later (a stream or a
thread still running): the caller's context is restored now and the span stays open."""
Planned = tuple[Callable[[], Operation[Any] | None] | None, Finish]
"""(begin, or None when the call is not traced; finish)."""
Plan = Callable[[Any, tuple[Any, ...], dict[str, Any]], Planned]
"""(instance, args, kwargs) -> what to do around this call."""


def sync_wrapper(plan: Plan) -> Callable[..., Any]:
    """A method wrapper (`_patches` convention) for a sync method, traced as `plan` decides per call."""

    def wrapper(
        wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        begin, finish = plan(instance, args, kwargs)
        if begin is None:
            return wrapped(*args, **kwargs)
        return call_traced(begin, wrapped, args, kwargs, finish)

    return wrapper


def async_wrapper(plan: Plan) -> Callable[..., Any]:
    """The async twin of `sync_wrapper`: same plan, same spans."""

    async def wrapper(
        wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        begin, finish = plan(instance, args, kwargs)
        if begin is None:
            return await wrapped(*args, **kwargs)
        return await acall_traced(begin, wrapped, args, kwargs, finish)

    return wrapper


def _end_failed(operation: Operation[Any], finish: Finish, exc: BaseException) -> None:
    """End a step whose user code raised; a step that asked for it (conversation, group chat,
    sequence) still reports its roll-ups, with `None` for the result it never had."""
    operation.fail(exc)
    if operation.finish_on_failure:
        try:
            finish(operation, None)
        except Exception:
            _swallowed("finish after failure")
    operation.end()


def call_traced(
    begin: Callable[[], Operation[Any] | None],
    wrapped: Callable[..., _R],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    finish: Callable[[Operation[Any], _R], object],
) -> _R:
    # try/except rather than `telemetry_guard` here: this runs on every traced call.
    try:
        operation = begin()
    except Exception:
        _swallowed("begin")
        operation = None
    if operation is None:
        return wrapped(*args, **kwargs)
    try:
        result = wrapped(*args, **kwargs)
    except BaseException as exc:
        _end_failed(operation, finish, exc)
        raise
    try:
        keep_open = finish(operation, result)
    except Exception:
        _swallowed("finish")
        keep_open = False
    if keep_open:
        operation.detach()
    else:
        operation.end()
    return result


async def acall_traced(
    begin: Callable[[], Operation[Any] | None],
    wrapped: Callable[..., Awaitable[_R]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    finish: Callable[[Operation[Any], _R], object],
) -> _R:
    # try/except rather than `telemetry_guard` here: this runs on every traced call.
    try:
        operation = begin()
    except Exception:
        _swallowed("begin")
        operation = None
    if operation is None:
        return await wrapped(*args, **kwargs)
    try:
        result = await wrapped(*args, **kwargs)
    except BaseException as exc:
        _end_failed(operation, finish, exc)
        raise
    try:
        keep_open = finish(operation, result)
    except Exception:
        _swallowed("finish")
        keep_open = False
    if keep_open:
        operation.detach()
    else:
        operation.end()
    return result
