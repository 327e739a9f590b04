"""Each workspace's rows live in its own PostgreSQL schema. While A's schema is active, the
connection's search_path holds A's schema and the public one only, so no ORM query or unqualified
SQL can reach B's tables; and every workspace request runs in its own workspace's schema."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.signals import template_rendered
from django_tenants.utils import schema_context

from tenants.models import Domain

pytestmark = pytest.mark.django_db


def _search_path() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return [part.strip().strip('"') for part in cursor.fetchone()[0].split(",")]


@pytest.fixture
def row_only_in_b(workspace_b):
    """A row of a workspace table (django_content_type exists in every workspace schema)."""
    with schema_context(workspace_b.schema_name):
        ContentType.objects.create(app_label="security_probe", model="only_in_b")


def _probe_rows() -> tuple[int, int]:
    orm = ContentType.objects.filter(app_label="security_probe").count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM django_content_type WHERE app_label = %s", ["security_probe"]
        )
        raw = cursor.fetchone()[0]
    return orm, raw


def test_search_path_in_a_holds_a_and_public_only(workspace_a, workspace_b):
    with schema_context(workspace_a.schema_name):
        assert connection.schema_name == workspace_a.schema_name
        assert _search_path() == [workspace_a.schema_name, "public"]
        assert workspace_b.schema_name not in _search_path()


def test_row_of_b_is_out_of_reach_in_a(workspace_a, workspace_b, row_only_in_b):
    with schema_context(workspace_a.schema_name):
        assert _probe_rows() == (0, 0)

    with schema_context(workspace_b.schema_name):
        assert _probe_rows() == (1, 1)


def test_row_of_b_is_out_of_reach_in_the_public_schema(row_only_in_b):
    assert connection.schema_name == "public"
    assert _probe_rows() == (0, 0)


@pytest.fixture
def schemas_of_rendered_pages():
    """The active schema each time a page is drawn during the test."""
    schemas = []

    def record(sender, **kwargs):
        schemas.append(connection.schema_name)

    template_rendered.connect(record)
    yield schemas
    template_rendered.disconnect(record)


def test_page_of_a_is_drawn_in_the_schema_of_a(
    owner_client, workspace_a, schemas_of_rendered_pages
):
    assert owner_client.get(f"/w/{workspace_a.slug}/members/").status_code == 200

    assert schemas_of_rendered_pages
    assert set(schemas_of_rendered_pages) == {workspace_a.schema_name}


def test_page_of_b_on_its_host_is_drawn_in_the_schema_of_b(
    settings, outsider_client, workspace_b, schemas_of_rendered_pages
):
    settings.ALLOWED_HOSTS = ["crm.bravo.example"]
    Domain.objects.create(tenant=workspace_b, domain="crm.bravo.example")

    response = outsider_client.get("/members/", HTTP_HOST="crm.bravo.example")

    assert response.status_code == 200
    assert schemas_of_rendered_pages
    assert set(schemas_of_rendered_pages) == {workspace_b.schema_name}


def test_request_after_a_workspace_request_starts_in_the_public_schema(
    owner_client, workspace_a, schemas_of_rendered_pages
):
    """A pooled connection still points at the last request's workspace; the next request must
    not start there."""
    owner_client.get(f"/w/{workspace_a.slug}/")
    schemas_of_rendered_pages.clear()

    assert owner_client.get("/workspaces/").status_code == 200

    assert set(schemas_of_rendered_pages) == {"public"}
