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
        now = time.monotonic()
        with self._lock:
            if now < self._next.get(condition, 0.0):
                self._quiet[condition] = self._quiet.get(condition, 0) + 1
                return
            self._next[condition] = now + self._interval
            quiet = self._quiet.pop(condition, 0)
        suffix = f" ({quiet} more since the last report)" if quiet else ""
        self._logger.warning("%s%s", message, suffix)
