import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Membership, Role, Workspace
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _switcher(response) -> str:
    match = re.search(r'<nav class="switcher".*?</nav>', response.content.decode(), re.S)
    assert match, "the page has no workspace switcher"
    return match[0]


def test_workspace_list_needs_a_login(client):
    response = client.get("/workspaces/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/workspaces/"


def test_workspace_list_shows_my_workspaces_with_my_role(client, workspace_a, workspace_b):
    user = MembershipFactory(workspace=workspace_a, role=Role.ADMIN).user
    MembershipFactory(user=user, workspace=workspace_b, role=Role.MEMBER)
    client.force_login(user)

    response = client.get("/workspaces/")

    assert response.status_code == 200
    listed = [(m.workspace.slug, m.role) for m in response.context["memberships"]]
    assert listed == [(workspace_a.slug, Role.ADMIN), (workspace_b.slug, Role.MEMBER)]
    assert f'href="/w/{workspace_b.slug}/"'.encode() in response.content


def test_workspace_list_leaves_out_workspaces_i_do_not_belong_to(owner_client, workspace_b):
    response = owner_client.get("/workspaces/")

    assert [m.workspace for m in response.context["memberships"]] != []
    assert workspace_b not in [m.workspace for m in response.context["memberships"]]
    assert workspace_b.name.encode() not in response.content
    assert f"/w/{workspace_b.slug}/".encode() not in response.content


def test_workspace_list_of_a_person_without_workspaces_invites_to_create_one(client):
    client.force_login(UserFactory())

    response = client.get("/workspaces/")

    assert response.status_code == 200
    assert b"You are not a member of any workspace yet" in response.content


def test_creating_another_workspace_makes_me_its_owner_and_opens_it(owner_client, owner):
    response = owner_client.post(
        "/workspaces/", {"workspace_name": "Second Venture", "workspace_slug": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == "/w/second-venture/"
    workspace = Workspace.objects.get(slug="second-venture")
    assert workspace.name == "Second Venture"
    assert Membership.objects.get(workspace=workspace).user == owner
    assert Membership.objects.get(workspace=workspace).role == Role.OWNER
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
            [workspace.schema_name],
        )
        assert cursor.fetchone() is not None
    assert owner_client.get(response["Location"]).status_code == 200


def test_creating_a_workspace_with_a_taken_address_is_refused(owner_client, workspace_b):
    response = owner_client.post(
        "/workspaces/", {"workspace_name": "Copycat", "workspace_slug": workspace_b.slug}
    )

    assert response.status_code == 200
    assert "already taken" in response.context["form"].errors["workspace_slug"][0]
    assert not Workspace.objects.filter(name="Copycat").exists()


def test_creating_a_workspace_with_a_reserved_address_is_refused(owner_client):
    response = owner_client.post("/workspaces/", {"workspace_name": "Admin"})

    assert response.status_code == 200
    assert "reserved" in response.context["form"].errors["workspace_slug"][0]
    assert not Workspace.objects.filter(slug="admin").exists()


def test_creating_a_workspace_needs_a_login(client):
    response = client.post("/workspaces/", {"workspace_name": "Sneaky"})

    assert response.status_code == 302
    assert not Workspace.objects.filter(slug="sneaky").exists()


def test_workspace_switcher_shows_only_my_workspaces(owner_client, workspace_a, workspace_b):
    switcher = _switcher(owner_client.get(f"/w/{workspace_a.slug}/"))

    assert f'href="/w/{workspace_a.slug}/"' in switcher
    assert f"/w/{workspace_b.slug}/" not in switcher
    assert workspace_b.name not in switcher


def test_workspace_switcher_lists_every_workspace_of_mine_and_marks_the_current_one(
    client, workspace_a, workspace_b
):
    user = MembershipFactory(workspace=workspace_a).user
    MembershipFactory(user=user, workspace=workspace_b)
    client.force_login(user)

    switcher = _switcher(client.get(f"/w/{workspace_b.slug}/"))

    assert f'<a href="/w/{workspace_a.slug}/">' in switcher
    assert f'<a href="/w/{workspace_b.slug}/" aria-current="page">' in switcher


def test_open_goes_to_the_last_workspace_used(client, workspace_a, workspace_b):
    user = MembershipFactory(workspace=workspace_a).user
    MembershipFactory(user=user, workspace=workspace_b)
    client.force_login(user)

    client.get(f"/w/{workspace_b.slug}/")
    assert client.get("/workspaces/open/")["Location"] == f"/w/{workspace_b.slug}/"

    client.get(f"/w/{workspace_a.slug}/")
    assert client.get("/workspaces/open/")["Location"] == f"/w/{workspace_a.slug}/"


def test_open_without_history_goes_to_my_first_workspace_by_name(client, workspace_a, workspace_b):
    user = MembershipFactory(workspace=workspace_b).user
    MembershipFactory(user=user, workspace=workspace_a)
    client.force_login(user)

    # Alpha Corp sorts before Bravo Corp, whichever was joined first.
    assert client.get("/workspaces/open/")["Location"] == f"/w/{workspace_a.slug}/"


def test_open_skips_a_last_workspace_i_no_longer_belong_to(client, workspace_a, workspace_b):
    user = MembershipFactory(workspace=workspace_a).user
    MembershipFactory(user=user, workspace=workspace_b)
    client.force_login(user)
    client.get(f"/w/{workspace_a.slug}/")
    Membership.objects.filter(user=user, workspace=workspace_a).delete()

    assert client.get("/workspaces/open/")["Location"] == f"/w/{workspace_b.slug}/"


def test_open_without_any_workspace_goes_to_the_list(client):
    client.force_login(UserFactory())

    response = client.get("/workspaces/open/")

    assert response["Location"] == "/workspaces/"


def test_workspace_list_query_count_does_not_grow_with_my_workspaces(
    client, workspace_a, workspace_b, django_assert_num_queries
):
    user = MembershipFactory(workspace=workspace_a).user
    client.force_login(user)
    client.get("/workspaces/")
    with CaptureQueriesContext(connection) as one_workspace:
        client.get("/workspaces/")
    MembershipFactory(user=user, workspace=workspace_b)

    with django_assert_num_queries(len(one_workspace)):
        response = client.get("/workspaces/")

    assert len(response.context["memberships"]) == 2
