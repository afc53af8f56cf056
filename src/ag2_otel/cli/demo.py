"""`ag2-otel demo`: the seed's three scenarios, traced, offline by default."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Any

from opentelemetry.sdk.trace.export import SpanExporter

DEFAULT_ENDPOINT = "http://127.0.0.1:4318"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the seed notebook's three scenarios with tracing (offline by default)",
        description=(
            "Runs a two-agent chat, a tool call and an AutoPattern group chat with tracing and prints their "
            "trees. Without --base-url/--model or OPENAI_API_KEY the model is a scripted stand-in on "
            "127.0.0.1. Traces also go to the local store (or to a running `ag2-otel serve`)."
        ),
    )
    parser.add_argument("--base-url", help="an OpenAI-compatible endpoint for a real model")
    parser.add_argument("--model", default="gpt-4o-mini", help="model name (default: %(default)s)")
    parser.add_argument("--db", help="trace store to write to (default: the same as `ag2-otel serve`)")
    parser.add_argument(
        "--endpoint",
        default=DEFAULT_ENDPOINT,
        help="a running `ag2-otel serve`; traces go there when it answers (default: %(default)s)",
    )
    parser.add_argument("--no-store", action="store_true", help="print trees only; do not store traces")
    parser.add_argument("--serve", action="store_true", help="then start `ag2-otel serve` to browse them")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ag2_otel.cli import CLIError
    from ag2_otel.demo.runner import ModelChoice, local_server_listening, run_demo

    if importlib.util.find_spec("autogen") is None:
        raise CLIError("the demo needs classic AG2: pip install 'ag2-otel[autogen]' (or ./dev demo)")

    api_key = os.environ.get("OPENAI_API_KEY")
    choice = ModelChoice(base_url=args.base_url, model=args.model, api_key=api_key)
    server_running = local_server_listening(args.endpoint)
    exporter, where = (
        (None, "") if args.no_store else _store_exporter(args.db, args.endpoint if server_running else None)
    )
    status = run_demo(choice, exporter)
    if where:
        print(f"\ntraces stored in {where}")
    if server_running and not args.db:
        print(f"browse them at {args.endpoint}/ (already being served)")
        return status
    if args.serve:
        from ag2_otel.cli import main

        return main(["serve", *(["--db", args.db] if args.db else [])])
    if where:
        print("browse them: ag2-otel serve   (then open http://127.0.0.1:4318/)")
    return status


def _store_exporter(db: str | None, running_server: str | None) -> tuple[SpanExporter | None, str]:
    if running_server and not db:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            return None, ""
        return OTLPSpanExporter(
            endpoint=f"{running_server}/v1/traces"
        ), f"the running server at {running_server}"
    try:
        from ag2_otel.server.config import default_db_path
        from ag2_otel.server.exporter import StoreSpanExporter
    except ModuleNotFoundError as exc:
        print(f"(local trace store unavailable, {exc.name} is missing: pip install 'ag2-otel[server]')",
              file=sys.stderr)  # fmt: skip
        return None, ""
    path = db or str(default_db_path())
    return StoreSpanExporter(path), path
