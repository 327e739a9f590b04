"""The API keys page (workspace settings): admins create a key (shown once), list keys by
prefix and revoke them after confirming; plain members are refused like on any admin page."""

import pytest

from tenants.api_keys import api_key_authenticate, api_key_create
from tenants.models import ApiKey

pytestmark = pytest.mark.django_db


def _page(workspace) -> str:
    return f"/w/{workspace.slug}/settings/api-keys/"


@pytest.mark.parametrize("manager", ["owner_client", "admin_client_a"])
def test_admin_creates_a_key_and_sees_it_once(request, manager, workspace_a):
    client = request.getfixturevalue(manager)

    created = client.post(_page(workspace_a), {"name": "Newsletter", "scopes": ["write"]})

    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    key = created.context["created"].key
    assert key.encode() in created.content
    api_key = ApiKey.objects.get(workspace=workspace_a)
    assert (api_key.name, api_key.scopes) == ("Newsletter", ["write"])
    assert api_key_authenticate(key=key) == api_key
    # Listed afterwards by its prefix, never in full.
    listed = client.get(_page(workspace_a))
    assert f"parley_{api_key.prefix}_".encode() in listed.content
    assert key.encode() not in listed.content


def test_a_key_without_name_or_scope_is_not_created(owner_client, workspace_a):
    response = owner_client.post(_page(workspace_a), {"name": "", "scopes": []})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scopes"}
    assert not ApiKey.objects.exists()


def test_members_cannot_see_create_or_revoke_keys(member_client, workspace_a):
    api_key = api_key_create(workspace=workspace_a, name="Sync", scopes=["read"], created_by=None)
    revoke = f"{_page(workspace_a)}{api_key.api_key.pk}/revoke/"

    responses = [
        member_client.get(_page(workspace_a)),
        member_client.post(_page(workspace_a), {"name": "Mine", "scopes": ["read"]}),
        member_client.get(revoke),
        member_client.post(revoke),
    ]

    assert [r.status_code for r in responses] == [403] * 4
    assert list(ApiKey.objects.values_list("name", "revoked_at")) == [("Sync", None)]


def test_admin_revokes_a_key_after_confirming(owner_client, workspace_a):
    created = api_key_create(workspace=workspace_a, name="Sync", scopes=["read"], created_by=None)
    revoke = f"{_page(workspace_a)}{created.api_key.pk}/revoke/"

    confirm = owner_client.get(revoke)
    assert confirm.status_code == 200
    assert b"Revoke the key" in confirm.content
    assert api_key_authenticate(key=created.key) is not None

    response = owner_client.post(revoke)

    assert response.status_code == 302
    assert response["Location"] == _page(workspace_a)
    assert api_key_authenticate(key=created.key) is None
    assert b"revoked" in owner_client.get(_page(workspace_a)).content


def test_a_key_of_another_workspace_cannot_be_revoked(owner_client, workspace_a, workspace_b):
    created = api_key_create(workspace=workspace_b, name="B's", scopes=["read"], created_by=None)

    response = owner_client.post(f"{_page(workspace_a)}{created.api_key.pk}/revoke/")

    assert response.status_code == 404
    assert api_key_authenticate(key=created.key) is not None
