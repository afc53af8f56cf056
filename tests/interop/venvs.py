"""One virtualenv per third-party producer, built on first use (and by `./dev test`).

The producers pin OpenTelemetry versions that clash with each other and with ours
(openai-v2 wants the 1.39 SDK, OpenLIT brings its own instrumentations, ag2 1.x and
classic AG2 cannot share `autogen`), so each program runs in its own venv and only
talks to the test through its OTLP exporters and the scripted model's HTTP port.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ag2_otel.testing.venvs import venv_python

ROOT = Path(__file__).resolve().parents[2]
VENVS = ROOT / ".venv-producers"
EXPORTERS = ["opentelemetry-exporter-otlp-proto-http"]

# name -> pip requirements (exact producer versions: docs/interop.md records what each emits)
REQUIREMENTS: dict[str, list[str]] = {
    "openai_v2": [
        "opentelemetry-instrumentation-openai-v2==2.4b0",
        "opentelemetry-sdk==1.39.1",
        "opentelemetry-exporter-otlp-proto-http==1.39.1",
        "openai>=1.60,<3",
    ],
    # the older GenAI semconv: gen_ai.system, and content as one log event per message
    "openai_v2_legacy": [
        "opentelemetry-instrumentation-openai-v2==2.1b0",
        "opentelemetry-sdk==1.30.0",
        "opentelemetry-exporter-otlp-proto-http==1.30.0",
        "openai>=1.60,<3",
    ],
    "openinference": [
        "openinference-instrumentation-openai==0.1.66",
        "opentelemetry-sdk",
        *EXPORTERS,
        "openai>=1.60,<3",
    ],
    # pip cannot resolve OpenLIT's many instrumentation ranges alone: pin the set that works
    "openlit": [
        "openlit==1.45.0",
        "openai>=1.92,<3",
        "opentelemetry-sdk==1.39.1",
        "opentelemetry-instrumentation==0.60b1",
    ],
    "autogen_builtin": ["autogen[openai]==0.14.1", "opentelemetry-sdk", *EXPORTERS],
    "ag2_telemetry": ["ag2[openai]==1.2.1", "opentelemetry-sdk", *EXPORTERS],
}


def python_for(name: str) -> Path:
    """The producer venv's interpreter, (re)built when its requirements changed."""
    return venv_python(VENVS / name, REQUIREMENTS[name])


if __name__ == "__main__":  # ./dev test builds them before pytest: `python -m tests.interop.venvs`
    for producer in sys.argv[1:] or REQUIREMENTS:
        print(f"producer venv {producer}: {python_for(producer)}", flush=True)
