"""Where canned test traces go in time, so no test depends on the time of day it runs at.

Usage is rolled up per UTC hour and per UTC day, and the viewer's ranges ("last 24 h",
"last 15 min") count back from now. Traces placed at "now minus a few minutes" land in one
hour bucket or two, one day or two, depending on the clock; traces placed inside one whole
past UTC hour always share one hour bucket and one day bucket (an hour never straddles a
UTC midnight), are never in the future, and are less than a day old.
"""

from __future__ import annotations

import time

from ag2_otel.server.units import DAY_NS, HOUR_NS


def canned_hour_ns(now_ns: int | None = None, *, hours_before: int = 0) -> int:
    """The start of the newest whole UTC hour before `now_ns` (default: the clock) such that
    it and the `hours_before` hours before it all lie on one UTC day.

    Traces placed within [start - hours_before h, start + 1 h) share one day bucket, each
    whole hour of it is one hour bucket, and all of it ended before `now_ns` and began less
    than 2 * `hours_before` + 2 hours before it (so less than a day for up to 10 hours).
    """
    if not 0 <= hours_before < 24:
        raise ValueError("hours_before must be 0 to 23: the hours have to fit in one day")
    now = time.time_ns() if now_ns is None else now_ns
    start = now - now % HOUR_NS - HOUR_NS
    if start % DAY_NS < hours_before * HOUR_NS:  # the earliest hour would fall on the day before
        start = start - start % DAY_NS - HOUR_NS  # the last hour of the day before
    return start
