"""`ag2-otel traces list|show|export`: read the trace store directly, or a running
`ag2-otel serve` through its JSON API (`--url`, `cli/trace_source.py`).

WAL mode lets these read the SQLite file while `ag2-otel serve` is writing it; a chDB
directory admits one process, so while the server holds it they read through `--url`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import datetime
from typing import Any

from ag2_otel.cli import CLIError
from ag2_otel.cli.trace_source import TraceSource, add_source_arguments, open_source
from ag2_otel.costs import summary_cost

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
        add_source_arguments(action)


def _list(args: argparse.Namespace) -> int:
    params = {  # `GET /api/traces` query parameters, whichever source answers them
        "service": args.service,
        "agent": args.agent,
        "model": args.model,
        "status": args.status,
        "since": _text(parse_time_ns(args.since)),
        "until": _text(parse_time_ns(args.until)),
        "q": args.query,
        "limit": str(args.limit),
        "cursor": args.cursor,
    }
    listing = open_source(args).list_traces({k: v for k, v in params.items() if v is not None})
    page, cursor = listing["traces"], listing["next_cursor"]
    if args.json:
        print(json.dumps({"traces": page, "next_cursor": cursor}, indent=2))
    else:
        print(format_table(page))
        if cursor:
            print(f"(more: --cursor {cursor})")
    return 0


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _show(args: argparse.Namespace) -> int:
    from ag2_otel.exporters.tree import render_trace
    from ag2_otel.report.html import document, records_from_trace

    source = open_source(args)
    trace_id = _resolve(source, args.trace_id)
    trace = source.trace(trace_id)
    if trace is None:  # deleted (retention) between the two reads
        raise CLIError(f"no trace {trace_id}")
    if args.json:  # the `GET /api/traces/{id}` document, derived facts included
        print(json.dumps(trace, indent=2))
    elif args.html:
        sys.stdout.write(document(trace))
    else:
        print(render_trace(records_from_trace(trace)))
    return 0


def _export(args: argparse.Namespace) -> int:
    source = open_source(args)
    ids = [_resolve(source, prefix) for prefix in args.trace_ids]
    json.dump(source.export(ids, args.limit), sys.stdout)
    sys.stdout.write("\n")
    return 0


def _resolve(source: TraceSource, prefix: str) -> str:
    matches = source.find_trace_ids(prefix, limit=5)
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
            summary_cost(t),
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
