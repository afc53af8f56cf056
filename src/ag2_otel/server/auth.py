"""Bearer tokens and the viewer's session cookie, shared by the HTTP and gRPC receivers.

The browser never keeps the token itself: cookies are not port-scoped, so a cookie
set by this server is also sent to every other web server on the same host. It keeps
an HMAC of the token under a secret drawn at start instead, which only this process
accepts and which says nothing about the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE_PREFIX = "ag2_otel_session_"


def bearer_token(authorization: str) -> str:
    """The credentials of an `Authorization: Bearer X` value ('' for any other scheme)."""
    scheme, _, credentials = authorization.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def token_matches(candidate: str, token: str) -> bool:
    """Constant-time comparison; an empty candidate or token never matches."""
    return bool(candidate) and bool(token) and hmac.compare_digest(candidate.encode(), token.encode())


class SessionCookie:
    """The cookie that stands in for the token in a browser.

    Named per server port so two servers on one host keep separate sessions;
    its value is void once the server restarts (a new secret).
    """

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("token must not be empty")
        self.value = hmac.new(secrets.token_bytes(32), token.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def name(port: int) -> str:
        return f"{SESSION_COOKIE_PREFIX}{port}"

    def set_cookie(self, port: int) -> str:
        """The `Set-Cookie` header value: HttpOnly (no script reads it), SameSite=Strict (no
        cross-site request carries it), Path=/ (the pages and the API)."""
        return f"{self.name(port)}={self.value}; HttpOnly; SameSite=Strict; Path=/"

    def matches(self, candidate: str) -> bool:
        return token_matches(candidate, self.value)
