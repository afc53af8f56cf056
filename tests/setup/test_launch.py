"""`ag2_otel.launch()` from a script: the viewer answers, traces arrive, a second call reuses it,
and the viewer stops with the program, even when the program is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ag2_otel.testing import ScriptedOpenAIServer
from ag2_otel.testing.serve import wait_for

from .conftest import CHAT, closed_port_url, run_program


def _answers(url: str) -> bool:
    try:
        return bool(httpx.get(f"{url}/api/about", timeout=2).json().get("service") == "ag2-otel")
    except (httpx.HTTPError, ValueError):
        return False


def test_launch_serves_the_viewer_and_receives_the_programs_traces(
    tmp_path: Path, scripted: ScriptedOpenAIServer
) -> None:
    url = closed_port_url()
    completed = run_program(
        tmp_path,
        """
        import json, urllib.request
        import ag2_otel
        viewer = ag2_otel.launch()
        again = ag2_otel.launch()
        chat()
        viewer.tracing.force_flush()
        for _ in range(100):
            listing = json.load(urllib.request.urlopen(viewer.url + "/api/traces"))["traces"]
            if listing:
                break
            import time; time.sleep(0.05)
        print("VIEWER", viewer)
        print("REUSED", again is viewer, "SAME PROCESS", again.process is viewer.process)
        print("TRACES", [(t["root_name"], t["span_count"]) for t in listing])
        print("HTML", viewer._repr_html_())
        """,
        scripted,
        env={"AG2_OTEL_LOCAL_ENDPOINT": url, "AG2_OTEL_DB": str(tmp_path / "traces.db")},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    assert f"VIEWER ag2-otel viewer: {url}/" in out  # the requested port
    assert "REUSED True SAME PROCESS True" in out
    assert "TRACES [('conversation user_proxy -> assistant', 3)]" in out
    assert f"<a href='{url}/'" in out
    assert not _answers(url)  # stopped when the program ended
    assert (tmp_path / "traces.db").exists()


def test_a_killed_program_takes_its_viewer_with_it(tmp_path: Path, scripted: ScriptedOpenAIServer) -> None:
    url = closed_port_url()
    script = tmp_path / "app.py"
    script.write_text(
        CHAT + "\nimport ag2_otel, time\nprint(ag2_otel.launch(), flush=True)\ntime.sleep(120)\n"
    )
    environment = {**os.environ, "AG2_OTEL_LOCAL_ENDPOINT": url, "AG2_OTEL_DB": str(tmp_path / "t.db")}
    with subprocess.Popen(
        [sys.executable, str(script)], env=environment, stdout=subprocess.PIPE, text=True, cwd=tmp_path
    ) as program:
        try:
            assert program.stdout is not None
            assert program.stdout.readline().strip() == f"ag2-otel viewer: {url}/"
            assert _answers(url)
            program.send_signal(signal.SIGKILL)  # no atexit, no cleanup: only the closed pipe tells the child
            program.wait(10)
            started = time.monotonic()
            wait_for(lambda: not _answers(url), timeout_s=15)
            assert time.monotonic() - started < 15
        finally:
            if program.poll() is None:
                program.kill()


def test_a_failing_start_is_reported_with_the_servers_words(tmp_path: Path) -> None:
    from ag2_otel.start.launch import launch

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(RuntimeError, match="ag2-otel serve did not start"):
        launch(db=blocker / "traces.db", port=0)
