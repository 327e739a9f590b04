"""How long creating a workspace takes: cloning the template schema (what signup does) against
running every migration for the new schema (what django-tenants does by default).

    .venv/bin/python bench/workspace_signup.py [--runs 5]

Uses DATABASE_URL (or the embedded PostgreSQL), migrates it first, and removes every workspace it
creates. Prints one line per run, then the medians: `clone_s=… migrate_s=… ratio=…`.
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

from tenants.models import User, Workspace  # noqa: E402
from tenants.services import workspace_create  # noqa: E402


def create_workspace_timed(owner: User, *, clone: bool) -> tuple[float, Workspace]:
    slug = f"bench-{uuid.uuid4().hex[:10]}"
    # Without a template schema, workspace creation runs every migration instead.
    with override_settings(TENANT_BASE_SCHEMA=settings.TENANT_BASE_SCHEMA if clone else "absent"):
        started = time.perf_counter()
        workspace = workspace_create(name=slug, slug=slug, owner=owner)
        return time.perf_counter() - started, workspace


def drop(workspace: Workspace) -> None:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{workspace.schema_name}" CASCADE')
    workspace.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    call_command("migrate_schemas", interactive=False, verbosity=0)
    owner, _ = User.objects.get_or_create(email="bench-owner@parley.local")
    clone_times, migrate_times = [], []
    try:
        # One warm-up of each, so neither pays for first-time imports or the clone function.
        for clone in (True, False):
            drop(create_workspace_timed(owner, clone=clone)[1])
        for run in range(1, runs + 1):
            clone_s, cloned = create_workspace_timed(owner, clone=True)
            migrate_s, migrated = create_workspace_timed(owner, clone=False)
            drop(cloned)
            drop(migrated)
            clone_times.append(clone_s)
            migrate_times.append(migrate_s)
            print(f"run {run}: clone {clone_s:.3f} s, migrate {migrate_s:.3f} s")
    finally:
        owner.delete()

    clone_s = statistics.median(clone_times)
    migrate_s = statistics.median(migrate_times)
    print(f"clone_s={clone_s:.3f} migrate_s={migrate_s:.3f} ratio={migrate_s / clone_s:.1f}")


if __name__ == "__main__":
    main()
