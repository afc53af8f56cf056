"""`opentelemetry-instrument python app.py` loads AG2Instrumentor through the
entry point: an app with no ag2-otel code gets traced."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from ag2_otel.testing import ScriptedOpenAIServer

APP = """
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from ag2_otel import ConsoleTreeSpanExporter  # only to print; no instrumentation call below

provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(ConsoleTreeSpanExporter()))
trace.set_tracer_provider(provider)

from autogen import ConversableAgent, LLMConfig

llm_config = LLMConfig({"api_type": "openai", "model": "gpt-4o-mini"})
assistant = ConversableAgent("assistant", llm_config=llm_config, human_input_mode="NEVER")
user = ConversableAgent(
    "user_proxy", llm_config=False, human_input_mode="NEVER", max_consecutive_auto_reply=0
)
user.initiate_chat(assistant, message="What are the three primary colors?", max_turns=1, silent=True)
"""


def test_opentelemetry_instrument_traces_an_unmodified_app(
    scripted_server: ScriptedOpenAIServer, tmp_path: Path
) -> None:
    app = tmp_path / "app.py"
    app.write_text(APP)
    runner = Path(sys.executable).with_name("opentelemetry-instrument")
    env = {
        **os.environ,
        "OPENAI_BASE_URL": scripted_server.base_url,
        "OPENAI_API_KEY": "scripted",
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
    }
    completed = subprocess.run(
        [str(runner), sys.executable, str(app)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = [line for line in completed.stdout.splitlines() if line and not line.startswith("trace ")]
    tree = [re.sub(r"  [\d.]+ ms.*$", "", line) for line in lines[-3:]]
    assert tree == [
        "conversation user_proxy -> assistant",
        "└── invoke_agent assistant",
        "    └── chat gpt-4o-mini",
    ]
