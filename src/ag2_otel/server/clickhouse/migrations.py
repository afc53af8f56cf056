"""ag2-otel's own tables beside the exporter's: per-trace index and usage roll-ups, fed by
materialized views on inserts into `otel_traces`. Versioned like the SQLite migrations,
idempotent (`IF NOT EXISTS` everywhere), and never altering the exporter's tables.

Each view's SELECT is also the backfill query, so data written before `db migrate` is
summarised by exactly the same expressions (`backfill`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ag2_otel.server.clickhouse.client import Client, quote_identifier

MIGRATIONS_TABLE = "ag2_otel_migrations"

_A = "SpanAttributes"
# The operations promote.py counted as LLM calls when these views were written, spelled out so
# the migration's SQL never changes with live code (tests/server/test_clickhouse_store.py checks
# they still agree).
_LLM_OPERATIONS = "'chat', 'embeddings', 'generate_content', 'text_completion'"
# promote.promote() in SQL: which spans are LLM calls, their model, agent and usage.
IS_LLM = (
    f"({_A}['ag2.span.type'] = 'llm' OR ({_A}['ag2.span.type'] = ''"
    f" AND {_A}['gen_ai.operation.name'] IN ({_LLM_OPERATIONS})))"
)
MODEL = (
    f"if({_A}['gen_ai.response.model'] != '', {_A}['gen_ai.response.model'], {_A}['gen_ai.request.model'])"
)
AGENT = f"{_A}['gen_ai.agent.name']"
COST = (
    f"toFloat64OrZero(if(mapContains({_A}, 'ag2.usage.cost'), {_A}['ag2.usage.cost'],"
    f" {_A}['gen_ai.usage.cost']))"
)


def _tokens(key: str) -> str:
    return f"toInt64(toFloat64OrZero({_A}['{key}']))"


# Templates: __DB__ is the quoted database, __WHERE__ extra conditions (backfill only).
# One row per trace and insert (merged per trace and hour). `Hour` (when the row's first
# span started) leads the sort key, so a newest-first page reads only its recent granules;
# readers GROUP BY TraceId, so rows of one trace in different hours are fine.
_TRACE_INDEX = """CREATE TABLE IF NOT EXISTS __DB__.ag2_trace_index (
    Hour DateTime('UTC'),
    TraceId String,
    Start SimpleAggregateFunction(min, DateTime64(9)),
    End SimpleAggregateFunction(max, DateTime64(9)),
    Errors SimpleAggregateFunction(sum, UInt64),
    Services SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    Agents SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    Models SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    Words SimpleAggregateFunction(groupUniqArrayArray, Array(String))
) ENGINE = AggregatingMergeTree ORDER BY (Hour, TraceId)"""

TRACE_INDEX_SELECT = (
    "SELECT toStartOfHour(min(Timestamp), 'UTC') AS Hour, TraceId, min(Timestamp) AS Start,"
    " max(addNanoseconds(Timestamp, Duration)) AS End,"
    " countIf(StatusCode = 'STATUS_CODE_ERROR') AS Errors,"
    " groupUniqArrayIf(toString(ServiceName), ServiceName != '') AS Services,"
    f" groupUniqArrayIf({AGENT}, {AGENT} != '') AS Agents,"
    f" groupUniqArrayIf({MODEL}, {IS_LLM} AND {MODEL} != '') AS Models,"
    " groupUniqArrayArray(arrayFilter(w -> w != '', [toString(SpanName), toString(ServiceName),"
    f" {_A}['gen_ai.tool.name'], {_A}['gen_ai.conversation.id'], StatusMessage, {AGENT}])) AS Words"
    " FROM __DB__.otel_traces WHERE TraceId != '' __WHERE__ GROUP BY TraceId"
)

_USAGE = """CREATE TABLE IF NOT EXISTS __DB__.ag2_usage___GRAIN__ (
    Bucket DateTime('UTC'),
    Agent LowCardinality(String),
    Model LowCardinality(String),
    LlmCalls UInt64,
    InputTokens Int64,
    OutputTokens Int64,
    Cost Float64,
    DurationNs UInt64
) ENGINE = SummingMergeTree ORDER BY (Bucket, Agent, Model)"""

_USAGE_SELECT_V1 = (
    f"SELECT __BUCKET__(Timestamp, 'UTC') AS Bucket, {AGENT} AS Agent, {MODEL} AS Model,"
    f" count() AS LlmCalls, sum({_tokens('gen_ai.usage.input_tokens')}) AS InputTokens,"
    f" sum({_tokens('gen_ai.usage.output_tokens')}) AS OutputTokens, sum({COST}) AS Cost,"
    " sum(Duration) AS DurationNs"
    f" FROM __DB__.otel_traces WHERE {IS_LLM} __WHERE__ GROUP BY Bucket, Agent, Model"
)
# Version 2 also counts the LLM calls that carried a cost, so an unpriced producer reads
# "not reported" rather than $0 (SQLite's `priced_calls`).
_USAGE_SELECT_V2 = _USAGE_SELECT_V1.replace(
    " sum(Duration) AS DurationNs",
    " sum(Duration) AS DurationNs,"
    f" countIf(mapContains({_A}, 'ag2.usage.cost') OR mapContains({_A}, 'gen_ai.usage.cost')) AS PricedCalls",
)
USAGE_SELECT = _USAGE_SELECT_V2
"""What the usage views select today (the backfill runs it)."""

GRAINS = {"hourly": "toStartOfHour", "daily": "toStartOfDay"}


def render(template: str, db: str, *, where: str = "", grain: str = "") -> str:
    sql = template.replace("__DB__", db).replace("__WHERE__", where)
    return sql.replace("__GRAIN__", grain).replace("__BUCKET__", GRAINS.get(grain, ""))


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def _views() -> tuple[str, ...]:
    statements = [
        _TRACE_INDEX,
        "CREATE MATERIALIZED VIEW IF NOT EXISTS __DB__.ag2_trace_index_mv TO __DB__.ag2_trace_index AS "
        + TRACE_INDEX_SELECT,
    ]
    for grain, bucket in GRAINS.items():
        statements.append(_USAGE.replace("__GRAIN__", grain))
        statements.append(
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS __DB__.ag2_usage_{grain}_mv"
            f" TO __DB__.ag2_usage_{grain} AS " + _USAGE_SELECT_V1.replace("__BUCKET__", bucket)
        )
    return tuple(statements)


def _priced_calls() -> tuple[str, ...]:
    """Rows written before this migration default to "every call priced": what they showed
    until now (a cost figure), rather than claiming their cost was not reported."""
    statements = []
    for grain, bucket in GRAINS.items():
        statements += [
            f"ALTER TABLE __DB__.ag2_usage_{grain}"
            " ADD COLUMN IF NOT EXISTS PricedCalls UInt64 DEFAULT LlmCalls",
            f"DROP VIEW IF EXISTS __DB__.ag2_usage_{grain}_mv",
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS __DB__.ag2_usage_{grain}_mv"
            f" TO __DB__.ag2_usage_{grain} AS " + _USAGE_SELECT_V2.replace("__BUCKET__", bucket),
        ]
    return tuple(statements)


MIGRATIONS = (
    Migration(1, "per-trace index and hourly/daily usage views", _views()),
    Migration(2, "usage: LLM calls that carried a cost (unpriced reads 'not reported')", _priced_calls()),
)
LATEST = MIGRATIONS[-1].version


def applied_versions(client: Client) -> dict[int, int]:
    """Version → when it was applied (ns), from the migrations table."""
    db = quote_identifier(client.database)
    client.command(
        f"CREATE TABLE IF NOT EXISTS {db}.{MIGRATIONS_TABLE} (Version UInt32, Name String,"
        " AppliedAt DateTime64(9, 'UTC')) ENGINE = ReplacingMergeTree ORDER BY Version"
    )
    rows = client.query(
        f"SELECT Version, toUnixTimestamp64Nano(min(AppliedAt)) FROM {db}.{MIGRATIONS_TABLE} GROUP BY Version"
    )
    return {int(version): int(at) for version, at in rows}


def migrate(client: Client) -> list[Migration]:
    """Apply what is missing; safe to run again and from several processes."""
    db = quote_identifier(client.database)
    (tables,) = client.query(
        "SELECT count() FROM system.tables WHERE database = {db:String} AND name = 'otel_traces'",
        {"db": client.database},
    )[0]
    if not int(tables):
        raise ValueError(
            f"{client.database}.otel_traces does not exist yet: the Collector's clickhouse exporter"
            " creates it when it starts (create_schema: true)"
        )
    done = applied_versions(client)
    applied = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        for statement in migration.statements:
            client.command(render(statement, db))
        client.command(
            f"INSERT INTO {db}.{MIGRATIONS_TABLE} VALUES ({{v:UInt32}}, {{n:String}}, now64(9))",
            {"v": migration.version, "n": migration.name},
        )
        applied.append(migration)
    return applied


def backfill(client: Client, *, before_ns: int | None = None) -> int:
    """Summarise spans that started before `before_ns` (default: when migration 1 was
    applied), with the views' own SELECTs; returns how many spans that covered.

    Run it once. ClickHouse keeps no insert time per row, so the cut is by span start:
    a span that started before the cut but was inserted after the views existed (a long
    conversation's root, a retried batch) is in the usage roll-ups twice. The trace index
    only keeps minima, maxima and sets, so repeating rows there changes nothing.
    """
    db = quote_identifier(client.database)
    done = applied_versions(client)
    if 1 not in done:
        raise ValueError("run `ag2-otel db migrate --store …` first")
    cutoff = before_ns if before_ns is not None else done[1]
    where = "AND Timestamp < fromUnixTimestamp64Nano({before:Int64})"
    params = {"before": cutoff}
    client.command(f"INSERT INTO {db}.ag2_trace_index " + render(TRACE_INDEX_SELECT, db, where=where), params)
    for grain in GRAINS:
        select = render(USAGE_SELECT, db, where=where, grain=grain)
        client.command(f"INSERT INTO {db}.ag2_usage_{grain} " + select, params)
    (count,) = client.query(
        f"SELECT count() FROM {db}.otel_traces WHERE Timestamp < fromUnixTimestamp64Nano({{before:Int64}})",
        params,
    )[0]
    return int(count)
