"""`ag2_otel.__all__` is served lazily by the `_LAZY` table: the two, and the names type
checkers see, must agree, and every public name must import (without AG2 or any extra
imported on the way: a core install has neither, see tests/test_extras.py)."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
import textwrap

import ag2_otel


def test_all_names_the_lazy_table_and_the_version() -> None:
    assert sorted(ag2_otel.__all__) == sorted([*ag2_otel._LAZY, "__version__"])


def test_type_checkers_see_each_name_where_the_lazy_table_loads_it() -> None:
    tree = ast.parse(inspect.getsource(ag2_otel))
    (guarded,) = (
        node for node in tree.body if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
    )
    typed = {
        alias.asname or alias.name: node.module
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == ag2_otel._LAZY


def test_every_public_name_imports_without_ag2_or_the_server() -> None:
    script = textwrap.dedent("""
        import json, sys
        from ag2_otel import *
        import ag2_otel
        names = {n: getattr(ag2_otel, n).__module__ for n in ag2_otel.__all__ if n != "__version__"}
        heavy = sorted(m for m in sys.modules if m.startswith(("autogen", "ag2_otel.server")))
        print(json.dumps({"names": names, "heavy": heavy}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(done.stdout)
    assert result["names"] == ag2_otel._LAZY
    assert result["heavy"] == []
