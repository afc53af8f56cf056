"""Arguments of the AG2 methods we wrap, read by parameter name.

A wrapper sees a call's `args` and `kwargs` as the caller passed them. Where a
parameter sits among the positional ones is read once, from the patched method's
own signature, when it is patched (`learn_positions`): no position is written
down against one AG2 release, and a call pays only a dict lookup and an index.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

_W = TypeVar("_W", bound=Callable[..., Any])
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class Parameter:
    """A named parameter of the AG2 methods one plan or wrapper serves."""

    __slots__ = ("learnt", "name", "position")

    def __init__(self, name: str) -> None:
        self.name = name
        self.position: int | None = None
        """Index in a call's `args` (`self` excluded); None: read by keyword only."""
        self.learnt = False

    def of(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
        """The argument passed for this parameter, by keyword or by position; None if none was."""
        if self.name in kwargs:
            return kwargs[self.name]
        position = self.position
        return args[position] if position is not None and len(args) > position else None

    def learn(self, position: int | None, method: Any) -> None:
        if self.learnt and position != self.position:
            # The methods served disagree (never so in the AG2 releases we test): keyword only,
            # so a call never reads the wrong argument.
            logger.debug("ag2-otel: %r has another position in %r; read by keyword only", self.name, method)
            self.position = None
            return
        self.position = position
        self.learnt = True


_reads: dict[Callable[..., Any], tuple[Parameter, ...]] = {}


def reads(*parameters: Parameter) -> Callable[[_W], _W]:
    """Declare the parameters `wrapper` reads, so patching learns their positions."""

    def register(wrapper: _W) -> _W:
        _reads[wrapper] = parameters
        return wrapper

    return register


def learn_positions(wrapper: Callable[..., Any], method: Any) -> None:
    """Learn, from `method`'s signature, the positions of the parameters `wrapper` reads."""
    parameters = _reads.get(wrapper)
    if not parameters:
        return
    positions = _positions(method)
    for parameter in parameters:
        parameter.learn(positions.get(parameter.name), method)


def _positions(method: Any) -> dict[str, int]:
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return {}
    positional = [p.name for p in signature.parameters.values() if p.kind in _POSITIONAL]
    return {name: index for index, name in enumerate(positional[1:])}  # after `self`
