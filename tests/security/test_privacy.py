"""Data & privacy across workspaces: an admin of one workspace can neither find, export nor
erase the contacts of another, whichever page they use (their own with the other's address, or
the other's). test_workspace_pages.py attacks the routes themselves like every other page."""

import json

import pytest
from django_tenants.utils import schema_context

from leads.models import ErasureRecord, Lead
from tests.leads.privacy.fixtures import EMAIL

pytestmark = pytest.mark.django_db


def privacy_url(workspace, page: str = "") -> str:
    return f"/w/{workspace.slug}/settings/privacy/{page}"


@pytest.fixture
def contact_of_a(workspace_a, make_contact):
    return make_contact(workspace_a)


@pytest.fixture
def snapshot_a(workspace_a):
    def take():
        with schema_context(workspace_a.schema_name):
            return (
                list(Lead.objects.order_by("pk").values_list()),
                list(ErasureRecord.objects.order_by("pk").values_list()),
            )

    return take


@pytest.mark.parametrize("page", ["", "export/", "erase/"])
def test_admin_of_b_gets_404_on_the_privacy_pages_of_a(
    outsider_client, workspace_a, contact_of_a, snapshot_a, page
):
    before = snapshot_a()

    response = outsider_client.post(
        privacy_url(workspace_a, page), {"email": EMAIL, "confirm_email": EMAIL}
    )

    assert response.status_code == 404
    assert b"quokka" not in response.content.lower()
    assert snapshot_a() == before


def test_a_search_from_b_never_finds_a_contact_of_a(outsider_client, workspace_b, contact_of_a):
    response = outsider_client.post(privacy_url(workspace_b), {"email": EMAIL})

    assert response.status_code == 200
    assert response.context["found"].is_empty
    assert b"Parley holds nothing about this address" in response.content


def test_an_export_from_b_holds_nothing_of_a(outsider_client, workspace_b, contact_of_a):
    response = outsider_client.post(privacy_url(workspace_b, "export/"), {"email": EMAIL})

    data = json.loads(response.content)
    assert (data["lead"], data["conversations"], data["events"]) == (None, [], [])
    assert "quokka" not in response.content.decode().lower().replace(EMAIL.lower(), "")


def test_erasing_the_address_in_b_leaves_the_contact_of_a_as_it_was(
    outsider_client, workspace_b, contact_of_a, snapshot_a
):
    before = snapshot_a()

    response = outsider_client.post(
        privacy_url(workspace_b, "erase/"), {"email": EMAIL, "confirm_email": EMAIL}
    )

    assert response.status_code == 302  # B erased what B held: nothing
    assert snapshot_a() == before
    with schema_context(workspace_b.schema_name):
        assert ErasureRecord.objects.get().deleted_counts == {}
