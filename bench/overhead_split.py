"""Where ag2-otel's per-conversation cost goes (two-agent turn, in-process model client).

Interleaved blocks of: untraced; class patches applied but nothing registered;
instrumented with a no-op tracer provider; with an SDK provider and the
ALWAYS_OFF sampler (both: the conversation's root step, then every inner step
passes straight through, see `_sampling.py`); ALWAYS_OFF with a live meter
(inner steps run in full to record metrics); a recording SDK provider (no
processor: span creation without export), without and with a live meter
(`opentelemetry-instrument`'s defaults record both). Median µs per conversation.

    .venv/bin/python -m bench.overhead_split [--rounds 5]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable
from typing import Any

from autogen.io import IOStream
from bench.overhead_scenarios import SCENARIOS, SilentIOStream
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import NoOpTracerProvider

from ag2_otel import instrument_agent, instrument_llm_wrapper, instrument_pattern
from ag2_otel.instrumentation._patches import apply_patches, remove_patches
from ag2_otel.instrumentation._registry import registry

Setup = Callable[[list[Any], Any], None]


def _untraced(agents: list[Any], pattern: Any = None) -> None:
    pass


def _patches_only(agents: list[Any], pattern: Any = None) -> None:
    apply_patches()


def _instrumented(provider: Any, meter_provider: Any = None) -> Setup:
    def setup(agents: list[Any], pattern: Any = None) -> None:
        instrument_llm_wrapper(tracer_provider=provider, meter_provider=meter_provider)
        for agent in agents:
            instrument_agent(agent, tracer_provider=provider, meter_provider=meter_provider)
        if pattern is not None:
            instrument_pattern(pattern, tracer_provider=provider, meter_provider=meter_provider)

    return setup


MODES: dict[str, Setup] = {
    "untraced": _untraced,
    "patches only (nothing registered)": _patches_only,
    "no-op tracer provider": _instrumented(NoOpTracerProvider()),
    "SDK, ALWAYS_OFF sampler": _instrumented(TracerProvider(sampler=ALWAYS_OFF)),
    "SDK, ALWAYS_OFF sampler, live meter": _instrumented(
        TracerProvider(sampler=ALWAYS_OFF), MeterProvider(metric_readers=[InMemoryMetricReader()])
    ),
    "SDK, recording, no processor": _instrumented(TracerProvider()),
    "SDK, recording, no processor, live meter": _instrumented(
        TracerProvider(), MeterProvider(metric_readers=[InMemoryMetricReader()])
    ),
}


def block(setup: Setup, scenario_index: int = 0, conversations: int = 400, warmup: int = 50) -> float:
    scenario = SCENARIOS[scenario_index](None, setup)
    calls = [scenario.prepare() for _ in range(conversations + warmup)]
    timings = []
    for index, call in enumerate(calls):
        start = time.perf_counter_ns()
        call()
        if index >= warmup:
            timings.append(time.perf_counter_ns() - start)
    remove_patches()
    registry.clear()
    return statistics.median(timings) / 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--scenario", type=int, default=0, help="index into overhead_scenarios.SCENARIOS (0 = two-agent turn)"
    )
    args = parser.parse_args()
    logging.getLogger("autogen.oai.client").setLevel(logging.WARNING)
    IOStream.set_global_default(SilentIOStream())
    results: dict[str, list[float]] = {name: [] for name in MODES}
    names = list(MODES)
    for round_index in range(args.rounds):
        rotated = names[round_index % len(names) :] + names[: round_index % len(names)]
        for name in rotated:
            results[name].append(
                block(MODES[name], args.scenario, conversations=400 if args.scenario == 0 else 100)
            )
    base = statistics.median(results["untraced"])
    print(f"| mode ({SCENARIOS[args.scenario].name}) | µs | added µs |\n|---|---:|---:|")
    for name in names:
        value = statistics.median(results[name])
        print(f"| {name} | {value:.1f} | +{value - base:.1f} |")


if __name__ == "__main__":
    main()
