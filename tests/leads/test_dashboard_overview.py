from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.services import form_create, form_publish
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_an_empty_workspace_dashboard_says_how_to_get_leads(member_client, workspace_a):
    page = member_client.get(f"/w/{workspace_a.slug}/").content.decode()
    assert "No leads yet" in page
    assert "Create a form" in page


def test_the_dashboard_counts_leads_and_published_forms(member_client, workspace_a):
    with schema_context(workspace_a.schema_name):
        form_publish(form=form_create(name="Contact"))
        form_create(name="Draft")
        LeadFactory.create_batch(2)
        LeadFactory(created_at=timezone.now() - timedelta(days=30))

    response = member_client.get(f"/w/{workspace_a.slug}/")

    overview = response.context["overview"]
    assert overview["leads"] == {"total": 3, "this_week": 2}
    assert overview["forms"] == {"published": 1, "total": 2}
    assert "No leads yet" not in response.content.decode()


def test_the_dashboard_runs_the_same_queries_however_many_leads(
    member_client, workspace_a, django_assert_max_num_queries
):
    url = f"/w/{workspace_a.slug}/"
    with schema_context(workspace_a.schema_name):
        LeadFactory()
    member_client.get(url)
    with django_assert_max_num_queries(12) as few:
        member_client.get(url)
    with schema_context(workspace_a.schema_name):
        LeadFactory.create_batch(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        member_client.get(url)
