"""What the trace API's derived facts cost the server: `attribute_trace` on large traces.

Builds the browser tests' long group chat (`ag2_otel.testing.viewer_traces.big_trace`: agent turns,
each with an LLM call and tools) in the API's span shape, then times `attribute_trace` on a
fresh copy of it several times (CPU time of this process, copying excluded), and reports
how much the JSON response grows. Figures in docs/viewer.md.

    .venv/bin/python -m bench.attribution [--spans 2000 10000] [--runs 7]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time

from ag2_otel.server.attribution import attribute_trace
from ag2_otel.testing import viewer_traces as fixtures


def measure(span_count: int, runs: int) -> tuple[float, float, int, int]:
    """Median and max ms of `attribute_trace`, and response bytes before/after."""
    spans = fixtures.big_trace(time.time_ns(), span_count=span_count).spans
    trace = {"summary": {}, "spans": spans}
    before = len(json.dumps(trace))
    timings = []
    for _ in range(runs):
        fresh = copy.deepcopy(trace)
        start = time.process_time()
        attribute_trace(fresh)
        timings.append((time.process_time() - start) * 1000)
    after = len(json.dumps(fresh))
    return statistics.median(timings), max(timings), before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print("| spans | attribute_trace median | max | response before | after |")
    print("|---|---|---|---|---|")
    for count in args.spans:
        median, worst, before, after = measure(count, args.runs)
        print(
            f"| {count:,} | {median:.1f} ms | {worst:.1f} ms | {before / 1e6:.2f} MB | {after / 1e6:.2f} MB |"
        )


if __name__ == "__main__":
    main()
