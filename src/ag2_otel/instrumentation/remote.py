"""Remote agents (A2A)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PATCHES: tuple[tuple[str, str, str, Callable[..., Any]], ...] = ()
