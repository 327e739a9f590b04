from django.db import connection, transaction
from django_tenants.utils import schema_context


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
