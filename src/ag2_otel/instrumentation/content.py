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

Redactor = Callable[[str], str]

_SECRET_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"sk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_\-]{16,}",  # OpenAI / Anthropic
        r"AIza[0-9A-Za-z_\-]{35}",  # Google
        r"gsk_[A-Za-z0-9]{20,}",  # Groq
        r"xai-[A-Za-z0-9]{20,}",  # xAI
        r"hf_[A-Za-z0-9]{30,}",  # Hugging Face
        r"gh[pousr]_[A-Za-z0-9]{30,}",  # GitHub
        r"(?:AKIA|ASIA)[0-9A-Z]{16}",  # AWS access key id
        r"(?i)aws_secret_access_key\s*[=:]\s*[A-Za-z0-9/+=]{40}",
        r"(?i)bearer\s+[A-Za-z0-9._~+/\-]{16,}=*",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
        r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)",  # user:password in URLs
    )
)
REDACTED = "[REDACTED]"
TRUNCATION_MARK = "…[truncated]"


def scrub_secrets(text: str) -> str:
    """Replace well-known secret shapes with `[REDACTED]`."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


class ContentPolicy:
    """Applies redaction and the size bound to content that will be exported."""

    def __init__(self, max_bytes: int, redact: Redactor | None = None) -> None:
        self.max_bytes = max_bytes
        self._redact = redact

    def text(self, value: Any) -> str:
        cleaned = self.clean(value)
        text = cleaned if isinstance(cleaned, str) else to_json(cleaned)
        return self._shorten(text, self.max_bytes)

    def messages(self, messages: Sequence[Any]) -> str:
        """JSON of a message list within the byte bound: oldest dropped first."""
        encoded = [to_json(self.clean(m)) for m in messages]
        kept: list[str] = []
        size = 2
        for item in reversed(encoded):
            if size + len(item.encode()) + 1 > self.max_bytes and kept:
                break
            kept.append(item)
            size += len(item.encode()) + 1
        kept.reverse()
        if len(kept) == 1 and size > self.max_bytes:
            return to_json([{"role": "system", "parts": [{"type": "text", "content": TRUNCATION_MARK}]}])
        dropped = len(encoded) - len(kept)
        if dropped:
            note = {
                "role": "system",
                "parts": [{"type": "text", "content": f"[{dropped} older messages truncated]"}],
            }
            return "[" + ",".join([to_json(note), *kept]) + "]"
        return "[" + ",".join(kept) + "]"

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

    @staticmethod
    def _shorten(text: str, max_bytes: int) -> str:
        data = text.encode()
        if len(data) <= max_bytes:
            return text
        return data[: max_bytes - len(TRUNCATION_MARK.encode())].decode(errors="ignore") + TRUNCATION_MARK
