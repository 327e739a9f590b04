"""One session cookie serves every workspace of a person, so it must carry nothing that opens
another one: being let into A, or having used A last, is no way into B."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_session_let_into_a_is_refused_by_b(client, owner, workspace_a, workspace_b):
    assert (
        client.post("/login/", {"username": owner.email, "password": PASSWORD}).status_code == 302
    )

    assert client.get(f"/w/{workspace_a.slug}/").status_code == 200
    assert client.get(f"/w/{workspace_a.slug}/members/").status_code == 200
    assert client.get(f"/w/{workspace_b.slug}/").status_code == 404
    assert client.get(f"/w/{workspace_b.slug}/members/").status_code == 404
    # ... and going back and forth changes nothing.
    assert client.get(f"/w/{workspace_a.slug}/settings/").status_code == 200
    assert client.get(f"/w/{workspace_b.slug}/settings/").status_code == 404


def test_last_workspace_in_the_session_cannot_point_at_a_foreign_one(
    owner_client, workspace_a, workspace_b
):
    session = owner_client.session
    session["last_workspace_slug"] = workspace_b.slug
    session.save()

    response = owner_client.get("/workspaces/open/")

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/"


def test_visiting_a_foreign_workspace_does_not_make_it_the_last_one(
    owner_client, workspace_a, workspace_b
):
    owner_client.get(f"/w/{workspace_a.slug}/")
    owner_client.get(f"/w/{workspace_b.slug}/")

    assert owner_client.session["last_workspace_slug"] == workspace_a.slug


def test_workspace_list_shows_only_the_persons_workspaces(owner_client, workspace_a, workspace_b):
    response = owner_client.get("/workspaces/")

    assert response.status_code == 200
    assert workspace_a.name.encode() in response.content
    assert workspace_b.name.encode() not in response.content
