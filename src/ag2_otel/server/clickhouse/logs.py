"""Log records of one trace from the exporter's `otel_logs`, as the SQLite store's
`store/logs.events_by_span` reads them from its `logs` table, so both stores hand the same
(name, attributes, body) events to the one attach rule (`store/logs.with_logged_content`).

The table is the logs pipeline's: a Collector exporting traces only has none, and then a
trace simply has no logged content. The event name is the `EventName` column where the
table has one (chDB stores; exporters since contrib PR #43164, opt-in), else the
`event.name` attribute, the only place v0.128.0 keeps a name (exporter_ddl).
"""

from __future__ import annotations

from ag2_otel.server.clickhouse.client import Client, quote_identifier
from ag2_otel.server.clickhouse.exporter_ddl import LOGS_TABLE
from ag2_otel.server.clickhouse.values import typed_map
from ag2_otel.server.producers import Event

_ATTRIBUTE_NAME = "LogAttributes['event.name']"


class LogReader:
    """Reads `otel_logs` per trace; looks up once which columns the table has."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._name_sql: str | None = None

    def events_by_span(self, trace_id: str) -> dict[str, list[Event]]:
        """The log records of one trace, per span id, oldest first."""
        name = self._name_expression()
        if not name:
            return {}
        db = quote_identifier(self._client.database)
        rows = self._client.query(  # the table's bloom filter on TraceId skips other granules
            f"SELECT SpanId, {name}, LogAttributes, Body FROM {db}.{LOGS_TABLE}"
            " WHERE TraceId = {trace:String} AND SpanId != '' ORDER BY Timestamp",
            {"trace": trace_id},
        )
        found: dict[str, list[Event]] = {}
        for span_id, event_name, attributes, body in rows:
            found.setdefault(str(span_id), []).append((str(event_name), typed_map(attributes), body))
        return found

    def _name_expression(self) -> str:
        """ "" while there is no `otel_logs` (asked again next time: the Collector may create it)."""
        if self._name_sql is None:
            columns = {
                str(row[0])
                for row in self._client.query(
                    "SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String}",
                    {"db": self._client.database, "t": LOGS_TABLE},
                )
            }
            if not columns:
                return ""
            self._name_sql = (
                f"if(EventName != '', EventName, {_ATTRIBUTE_NAME})"
                if "EventName" in columns
                else _ATTRIBUTE_NAME
            )
        return self._name_sql
