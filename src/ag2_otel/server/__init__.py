"""The embedded local backend behind `ag2-otel serve`.

Data flows one way: OTLP bytes → `receiver` (HTTP and gRPC: decode, limits, gate) →
`normalize` (neutral rows) → `store.writer` (one SQLite transaction per request) →
`store.queries` → JSON API, viewer and CLI. Heavy dependencies (grpc, starlette) are imported only by the
modules that need them, so the CLI can read the store without them.
"""

from __future__ import annotations

__all__: list[str] = []
