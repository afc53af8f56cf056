"""The canned traces tests start from land the same way at any time of day: the browser demo
inside one hour bucket, one UTC day and the last 24 h, none in the last 15 min; the server
workload two hours apart on one UTC day. Checked at simulated clocks next to hour and day
boundaries, and read back through the real store's hourly and daily roll-ups."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from ag2_otel.server.store import Store
from ag2_otel.server.units import DAY_NS, HOUR_NS, SECOND_NS
from ag2_otel.testing import viewer_traces as fixtures
from ag2_otel.testing.clock import canned_hour_ns
from ag2_otel.testing.otlp import ingest, request_of, span_from_dict

MINUTE_NS = 60 * SECOND_NS


def _at(text: str) -> int:
    """A simulated clock: an ISO time in UTC, to the nanosecond (plus a few ns past it)."""
    seconds = datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()
    return int(seconds) * SECOND_NS + 7


CLOCKS = [
    _at("2026-12-02T23:59:30"),  # half a minute before midnight
    _at("2026-12-03T00:00:10"),  # just after midnight
    _at("2026-12-03T00:30:00"),  # half an hour after it
    _at("2026-12-03T00:59:59"),
    _at("2026-12-03T01:00:00"),
    _at("2026-12-03T01:59:59"),
    _at("2026-12-03T02:00:01"),
    _at("2026-12-03T10:00:05"),  # just after an hour starts
    _at("2026-12-03T10:30:00"),  # half way through it
    _at("2026-12-03T10:59:55"),  # just before it ends
    _at("2026-12-31T23:59:59"),  # the year's last second
    _at("2026-03-29T01:00:00"),  # when Europe's summer time starts (UTC knows none)
]


@pytest.mark.parametrize("now", CLOCKS)
def test_demo_traces_share_one_hour_and_one_day_inside_the_last_24_h(now: int) -> None:
    traces = fixtures.demo_traces(now)
    spans = [s for builder in traces.values() for s in builder.spans]
    times = [t for s in spans for t in (s["start_time_ns"], s["end_time_ns"])]
    assert len({t - t % HOUR_NS for t in times}) == 1  # one hour bucket (and so one day bucket)
    assert len({t - t % DAY_NS for t in times}) == 1
    assert now - DAY_NS < min(times) and max(times) < now  # inside "last 24 h", none in the future
    starts = [min(s["start_time_ns"] for s in b.spans) for b in traces.values()]
    assert starts == sorted(set(starts))  # oldest first, no two at once: "newest first" is one order
    assert max(starts) < now - 20 * MINUTE_NS  # none inside the list's "last 15 min" range


@pytest.mark.parametrize("now", CLOCKS)
def test_workload_hours_are_two_hours_apart_on_one_day_inside_the_last_24_h(now: int) -> None:
    hour = canned_hour_ns(now, hours_before=2)
    earliest, latest = hour - 2 * HOUR_NS, hour + HOUR_NS - 1
    assert earliest % HOUR_NS == 0 and latest < now
    assert earliest - earliest % DAY_NS == latest - latest % DAY_NS
    assert now - DAY_NS < earliest


def test_hours_that_cannot_fit_in_one_day_are_refused() -> None:
    with pytest.raises(ValueError, match="one day"):
        canned_hour_ns(CLOCKS[0], hours_before=24)


@pytest.mark.parametrize("now", [CLOCKS[0], CLOCKS[2], CLOCKS[8]])  # 23:59:30, 00:30, 10:30
def test_the_store_rolls_the_demo_up_into_one_hour_and_one_day(tmp_path: Path, now: int) -> None:
    """What the usage page asks for ("last 24 h": since = now - 24 h, which the store floors
    to its bucket) returns every LLM call of the demo in a single row per bucket width."""
    traces = fixtures.demo_traces(now)
    for builder in traces.values():
        ingest(tmp_path / "traces.db", request_of([span_from_dict(s) for s in builder.spans]))
    calls = sum(1 for b in traces.values() for s in b.spans if s["span_type"] == "llm")
    store = Store(tmp_path / "traces.db")
    try:
        for bucket in ("hour", "day"):
            rows = store.usage(group_by=("model",), bucket=bucket, since_ns=now - DAY_NS)
            assert len({row["bucket_start_ns"] for row in rows}) == 1
            assert sum(row["llm_calls"] for row in rows) == calls
    finally:
        store.close()
