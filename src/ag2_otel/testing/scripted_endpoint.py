"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1.

Lets tests and the offline demo drive real AG2 and the real `openai` client over
real HTTP without a model or a network. It is a stand-in for a model, not a
mock of the client: requests go through `openai`'s transport, retries and
parsing exactly as they would against a hosted API.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

RESPONSE_MODEL_SUFFIX = "-2024-07-18"


@dataclass(frozen=True)
class ToolCall:
    """One function call the scripted model asks for."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    id: str = ""


@dataclass(frozen=True)
class Reply:
    """What the scripted model answers to one request."""

    content: str | None = None
    tool_calls: Sequence[ToolCall] = ()
    status: int = 200
    error_message: str = "scripted failure"
    delay_s: float = 0.0


Responder = Callable[[Mapping[str, Any]], Reply]


def count_tokens(value: Any) -> int:
    """A deterministic stand-in tokenizer: whitespace-separated words, at least 1."""
    if isinstance(value, str):
        return max(1, len(value.split()))
    if isinstance(value, Mapping):
        return sum(count_tokens(v) for v in value.values())
    if isinstance(value, Iterable):
        return sum(count_tokens(v) for v in value)
    return 1


class ScriptedOpenAIServer:
    """Serve `POST /v1/chat/completions` from a script, in a background thread.

    `script` is either a callable (request body -> Reply) or a sequence of
    replies answered in order (the last one repeats). Every request body is
    kept in `requests` so tests can assert on what AG2 actually sent.
    """

    def __init__(self, script: Responder | Sequence[Reply | str], *, host: str = "127.0.0.1") -> None:
        self._responder = script if callable(script) else _sequence_responder(script)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._counter = 0
        self._server = ThreadingHTTPServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> ScriptedOpenAIServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="scripted-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ScriptedOpenAIServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(body)
            self._counter += 1
            number = self._counter
        reply = self._responder(body)
        if reply.delay_s:
            time.sleep(reply.delay_s)
        if reply.status != 200:
            return reply.status, {"error": {"message": reply.error_message, "type": "scripted_error"}}
        return 200, _completion(body, reply, number)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"unknown path {self.path}"}})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError as exc:
                    self._send(400, {"error": {"message": f"invalid JSON: {exc}"}})
                    return
                self._send(*server._answer(body))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Silence per-request logging."""

        return Handler


def _sequence_responder(replies: Sequence[Reply | str]) -> Responder:
    items = [Reply(content=r) if isinstance(r, str) else r for r in replies]
    if not items:
        raise ValueError("a scripted reply sequence needs at least one reply")
    position = {"next": 0}
    lock = threading.Lock()

    def respond(_: Mapping[str, Any]) -> Reply:
        with lock:
            index = min(position["next"], len(items) - 1)
            position["next"] += 1
        return items[index]

    return respond


def _completion(body: Mapping[str, Any], reply: Reply, number: int) -> dict[str, Any]:
    model = str(body.get("model") or "scripted-model")
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id or f"call_{number}_{index}",
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(dict(call.arguments))},
            }
            for index, call in enumerate(reply.tool_calls)
        ]
    prompt_tokens = count_tokens(body.get("messages", []))
    completion_tokens = count_tokens(reply.content or "") + sum(
        count_tokens(dict(c.arguments)) for c in reply.tool_calls
    )
    return {
        "id": f"chatcmpl-scripted-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model + RESPONSE_MODEL_SUFFIX,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "system_fingerprint": "scripted",
    }
