"""Time the real-programs fidelity suite (issue 13): every program in
tests/instrumentation/programs (or `--programs DIR`) run untraced and traced by the suite's
runner (`ag2_otel.testing.fidelity`), each in its own process forked from a server that
preloaded AG2, as many at a time as there are cores.

Reported: programs, runs, wall time, CPU time summed over the runs (their processes and the
processes they started; the server's one-time preload of AG2 is not included), and the
slowest runs. CPU time is what the 90 s budget on 2 cores depends on; wall time also
depends on whatever else the machine runs.

    .venv/bin/python -m bench.fidelity_suite
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ag2_otel.testing.fidelity import differences, observe_all, programs

SUITE = Path(__file__).resolve().parents[1] / "tests" / "instrumentation" / "programs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=Path, default=SUITE, help="the folder of programs")
    suite = parser.parse_args().programs
    started = time.perf_counter()
    runs = observe_all(suite)
    wall = time.perf_counter() - started
    cpu = sum(o.cpu_s for o in runs.values())
    print(f"programs {len(programs(suite))}  runs {len(runs)}  cores {os.cpu_count()}")
    print(f"wall {wall:.1f} s  cpu {cpu:.1f} s (load average {os.getloadavg()[0]:.1f})")
    for o in sorted(runs.values(), key=lambda o: -o.cpu_s)[:5]:
        print(f"  {o.program:32} {'traced' if o.traced else 'untraced':9} {o.cpu_s:.2f} s cpu")
    differing = [p for p in programs(suite) if differences(runs[(p, False)], runs[(p, True)])]
    print(f"programs that behave differently when traced: {differing or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
