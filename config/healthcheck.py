"""The container's health check (Dockerfile HEALTHCHECK, compose.yaml): GET /healthz on the
local gunicorn, exit 0 on a 200. Run as a file (`python /app/config/healthcheck.py`), so it
imports neither Django nor the Celery app: it must answer within the check's timeout.

Django answers only to the host names of DJANGO_ALLOWED_HOSTS (any other gets a 404 from the
routing middleware), so the request names the first of them; and it says it came over HTTPS, as
the TLS proxy in front would, so that no redirect answers instead.
"""

import http.client
import os
import sys

PORT = 8000  # the Dockerfile's gunicorn
TIMEOUT_SECONDS = 4


def main() -> int:
    allowed = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip()
    # ".parley.app" allows parley.app and its subdomains; "*" allows any host.
    host = allowed.lstrip(".") if allowed not in ("", "*") else "localhost"
    try:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=TIMEOUT_SECONDS)
        conn.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
        status = conn.getresponse().status
        conn.close()
    except (OSError, http.client.HTTPException) as error:
        print(f"healthz: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthz: HTTP {status}", file=sys.stderr)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
