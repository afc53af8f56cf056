"""Settings resolved once, when `instrument*()` runs, into a frozen object.

Environment variables are read at instrument time (not import time), and a bad
value warns and falls back to the default instead of breaking the host app.
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
MAX_CONTENT_BYTES_ENV = "AG2_OTEL_MAX_CONTENT_BYTES"
CONTENT_HISTORY_ENV = "AG2_OTEL_CONTENT_HISTORY"
DEFAULT_MAX_CONTENT_BYTES = 16 * 1024


class ContentCapture(str, enum.Enum):
    """Where message content (prompts, replies, tool arguments and results) may go."""

    NO_CONTENT = "no_content"
    SPAN_ONLY = "span_only"
    EVENT_ONLY = "event_only"
    SPAN_AND_EVENT = "span_and_event"

    @property
    def on_spans(self) -> bool:
        return self in (ContentCapture.SPAN_ONLY, ContentCapture.SPAN_AND_EVENT)

    @property
    def on_events(self) -> bool:
        return self in (ContentCapture.EVENT_ONLY, ContentCapture.SPAN_AND_EVENT)

    @property
    def enabled(self) -> bool:
        return self is not ContentCapture.NO_CONTENT


@dataclass(frozen=True)
class Settings:
    capture_content: ContentCapture = ContentCapture.NO_CONTENT
    max_content_bytes: int = DEFAULT_MAX_CONTENT_BYTES
    redact: Callable[[str], str] | None = None
    full_history: bool = False
    """Record an agent's whole history on every span (quadratic) instead of only what is new."""


def parse_capture_content(value: str | bool | ContentCapture | None) -> ContentCapture:
    """Accept the semconv values, the legacy `true`/`false`, and booleans."""
    if value is None:
        return ContentCapture.NO_CONTENT
    if isinstance(value, ContentCapture):
        return value
    if isinstance(value, bool):
        return ContentCapture.SPAN_ONLY if value else ContentCapture.NO_CONTENT
    text = value.strip().lower()
    if text in ("", "false", "0", "no"):
        return ContentCapture.NO_CONTENT
    if text in ("true", "1", "yes"):
        logger.warning(
            "%s=%s is the legacy form; use 'span_only' (or event_only / span_and_event)",
            CAPTURE_CONTENT_ENV,
            value,
        )
        return ContentCapture.SPAN_ONLY
    try:
        return ContentCapture(text)
    except ValueError:
        logger.warning(
            "invalid %s=%r; expected one of %s; message content will not be captured",
            CAPTURE_CONTENT_ENV,
            value,
            ", ".join(m.value for m in ContentCapture),
        )
        return ContentCapture.NO_CONTENT


def resolve_settings(
    capture_content: str | bool | ContentCapture | None = None,
    max_content_bytes: int | None = None,
    redact: Callable[[str], str] | None = None,
) -> Settings:
    """Parameters win over environment variables, which win over defaults."""
    capture = parse_capture_content(
        capture_content if capture_content is not None else os.environ.get(CAPTURE_CONTENT_ENV)
    )
    if redact is not None and not callable(redact):
        raise TypeError(f"redact must be a callable str -> str, got {type(redact).__name__}")
    return Settings(
        capture_content=capture,
        max_content_bytes=_resolve_max_bytes(max_content_bytes),
        redact=redact,
        full_history=_resolve_full_history(),
    )


def _resolve_full_history() -> bool:
    raw = os.environ.get(CONTENT_HISTORY_ENV, "new").strip().lower()
    if raw not in ("new", "full"):
        logger.warning("invalid %s=%r; expected 'new' or 'full'; using 'new'", CONTENT_HISTORY_ENV, raw)
    return raw == "full"


def _resolve_max_bytes(explicit: int | None) -> int:
    if explicit is not None:
        if explicit < 256:
            raise ValueError(f"max_content_bytes must be at least 256, got {explicit}")
        return explicit
    raw = os.environ.get(MAX_CONTENT_BYTES_ENV)
    if not raw:
        return DEFAULT_MAX_CONTENT_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 256:
        logger.warning("invalid %s=%r; using %d", MAX_CONTENT_BYTES_ENV, raw, DEFAULT_MAX_CONTENT_BYTES)
        return DEFAULT_MAX_CONTENT_BYTES
    return value
