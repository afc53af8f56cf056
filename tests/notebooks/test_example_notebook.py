"""examples/tracing_with_ag2_otel.ipynb, executed in a real Jupyter kernel (nbclient) against the
scripted model: `launch()` serves the viewer, traces arrive while the kernel runs, `show()` renders
each conversation inline, and the viewer stops with the kernel."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from nbclient import NotebookClient

from ag2_otel.demo.brain import demo_reply
from ag2_otel.testing import ScriptedOpenAIServer
from ag2_otel.testing.serve import wait_for
from tests.report.htmlparse import parse

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "tracing_with_ag2_otel.ipynb"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The kernel inherits this process's environment: the scripted model, a private store and port."""
    port = _free_port()
    with ScriptedOpenAIServer(demo_reply) as model:
        values = {
            "OPENAI_BASE_URL": model.base_url,
            "OPENAI_API_KEY": "scripted",
            "AG2_OTEL_DB": str(tmp_path / "traces.db"),
            "AG2_OTEL_LOCAL_ENDPOINT": f"http://127.0.0.1:{port}",
        }
        for name in (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_SERVICE_NAME",
        ):
            monkeypatch.delenv(name, raising=False)
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        yield values


def test_the_committed_notebook_has_no_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_the_example_notebook_runs_with_launch_and_show(kernel_env: dict[str, str]) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(notebook, timeout=180, kernel_name="python3", allow_errors=False)
    viewer_url = kernel_env["AG2_OTEL_LOCAL_ENDPOINT"]
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        # while the kernel lives: the viewer answers and has the notebook's three conversations
        about = httpx.get(f"{viewer_url}/api/about", timeout=5).json()
        assert about["service"] == "ag2-otel"
        roots = [
            "conversation group_user -> chat_manager",
            "conversation tool_user -> tool_agent",
            "conversation user_proxy -> assistant",
        ]

        def listing() -> list[dict[str, Any]]:
            traces: list[dict[str, Any]] = httpx.get(f"{viewer_url}/api/traces", timeout=5).json()["traces"]
            return traces

        # a trace's root span comes in the export batch after its children's: wait for all three,
        # then compare (so a miss shows which roots were listed)
        with contextlib.suppress(AssertionError):
            wait_for(lambda: sorted(t["root_name"] for t in listing()) == roots)
        assert sorted(t["root_name"] for t in listing()) == roots
        assert {t["service"] for t in listing()} == {"notebook"}
        assert httpx.get(f"{viewer_url}/", timeout=5).status_code == 200
    # the kernel is gone, and the viewer it launched with it
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{viewer_url}/api/about", timeout=5)

    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    launch_html = _html_outputs(notebook.cells[2])
    assert len(launch_html) == 1 and f"{viewer_url}/" in launch_html[0]

    shows = [cell for cell in notebook.cells if cell.source.strip() == "ag2_otel.show()"]
    reports = [_html_outputs(cell) for cell in shows]
    assert [len(r) for r in reports] == [1, 1, 1]
    expected = [
        ["The three primary colors are red, yellow, and blue."],
        ["What's the weather in Tokyo?", "get_weather", "The weather in Tokyo is sunny, 72F."],
        ["Write a haiku about coding.", "the build turns green", "planner", "executor"],
    ]
    for (html,), phrases in zip(reports, expected, strict=True):
        page = parse(html)
        assert "script" not in page.tags
        text = " ".join(page.text)
        for phrase in phrases:
            assert phrase in text
        assert "Message content was not captured" not in text


def _html_outputs(cell: Any) -> list[str]:
    return [
        output["data"]["text/html"]
        for output in cell.get("outputs", [])
        if output.output_type in ("display_data", "execute_result") and "text/html" in output.get("data", {})
    ]


def test_the_notebook_file_is_plain_nbformat() -> None:
    # the file is plain nbformat 4 JSON (reviewable diffs): no widget state, no kernel-specific metadata
    document = json.loads(NOTEBOOK.read_text())
    assert document["nbformat"] == 4
    assert set(document["metadata"]) <= {"kernelspec", "language_info"}
