import logging
import threading
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError as BrokerUnavailable

from tenants.models import UnqueuedTask

logger = logging.getLogger(__name__)


def on_commit_in_current_schema(callback, *, robust: bool = False) -> None:
    """transaction.on_commit, run in the schema active now.

    Queuing a task after commit must happen from the schema the task belongs to (the Celery app
    sends the active schema with it), but on_commit runs when the outermost transaction commits,
    which may be after the code has left that schema: a schema_context inside an atomic block
    (a management command, a test) commits from the public schema.
    """
    schema_name = connection.schema_name

    def run_in_schema():
        with schema_context(schema_name):
            callback()

    transaction.on_commit(run_in_schema, robust=robust)


class _Unqueued:
    count = 0
    lock = threading.Lock()


def unqueued_task_count() -> int:
    """How many tasks this process could not hand to the broker."""
    return _Unqueued.count


def task_queue_on_commit(task, *args, countdown: int = 0) -> None:
    """The one way a request queues a task: once the transaction commits, from the schema active
    now, and never failing the caller. A task the broker cannot take (down, unreachable) is
    kept in the database (UnqueuedTask) and logged as a warning with the count of such tasks of
    the process; beat's requeue-unqueued-tasks queues it again once the broker is back. Any
    other error is logged by Django (on_commit's `robust`)."""
    schema_name = connection.schema_name

    def queue():
        try:
            task.apply_async(args=args, countdown=countdown)
        except BrokerUnavailable as error:
            _unqueued_keep(task.name, list(args), schema_name, countdown, error)

    on_commit_in_current_schema(queue, robust=True)


def _unqueued_keep(task_name: str, args: list, schema_name: str, countdown: int, error) -> None:
    with _Unqueued.lock:
        _Unqueued.count += 1
        count = _Unqueued.count
    logger.warning(
        "Broker unavailable, %s%r in %s kept to be queued again (%d tasks not queued by this "
        "process): %r",
        task_name,
        tuple(args),
        schema_name,
        count,
        error,
    )
    UnqueuedTask.objects.create(
        task_name=task_name,
        args=args,
        schema_name=schema_name,
        not_before=timezone.now() + timedelta(seconds=countdown),
    )
