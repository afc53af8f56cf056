"""Time units in nanoseconds, the unit every stored and OTLP timestamp is in."""

from __future__ import annotations

SECOND_NS = 1_000_000_000
HOUR_NS = 3600 * SECOND_NS
DAY_NS = 24 * HOUR_NS
MAX_NS = 2**63 - 1
"""Times are stored as SQLite's signed 64-bit integers; larger ones cannot even be bound."""
