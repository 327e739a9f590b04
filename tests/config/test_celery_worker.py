"""The invitation task through a real Celery worker over Redis, as in production: the worker is a
separate process that activates the schema a task was queued from (tenant-schemas-celery), so
the task acts in that one workspace and refuses an invitation of another."""

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.backends.redis import RedisBackend
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from tenants.models import Invitation, Workspace
from tenants.tasks import invitation_send
from tests.conftest import WORKSPACE_A, WORKSPACE_B
from tests.factories import InvitationFactory

REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL: a real worker needs a Redis broker"),
]

# Bounds, not pauses: a result normally arrives within a second or two of the worker starting.
RESULT_TIMEOUT_SECONDS = 60
WORKER_STOP_TIMEOUT_SECONDS = 15


def _test_database_url() -> str:
    """The URL of pytest-django's test database, which the worker must use to see our rows."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    # The host may be a Unix socket directory (the embedded PostgreSQL), hence the quoting.
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


@dataclass
class Worker:
    process: subprocess.Popen
    queue: str
    log_path: Path
    mail_dir: Path
    results: RedisBackend

    def result(self, queued: AsyncResult):
        """Wait for a task's return value, which the worker stores in Redis."""
        stored = AsyncResult(queued.id, app=celery_app, backend=self.results)
        try:
            return stored.get(timeout=RESULT_TIMEOUT_SECONDS)
        except CeleryTimeoutError:
            pytest.fail(
                f"no result within {RESULT_TIMEOUT_SECONDS}s (worker exit code "
                f"{self.process.poll()}); worker log:\n{self.log_path.read_text()}"
            )
        finally:
            stored.forget()

    def mails(self) -> list[str]:
        if not self.mail_dir.exists():
            return []
        return [path.read_text() for path in sorted(self.mail_dir.iterdir())]


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    """A worker process consuming a queue of its own, over the test database; tasks sent from
    this module go to the broker instead of running in-process."""
    tmp_path = tmp_path_factory.mktemp("worker")
    queue = f"parley-test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": REDIS_URL,
        # Celery reads this variable over the settings, which keep results off in production.
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    log_path = tmp_path / "worker.log"
    results = RedisBackend(app=celery_app, url=REDIS_URL)
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        celery_app.conf.task_always_eager = False
        try:
            yield Worker(process, queue, log_path, tmp_path / "mail", results)
        finally:
            celery_app.conf.task_always_eager = True
            process.terminate()  # warm shutdown: the current task finishes first
            try:
                process.wait(timeout=WORKER_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=WORKER_STOP_TIMEOUT_SECONDS)
            results.result_consumer.stop()
            with celery_app.connection_for_write() as conn:
                conn.default_channel.queue_delete(queue)


@pytest.fixture(scope="module")
def invitations(django_db_setup, django_db_blocker):
    """One invitation of each workspace, committed for real so that the worker's own connection
    sees them: module-scoped, so they are created before the test's transaction opens (the
    `django_db` mark, needed for pytest-django to set up the test database, wraps each test in
    one). Deleted again afterwards."""
    with django_db_blocker.unblock():
        created = {
            slug: InvitationFactory(workspace=Workspace.objects.get(slug=slug))
            for slug in (WORKSPACE_A, WORKSPACE_B)
        }
    yield created
    with django_db_blocker.unblock():
        Invitation.objects.filter(pk__in=[i.pk for i in created.values()]).delete()


def _queue_from_schema(worker: Worker, schema_name: str, invitation: Invitation) -> AsyncResult:
    with schema_context(schema_name):
        return invitation_send.apply_async(args=[invitation.pk], queue=worker.queue)


def test_worker_sends_an_invitation_in_the_schema_it_was_queued_from(worker, invitations):
    # Given an invitation of workspace A
    invitation = invitations[WORKSPACE_A]
    workspace = invitation.workspace

    # When it is queued from A's schema, as a request of workspace A does
    queued = _queue_from_schema(worker, workspace.schema_name, invitation)

    # Then the worker sends it, naming workspace A, and records when
    assert worker.result(queued) is True
    mails = [mail for mail in worker.mails() if invitation.email in mail]
    assert len(mails) == 1
    assert f"You are invited to {workspace.name} on Parley" in mails[0]
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_worker_refuses_an_invitation_of_another_workspace(worker, invitations, workspace_a):
    # Given an invitation of workspace B
    invitation = invitations[WORKSPACE_B]

    # When its id is queued from workspace A's schema
    queued = _queue_from_schema(worker, workspace_a.schema_name, invitation)

    # Then the worker refuses it: no mail, nothing recorded
    assert worker.result(queued) is False
    assert not [mail for mail in worker.mails() if invitation.email in mail]
    invitation.refresh_from_db()
    assert invitation.sent_at is None
