"""The tables the Collector contrib `clickhouse` exporter creates, as it creates them.

From opentelemetry-collector-contrib v0.128.0 (the version deploy/compose pins), filled in
as deploy/compose configures the exporter (database `otel`) and with its defaults for the
rest: table `otel_traces`, engine `MergeTree()`, no cluster, no TTL. ag2-otel reads these
tables and never alters them; chDB stores, tests and the benchmark create them from here.

Compared line by line (columns, types, codecs, skip indexes, PARTITION BY, ORDER BY, TTL
slot, SETTINGS) with the exporter's `%s` templates, the generation 0.128.0 belongs to, in
exporter/clickhouseexporter/internal/sqltemplates/ of the contrib repository:
traces_table.sql at commit f92a5763be13aeb59ecf6f8b47e31d54109191bb,
traces_id_ts_lookup_table.sql at 61540ced55e993255df9bcfca48ed89a87d3914f,
traces_id_ts_lookup_mv.sql at 57b29d74154d72320747c8dd2a0b4a1629a39187, and
internal/sql_templates/traces_table.sql (the directory's earlier name) at
ff7a94656bd04ce95228ff4282554a233ed93434. All four agree with the SQL below, except that
the templates quote identifiers as "db"."table" where this module uses backquotes (the same
identifiers). Not verified: that these commits are the v0.128.0 tag's own files (the
repository snapshot is 1.37 GB, over the 500 MB the fetch tool brings, so no tag). Later
versions, which are not what 0.128.0 creates, differ visibly: Go text/template `{{ident}}`
placeholders, `Delta(8)` and `T64` codecs, `ResourceAttributeItems`/`SpanAttributeItems`
ALIAS columns, an `idx_lower_span_name` token index, `Timestamp` appended to the ORDER BY,
and a lookup table of SimpleAggregateFunction columns partitioned by week; the contrib
issue #41984 (August 2025, after 0.128.0) still describes the lookup table as below.

`otel_logs` (the logs pipeline's table, where content events sent as log records land) is
logs_table.sql at commit 169e3b3e0562bb96a3f9c5cd4501a0e9b2188645, the same `"%s"."%s"`
generation as the traces template above. It has no `EventName` column: the exporter gained
one (opt-in, detected by DESC TABLE) only with contrib PR #43164 (November 2025), so 0.128.0
drops the OTLP `event_name` field and keeps only an `event.name` attribute. chDB stores add
that later column (`EVENT_NAME_COLUMN`, as the exporter's README tells its users to) so they
lose nothing; the reader uses it wherever it exists (server/clickhouse/logs.py).
"""

from __future__ import annotations

from ag2_otel.server.clickhouse.client import quote_identifier

COLLECTOR_VERSION = "0.128.0"
TRACES_TABLE = "otel_traces"
LOOKUP_TABLE = "otel_traces_trace_id_ts"
LOGS_TABLE = "otel_logs"

_TRACES = """CREATE TABLE IF NOT EXISTS {db}.otel_traces  (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
SETTINGS index_granularity=8192, ttl_only_drop_parts = 1"""

_LOOKUP = """CREATE TABLE IF NOT EXISTS {db}.otel_traces_trace_id_ts  (
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta, ZSTD(1)),
    End DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
SETTINGS index_granularity=8192, ttl_only_drop_parts = 1"""

_LOOKUP_MV = """CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.otel_traces_trace_id_ts_mv
TO {db}.otel_traces_trace_id_ts
AS SELECT
    TraceId,
    min(Timestamp) as Start,
    max(Timestamp) as End
FROM {db}.otel_traces
WHERE TraceId != ''
GROUP BY TraceId"""


_LOGS = """CREATE TABLE IF NOT EXISTS {db}.otel_logs  (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),

    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8,
    INDEX idx_body_ngrambf Body TYPE ngrambf_v1(4, 32768, 3, 0) GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1"""

# The column later exporters write the OTLP event name to (README of PR #43164's release).
_EVENT_NAME = "ALTER TABLE {db}.otel_logs ADD COLUMN IF NOT EXISTS EventName String CODEC(ZSTD(1))"


def exporter_statements(database: str) -> list[str]:
    """What the exporter runs at start-up (create_schema: true), in its order: the traces
    pipeline's tables, then the logs pipeline's."""
    db = quote_identifier(database)
    return [sql.format(db=db) for sql in (_TRACES, _LOOKUP, _LOOKUP_MV, _LOGS)]


def event_name_column(database: str) -> str:
    """Adds `EventName` to a chDB store's `otel_logs` (see the module docstring)."""
    return _EVENT_NAME.format(db=quote_identifier(database))
