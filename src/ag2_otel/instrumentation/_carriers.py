"""Context across AG2's threads: the caller's OpenTelemetry context follows the
work AG2 hands to threads, tasks and executors.

AG2 starts threads (`run()`, `run_group_chat()`, sequential runs, async tools
called from sync code) and uses `run_in_executor` in `a_generate_oai_reply`;
none of them carry OpenTelemetry's context. `install_context_carriers` swaps
the `threading` / `asyncio` names *inside those AG2 modules only* for thin
proxies that capture the caller's context and attach it in the worker, so a
conversation stays one trace under the caller's span. Nothing process-wide is
patched. `BackgroundWork` lets a span last as long as the thread or task AG2
starts under it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from opentelemetry import context as otel_context

_R = TypeVar("_R")

BACKGROUND_KEY = otel_context.create_key("ag2_otel.background")
"""The `BackgroundWork` that the next thread or task AG2 starts claims."""


def bind_context(func: Callable[..., _R]) -> Callable[..., _R]:
    """Return `func` running, wherever it is called, in the caller's current context."""
    captured = otel_context.get_current()

    def run_in_captured_context(*args: Any, **kwargs: Any) -> _R:
        token = otel_context.attach(captured)
        try:
            return func(*args, **kwargs)
        finally:
            otel_context.detach(token)

    return run_in_captured_context


class BackgroundWork:
    """A span that lasts as long as the thread or task AG2 starts under it.

    `sequential_run()` returns at once and runs its chats in a thread
    (`a_sequential_run()`: a task). The first thread or task started while this
    is in the context claims it and calls `done` when it finishes.
    """

    def __init__(self, done: Callable[[], None]) -> None:
        self._done = done
        self._lock = threading.Lock()
        self.claimed = False

    def claim(self) -> bool:
        with self._lock:
            if self.claimed:
                return False
            self.claimed = True
            return True

    def finish(self) -> None:
        self._done()


def _claim_background() -> BackgroundWork | None:
    work = otel_context.get_value(BACKGROUND_KEY)
    return work if isinstance(work, BackgroundWork) and work.claim() else None


class ContextCarryingThread(threading.Thread):
    """A `threading.Thread` that runs in the context of the code that created it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ag2_otel_context = otel_context.get_current()
        self._ag2_otel_work = _claim_background()

    def run(self) -> None:
        token = otel_context.attach(self._ag2_otel_context)
        try:
            super().run()
        finally:
            otel_context.detach(token)
            if self._ag2_otel_work is not None:
                self._ag2_otel_work.finish()


class _ModuleProxy:
    """Delegates every attribute to a module except the ones overridden here."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


class _ThreadingProxy(_ModuleProxy):
    Thread = ContextCarryingThread


class _LoopProxy:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loop, name)

    def run_in_executor(self, executor: Any, func: Callable[..., _R], *args: Any) -> asyncio.Future[_R]:
        return self._loop.run_in_executor(executor, bind_context(func), *args)


class _AsyncioProxy(_ModuleProxy):
    def create_task(self, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = self._module.create_task(coro, **kwargs)
        work = _claim_background()
        if work is not None:
            task.add_done_callback(lambda _: work.finish())
        return task

    def get_event_loop(self) -> _LoopProxy:
        return _LoopProxy(self._module.get_event_loop())

    def get_running_loop(self) -> _LoopProxy:
        return _LoopProxy(self._module.get_running_loop())


# AG2 module -> (global name, proxy factory). A module an AG2 release lacks is never
# imported, so older releases still get the rest.
CARRIERS: dict[str, tuple[tuple[str, Callable[[ModuleType], Any]], ...]] = {
    "autogen.agentchat.conversable_agent": (("threading", _ThreadingProxy), ("asyncio", _AsyncioProxy)),
    "autogen.agentchat.group.multi_agent_chat": (("threading", _ThreadingProxy),),
    "autogen.agentchat.groupchat": (("threading", _ThreadingProxy),),
    "autogen.agentchat.chat": (("threading", _ThreadingProxy),),
}

_installed: list[tuple[ModuleType, str, Any]] = []
_install_lock = threading.Lock()


def install_context_carriers(module: ModuleType) -> None:
    """Swap `module`'s `threading` / `asyncio` globals (as listed in `CARRIERS`) for proxies."""
    with _install_lock:
        for attribute, proxy in CARRIERS.get(module.__name__, ()):
            original = module.__dict__.get(attribute)
            if isinstance(original, ModuleType):
                setattr(module, attribute, proxy(original))
                _installed.append((module, attribute, original))


def uninstall_context_carriers() -> None:
    with _install_lock:
        while _installed:
            module, attribute, original = _installed.pop()
            setattr(module, attribute, original)
