"""Counting form views: a visitor's page load adds one to the form's counter of the day."""

import logging
from contextlib import nullcontext

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from forms_builder.models import Form, FormViewDay

logger = logging.getLogger(__name__)


def form_view_record(*, form: Form, now=None) -> None:
    """Add one view to the form's counter for today (UTC), in one statement. Concurrent views
    of the same form wait on the counter row for the time of an UPDATE, no longer.

    Never raises: a view that cannot be counted is logged, and the visitor's page loads all
    the same."""
    day = (now or timezone.now()).date()
    table = FormViewDay._meta.db_table
    statement = (
        f"INSERT INTO {table} (form_id, day, views) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (form_id, day) DO UPDATE SET views = {table}.views + 1"
    )
    try:
        # Outside a transaction the statement commits on its own (one round trip); inside one,
        # a savepoint keeps a failed count from spoiling it.
        savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
        with savepoint, connection.cursor() as cursor:
            cursor.execute(statement, [form.pk, day])
    except DatabaseError:
        logger.exception("Could not count a view of form %s", form.pk)
