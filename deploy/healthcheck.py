"""Container health check for `ag2-otel serve` (stdlib only; exit 0 = healthy).

With a token in AG2_OTEL_TOKEN, healthy means the API answered 200 (the store
is readable). Without one (the token came as `--token`), any HTTP answer below
500 shows the server is up, since a 401 is all it can get.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

URL_ENV = "AG2_OTEL_HEALTH_URL"
DEFAULT_URL = "http://127.0.0.1:4318/api/services"


def check(url: str, token: str | None, timeout_s: float = 4.0) -> tuple[bool, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status == 200, f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return (not token and exc.code < 500), f"HTTP {exc.code}"
    except OSError as exc:
        return False, f"unreachable: {exc}"


def main() -> int:
    healthy, detail = check(os.environ.get(URL_ENV, DEFAULT_URL), os.environ.get("AG2_OTEL_TOKEN") or None)
    print(("healthy: " if healthy else "unhealthy: ") + detail)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
