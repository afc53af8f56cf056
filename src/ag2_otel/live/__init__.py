"""Watching a conversation while it runs: start records for `ag2-otel serve` (never other backends)."""

RUNNING_ATTRIBUTE = "ag2_otel.running"
"""Set (True) only on start records: the backend keeps such a span until the real one replaces it."""
