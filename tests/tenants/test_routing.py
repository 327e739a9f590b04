"""The workspace of a /w/<slug>/ path is routed without a query once read, and what admins edit
on it is always read from the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Workspace
from tenants.routing import workspace_by_slug
from tenants.services import workspace_create

pytestmark = pytest.mark.django_db


def test_a_workspace_once_read_is_routed_without_a_query(workspace_a, django_assert_num_queries):
    workspace_by_slug(workspace_a.slug)
    with django_assert_num_queries(0):
        routed = workspace_by_slug(workspace_a.slug)
    assert (routed.pk, routed.schema_name) == (workspace_a.pk, workspace_a.schema_name)


def test_a_routed_workspace_reads_its_other_fields_in_one_query(
    workspace_a, django_assert_num_queries
):
    workspace_by_slug(workspace_a.slug)
    routed = workspace_by_slug(workspace_a.slug)
    with django_assert_num_queries(1):
        read = (routed.name, routed.sla_hot_minutes, routed.qualification_engine)
    assert read == (
        workspace_a.name,
        workspace_a.sla_hot_minutes,
        workspace_a.qualification_engine,
    )


def test_an_edit_to_the_workspace_is_read_by_the_next_request(workspace_a):
    workspace_by_slug(workspace_a.slug)
    workspace_a.sla_hot_minutes = 15
    workspace_a.save()

    assert workspace_by_slug(workspace_a.slug).sla_hot_minutes == 15


def test_a_deleted_workspace_is_no_longer_routed(owner):
    doomed = workspace_create(name="Doomed", slug="doomed", owner=owner)
    assert workspace_by_slug("doomed") == doomed

    doomed.delete(force_drop=True)

    assert workspace_by_slug("doomed") is None
    assert not Workspace.objects.filter(slug="doomed").exists()


def test_an_unknown_address_is_not_cached_and_is_looked_up_each_time(db):
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert workspace_by_slug("nobody-here") is None
        assert len(queries) >= 1
