"""Telemetry must never hurt the host application.

`telemetry_guard` swallows (and logs at DEBUG) any exception raised by our own
span-building code; user exceptions pass through the wrappers untouched because
they are raised outside the guarded blocks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

logger = logging.getLogger("ag2_otel")


@contextmanager
def telemetry_guard(what: str) -> Iterator[None]:
    try:
        yield
    except Exception:
        logger.debug("ag2-otel: telemetry step %r failed", what, exc_info=True)


# Built once: `json.dumps` with any non-default option builds a new encoder per call.
_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False, separators=(",", ":"))


def to_json(value: Any) -> str:
    """JSON that never fails: unknown objects become their `str()`."""
    return _ENCODER.encode(value)
