"""Is an `ag2-otel serve` answering at an address? Asked quickly, and only of our own server.

A bare port check would mistake any program on 4318 (a Collector, Jaeger, another app) for
ours; `/api/about` names the service, so only a real ag2-otel backend counts.
"""

from __future__ import annotations

import http.client
import json
import os
from urllib.parse import urlsplit

LOCAL_ENDPOINT = "http://127.0.0.1:4318"
LOCAL_ENDPOINT_ENV = "AG2_OTEL_LOCAL_ENDPOINT"
ABOUT_PATH = "/api/about"
SERVICE_NAME = "ag2-otel"
PROBE_TIMEOUT_S = 1.0
"""Only a listener that accepts and then stays silent costs this (a closed port answers at once);
long enough for a local server on a busy machine."""


def local_endpoint() -> str:
    """Where `setup()` and `launch()` look for a running local server (`$AG2_OTEL_LOCAL_ENDPOINT`)."""
    return os.environ.get(LOCAL_ENDPOINT_ENV, "").strip().rstrip("/") or LOCAL_ENDPOINT


def is_ag2_otel_server(endpoint: str, *, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """True when `endpoint` (http://host:port) is an `ag2-otel serve` that answers in time."""
    parts = urlsplit(endpoint)
    if parts.scheme != "http" or not parts.hostname:
        return False
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout_s)
    try:
        connection.request("GET", ABOUT_PATH, headers={"Accept": "application/json"})
        response = connection.getresponse()
        if response.status != 200:
            return False
        about = json.loads(response.read(4096))
    except (OSError, ValueError, http.client.HTTPException):
        return False
    finally:
        connection.close()
    return isinstance(about, dict) and about.get("service") == SERVICE_NAME
