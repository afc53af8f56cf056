"""Log a recurring condition once per interval, not once per occurrence.

A flood of bad connections or failing requests must not turn into megabytes of
log; each condition logs one line, then a count of what it kept quiet.
"""

from __future__ import annotations

import logging
import threading
import time


class RateLimitedLog:
    def __init__(self, logger: logging.Logger, interval_s: float = 60.0) -> None:
        self._logger = logger
        self._interval = interval_s
        self._next: dict[str, float] = {}
        self._quiet: dict[str, int] = {}
        self._lock = threading.Lock()

    def warning(self, condition: str, message: str) -> None:
        """Log `message` for `condition` unless that condition was logged within the interval."""
        quiet = self.allow(condition)
        if quiet is not None:
            suffix = f" ({quiet} more since the last report)" if quiet else ""
            self._logger.warning("%s%s", message, suffix)

    def allow(self, condition: str) -> int | None:
        """None if `condition` was reported within the interval; else how many reports it held back."""
        now = time.monotonic()
        with self._lock:
            if now < self._next.get(condition, 0.0):
                self._quiet[condition] = self._quiet.get(condition, 0) + 1
                return None
            self._next[condition] = now + self._interval
            return self._quiet.pop(condition, 0)


class RateLimitFilter(logging.Filter):
    """For a library's logger (uvicorn's "Invalid HTTP request received." per bad request):
    each distinct message passes once per interval."""

    def __init__(self, interval_s: float = 60.0) -> None:
        super().__init__()
        self._log = RateLimitedLog(logging.getLogger(__name__), interval_s)

    def filter(self, record: logging.LogRecord) -> bool:
        return self._log.allow(str(record.msg)) is not None
