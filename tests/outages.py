"""Brokers and caches that fail, for the tests of what Parley does then: a port where nothing
listens (refused at once), and a server that accepts connections but never answers (a lost
host, a dead proxy), which only a timeout ends."""

import socket

import pytest

from config.celery import app as celery_app


def closed_port_url() -> str:
    # A port the system just handed out and we released: nothing listens there.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def silent_server_url():
    """The URL of a server that completes connections (the kernel does, from its backlog) and
    never reads nor answers a byte."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def _celery_connections_reset() -> None:
    # The app keeps its broker connections in pools made for the URL of the time: its own, and
    # the producers' (which an earlier test that queued for real may have made).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_at():
    """`broker_at(url)`: tasks queued for real (not in-process) to the broker at `url`."""
    previous = celery_app.conf.broker_url, celery_app.conf.task_always_eager

    def point(url):
        celery_app.conf.broker_url = url
        celery_app.conf.task_always_eager = False
        _celery_connections_reset()

    yield point
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
    _celery_connections_reset()
