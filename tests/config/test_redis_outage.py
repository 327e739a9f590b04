"""Redis down (the cache and the Celery broker) loses no visitor's words: rate limits and every
other cache use fail open, a task that cannot be queued is logged and left to its beat sweep, and
no request hangs or answers 500. Proven against a real redis-server that the test stops and
starts again, with the cache and the broker pointed at it."""

import base64
import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context

from config.cache import redis_cache
from config.celery import app as celery_app
from leads.models import Conversation, ConversationStatus, Lead, LeadEvent, Message, MessageRole
from leads.tasks import lead_qualify_task, lead_rescore_task
from tenants.models import UnqueuedTask
from tenants.tasks import unqueued_tasks_requeue
from tests.factories import PASSWORD
from tests.leads.conversations import LEAD_B, discovery_form

REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not REDIS_SERVER, reason="needs the redis-server binary to stop and start"),
]

# Generous for a shared 2-core machine; a request that waits on kombu's or redis-py's retries
# with back-off takes several times this.
ANSWER_WITHIN_SECONDS = 2.0
NOTHING_MORE = "Rien à ajouter."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(  # noqa: S603 (the system's redis-server, fixed arguments)
            [REDIS_SERVER, *arguments, "--appendonly", "no"],
            stdout=subprocess.PIPE,
            text=True,
        )
        # Wait for the server to say it listens (its log line), not for a guessed delay.
        for line in self.process.stdout:
            if "Ready to accept connections" in line:
                return
        pytest.fail(f"redis-server exited with {self.process.wait()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture
def redis_server():
    server = RedisServer(port=_free_port())
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def cache_and_broker_on(redis_server, settings, broker_at):
    """Django's cache and Celery's broker on the test's own Redis, tasks really queued."""
    settings.REDIS_URL = redis_server.url
    settings.CACHES = {"default": redis_cache(redis_server.url)}  # resets Django's caches
    broker_at(redis_server.url)
    return redis_server


def _timed(call):
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    assert elapsed < ANSWER_WITHIN_SECONDS, f"answered after {elapsed:.1f}s"
    return response


def _post_json(client, url, body):
    return _timed(lambda: client.post(url, json.dumps(body), content_type="application/json"))


def _queued(server: RedisServer) -> list[dict]:
    """The messages waiting in Celery's queue, in the order a worker takes them (kombu pushes
    on the left and pops on the right)."""
    return [json.loads(raw) for raw in reversed(server.client().lrange("celery", 0, -1))]


def test_a_visitor_talks_to_the_end_while_redis_is_down_and_the_lead_is_qualified_after(
    cache_and_broker_on, workspace_a, owner, api_key_of, django_capture_on_commit_callbacks
):
    server = cache_and_broker_on
    form = discovery_form(workspace_a)
    key = api_key_of(workspace_a)
    base = f"/w/{workspace_a.slug}/f/{form.slug}/conversations/"
    # A 500 comes back as a response, as a browser would see it, not as an exception.
    client = Client(raise_request_exception=False)
    assert client.get("/healthz").status_code == 200
    assert cache.add("before-the-outage", 1) is True

    # Given Redis stops
    server.stop()

    # When a visitor starts and holds a whole conversation, an owner logs in, an integrator
    # reads the API and the embed sends a page view
    with django_capture_on_commit_callbacks(execute=True):
        started = _post_json(client, base, {"visitor_id": "visitor-1"})
        assert started.status_code == 201, started.content
        token = started.json()["token"]
        answered = []
        for text in LEAD_B:
            response = _post_json(client, f"{base}{token}/turns/", {"text": text})
            assert response.status_code == 200, response.content
            answered.append(text)
        for _ in range(5):
            if response.json()["status"] == ConversationStatus.COMPLETED:
                break
            response = _post_json(client, f"{base}{token}/turns/", {"text": NOTHING_MORE})
            assert response.status_code == 200, response.content
            answered.append(NOTHING_MORE)
        assert response.json()["status"] == ConversationStatus.COMPLETED

        login = _timed(
            lambda: Client(raise_request_exception=False).post(
                "/login/", {"username": owner.email, "password": PASSWORD}
            )
        )
        api = _timed(lambda: client.get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Bearer {key}"))
        tracked = _timed(
            lambda: client.post(
                f"/w/{workspace_a.slug}/track/",
                json.dumps({"visitor_id": "visitor-1", "url": "https://acme.example/pricing"}),
                content_type="text/plain",
            )
        )
    health = _timed(lambda: client.get("/healthz"))

    # Then every answer was stored and answered, the others were served, and /healthz names
    # the broker
    assert login.status_code == 302
    assert api.status_code == 200
    assert tracked.status_code == 204
    assert health.status_code == 503
    assert health.json()["checks"] == {"database": "ok", "broker": "error"}
    with schema_context(workspace_a.schema_name):
        conversation = Conversation.objects.get(token=token)
        visitor_said = list(
            conversation.messages.filter(role=MessageRole.VISITOR)
            .order_by("pk")
            .values_list("text", flat=True)
        )
        assert visitor_said == answered
        assert Message.objects.filter(conversation=conversation).count() > len(answered)
        lead = Lead.objects.get(pk=conversation.lead_id)
        assert lead.qualified_at is None  # its task could not be queued
        assert LeadEvent.objects.filter(visitor_id="visitor-1").exists()
    kept = [(task.task_name, task.args, task.schema_name) for task in UnqueuedTask.objects.all()]
    assert kept == [
        (lead_qualify_task.name, [lead.pk], workspace_a.schema_name),
        (lead_rescore_task.name, [lead.pk], workspace_a.schema_name),
    ]

    # When Redis is back and beat's requeue-unqueued-tasks runs
    server.start()
    assert client.get("/healthz").status_code == 200
    assert unqueued_tasks_requeue() == 2

    # Then both tasks are on the broker, each from its workspace, and a worker running them
    # (here, in-process, as the message says) qualifies the lead
    queued = _queued(server)
    assert [message["headers"]["task"] for message in queued] == [
        lead_qualify_task.name,
        lead_rescore_task.name,
    ]
    assert not UnqueuedTask.objects.exists()
    for message in queued:
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        assert args == [lead.pk]
        with schema_context(message["headers"]["_schema_name"]):
            task = celery_app.tasks[message["headers"]["task"]]
            task.apply(args=args, throw=True)
    with schema_context(workspace_a.schema_name):
        lead.refresh_from_db()
    assert lead.qualified_at is not None
