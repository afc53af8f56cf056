"""The column lists of `store/tables.py` against the schema the migrations build.

Every statement's column list is generated from them, so a column added by a migration but
not to its row type (or the other way round) would otherwise surface as a value read under
another name, or as an insert that fails only at run time.
"""

from __future__ import annotations

import sqlite3
import typing
from dataclasses import fields

import pytest

from ag2_otel.server.normalize import SpanRow
from ag2_otel.server.promote import Promoted
from ag2_otel.server.receiver.logs_and_metrics import LogRow
from ag2_otel.server.store import summaries, tables
from ag2_otel.server.store.ingest import SharedJson, write_batch
from ag2_otel.server.store.logs import write_logs
from ag2_otel.server.store.queries import span_rows

_SQL_TYPES = {"TEXT": str, "INTEGER": int, "REAL": float}
_BOOKKEEPING = {"schema_migrations", "pending_rebuilds", "shared_json"}
"""Tables without a column list: migrate()'s own records, and `SharedJson`'s two-column table."""


def mismatches(conn: sqlite3.Connection) -> list[str]:
    """Where the column lists and the tables disagree (names or order)."""
    found = []
    names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if names - _BOOKKEEPING != set(tables.TABLES):
        found.append(f"tables {sorted(names - _BOOKKEEPING)} but column lists for {sorted(tables.TABLES)}")
    for table, expected in tables.TABLES.items():
        actual = [
            name
            for _, name, _, _, _, pk in conn.execute(f"PRAGMA table_info({table})")
            if not (name == "id" and pk)  # the rowid: assigned by SQLite, never written or read
        ]
        if actual != list(expected):
            found.append(f"{table}: columns {actual}, column list {list(expected)}")
    return found


def test_column_lists_agree_with_the_migrated_schema(conn: sqlite3.Connection) -> None:
    assert mismatches(conn) == []


@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE spans ADD COLUMN extra TEXT",
        "ALTER TABLE logs RENAME COLUMN body TO body_json",
        "ALTER TABLE trace_usage ADD COLUMN cached_tokens INTEGER",
        "CREATE TABLE trace_tools (tool TEXT NOT NULL, trace_id TEXT NOT NULL)",
    ],
)
def test_a_schema_change_without_its_row_type_is_caught(conn: sqlite3.Connection, change: str) -> None:
    conn.execute(change)
    assert mismatches(conn)


def test_trace_summary_types_agree_with_the_schema(conn: sqlite3.Connection) -> None:
    hints = typing.get_type_hints(tables.TraceSummary)
    for _, name, sql_type, notnull, _, pk in conn.execute("PRAGMA table_info(traces)"):
        expected = _SQL_TYPES[sql_type]
        # a key column is never NULL here (SQLite would allow it in a TEXT PRIMARY KEY)
        assert hints[name] == (expected if notnull or pk else expected | None), name


def test_a_span_reads_back_as_the_row_it_was_written_from(conn: sqlite3.Connection) -> None:
    """Every field set to a value no other field has: a column written or read under
    another field's name cannot go unnoticed."""
    values = {f.name: _distinct(f.name, f.type) for f in fields(SpanRow)}
    values.update(
        promoted=Promoted(**{f.name: _distinct(f.name, f.type) for f in fields(Promoted)}),
        start_ns=10,
        end_ns=20,
        attributes_json='{"a": 1}',
        events_json='[{"name": "e", "time_ns": 1, "attributes": {}}]',
        links_json="[]",
        resource_json='{"service.name": "r"}',
        scope_json='{"name": "s"}',
    )
    written = SpanRow(**values)
    write_batch(conn, [written], SharedJson())
    assert span_rows(conn, written.trace_id) == [written]


def test_a_log_record_is_stored_column_by_column(conn: sqlite3.Connection) -> None:
    record = LogRow(**{f.name: _distinct(f.name, f.type) for f in fields(LogRow)})
    write_logs(conn, [record], SharedJson())
    stored = conn.execute(f"SELECT {tables.columns(tables.LOG_COLUMNS)} FROM logs").fetchone()
    assert dict(zip(tables.LOG_COLUMNS, stored, strict=True)) == {
        "trace_id": record.trace_id,
        "span_id": record.span_id,
        "time_ns": record.time_ns,
        "severity_number": record.severity_number,
        "severity_text": record.severity_text,
        "event_name": record.event_name,
        "body": record.body_json,
        "attributes": record.attributes_json,
        "service": record.service,
        "scope_name": record.scope_name,
    }


def test_summary_spans_read_span_columns_of_their_own_types() -> None:
    """`summaries._Span` reads a subset of `spans` as `_Span(*row)`: each field must be a
    column holding a value of the field's type (`running` is computed by the query)."""
    source = typing.get_type_hints(SpanRow) | typing.get_type_hints(Promoted)
    span = typing.get_type_hints(summaries._Span)
    read = [f.name for f in fields(summaries._Span) if f.name != "running"]
    assert set(read) <= set(tables.SPAN_COLUMNS)
    assert {name: span[name] for name in read} == {name: source[name] for name in read}


def _distinct(name: str, hint: object) -> typing.Any:  # whichever type the field declares
    """A value of the field's type that names the field."""
    text = str(hint)
    if text.startswith("int"):
        return 1000 + sum(map(ord, name))
    if text.startswith("float"):
        return 0.5 + sum(map(ord, name))
    return name


def test_usage_values_are_in_column_order() -> None:
    """`Usage.values()` is what the usage tables receive after the key, in `USAGE_COLUMNS` order."""
    usage = tables.Usage(
        llm_calls=1, input_tokens=2, output_tokens=3, cost=4.5, duration_ns=6, priced_calls=7
    )
    assert dict(zip(tables.USAGE_COLUMNS[3:], usage.values(), strict=True)) == {
        "llm_calls": 1,
        "input_tokens": 2,
        "output_tokens": 3,
        "cost": 4.5,
        "duration_ns": 6,
        "priced_calls": 7,
    }
