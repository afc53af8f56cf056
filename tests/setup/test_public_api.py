"""The one-call API is public and importing the package stays cheap."""

from __future__ import annotations

import subprocess
import sys

import ag2_otel


def test_setup_launch_and_show_are_public() -> None:
    assert {"setup", "launch", "show"} <= set(ag2_otel.__all__)
    assert callable(ag2_otel.setup) and callable(ag2_otel.launch) and callable(ag2_otel.show)


def test_importing_the_package_imports_neither_ag2_nor_the_sdk() -> None:
    heavy = ("autogen", "opentelemetry.sdk", "starlette")
    probe = f"import sys, ag2_otel; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
