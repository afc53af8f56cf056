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
`otel_logs` is not created here: ag2-otel does not read it (docs/scale-out.md).
"""

from __future__ import annotations

from ag2_otel.server.clickhouse.client import quote_identifier

COLLECTOR_VERSION = "0.128.0"
TRACES_TABLE = "otel_traces"
LOOKUP_TABLE = "otel_traces_trace_id_ts"

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


def exporter_statements(database: str) -> list[str]:
    """What the exporter runs at start-up (create_schema: true), in its order."""
    db = quote_identifier(database)
    return [sql.format(db=db) for sql in (_TRACES, _LOOKUP, _LOOKUP_MV)]
