"""ASGI middleware: bearer-token auth, loopback Host check, security headers.

Pure ASGI (not BaseHTTPMiddleware) so request bodies stream through untouched.
"""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ag2_otel.server.auth import SessionCookie, bearer_token, token_matches
from ag2_otel.server.config import is_loopback

# The one policy for every HTML response (viewer pages and the fallback page):
# no inline script or style at all; the viewer sets styles through the CSSOM only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class TokenAuth:
    """Every request needs `Authorization: Bearer TOKEN`.

    A browser may pass `?token=` once on a GET; it then gets a session cookie
    (see `ag2_otel.server.auth`) so the viewer's own links and API calls keep working.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("token must not be empty")
        self.app = app
        self._token = token
        self._session = SessionCookie(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        port = _port(scope, headers.get("host", ""))
        bearer = bearer_token(headers.get("authorization", ""))
        session = _cookie(headers, SessionCookie.name(port))
        if token_matches(bearer, self._token) or self._session.matches(session):
            await self.app(scope, receive, send)
            return
        query_token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        if scope["method"] == "GET" and token_matches(query_token, self._token):
            await self.app(scope, receive, _with_cookie(send, self._session.set_cookie(port)))
            return
        await _reject(send, 401, "missing or invalid bearer token", {"www-authenticate": "Bearer"})


class LoopbackHostGuard:
    """Without a token, answer only requests addressed to a loopback name.

    Stops DNS-rebinding pages in a browser from reading local traces.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not is_loopback(_hostname(_headers(scope).get("host", ""))):
            await _reject(send, 403, "requests must address a loopback host", {})
            return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Content-Security-Policy on HTML; nosniff and no-referrer everywhere (unless a route set its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = dict(headers).get(b"content-type", b"")
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                if content_type.startswith(b"text/html"):
                    extra.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                headers.extend((name, value) for name, value in extra if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _port(scope: Scope, host: str) -> int:
    """The port the browser addressed (else the one the request arrived on): the cookie's name,
    so two servers on one host, say one published by Docker on another port, do not clash."""
    tail = host.rsplit("]", 1)[-1] if host.startswith("[") else host
    _, colon, port = tail.rpartition(":")
    if colon and port.isdigit() and tail.count(":") == 1:
        return int(port)
    server = scope.get("server")
    return int(server[1]) if server and server[1] is not None else 0


def _cookie(headers: dict[str, str], name: str) -> str:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel else ""


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _with_cookie(send: Send, cookie: str) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
        await send(message)

    return wrapped


async def _reject(send: Send, status: int, reason: str, extra: dict[str, str]) -> None:
    body = json.dumps({"error": reason}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers.extend((k.encode(), v.encode()) for k, v in extra.items())
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
