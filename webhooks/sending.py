"""Sending one message to one endpoint: the JSON body, its Standard Webhooks signature
(`standardwebhooks`), and the HTTP POST (`requests`). The only module that talks to customers'
servers.

The POST follows no redirect (a 3xx is a failure: a redirect could lead to a private address),
ignores proxy variables of the environment, reads at most RESPONSE_EXCERPT_MAX bytes of the
answer, and refuses any socket connected to an address webhooks may not reach (addresses.py).
A failed answer's `Retry-After` is read here; what it changes is decided in deliveries.py."""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.http import parse_http_date
from requests.adapters import HTTPAdapter
from standardwebhooks.webhooks import Webhook
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError

from webhooks.addresses import AddressRefused, address_allowed, url_check
from webhooks.models import RESPONSE_EXCERPT_MAX, Event

USER_AGENT = "Parley-Webhooks/1.0"

# The longest wait a receiver may ask for with Retry-After: a day, about the span of the whole
# schedule; a "come back next month" would otherwise park the message (and its task) that long.
RETRY_AFTER_MAX = timedelta(hours=24)
# More digits than this is more seconds than RETRY_AFTER_MAX: not worth converting (Python
# refuses to convert a few thousand digits at all).
_RETRY_AFTER_DIGITS_MAX = 9


@dataclass(frozen=True)
class SendResult:
    succeeded: bool
    response_code: int | None
    duration_ms: int
    excerpt: str
    error: str
    # What a failed answer's Retry-After asked to wait, at most RETRY_AFTER_MAX.
    retry_after: timedelta | None = None


def retry_after_read(value: str | None, *, now: datetime) -> timedelta | None:
    """The wait a `Retry-After` value asks for (RFC 9110, section 10.2.3: a number of seconds,
    or an HTTP date in any of its three forms), between zero and RETRY_AFTER_MAX; None when
    there is none, or it is not one of those."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        if len(value) > _RETRY_AFTER_DIGITS_MAX:
            return RETRY_AFTER_MAX
        return min(timedelta(seconds=int(value)), RETRY_AFTER_MAX)
    try:
        at = datetime.fromtimestamp(parse_http_date(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return min(max(at - now, timedelta(0)), RETRY_AFTER_MAX)


def message_body(event: Event) -> str:
    """The body of every attempt of `event`, in Standard Webhooks' recommended shape."""
    message = {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.payload}
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def signature_header(secrets: list[str], *, message_id: str, timestamp: datetime, body: str) -> str:
    """`webhook-signature`: one `v1,<base64>` per secret, space-separated, as Standard Webhooks
    allows, so that during a rotation a receiver holding either secret verifies the message."""
    return " ".join(
        Webhook(secret).sign(msg_id=message_id, timestamp=timestamp, data=body)
        for secret in secrets
    )


# --- The guarded connection ------------------------------------------------------------------


class _PeerChecked:
    """Checks the address the socket actually connected to, after the name was resolved by the
    connection itself: what was checked is what is used, whatever DNS says in between."""

    def _new_conn(self):
        sock = super()._new_conn()
        address = sock.getpeername()[0]
        if not address_allowed(address):
            sock.close()
            raise AddressRefused(
                f"{self.host} now points to a private, loopback or reserved address ({address})."
            )
        return sock


class _CheckedHTTPConnection(_PeerChecked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_PeerChecked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def _session() -> requests.Session:
    session = requests.Session()
    # No HTTP(S)_PROXY from the environment: through a proxy the socket's peer is the proxy,
    # and the check above would see nothing of the real destination.
    session.trust_env = False
    adapter = _CheckedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _excerpt(response: requests.Response) -> str:
    """The beginning of the answer's body; an answer cut short still has its status code."""
    try:
        raw = response.raw.read(RESPONSE_EXCERPT_MAX, decode_content=True) or b""
    except (HTTPError, OSError):
        return ""
    return raw.decode("utf-8", errors="replace")[:RESPONSE_EXCERPT_MAX]


def _error_words(error: Exception) -> str:
    if isinstance(error, requests.Timeout):
        return f"No answer within {settings.WEBHOOKS_TIMEOUT_SECONDS:g} s."
    if isinstance(error, requests.ConnectionError):
        return f"Could not connect: {error}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


def message_send(*, url: str, event: Event, secrets: list[str], now: datetime) -> SendResult:
    """POST `event` to `url`, signed with each of `secrets` at `now`; any 2xx is a success."""
    body = message_body(event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature_header(
            secrets, message_id=event.message_id, timestamp=now, body=body
        ),
    }
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        url_check(url)
        with _session() as session:
            response = session.post(
                url,
                data=body.encode(),
                headers=headers,
                timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
                allow_redirects=False,
                stream=True,
            )
            try:
                excerpt = _excerpt(response)
            finally:
                response.close()
    except AddressRefused as refused:
        return SendResult(False, None, elapsed(), "", refused.message)
    except (requests.RequestException, OSError) as error:
        return SendResult(False, None, elapsed(), "", _error_words(error))
    succeeded = 200 <= response.status_code < 300
    if succeeded:
        return SendResult(True, response.status_code, elapsed(), excerpt, "")
    error = f"HTTP {response.status_code}: only a 2xx answer is a success."
    retry_after = retry_after_read(response.headers.get("Retry-After"), now=timezone.now())
    if retry_after is not None:
        error += f" Retry-After: {retry_after.total_seconds():g} s."
    return SendResult(False, response.status_code, elapsed(), excerpt, error, retry_after)
