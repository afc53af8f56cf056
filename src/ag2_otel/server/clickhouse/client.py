"""Two ways to reach the same SQL: a ClickHouse server over HTTP (clickhouse-connect) or
chDB, ClickHouse's engine inside this process. Parameters travel as ClickHouse query
parameters (`{name:Type}` in the SQL, values beside it), never inside the SQL text."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit


class StoreURLError(ValueError):
    """A --store value that names no usable store."""


class StoreInUse(StoreURLError):
    """A chDB data directory another process has open (chDB admits one process per directory)."""


class Client(Protocol):
    database: str

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]: ...

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None: ...

    def insert_json_rows(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None: ...

    def close(self) -> None: ...


class ChdbClient:
    """chDB on a data directory. One session per process; queries take turns (the
    session is not safe to share between threads mid-query)."""

    def __init__(self, path: str, database: str = "otel", *, create: bool = True) -> None:
        if not create and not Path(path).is_dir():
            raise StoreURLError(f"no chDB data directory at {path}")
        try:
            from chdb import session
        except ModuleNotFoundError:
            raise StoreURLError("chdb is not installed: pip install 'ag2-otel[chdb]'") from None
        self.database = database
        self._lock = threading.Lock()
        refuse_if_held(path)
        factory: Any = session.Session  # chdb ships no type hints
        try:
            self._session: Any = factory(path)
        except RuntimeError as exc:  # chDB's own account is a bare "Error initializing EmbeddedServer"
            raise StoreURLError(f"chDB cannot open {path}: {exc}") from None
        for name, value in {**INSERT_SETTINGS, **_OUTPUT_SETTINGS}.items():
            self._session.query(f"SET {name} = '{value}'")
        self.command(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}")

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self._lock:
            result = self._session.query(sql, "JSONCompact", params=_chdb_params(params))
        raw = result.bytes()
        if not raw:
            return []
        document = json.loads(raw)
        self.on_statistics(document.get("statistics", {}))
        return [tuple(row) for row in document["data"]]

    def on_statistics(self, statistics: dict[str, Any]) -> None:
        """ClickHouse's own account of each query (rows_read, bytes_read, elapsed): bench/ keeps it."""

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        with self._lock:
            self._session.query(sql, "CSV", params=_chdb_params(params))

    def insert_json_rows(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        # Data in ClickHouse's JSONEachRow input format, not SQL: values cannot become statements.
        body = "\n".join(json.dumps(row, separators=(",", ":")) for row in rows)
        with self._lock:
            self._session.query(f"INSERT INTO {table} FORMAT JSONEachRow\n{body}", "CSV")

    def close(self) -> None:
        with self._lock:
            self._session.close()


def refuse_if_held(path: str) -> None:
    """Raise StoreInUse when another process has the chDB directory open.

    chDB, like a ClickHouse server, holds an exclusive flock on DIR/status while the directory
    is open, and a second process fails inside chDB with a traceback. Asking for the lock (and
    letting go at once) first names the holder instead; the file records its PID.
    """
    import fcntl  # chDB runs on Linux and macOS only

    try:
        fd = os.open(Path(path) / "status", os.O_RDONLY)
    except OSError:
        return  # a directory chDB never opened
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    except BlockingIOError:
        found = re.search(rb"^PID: (\d+)", os.read(fd, 256), re.MULTILINE)
        pid = int(found.group(1)) if found else None
        if pid != os.getpid():  # held by this very process: chDB decides
            holder = f"process {pid}" if pid else "another process"
            raise StoreInUse(
                f"chDB directory {path} is in use by {holder} (chDB lets one process open it)"
            ) from None
    finally:
        os.close(fd)


# Rows arrive as JSONEachRow with times as ISO 8601 UTC text (exporter_rows._time).
INSERT_SETTINGS = {"date_time_input_format": "best_effort"}
_OUTPUT_SETTINGS = {"output_format_json_quote_64bit_integers": 0, "output_format_json_quote_64bit_floats": 0}


def _chdb_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """chDB passes parameter values on as text, which ClickHouse reads in its escaped (TSV)
    form: a string's backslashes, tabs and newlines are escaped, and an Array(String) value
    is ClickHouse's text form of an array (parsed as data, like any parameter value)."""
    return {name: _as_parameter_text(value) for name, value in (params or {}).items()}


def _as_parameter_text(value: Any) -> Any:
    if isinstance(value, list):
        return "[" + ",".join(_quoted(str(item)) for item in value) + "]"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return value


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class HttpClient:
    """A ClickHouse server through clickhouse-connect (HTTP, port 8123 by default)."""

    def __init__(self, host: str, port: int, database: str, user: str, password: str, secure: bool) -> None:
        try:
            import clickhouse_connect
        except ModuleNotFoundError:
            raise StoreURLError(
                "clickhouse-connect is not installed: pip install 'ag2-otel[clickhouse]'"
            ) from None
        self.database = database
        self._client = clickhouse_connect.get_client(
            host=host, port=port, username=user, password=password, database=database, secure=secure
        )

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._client.query(sql, parameters=dict(params or {})).result_rows]

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._client.command(sql, parameters=dict(params or {}))

    def insert_json_rows(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        body = "\n".join(json.dumps(row, separators=(",", ":")) for row in rows)
        self._client.raw_insert(
            table, insert_block=body.encode(), fmt="JSONEachRow", settings=INSERT_SETTINGS
        )

    def close(self) -> None:
        self._client.close()


def open_client(url: str, *, create: bool = False) -> Client:
    """`clickhouse://[user:password@]host[:8123]/database`, `clickhouses://…` (TLS) or `chdb:PATH`
    (a directory, made only with `create`: `db migrate`)."""
    if url.startswith("chdb:"):
        path = url.removeprefix("chdb:").removeprefix("//")
        if not path:
            raise StoreURLError("chdb: needs a directory, e.g. chdb:/var/lib/ag2-otel/chdb")
        return ChdbClient(path, create=create)
    parts = urlsplit(url)
    if parts.scheme not in ("clickhouse", "clickhouses") or not parts.hostname:
        raise StoreURLError(
            f"cannot read store {url!r}: use clickhouse://[user:password@]host:8123/database or chdb:PATH"
        )
    database = parts.path.strip("/") or "default"
    return HttpClient(
        host=parts.hostname,
        port=parts.port or 8123,
        database=database,
        user=unquote(parts.username or "default"),
        password=unquote(parts.password or ""),
        secure=parts.scheme == "clickhouses",
    )


def quote_identifier(name: str) -> str:
    """A database or table name as a ClickHouse identifier (names cannot be query parameters)."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"
