"""Grafana's interpolation of provisioning values, so tests read the datasources the way
Grafana 12.0.2 does (pkg/services/provisioning/values/values.go, interpolateValue): split
on "$$" (a literal "$"), run Go's os.ExpandEnv on each part, join with "$". A bare
`$__tags` in a provisioned query is therefore an (empty) environment variable."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_SPECIAL = "*#$@!?-0123456789"  # Go os.isShellSpecialVar
_NAME = re.compile(r"[A-Za-z0-9_]*")


def _shell_name(s: str) -> tuple[str, int]:
    """Go os.getShellName: the variable name after a "$" and how many characters it spans."""
    if s[0] == "{":
        if len(s) > 2 and s[1] in _SPECIAL and s[2] == "}":
            return s[1], 3
        end = s.find("}", 1)
        if end == -1:
            return "", 1  # bad syntax: eat "${"
        return s[1:end], end + 1  # "${}" gives ("", 2): bad syntax, eaten
    if s[0] in _SPECIAL:
        return s[0], 1
    name = _NAME.match(s)
    assert name is not None
    return name.group(), name.end()


def expand_env(value: str, env: Mapping[str, str]) -> str:
    """Go os.ExpandEnv(value) with `env` as the environment (unset variables are "")."""
    out, start, j = [], 0, 0
    while j < len(value):
        if value[j] == "$" and j + 1 < len(value):
            out.append(value[start:j])
            name, width = _shell_name(value[j + 1 :])
            if name:
                out.append(env.get(name, ""))
            elif width == 0:
                out.append("$")  # "$" not followed by a name stays
            j += width
            start = j + 1
        j += 1
    out.append(value[start:])
    return "".join(out)


def interpolate(value: str, env: Mapping[str, str]) -> str:
    return "$".join(expand_env(part, env) for part in value.split("$$"))


def provisioned(node: Any, env: Mapping[str, str]) -> Any:
    """Every string in a provisioning file, as Grafana sees it after interpolation."""
    if isinstance(node, dict):
        return {key: provisioned(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [provisioned(value, env) for value in node]
    return interpolate(node, env) if isinstance(node, str) else node
