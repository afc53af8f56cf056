"""The tables the Collector contrib `clickhouse` exporter creates, as it creates them.

Taken from opentelemetry-collector-contrib v0.128.0 (the version deploy/compose pins),
exporter/clickhouseexporter/internal/sqltemplates/traces_table.sql and
traces_id_ts_lookup_table.sql / _mv.sql (the `%s` templates of that release), filled in
as deploy/compose configures the exporter (database `otel`) and with its defaults for the
rest: table `otel_traces`, engine `MergeTree()`, no cluster, no TTL. ag2-otel reads these
tables and never alters them; chDB stores, tests and the benchmark create them from here.
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
