"""The pool of spare schemas (tenants/spares.py): signup renames a spare cloned ahead of time.

Each test runs in the usual transaction, so the spares it clones and the schemas it renames roll
back with it; the pool is off for the rest of the suite (tests/conftest.py)."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django_tenants.utils import schema_context

from forms_builder.services import form_create, form_publish
from leads.models import Lead
from leads.services.conversations import conversation_start, conversation_turn
from tenants.models import Membership, SpareSchema, Workspace
from tenants.services import workspace_create
from tenants.spares import spare_schema_select, spare_schemas_fill
from tests.conversations import followups_answer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POOL_SIZE = 2
# Bounds, not pauses: each wait normally ends within milliseconds.
WAIT_SECONDS = 10


def _schema_oid(name: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [name])
        row = cursor.fetchone()
        return row[0] if row else None


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return {row[0] for row in cursor.fetchall()}


def _applied_migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        # Schema names here are the tests' own or the pool's, never input.
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608
        return set(cursor.fetchall())


def _pool() -> list[str]:
    return list(SpareSchema.objects.values_list("name", flat=True))


@pytest.fixture
def pool(settings):
    settings.WORKSPACE_SPARE_SCHEMAS = POOL_SIZE
    assert spare_schemas_fill() == POOL_SIZE
    return _pool()


@pytest.fixture
def from_spare(pool):
    """A workspace whose schema was a spare."""
    workspace = workspace_create(name="Globex", slug="globex", owner=UserFactory())
    assert pool[0] not in _pool()
    return workspace


def test_signup_takes_a_spare_and_the_refill_task_tops_the_pool_up(
    pool, django_capture_on_commit_callbacks
):
    oldest = pool[0]
    spare_oid = _schema_oid(oldest)

    with django_capture_on_commit_callbacks(execute=True):
        workspace = workspace_create(name="Globex", slug="globex", owner=UserFactory())
        # The oldest spare became the workspace's schema: renamed, not copied (same OID).
        assert _schema_oid(workspace.schema_name) == spare_oid
        assert _schema_oid(oldest) is None
        assert _pool() == pool[1:]

    # After commit, the refill task cloned a replacement.
    assert len(_pool()) == POOL_SIZE
    assert oldest not in _pool()


def test_a_workspace_from_a_spare_has_the_template_tables_and_migration_history(from_spare):
    template = settings.TENANT_BASE_SCHEMA
    assert _tables(from_spare.schema_name) == _tables(template)
    assert _applied_migrations(from_spare.schema_name) == _applied_migrations(template)
    assert ("leads", "0002_lead_last_activity") in _applied_migrations(from_spare.schema_name)


def test_orm_writes_work_in_a_workspace_from_a_spare(from_spare):
    with schema_context(from_spare.schema_name):
        # Identity columns, foreign keys and the form's version lock all work after the rename.
        form = form_create(name="Contact")
        form_publish(form=form)
        conversation = conversation_start(form=form).conversation
        for text in ["We need help", "ada@example.com", "Ada", "Acme", "CEO", "200"]:
            conversation = conversation_turn(token=conversation.token, text=text).conversation
        conversation = followups_answer(conversation)
        assert conversation.lead.email == "ada@example.com"
        assert Lead.objects.count() == 1

    with connection.cursor() as cursor:
        # The rows went into the workspace's schema, nowhere else.
        cursor.execute(f'SELECT count(*) FROM "{settings.TENANT_BASE_SCHEMA}".leads_lead')  # noqa: S608
        assert cursor.fetchone() == (0,)


def test_signup_clones_the_template_when_the_pool_is_empty(
    settings, django_capture_on_commit_callbacks
):
    settings.WORKSPACE_SPARE_SCHEMAS = POOL_SIZE

    with django_capture_on_commit_callbacks(execute=True):
        workspace = workspace_create(name="Globex", slug="globex", owner=UserFactory())
        assert _applied_migrations(workspace.schema_name) == _applied_migrations(
            settings.TENANT_BASE_SCHEMA
        )

    # The empty pool was filled after commit, for the next signups.
    assert len(_pool()) == POOL_SIZE


def test_a_failed_signup_keeps_the_spare(pool):
    with (
        mock.patch.object(Membership.objects, "create", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        workspace_create(name="Globex", slug="globex", owner=UserFactory())

    assert not Workspace.objects.filter(slug="globex").exists()
    assert _schema_oid("ws_globex") is None
    assert _pool() == pool
    assert all(_schema_oid(name) for name in pool)


def test_filling_a_full_pool_clones_nothing(pool):
    assert spare_schemas_fill() == 0
    assert _pool() == pool


def _on_own_connection(work):
    """`work` for a thread: Django gives the thread a connection of its own, outside the test's
    transaction, closed when the work is done."""

    def run():
        try:
            return work()
        finally:
            connections.close_all()

    return run


@pytest.fixture
def committed_pool_rows():
    """Two pool rows committed for real, so that two other connections both see them, and deleted
    afterwards. No schema stands behind them: the selection query only reads rows."""
    names = [f"spare_test_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(
            _on_own_connection(lambda: [SpareSchema.objects.create(name=n) for n in names])
        ).result()
        yield names
        thread.submit(
            _on_own_connection(lambda: SpareSchema.objects.filter(name__in=names).delete())
        ).result()


def test_two_signups_never_take_the_same_spare(committed_pool_rows):
    first_has_locked, first_may_commit = threading.Event(), threading.Event()

    def first_signup():
        with transaction.atomic():
            name = spare_schema_select().first().name
            first_has_locked.set()
            first_may_commit.wait(WAIT_SECONDS)
            return name

    def second_signup():
        with transaction.atomic():
            return spare_schema_select().first().name

    with ThreadPoolExecutor(max_workers=2) as threads:
        first = threads.submit(_on_own_connection(first_signup))
        try:
            assert first_has_locked.wait(WAIT_SECONDS)
            # While the first holds its spare, the second skips it instead of waiting for it.
            second = threads.submit(_on_own_connection(second_signup)).result(WAIT_SECONDS)
        finally:
            first_may_commit.set()
        assert {first.result(WAIT_SECONDS), second} == set(committed_pool_rows)


def test_migrate_schemas_replaces_stale_spares(pool):
    template = settings.TENANT_BASE_SCHEMA
    # A spare cloned before the template's latest migration lacks it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM \"{pool[0]}\".django_migrations WHERE app = 'leads'"  # noqa: S608
            " AND name = '0002_lead_last_activity'"
        )

    call_command("migrate_schemas", interactive=False, verbosity=0)

    fresh = _pool()
    assert len(fresh) == POOL_SIZE
    assert not set(fresh) & set(pool)
    assert all(_schema_oid(name) is None for name in pool)
    for name in fresh:
        assert _applied_migrations(name) == _applied_migrations(template)
