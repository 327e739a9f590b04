"""/healthz answers load balancers: 200 when the database and the broker answer, 503 naming the
part that does not (never a 500), and nothing about workspaces either way."""

import socket
import time

import pytest
from django.db import OperationalError

from config import health
from config.celery import app as celery_app
from tests.conftest import WORKSPACE_A, WORKSPACE_B

pytestmark = pytest.mark.django_db


def _closed_port_url() -> str:
    # A port the system just handed out and we released: nothing listens there.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def unreachable_broker(settings):
    url = _closed_port_url()
    settings.REDIS_URL = url
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    yield
    celery_app.conf.broker_url = previous


class _BrokenConnection:
    def cursor(self):
        raise OperationalError("connection to server failed")


def _assert_reveals_no_workspace(response):
    body = response.content.decode().lower()
    for name in (WORKSPACE_A, WORKSPACE_B, "alpha", "bravo", "ws_"):
        assert name not in body


def test_healthz_is_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")
    _assert_reveals_no_workspace(response)


def test_healthz_names_the_broker_when_it_does_not_answer(client, unreachable_broker):
    started = time.perf_counter()
    response = client.get("/healthz")
    elapsed = time.perf_counter() - started

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "ok", "broker": "error"},
    }
    # One attempt, no retries with back-off: a load balancer gets its answer in time.
    assert elapsed < health.BROKER_TIMEOUT_SECONDS + 1
    assert "127.0.0.1" not in response.content.decode()
    _assert_reveals_no_workspace(response)


def test_healthz_names_the_database_when_it_fails(client, monkeypatch):
    monkeypatch.setattr(health, "connection", _BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"]["database"] == "error"
    assert response["Content-Type"] == "application/json"
    assert "server failed" not in response.content.decode()
    _assert_reveals_no_workspace(response)
