"""Where `ag2-otel traces` reads: a store it opens itself, or a running `ag2-otel serve`
through its JSON API (`--url`).

The API is the way to a store another process holds (chDB admits one process per data
directory) or that lives on another machine. Both sources answer with the API's own
documents (`api_reads` computes them for either), so every command prints the same.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlencode, urlsplit

from ag2_otel.cli import CLIError
from ag2_otel.server.config import DB_ENV, STORE_ENV, TOKEN_ENV, default_db_path, read_token_file

if TYPE_CHECKING:
    from ag2_otel.server.trace_store import TraceStore

URL_ENV = "AG2_OTEL_URL"
TIMEOUT_S = 30.0


class TraceSource(Protocol):
    def list_traces(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The `GET /api/traces` page for these query parameters."""
        ...

    def find_trace_ids(self, prefix: str, limit: int) -> list[str]: ...

    def trace(self, trace_id: str) -> dict[str, Any] | None:
        """The `GET /api/traces/{id}` document (derived facts included), None if unknown."""
        ...

    def export(self, trace_ids: Sequence[str], limit: int) -> dict[str, Any]:
        """OTLP/JSON of these traces (full ids), else of the newest `limit`."""
        ...


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, help=f"database file (default ${DB_ENV} or the user data directory)"
    )
    parser.add_argument(
        "--store",
        help=f"the Collector's ClickHouse tables instead: clickhouse://… or chdb:PATH (or ${STORE_ENV})",
    )
    parser.add_argument(
        "--url",
        help=f"read from a running `ag2-otel serve` instead, e.g. http://127.0.0.1:4318 (or ${URL_ENV})",
    )
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument(
        "--token-file",
        type=Path,
        help=f"with --url: file holding the server's bearer token (or ${TOKEN_ENV})",
    )
    secret.add_argument("--token", help="with --url: the bearer token itself (visible in the process list)")


def open_source(args: argparse.Namespace) -> TraceSource:
    """--url, --store or --db as given; else $AG2_OTEL_URL, $AG2_OTEL_STORE, the SQLite file."""
    if args.url and (args.store or args.db):
        raise CLIError("--url reads a running server: leave out --store and --db")
    url = args.url or (None if args.store or args.db else os.environ.get(URL_ENV))
    if url:
        return ServerSource(url, _token(args))
    if args.token or args.token_file:
        raise CLIError("--token and --token-file go with --url (a server); a store is read directly")
    return StoreSource(_open_store(args))


def _token(args: argparse.Namespace) -> str | None:
    if args.token_file:
        try:
            return read_token_file(args.token_file)
        except ValueError as exc:
            raise CLIError(str(exc)) from None
    return args.token or os.environ.get(TOKEN_ENV) or None


def _open_store(args: argparse.Namespace) -> TraceStore:
    url = args.store or os.environ.get(STORE_ENV)
    if url:
        from ag2_otel.server.clickhouse.client import StoreInUse
        from ag2_otel.server.clickhouse.store import open_store

        try:
            return open_store(url)
        except StoreInUse as exc:
            raise CLIError(
                f"{exc}; if that is `ag2-otel serve`, read through it: --url and the http:// address"
                f" it printed, e.g. --url http://127.0.0.1:4318 (or ${URL_ENV})"
            ) from None
        except ValueError as exc:
            raise CLIError(str(exc)) from None
    from ag2_otel.server.store import Store
    from ag2_otel.server.store.files import ensure_schema

    path = Path(args.db) if args.db else default_db_path()
    if not path.exists():
        raise CLIError(f"no trace database at {path}; run `ag2-otel serve` or `ag2-otel demo` first")
    ensure_schema(path)
    return Store(path)


@contextmanager
def _query_errors() -> Iterator[None]:
    """A bad parameter reads as the API's 400 message, in one line."""
    from ag2_otel.server.store import QueryError

    try:
        yield
    except QueryError as exc:
        raise CLIError(str(exc)) from None


class StoreSource:
    """A store opened by this process (the SQLite file, ClickHouse, or a chDB directory no
    other process holds)."""

    def __init__(self, store: TraceStore) -> None:
        self._store = store

    def list_traces(self, params: Mapping[str, str]) -> dict[str, Any]:
        from ag2_otel.server.api_reads import trace_filter

        with _query_errors():
            page, cursor = self._store.list_traces(
                trace_filter(params), limit=int(params["limit"]), cursor=params.get("cursor")
            )
        return {"traces": page, "next_cursor": cursor}

    def find_trace_ids(self, prefix: str, limit: int) -> list[str]:
        from ag2_otel.server.api_reads import find_trace_ids

        with _query_errors():
            return find_trace_ids(self._store, prefix, limit)

    def trace(self, trace_id: str) -> dict[str, Any] | None:
        return self._store.get_trace(trace_id)  # derived facts included, as the API serves it

    def export(self, trace_ids: Sequence[str], limit: int) -> dict[str, Any]:
        from ag2_otel.server.api_reads import TraceNotFound, export_traces

        with _query_errors():
            try:
                return export_traces(self._store, trace_ids, limit)
            except TraceNotFound as exc:
                raise CLIError(f"no trace {exc}") from None


class _TraceNotThere(Exception):
    """The API's 404 for a trace id it does not hold."""


class ServerSource:
    """A running `ag2-otel serve` (over any store) through its JSON API."""

    def __init__(self, url: str, token: str | None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CLIError(f"--url {url!r}: expected http://HOST:PORT (or https://…)")
        self._url = url.rstrip("/")
        self._parts = parts
        self._token = token

    def list_traces(self, params: Mapping[str, str]) -> dict[str, Any]:
        return self._get("/api/traces", list(params.items()), "traces")

    def find_trace_ids(self, prefix: str, limit: int) -> list[str]:
        found = self._get("/api/trace_ids", [("prefix", prefix), ("limit", str(limit))], "trace_ids")
        return list(found["trace_ids"])

    def trace(self, trace_id: str) -> dict[str, Any] | None:
        return self._get_trace_document(f"/api/traces/{quote(trace_id)}", [], "spans")

    def export(self, trace_ids: Sequence[str], limit: int) -> dict[str, Any]:
        query = [("trace_id", trace_id) for trace_id in trace_ids] or [("limit", str(limit))]
        document = self._get_trace_document("/api/export", query, "resourceSpans")
        if document is None:
            raise CLIError(f"no trace {' '.join(trace_ids)}")
        return document

    def _get_trace_document(self, path: str, query: list[tuple[str, str]], key: str) -> dict[str, Any] | None:
        """`_get`, but None when the server answers that the trace is not there."""
        try:
            return self._get(path, query, key)
        except _TraceNotThere:
            return None

    def _get(self, path: str, query: list[tuple[str, str]], key: str) -> dict[str, Any]:
        """The JSON document at `path`, which must hold `key`."""
        status, body = self._request(path + (f"?{urlencode(query)}" if query else ""))
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            document = {}
        error = str(document.get("error") or "")
        if status == 200 and key in document:
            return document
        if status == 404 and error == "trace not found":  # the body of api.py's 404
            raise _TraceNotThere
        if status == 401:
            wrong = "refused the token: give the one it was started with" if self._token else "needs a token"
            raise CLIError(
                f"the server at {self._url} {wrong} (401): --token-file PATH, --token or ${TOKEN_ENV}"
            )
        if status == 400 and error:
            raise CLIError(error)
        if status in (200, 404):
            raise CLIError(
                f"{self._url} is not an ag2-otel server (or an older one): GET {path} answered {status}"
            )
        raise CLIError(f"the server at {self._url} answered {status} to GET {path}: {error or body[:200]!r}")

    def _request(self, target: str) -> tuple[int, bytes]:
        parts = self._parts
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.hostname or "", parts.port, timeout=TIMEOUT_S)
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            connection.request("GET", parts.path.rstrip("/") + target, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise CLIError(f"cannot reach the server at {self._url}: {reason}") from None
        finally:
            connection.close()
