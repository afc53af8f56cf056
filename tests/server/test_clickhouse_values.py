"""The one rule that types the exporter's string attribute values, against what the
exporter writes for each OTLP type (`AsString()`, as `as_string` reproduces it)."""

from __future__ import annotations

import json

import pytest

from ag2_otel.server.clickhouse.values import as_string, typed

MESSAGES = json.dumps([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}])


@pytest.mark.parametrize(
    "value",
    [0, 42, -7, 2**62, 0.5, 0.001, 1e-05, -2.25, True, False, ["stop"], [1, 2], ["a", 1.5, True], [],
     "gpt-4o-mini", "", "planner", MESSAGES, "[not json", "true story", "0x10", "1.2.3"],
)  # fmt: skip
def test_exporter_strings_type_back_to_their_value(value: object) -> None:
    assert typed(as_string(value)) == value
    assert type(typed(as_string(value))) is type(value)


def test_what_the_rule_cannot_know() -> None:
    # The type is gone: a string that reads as a number or bool comes back as one, and a
    # double with no fraction as an int (equal in JSON and in arithmetic).
    assert typed("42") == 42
    assert typed("false") is False
    assert typed(as_string(3.0)) == 3 and isinstance(typed(as_string(3.0)), int)
    assert typed("007") == "007"  # not a number the exporter writes
    assert typed(as_string(1e20)) == 1e20  # beyond int64: only a double prints like this
    assert typed('{"a": 1}') == '{"a": 1}'  # a map attribute stays its JSON text


def test_as_string_is_go_asstring() -> None:
    assert as_string(1e-05) == "0.00001"  # strconv.FormatFloat(v, 'f', -1, 64): no exponent
    assert as_string(3.0) == "3"
    assert as_string(True) == "true"
    assert as_string(["stop"]) == '["stop"]'
