"""The README's quick start, run as written (against the scripted model): it must keep working."""

from __future__ import annotations

import re
from pathlib import Path

from ag2_otel.testing import ScriptedOpenAIServer

from .conftest import closed_port_url, run_program

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_quick_start_runs(tmp_path: Path, scripted: ScriptedOpenAIServer) -> None:
    section = README.read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    url = closed_port_url()
    completed = run_program(
        tmp_path,
        code,
        scripted,
        env={
            "AG2_OTEL_LOCAL_ENDPOINT": url,
            "AG2_OTEL_DB": str(tmp_path / "traces.db"),
            "OPENAI_BASE_URL": scripted.base_url,
            "OPENAI_API_KEY": "scripted",
        },
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    # show() outside Jupyter prints the conversation's tree
    assert re.search(r"^conversation user_proxy -> assistant  [\d.]+ ms", completed.stdout, re.MULTILINE)
    assert re.search(
        r"^        └── chat gpt-4o-mini|^    └── chat gpt-4o-mini", completed.stdout, re.MULTILINE
    )
