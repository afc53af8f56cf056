"""What the trace API's derived facts cost the server: `attribute_trace` on large traces.

Builds the browser tests' long group chat (`ag2_otel.testing.viewer_traces.big_trace`: agent turns,
each with an LLM call and tools) in the API's span shape, then times `attribute_trace` on a
fresh copy of it several times (CPU time of this process, copying excluded): given each
span's promoted facts, as the stores hand them (`queries.trace_document`), and without them,
promoting the attributes itself (a document from elsewhere; what every trace read did before
issue 14's follow-up). Also reports how much the JSON response grows. Figures in docs/viewer.md.

    .venv/bin/python -m bench.attribution [--spans 2000 10000] [--runs 7]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time

from ag2_otel.server.attribution import attribute_trace
from ag2_otel.server.promote import promote
from ag2_otel.testing import viewer_traces as fixtures


def measure(span_count: int, runs: int) -> tuple[float, float, float, int, int]:
    """Median ms of `attribute_trace` with the stored facts, max of those, median ms
    promoting the attributes, and response bytes before/after."""
    spans = fixtures.big_trace(time.time_ns(), span_count=span_count).spans
    trace = {"summary": {}, "spans": spans}
    before = len(json.dumps(trace))
    stored = [promote(span["attributes"]) for span in spans]  # what the stores hold
    given: list[float] = []
    promoting: list[float] = []
    for _ in range(runs):
        for facts, timings in ((stored, given), (None, promoting)):
            fresh = copy.deepcopy(trace)
            start = time.process_time()
            attribute_trace(fresh, facts)
            timings.append((time.process_time() - start) * 1000)
    after = len(json.dumps(fresh))
    return statistics.median(given), max(given), statistics.median(promoting), before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(
        "| spans | stored facts: median | max | promoting the attributes: median | response before | after |"
    )
    print("|---|---|---|---|---|---|")
    for count in args.spans:
        median, worst, promoting, before, after = measure(count, args.runs)
        print(
            f"| {count:,} | {median:.1f} ms | {worst:.1f} ms | {promoting:.1f} ms"
            f" | {before / 1e6:.2f} MB | {after / 1e6:.2f} MB |"
        )


if __name__ == "__main__":
    main()
