"""Profile one scenario in one mode (cProfile), for finding ag2-otel's hot paths.

.venv/bin/python -m bench.overhead_profile --mode "ag2-otel content off, batch" --scenario "tool turn"
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats

from autogen.io import IOStream
from bench.overhead_modes import IN_PROCESS_MODES, make_pipeline
from bench.overhead_scenarios import SCENARIOS, SilentIOStream


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--mode", default="ag2-otel content off, batch", choices=[m.name for m in IN_PROCESS_MODES]
    )
    parser.add_argument("--scenario", default=SCENARIOS[0].name, choices=[s.name for s in SCENARIOS])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--filter", default="", help="only functions whose file matches this")
    args = parser.parse_args()
    logging.getLogger("autogen.oai.client").setLevel(logging.WARNING)
    IOStream.set_global_default(SilentIOStream())
    mode = next(m for m in IN_PROCESS_MODES if m.name == args.mode)
    cls = next(s for s in SCENARIOS if s.name == args.scenario)
    pipeline = make_pipeline(mode.pipeline) if mode.pipeline else None
    try:
        scenario = cls(None, mode.start(pipeline.provider if pipeline else None))
        calls = [scenario.prepare() for _ in range(args.iterations)]
        profiler = cProfile.Profile()
        profiler.enable()
        for call in calls:
            call()
            if pipeline:
                pipeline.after_each()
        profiler.disable()
    finally:
        mode.stop()
    stats = pstats.Stats(profiler)
    stats.sort_stats(args.sort)
    if args.filter:
        stats.print_stats(args.filter, args.limit)
    else:
        stats.print_stats(args.limit)


if __name__ == "__main__":
    main()
