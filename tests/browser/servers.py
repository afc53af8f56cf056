"""The server the browser tests drive: the real `ag2-otel serve`, fed over OTLP/HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from ag2_otel.testing.serve import FedServer

Span = dict[str, Any]


class ViewerServer(Protocol):
    base_url: str
    real: bool

    def add(self, spans: list[Span]) -> None: ...

    def stop(self) -> None: ...


def start_server(tmp_dir: Path, store: str = "sqlite") -> ViewerServer:
    """`store`: "sqlite" (the file) or "chdb" (`--store chdb:DIR`, the Collector's tables in chDB)."""
    extra = ("--store", f"chdb:{tmp_dir / 'chdb'}") if store == "chdb" else ()
    return FedServer(tmp_dir / "traces.db", *extra)
