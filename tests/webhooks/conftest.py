"""A customer's webhook receiver, for real: a local HTTP server in a thread of the test process
(as tests/e2e's HostSite), answering what each test tells it to and keeping every request; and
emitting to it from workspace A with every attempt run at once."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tenants.utils import schema_context

from webhooks.models import Delivery, Endpoint, EventType
from webhooks.services import webhook_emit

PAYLOAD = {"lead": {"id": 7, "email": "ada@example.com"}}


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # What the next requests get, in order; then 200 "ok".
    answers: list[tuple[int, bytes, dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # While set, an answer waits for `released` (set when the test ends): a receiver that
    # keeps the sender waiting past its timeout.
    holding: bool = False
    released: threading.Event = field(default_factory=threading.Event)

    def answer(self, status: int, body: bytes = b"", headers: dict | None = None, times=1):
        self.answers.extend([(status, body, headers or {})] * times)

    def next_answer(self) -> tuple[int, bytes, dict]:
        return self.answers.pop(0) if self.answers else (200, b"ok", {})


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        receiver = self.server.receiver
        # Recorded before answering: the sender, waiting for the answer, finds it there.
        with receiver.lock:
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            status, payload, headers = receiver.next_answer()
        if receiver.holding:
            receiver.released.wait()
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender stopped waiting: its timeout is what the test is about

    def log_message(self, format, *args):
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.receiver.released.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def loopback_allowed(settings):
    """The receiver is on 127.0.0.1, which production refuses (SSRF): development and tests
    allow loopback, and only loopback."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def in_a(workspace_a):
    return lambda: schema_context(workspace_a.schema_name)


@pytest.fixture
def endpoint(workspace_a, receiver, loopback_allowed) -> Endpoint:
    """An endpoint of workspace A on the receiver, subscribed to every event."""
    with schema_context(workspace_a.schema_name):
        return Endpoint.objects.create(url=receiver.url, events=list(EventType.values))


@pytest.fixture
def emit(workspace_a, django_capture_on_commit_callbacks):
    """Emit an event in workspace A and let every attempt it leads to run (eagerly, the
    retries' countdowns included); returns the event."""

    def run(event_type="lead.created", payload=PAYLOAD):
        with (
            schema_context(workspace_a.schema_name),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return webhook_emit(event_type=event_type, payload=payload)

    return run


@pytest.fixture
def attempts(workspace_a, endpoint):
    """The endpoint's attempts as stored, oldest first."""

    def read() -> list[Delivery]:
        with schema_context(workspace_a.schema_name):
            return list(Delivery.objects.filter(endpoint=endpoint).order_by("pk"))

    return read
