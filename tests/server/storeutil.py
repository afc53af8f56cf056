"""Helpers for tests that read a store's usage rows (ingest lives in ag2_otel.testing.otlp)."""

from __future__ import annotations

from typing import Any


def calls_by(rows: list[dict[str, Any]], key: str = "agent", field: str = "llm_calls") -> dict[Any, int]:
    """Usage rows' `field` summed per agent (or model) over their time buckets: traces that
    cross an hour or a UTC midnight give a row per bucket, and a dict built row by row would
    keep only the last of them."""
    totals: dict[Any, int] = {}
    for row in rows:
        totals[row[key]] = totals.get(row[key], 0) + row[field]
    return totals
