"""Machine checks that a span is valid GenAI semconv: pytest-genai-semconv's compliance
assertion for every span carrying a `gen_ai.*` attribute, and the semantic conventions' JSON
schemas (vendored in tests/semconv_schemas) for every content attribute."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from pytest_genai_semconv import GenAISpanComplianceError, assert_genai_span_compliant

_SCHEMAS = Path(__file__).parent / "semconv_schemas"
SCHEMA_BY_ATTRIBUTE = {
    "gen_ai.input.messages": "gen-ai-input-messages.json",
    "gen_ai.output.messages": "gen-ai-output-messages.json",
    "gen_ai.system_instructions": "gen-ai-system-instructions.json",
    "gen_ai.tool.definitions": "gen-ai-tool-definitions.json",
}


@cache
def _validator(file_name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((_SCHEMAS / file_name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def content_violations(attributes: Mapping[str, Any]) -> list[str]:
    """Schema violations of the content attributes (JSON strings on spans)."""
    found = []
    for key, file_name in SCHEMA_BY_ATTRIBUTE.items():
        if key not in attributes:
            continue
        raw = attributes[key]
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError as exc:
            found.append(f"{key} is not JSON: {exc}")
            continue
        for error in _validator(file_name).iter_errors(value):
            path = "/".join(str(p) for p in error.absolute_path)
            found.append(f"{key} [{path}]: {error.message}")
    return found


def semconv_violations(span: Any) -> list[str]:
    """Everything wrong with one SDK span in GenAI-semconv terms (empty when valid)."""
    attributes = dict(span.attributes or {})
    found: list[str] = []
    if any(key.startswith("gen_ai.") for key in attributes):
        try:
            assert_genai_span_compliant(span)
        except GenAISpanComplianceError as exc:
            found.extend(exc.violations)
    found.extend(content_violations(attributes))
    return [f"{span.name}: {v}" for v in found]
