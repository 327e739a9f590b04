"""The REST API's way in: a workspace API key names its workspace, and only it. A key of B,
whatever lead it names and whatever host or address it is sent to, never reads or changes
anything of A; a revoked key, nothing at all."""

import json

import pytest
from django_tenants.utils import schema_context

from leads.models import Lead, LeadEvent
from tenants.api_keys import api_key_create, api_key_revoke
from tenants.models import Domain
from tests.factories import LeadFactory
from tests.security.probes import OBJECT_MAKERS

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"


@pytest.fixture
def key_of_b(workspace_b):
    return api_key_create(
        workspace=workspace_b, name="Key of Bravo", scopes=["read", "write"], created_by=None
    )


@pytest.fixture
def lead_of_a(workspace_a):
    """A lead of A, captured as visitors make them, whose id no other schema holds."""
    lead_id = OBJECT_MAKERS["lead_id"](workspace_a, "leads/<int:lead_id>/", {})
    with schema_context(workspace_a.schema_name):
        return Lead.objects.get(pk=lead_id)


def _events(workspace) -> list:
    with schema_context(workspace.schema_name):
        return list(LeadEvent.objects.order_by("pk").values_list())


def _post(client, key: str, body: dict, **extra):
    return client.post(
        URL,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        **extra,
    )


@pytest.mark.parametrize("naming", ["email", "lead_id"])
def test_a_key_of_b_does_not_find_a_lead_of_a(
    client, key_of_b, lead_of_a, workspace_a, workspace_b, naming
):
    before_a = _events(workspace_a)
    value = lead_of_a.email if naming == "email" else lead_of_a.pk

    response = _post(client, key_of_b.key, {naming: value, "kind": "email_open"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "lead_not_found"
    assert workspace_a.name.encode() not in response.content
    assert _events(workspace_a) == before_a
    assert _events(workspace_b) == []


@pytest.mark.parametrize("where", ["host of a", "path of a"])
def test_the_key_not_the_host_or_path_decides_the_workspace(
    client, settings, key_of_b, lead_of_a, workspace_a, workspace_b, where
):
    settings.ALLOWED_HOSTS = ["alpha.parley.test", "testserver"]
    Domain.objects.create(tenant=workspace_a, domain="alpha.parley.test")
    before_a = _events(workspace_a)
    body = {"email": lead_of_a.email, "kind": "email_open"}

    if where == "host of a":
        response = _post(client, key_of_b.key, body, HTTP_HOST="alpha.parley.test")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "lead_not_found"
    else:
        # The API has no address under a workspace's path: nothing there answers to a key.
        response = client.post(
            f"/w/{workspace_a.slug}{URL}",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key_of_b.key}",
        )
        assert response.status_code in (302, 404)
    assert _events(workspace_a) == before_a


def test_a_revoked_key_of_b_gets_nothing(client, key_of_b, workspace_b):
    with schema_context(workspace_b.schema_name):
        lead = LeadFactory()
    api_key_revoke(api_key=key_of_b.api_key)

    response = _post(client, key_of_b.key, {"lead_id": lead.pk, "kind": "email_open"})

    assert response.status_code == 401
    assert _events(workspace_b) == []


def test_a_session_of_a_member_is_no_way_into_the_api(owner_client, lead_of_a, workspace_a):
    """The API knows no session: a logged-in owner of A still needs a key."""
    response = owner_client.post(
        URL,
        json.dumps({"email": lead_of_a.email, "kind": "email_open"}),
        content_type="application/json",
    )

    assert response.status_code == 401
