"""An embedded PostgreSQL for a newcomer's laptop, used only when DATABASE_URL is unset.

django-tenants needs real schemas, so there is no SQLite fallback: `pgserver` ships real
PostgreSQL binaries and keeps its data under `var/postgres/` (git-ignored), so the next run
reuses the same database instead of starting from scratch.
"""

import os
from pathlib import Path

EMBEDDED_DATABASE_NAME = "parley"


def embedded_database_url(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    # pgserver asks platformdirs for a private runtime folder, which warns when none is set
    # (containers, CI); give it one of ours.
    runtime_dir = data_dir.parent / "run"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))

    import pgserver  # imported lazily: production never loads it

    # cleanup_mode=None leaves the server running after this process exits, so `runserver`'s
    # autoreloader, the Celery worker and the next command all share one server.
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    # A constant name, not input: psql here takes a plain SQL string.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DATABASE_NAME};")
    return server.get_uri(database=EMBEDDED_DATABASE_NAME)
