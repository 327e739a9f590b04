"""Assigning leads from the inbox (POST /w/<workspace>/leads/assign/) stays within the workspace
of the URL: B's lead ids name nothing in A, B's people cannot be given A's leads, and a stranger
to A cannot assign A's leads. The route carries its ids in the body, not the path, so the
path-filling suite (test_foreign_object_ids.py) cannot aim at them: these cases do."""

import pytest
from django_tenants.utils import schema_context

from leads.models import Lead, LeadActivity
from tests.factories import LeadFactory
from tests.security.probes import OBJECT_MAKERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_lead_id(workspace_a, workspace_b):
    """A lead of B whose id A does not hold (see probes._ids_past_other_workspaces)."""
    lead_id = OBJECT_MAKERS["lead_id"](workspace_b, "leads/assign/", {})
    with schema_context(workspace_a.schema_name):
        assert not Lead.objects.filter(pk=lead_id).exists()
    return lead_id


@pytest.fixture
def a_lead(workspace_a):
    with schema_context(workspace_a.schema_name):
        return LeadFactory(full_name="Lead of Alpha")


def a_assignments(workspace_a) -> list:
    with schema_context(workspace_a.schema_name):
        return list(Lead.objects.values_list("pk", "assignee_id", "assigned_at"))


@pytest.mark.parametrize("how", ["ticked", "assign to me"])
def test_ids_of_b_leads_posted_to_a_assign_nothing_in_b(
    owner_client, how, workspace_a, workspace_b, b_lead_id, snapshot_b
):
    before = snapshot_b()
    data = {"me": b_lead_id} if how == "assign to me" else {"lead": [b_lead_id], "assignee": ""}

    response = owner_client.post(f"/w/{workspace_a.slug}/leads/assign/", data, follow=True)

    assert response.status_code == 200
    assert b"Nothing changed" in response.content
    assert workspace_b.name.encode() not in response.content
    assert snapshot_b() == before


def test_a_member_of_b_cannot_be_given_a_lead_of_a(owner_client, workspace_a, a_lead, outsider):
    before = a_assignments(workspace_a)

    response = owner_client.post(
        f"/w/{workspace_a.slug}/leads/assign/",
        {"lead": [a_lead.pk], "assignee": outsider.pk},
        follow=True,
    )

    assert b"Choose a member of this workspace." in response.content
    assert a_assignments(workspace_a) == before
    with schema_context(workspace_a.schema_name):
        assert not LeadActivity.objects.exists()


@pytest.mark.parametrize("how", ["ticked", "assign to me"])
def test_a_stranger_to_a_cannot_assign_its_leads(outsider_client, how, workspace_a, a_lead):
    before = a_assignments(workspace_a)
    data = {"me": a_lead.pk} if how == "assign to me" else {"lead": [a_lead.pk], "assignee": ""}

    response = outsider_client.post(f"/w/{workspace_a.slug}/leads/assign/", data)

    assert response.status_code == 404
    assert b"Lead of Alpha" not in response.content
    assert a_assignments(workspace_a) == before


def test_a_member_of_a_cannot_assign_b_leads_through_b_url(
    member_client, workspace_b, b_lead_id, snapshot_b
):
    before = snapshot_b()

    response = member_client.post(f"/w/{workspace_b.slug}/leads/assign/", {"me": b_lead_id})

    assert response.status_code == 404
    assert snapshot_b() == before


def test_the_inbox_of_a_neither_lists_b_leads_nor_filters_on_b_people(
    owner_client, workspace_a, workspace_b, b_lead_id, outsider
):
    listed = owner_client.get(f"/w/{workspace_a.slug}/leads/")
    filtered = owner_client.get(f"/w/{workspace_a.slug}/leads/", {"assignee": outsider.pk})

    assert workspace_b.name.encode() not in listed.content + filtered.content
    assert outsider.email.encode() not in listed.content + filtered.content
    assert b"Unknown assignee." in filtered.content
