from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from tenants.models import Domain, Membership, Role, Workspace
from tenants.services import workspace_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return {row[0] for row in cursor.fetchall()}


def _applied_migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        # The schema name is the test's own constant, never input.
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608
        return set(cursor.fetchall())


def test_new_workspace_schema_is_a_clone_of_the_migrated_template():
    workspace = workspace_create(name="Globex", slug="globex", owner=UserFactory())

    template = settings.TENANT_BASE_SCHEMA
    assert _tables(workspace.schema_name) == _tables(template)
    assert "django_migrations" in _tables(workspace.schema_name)
    # The clone carries the template's migration history: nothing is left to migrate.
    assert _applied_migrations(workspace.schema_name) == _applied_migrations(template)
    assert _applied_migrations(template)


def test_creator_becomes_the_only_owner():
    founder = UserFactory()
    workspace = workspace_create(name="Globex", slug="globex", owner=founder)
    assert list(Membership.objects.filter(workspace=workspace).values_list("user", "role")) == [
        (founder.pk, Role.OWNER)
    ]


def test_workspace_domain_is_registered_when_a_workspace_domain_is_configured(settings):
    settings.PARLEY_WORKSPACE_DOMAIN = "parley.example"
    workspace = workspace_create(name="Globex", slug="globex", owner=UserFactory())
    assert Domain.objects.get(tenant=workspace).domain == "globex.parley.example"


def test_no_domain_row_without_a_workspace_domain(settings):
    settings.PARLEY_WORKSPACE_DOMAIN = ""
    workspace = workspace_create(name="Globex", slug="globex", owner=UserFactory())
    assert not Domain.objects.filter(tenant=workspace).exists()


def test_a_failure_after_the_clone_leaves_no_schema_and_no_row():
    owner = UserFactory()
    with (
        mock.patch.object(Membership.objects, "create", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        workspace_create(name="Globex", slug="globex", owner=owner)
    assert not Workspace.objects.filter(slug="globex").exists()
    assert not _tables("ws_globex")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'ws_globex'")
        assert cursor.fetchone() is None


def test_a_taken_slug_is_refused_before_any_schema_is_made(workspace_a):
    with pytest.raises(ValidationError) as error:
        workspace_create(name="Copy", slug=workspace_a.slug, owner=UserFactory())
    assert error.value.code == "taken"


def test_migrate_schemas_recreates_and_migrates_a_missing_template():
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{template}" CASCADE')

    call_command("migrate_schemas", interactive=False, verbosity=0)

    assert "django_migrations" in _tables(template)
    assert ("tenants", "0001_initial") in _applied_migrations(template)
