"""The one rule that turns the exporter's string attribute values back into typed ones.

The exporter stores every attribute as `pcommon.Value.AsString()`: ints in decimal,
doubles in Go's shortest form, bools as true/false, arrays and maps as JSON, bytes as
base64. The original type is gone, so a string that reads as a number comes back as one.
Arrays come back as arrays only when they hold scalars: a JSON document an instrumentation
wrote as a string attribute (prompts and replies are JSON arrays of message objects)
stays a string, as it was sent.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def typed(value: str) -> Any:
    """`"42"` → 42, `"0.5"` → 0.5, `"true"` → True, `'["stop"]'` → ["stop"], else the string."""
    if value in ("true", "false"):
        return value == "true"
    if _INT.fullmatch(value):
        number = int(value)
        # OTLP ints are int64: a longer integer is a double the exporter wrote without a point
        return number if -(2**63) <= number < 2**63 else float(number)
    if _FLOAT.fullmatch(value):
        parsed = float(value)
        return parsed if math.isfinite(parsed) else value
    if value.startswith("[") and value.endswith("]"):
        try:
            items = json.loads(value)
        except ValueError:
            return value
        if isinstance(items, list) and all(not isinstance(item, (list, dict)) for item in items):
            return items
    return value


def typed_map(attributes: dict[str, str]) -> dict[str, Any]:
    return {key: typed(value) for key, value in attributes.items()}


def as_string(value: Any) -> str:
    """The exporter's side (`AsString()`), for writing test and benchmark data."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):  # Go strconv.FormatFloat(v, 'f', -1, 64): no exponent
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
