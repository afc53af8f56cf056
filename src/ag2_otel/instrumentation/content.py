"""What message content may leave the process, and how much of it.

Content is recorded only when the user opted in. When it is, every piece
passes the user's redaction hook and the default secret scrubber, and message
lists are bounded in bytes: the oldest messages go first, then long text is
shortened, and the JSON always stays valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ag2_otel.instrumentation._safety import to_json
from ag2_otel.instrumentation._scopes import Scope
from ag2_otel.instrumentation.messages import to_semconv_messages

Redactor = Callable[[str], str]

# One alternation, so every string is scanned once whatever the number of shapes.
_SECRETS = re.compile(
    "|".join(
        f"(?:{shape})"
        for shape in (
            r"sk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_\-]{16,}",  # OpenAI / Anthropic
            r"AIza[0-9A-Za-z_\-]{35}",  # Google
            r"gsk_[A-Za-z0-9]{20,}",  # Groq
            r"xai-[A-Za-z0-9]{20,}",  # xAI
            r"hf_[A-Za-z0-9]{30,}",  # Hugging Face
            r"gh[pousr]_[A-Za-z0-9]{30,}",  # GitHub
            r"(?:AKIA|ASIA)[0-9A-Z]{16}",  # AWS access key id
            r"(?i:aws_secret_access_key)\s*[=:]\s*[A-Za-z0-9/+=]{40}",
            r"(?i:bearer)\s+[A-Za-z0-9._~+/\-]{16,}=*",
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
            r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)",  # user:password in URLs
        )
    )
)
# Every shape above contains one of these literals (or, in any case, one of the second
# set), and JSON escaping leaves them intact: content without any holds no secret.
# Substring checks cost a small fraction of the regex per character (docs/performance.md).
_SECRET_ANCHORS = (
    "sk-",
    "AIza",
    "gsk_",
    "xai-",
    "hf_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "AKIA",
    "ASIA",
    "PRIVATE KEY",
    "://",
)
_SECRET_ANCHORS_ANY_CASE = ("bearer", "aws_secret")
REDACTED = "[REDACTED]"
TRUNCATION_MARK = "…[truncated]"


def may_hold_secret(text: str) -> bool:
    """False only when no secret shape can occur in `text`, or in any string encoded in it."""
    for anchor in _SECRET_ANCHORS:  # a loop: `any()` over a generator costs more here
        if anchor in text:
            return True
    lowered = text.lower()
    return any(anchor in lowered for anchor in _SECRET_ANCHORS_ANY_CASE)


def scrub_secrets(text: str) -> str:
    """Replace well-known secret shapes with `[REDACTED]`."""
    return _SECRETS.sub(REDACTED, text) if may_hold_secret(text) else text


class ContentPolicy:
    """Applies redaction and the size bound to content that will be exported."""

    def __init__(self, max_bytes: int, redact: Redactor | None = None, *, full_history: bool = False) -> None:
        self.max_bytes = max_bytes
        self.full_history = full_history
        self._redact = redact
        self._instructions: dict[str, str] = {}

    def text(self, value: Any) -> str:
        return shorten(self.encode(value), self.max_bytes)

    def instructions(self, text: str) -> str:
        """System instructions as semconv parts JSON. An agent sends the same ones on every
        turn, so (without a user hook, which sees every call) each distinct text is
        encoded once."""
        if self._redact is not None:
            return self.text([{"type": "text", "content": text}])
        encoded = self._instructions.get(text)
        if encoded is None:
            if len(self._instructions) >= _MAX_REMEMBERED_INSTRUCTIONS:
                self._instructions.clear()
            encoded = self._instructions[text] = self.text([{"type": "text", "content": text}])
        return encoded

    def encode(self, value: Any) -> str:
        """`value` redacted, as JSON (a string stays plain text).

        Encoding first and scrubbing leaf by leaf only when the JSON shows a
        secret's anchor (or a user hook must see every leaf) gives the same
        result as cleaning first, at a fraction of the cost.
        """
        encoded = value if isinstance(value, str) else to_json(value)
        if self._redact is None and not may_hold_secret(encoded):
            return encoded
        cleaned = self.clean(value)
        return cleaned if isinstance(cleaned, str) else to_json(cleaned)

    def messages(self, messages: Sequence[Any], *, omitted_before: int = 0) -> str:
        """JSON of a message list within the byte bound.

        The oldest messages go first; if the newest alone is too large its long
        parts are shortened; a leading note says what was left out.
        """
        if self._redact is None:  # the usual case: one encoding, one anchor scan
            whole = to_json(messages)
            # `- 1`: exactly the bound the per-message path below applies
            if _fits(whole, self.max_bytes - _NOTE_RESERVE - 1) and not may_hold_secret(whole):
                if not omitted_before:
                    return whole
                return "[" + _omitted_note(omitted_before) + ("," + whole[1:] if len(whole) > 2 else "]")
        encoded = [self.encode(m) for m in messages]
        budget = self.max_bytes - _NOTE_RESERVE
        kept: list[str] = []
        size = 2
        for item in reversed(encoded):
            item_size = len(item.encode()) + 1
            if size + item_size > budget:
                break
            kept.append(item)
            size += item_size
        if not kept and messages:
            kept = [to_json(_shrink_message(self.clean(messages[-1]), budget - 2))]
        kept.reverse()
        left_out = len(encoded) - len(kept) + omitted_before
        if not left_out:
            return "[" + ",".join(kept) + "]"
        return "[" + ",".join([_omitted_note(left_out), *kept]) + "]"

    def history(self, scope: Scope | None, key: Any, messages: Sequence[Any]) -> str:
        """An agent's message history (AG2 dicts) as semconv JSON; within a
        conversation, only the part earlier spans for `key` did not record."""
        if self.full_history or scope is None:
            return self.messages(to_semconv_messages(messages))
        skipped, tail = unrecorded_tail(scope.recorded_history, key, messages)
        return self.messages(to_semconv_messages(tail), omitted_before=skipped)

    def clean(self, value: Any) -> Any:
        """A copy of `value` with every string leaf redacted (inputs are never mutated)."""
        if isinstance(value, str):
            if self._redact is not None:
                value = self._redact(value)
            return scrub_secrets(value)
        if isinstance(value, dict):
            return {k: self.clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.clean(v) for v in value]
        return value


_NOTE_RESERVE = 96  # room for the "[N earlier messages not included]" note
_MAX_REMEMBERED_INSTRUCTIONS = 256


def _omitted_note(count: int) -> str:
    return to_json(
        {"role": "system", "parts": [{"type": "text", "content": f"[{count} earlier messages not included]"}]}
    )


def _fits(text: str, max_bytes: int) -> bool:
    """Whether `text` is at most `max_bytes` in UTF-8 (encoded only when it might not be)."""
    return len(text) * 4 <= max_bytes or len(text.encode()) <= max_bytes


def shorten(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` UTF-8 bytes, ending with a visible mark."""
    if _fits(text, max_bytes):
        return text
    data = text.encode()
    keep = max(0, max_bytes - len(TRUNCATION_MARK.encode()))
    return data[:keep].decode(errors="ignore") + TRUNCATION_MARK


_LONG_FIELDS = ("content", "response", "arguments")


def _shrink_message(message: Any, budget: int) -> Any:
    """Shorten the text fields of one semconv message so its JSON fits `budget` bytes."""
    placeholder = {"role": "system", "parts": [{"type": "text", "content": TRUNCATION_MARK}]}
    if not isinstance(message, dict):
        return placeholder
    parts = [dict(p) for p in message.get("parts", []) if isinstance(p, dict)]
    fields = [
        (i, key) for i, part in enumerate(parts) for key in _LONG_FIELDS if isinstance(part.get(key), str)
    ]
    emptied = [dict(part) for part in parts]
    for i, key in fields:
        emptied[i][key] = ""
    overhead = len(to_json({**message, "parts": emptied}).encode())
    allowance = (budget - overhead) // max(1, len(fields)) - 8
    for i, key in fields:
        parts[i][key] = shorten(parts[i][key], allowance)
    shrunk = {**message, "parts": parts}
    return shrunk if len(to_json(shrunk).encode()) <= budget else placeholder


# --- history recorded once per conversation ------------------------------------


def unrecorded_tail(
    recorded: dict[Any, tuple[int, Any]], key: Any, messages: Sequence[Any]
) -> tuple[int, Sequence[Any]]:
    """(how many leading messages were already recorded for `key`, the rest).

    An agent's LLM input is its whole history every time; recording it whole on
    every span makes content grow quadratically with the conversation. Within
    one conversation, each span records only what earlier spans for the same
    key did not, as long as the history still starts the same way.
    """
    if not messages:
        return 0, messages
    previous = recorded.get(key)
    recorded[key] = (len(messages), _snapshot(messages[-1]))
    if previous is None:
        return 0, messages
    count, last = previous
    if 0 < count <= len(messages) and _same(messages[count - 1], last):
        return count, messages[count:]
    return 0, messages


def _same(message: Any, snapshot: Any) -> bool:
    try:
        return bool(message == snapshot)
    except Exception:  # values whose `==` raises or is ambiguous (arrays): treat as changed
        return False


def _snapshot(message: Any) -> Any:
    """A copy of the top level of an AG2 message dict, so a message rewritten in place
    after it was recorded no longer compares equal."""
    return dict(message) if isinstance(message, dict) else message
