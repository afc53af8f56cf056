"""Every attribute and event name the instrumentation emits is spelled once, in `_semconv.py`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import ag2_otel.instrumentation

_NAME = re.compile(r"(gen_ai|ag2|http|exception|server|error|url|process|a2a)\.[a-z_.]+")
# `_metrics.py` names the metric instruments, each once (instrument names, not attributes).
_HOMES = {"_semconv.py", "_metrics.py"}


def test_no_module_spells_an_attribute_name_outside_semconv() -> None:
    folder = Path(ag2_otel.instrumentation.__file__).parent
    spelled = [
        f"{path.name}:{node.lineno}: {node.value}"
        for path in sorted(folder.glob("*.py"))
        if path.name not in _HOMES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _NAME.fullmatch(node.value)
    ]
    assert spelled == []
