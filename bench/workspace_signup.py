"""How long creating a workspace takes, three ways: taking a spare schema from the pool (what
signup does), cloning the template schema (what signup does when the pool is empty or off), and
running every migration for the new schema (what django-tenants does by default).

    .venv/bin/python bench/workspace_signup.py [--runs 5]

Uses DATABASE_URL (or the embedded PostgreSQL) and migrates it first, which leaves the pool of
spare schemas full. Removes every workspace it creates and leaves the pool full again.
A signup queues the refill task after commit; a worker runs it in production, off the signup's
path, so here the task goes to an in-process broker nothing reads and the bench refills the pool
itself, outside the timed part. Prints one line per run, then the medians:
`spare_s=… clone_s=… migrate_s=… ratio=… clone_ratio=…`, where ratio = migrate_s / spare_s
(what the pool gains over migrating) and clone_ratio = migrate_s / clone_s.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from tenants.models import SpareSchema, User, Workspace  # noqa: E402
from tenants.services import workspace_create  # noqa: E402
from tenants.spares import spare_schemas_fill  # noqa: E402

WAYS = ("spare", "clone", "migrate")


def create_workspace_timed(owner: User, way: str) -> tuple[float, Workspace]:
    slug = f"bench-{uuid.uuid4().hex[:10]}"
    pool = max(settings.WORKSPACE_SPARE_SCHEMAS, 1) if way == "spare" else 0
    # Without a template schema, workspace creation runs every migration instead.
    template = "absent" if way == "migrate" else settings.TENANT_BASE_SCHEMA
    with override_settings(WORKSPACE_SPARE_SCHEMAS=pool, TENANT_BASE_SCHEMA=template):
        if way == "spare":
            spare_schemas_fill()
        spares = SpareSchema.objects.count()
        started = time.perf_counter()
        workspace = workspace_create(name=slug, slug=slug, owner=owner)
        elapsed = time.perf_counter() - started
        assert SpareSchema.objects.count() == spares - (way == "spare"), "no spare was taken"
    return elapsed, workspace


def drop(workspace: Workspace) -> None:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{workspace.schema_name}" CASCADE')
    workspace.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    # Queue the refill task without running it (see the docstring), even when REDIS_URL is set.
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://localhost/"

    call_command("migrate_schemas", interactive=False, verbosity=0)
    owner, _ = User.objects.get_or_create(email="bench-owner@parley.local")
    times = {way: [] for way in WAYS}
    try:
        # One warm-up of each, so none pays for first-time imports or the clone function.
        for way in WAYS:
            drop(create_workspace_timed(owner, way)[1])
        for run in range(1, runs + 1):
            for way in WAYS:
                elapsed, workspace = create_workspace_timed(owner, way)
                drop(workspace)
                times[way].append(elapsed)
            print(f"run {run}: " + ", ".join(f"{way} {times[way][-1]:.3f} s" for way in WAYS))
    finally:
        owner.delete()
        spare_schemas_fill()  # back to the pool migrate_schemas left

    spare_s, clone_s, migrate_s = (statistics.median(times[way]) for way in WAYS)
    print(
        f"spare_s={spare_s:.3f} clone_s={clone_s:.3f} migrate_s={migrate_s:.3f} "
        f"ratio={migrate_s / spare_s:.1f} clone_ratio={migrate_s / clone_s:.1f}"
    )


if __name__ == "__main__":
    main()
