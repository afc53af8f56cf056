"""`ag2-otel traces list|show|export`: read the trace store directly.

WAL mode lets these run while `ag2-otel serve` is writing the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from ag2_otel.cli import CLIError
from ag2_otel.server.config import DB_ENV, STORE_ENV, default_db_path

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("traces", help="list, show or export stored traces")
    actions = parser.add_subparsers(dest="traces_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="newest traces first, filtered like the API")
    for name in ("service", "agent", "model"):
        listing.add_argument(f"--{name}", help=f"only traces with this {name}")
    listing.add_argument("--status", choices=("ok", "error"))
    listing.add_argument("--since", help="start time: unix ns, ISO 8601, or an age like 30m, 2h, 7d")
    listing.add_argument("--until", help="end time, same forms as --since")
    listing.add_argument("-q", "--query", help="text to look for (names, agents, models, tools, ids)")
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--cursor", help="next_cursor from a previous --json page")
    listing.add_argument("--json", action="store_true", help="print the API's JSON instead of a table")
    listing.set_defaults(handler=_list)

    show = actions.add_parser("show", help="one trace as a tree (an id prefix is enough)")
    show.add_argument("trace_id")
    show.add_argument("--json", action="store_true", help="print the API's JSON instead of a tree")
    show.add_argument(
        "--html", action="store_true", help="print a self-contained HTML page (transcript and tree)"
    )
    show.set_defaults(handler=_show)

    export = actions.add_parser("export", help="traces as OTLP/JSON on stdout")
    export.add_argument("trace_ids", nargs="*", metavar="TRACE_ID", help="default: the newest --limit traces")
    export.add_argument("--limit", type=int, default=100)
    export.set_defaults(handler=_export)

    for action in (listing, show, export):
        action.add_argument(
            "--db", type=Path, help=f"database file (default ${DB_ENV} or the user data directory)"
        )
        action.add_argument(
            "--store",
            help=f"the Collector's ClickHouse tables instead: clickhouse://… or chdb:PATH (or ${STORE_ENV})",
        )


def _store(args: argparse.Namespace) -> Any:
    from ag2_otel.server.store import Store

    url = args.store or os.environ.get(STORE_ENV)
    if url:
        from ag2_otel.server.clickhouse.store import open_store

        try:
            return open_store(url)
        except ValueError as exc:
            raise CLIError(str(exc)) from None
    from ag2_otel.server.store.files import ensure_schema

    path = Path(args.db) if args.db else default_db_path()
    if not path.exists():
        raise CLIError(f"no trace database at {path}; run `ag2-otel serve` or `ag2-otel demo` first")
    ensure_schema(path)
    return Store(path)


def _list(args: argparse.Namespace) -> int:
    from ag2_otel.server.store import QueryError, TraceFilter

    store = _store(args)
    try:
        where = TraceFilter(
            service=args.service,
            agent=args.agent,
            model=args.model,
            status=args.status,
            since_ns=parse_time_ns(args.since),
            until_ns=parse_time_ns(args.until),
            text=args.query,
        )
        page, cursor = store.list_traces(where, limit=args.limit, cursor=args.cursor)
    except QueryError as exc:
        raise CLIError(str(exc)) from None
    if args.json:
        print(json.dumps({"traces": page, "next_cursor": cursor}, indent=2))
    else:
        print(format_table(page))
        if cursor:
            print(f"(more: --cursor {cursor})")
    return 0


def _show(args: argparse.Namespace) -> int:
    from ag2_otel.exporters.tree import render_trace
    from ag2_otel.report.html import document, records_from_trace

    store = _store(args)
    trace = store.get_trace(_resolve(store, args.trace_id))
    if args.json:  # the `GET /api/traces/{id}` document, derived facts included
        print(json.dumps(trace, indent=2))
    elif args.html:
        sys.stdout.write(document(trace))
    else:
        print(render_trace(records_from_trace(trace)))
    return 0


def _export(args: argparse.Namespace) -> int:
    from ag2_otel.server.otlp_encode import otlp_json

    store = _store(args)
    if args.trace_ids:
        ids = [_resolve(store, prefix) for prefix in args.trace_ids]
    else:
        page, _ = store.list_traces(limit=max(1, min(args.limit, 500)))
        ids = [summary["trace_id"] for summary in page]
    rows = [row for trace_id in ids for row in store.span_rows(trace_id)]
    json.dump(otlp_json(rows), sys.stdout)
    sys.stdout.write("\n")
    return 0


def _resolve(store: Any, prefix: str) -> str:
    matches: list[str] = store.find_trace_ids(prefix, limit=5)
    if not matches:
        raise CLIError(f"no trace with id starting {prefix!r}")
    if len(matches) > 1 and matches[0] != prefix.lower():
        raise CLIError(f"{prefix!r} is ambiguous: {', '.join(matches)}")
    return matches[0]


def parse_time_ns(text: str | None, *, now_s: float | None = None) -> int | None:
    """Unix ns, an ISO 8601 time, or an age (`2h` = two hours ago)."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    match = _RELATIVE.match(text)
    if match:
        age_s = float(match.group(1)) * _UNIT_S[match.group(2)]
        return int(((now_s if now_s is not None else time.time()) - age_s) * 1e9)
    try:
        return int(datetime.fromisoformat(text).timestamp() * 1e9)
    except ValueError:
        raise CLIError(f"cannot read {text!r} as a time (use unix ns, ISO 8601, or 30m/2h/7d)") from None


def format_table(traces: list[dict[str, Any]]) -> str:
    if not traces:
        return "no traces"
    header = ("TRACE ID", "START", "DURATION", "SPANS", "AGENTS", "TOKENS IN/OUT", "COST", "STATUS", "ROOT")
    rows = [
        (
            t["trace_id"],
            datetime.fromtimestamp(t["start_time_ns"] / 1e9).strftime("%Y-%m-%d %H:%M:%S"),
            f"{t['duration_ms'] / 1000:.2f}s",
            str(t["span_count"]),
            _clip(",".join(t["agents"]), 30),
            f"{t['input_tokens']}/{t['output_tokens']}",
            f"${t['cost']:.4f}",
            t["status"],
            _clip(t["root_name"], 40),
        )
        for t in traces
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in [header, *rows])  # fmt: skip


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
