"""`ag2_otel.setup()` in a fresh process for each way telemetry can leave it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ag2_otel.testing import ScriptedOpenAIServer
from ag2_otel.testing.serve import ServerProcess, wait_for

from .conftest import RecordingOTLPServer, run_program

TREE = ["conversation user_proxy -> assistant", "invoke_agent assistant", "chat gpt-4o-mini"]


def _tree_lines(stdout: str) -> list[str]:
    """The printed tree with timings stripped: `name` per line, box drawing removed."""
    names = []
    for line in stdout.splitlines():
        match = re.match(r"^[│├└─ ]*(conversation .+?|invoke_agent \S+|chat \S+)  [\d.]+ ms", line)
        if match:
            names.append(match.group(1))
    return names


def test_the_standard_endpoint_variable_gets_traces_metrics_and_events(
    tmp_path: Path, scripted: ScriptedOpenAIServer, recording_server: RecordingOTLPServer
) -> None:
    completed = run_program(
        tmp_path,
        """
        import ag2_otel
        with ag2_otel.setup(capture_content="span_and_event") as tracing:
            print("DESTINATION", tracing.destination)
            chat()
        """,
        scripted,
        env={"OTEL_EXPORTER_OTLP_ENDPOINT": recording_server.url, "OTEL_SERVICE_NAME": "billing-agents"},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert f"DESTINATION OTLP at {recording_server.url}" in completed.stdout
    assert {"/v1/traces", "/v1/metrics", "/v1/logs"} <= recording_server.paths()
    assert sorted(recording_server.span_names) == sorted(TREE)
    assert recording_server.services == {"billing-agents"}
    assert _tree_lines(completed.stdout) == []  # an endpoint was given: no console trees


def test_a_local_ag2_otel_serve_is_found_and_receives_the_traces(
    tmp_path: Path, scripted: ScriptedOpenAIServer, local_serve: ServerProcess
) -> None:
    completed = run_program(
        tmp_path,
        """
        import ag2_otel
        tracing = ag2_otel.setup()
        print("DESTINATION", tracing.destination)
        chat()
        tracing.shutdown()
        """,
        scripted,
        env={"AG2_OTEL_LOCAL_ENDPOINT": local_serve.url},
        name="weather_bot",
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert f"DESTINATION ag2-otel serve at {local_serve.url}" in completed.stdout
    wait_for(lambda: local_serve.api("/api/traces", service="weather_bot").json()["traces"])
    (summary,) = local_serve.api("/api/traces", service="weather_bot").json()["traces"]
    assert summary["root_name"] == TREE[0]
    assert summary["span_count"] == 3  # named after the script, every span stored
    assert _tree_lines(completed.stdout) == []


def test_something_else_on_the_local_port_is_not_taken_for_ag2_otel(
    tmp_path: Path, scripted: ScriptedOpenAIServer, recording_server: RecordingOTLPServer
) -> None:
    completed = run_program(
        tmp_path,
        """
        import ag2_otel
        tracing = ag2_otel.setup()
        print("DESTINATION", tracing.destination)
        chat()
        """,
        scripted,
        env={"AG2_OTEL_LOCAL_ENDPOINT": recording_server.url},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "DESTINATION console" in completed.stdout
    assert recording_server.requests == [("GET", "/api/about")]  # asked who it is; sent nothing
    assert _tree_lines(completed.stdout) == TREE


def test_with_nothing_running_the_trees_go_to_the_console(
    tmp_path: Path, scripted: ScriptedOpenAIServer
) -> None:
    completed = run_program(
        tmp_path,
        """
        import ag2_otel
        tracing = ag2_otel.setup()
        print("DESTINATION", tracing.destination)
        chat()
        """,
        scripted,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "DESTINATION console" in completed.stdout
    assert _tree_lines(completed.stdout) == TREE


def test_global_providers_the_user_set_are_kept_and_nothing_of_the_host_changes(
    tmp_path: Path, scripted: ScriptedOpenAIServer
) -> None:
    completed = run_program(
        tmp_path,
        """
        import logging, sys, warnings
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        mine = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(mine))
        trace.set_tracer_provider(provider)
        provider.get_tracer("the app's own")  # the SDK adds its own warnings filter on first use
        before = (list(logging.root.handlers), logging.root.level, list(warnings.filters),
                  logging.getLogger("ag2_otel").handlers[:], logging.lastResort)

        import ag2_otel
        tracing = ag2_otel.setup()
        again = ag2_otel.setup()
        chat()
        after = (list(logging.root.handlers), logging.root.level, list(warnings.filters),
                 logging.getLogger("ag2_otel").handlers[:], logging.lastResort)
        print("SAME HANDLE", again is tracing, "HOST UNCHANGED", before == after)
        print("PROVIDER KEPT", trace.get_tracer_provider() is provider, tracing.tracer_provider is provider)
        print("DESTINATION", tracing.destination)
        print("NOTES", tracing.notes)
        print("SPANS", sorted(s.name for s in mine.get_finished_spans()))
        """,
        scripted,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    assert "SAME HANDLE True HOST UNCHANGED True" in out
    assert "PROVIDER KEPT True True" in out
    assert "DESTINATION your global providers" in out
    assert "a global tracer provider was already set: kept as it is" in out  # said on the handle
    assert f"SPANS {sorted(TREE)}" in out  # every span once, into the user's own exporter
    assert _tree_lines(out) == []
    assert "ag2_otel" not in completed.stderr and "ag2-otel" not in completed.stderr


def test_under_opentelemetry_instrument_it_only_instruments(
    tmp_path: Path, scripted: ScriptedOpenAIServer
) -> None:
    completed = run_program(
        tmp_path,
        """
        from opentelemetry import trace
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        from opentelemetry.sdk.trace import TracerProvider

        import ag2_otel
        from ag2_otel import AG2Instrumentor
        already = AG2Instrumentor().is_instrumented_by_opentelemetry
        tracing = ag2_otel.setup(console=True)
        kept = tracing.tracer_provider is trace.get_tracer_provider()
        seen = InMemorySpanExporter()  # (without opentelemetry-distro no SDK provider is set: set one)
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(seen))
        trace.set_tracer_provider(provider)
        chat()
        print("ALREADY", already, "PROVIDER", kept)
        print("DESTINATION", tracing.destination)
        print("SPANS", sorted(s.name for s in seen.get_finished_spans()))
        """,
        scripted,
        env={"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"},
        runner=[str(Path(sys.executable).with_name("opentelemetry-instrument"))],
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    assert "ALREADY True PROVIDER True" in out
    assert "DESTINATION opentelemetry-instrument's providers" in out
    assert f"SPANS {sorted(TREE)}" in out  # instrumented once: no doubled spans
    assert _tree_lines(out) == []  # it built nothing, not even the console it was offered


SEEDED = """
import random
random.seed(1234)
{setup}
chat()
print("DRAWS", [random.random() for _ in range(3)], random.getrandbits(64))
"""


def test_a_seeded_program_draws_the_same_numbers_traced_or_not(
    tmp_path: Path, scripted: ScriptedOpenAIServer, local_serve: ServerProcess
) -> None:
    untraced = run_program(tmp_path, SEEDED.format(setup=""), scripted)
    traced = run_program(
        tmp_path,
        SEEDED.format(setup="import ag2_otel; ag2_otel.setup(console=True)"),
        scripted,
        env={"AG2_OTEL_LOCAL_ENDPOINT": local_serve.url},
    )
    assert untraced.returncode == 0 and traced.returncode == 0, traced.stderr[-3000:]
    draws = [line for line in untraced.stdout.splitlines() if line.startswith("DRAWS")]
    assert draws and draws == [line for line in traced.stdout.splitlines() if line.startswith("DRAWS")]
    assert _tree_lines(traced.stdout) == TREE  # it was traced (to the console and the server)


def test_the_probe_is_quick_when_nothing_answers() -> None:
    # a port that accepts connections but never answers: the probe gives up after its timeout
    import socket
    import time

    from ag2_otel.start.probe import PROBE_TIMEOUT_S, is_ag2_otel_server

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        assert not is_ag2_otel_server(f"http://127.0.0.1:{silent.getsockname()[1]}")
        assert time.monotonic() - started < PROBE_TIMEOUT_S + 1.0
