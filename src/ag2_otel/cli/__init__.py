"""The `ag2-otel` command line.

Each subcommand lives in its own module exposing `register(subparsers)`; the
module is imported only when the CLI starts, so `import ag2_otel` stays light.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ag2_otel.version import __version__

_COMMAND_MODULES = ("demo", "serve", "traces", "db")


class CLIError(Exception):
    """A domain error reported to the user as one clean line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ag2-otel",
        description="OpenTelemetry tracing for AG2 agents: demo, local trace backend and viewer.",
    )
    parser.add_argument("--version", action="version", version=f"ag2-otel {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"ag2_otel.cli.{name}")
        except ModuleNotFoundError as exc:
            if not exc.name or not exc.name.startswith("ag2_otel.cli."):
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except CLIError as exc:
        print(f"ag2-otel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
