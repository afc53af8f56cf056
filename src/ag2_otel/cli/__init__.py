"""The `ag2-otel` command line.

Each subcommand lives in its own module exposing `register(subparsers)`. They are
imported only when the parser is built, so `import ag2_otel` stays light, and each
keeps the imports of an optional extra inside its handler, so `--help` works on a
core install.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from ag2_otel.version import __version__


class CLIError(Exception):
    """A domain error reported to the user as one clean line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ag2-otel",
        description="OpenTelemetry tracing for AG2 agents: demo, local trace backend and viewer.",
    )
    parser.add_argument("--version", action="version", version=f"ag2-otel {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    from ag2_otel.cli import db, demo, serve, traces

    for command in (demo, serve, traces, db):
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        status = int(handler(args) or 0)
        sys.stdout.flush()  # here, not at exit, so a closed pipe is caught below
    except CLIError as exc:
        print(f"ag2-otel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()
    return status


def _reader_went_away() -> int:
    """`ag2-otel traces list | head`: stop quietly, as a tool killed by SIGPIPE would.

    stdout is pointed at /dev/null so the interpreter's final flush of what is
    still buffered cannot raise again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + signal.SIGPIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
