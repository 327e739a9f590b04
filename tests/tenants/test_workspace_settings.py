import pytest

from tenants.models import Workspace

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("manager", ["owner_client", "admin_client_a"])
def test_owner_or_admin_renames_the_workspace(request, manager, workspace_a):
    client = request.getfixturevalue(manager)

    response = client.post(f"/w/{workspace_a.slug}/settings/", {"name": "Alpha Renamed"})

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/settings/"
    workspace_a.refresh_from_db()
    assert workspace_a.name == "Alpha Renamed"
    assert b"Alpha Renamed" in client.get(f"/w/{workspace_a.slug}/").content


def test_renaming_keeps_the_address_and_schema(owner_client, workspace_a):
    slug, schema = workspace_a.slug, workspace_a.schema_name

    owner_client.post(
        f"/w/{workspace_a.slug}/settings/",
        {"name": "Alpha Renamed", "slug": "hijacked", "schema_name": "public"},
    )

    workspace_a.refresh_from_db()
    assert (workspace_a.slug, workspace_a.schema_name) == (slug, schema)
    assert not Workspace.objects.filter(slug="hijacked").exists()


def test_workspace_name_is_required(owner_client, workspace_a):
    name = workspace_a.name

    response = owner_client.post(f"/w/{workspace_a.slug}/settings/", {"name": ""})

    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    workspace_a.refresh_from_db()
    assert workspace_a.name == name


def test_member_sees_the_settings_but_cannot_change_them(member_client, workspace_a):
    name = workspace_a.name

    page = member_client.get(f"/w/{workspace_a.slug}/settings/")
    response = member_client.post(f"/w/{workspace_a.slug}/settings/", {"name": "Took Over"})

    assert page.status_code == 200
    assert b'name="name"' not in page.content
    assert response.status_code == 403
    workspace_a.refresh_from_db()
    assert workspace_a.name == name


def test_dashboard_offers_inviting_teammates_to_admins_only(
    admin_client_a, member_client, workspace_a
):
    invite_link = f'<a href="/w/{workspace_a.slug}/members/">Invite teammates</a>'.encode()

    assert invite_link in admin_client_a.get(f"/w/{workspace_a.slug}/").content
    assert invite_link not in member_client.get(f"/w/{workspace_a.slug}/").content
