"""ag2-otel's own tables beside the exporter's: per-trace index, per-span facts and usage
roll-ups, fed by materialized views on inserts into `otel_traces`. Versioned like the SQLite
migrations, idempotent (`IF NOT EXISTS` everywhere), and never altering the exporter's tables.

Migrations are frozen: a released one's SQL never changes (nor follows live code). Migration 2
replaces migration 1's views with ones that clamp hostile numbers as promote.py does and
survive times near 2^63 ns, and whose usage roll-ups count the LLM calls that carried a
cost (`PricedCalls`, SQLite's `priced_calls`: an unpriced producer reads "not reported", not
$0); its tables start empty, and `db backfill` fills them from the spans written before it,
with each view's own SELECT (`backfill`). Migration 3 keeps the LLM calls that name no agent,
so usage by agent charges them to their owning agent as SQLite does (`owners.py`).
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

USAGE_SELECT = (
    f"SELECT __BUCKET__(Timestamp, 'UTC') AS Bucket, {AGENT} AS Agent, {MODEL} AS Model,"
    f" count() AS LlmCalls, sum({_tokens('gen_ai.usage.input_tokens')}) AS InputTokens,"
    f" sum({_tokens('gen_ai.usage.output_tokens')}) AS OutputTokens, sum({COST}) AS Cost,"
    " sum(Duration) AS DurationNs"
    f" FROM __DB__.otel_traces WHERE {IS_LLM} __WHERE__ GROUP BY Bucket, Agent, Model"
)

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
            f" TO __DB__.ag2_usage_{grain} AS " + USAGE_SELECT.replace("__BUCKET__", bucket)
        )
    return tuple(statements)


# --- migration 2: numbers clamped as at ingest, times up to 2^63 ns, per-span facts -------
# promote.py's bounds (issue 17), spelled out so this SQL never changes with live code;
# tests/server/test_clickhouse_store.py runs these expressions against promote() and checks.
MAX_TOKENS = "1099511627776"  # promote.MAX_TOKENS: more tokens in one call are not real
MAX_COST = "1000000000"  # promote.MAX_COST
MAX_SUM = "9007199254740991"  # summaries.MAX_SUM: where sums saturate; one span adds at most this
MAX_TIME_NS = "9223372036854775807"  # the last nanosecond of DateTime64(9) and of an int64


def _number(value: str, maximum: str) -> str:
    """promote._float in SQL: a number in [0, maximum], else 0 (NaN and ±inf compare false)."""
    number = f"toFloat64OrZero({value})"
    return f"if({number} >= 0 AND {number} <= {maximum}, {number}, 0)"


_START_NS = "greatest(toUnixTimestamp64Nano(Timestamp), 0)"
# The exporter writes Go's end.Sub(start) as UInt64: an end before the start arrives as a
# number above 2^63 (SQLite stores that span with no duration); an end past 2262 is cut there,
# so start + duration never overflows (addNanoseconds would fail the whole insert).
DURATION_NS = f"if(Duration > {MAX_TIME_NS}, 0, least(Duration, toUInt64({MAX_TIME_NS} - {_START_NS})))"
END_NS = f"({_START_NS} + toInt64({DURATION_NS}))"
AGENT_2 = (  # promote(): gen_ai.agent.name, else ag2.agent.name
    f"if(mapContains({_A}, 'gen_ai.agent.name'), {_A}['gen_ai.agent.name'], {_A}['ag2.agent.name'])"
)
_COST_VALUE_2 = f"if(mapContains({_A}, 'ag2.usage.cost'), {_A}['ag2.usage.cost'], {_A}['gen_ai.usage.cost'])"
COST_2 = _number(_COST_VALUE_2, MAX_COST)
# promote(): a call is priced when its cost is a number in [0, MAX_COST] (an absent or
# hostile one counts as unknown, not as $0). NULL (not a number) compares as neither.
_COST_OR_NULL = f"toFloat64OrNull({_COST_VALUE_2})"
PRICED_2 = f"ifNull({_COST_OR_NULL} >= 0 AND {_COST_OR_NULL} <= {MAX_COST}, 0)"


def _tokens_2(key: str) -> str:
    return f"toInt64({_number(f'{_A}[{key!r}]', MAX_TOKENS)})"


# The attributes promote() reads (and the running marker of ag2_otel.live), spelled out;
# the test checks promote() reads no others.
FACT_KEYS = (
    "ag2.span.type", "gen_ai.operation.name", "gen_ai.agent.name", "ag2.agent.name",
    "gen_ai.provider.name", "gen_ai.system", "gen_ai.request.model", "gen_ai.response.model",
    "gen_ai.tool.name", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "ag2.usage.cost",
    "gen_ai.usage.cost", "gen_ai.conversation.id", "ag2.conversation.id", "ag2.conversation.turns",
    "ag2.group_chat.rounds", "ag2_otel.running",
)  # fmt: skip

TRACE_INDEX_2 = "ag2_trace_index_v2"
SPAN_FACTS = "ag2_span_facts"
USAGE_2 = {"hourly": "ag2_usage_hourly_v2", "daily": "ag2_usage_daily_v2"}

TRACE_INDEX_2_SELECT = (
    "SELECT toStartOfHour(min(Timestamp), 'UTC') AS Hour, TraceId, min(Timestamp) AS Start,"
    f" max(fromUnixTimestamp64Nano({END_NS})) AS End,"
    " countIf(StatusCode = 'STATUS_CODE_ERROR') AS Errors,"
    " groupUniqArrayIf(toString(ServiceName), ServiceName != '') AS Services,"
    f" groupUniqArrayIf({AGENT_2}, {AGENT_2} != '') AS Agents,"
    f" groupUniqArrayIf({MODEL}, {IS_LLM} AND {MODEL} != '') AS Models,"
    " groupUniqArrayArray(arrayFilter(w -> w != '', [toString(SpanName), toString(ServiceName),"
    f" {_A}['gen_ai.tool.name'], {_A}['gen_ai.conversation.id'], StatusMessage, {AGENT_2}])) AS Words"
    " FROM __DB__.otel_traces WHERE TraceId != '' __WHERE__ GROUP BY TraceId"
)

# What the trace list's summaries need of each span, without the content. Sorted by time,
# the spans of a page's traces (which started close together) are a few adjacent granules:
# the list reads them instead of the exporter's wide rows sorted by service and span name.
_SPAN_FACTS = """CREATE TABLE IF NOT EXISTS __DB__.ag2_span_facts (
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Facts Map(LowCardinality(String), String) CODEC(ZSTD(1))
) ENGINE = MergeTree ORDER BY (Timestamp, TraceId) SETTINGS index_granularity = 1024"""

SPAN_FACTS_SELECT = (
    f"SELECT TraceId, SpanId, ParentSpanId, SpanName, Timestamp, {DURATION_NS} AS Duration, StatusCode,"
    " StatusMessage, ServiceName,"
    f" mapFilter((k, v) -> k IN ({', '.join(repr(key) for key in FACT_KEYS)}), {_A}) AS Facts"
    " FROM __DB__.otel_traces WHERE TraceId != '' __WHERE__"
)

# Migration 1's usage table (frozen) and one more column.
_USAGE_2 = _USAGE.replace("ag2_usage___GRAIN__", "__TABLE__").replace(
    "    DurationNs UInt64\n", "    DurationNs UInt64,\n    PricedCalls UInt64\n"
)

USAGE_2_SELECT = (
    f"SELECT __BUCKET__(Timestamp, 'UTC') AS Bucket, {AGENT_2} AS Agent, {MODEL} AS Model,"
    f" count() AS LlmCalls, sum({_tokens_2('gen_ai.usage.input_tokens')}) AS InputTokens,"
    f" sum({_tokens_2('gen_ai.usage.output_tokens')}) AS OutputTokens, sum({COST_2}) AS Cost,"
    f" sum(least({DURATION_NS}, {MAX_SUM})) AS DurationNs, countIf({PRICED_2}) AS PricedCalls"
    f" FROM __DB__.otel_traces WHERE {IS_LLM} __WHERE__ GROUP BY Bucket, Agent, Model"
)

# table → its view's SELECT (the backfill runs the same); the daily roll-up buckets by day
FILLED_BY_2 = {
    TRACE_INDEX_2: TRACE_INDEX_2_SELECT,
    SPAN_FACTS: SPAN_FACTS_SELECT,
    **{table: USAGE_2_SELECT.replace("__BUCKET__", GRAINS[grain]) for grain, table in USAGE_2.items()},
}


def _views_2() -> tuple[str, ...]:
    statements = [
        _TRACE_INDEX.replace("ag2_trace_index", TRACE_INDEX_2),
        _SPAN_FACTS,
        *(_USAGE_2.replace("__TABLE__", table) for table in USAGE_2.values()),
    ]
    for table, select in FILLED_BY_2.items():
        view = f"CREATE MATERIALIZED VIEW IF NOT EXISTS __DB__.{table}_mv TO __DB__.{table} AS "
        statements.append(view + select)
    # migration 1's views stop (an insert with an end near 2^63 ns failed in them) and go
    for name in ("ag2_trace_index", "ag2_usage_hourly", "ag2_usage_daily"):
        statements += [f"DROP VIEW IF EXISTS __DB__.{name}_mv", f"DROP TABLE IF EXISTS __DB__.{name}"]
    return tuple(statements)


# --- migration 3: the LLM calls that name no agent, so usage charges them as SQLite does ----
# SQLite charges such a call to its owning agent (span_tree.owning_agents: the nearest ancestor
# with an agent name). A view sees one insert at a time, never a span's ancestors, so the roll-ups
# keep these calls under agent '' and this table keeps each of them with its own usage: the usage
# query resolves only these (their traces' spans, the same rule) and moves them to their owner.
# Apps traced by ag2-otel name the agent on every LLM call, so for them it stays empty.
UNOWNED_CALLS = "ag2_unowned_llm_calls"
_UNOWNED_CALLS = """CREATE TABLE IF NOT EXISTS __DB__.ag2_unowned_llm_calls (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    Model LowCardinality(String) CODEC(ZSTD(1)),
    InputTokens Int64,
    OutputTokens Int64,
    Cost Float64,
    DurationNs UInt64,
    PricedCalls UInt64
) ENGINE = MergeTree ORDER BY (Timestamp, TraceId) SETTINGS index_granularity = 1024"""

# per call, exactly what USAGE_2_SELECT adds for it to the roll-ups' agent '' rows
UNOWNED_CALLS_SELECT = (
    f"SELECT Timestamp, TraceId, SpanId, {MODEL} AS Model,"
    f" {_tokens_2('gen_ai.usage.input_tokens')} AS InputTokens,"
    f" {_tokens_2('gen_ai.usage.output_tokens')} AS OutputTokens, {COST_2} AS Cost,"
    f" least({DURATION_NS}, {MAX_SUM}) AS DurationNs, toUInt64({PRICED_2}) AS PricedCalls"
    f" FROM __DB__.otel_traces WHERE {IS_LLM} AND {AGENT_2} = '' AND TraceId != '' __WHERE__"
)
FILLED_BY_3 = {UNOWNED_CALLS: UNOWNED_CALLS_SELECT}


def _views_3() -> tuple[str, ...]:
    view = f"CREATE MATERIALIZED VIEW IF NOT EXISTS __DB__.{UNOWNED_CALLS}_mv TO __DB__.{UNOWNED_CALLS} AS "
    return (_UNOWNED_CALLS, view + UNOWNED_CALLS_SELECT)


MIGRATIONS = (
    Migration(1, "per-trace index and hourly/daily usage views", _views()),
    Migration(
        2, "numbers clamped as at ingest, times up to 2^63 ns, per-span facts for the list", _views_2()
    ),
    Migration(3, "LLM calls without an agent name, for usage by owning agent", _views_3()),
)
LATEST = MIGRATIONS[-1].version
# version → the tables it created that `backfill` fills (migration 1's were dropped by 2)
FILLED_BY = {2: FILLED_BY_2, 3: FILLED_BY_3}


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
    # One time for all the migrations of this run: `backfill` fills the tables of the latest run.
    ((now,),) = client.query("SELECT toUnixTimestamp64Nano(now64(9))")
    applied = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        for statement in migration.statements:
            client.command(render(statement, db))
        client.command(
            f"INSERT INTO {db}.{MIGRATIONS_TABLE}"
            " VALUES ({v:UInt32}, {n:String}, fromUnixTimestamp64Nano({at:Int64}, 'UTC'))",
            {"v": migration.version, "n": migration.name, "at": int(now)},
        )
        applied.append(migration)
    return applied


def backfill(client: Client, *, before_ns: int | None = None) -> int:
    """Fill the tables the latest `migrate` run created (they started empty) from the spans
    that started before `before_ns` (default: when that run applied them), with the views'
    own SELECTs; returns how many spans that covered. Tables of earlier runs are left alone:
    their own backfill counted those spans already.

    Run it once per run. ClickHouse keeps no insert time per row, so the cut is by span
    start: a span that started before the cut but was inserted after the views existed (a
    long conversation's root, a retried batch) is in the usage roll-ups twice. The trace
    index only keeps minima, maxima and sets, so repeating rows there changes nothing.
    """
    db = quote_identifier(client.database)
    done = applied_versions(client)
    if LATEST not in done:
        raise ValueError("run `ag2-otel db migrate --store …` first")
    cutoff = before_ns if before_ns is not None else done[LATEST]
    where = "AND Timestamp < fromUnixTimestamp64Nano({before:Int64})"
    params = {"before": cutoff}
    latest_run = [version for version, at in done.items() if at == done[LATEST] and version in FILLED_BY]
    for version in sorted(latest_run):
        for table, select in FILLED_BY[version].items():
            client.command(f"INSERT INTO {db}.{table} " + render(select, db, where=where), params)
    (count,) = client.query(
        f"SELECT count() FROM {db}.otel_traces WHERE Timestamp < fromUnixTimestamp64Nano({{before:Int64}})",
        params,
    )[0]
    return int(count)
