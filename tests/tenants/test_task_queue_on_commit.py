"""task_queue_on_commit, the one way a request queues a task: once the transaction commits,
from the schema active then, and never failing the caller. A task the broker cannot take is kept
(UnqueuedTask) for beat's requeue-unqueued-tasks, and the caller gives up on the broker within
seconds, even one that never answers."""

import logging
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.models import UnqueuedTask
from tenants.tasks import invitation_send
from tenants.transactions import task_queue_on_commit, unqueued_task_count
from tests.outages import closed_port_url

pytestmark = pytest.mark.django_db

# Connect (1 s) or read (2 s) timeouts, twice (one retry), and room for a slow shared machine.
GIVES_UP_WITHIN_SECONDS = 6


def _queue_and_commit(capture, workspace, *args, **options) -> float:
    started = time.perf_counter()
    with capture(execute=True), schema_context(workspace.schema_name):
        task_queue_on_commit(invitation_send, *args, **options)
    return time.perf_counter() - started


def test_a_task_the_broker_cannot_take_is_kept_and_the_caller_goes_on(
    workspace_a, broker_at, caplog, django_capture_on_commit_callbacks
):
    broker_at(closed_port_url())
    before = unqueued_task_count()

    with caplog.at_level(logging.WARNING, logger="tenants.transactions"):
        elapsed = _queue_and_commit(django_capture_on_commit_callbacks, workspace_a, 42)

    kept = UnqueuedTask.objects.get()
    assert (kept.task_name, kept.args, kept.schema_name) == (
        invitation_send.name,
        [42],
        workspace_a.schema_name,
    )
    assert unqueued_task_count() == before + 1
    assert "Broker unavailable, tenants.tasks.invitation_send(42,)" in caplog.text
    assert elapsed < GIVES_UP_WITHIN_SECONDS


def test_a_kept_task_remembers_when_it_was_due(
    workspace_a, broker_at, django_capture_on_commit_callbacks
):
    broker_at(closed_port_url())

    _queue_and_commit(django_capture_on_commit_callbacks, workspace_a, 42, countdown=300)

    due_in = UnqueuedTask.objects.get().not_before - timezone.now()
    assert timedelta(seconds=290) < due_in <= timedelta(seconds=300)


def test_a_broker_that_never_answers_holds_the_caller_seconds_at_most(
    workspace_a, broker_at, silent_server_url, django_capture_on_commit_callbacks
):
    broker_at(silent_server_url)

    elapsed = _queue_and_commit(django_capture_on_commit_callbacks, workspace_a, 42)

    assert elapsed < GIVES_UP_WITHIN_SECONDS
    assert UnqueuedTask.objects.filter(task_name=invitation_send.name).exists()
