"""Run the HTTP (uvicorn) and gRPC servers together on one event loop."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import uvicorn
from starlette.types import ASGIApp

from ag2_otel.server.app import create_app
from ag2_otel.server.config import is_loopback
from ag2_otel.server.http_protocol import ConnectionLimits, guarded_protocol
from ag2_otel.server.ratelog import RateLimitedLog, RateLimitFilter
from ag2_otel.server.receiver.gate import IngestGate
from ag2_otel.server.receiver.grpc_service import create_grpc_server
from ag2_otel.server.receiver.limits import IngestLimits
from ag2_otel.server.store import RetentionPolicy, Store, StoreWriter
from ag2_otel.server.trace_store import TraceStore

if TYPE_CHECKING:
    from ag2_otel.server.clickhouse.writer import ChdbWriter

logger = logging.getLogger(__name__)
_log = RateLimitedLog(logger)


@dataclass(frozen=True)
class ServeOptions:
    db_path: Path
    host: str = "127.0.0.1"
    http_port: int = 4318
    grpc_port: int = 4317
    token: str | None = None
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    limits: IngestLimits = field(default_factory=IngestLimits)
    connections: ConnectionLimits = field(default_factory=ConnectionLimits)
    store_url: str | None = None  # clickhouse://… or chdb:PATH: read-only viewer over the Collector's tables

    def __post_init__(self) -> None:
        if not is_loopback(self.host) and not self.token:
            raise ValueError(f"binding to {self.host} needs a token (--token or AG2_OTEL_TOKEN)")


def serve(options: ServeOptions, *, out: TextIO = sys.stdout) -> None:
    """Block until SIGINT/SIGTERM; writes pending batches before returning."""
    asyncio.run(_serve(options, out))


async def _serve(options: ServeOptions, out: TextIO) -> None:
    asyncio.get_running_loop().set_exception_handler(_quiet_loop_errors)
    uvicorn_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(existing, RateLimitFilter) for existing in uvicorn_log.filters):
        uvicorn_log.addFilter(RateLimitFilter())
    if options.store_url and not options.store_url.startswith("chdb:"):
        await _serve_clickhouse(options, out)
        return
    writer, store, where = _local_store(options)
    writer.start()
    http_socket = _bind(options.host, options.http_port)
    gate = IngestGate(options.limits)  # one cap across both receivers
    grpc_server = create_grpc_server(writer, token=options.token, limits=options.limits, gate=gate)
    grpc_port = grpc_server.add_insecure_port(_grpc_address(options.host, options.grpc_port))
    app = create_app(
        store,
        writer,
        token=options.token,
        loopback_only=is_loopback(options.host),
        limits=options.limits,
        gate=gate,
    )
    try:
        await grpc_server.start()
        await _run_http(
            app,
            http_socket,
            options.connections,
            lambda port: _announce(options, where, port, grpc_port, out),
        )
    finally:
        await grpc_server.stop(grace=2)
        writer.stop()
        store.close()
        http_socket.close()


def _quiet_loop_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """One line per kind of event-loop error (e.g. accept() out of file descriptors), no traceback."""
    del loop
    exc = context.get("exception")
    kind = type(exc).__name__ if exc else "error"
    _log.warning(f"loop:{kind}", f"{context.get('message', 'event loop error')}: {exc or kind}")


def _local_store(options: ServeOptions) -> tuple[StoreWriter | ChdbWriter, TraceStore, str]:
    """The store this process writes: the SQLite file, or chDB (`--store chdb:PATH`)."""
    if options.store_url:
        from ag2_otel.server.clickhouse.client import open_client
        from ag2_otel.server.clickhouse.store import ClickHouseStore
        from ag2_otel.server.clickhouse.writer import ChdbWriter

        client = open_client(options.store_url, create=True)  # one chDB session serves both sides
        return ChdbWriter(client), ClickHouseStore(client), options.store_url
    writer = StoreWriter(options.db_path, retention=options.retention)
    return writer, Store(options.db_path), str(options.db_path)


async def _serve_clickhouse(options: ServeOptions, out: TextIO) -> None:
    """API and viewer only: the Collector writes the tables, so there is nothing to receive."""
    from ag2_otel.server.clickhouse.store import open_store, redacted

    assert options.store_url
    store = open_store(options.store_url)
    http_socket = _bind(options.host, options.http_port)
    app = create_app(store, None, token=options.token, loopback_only=is_loopback(options.host))

    def announce(port: int) -> None:
        lines = [
            f"ag2-otel serve: reading traces from {redacted(options.store_url or '')}",
            f"  viewer     http://{_url_host(options.host)}:{port}/",
        ]
        if options.token:
            lines.append("  every request needs 'Authorization: Bearer <token>'")
        print("\n".join(lines), file=out, flush=True)

    try:
        await _run_http(app, http_socket, options.connections, announce)
    finally:
        store.close()
        http_socket.close()


async def _run_http(
    app: ASGIApp,
    http_socket: socket.socket,
    connections: ConnectionLimits,
    announce: Callable[[int], None],
) -> None:
    """Serve `app` on the bound socket until shutdown; `announce(port)` once it listens."""
    config = uvicorn.Config(
        app,
        http=guarded_protocol(connections),
        timeout_keep_alive=int(connections.keep_alive_seconds),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    http_server = uvicorn.Server(config)
    http_task = asyncio.create_task(http_server.serve(sockets=[http_socket]))
    while not http_server.started and not http_task.done():
        await asyncio.sleep(0.01)
    if not http_task.done():
        announce(http_socket.getsockname()[1])
    await http_task


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP,
    # and without it keep-alive clients wait ~40 ms per response (Nagle + delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.set_inheritable(True)
    return sock


def _grpc_address(host: str, port: int) -> str:
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


def _url_host(host: str) -> str:
    return f"[{host.strip('[]')}]" if ":" in host else host


def _announce(options: ServeOptions, where: str, http_port: int, grpc_port: int, out: TextIO) -> None:
    host = _url_host(options.host)
    lines = [
        f"ag2-otel serve: storing traces in {where}",
        f"  viewer     http://{host}:{http_port}/",
        f"  OTLP/HTTP  http://{host}:{http_port}  (POST /v1/traces, /v1/logs, /v1/metrics)",
        f"  OTLP/gRPC  http://{host}:{grpc_port}",
    ]
    if options.token:
        lines.append("  every request needs 'Authorization: Bearer <token>'")
    print("\n".join(lines), file=out, flush=True)
