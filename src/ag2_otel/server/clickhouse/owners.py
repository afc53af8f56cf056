"""Usage by agent over ClickHouse charged as the SQLite store charges it: an LLM call that
names no agent belongs to its owning agent (`span_tree.owning_agents`).

The roll-ups' views see one insert at a time, never a span's ancestors, so they keep such
calls under agent '' and each of them, with its usage, in `ag2_unowned_llm_calls`
(migration 3). A usage query by agent that finds '' rows reads only those calls in its
window and their traces' spans (the narrow `ag2_span_facts`, within each trace's time),
applies the same rule, and moves each resolved call from '' to its owner. Its cost follows
the unowned calls in the window: none for apps traced by ag2-otel, which names the agent
on every LLM call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from ag2_otel.server.clickhouse.client import Client
from ag2_otel.server.clickhouse.migrations import GRAINS, SPAN_FACTS, UNOWNED_CALLS
from ag2_otel.server.clickhouse.values import typed_map
from ag2_otel.server.promote import promote
from ag2_otel.server.span_tree import owning_agents

UsageKey = tuple[int, str, str]
"""(bucket start in s, agent, model): '' for no agent, and for a model not grouped by."""
# Traces read per facts query: bounds the statement (one time range per trace).
_CHUNK = 200


class _Node(NamedTuple):
    """What `owning_agents` reads of a span."""

    span_id: str
    parent_span_id: str | None
    span_type: str
    agent: str | None


def charge_unowned(
    client: Client,
    db: str,
    totals: dict[UsageKey, list[Any]],
    *,
    grain: str,
    window: list[str],
    params: dict[str, Any],
    by_model: bool,
) -> None:
    """Move the unowned calls of `totals` (the roll-up's sums: calls, input and output
    tokens, cost, duration, priced calls) from agent '' to their owning agent, in place.
    `window`: the roll-up query's conditions on `Bucket`, with their `params`."""
    bucket = f"{GRAINS[grain]}(Timestamp, 'UTC')"  # the roll-up's own bucket of the call
    conditions = [clause.replace("Bucket", bucket) for clause in window]
    calls = client.query(
        f"SELECT toUnixTimestamp({bucket}), TraceId, SpanId, Model, InputTokens, OutputTokens, Cost,"
        f" DurationNs, PricedCalls FROM {db}.{UNOWNED_CALLS}"
        + (" WHERE " + " AND ".join(conditions) if conditions else ""),
        params,
    )
    if not calls:
        return
    owners = _owners(client, db, {(str(row[1]), str(row[2])) for row in calls})
    for b, trace_id, span_id, model, *values in calls:
        owner = owners.get((trace_id, span_id), "")
        if not owner:
            continue
        m = model if by_model else ""
        for key, sign in (((int(b), "", m), -1), ((int(b), owner, m), 1)):
            sums = totals.setdefault(key, [0, 0, 0, 0.0, 0, 0])
            sums[0] += sign
            for i, value in enumerate(values, start=1):
                sums[i] += sign * value


def _owners(client: Client, db: str, calls: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(trace id, span id) of each call → its owning agent ('' when none)."""
    trace_ids = sorted({trace_id for trace_id, _ in calls})
    owners: dict[tuple[str, str], str] = {}
    for start in range(0, len(trace_ids), _CHUNK):
        for trace_id, nodes in _trees(client, db, trace_ids[start : start + _CHUNK]).items():
            of = [node for node in nodes.values() if (trace_id, node.span_id) in calls]
            for span_id, owner in owning_agents(list(nodes.values()), of=of).items():
                owners[(trace_id, span_id)] = owner
    return owners


def _trees(client: Client, db: str, trace_ids: list[str]) -> dict[str, dict[str, _Node]]:
    """The span tree of each trace, from its spans' facts within the trace's time (the
    exporter's lookup table gives it; facts are sorted by time, so each trace costs a few
    granules). A trace the lookup table misses is read by id alone."""
    bounds = client.query(
        "SELECT TraceId, toUnixTimestamp(min(Start)), toUnixTimestamp(max(End))"
        f" FROM {db}.otel_traces_trace_id_ts WHERE TraceId IN {{ids:Array(String)}} GROUP BY TraceId",
        {"ids": trace_ids},
    )
    params: dict[str, Any] = {"ids": trace_ids}
    ranges = []
    for i, (_, first, last) in enumerate(bounds):
        # whole seconds there: compare as DateTime64 (see ClickHouseStore._spans)
        params[f"low{i}"], params[f"high{i}"] = int(first) * 10**9, (int(last) + 1) * 10**9
        ranges.append(
            f"(Timestamp >= fromUnixTimestamp64Nano({{low{i}:Int64}})"
            f" AND Timestamp < fromUnixTimestamp64Nano({{high{i}:Int64}}))"
        )
    found = {str(row[0]) for row in bounds}
    if len(found) < len(trace_ids):
        ranges = []  # some trace is beyond the lookup table's times: read by id alone
    rows = client.query(
        f"SELECT TraceId, SpanId, ParentSpanId, Facts FROM {db}.{SPAN_FACTS}"
        " WHERE TraceId IN {ids:Array(String)}" + (" AND (" + " OR ".join(ranges) + ")" if ranges else ""),
        params,
    )
    return _nodes(rows)


def _nodes(rows: Iterable[tuple[Any, ...]]) -> dict[str, dict[str, _Node]]:
    trees: dict[str, dict[str, _Node]] = {}
    for trace_id, span_id, parent, facts in rows:
        nodes = trees.setdefault(trace_id, {})
        if span_id not in nodes:  # a retried insert or a start record: the same span
            promoted = promote(typed_map(facts))
            nodes[span_id] = _Node(span_id, parent or None, promoted.span_type, promoted.agent)
    return trees
