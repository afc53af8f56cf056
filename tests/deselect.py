"""Leaving out parametrised variants of tests, from a conftest's collection hook."""

from __future__ import annotations

from typing import Any


def deselect_over_chdb(config: object, items: list[Any], fixture: str, names: set[str]) -> None:
    """Leave out the chDB variants (fixture parameter "chdb") of the tests in `names`; the
    conftest that calls this says why each cannot run over chDB."""
    chosen, dropped = [], []
    for item in items:
        spec = getattr(item, "callspec", None)
        name = getattr(item, "originalname", item.name)
        if spec is not None and spec.params.get(fixture) == "chdb" and name in names:
            dropped.append(item)
        else:
            chosen.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)  # type: ignore[attr-defined]
        items[:] = chosen
