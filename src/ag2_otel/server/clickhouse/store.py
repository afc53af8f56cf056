"""The read side over ClickHouse: the same methods, filters, pagination and JSON shapes
as the SQLite `Store` (server/trace_store.TraceStore).

Which traces a page holds, and in what order, comes from the trace index (a materialized
view); what the page says about each trace comes from its spans' facts (the narrow, time-
sorted copy of each span the list needs), through the same summary code the SQLite store
runs at ingest, so both stores describe a trace alike.
"""

from __future__ import annotations

import time
from typing import Any

from ag2_otel.live import RUNNING_ATTRIBUTE
from ag2_otel.server.clickhouse.client import Client, StoreURLError, quote_identifier
from ag2_otel.server.clickhouse.logs import LogReader
from ag2_otel.server.clickhouse.migrations import DURATION_NS, SPAN_FACTS, TRACE_INDEX_2, USAGE_2
from ag2_otel.server.clickhouse.owners import charge_unowned
from ag2_otel.server.clickhouse.values import typed_map
from ag2_otel.server.normalize import SpanRow, dumps
from ag2_otel.server.producers import CONTENT_EVENTS, canonical_attributes
from ag2_otel.server.promote import MAX_SUM, promote
from ag2_otel.server.store import queries
from ag2_otel.server.store.queries import MAX_LIMIT, QueryError, TraceFilter, decode_cursor, encode_cursor
from ag2_otel.server.store.summaries import summary_of
from ag2_otel.server.units import DAY_NS, HOUR_NS, SECOND_NS

_SCOPE_KEYS = ("otel.scope.name", "otel.scope.version")
_USAGE_SUMS = {
    "InputTokens": MAX_SUM,
    "OutputTokens": MAX_SUM,
    "Cost": float(MAX_SUM),
    "DurationNs": MAX_SUM,
    "PricedCalls": MAX_SUM,
}
# Newest-first pages look back this far from their anchor before widening (cost stays
# proportional to the traces in the window, not to the table).
_WINDOWS_NS = (HOUR_NS, DAY_NS, 7 * DAY_NS, 30 * DAY_NS, 365 * DAY_NS)
_SPAN_SELECT = (
    "SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind, toUnixTimestamp64Nano(Timestamp),"
    f" {DURATION_NS}, StatusCode, StatusMessage, TraceState, ServiceName, ResourceAttributes, ScopeName,"
    " ScopeVersion, SpanAttributes, arrayMap(t -> toUnixTimestamp64Nano(t), Events.Timestamp), Events.Name,"
    " Events.Attributes, Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes"
)
# The same columns from a span's facts (the summaries need no more; Duration is stored as read)
_FACTS_SELECT = (
    "SELECT TraceId, SpanId, ParentSpanId, SpanName, '', toUnixTimestamp64Nano(Timestamp), Duration,"
    " StatusCode, StatusMessage, '', ServiceName, map(), '', '', Facts, [], [], [], [], [], [], []"
)


class ClickHouseStore:
    """`TraceStore` over the exporter's `otel_traces` and ag2-otel's views beside it."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._db = quote_identifier(client.database)
        self._logs = LogReader(client)

    # --- trace list ---------------------------------------------------------------

    def list_traces(
        self, where: TraceFilter | None = None, *, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        where = where or TraceFilter()
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
        after = decode_cursor(cursor) if cursor else None
        # Newest first from the cursor, --until or now, looking back through widening windows
        # until the page is full: each query reads the index's recent hours only.
        anchor = after[0] if after else where.until_ns if where.until_ns is not None else time.time_ns()
        found: list[tuple[str, int, int]] = []
        for window in (*_WINDOWS_NS, None):
            lower = None if window is None else anchor - window
            if where.since_ns is not None and (lower is None or lower < where.since_ns):
                lower = where.since_ns
            found = self._page_ids(where, after, limit + 1, lower)
            if len(found) > limit or lower is None or lower == where.since_ns:
                break
        page_ids = found[:limit]
        summaries = self._summaries(page_ids)
        page = [summaries[trace_id] for trace_id, _, _ in page_ids if trace_id in summaries]
        more = len(found) > limit
        next_cursor = encode_cursor(page_ids[-1][1], page_ids[-1][0]) if more and page_ids else None
        return page, next_cursor

    def _page_ids(
        self, where: TraceFilter, after: tuple[int, str] | None, count: int, lower: int | None
    ) -> list[tuple[str, int, int]]:
        """(trace id, start ns, end ns) of the newest matching traces that started at or after `lower`."""
        params: dict[str, Any] = {"count": count}
        within = span_window = ""
        having = []
        if lower is not None:
            # An hour more than the window, so a trace that began up to an hour before it
            # shows its real start (and is left to a wider window) instead of a later one.
            floor = "toStartOfHour(fromUnixTimestamp64Nano({lower:Int64}), 'UTC') - INTERVAL 1 HOUR"
            within, span_window = f" WHERE Hour >= {floor}", f" WHERE Timestamp >= {floor}"
            having.append("start >= {lower:Int64}")
            params["lower"] = lower
        for column, value in (("service", where.service), ("agent", where.agent), ("model", where.model)):
            if value is not None:
                having.append(f"has({column}s, {{{column}:String}})")
                params[column] = value
        if where.status is not None:
            having.append("errors > 0" if where.status == "error" else "errors = 0")
        if where.status in ("running", "ok"):
            # As SQLite: a trace is running (unless it has an error; never ok) while a span of it
            # has only start records (`ag2_otel.live`), no real span; read in the index's window.
            having.append(
                ("" if where.status == "running" else "NOT ")
                + f"TraceId IN (SELECT TraceId FROM {self._db}.{SPAN_FACTS}{span_window}"
                + f" GROUP BY TraceId, SpanId HAVING min(mapContains(Facts, '{RUNNING_ATTRIBUTE}')) = 1)"
            )
        if where.until_ns is not None:
            having.append("start <= {until:Int64}")
            params["until"] = where.until_ns
        if where.text:
            having.append(
                "positionCaseInsensitiveUTF8(arrayStringConcat(arrayConcat([TraceId], words), ' '),"
                " {q:String}) > 0"
            )
            params["q"] = where.text
        if where.conversation is not None:  # a sent id only: the views never see derived ones
            having.append("has(words, {conversation:String})")
            params["conversation"] = where.conversation
        if after is not None:
            having.append("(start, TraceId) < ({after_start:Int64}, {after_id:String})")
            params.update(after_start=after[0], after_id=after[1])
        # aggregate only the columns a filter needs (the arrays cost the most)
        needed = {
            "errors": ("sum(Errors)", where.status),
            "services": ("groupUniqArrayArray(Services)", where.service),
            "agents": ("groupUniqArrayArray(Agents)", where.agent),
            "models": ("groupUniqArrayArray(Models)", where.model),
            "words": ("groupUniqArrayArray(Words)", where.text or where.conversation),
        }
        extra = "".join(f", {expr} AS {name}" for name, (expr, value) in needed.items() if value)
        sql = (
            "SELECT TraceId, toUnixTimestamp64Nano(min(Start)) AS start, toUnixTimestamp64Nano(max(End))"
            + extra
            + f" FROM {self._db}.{TRACE_INDEX_2}{within} GROUP BY TraceId"
            + (" HAVING " + " AND ".join(having) if having else "")
            + " ORDER BY start DESC, TraceId DESC LIMIT {count:UInt32}"
        )
        return [(str(row[0]), int(row[1]), int(row[2])) for row in self.client.query(sql, params)]

    def _summaries(self, page_ids: list[tuple[str, int, int]]) -> dict[str, dict[str, Any]]:
        """The page's summaries from its spans' facts, within the time the index gives the page."""
        if not page_ids:
            return {}
        rows = self.client.query(
            _FACTS_SELECT + f" FROM {self._db}.{SPAN_FACTS}"
            " WHERE Timestamp >= fromUnixTimestamp64Nano({low:Int64})"
            " AND Timestamp <= fromUnixTimestamp64Nano({high:Int64}) AND TraceId IN {ids:Array(String)}"
            " ORDER BY TraceId, Timestamp, SpanId",
            {
                "ids": [trace_id for trace_id, _, _ in page_ids],
                "low": min(start for _, start, _ in page_ids),
                "high": max(end for _, _, end in page_ids),
            },
        )
        by_trace: dict[str, list[SpanRow]] = {}
        for row in _first_of_each_span(rows):
            # facts keep only gen_ai.* names: another producer's spans are not in the list yet
            by_trace.setdefault(row[0], []).append(_span_row(row, producers=False))
        return {
            trace_id: queries.summary_from_row(summary_of(trace_id, spans))
            for trace_id, spans in by_trace.items()
        }

    # --- one trace ----------------------------------------------------------------

    def get_trace(self, trace_id: str) -> dict[str, Any] | None:
        rows = self._spans([trace_id.lower()])
        if not rows:
            return None
        trace_id = rows[0].trace_id
        return queries.trace_document(summary_of(trace_id, rows), rows, self._logs.events_by_span(trace_id))

    def span_rows(self, trace_id: str) -> list[SpanRow]:
        return self._spans([trace_id.lower()])

    def _spans(self, trace_ids: list[str]) -> list[SpanRow]:
        """Spans of these traces within the range the exporter's lookup table gives (so
        ClickHouse reads only the partitions and granules they can be in). A trace the
        bounds miss (the table's DateTime ends in 2106) is looked up by id alone."""
        if not trace_ids:
            return []
        ((found, first, last),) = self.client.query(
            "SELECT count(), toUnixTimestamp(min(Start)), toUnixTimestamp(max(End))"
            f" FROM {self._db}.otel_traces_trace_id_ts WHERE TraceId IN {{ids:Array(String)}}",
            {"ids": trace_ids},
        )
        # The lookup table keeps whole seconds. Compare as DateTime64: against a DateTime,
        # chDB 26.9 pruned granules holding matching rows (ORDER BY has toDateTime(Timestamp)).
        bounds = (int(first) * SECOND_NS, (int(last) + 1) * SECOND_NS)
        result = self._span_query(trace_ids, bounds) if int(found) else []
        missing = sorted(set(trace_ids) - {row[0] for row in result})
        if missing:
            result += self._span_query(missing, None)
            result.sort(key=lambda row: (int(row[5]), row[1]))
        return [_span_row(row) for row in _first_of_each_span(result)]

    def _span_query(self, trace_ids: list[str], bounds: tuple[int, int] | None) -> list[tuple[Any, ...]]:
        within = ""
        params: dict[str, Any] = {"ids": trace_ids}
        if bounds is not None:
            within = (
                " AND Timestamp >= fromUnixTimestamp64Nano({low:Int64})"
                " AND Timestamp < fromUnixTimestamp64Nano({high:Int64})"
            )
            params.update(low=bounds[0], high=bounds[1])
        return self.client.query(
            _SPAN_SELECT + f" FROM {self._db}.otel_traces WHERE TraceId IN {{ids:Array(String)}}{within}"
            " ORDER BY Timestamp, SpanId",
            params,
        )

    # --- usage, values, ids --------------------------------------------------------

    def usage(
        self,
        *,
        group_by: tuple[str, ...] = ("agent", "model"),
        bucket: str = "hour",
        since_ns: int | None = None,
        until_ns: int | None = None,
    ) -> list[dict[str, Any]]:
        queries.check_usage_request(group_by, bucket, since_ns, until_ns)
        grain, width = ("hourly", HOUR_NS) if bucket == "hour" else ("daily", DAY_NS)
        clauses, params = [], {}
        if since_ns is not None:
            clauses.append("Bucket >= toDateTime({since:Int64}, 'UTC')")
            params["since"] = (since_ns - since_ns % width) // SECOND_NS
        if until_ns is not None:
            clauses.append("Bucket <= toDateTime({until:Int64}, 'UTC')")
            params["until"] = until_ns // SECOND_NS
        agent = "Agent" if "agent" in group_by else "''"
        model = "Model" if "model" in group_by else "''"
        sums = ", ".join(f"sum({column})" for column in _USAGE_SUMS)
        sql = (
            f"SELECT toUnixTimestamp(Bucket), {agent} AS a, {model} AS m, sum(LlmCalls), {sums}"
            f" FROM {self._db}.{USAGE_2[grain]}"
            + (" WHERE " + " AND ".join(clauses) if clauses else "")
            + " GROUP BY Bucket, a, m"
        )
        totals = {
            (int(b), str(a), str(m)): list(values) for b, a, m, *values in self.client.query(sql, params)
        }
        if "agent" in group_by and any(not a for _, a, _ in totals):
            # LLM calls that name no agent: charged to their owning agent, as SQLite does
            charge_unowned(
                self.client, self._db, totals, grain=grain, window=clauses, params=params,
                by_model="model" in group_by,
            )  # fmt: skip
        rows = []
        for (b, a, m), (calls, *values) in sorted(totals.items()):
            if calls <= 0:
                continue
            # sums saturate where SQLite's do (each span adds at most MAX_SUM: migrations.USAGE_2_SELECT)
            tokens_in, tokens_out, cost, duration, priced = (
                min(value, cap) for value, cap in zip(values, _USAGE_SUMS.values(), strict=True)
            )
            rows.append(
                {
                    "bucket_start_ns": b * SECOND_NS,
                    "agent": a or None,
                    "model": m or None,
                    "llm_calls": int(calls),
                    "input_tokens": int(tokens_in),
                    "output_tokens": int(tokens_out),
                    "cost": float(cost),
                    "duration_ms": int(duration) / 1e6,
                    "priced_calls": int(priced),
                }
            )
        return rows

    def values(self, kind: str) -> list[str]:
        column = {"services": "Services", "agents": "Agents", "models": "Models"}.get(kind)
        if column is None:
            raise QueryError(f"unknown value list {kind!r}")
        sql = f"SELECT DISTINCT arrayJoin({column}) AS v FROM {self._db}.{TRACE_INDEX_2} ORDER BY v"
        return [str(row[0]) for row in self.client.query(sql)]

    def find_trace_ids(self, prefix: str, *, limit: int = 10) -> list[str]:
        prefix = prefix.strip().lower()
        rows = self.client.query(  # the exporter's lookup table is sorted by trace id
            f"SELECT DISTINCT TraceId FROM {self._db}.otel_traces_trace_id_ts"
            " WHERE TraceId >= {low:String} AND TraceId < {high:String} ORDER BY TraceId LIMIT {n:UInt32}",
            {"low": prefix, "high": prefix + "~", "n": limit},
        )
        return [str(row[0]) for row in rows]

    def close(self) -> None:
        self.client.close()


def _first_of_each_span(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One row per span, as SQLite keeps one: a retried export can insert a span twice (the
    first row wins), and a start record (`ag2_otel.live`) gives way to its real span and to
    a later record of it (store/running.py replaces it so in SQLite)."""
    chosen: dict[tuple[str, str], tuple[Any, ...]] = {}
    for row in rows:
        held = chosen.get((row[0], row[1]))
        if held is None or (_is_record(held) and (not _is_record(row) or int(row[6]) > int(held[6]))):
            chosen[(row[0], row[1])] = row
    return list(chosen.values())


def _is_record(row: tuple[Any, ...]) -> bool:
    """A start record of a running span (its attributes, or facts, hold the marker)."""
    return RUNNING_ATTRIBUTE in row[14]


def _span_row(row: tuple[Any, ...], *, producers: bool = True) -> SpanRow:
    """An `otel_traces` row as the SQLite store would have stored the same span.

    With `producers`, the span's attributes go through the step SQLite's ingest runs
    (producers.canonical_attributes) before promotion: the Collector writes other
    producers' spans as they were sent. Rows chDB's own writer stored went through it
    already, and it leaves those as they are.
    """
    (trace_id, span_id, parent, name, kind, start, duration, status, message, state, service, resource,
     scope_name, scope_version, attributes, event_times, event_names, event_attrs, link_traces, link_spans,
     link_states, link_attrs) = row  # fmt: skip
    span_attributes = typed_map({k: v for k, v in attributes.items() if k not in _SCOPE_KEYS})
    links = []
    for link_trace, link_span, link_state, link_attributes in zip(
        link_traces, link_spans, link_states, link_attrs, strict=True
    ):
        link: dict[str, Any] = {
            "trace_id": link_trace,
            "span_id": link_span,
            "attributes": typed_map(link_attributes),
        }
        if link_state:
            link["trace_state"] = link_state
        links.append(link)
    events = [
        {"name": n, "time_ns": int(t), "attributes": typed_map(a)}
        for t, n, a in zip(event_times, event_names, event_attrs, strict=True)
    ]
    if producers:
        content = (
            (lambda: [(e["name"], e["attributes"], None) for e in events if e["name"] in CONTENT_EVENTS])
            if events
            else None
        )
        span_attributes = canonical_attributes(span_attributes, content)
    start = int(start)
    return SpanRow(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent or None,
        name=name,
        kind=kind.removeprefix("SPAN_KIND_"),
        start_ns=start,
        end_ns=start + int(duration),
        status_code=status.removeprefix("STATUS_CODE_") or "UNSET",
        status_message=message,
        trace_state=state,
        flags=0,  # the exporter does not store span flags
        service=service or None,
        promoted=promote(span_attributes),
        attributes_json=dumps(span_attributes),
        # facts rows (the list's summaries) have none of these: no encoding of empties
        events_json=dumps(events) if events else "[]",
        links_json=dumps(links) if links else "[]",
        resource_json=dumps(typed_map(resource)) if resource else "{}",
        scope_json=dumps({"name": scope_name, "version": scope_version, "attributes": {}}),
    )


def open_store(url: str) -> ClickHouseStore:
    """The store behind a --store URL, once `ag2-otel db migrate --store URL` has run."""
    from ag2_otel.server.clickhouse.client import open_client
    from ag2_otel.server.clickhouse.migrations import LATEST, applied_versions

    client = open_client(url)
    try:
        done = applied_versions(client)
    except Exception as exc:  # the driver's own errors: refused connection, bad credentials…
        client.close()
        raise StoreURLError(f"cannot read {redacted(url)}: {exc}") from None
    if LATEST not in done:
        client.close()
        raise StoreURLError(
            f"the ag2-otel views are missing in {redacted(url)}: run `ag2-otel db migrate --store URL`"
        )
    return ClickHouseStore(client)


def redacted(url: str) -> str:
    """A store URL without its password, for messages and the start-up banner."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        credentials, _, host = rest.rpartition("@")
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
    return url
