"""The pool of spare schemas: clones of the template schema made ahead of time, so that signup
renames one (a catalog update, a few milliseconds) instead of cloning the template (about 0.15 s,
whatever the schema holds). The Celery task `spare_schemas_refill` clones replacements after a
signup, off its path; migrate_schemas replaces every spare once the template is migrated.

Spares are named `spare_<hex>`; workspace schemas are `ws_<slug>`, so the two never collide.
"""

import uuid

from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.models import SpareSchema, schema_clone_from_template
from tenants.transactions import task_queue_on_commit

# Fillers, and migrate_schemas replacing the pool, hold this lock in turn (see _pool_lock).
POOL_LOCK_KEY = "tenants.spare_schemas"


def _pool_lock(cursor) -> None:
    # Held until the transaction ends. Two fillers never both see the pool one short and
    # overshoot it, and migrate_schemas waits for a clone in progress, which may have copied the
    # template before its migration, and drops it with the other stale spares.
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [POOL_LOCK_KEY])


def spare_schema_select():
    """The spare a signup takes: the oldest one no other signup has locked. SKIP LOCKED makes
    concurrent signups take different spares instead of waiting for each other."""
    return SpareSchema.objects.select_for_update(skip_locked=True).order_by("created_at", "pk")


def spare_schema_take(*, schema_name: str) -> bool:
    """Rename a spare schema to `schema_name` and drop it from the pool; False when none is free.
    Run inside the signup's transaction: if the signup rolls back, so do the rename and the
    delete, and the spare is back in the pool."""
    from tenants.tasks import spare_schemas_refill

    with transaction.atomic():
        # Taken or not, the pool is short of a spare: a worker tops it up once this is committed.
        # Queued from the public schema whatever schema is active; a refill that fails or is
        # not queued only means the next signup clones.
        with schema_context(get_public_schema_name()):
            task_queue_on_commit(spare_schemas_refill)
        spare = spare_schema_select().first()
        if spare is None:
            return False
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # Sequences, identity columns, foreign keys and indexes refer to each other by OID,
            # not by schema name, so they follow the rename; the django_migrations rows are data.
            cursor.execute(f"ALTER SCHEMA {quote(spare.name)} RENAME TO {quote(schema_name)}")
        spare.delete()
    return True


def spare_schemas_fill(*, target: int | None = None) -> int:
    """Clone the template into new spares until the pool holds `target` (default: the
    WORKSPACE_SPARE_SCHEMAS setting). Each spare is committed on its own, so a signup can take it
    at once. Safe to run concurrently. Returns how many spares it made."""
    if target is None:
        target = settings.WORKSPACE_SPARE_SCHEMAS
    made = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            _pool_lock(cursor)
            if SpareSchema.objects.count() >= target:
                return made
            name = f"spare_{uuid.uuid4().hex}"
            schema_clone_from_template(name)
            SpareSchema.objects.create(name=name)
        made += 1


def spare_schemas_replace() -> int:
    """Drop every spare, then fill the pool again from the template. For migrate_schemas once
    the template is migrated: spares are not workspaces, so nothing would ever migrate them.
    Returns how many spares it made."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        _pool_lock(cursor)
        # Waits for signups taking a spare right now; a spare they took is theirs.
        for spare in SpareSchema.objects.select_for_update():
            cursor.execute(f"DROP SCHEMA IF EXISTS {quote(spare.name)} CASCADE")
            spare.delete()
    return spare_schemas_fill()
