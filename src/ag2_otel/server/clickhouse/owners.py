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
from ag2_otel.server.units import SECOND_NS

UsageKey = tuple[int, str, str]
"""(bucket start in s, agent, model): '' for no agent, and for a model not grouped by."""
# What promote() reads to tell a span's type and agent (of the span facts' keys)
_TREE_KEYS = "('ag2.span.type', 'gen_ai.operation.name', 'gen_ai.agent.name', 'ag2.agent.name')"


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
    owners: dict[tuple[str, str], str] = {}
    for trace_id, nodes in _trees(client, db, sorted({trace_id for trace_id, _ in calls})).items():
        of = [node for node in nodes.values() if (trace_id, node.span_id) in calls]
        for span_id, owner in owning_agents(list(nodes.values()), of=of).items():
            owners[(trace_id, span_id)] = owner
    return owners


def _trees(client: Client, db: str, trace_ids: list[str]) -> dict[str, dict[str, _Node]]:
    """The span tree of each trace, from its spans' facts within the traces' time (the
    exporter's lookup table gives it; facts are sorted by time, so the read covers the
    granules from the first trace's start to the last one's end, and only their rows of
    them are decoded). A trace the lookup table misses is read by id alone."""
    ((found, first, last),) = client.query(
        "SELECT count(DISTINCT TraceId), toUnixTimestamp(min(Start)), toUnixTimestamp(max(End))"
        f" FROM {db}.otel_traces_trace_id_ts WHERE TraceId IN {{ids:Array(String)}}",
        {"ids": trace_ids},
    )
    params: dict[str, Any] = {"ids": trace_ids}
    within = ""
    if int(found) == len(trace_ids):
        # whole seconds there: compare as DateTime64 (see ClickHouseStore._spans)
        within = (
            " AND Timestamp >= fromUnixTimestamp64Nano({low:Int64})"
            " AND Timestamp < fromUnixTimestamp64Nano({high:Int64})"
        )
        params.update(low=int(first) * SECOND_NS, high=(int(last) + 1) * SECOND_NS)
    rows = client.query(
        f"SELECT TraceId, SpanId, ParentSpanId, mapFilter((k, v) -> k IN {_TREE_KEYS}, Facts)"
        f" FROM {db}.{SPAN_FACTS} WHERE TraceId IN {{ids:Array(String)}}{within}",
        params,
    )
    return _nodes(rows)


def _nodes(rows: Iterable[tuple[Any, ...]]) -> dict[str, dict[str, _Node]]:
    trees: dict[str, dict[str, _Node]] = {}
    kinds: dict[tuple[tuple[str, str], ...], tuple[str, str | None]] = {}  # few distinct ones
    for trace_id, span_id, parent, facts in rows:
        nodes = trees.setdefault(trace_id, {})
        if span_id in nodes:  # a retried insert or a start record: the same span
            continue
        key = tuple(sorted(facts.items()))
        if key not in kinds:
            promoted = promote(typed_map(facts))
            kinds[key] = (promoted.span_type, promoted.agent)
        nodes[span_id] = _Node(span_id, parent or None, *kinds[key])
    return trees
