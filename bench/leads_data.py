"""What the lead benches share: a throwaway workspace, and rows made in bulk by INSERT … SELECT
(a million leads in seconds, where the ORM would take many minutes). Import it once Django is
set up (the bench scripts do so first)."""

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management import call_command
from django.db import connection, models
from django.test import override_settings

from config.celery import app as celery_app
from tenants.models import User, Workspace
from tenants.services import workspace_create


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def sql_pick(values: list[str], number: str = "i") -> str:
    """SQL picking one of `values` by the row number `number`, in turn."""
    return f"({sql_array(values)})[1 + {number} % {len(values)}]"


# Who generated leads are, by lead number i: names, e-mails (every 7th a free webmail), 5,000
# companies, job titles and sizes in turn (a mix the default scoring rules partly match), created
# and last active within the last 1,000 hours.
JOB_TITLES = ["CEO", "Manager", "Directeur général", "Engineer", "Head of sales", ""]
COMPANY_SIZES = ["1-10", "11-50", "51-200", "201-1000", "1000+", ""]
LEAD_COLUMNS = {
    "email": "'lead' || i || CASE WHEN i % 7 = 0 THEN '@gmail.com' ELSE '@acme.example' END",
    "full_name": "'Lead ' || i",
    "company": "'Company ' || (i % 5000)",
    "job_title": sql_pick(JOB_TITLES),
    "company_size": sql_pick(COMPANY_SIZES),
    "created_at": "now() - (i % 1000) * interval '1 hour'",
    "last_activity_at": "now() - (i % 1000) * interval '1 hour'",
}


def column_defaults(model, given: dict[str, str]) -> tuple[list[str], list[str]]:
    """Every column of `model` but its id, with `given` SQL or a neutral value: the models set
    their defaults in Python, not in the database, so an INSERT … SELECT must name them all."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in given:
            values.append(given[field.column])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.JSONField):
            values.append("'{}'::jsonb")
        elif isinstance(field, models.DateTimeField):
            values.append("now()")
        elif isinstance(field, (models.IntegerField, models.DecimalField)):
            values.append("0")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        else:
            values.append("''")
    return columns, values


def rows_insert(model, given: dict[str, str], source: str) -> None:
    """INSERT one row of `model` per row of `source` (SQL after FROM, e.g.
    "generate_series(1, 1000) AS i"), its columns `given` as SQL over it, the others neutral."""
    columns, values = column_defaults(model, given)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {source}"
        )


def tables_analyze(*tables_of) -> None:
    with connection.cursor() as cursor:
        for model in tables_of:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


@contextmanager
def bench_workspace(prefix: str) -> Iterator[tuple[Workspace, User]]:
    """A new workspace (and its owner) on a migrated database, dropped afterwards, schema and
    all. Tasks queued meanwhile go nowhere: a bench times its own work, not a worker's."""
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://localhost/"
    call_command("migrate_schemas", interactive=False, verbosity=0)
    slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
    owner, _ = User.objects.get_or_create(email=f"{prefix}@parley.local")
    with override_settings(WORKSPACE_SPARE_SCHEMAS=0):
        workspace = workspace_create(name=slug, slug=slug, owner=owner)
    try:
        yield workspace, owner
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{workspace.schema_name}" CASCADE')
        Workspace.objects.filter(pk=workspace.pk).delete()
        owner.delete()


@contextmanager
def timed(what: str) -> Iterator[None]:
    """Prints how long the block took."""
    started = time.perf_counter()
    yield
    print(f"{what} in {time.perf_counter() - started:.1f} s", flush=True)
